#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The secure call, end to end: an SPA phone on x-sipura talks to an SDES-SRTP
# phone through xsrelay-sip, xsrelayd and xsrelay-dp, with Debian's kamailio as
# the existing proxy.
#
#        bridge "a" 10.0.0.0/24                         bridge "b" 10.0.1.0/24
#   ns S   spa_phone 2001 (10.0.0.2)           ns U  kamailio 10.0.1.6 (registrar, proxy)
#   ns E   xsrelay-sip 10.0.0.5 | 10.0.1.5,    ns B  baresip 10.0.1.7 (SDES-SRTP)
#          xsrelayd (ng 127.0.0.1:2223)
#   ns R   xsrelay-dp 10.0.0.1 | 10.0.1.1
#   ns W   the bridges
#
# Call 1: the SPA phone calls baresip; the phone starts x-sipura, the edge
# answers as callee. Call 2: baresip calls the SPA phone; the edge starts
# x-sipura as caller. Then the negative runs: a phone with a certificate from
# another CA, an expired one, and one whose user id is not the called user;
# each call goes on in plain RTP (policy keep) with the reason logged.
#
# Captures on both legs check that media is SRTP: on the SPA leg the payload,
# decoded as audio, is noise once the handshake is done (and the tone before);
# on the SDES leg every packet decrypts (libsrtp2) under the key in the SDP the
# relay gave baresip and not under baresip's own. Pcap captures of what the relay
# sends on both legs go to srtp-check: no (key, SSRC, index) protected twice, and
# on the SDES leg an independent receiver (keys from the SIP) accepts every packet.
# (srtp-check and pcap-capture are found next to SRTP_GEN in the build tree.)
#
# Usage: spa_e2e.sh test|demo XSRELAY_DP XSRELAYD XSRELAY_SIP XSRELAY_MC SPA_PHONE TONE_PY
#                   SRTP_GEN CAPTURE_PY
#   test: asserts and exits non-zero on any failure (part of .ci/run)
#   demo: the same calls, told in plain words; recordings left in ./xsrelay-demo/
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/netns.sh
. "$(dirname "$(realpath "${BASH_SOURCE[0]}")")/../lib/netns.sh"

MODE=$1
DP=$(realpath "$2") XSD=$(realpath "$3") SIP=$(realpath "$4") MC=$(realpath "$5")
PHONE=$(realpath "$6") TONE=$(realpath "$7") GEN=$(realpath "$8") CAP=$(realpath "$9")
PY=$(command -v python3)
TOOLS=$(dirname "$GEN")/../../tools
CHECK=$TOOLS/srtp-check PCAP=$TOOLS/pcap-capture
SDES=$(dirname "$(realpath "${BASH_SOURCE[0]}")")/../lib/sdes_keys.py
e2e_need_sip_peers

ID=$$
NS_S=xs-s-$ID NS_E=xs-e-$ID NS_R=xs-r-$ID NS_U=xs-u-$ID NS_B=xs-b-$ID NS_W=xs-w-$ID
PREFIX=xsspa$ID
TMP=$(mktemp -d /tmp/xsrelay-spa.XXXXXX)
chmod 755 "$TMP"
PIDS=
say() { echo "$*"; }
step() { [ "$MODE" = demo ] && echo "== $*" || echo "-- $*"; }

