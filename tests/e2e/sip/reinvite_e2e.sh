#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Re-INVITEs with a fast path (issue 13): a party re-keys, restarts its stream
# with a new SSRC, moves to a new address, goes on hold and back; after each,
# media must flow both ways through xsrelay-dp.
#
#          bridge "a" (10.0.0.0/24)                  bridge "b" (10.0.1.0/24)
#   ns A  10.0.0.2 (+ 10.0.0.3 to move to)       ns B  10.0.1.3 (+ 10.0.1.4 to move to)
#   ns K  10.0.0.5 | 10.0.1.5: xsrelayd, and kamailio (part 1) or xsrelay-sip (part 2)
#   ns R  xsrelay-dp 10.0.0.1 | 10.0.1.1 (net_af_packet)
#   ns U  10.0.1.6: kamailio as registrar and proxy (part 2)
#   ns W  the bridges
#
# Part 1, through Debian's kamailio and its rtpengine module: alice (baresip,
# SDES-SRTP, ns A) calls "party", a scripted SIP UA with its own SRTP
# (reinvite_party.py, ns B; baresip cannot re-key, change SSRC or move on
# command). Call 1, each step a re-INVITE from the party through kamailio:
#   rekey     a new SDES key; its stream goes on under it (same SSRC);
#   ssrc      a new a=ssrc; its stream restarts with that SSRC;
#   move      a new address and port (10.0.1.4:20010); it sends from there.
# Call 2: alice puts the call on hold and takes it back (baresip's ctrl_tcp).
# Part 2, through xsrelay-sip (the SPA edge) and kamailio as the upstream: the
# test-bench SPA phone (x-sipura) calls baresip (SDES-SRTP). Call 1: the phone
# moves to 10.0.0.3:20010 (SIGUSR1); call 2: it holds and resumes (SIGUSR2).
# An SPA phone's keys and SSRC come from the x-sipura handshake: it neither
# re-keys nor changes SSRC mid-call.
#
# After each step a measuring window: both sides must hear the other's tone.
# The party and the SPA phone judge the audio they decrypted in the window;
# baresip's recording must have grown by a second of the other's tone (after
# a hold, baresip 1.0 records no more: there, the RTP packets it authenticated
# in the window). The relay's flow counters for the window are printed with each
# result: a failure shows where media stopped (drop_source: the old latched
# address; drop_srtp, replay, auth_fail: the receive stream). Every step runs
# even after a failure; the exit status is 1 if any failed.
#
# What the relay sends into ns A and ns B is captured (pcap-capture) for each
# part; srtp-check proves that no (key, SSRC, index) was protected twice, and,
# holding the keys the relay gave the party, decrypts all it sent the party.
#
# Usage: reinvite_e2e.sh XSRELAY_DP XSRELAYD XSRELAYCTL XSRELAY_SIP XSRELAY_MC SPA_PHONE
#                        SRTP_CHECK PCAP_CAPTURE [kamailio|spa|all]
#   XS_E2E_KEEP=DIR    copy the logs, recordings and captures to DIR at the end
# Needs root, kamailio and baresip; exits 77 (skipped) without them.
set -euo pipefail
HERE=$(dirname "$(realpath "${BASH_SOURCE[0]}")")
# shellcheck source-path=SCRIPTDIR source=../lib/netns.sh
. "$HERE/../lib/netns.sh"

DP=$(realpath "$1") XSD=$(realpath "$2") CTL=$(realpath "$3") SIP=$(realpath "$4")
MC=$(realpath "$5") PHONE=$(realpath "$6") CHECK=$(realpath "$7") CAPTURE=$(realpath "$8")
PARTS=${9:-all}
PARTY=$HERE/reinvite_party.py
e2e_need_sip_peers
# the interpreter itself, not a wrapper (pyenv's shim costs most of a second a start)
PY=$(python3 -c 'import sys; print(sys.executable)')

ID=$$
NS_A=xr-a-$ID NS_B=xr-b-$ID NS_K=xr-k-$ID NS_R=xr-r-$ID NS_U=xr-u-$ID NS_W=xr-w-$ID
PREFIX=xr$ID
TMP=$(mktemp -d /tmp/xsrelay-reinv.XXXXXX)
chmod 755 "$TMP"
PIDS=
CAP_PIDS=
FAILED=
WIN=2.5    # seconds of media judged after each step
SETTLE=1   # seconds after a step before its window opens

