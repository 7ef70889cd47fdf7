#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Against the real thing: Debian's kamailio with its rtpengine module pointed at
# xsrelayd, baresip phones, media through xsrelay-dp, in network namespaces.
#
#            bridge "a" (10.0.0.0/24)                   bridge "b" (10.0.1.0/24)
#   ns A  alice 10.0.0.2 (baresip, SDES-SRTP)       ns B1 plain 10.0.1.2 (baresip, RTP)
#   ns K  kamailio 10.0.0.5 | 10.0.1.5, xsrelayd   ns B2 srtp  10.0.1.3 (baresip, SDES-SRTP)
#   ns R  xsrelay-dp r0 = 10.0.0.1 | r1 = 10.0.1.1 (net_af_packet)
#   ns W  the two bridges
#
# Call 1: alice (SDES) calls "plain" (RTP/AVP): kamailio asks for RTP/AVP toward
# B1 and RTP/SAVP back toward alice. Call 2: alice calls "srtp" (SDES on both
# legs, the relay's own keys per leg). Each phone plays a tone (alice 440 Hz,
# the callees 1000 Hz) and records what it hears; each recording must hold the
# other side's tone. The relay's counters must show the packets relayed, and
# the ng traffic must be kamailio's. What the relay sends to each SDES phone is
# captured with the SIP around it; srtp-check, holding the keys read from that
# SIP (sdes_keys.py), proves that no (key, SSRC, index) was protected twice and
# that an independent receiver accepts every packet.
#
# Usage: kamailio_e2e.sh XSRELAY_DP XSRELAYD XSRELAYCTL TONE_PY SRTP_CHECK PCAP_CAPTURE
# Needs root, kamailio and baresip; exits 77 (skipped) without them.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/netns.sh
. "$(dirname "$(realpath "${BASH_SOURCE[0]}")")/../lib/netns.sh"
SDES=$(dirname "$(realpath "${BASH_SOURCE[0]}")")/../lib/sdes_keys.py

DP=$1 XSD=$2 CTL=$3 TONE=$4 CHECK=$5 CAP=$6
PY=$(command -v python3)
e2e_need_sip_peers

ID=$$
NS_A=xk-a-$ID NS_B1=xk-b1-$ID NS_B2=xk-b2-$ID NS_K=xk-k-$ID NS_R=xk-r-$ID NS_W=xk-w-$ID
PREFIX=xk$ID
TMP=$(mktemp -d /tmp/xsrelay-kam.XXXXXX)
chmod 755 "$TMP"
PIDS=

