#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Issue 13 end to end: one call, plain RTP from A to SDES toward B, through
# xsrelayd and xsrelay-dp, and the faults that used to make the relay reuse
# SRTP keystream:
#
#   ns A  a0 10.0.0.2 <-veth-> r0 [xsrelay-dp 10.0.0.1 | 10.0.1.1] r1 <-veth-> b0 10.0.1.2  ns B
#         (spray from 10.0.0.66)     ns R, xsrelayd there too       (spray from 10.0.1.66)
#
# A sends RTP and RTCP at 250 packets a second; SSRC A starts a second before
# its sequence numbers wrap, SSRC B just before. Everything the relay sends to B
# is captured in B (pcap-capture). In order:
#   0. before A's first packet, a spray of both port ranges (RTP-looking packets
#      and forged SRTP from other hosts): the first sender must not own a flow
#   1. SSRC A, its ROC wraps; then B (wraps too), then A again
#   2. kill -9 xsrelay-dp, restart it      3. kill -9 xsrelayd, restart it
#   4. kill -9 both, restart both          5. SSRC B again, then A again
#   6. the spray again, while the call runs
#   7. A stops; the spray goes on: the call must still end (media timeout), and
#      its flows must be gone from the fast path
# Then srtp-check, an independent receiver (libsrtp2) holding the SDES key the
# relay offered B, reads the capture: no (SSRC, index) protected twice (SRTP and
# SRTCP), no packet rejected, no SSRC but A's and B's, and after each fault the
# media came back within XS_E2E_MAX_GAP seconds (default 1). Nothing may reach A
# (B sends nothing; a spray packet relayed to A would be a hijack).
#
# Usage: stream_faults_e2e.sh XSRELAY_DP XSRELAYD SRTP_CHECK PCAP_CAPTURE NG_CALL_PY RTP_STREAM_PY
# Needs root (namespaces); exits 77 (skipped) without it. XS_E2E_KEEP=DIR keeps
# the captures, logs and the (test) key toward B in DIR; XS_E2E_STEPS picks steps
# (prespray ssrc dp xsrelayd both ssrc2 spray: 0 to 6 above; all by default).
set -euo pipefail

DP=$1 XSD=$2 CHECK=$3 CAP=$4 NGC=$5 RS=$6
PY=$(command -v python3)
PPS=250
MEDIA_TIMEOUT=4
MAX_GAP=${XS_E2E_MAX_GAP:-1.0}

if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null; then
	echo "SKIP: needs root and iproute2"
	exit 77
fi

ID=$$
NA=xsf-a-$ID NR=xsf-r-$ID NB=xsf-b-$ID
A0=xfa0-$ID R0=xfr0-$ID R1=xfr1-$ID B0=xfb0-$ID
PREFIX=xsf$ID
TMP=$(mktemp -d /tmp/xsrelay-faults.XXXXXX)
SOCK=$TMP/dp.sock
NGPORT=23$((ID % 900 + 100))
DP_PID= XSD_PID= GEN_PID= CAP_PIDS= SPRAY_PIDS= T_UP=
EVENTS=()
RESTARTS=0
# XS_E2E_STEPS: the steps to run (below), all by default; e.g. "dp" for one fault
STEPS=${XS_E2E_STEPS:-prespray ssrc dp xsrelayd both ssrc2 spray}
step() { [[ " $STEPS " == *" $1 "* ]]; }

