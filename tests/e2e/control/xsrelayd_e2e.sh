#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# xsrelayd driving xsrelay-dp, end to end, and both of them killed mid-call:
#
#   ns A  a0 10.0.0.2 <-veth-> r0 [xsrelay-dp 10.0.0.1 | 10.0.1.1] r1 <-veth-> b0 10.0.1.2  ns B
#                               ns R; xsrelayd runs there too (ng on 127.0.0.1)
#
# An SDES call is set up through the ng socket (offer from A, answer from B,
# each leg with its own keys). libsrtp2 (srtp_gen) makes SRTP under A's and B's
# own keys; what arrives must decrypt under the keys the relay put in the SDP
# toward each party, and not under the sender's. Then:
#   1. kill -9 xsrelay-dp, start it again: xsrelayd reconnects and re-programs,
#      media flows again in both directions;
#   2. kill -9 xsrelayd, start it again: the call is listed (from the store)
#      and media still flows; then the fast path restarts once more and is
#      re-programmed from the reloaded state.
# What the relay sends to A and to B through all of it is captured, and
# srtp-check (with the keys of the SDPs) proves that no (key, SSRC, index) was
# protected twice and that an independent receiver accepts every packet.
#
# Usage: xsrelayd_e2e.sh XSRELAY_DP XSRELAYD SRTP_GEN DP_E2E_UDP_PY NG_CALL_PY SRTP_CHECK PCAP_CAPTURE
# Needs root (namespaces); exits 77 (skipped) without it.
set -euo pipefail

DP=$1 XSD=$2 GEN=$3 UDP=$4 NGC=$5 CHECK=$6 CAP=$7
PY=$(command -v python3)
N=100

if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null; then
	echo "SKIP: needs root and iproute2"
	exit 77
fi

ID=$$
NA=xsde-a-$ID NR=xsde-r-$ID NB=xsde-b-$ID
A0=xda0-$ID R0=xdr0-$ID R1=xdr1-$ID B0=xdb0-$ID
PREFIX=xsde$ID
TMP=$(mktemp -d /tmp/xsrelayd-e2e.XXXXXX)
SOCK=$TMP/dp.sock
NGPORT=22$((ID % 900 + 100))
DP_PID= XSD_PID= CAP_PIDS=