cleanup() {
	local rc=$?
	set +e
	e2e_stop_pids
	for ns in "$NS_A" "$NS_B1" "$NS_B2" "$NS_K" "$NS_R" "$NS_W"; do ip netns del "$ns" 2>/dev/null; done
	[ $rc != 0 ] && e2e_tail_logs "$TMP" 25 dp.log xsrelayd.log kamailio.log alice.log plain.log srtp.log
	rm -rf "$TMP" "/var/run/dpdk/$PREFIX"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
fail() { echo "FAIL: $*"; exit 1; }

# ------------------------------------------------------------ topology
e2e_netns_up "$NS_A" "$NS_B1" "$NS_B2" "$NS_K" "$NS_R" "$NS_W"
e2e_bridges_up
plug "$NS_A" a0 bra 10.0.0.2/24
plug "$NS_K" k0 bra 10.0.0.5/24
plug "$NS_R" r0 bra
plug "$NS_B1" b0 brb 10.0.1.2/24
plug "$NS_B2" b0 brb 10.0.1.3/24
plug "$NS_K" k1 brb 10.0.1.5/24
plug "$NS_R" r1 brb
# Default routes toward the proxy, only so that the phones' route lookups for
# the far side's addresses succeed; ns K does not forward, so nothing passes.
ip -n "$NS_A" route add default via 10.0.0.5
ip -n "$NS_B1" route add default via 10.0.1.5
ip -n "$NS_B2" route add default via 10.0.1.5

# ------------------------------------------------------------ relay
ip netns exec "$NS_R" "$DP" --no-huge --no-shconf --file-prefix "$PREFIX" --no-pci -l 0-1 -m 256 \
	--log-level '*:warning' --vdev net_af_packet0,iface=r0 --vdev net_af_packet1,iface=r1 -- \
	--ctl "$TMP/dp.sock" --addr 0:10.0.0.1/24 --addr 1:10.0.1.1/24 --idle-sleep-us 100 \
	>"$TMP/dp.log" 2>&1 &
PIDS="$PIDS $!"
for _ in $(seq 100); do [ -S "$TMP/dp.sock" ] && break; sleep 0.1; done
ip netns exec "$NS_K" "$XSD" --interface a/10.0.0.1/30000-30999 \
	--interface b/10.0.1.1/40000-40999 --ng-udp 127.0.0.1:2223 --ng-unix "$TMP/ng.sock" \
	--dp-socket "$TMP/dp.sock" --store "$TMP/calls.db" --metrics "" --log-level debug \
	>"$TMP/xsrelayd.log" 2>&1 &
PIDS="$PIDS $!"
for _ in $(seq 100); do [ -S "$TMP/ng.sock" ] && break; sleep 0.05; done

# ------------------------------------------------------------ kamailio
MODS=$(dirname "$(find /usr/lib -name rtpengine.so -path '*kamailio*' | head -1)")
cat >"$TMP/kamailio.cfg" <<EOF
#!KAMAILIO
debug=2
log_stderror=yes
children=2
listen=udp:10.0.0.5:5060
listen=udp:10.0.1.5:5060
mpath="$MODS/"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "maxfwd.so"
loadmodule "xlog.so"
loadmodule "rtpengine.so"
modparam("rtpengine", "rtpengine_sock", "udp:127.0.0.1:2223")
request_route {
	if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
	if (has_totag()) {
		if (loose_route()) {
			if (is_method("BYE")) rtpengine_delete();
			t_relay();
			exit;
		}
		if (is_method("ACK") && t_check_trans()) { t_relay(); exit; }
		sl_send_reply("404", "Not here");
		exit;
	}
	if (is_method("CANCEL")) {
		if (t_check_trans()) { rtpengine_delete(); t_relay(); }
		exit;
	}
	if (!is_method("INVITE")) { sl_send_reply("405", "Only calls here"); exit; }
	record_route();
	if (\$rU == "plain") {
		\$ru = "sip:plain@10.0.1.2:5060";
		rtpengine_offer("RTP/AVP replace-origin replace-session-connection direction=a direction=b");
	} else if (\$rU == "srtp") {
		\$ru = "sip:srtp@10.0.1.3:5060";
		rtpengine_offer("RTP/SAVP replace-origin replace-session-connection direction=a direction=b");
	} else {
		sl_send_reply("404", "No such user");
		exit;
	}
	t_on_reply("ANSWER");
	t_on_failure("FAILED");
	t_relay();
	exit;
}
onreply_route[ANSWER] {
	if (status =~ "^2" && has_body("application/sdp"))
		rtpengine_answer("RTP/SAVP replace-origin replace-session-connection");
}
failure_route[FAILED] {
	rtpengine_delete();
}
EOF
ip netns exec "$NS_K" kamailio -f "$TMP/kamailio.cfg" -DD -E -Y "$TMP/kam-run" \
	>"$TMP/kamailio.log" 2>&1 &
PIDS="$PIDS $!"
sleep 1
kill -0 "${PIDS##* }" 2>/dev/null || fail "kamailio did not start"

# ------------------------------------------------------------ phones
"$PY" "$TONE" make 440 "$TMP/tone440.wav"
"$PY" "$TONE" make 1000 "$TMP/tone1000.wav"
# phone NAME ADDR TONE ACCOUNT_PARAMS
phone() {
	local d=$TMP/$1
	mkdir -p "$d/rec"
	cat >"$d/config" <<EOF
poll_method epoll
sip_listen $2:5060
sip_transports udp
audio_player aubridge,nil
audio_source aufile,$TMP/$3
ausrc_srate 8000
auplay_srate 8000
ausrc_channels 1
auplay_channels 1
audio_level no
rtp_ports 10000-10100
module_path /usr/lib/baresip/modules
module g711.so
module aufile.so
module aubridge.so
module sndfile.so
module srtp.so
module_app account.so
module_app menu.so
snd_path $d/rec
EOF
	echo "<sip:$1@$2>;regint=0;audio_codecs=PCMU$4" >"$d/accounts"
}
phone alice 10.0.0.2 tone440.wav ";mediaenc=srtp-mand"
phone plain 10.0.1.2 tone1000.wav ";answermode=auto"
phone srtp 10.0.1.3 tone1000.wav ";answermode=auto;mediaenc=srtp-mand"

ip netns exec "$NS_B1" baresip -f "$TMP/plain" -t 40 >"$TMP/plain.log" 2>&1 &
PIDS="$PIDS $!"
ip netns exec "$NS_B2" baresip -f "$TMP/srtp" -t 40 >"$TMP/srtp.log" 2>&1 &
PIDS="$PIDS $!"
sleep 1

# call USER SECONDS: alice calls, talks, hangs up
call() {
	rm -rf "$TMP/alice/rec"/*
	ip netns exec "$NS_A" baresip -f "$TMP/alice" -e "/dial sip:$1@10.0.0.5" -t "$2" \
		>"$TMP/alice.log" 2>&1 || true
}

# capture NAME NS IFACE RELAY_IP: what the relay sends into NS, and the SIP
CAPS=
capture() {
	ip netns exec "$2" "$CAP" "$3" "$TMP/$1.pcap" "$TMP/$1.ready" \
		udp and \( src host "$4" or port 5060 \) 2>>"$TMP/capture.log" &
	PIDS="$PIDS $!"
	CAPS="$CAPS $!"
	for _ in $(seq 50); do [ -s "$TMP/$1.ready" ] && return 0; sleep 0.1; done
	fail "capture $1 did not start"
}
stop_captures() {
	local p
	for p in $CAPS; do kill -TERM "$p"; done
	for p in $CAPS; do wait "$p" || fail "a capture failed or lost packets"; done
	CAPS=
}
# srtp_check NAME PARTY_IP RELAY_IP: the relay's output in capture NAME, keyed
srtp_check() {
	local keys
	keys=$("$PY" "$SDES" "$TMP/$1.pcap" "$2") || fail "$1: no SDES dialog of $2 in the capture"
	echo "srtp-check: the relay's output to $2 ($1)"
	# shellcheck disable=SC2086 # one option per word
	"$CHECK" $keys --from "$3" --expect-auth --min 100 "$TMP/$1.pcap" ||
		fail "$1: srtp-check on the relay's output to $2"
}

check_call() { # USER CALLEE_DIR
	local user=$1 heard_a heard_b
	heard_a=$(ls "$TMP"/alice/rec/*dec*.wav 2>/dev/null | head -1)
	heard_b=$(ls -t "$TMP/$2"/rec/*dec*.wav 2>/dev/null | head -1)
	[ -n "$heard_a" ] || fail "$user: alice recorded nothing (no call?)"
	[ -n "$heard_b" ] || fail "$user: the callee recorded nothing"
	"$PY" "$TONE" check "$heard_a" 1000 440 || fail "$user: alice did not hear the callee"
	"$PY" "$TONE" check "$heard_b" 440 1000 || fail "$user: the callee did not hear alice"
}

capture plain_to_alice "$NS_A" a0 10.0.0.1
call plain 8
stop_captures
grep -q "Call established\|call established" "$TMP/alice.log" || fail "call 1 not established"
check_call plain plain
srtp_check plain_to_alice 10.0.0.2 10.0.0.1
echo "call 1 (SDES -> plain RTP) through kamailio, xsrelayd, xsrelay-dp: both sides heard"
grep -q "offer from" "$TMP/xsrelayd.log" || fail "xsrelayd saw no offer"
grep -q "ended: delete" "$TMP/xsrelayd.log" || fail "kamailio did not delete call 1"

capture srtp_to_alice "$NS_A" a0 10.0.0.1
capture srtp_to_b2 "$NS_B2" b0 10.0.1.1
call srtp 8
stop_captures
grep -q "Call established\|call established" "$TMP/alice.log" || fail "call 2 not established"
check_call srtp srtp
srtp_check srtp_to_alice 10.0.0.2 10.0.0.1
srtp_check srtp_to_b2 10.0.1.3 10.0.1.1
grep -c "ended: delete" "$TMP/xsrelayd.log" | grep -qx 2 || fail "call 2 not deleted"
echo "call 2 (SDES -> SDES, keys per leg) through kamailio, xsrelayd, xsrelay-dp: both sides heard"
totals=$(ip netns exec "$NS_K" "$CTL" --socket "$TMP/ng.sock" totals) # same netns: the reply socket is abstract
echo "$totals" | grep -E "relayed|calls_created|ng_requests" | tr -s ' \n' ' '; echo
echo "$totals" | awk '$1 == "relayed:" { exit !($2 > 200) }' || fail "few packets relayed"
echo PASS