cleanup() {
	local rc=$?
	set +e
	for p in $SPRAY_PIDS $GEN_PID $CAP_PIDS $XSD_PID $DP_PID; do kill -TERM "$p" 2>/dev/null; done
	sleep 0.3
	for p in $SPRAY_PIDS $GEN_PID $CAP_PIDS $XSD_PID $DP_PID; do kill -KILL "$p" 2>/dev/null; done
	wait 2>/dev/null
	for ns in "$NA" "$NR" "$NB"; do ip netns del "$ns" 2>/dev/null; done
	if [ $rc != 0 ]; then
		for f in dp.log xsrelayd.log gen.log; do
			[ -f "$TMP/$f" ] && { echo "--- $f"; tail -30 "$TMP/$f"; }
		done
	fi
	if [ -n "${XS_E2E_KEEP:-}" ]; then
		mkdir -p "$XS_E2E_KEEP" && cp -a "$TMP"/. "$XS_E2E_KEEP"/
	fi
	rm -rf "$TMP" "/var/run/dpdk/$PREFIX"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() { echo "FAIL: $*"; exit 1; }
# a failed check after the call ran: reported, and the other checks still run
PROBLEMS=()
problem() { echo "FAIL: $*"; PROBLEMS+=("$*"); }
inA() { ip netns exec "$NA" "$@"; }
inB() { ip netns exec "$NB" "$@"; }
inR() { ip netns exec "$NR" "$@"; }
now() { date +%s.%N; }
event() { # NAME: a fault or a change now, for srtp-check (and $TMP/events)
	local t
	t=$(now)
	EVENTS+=(--event "$1@$t")
	echo "$1 $t" >>"$TMP/events"
	echo "$(date +%T.%3N) $1"
}
wait_file() {
	for _ in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.1; done
	fail "timed out waiting for $1"
}
# waits until xsrelayd has logged programming the fast path at least $1 times
# (the first connection counts as 0); says how long the restart (until $T_UP) and
# the re-programming took since the last event
wait_programmed() {
	local t0
	t0=$(tail -1 "$TMP/events" | cut -d' ' -f2)
	for _ in $(seq 250); do
		if [ "$(grep -c 'programming 1 calls' "$TMP/xsrelayd.log")" -ge "$1" ]; then
			echo "  restarted: ready $(echo "$T_UP - $t0" | bc) s, flows programmed" \
				"$(echo "$(now) - $t0" | bc) s after the fault"
			return 0
		fi
		sleep 0.02
	done
	fail "xsrelayd did not re-program the fast path ($1)"
}

ip netns add "$NA"; ip netns add "$NR"; ip netns add "$NB"
ip link add "$A0" netns "$NA" type veth peer name "$R0" netns "$NR"
ip link add "$R1" netns "$NR" type veth peer name "$B0" netns "$NB"
for ns in "$NA" "$NR" "$NB"; do ip -n "$ns" link set lo up; done
for l in "$R0" "$R1"; do
	inR sysctl -qw "net.ipv6.conf.$l.disable_ipv6=1"
	ip -n "$NR" link set "$l" up
done
ip -n "$NA" addr add 10.0.0.2/24 dev "$A0"
ip -n "$NA" addr add 10.0.0.66/24 dev "$A0"
ip -n "$NB" addr add 10.0.1.2/24 dev "$B0"
ip -n "$NB" addr add 10.0.1.66/24 dev "$B0"
ip -n "$NA" link set "$A0" up
ip -n "$NB" link set "$B0" up
inA ethtool -K "$A0" tx off >/dev/null
inB ethtool -K "$B0" tx off >/dev/null

start_dp() {
	rm -f "$SOCK"
	ip netns exec "$NR" "$DP" --no-huge --no-shconf --file-prefix "$PREFIX" --no-pci -l 0-1 -m 256 \
		--log-level '*:warning' \
		--vdev "net_af_packet0,iface=$R0" --vdev "net_af_packet1,iface=$R1" -- \
		--ctl "$SOCK" --addr 0:10.0.0.1/24 --addr 1:10.0.1.1/24 --idle-sleep-us 100 \
		>>"$TMP/dp.log" 2>&1 &
	DP_PID=$!
	for _ in $(seq 250); do [ -S "$SOCK" ] && { T_UP=$(now); return 0; }; sleep 0.02; done
	fail "xsrelay-dp did not start"
}
start_xsd() {
	rm -f "$TMP/ng.sock"
	ip netns exec "$NR" "$XSD" --interface a/10.0.0.1/30000-30999 --interface b/10.0.1.1/40000-40999 \
		--ng-udp "127.0.0.1:$NGPORT" --ng-unix "$TMP/ng.sock" --dp-socket "$SOCK" \
		--store "$TMP/calls.db" --metrics "" --media-timeout $MEDIA_TIMEOUT \
		>>"$TMP/xsrelayd.log" 2>&1 &
	XSD_PID=$!
	for _ in $(seq 100); do [ -S "$TMP/ng.sock" ] && return 0; sleep 0.05; done
	fail "xsrelayd did not start"
}
# Processes whose pid the test signals are started with "ip netns exec" itself
# (it execs the command), never through a shell function: $! would be a subshell.
kill9() { # PID: kill -9 and reap
	kill -KILL "$1" 2>/dev/null || fail "process $1 was not running"
	wait "$1" 2>/dev/null || true
}
stop_pid() { # PID: TERM, KILL after 5 s; returns its exit status
	local rc=0
	kill -TERM "$1" 2>/dev/null || true
	for _ in $(seq 50); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$1" 2>/dev/null || true
	wait "$1" || rc=$?
	return $rc
}
# spray SECONDS: RTP-looking and forged SRTP packets from other hosts to both
# port ranges; the relay must have dropped most of them (or this proves nothing)
spray() {
	local stats="drop_unknown_port drop_flow" unk0 flow0 unk1 flow1
	read -r unk0 flow0 <<<"$(inR "$PY" "$NGC" dp-stat "$NGPORT" $stats)"
	ip netns exec "$NA" "$PY" "$RS" spray 10.0.0.66 10.0.0.1 30000 30999 "$1" & SPRAY_PIDS="$!"
	ip netns exec "$NB" "$PY" "$RS" spray 10.0.1.66 10.0.1.1 40000 40999 "$1" &
	SPRAY_PIDS="$SPRAY_PIDS $!"
	wait $SPRAY_PIDS || fail "spray"
	SPRAY_PIDS=
	sleep 0.3
	read -r unk1 flow1 <<<"$(inR "$PY" "$NGC" dp-stat "$NGPORT" $stats)"
	echo "  the relay dropped $((unk1 - unk0)) to ports without a flow," \
		"$((flow1 - flow0)) on the call's flows"
	[ $((unk1 - unk0 + flow1 - flow0)) -ge $((10000 * $1)) ] ||
		problem "the spray did not reach the relay"
}
capture() { # NS IFACE OUT FILTER...
	local ns=$1 ifc=$2 out=$3
	shift 3
	ip netns exec "$ns" "$CAP" "$ifc" "$out" "$out.ready" "$@" 2>>"$TMP/capture.log" &
	CAP_PIDS="$CAP_PIDS $!"
	wait_file "$out.ready"
}

# ------------------------------------------------------------ the call
start_dp
start_xsd
inR "$PY" "$NGC" wait-fast-path "$NGPORT" 5 || fail "xsrelayd did not connect to the fast path"
KEY_B=f0e1d2c3b4a5968778695a4b3c2d1e0f0102030405060708090a0b0c0d0e
inR "$PY" "$NGC" setup-plain "$NGPORT" "$KEY_B" "$TMP" || fail "offer/answer"
PORT_A=$(cat "$TMP/port_a")
capture "$NB" "$B0" "$TMP/to_b.pcap" udp and src host 10.0.1.1
capture "$NA" "$A0" "$TMP/to_a.pcap" udp and src host 10.0.0.1
# 0. a spray before A's first packet: whoever sends first must not own the flow
if step prespray; then
	echo "$(date +%T.%3N) spray before the first packet"
	spray 1
fi
ip netns exec "$NA" "$PY" "$RS" send 10.0.0.2 5000 10.0.0.1 "$PORT_A" $PPS "$TMP/gen.log" &
GEN_PID=$!
echo "$(date +%T.%3N) A sends to 10.0.0.1:$PORT_A (RTCP :$((PORT_A + 1))), $PPS packets/s"

# 1. the ROC wraps; SSRC A -> B -> A
sleep 2
if step ssrc; then
	event ssrc-b; kill -USR1 "$GEN_PID"; sleep 1
	event ssrc-a; kill -USR1 "$GEN_PID"; sleep 1
fi
# 2. the fast path dies and comes back
if step dp; then
	event kill-dp; kill9 "$DP_PID"; start_dp; wait_programmed $((++RESTARTS))
	sleep 2
fi
# 3. the daemon dies and comes back (the fast path keeps running)
if step xsrelayd; then
	event kill-xsrelayd; kill9 "$XSD_PID"; start_xsd; T_UP=$(now)
	wait_programmed $((++RESTARTS))
	sleep 2
fi
# 4. both at once
if step both; then
	event kill-both; kill9 "$XSD_PID"; kill9 "$DP_PID"; start_dp; start_xsd; T_UP=$(now)
	wait_programmed $((++RESTARTS))
	sleep 2
fi
# 5. SSRCs parked before the faults come back
if step ssrc2; then
	event ssrc-b2; kill -USR1 "$GEN_PID"; sleep 1
	event ssrc-a2; kill -USR1 "$GEN_PID"; sleep 1
fi

# 6. spray both port ranges while the call runs
if step spray; then
	echo "$(date +%T.%3N) spray"
	spray 2
fi

# 7. A stops; the spray alone must not keep the call alive
kill -TERM "$GEN_PID"; wait "$GEN_PID" || fail "the RTP sender failed"
GEN_PID=
t_stop=$(now)
if step spray; then
	echo "$(date +%T.%3N) A stopped; spraying until the call ends"
	ip netns exec "$NA" "$PY" "$RS" spray 10.0.0.66 10.0.0.1 30000 30999 $((MEDIA_TIMEOUT + 6)) \
		>/dev/null &
	SPRAY_PIDS="$!"
	ip netns exec "$NB" "$PY" "$RS" spray 10.0.1.66 10.0.1.1 40000 40999 $((MEDIA_TIMEOUT + 6)) \
		>/dev/null &
	SPRAY_PIDS="$SPRAY_PIDS $!"
fi
ended= deadline=$(echo "$t_stop + $MEDIA_TIMEOUT + 4" | bc)
while [ "$(echo "$(now) < $deadline" | bc)" = 1 ]; do
	if [ -z "$(inR "$PY" "$NGC" list "$NGPORT")" ]; then ended=$(now); break; fi
	sleep 0.2
done
if [ -n "$ended" ]; then
	echo "call ended $(echo "$ended - $t_stop" | bc) s after A stopped (media timeout $MEDIA_TIMEOUT s)"
	grep -q "call e2e-plain: no media for" "$TMP/xsrelayd.log" ||
		problem "the call ended, but not by media timeout"
else
	problem "no media timeout within $((MEDIA_TIMEOUT + 4)) s of A stopping$(step spray &&
		echo ': the spray kept the call alive')"
	inR "$PY" "$NGC" delete-only "$NGPORT" e2e-plain || problem "delete e2e-plain failed"
	ended=$(now)