cleanup() {
	local rc=$?
	set +e
	e2e_stop_pids
	for ns in "$NS_S" "$NS_E" "$NS_R" "$NS_U" "$NS_B" "$NS_W"; do ip netns del "$ns" 2>/dev/null; done
	[ $rc != 0 ] && e2e_tail_logs "$TMP" 30 dp.log xsrelayd.log sip.log kamailio.log baresip.log phone.log
	if [ "$MODE" = demo ]; then
		mkdir -p xsrelay-demo
		cp "$TMP"/*.wav "$TMP"/*.log xsrelay-demo/ 2>/dev/null
		cp -r "$TMP/baresip/rec" xsrelay-demo/baresip-recordings 2>/dev/null
		echo "Recordings and logs are in $(pwd)/xsrelay-demo/"
	fi
	if [ -n "${HP_OLD:-}" ]; then
		umount "$TMP/huge" 2>/dev/null
		echo "$HP_OLD" >/proc/sys/vm/nr_hugepages 2>/dev/null
	fi
	rm -rf "$TMP" "/var/run/dpdk/$PREFIX"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
fail() { echo "FAIL: $*"; exit 1; }

# ------------------------------------------------------------------ network
e2e_netns_up "$NS_S" "$NS_E" "$NS_R" "$NS_U" "$NS_B" "$NS_W"
e2e_bridges_up
plug "$NS_S" s0 bra 10.0.0.2/24
plug "$NS_E" e0 bra 10.0.0.5/24
plug "$NS_R" r0 bra
plug "$NS_E" e1 brb 10.0.1.5/24
plug "$NS_R" r1 brb
plug "$NS_U" u0 brb 10.0.1.6/24
plug "$NS_B" b0 brb 10.0.1.7/24
ip -n "$NS_S" route add default via 10.0.0.5
ip -n "$NS_U" route add default via 10.0.1.5
ip -n "$NS_B" route add default via 10.0.1.5

# ------------------------------------------------------------------ identities
cd "$TMP"
"$MC" ca-new ca_key 2>/dev/null
"$MC" ca-new other_ca 2>/dev/null
"$MC" ca_key "SPA 2001" 2001 "00:00:00 1/1/34" >id_good
"$MC" other_ca "SPA 2001" 2001 "00:00:00 1/1/34" >id_other_ca
"$MC" ca_key "SPA 2001" 2001 "00:00:00 1/1/20" >id_expired
"$MC" ca_key "SPA 2002" 2002 "00:00:00 1/1/34" >id_wrong_user
for id in good other_ca expired wrong_user; do
	sed -n 1p "id_$id" >"mc_$id"
	sed -n 2p "id_$id" >"key_$id"
done
"$PY" "$TONE" make 440 "$TMP/spa_tone.wav"
"$PY" "$TONE" make 1000 "$TMP/baresip_tone.wav"
cd - >/dev/null

# ------------------------------------------------------------------ relay, daemon, edge
# The demo uses hugepages when the machine allows them (128 x 2 MB, given back at
# the end); the test runs on 4 KiB pages (--no-huge), the same on every machine.
MEM="--no-huge --no-shconf"
HP_OLD=
if [ "$MODE" = demo ] && [ -w /proc/sys/vm/nr_hugepages ]; then
	HP_OLD=$(cat /proc/sys/vm/nr_hugepages)
	echo $((HP_OLD + 128)) >/proc/sys/vm/nr_hugepages 2>/dev/null || true
	free_hp=$(awk '/HugePages_Free/ { print $2 }' /proc/meminfo)
	mkdir -p "$TMP/huge"
	if [ "${free_hp:-0}" -ge 128 ] && mount -t hugetlbfs nodev "$TMP/huge" 2>/dev/null; then
		MEM="--in-memory --huge-dir $TMP/huge"
		say "memory: 128 x 2 MB hugepages for xsrelay-dp"
	else
		echo "$HP_OLD" >/proc/sys/vm/nr_hugepages 2>/dev/null || true
		HP_OLD=
		say "memory: no hugepages on this machine, xsrelay-dp runs with --no-huge"
	fi
fi
# shellcheck disable=SC2086
ip netns exec "$NS_R" "$DP" $MEM --file-prefix "$PREFIX" --no-pci -l 0-1 -m 256 \
	--log-level '*:warning' --vdev net_af_packet0,iface=r0 --vdev net_af_packet1,iface=r1 -- \
	--ctl "$TMP/dp.sock" --addr 0:10.0.0.1/24 --addr 1:10.0.1.1/24 --idle-sleep-us 100 \
	>"$TMP/dp.log" 2>&1 &
PIDS="$PIDS $!"
for _ in $(seq 100); do [ -S "$TMP/dp.sock" ] && break; sleep 0.1; done
ip netns exec "$NS_E" "$XSD" --interface spa/10.0.0.1/30000-30999 \
	--interface up/10.0.1.1/40000-40999 --ng-udp 127.0.0.1:2223 --ng-unix "$TMP/ng.sock" \
	--dp-socket "$TMP/dp.sock" --store "$TMP/calls.db" --metrics "" \
	>"$TMP/xsrelayd.log" 2>&1 &
PIDS="$PIDS $!"
for _ in $(seq 100); do [ -S "$TMP/ng.sock" ] && break; sleep 0.05; done
start_edge() { # POLICY [more settings]
	local policy=$1
	shift
	ip netns exec "$NS_E" "$SIP" --listen 10.0.0.5:5060 --listen 10.0.1.5:5060 \
		--upstream 10.0.1.6:5060 --domain 10.0.1.6 --ca-key "$TMP/ca_key" \
		--secure-timeout 6 --insecure "$policy" "$@" >>"$TMP/sip.log" 2>&1 &
	EDGE=$!
	PIDS="$PIDS $EDGE"
	sleep 0.5
}
start_edge keep

# ------------------------------------------------------------------ upstream
MODS=$(dirname "$(find /usr/lib -name registrar.so -path '*kamailio*' | head -1)")
cat >"$TMP/kamailio.cfg" <<EOF
#!KAMAILIO
debug=2
log_stderror=yes
children=2
listen=udp:10.0.1.6:5060
alias=10.0.1.6
mpath="$MODS/"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "xlog.so"
modparam("usrloc", "db_mode", 0)
request_route {
	if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
	if (is_method("REGISTER")) { save("location"); exit; }
	if (has_totag()) {
		if (loose_route()) { t_relay(); exit; }
		if (is_method("ACK") && t_check_trans()) { t_relay(); exit; }
		sl_send_reply("404", "Not here");
		exit;
	}
	if (is_method("CANCEL")) { if (t_check_trans()) t_relay(); exit; }
	remove_hf("Route");
	if (is_method("INVITE")) record_route();
	# baresip does not register in this test: it has a fixed address
	if (\$rU == "baresip") { \$ru = "sip:baresip@10.0.1.7:5060"; t_relay(); exit; }
	if (!lookup("location")) { sl_send_reply("404", "Not Found"); exit; }
	t_relay();
	exit;
}
EOF
ip netns exec "$NS_U" kamailio -f "$TMP/kamailio.cfg" -DD -E -Y "$TMP/kam-run" \
	>"$TMP/kamailio.log" 2>&1 &
PIDS="$PIDS $!"
mkdir -p "$TMP/baresip/rec"
cat >"$TMP/baresip/config" <<EOF
poll_method epoll
sip_listen 10.0.1.7:5060
sip_transports udp
audio_player aubridge,nil
audio_source aufile,$TMP/baresip_tone.wav
ausrc_srate 8000
auplay_srate 8000
ausrc_channels 1
auplay_channels 1
rtp_ports 10000-10100
module_path /usr/lib/baresip/modules
module g711.so
module aufile.so
module aubridge.so
module sndfile.so
module srtp.so
module_app account.so
module_app menu.so
snd_path $TMP/baresip/rec
EOF
echo "<sip:baresip@10.0.1.6>;regint=0;audio_codecs=PCMU;mediaenc=srtp-mand;answermode=auto" \
	>"$TMP/baresip/accounts"
sleep 1

# ------------------------------------------------------------------ calls
phone() { # ID MODE [TARGET] ... extra args
	local id=$1
	shift
	ip netns exec "$NS_S" "$PHONE" --sip 10.0.0.2:5060 --rtp 20000 --proxy 10.0.0.5:5060 \
		--domain 10.0.1.6 --user 2001 --mc "$TMP/mc_$id" --key "$TMP/key_$id" \
		--wav-in "$TMP/spa_tone.wav" --wav-out "$TMP/spa_heard.wav" "$@"
}

start_captures() {
	stop_captures
	rm -f "$TMP/cap_spa" "$TMP/cap_b"
	rm -f "$TMP"/pcap_*
	ip netns exec "$NS_S" "$PY" "$CAP" capture s0 "$TMP/cap_spa" & CAPS="$!"
	ip netns exec "$NS_B" "$PY" "$CAP" capture b0 "$TMP/cap_b" & CAPS="$CAPS $!"
	ip netns exec "$NS_S" "$PCAP" s0 "$TMP/pcap_spa" "$TMP/pcap_spa.ready" udp and src host 10.0.0.1 &
	CAPS="$CAPS $!"
	ip netns exec "$NS_B" "$PCAP" b0 "$TMP/pcap_b" "$TMP/pcap_b.ready" \
		udp and \( src host 10.0.1.1 or port 5060 \) & CAPS="$CAPS $!"
	PIDS="$PIDS $CAPS"
	# the captures write their files once their sockets are open: wait for all
	for _ in $(seq 100); do
		[ -e "$TMP/cap_spa" ] && [ -e "$TMP/cap_b" ] && [ -e "$TMP/pcap_spa.ready" ] &&
			[ -e "$TMP/pcap_b.ready" ] && break
		sleep 0.05
	done
	sleep 0.1
}
stop_captures() {
	for p in ${CAPS:-}; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null || true; done
	CAPS=
	return 0
}
check_legs() { # CALL
	stop_captures
	"$PY" "$CAP" noise "$TMP/cap_spa" 10.0.0.2 10.0.0.1 440 ||
		fail "$1: the SPA leg (phone -> relay) is not encrypted after the handshake"
	"$PY" "$CAP" noise "$TMP/cap_spa" 10.0.0.1 10.0.0.2 1000 ||
		fail "$1: the SPA leg (relay -> phone) is not encrypted after the handshake"
	local relay baresip
	relay=$("$PY" "$CAP" sdes "$TMP/cap_b" 10.0.1.6) || fail "$1: no relay key in baresip's SDP"
	baresip=$("$PY" "$CAP" sdes "$TMP/cap_b" 10.0.1.7 "${relay%% *}") ||
		fail "$1: no key in baresip's own SDP"
	"$PY" "$CAP" rtp "$TMP/cap_b" 10.0.1.1 10.0.1.7 "$TMP/sdes_leg"
	echo -n "$1, SDES leg (relay -> baresip, AES_CM_128_HMAC_SHA1_${relay%% *}): "
	# shellcheck disable=SC2086
	"$GEN" decrypts $relay $baresip "$TMP/sdes_leg" 100 ||
		fail "$1: the SDES leg does not decrypt under the key of its SDP"
	local keys
	keys=$("$PY" "$SDES" "$TMP/pcap_b" 10.0.1.7) || fail "$1: no SDES exchange of baresip captured"
	echo "$1, srtp-check on the SDES leg (relay -> baresip):"
	# shellcheck disable=SC2086 # one option per word
	"$CHECK" $keys --from 10.0.1.1 --expect-auth --min 100 "$TMP/pcap_b" ||
		fail "$1: srtp-check on the SDES leg"
	# RTP only (the phone's port): x-sipura's SRTCP trailer is not RFC 3711's for sure
	echo "$1, srtp-check on the SPA leg (relay -> phone, RTP, no key):"
	"$CHECK" --from 10.0.0.1 --to 10.0.0.2:20000 --min 100 "$TMP/pcap_spa" ||
		fail "$1: srtp-check on the SPA leg"
}
heard() { # CALL BARESIP_HEARS SPA_HEARS
	local heard_b
	heard_b=$(ls -t "$TMP"/baresip/rec/*dec*.wav 2>/dev/null | head -1)
	[ -n "$heard_b" ] || fail "$1: baresip recorded nothing"
	"$PY" "$TONE" check "$heard_b" 440 1000 || fail "$1: baresip did not hear the SPA phone"
	"$PY" "$TONE" check "$TMP/spa_heard.wav" 1000 440 || fail "$1: the SPA phone did not hear baresip"
	cp "$heard_b" "$TMP/$1-baresip-heard.wav"
	cp "$TMP/spa_heard.wav" "$TMP/$1-spa-heard.wav"
}
baresip_start() { # extra args
	rm -f "$TMP"/baresip/rec/*
	ip netns exec "$NS_B" baresip -f "$TMP/baresip" "$@" >"$TMP/baresip.log" 2>&1 &
	BARESIP=$!
	PIDS="$PIDS $BARESIP"
}
baresip_stop() {
	kill "$BARESIP" 2>/dev/null || true
	wait "$BARESIP" 2>/dev/null || true
}

# Call 1: the SPA phone calls baresip
step "call 1: the SPA phone (x-sipura, user 2001) calls baresip (SDES-SRTP) through kamailio"
baresip_start -t 30
sleep 1
start_captures
rc=0
phone good --duration 8 --hold-at 3 call baresip >"$TMP/phone.log" 2>&1 || rc=$?
grep '^spa:' "$TMP/phone.log" || true
[ $rc = 0 ] || fail "call 1: the SPA phone reports failure ($rc)"
grep -q "x-sipura handshake complete (edge is callee)" "$TMP/sip.log" ||
	fail "call 1: the edge did not complete x-sipura as callee"
# hold and resume from the SPA phone: answered by the edge, passed on to baresip,
# and the call (and its x-sipura keys) carry on
grep -q "spa: re-INVITE answered with a=recvonly" "$TMP/phone.log" ||
	fail "call 1: the edge did not answer the phone's hold with a=recvonly"
grep -q "spa: re-INVITE answered with a=sendrecv" "$TMP/phone.log" ||
	fail "call 1: the edge did not answer the phone's resume with a=sendrecv"
grep -q "re-INVITE from the SPA side (sendonly), passed on" "$TMP/sip.log" ||
	fail "call 1: the hold was not passed on upstream"
grep -a -q "a=sendonly" "$TMP/cap_b" || fail "call 1: baresip never saw the hold (a=sendonly)"
say "call 1: the SPA phone put baresip on hold and resumed; the re-INVITEs were passed on"
heard call1
check_legs call1
baresip_stop
say "call 1: connected; x-sipura done (phone = caller, edge = callee); SRTP on both legs; each side heard the other"

# Call 2: baresip calls the SPA phone
step "call 2: baresip calls the SPA phone (2001) through kamailio and the edge"
rc=0
phone good --duration 20 answer >"$TMP/phone.log" 2>&1 & PHONE_PID=$!
sleep 1.5
start_captures
baresip_start -t 9 -e "/dial sip:2001@10.0.1.6"
wait "$PHONE_PID" || rc=$?
baresip_stop
grep '^spa:' "$TMP/phone.log" || true
[ $rc = 0 ] || fail "call 2: the SPA phone reports failure ($rc)"
grep -q "x-sipura handshake complete (edge is caller)" "$TMP/sip.log" ||
	fail "call 2: the edge did not complete x-sipura as caller"
heard call2
check_legs call2
say "call 2: connected; x-sipura done (edge = caller, phone = callee); SRTP on both legs; each side heard the other"
# The switch to SRTP mid-call loses nothing: the relay dropped (next to) no packet.
CTL=$(dirname "$XSD")/xsrelayctl
ip netns exec "$NS_E" "$CTL" --socket "$TMP/ng.sock" totals >"$TMP/totals.txt" || true
drops=$(awk '$1 == "drop_flow:" { print $2 }' "$TMP/totals.txt")
say "the relay dropped ${drops:-?} packets over both calls, the switch to SRTP included"
[ -n "$drops" ] && [ "$drops" -le 4 ] || fail "packets dropped around the switch to SRTP: ${drops:-?}"

# Negative runs: the call stays up in plain RTP (policy keep) and the reason is logged.
negative() { # NAME IDENTITY DIRECTION EXPECTED_LOG
	local name=$1 id=$2 dir=$3 want=$4
	step "negative: $name"
	: >"$TMP/sip.log.mark"
	local before
	before=$(wc -l <"$TMP/sip.log")
	if [ "$dir" = out ]; then
		baresip_start -t 20
		sleep 1
		phone "$id" --duration 4 call baresip >"$TMP/phone.log" 2>&1 || true
	else
		phone "$id" --duration 12 answer >"$TMP/phone.log" 2>&1 & PHONE_PID=$!
		sleep 1.5
		baresip_start -t 6 -e "/dial sip:2001@10.0.1.6"
		wait "$PHONE_PID" || true
	fi
	baresip_stop
	grep -q "spa: call established" "$TMP/phone.log" || fail "$name: the call did not connect"
	tail -n +"$((before + 1))" "$TMP/sip.log" >"$TMP/sip.log.part"
	grep -q "$want" "$TMP/sip.log.part" || fail "$name: the edge did not report '$want'"
	grep -q "policy keep: the SPA leg stays plain RTP (INSECURE)" "$TMP/sip.log.part" ||
		fail "$name: the insecure policy was not applied"
	grep -q "INSECURE: $want" "$TMP/xsrelayd.log" ||
		fail "$name: xsrelayd (xsrelayctl show) was not told why the call is insecure"
	say "$name: call connected, kept in plain RTP (INSECURE): $(grep -o 'x-sipura: [^;]*; policy keep' "$TMP/sip.log.part" | head -1 | sed 's/; policy keep//')"
}
negative "certificate from another CA" other_ca out "signature does not verify under this CA key"
negative "expired certificate" expired out "certificate has expired"
negative "user id is not the called user" wrong_user in "the peer certificate's user id is not the dialled user id"

# The other policy: the edge hangs up a SPA call that does not go secure.
step "negative with policy hangup: certificate from another CA"
kill -TERM "$EDGE"
wait "$EDGE" 2>/dev/null || true
start_edge hangup
before=$(wc -l <"$TMP/sip.log")
baresip_start -t 20
sleep 1
phone other_ca --duration 8 call baresip >"$TMP/phone.log" 2>&1 || true
baresip_stop
tail -n +"$((before + 1))" "$TMP/sip.log" >"$TMP/sip.log.part"
grep -q "spa: call established" "$TMP/phone.log" || fail "hangup policy: the call did not connect"
grep -q "policy hangup: ending the call" "$TMP/sip.log.part" ||
	fail "hangup policy: the edge did not end the call"
grep -q "spa: call closed: BYE received" "$TMP/phone.log" ||
	fail "hangup policy: the phone did not get a BYE"
grep -q "ending: duration reached" "$TMP/phone.log" &&
	fail "hangup policy: the call lasted its full duration"
say "policy hangup: the call without x-sipura was ended by the edge (BYE), reason logged"

# Old SPA firmware speaks TLS 1.0: admitted only with tls-legacy.
step "SIP over TLS 1.0 (old SPA firmware): the phone registers and calls baresip"
kill -TERM "$EDGE"
wait "$EDGE" 2>/dev/null || true
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=edge.test \
	-keyout "$TMP/edge_key.pem" -out "$TMP/edge_cert.pem" 2>/dev/null
cat "$TMP/edge_cert.pem" "$TMP/edge_key.pem" >"$TMP/edge_tls.pem"
start_edge keep --tls-listen 10.0.0.5:5061 --tls-cert "$TMP/edge_tls.pem" --tls-legacy yes
baresip_start -t 20
sleep 1
rc=0
phone good --tls 1.0 --proxy 10.0.0.5:5061 --duration 5 call baresip >"$TMP/phone.log" 2>&1 ||
	rc=$?
baresip_stop
grep '^spa:' "$TMP/phone.log" | grep -E "TLS|registered|handshake|PASS|FAIL" || true
[ $rc = 0 ] || fail "TLS 1.0: the SPA phone reports failure ($rc)"
grep -q "spa: registered (over TLS)" "$TMP/phone.log" || fail "TLS 1.0: the phone did not register over TLS"
grep -q "legacy TLS 1.0 admitted" "$TMP/sip.log" || fail "TLS 1.0: the edge did not log legacy TLS"
say "SIP over TLS 1.0 with tls-legacy: registered, called, x-sipura done, SRTP"
step "SIP over TLS 1.0: baresip calls the phone on its own TLS connection"
rc=0
phone good --tls 1.0 --proxy 10.0.0.5:5061 --duration 20 answer >"$TMP/phone.log" 2>&1 &
PHONE_PID=$!
sleep 2
baresip_start -t 8 -e "/dial sip:2001@10.0.1.6"
wait "$PHONE_PID" || rc=$?
baresip_stop
grep '^spa:' "$TMP/phone.log" | grep -E "registered|incoming|handshake|PASS|FAIL" || true
[ $rc = 0 ] || fail "TLS 1.0: the call to the phone failed ($rc)"
say "SIP over TLS 1.0: the phone was called over its TLS connection, x-sipura done, SRTP"

step "what the relay did"
CTL=$(dirname "$XSD")/xsrelayctl
ip netns exec "$NS_E" "$CTL" --socket "$TMP/ng.sock" totals >"$TMP/totals.txt" || true
relayed=$(awk '$1 == "relayed:" { print $2 }' "$TMP/totals.txt")
keys=$(awk '$1 == "xsipura_keys:" { print $2 }' "$TMP/totals.txt")
calls=$(awk '$1 == "calls_created:" { print $2 }' "$TMP/totals.txt")
say "xsrelayd set up ${calls:-?} calls and installed x-sipura keys ${keys:-?} times;" \
	"xsrelay-dp relayed and re-encrypted ${relayed:-?} packets"
[ "${relayed:-0}" -gt 1000 ] || fail "the relay relayed only ${relayed:-0} packets"
echo PASS