cleanup() {
	local rc=$?
	set +e
	e2e_stop_pids
	for ns in "$NS_A" "$NS_B" "$NS_K" "$NS_R" "$NS_U" "$NS_W"; do ip netns del "$ns" 2>/dev/null; done
	[ $rc != 0 ] && e2e_tail_logs "$TMP" 25 dp.log xsrelayd.log kamailio.log sip.log alice.log \
		party.log baresip.log phone.log
	[ -n "${XS_E2E_KEEP:-}" ] && cp -r "$TMP" "$XS_E2E_KEEP" && echo "kept in $XS_E2E_KEEP"
	rm -rf "$TMP" "/var/run/dpdk/$PREFIX"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
fail() { echo "FAIL: $*"; exit 1; }
step() { echo "-- $*"; }
# started NAME PID: PID joins the processes stopped at the end
started() { PIDS="$PIDS $2"; printf -v "$1" %s "$2"; }
# forget PID: reaped, so no longer ours to signal (its number may be reused)
forget() {
	local q keep=
	for q in $PIDS; do [ "$q" = "$1" ] || keep="$keep $q"; done
	PIDS=$keep
}
stop() { # PID...: TERM, then KILL after a second
	local p
	for p in "$@"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "$@"; do
		for _ in $(seq 10); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
		forget "$p"
	done
}
wait_for_file() { # FILE: until it exists (5 s)
	for _ in $(seq 50); do [ -e "$1" ] && return 0; sleep 0.1; done
	return 1
}
wait_for() { # FILE PATTERN COUNT SECONDS: until PATTERN is in FILE COUNT times
	local n
	for _ in $(seq $(($4 * 10))); do
		n=$(grep -c -- "$2" "$1" 2>/dev/null || true)
		[ "${n:-0}" -ge "$3" ] && return 0
		sleep 0.1
	done
	return 1
}

# ------------------------------------------------------------------ network
e2e_netns_up "$NS_A" "$NS_B" "$NS_K" "$NS_R" "$NS_U" "$NS_W"
e2e_bridges_up
plug "$NS_A" a0 bra 10.0.0.2/24 10.0.0.3/24
plug "$NS_K" k0 bra 10.0.0.5/24
plug "$NS_R" r0 bra
plug "$NS_B" b0 brb 10.0.1.3/24 10.0.1.4/24
plug "$NS_K" k1 brb 10.0.1.5/24
plug "$NS_U" u0 brb 10.0.1.6/24
plug "$NS_R" r1 brb
# routes to the other bridge's network through ns K, only so that route lookups
# for the far side's addresses succeed (ns K does not forward) and kamailio in
# ns U can answer the edge, whose requests come from 10.0.0.5. No default
# route: a DNS query (kamailio's reverse lookups at start) must fail at once,
# not wait for a server that cannot be reached.
ip -n "$NS_A" route add 10.0.1.0/24 via 10.0.0.5
ip -n "$NS_B" route add 10.0.0.0/24 via 10.0.1.5
ip -n "$NS_U" route add 10.0.0.0/24 via 10.0.1.5

# ------------------------------------------------------------------ relay
ip netns exec "$NS_R" "$DP" --no-huge --no-shconf --file-prefix "$PREFIX" --no-pci -l 0-1 -m 256 \
	--log-level '*:warning' --vdev net_af_packet0,iface=r0 --vdev net_af_packet1,iface=r1 -- \
	--ctl "$TMP/dp.sock" --addr 0:10.0.0.1/24 --addr 1:10.0.1.1/24 --idle-sleep-us 100 \
	>"$TMP/dp.log" 2>&1 &
PIDS="$PIDS $!"
for _ in $(seq 100); do [ -S "$TMP/dp.sock" ] && break; sleep 0.1; done
[ -S "$TMP/dp.sock" ] || fail "xsrelay-dp did not start"
ip netns exec "$NS_K" "$XSD" --interface spa/10.0.0.1/30000-30999 \
	--interface up/10.0.1.1/40000-40999 --ng-udp 127.0.0.1:2223 --ng-unix "$TMP/ng.sock" \
	--dp-socket "$TMP/dp.sock" --store "$TMP/calls.db" --metrics "" --log-level debug \
	>"$TMP/xsrelayd.log" 2>&1 &
PIDS="$PIDS $!"
for _ in $(seq 100); do [ -S "$TMP/ng.sock" ] && break; sleep 0.05; done
[ -S "$TMP/ng.sock" ] || fail "xsrelayd did not start"
# in ns K: xsrelayctl's reply socket is abstract
xsctl() { ip netns exec "$NS_K" "$CTL" --socket "$TMP/ng.sock" "$@"; }

"$PY" "$PARTY" tone 440 60 "$TMP/tone440.wav"
"$PY" "$PARTY" tone 1000 60 "$TMP/tone1000.wav"
KAM_MODS=$(dirname "$(find /usr/lib -name rtpengine.so -path '*kamailio*' | head -1)")

# baresip_config DIR ADDR TONE: a phone that plays TONE, records what it hears and
# takes commands on 127.0.0.1:4444 (in its namespace)
baresip_config() {
	mkdir -p "$1/rec"
	cat >"$1/config" <<EOF
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
snd_path $1/rec
module_app ctrl_tcp.so
ctrl_tcp_listen 127.0.0.1:4444
EOF
}

# ------------------------------------------------------------------ measuring windows
# A window: the near side (the party or the SPA phone) starts judging what it
# decrypts, baresip's recording is marked by its size and its RTP counter read,
# the relay's counters are taken; WIN seconds later each side must have heard
# the other. Once a call has been on hold, baresip 1.0 records no more (its
# recorder leaves the receive pipeline when the player restarts): from then on
# baresip's side is judged by the packets it received and authenticated.
REC_FILE='' REC_OFF=0 REC_RCVD=0 REC_BY_COUNT=0 CALL_FAILED=0
# shellcheck disable=SC2012 # baresip's own file names
rec_newest() { ls -t "$REC_DIR"/*dec*.wav 2>/dev/null | head -1; }
rec_rcvd() { ip netns exec "$REC_NS" "$PY" "$PARTY" rcvd 127.0.0.1:4444 2>/dev/null || echo 0; }
snapshot() { xsctl --json show "$CALL_ID" >"$TMP/flows.$1" 2>/dev/null || true; }
new_call() { REC_BY_COUNT=0 CALL_FAILED=0; }
window_open() {
	REC_FILE=$(rec_newest)
	REC_OFF=$([ -n "$REC_FILE" ] && stat -c %s "$REC_FILE" || echo 0)
	REC_RCVD=$(rec_rcvd)
	near_mark
	snapshot before
}
# window_close NAME: judges the window; a failure is recorded, the test goes on
window_close() {
	local name=$1 ok=1 newest off=$REC_OFF rcvd
	sleep "$WIN"
	snapshot after
	echo "   $NEAR_NAME heard:"
	near_report | sed 's/^/     /' || ok=0
	rcvd=$(($(rec_rcvd) - REC_RCVD))
	if [ "$REC_BY_COUNT" = 1 ]; then
		echo "   $REC_NAME received and authenticated $rcvd RTP packets (no recording after a hold)"
		[ "$rcvd" -ge 50 ] || ok=0
	else
		echo "   $REC_NAME heard (its recording; $rcvd RTP packets received and authenticated):"
		newest=$(rec_newest)
		[ "$newest" != "$REC_FILE" ] && off=0 # a new recording since the mark
		if [ -z "$newest" ]; then
			echo "     no recording"
			ok=0
		else
			"$PY" "$PARTY" wav "$newest" "$off" "$REC_WANT" "$REC_NOT" | sed 's/^/     /' || ok=0
		fi
	fi
	echo "   the relay's flows in the window:"
	"$PY" "$PARTY" flows "$TMP/flows.before" "$TMP/flows.after"
	if [ $ok = 1 ]; then
		echo "ok: $name: media flows both ways"
	else
		echo "FAIL: $name: media does not flow both ways (see above)$([ $CALL_FAILED = 1 ] &&
			echo "; an earlier step of this call failed too")"
		FAILED="$FAILED${FAILED:+, }$name"
		CALL_FAILED=1
	fi
}
window() { window_open; window_close "$1"; }
failed() { FAILED="$FAILED${FAILED:+, }$1"; echo "FAIL: $1"; }

# ------------------------------------------------------------------ captures
# What the relay sends into ns A and ns B, captured for the whole of a part;
# srtp-check then proves that no (key, SSRC, index) was protected twice.
captures_start() { # PART
	local ns out
	for ns in A B; do
		if [ $ns = A ]; then set -- "$1" "$NS_A" a0; else set -- "$1" "$NS_B" b0; fi
		out=$TMP/$1-to-$ns
		ip netns exec "$2" "$CAPTURE" "$3" "$out.pcap" "$out.ready" \
			udp and '(src host 10.0.0.1 or src host 10.0.1.1)' 2>>"$TMP/capture.log" &
		PIDS="$PIDS $!"
		CAP_PIDS="$CAP_PIDS $!"
		wait_for_file "$out.ready" || fail "$1: the capture in ns $ns did not start"
	done
}
# captures_stop PART: while media still flows (pcap-capture leaves its loop on
# the next packet after SIGTERM)
captures_stop() {
	local p
	for p in $CAP_PIDS; do kill -TERM "$p" 2>/dev/null || true; done
	for p in $CAP_PIDS; do
		for _ in $(seq 30); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -0 "$p" 2>/dev/null && { kill -KILL "$p"; failed "$1: a capture did not stop"; }
		wait "$p" || failed "$1: a capture lost packets (capture.log)"
		forget "$p"
	done
	CAP_PIDS=
}
# captures_check PART [SRTP_CHECK_OPTIONS_FOR_B]: every destination unkeyed; with
# options (--key), the keyed destinations in ns B also through srtp-check's own
# receiver (libsrtp2), which must authenticate every packet
captures_check() {
	local part=$1 ns
	shift
	for ns in A B; do
		echo "   srtp-check, the relay's output into ns $ns:"
		"$CHECK" --min 200 "$TMP/$part-to-$ns.pcap" 2>&1 | sed 's/^/     /' ||
			failed "$part: srtp-check on the relay's output into ns $ns"
	done
	if [ $# -gt 0 ]; then
		echo "   srtp-check, keyed (libsrtp2 receiver) on the party's addresses:"
		"$CHECK" --min 200 --expect-auth "$@" "$TMP/$part-to-B.pcap" 2>&1 | sed 's/^/     /' ||
			failed "$part: srtp-check's receiver on the relay's output to the party"
	fi
}

# ------------------------------------------------------------------ part 1: kamailio
part_kamailio() {
	step "part 1: alice (baresip, SDES) calls a scripted party through kamailio (rtpengine module)"
	cat >"$TMP/kamailio.cfg" <<EOF
#!KAMAILIO
debug=2
log_stderror=yes
children=2
listen=udp:10.0.0.5:5060
listen=udp:10.0.1.5:5060
mpath="$KAM_MODS/"
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
			if (is_method("BYE")) {
				rtpengine_delete();
			} else if (is_method("INVITE") && has_body("application/sdp")) {
				# a re-INVITE from either side: a re-offer on the interfaces the call has
				rtpengine_offer("replace-origin replace-session-connection");
				t_on_reply("ANSWER");
			}
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
	if (\$rU != "party") { sl_send_reply("404", "No such user"); exit; }
	record_route();
	\$ru = "sip:party@10.0.1.3:5060";
	rtpengine_offer("RTP/SAVP replace-origin replace-session-connection direction=spa direction=up");
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
	started KAM_PID $!
	baresip_config "$TMP/alice" 10.0.0.2 tone440.wav
	echo "<sip:alice@10.0.0.2>;regint=0;audio_codecs=PCMU;mediaenc=srtp-mand" >"$TMP/alice/accounts"
	ip netns exec "$NS_A" baresip -f "$TMP/alice" -t 90 >"$TMP/alice.log" 2>&1 &
	started ALICE_PID $!
	sleep 1
	kill -0 "$KAM_PID" 2>/dev/null || fail "kamailio did not start"

	captures_start part1
	party() { "$PY" "$PARTY" ctl "$TMP/party.sock" "$@"; }
	alice() { ip netns exec "$NS_A" "$PY" "$PARTY" baresip 127.0.0.1:4444 "$@"; }
	near_mark() { party mark >/dev/null; }
	near_report() { party report 440 1000; }
	NEAR_NAME="the party" REC_NAME="alice" REC_WANT=1000 REC_NOT=440 REC_DIR=$TMP/alice/rec
	REC_NS=$NS_A
	# call N: a fresh party answers alice's call
	call() {
		ip netns exec "$NS_B" "$PY" -u "$PARTY" party "$TMP/party.sock" 10.0.1.3 10.0.1.4 1000 \
			>>"$TMP/party.log" 2>&1 &
		started PARTY_PID $!
		wait_for "$TMP/party.log" "party: ready" "$1" 10 || fail "the scripted party did not start"
		alice dial sip:party@10.0.0.5 >/dev/null || fail "part 1: alice could not dial"
		local r
		r=$(party wait-call 15) || fail "part 1, call $1: the call did not come up: $r"
		CALL_ID=${r#ok }
		new_call
		sleep 1
		window "part 1, call $1 before any re-INVITE"
		[ $CALL_FAILED = 0 ] || fail "part 1, call $1: no media both ways before any re-INVITE"
	}
	local keys=() k r
	hangup() { # N [last]
		r=$(party keys) && [[ $r == --key* ]] && read -r -a k <<<"$r" && keys+=("${k[@]}")
		[ -z "${2:-}" ] || captures_stop part1
		alice hangup >/dev/null || true
		wait_for "$TMP/xsrelayd.log" "ended: delete" "$1" 5 ||
			fail "part 1: kamailio did not delete call $1"
		stop "$PARTY_PID"
	}

	step "call 1: the party re-keys, changes SSRC, moves"
	call 1
	step "rekey: the party re-INVITEs with a new SDES key, its stream goes on under it"
	party rekey || failed "rekey: the re-INVITE"
	sleep "$SETTLE"
	window "new SDES keys"
	step "ssrc: the party re-INVITEs with a new a=ssrc and restarts its stream with it"
	party ssrc || failed "new SSRC: the re-INVITE"
	sleep "$SETTLE"
	window "new SSRC"
	step "move: the party re-INVITEs from 10.0.1.4:20010 and sends from there"
	party move || failed "move: the re-INVITE"
	sleep "$SETTLE"
	window "move (new address and port)"
	echo "   the party: $(party state)"
	hangup 1

	step "call 2: alice puts the party on hold and takes it back (a=sendonly, then a=sendrecv)"
	call 2
	alice hold || failed "hold: baresip refused"
	sleep 1.5
	alice resume || failed "resume: baresip refused"
	REC_BY_COUNT=1
	sleep "$SETTLE"
	grep -q "re-INVITE from the caller (sendonly), answered recvonly" "$TMP/party.log" ||
		failed "hold: no a=sendonly re-INVITE reached the party"
	window "hold and resume"
	hangup 2 last
	stop "$ALICE_PID" "$KAM_PID"
	captures_check part1 "${keys[@]}"
}

# ------------------------------------------------------------------ part 2: SPA phone
part_spa() {
	step "part 2: the SPA phone (x-sipura) calls baresip (SDES) through xsrelay-sip and kamailio"
	(
		cd "$TMP"
		"$MC" ca-new ca_key 2>/dev/null
		"$MC" ca_key "SPA 2001" 2001 "00:00:00 1/1/34" >id_good
		sed -n 1p id_good >mc_good
		sed -n 2p id_good >key_good
	) || fail "part 2: xsrelay-mc could not make the phone's identity"
	ip netns exec "$NS_K" "$SIP" --listen 10.0.0.5:5060 --listen 10.0.1.5:5060 \
		--upstream 10.0.1.6:5060 --domain 10.0.1.6 --ca-key "$TMP/ca_key" \
		--secure-timeout 6 --insecure keep >"$TMP/sip.log" 2>&1 &
	started EDGE_PID $!
	local mods
	mods=$(dirname "$(find /usr/lib -name registrar.so -path '*kamailio*' | head -1)")
	cat >"$TMP/kamailio-up.cfg" <<EOF
#!KAMAILIO
debug=2
log_stderror=yes
children=2
listen=udp:10.0.1.6:5060
alias=10.0.1.6
mpath="$mods/"
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
	if (\$rU == "baresip") { \$ru = "sip:baresip@10.0.1.3:5060"; t_relay(); exit; }
	if (!lookup("location")) { sl_send_reply("404", "Not Found"); exit; }
	t_relay();
	exit;
}
EOF
	ip netns exec "$NS_U" kamailio -f "$TMP/kamailio-up.cfg" -DD -E -Y "$TMP/kam-up-run" \
		>>"$TMP/kamailio.log" 2>&1 &
	started KAMU_PID $!
	baresip_config "$TMP/baresip" 10.0.1.3 tone1000.wav
	echo "<sip:baresip@10.0.1.6>;regint=0;audio_codecs=PCMU;mediaenc=srtp-mand;answermode=auto" \
		>"$TMP/baresip/accounts"
	ip netns exec "$NS_B" baresip -f "$TMP/baresip" -t 60 >"$TMP/baresip.log" 2>&1 &
	started BARESIP_PID $!
	sleep 1
	kill -0 "$KAMU_PID" 2>/dev/null || fail "part 2: kamailio did not start"
	kill -0 "$EDGE_PID" 2>/dev/null || fail "part 2: xsrelay-sip did not start"

	captures_start part2
	SPA_OFF=0
	near_mark() { SPA_OFF=$(stat -c %s "$TMP/spa_heard.wav" 2>/dev/null || echo 0); }
	near_report() { "$PY" "$PARTY" wav "$TMP/spa_heard.wav" "$SPA_OFF" 1000 440; }
	NEAR_NAME="the SPA phone" REC_NAME="baresip" REC_WANT=440 REC_NOT=1000 REC_DIR=$TMP/baresip/rec
	REC_NS=$NS_B
	# spa_call N: the phone calls baresip (a new call); its first window. The
	# phone re-INVITEs on signals: SIGUSR1 moves it, SIGUSR2 holds (resumes 2 s later).
	spa_call() {
		local n=$1
		ip netns exec "$NS_A" "$PHONE" --sip 10.0.0.2:5060 --rtp 20000 --proxy 10.0.0.5:5060 \
			--domain 10.0.1.6 --user 2001 --mc "$TMP/mc_good" --key "$TMP/key_good" \
			--wav-in "$TMP/tone440.wav" --wav-out "$TMP/spa_heard.wav" --duration 40 \
			--move-to 10.0.0.3:20010 call baresip >"$TMP/phone.log" 2>&1 &
		started PHONE_PID $!
		wait_for "$TMP/phone.log" "spa: srtp on" 1 10 ||
			fail "part 2, call $n: no x-sipura SRTP on the SPA leg"
		CALL_ID=$(xsctl list | head -1)
		new_call
		sleep 0.5
		window "part 2, call $n before any re-INVITE"
		[ $CALL_FAILED = 0 ] || fail "part 2, call $n: no media both ways before any re-INVITE"
	}
	spa_hangup() {
		kill -TERM "$PHONE_PID"
		wait "$PHONE_PID" || echo "   (the SPA phone reports a failure)"
		forget "$PHONE_PID"
		grep '^spa: rx' "$TMP/phone.log" | sed 's/^/   /' || true
	}

	step "call 1: the SPA phone moves to 10.0.0.3:20010 (re-INVITE, media from there)"
	spa_call 1
	kill -USR1 "$PHONE_PID"
	if ! wait_for "$TMP/phone.log" "media moved to" 1 5 ||
		! wait_for "$TMP/phone.log" "re-INVITE answered with a=sendrecv" 1 5; then
		failed "SPA move: no answer to the re-INVITE"
	fi
	sleep "$SETTLE"
	window "SPA move (new address and port)"
	spa_hangup

	step "call 2: the SPA phone holds baresip and takes it back (a=sendonly, then a=sendrecv)"
	spa_call 2
	kill -USR2 "$PHONE_PID"
	wait_for "$TMP/phone.log" "re-INVITE answered with a=sendrecv" 1 6 ||
		failed "SPA hold and resume: no answer to the resume"
	grep -q "re-INVITE answered with a=recvonly" "$TMP/phone.log" ||
		failed "SPA hold: the edge did not answer the hold with a=recvonly"
	REC_BY_COUNT=1
	sleep "$SETTLE"
	window "SPA hold and resume"
	captures_stop part2
	spa_hangup
	stop "$BARESIP_PID" "$EDGE_PID" "$KAMU_PID"
	captures_check part2
}

case $PARTS in
all) part_kamailio; part_spa ;;
kamailio) part_kamailio ;;
spa) part_spa ;;
*) fail "no part '$PARTS' (kamailio, spa or all)" ;;
esac

if [ -n "$FAILED" ]; then
	echo "FAIL: $FAILED"
	exit 1
fi
echo PASS