cleanup() {
	local rc=$?
	set +e
	for p in $CAP_PIDS $XSD_PID $DP_PID; do
		kill -TERM "$p" 2>/dev/null
	done
	sleep 0.3
	for p in $CAP_PIDS $XSD_PID $DP_PID; do kill -KILL "$p" 2>/dev/null; done
	wait 2>/dev/null
	for ns in "$NA" "$NR" "$NB"; do ip netns del "$ns" 2>/dev/null; done
	if [ $rc != 0 ]; then
		for f in dp.log xsrelayd.log; do
			[ -f "$TMP/$f" ] && { echo "--- $f"; tail -40 "$TMP/$f"; }
		done
	fi
	rm -rf "$TMP" "/var/run/dpdk/$PREFIX"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() { echo "FAIL: $*"; exit 1; }
inA() { ip netns exec "$NA" "$@"; }
inB() { ip netns exec "$NB" "$@"; }
inR() { ip netns exec "$NR" "$@"; }
# waits until xsrelayd has logged re-programming the call at least $1 times
wait_reprogrammed() {
	for _ in $(seq 100); do
		[ "$(grep -c 'programming 1 calls' "$TMP/xsrelayd.log")" -ge "$1" ] && return 0
		sleep 0.1
	done
	fail "xsrelayd did not re-program the fast path ($1)"
}
wait_file() {
	for _ in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.1; done
	fail "timed out waiting for $1"
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
ip -n "$NB" addr add 10.0.1.2/24 dev "$B0"
ip -n "$NA" link set "$A0" up
ip -n "$NB" link set "$B0" up
inA ethtool -K "$A0" tx off >/dev/null
inB ethtool -K "$B0" tx off >/dev/null

start_dp() {
	ip netns exec "$NR" "$DP" --no-huge --no-shconf --file-prefix "$PREFIX" --no-pci -l 0-1 -m 256 \
		--log-level '*:warning' \
		--vdev "net_af_packet0,iface=$R0" --vdev "net_af_packet1,iface=$R1" -- \
		--ctl "$SOCK" --addr 0:10.0.0.1/24 --addr 1:10.0.1.1/24 --idle-sleep-us 100 \
		>>"$TMP/dp.log" 2>&1 &
	DP_PID=$!
	for _ in $(seq 100); do [ -S "$SOCK" ] && return 0; sleep 0.1; done
	fail "xsrelay-dp did not start"
}
start_xsd() {
	ip netns exec "$NR" "$XSD" --interface a/10.0.0.1/30000-30999 --interface b/10.0.1.1/40000-40999 \
		--interface c/10.0.2.1/50000-50999 \
		--ng-udp "127.0.0.1:$NGPORT" --ng-unix "$TMP/ng.sock" --dp-socket "$SOCK" \
		--store "$TMP/calls.db" --metrics "" --media-timeout 0 >>"$TMP/xsrelayd.log" 2>&1 &
	XSD_PID=$!
	for _ in $(seq 100); do [ -S "$TMP/ng.sock" ] && return 0; sleep 0.05; done
	fail "xsrelayd did not start"
}

KEY_A=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d
KEY_B=f0e1d2c3b4a5968778695a4b3c2d1e0f0102030405060708090a0b0c0d0e
# One stream per direction, sent in four chunks (one per round): the relay keeps
# replay state across a daemon restart, so each round must bring new packets.
"$GEN" gen 80 "$KEY_A" $((4 * N)) 0x11111111 "$TMP/plain_a" "$TMP/srtp_a"
"$GEN" gen 80 "$KEY_B" $((4 * N)) 0x22222222 "$TMP/plain_b" "$TMP/srtp_b"
chunk() { # FILE K OUT: records K*N .. K*N+N-1
	"$PY" - "$1" "$2" "$N" "$3" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
k, n, recs, off = int(sys.argv[2]), int(sys.argv[3]), [], 0
while off + 2 <= len(data):
    (ln,) = struct.unpack_from(">H", data, off)
    recs.append(data[off:off + 2 + ln])
    off += 2 + ln
open(sys.argv[4], "wb").write(b"".join(recs[k * n:(k + 1) * n]))
PY
}
ROUND=0

# One round: A -> B and B -> A through the relay; both must arrive re-keyed.
round() {
	local tag=$1 pa pb
	pa=$(cat "$TMP/port_a") pb=$(cat "$TMP/port_b")
	chunk "$TMP/srtp_a" $ROUND "$TMP/chunk_a"
	chunk "$TMP/srtp_b" $ROUND "$TMP/chunk_b"
	ROUND=$((ROUND + 1))
	rm -f "$TMP"/recv_* "$TMP"/ready_*
	inB "$PY" "$UDP" recv 10.0.1.2 7000 "$TMP/recv_b" "$TMP/ready_b" $N 15 & local RB=$!
	inA "$PY" "$UDP" recv 10.0.0.2 5000 "$TMP/recv_a" "$TMP/ready_a" $N 15 & local RA=$!
	wait_file "$TMP/ready_b"; wait_file "$TMP/ready_a"
	inA "$PY" "$UDP" send 10.0.0.2 5002 10.0.0.1 "$pa" "$TMP/chunk_a" 2 &
	inB "$PY" "$UDP" send 10.0.1.2 7002 10.0.1.1 "$pb" "$TMP/chunk_b" 2
	wait $RB $RA
	echo -n "$tag A->B: "
	"$GEN" check 80 "$(cat "$TMP/key_to_b")" 80 "$KEY_A" "$TMP/plain_a" "$TMP/recv_b" \
		$((N - 20)) || fail "$tag: A->B"
	echo -n "$tag B->A: "
	"$GEN" check 80 "$(cat "$TMP/key_to_a")" 80 "$KEY_B" "$TMP/plain_b" "$TMP/recv_a" \
		$((N - 20)) || fail "$tag: B->A"
}

start_dp
start_xsd
inR "$PY" "$NGC" wait-fast-path "$NGPORT" 5 || fail "xsrelayd did not connect to the fast path"
inR "$PY" "$NGC" setup "$NGPORT" "$KEY_A" "$KEY_B" "$TMP" || fail "offer/answer"
# what the relay sends to each party, for srtp-check
ip netns exec "$NA" "$CAP" "$A0" "$TMP/to_a.pcap" "$TMP/cap_a.ready" udp and src host 10.0.0.1 &
CAP_PIDS=$!
ip netns exec "$NB" "$CAP" "$B0" "$TMP/to_b.pcap" "$TMP/cap_b.ready" udp and src host 10.0.1.1 &
CAP_PIDS="$CAP_PIDS $!"
wait_file "$TMP/cap_a.ready"; wait_file "$TMP/cap_b.ready"
round "call"
# an address the fast path does not have: the answer says so, the call stays
inR "$PY" "$NGC" refused "$NGPORT" || fail "a refused flow is not reported in the answer"
grep -q "call e2e-refused: fast path refused the flow on 10.0.2.1:" "$TMP/xsrelayd.log" ||
	fail "the refusal is not logged with the call and the flow"

# 1. the fast path dies and comes back
kill -KILL "$DP_PID"; wait "$DP_PID" 2>/dev/null || true
rm -f "$SOCK"
start_dp
t0=$(date +%s.%N) # the new fast path's socket exists
wait_reprogrammed 1
t1=$(date +%s.%N)
echo "xsrelayd re-programmed the restarted fast path after $(echo "$t1 - $t0" | bc) s"
[ "$(echo "$t1 - $t0 < 1.0" | bc)" = 1 ] || fail "re-programming took more than a second"
sleep 0.5 # the new fast path's ports come up
round "after xsrelay-dp kill -9"

# 2. the daemon dies and comes back
kill -KILL "$XSD_PID"; wait "$XSD_PID" 2>/dev/null || true
rm -f "$TMP/ng.sock"
start_xsd
[ "$(inR "$PY" "$NGC" list "$NGPORT")" = "e2e-call" ] || fail "call not listed after restart"
wait_reprogrammed 2 # the restarted daemon programs the (still running) fast path
round "after xsrelayd kill -9"
kill -KILL "$DP_PID"; wait "$DP_PID" 2>/dev/null || true
rm -f "$SOCK"
start_dp
wait_reprogrammed 3
sleep 0.5
round "both restarted"
for p in $CAP_PIDS; do kill -TERM "$p"; done
for p in $CAP_PIDS; do wait "$p" || fail "a capture failed or lost packets"; done
CAP_PIDS=
for to in a b; do
	echo "srtp-check: the relay's output to ${to^^}, four rounds"
	"$CHECK" --key "10.0.0.2:5000=AES_CM_128_HMAC_SHA1_80:$(cat "$TMP/key_to_a")" \
		--key "10.0.1.2:7000=AES_CM_128_HMAC_SHA1_80:$(cat "$TMP/key_to_b")" --expect-auth \
		--min $((4 * (N - 20))) "$TMP/to_$to.pcap" || fail "srtp-check (to ${to^^})"
done
# the delete's reply carries the flows' final counters (read in the same
# pipelined exchange that removes them); the last fast path saw one round
inR "$PY" "$NGC" delete "$NGPORT" $((N - 20)) || fail "delete reply without final counters"
# flows of a call the daemon no longer has (its row gone while it was down):
# removed by the daemon once it sees them in the fast path's dump
inR "$PY" "$NGC" setup "$NGPORT" "$KEY_A" "$KEY_B" "$TMP" || fail "offer/answer (orphan)"
[ "$(inR "$PY" "$NGC" flows "$NGPORT")" = 2 ] || fail "the new call's two flows are not there"
kill -KILL "$XSD_PID"; wait "$XSD_PID" 2>/dev/null || true
rm -f "$TMP/ng.sock"
"$PY" -c 'import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); db.execute("DELETE FROM call_rows"); db.commit()' "$TMP/calls.db"
start_xsd
for _ in $(seq 50); do
	[ "$(inR "$PY" "$NGC" flows "$NGPORT" 2>/dev/null)" = 0 ] && break
	sleep 0.1
done
[ "$(inR "$PY" "$NGC" flows "$NGPORT")" = 0 ] || fail "flows of no live call were left in the fast path"
grep -q "fast path: 2 flows of no live call; removing them" "$TMP/xsrelayd.log" ||
	fail "the removal of flows of no live call is not logged"
[ "$(inR "$PY" "$NGC" orphans "$NGPORT")" = 2 ] || fail "dp_orphans does not count them"
echo "flows of no live call removed"
# xsrelay-dp takes BATCH: the daemon never had to fall back to single requests
! grep -q "refused a BATCH" "$TMP/xsrelayd.log" || fail "xsrelay-dp refused a BATCH"
echo "PASS"