fi
for _ in $(seq 20); do
	[ "$(inR "$PY" "$NGC" flows "$NGPORT")" = 0 ] && break
	sleep 0.1
done
[ "$(inR "$PY" "$NGC" flows "$NGPORT")" = 0 ] || problem "flows left in the fast path after the call ended"
sleep 1 # the spray goes on against the freed ports
for p in $SPRAY_PIDS; do stop_pid "$p" || true; done
SPRAY_PIDS=
cap_rc=0
for p in $CAP_PIDS; do stop_pid "$p" || cap_rc=$?; done
CAP_PIDS=
cat "$TMP/capture.log"
[ $cap_rc = 0 ] || problem "the capture lost packets: gaps measured on it would be wrong"
cat "$TMP/gen.log"

# ------------------------------------------------------------ the verdict
KEY=$(cat "$TMP/key_to_b")
"$CHECK" --key "10.0.1.2:7000=AES_CM_128_HMAC_SHA1_80:$KEY" \
	--key "10.0.1.2:7001=AES_CM_128_HMAC_SHA1_80:$KEY" --expect-auth \
	--expect-ssrc 11111111 --expect-ssrc 22222222 --max-gap "$MAX_GAP" --min $((2 * PPS)) \
	"${EVENTS[@]}" "$TMP/to_b.pcap" || problem "srtp-check on the relay's output to B (above)"
# after the call ended nothing more may reach B
last=$("$PY" - "$TMP/to_b.pcap" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
off, last = 24, 0
while off + 16 <= len(d):
    s, us, cap, _ = struct.unpack_from("<IIII", d, off)
    last, off = s + us / 1e6, off + 16 + cap
print(last)
PY
)
[ "$(echo "$last < $ended" | bc)" = 1 ] ||
	problem "the relay sent to B $(echo "$last - $ended" | bc) s after the call ended"
"$CHECK" "$TMP/to_a.pcap" | grep -q '^ok: 0 frames' ||
	problem "the relay sent packets to A (B sent nothing): a spray got through"
[ ${#PROBLEMS[@]} = 0 ] || fail "${#PROBLEMS[@]} problems: $(printf '%s; ' "${PROBLEMS[@]}")"
echo "PASS"
