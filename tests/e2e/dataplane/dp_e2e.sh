#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# End-to-end test of xsrelay-dp on veth pairs in network namespaces:
#
#   ns A (sender)              ns R (xsrelay-dp)                  ns B (peer)
#   a0 10.0.0.2/24  <-veth->  r0 = net_af_packet0   r1 = net_af_packet1  <-veth->  b0 10.0.1.2/24
#      2001:db8:a::2/64          relay 10.0.0.1, 2001:db8:a::1    relay 10.0.1.1,     2001:db8:b::2/64
#                                                                  2001:db8:b::1
#
# Ordinary UDP sockets in A send SRTP (made with libsrtp2 under key A) to the
# relay; B receives the re-encrypted stream and libsrtp2 checks it under key B
# (and that it does not decrypt under key A). Flows are programmed through the
# real control socket. No static neighbour entries anywhere: A resolves the
# relay by ARP/ND (the relay answers), and the relay resolves B itself: B never
# sends it anything first, and a packet socket in B sees the relay's ARP request
# and Neighbor Solicitation. Everything the relay sends to B is captured there
# and srtp-check proves no (key, SSRC, index) was protected twice and that an
# independent receiver accepts every packet. Ends with SIGTERM and a clean exit
# of the relay.
#
# Usage: dp_e2e.sh XSRELAY_DP DP_E2E_CTL SRTP_GEN DP_E2E_UDP_PY SRTP_CHECK PCAP_CAPTURE
# Needs root (namespaces); exits 77 (skipped) without it.
set -euo pipefail

DP=$1 CTL=$2 GEN=$3 UDP=$4 CHECK=$5 CAP=$6
PY=$(command -v python3)
N=200

if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null; then
	echo "SKIP: needs root and iproute2"
	exit 77
fi

ID=$$
NA=xse2e-a-$ID NR=xse2e-r-$ID NB=xse2e-b-$ID
A0=xea0-$ID R0=xer0-$ID R1=xer1-$ID B0=xeb0-$ID
PREFIX=xse2e$ID
TMP=$(mktemp -d /tmp/xsrelay-e2e.XXXXXX)
SOCK=$TMP/dp.sock
DP_PID= BG_PIDS= CAP_PID=

cleanup() {
	local rc=$?
	set +e
	for p in $BG_PIDS $CAP_PID; do kill "$p" 2>/dev/null; done
	if [ -n "$DP_PID" ] && kill -0 "$DP_PID" 2>/dev/null; then
		kill -TERM "$DP_PID"
		for _ in $(seq 50); do kill -0 "$DP_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$DP_PID" 2>/dev/null
	fi
	wait 2>/dev/null
	for ns in "$NA" "$NR" "$NB"; do ip netns del "$ns" 2>/dev/null; done
	for l in "$A0" "$R0" "$R1" "$B0"; do ip link del "$l" 2>/dev/null; done
	if [ $rc != 0 ] && [ -f "$TMP/dp.log" ]; then
		echo "--- xsrelay-dp log"; cat "$TMP/dp.log"
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
stat_of() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }
wait_file() {
	for _ in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.1; done
	fail "timed out waiting for $1"
}

# ------------------------------------------------------------ topology
ip netns add "$NA"; ip netns add "$NR"; ip netns add "$NB"
ip link add "$A0" netns "$NA" type veth peer name "$R0" netns "$NR"
ip link add "$R1" netns "$NR" type veth peer name "$B0" netns "$NB"
for ns in "$NA" "$NR" "$NB"; do ip -n "$ns" link set lo up; done
# The relay's namespace has no addresses and no IPv6: its kernel stays quiet.
for l in "$R0" "$R1"; do
	ip netns exec "$NR" sysctl -qw "net.ipv6.conf.$l.disable_ipv6=1"
	ip -n "$NR" link set "$l" up
done
ip -n "$NA" addr add 10.0.0.2/24 dev "$A0"
ip -n "$NA" -6 addr add 2001:db8:a::2/64 dev "$A0" nodad
ip -n "$NB" addr add 10.0.1.2/24 dev "$B0"
ip -n "$NB" -6 addr add 2001:db8:b::2/64 dev "$B0" nodad
ip -n "$NA" link set "$A0" up
ip -n "$NB" link set "$B0" up
# Veth leaves UDP checksums to "hardware" (never filled in): have the kernel
# compute them, as a real NIC would deliver them.
inA ethtool -K "$A0" tx off >/dev/null
inB ethtool -K "$B0" tx off >/dev/null
[ -z "$(ip -n "$NA" neigh show)" ] || fail "namespace A has neighbour entries"
[ -z "$(ip -n "$NB" neigh show)" ] || fail "namespace B has neighbour entries"
R0_MAC=$(cat "/sys/class/net/$R0/address" 2>/dev/null || ip netns exec "$NR" cat "/sys/class/net/$R0/address")
R1_MAC=$(ip netns exec "$NR" cat "/sys/class/net/$R1/address")

# ------------------------------------------------------------ the relay
ip netns exec "$NR" "$DP" --no-huge --no-shconf --file-prefix "$PREFIX" --no-pci -l 0-1 -m 256 \
	--log-level '*:warning' \
	--vdev "net_af_packet0,iface=$R0" --vdev "net_af_packet1,iface=$R1" -- \
	--ctl "$SOCK" --addr 0:10.0.0.1/24 --addr 0:2001:db8:a::1/64 \
	--addr 1:10.0.1.1/24 --addr 1:2001:db8:b::1/64 --idle-sleep-us 100 \
	>"$TMP/dp.log" 2>&1 &
DP_PID=$!
for _ in $(seq 100); do
	[ -S "$SOCK" ] && "$CTL" "$SOCK" hello 2>/dev/null && break
	kill -0 "$DP_PID" 2>/dev/null || fail "xsrelay-dp exited at start"
	sleep 0.1
done
"$CTL" "$SOCK" hello || fail "no control socket"

KEY_A=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d
KEY_B=f0e1d2c3b4a5968778695a4b3c2d1e0f0102030405060708090a0b0c0d0e
KEY_C=2b7e151628aed2a6abf7158809cf4f3cf0f1f2f3f4f5f6f7f8f9fafbfcfd
KEY_D=4e5c4d1b8a2e0f3d6c7b9a8f1e2d3c4b5a69788796a5b4c3d2e1f0a1b2c3
# IPv4 -> IPv4, AES_CM_128_HMAC_SHA1_80 both sides, new key.
"$CTL" "$SOCK" add 10.0.0.1:4000 10.0.1.1:6000 10.0.1.2:7000 1 "$KEY_A" 1 "$KEY_B"
# IPv6 -> IPv6, 80-bit tag in, 32-bit tag out.
"$CTL" "$SOCK" add '[2001:db8:a::1]:4100' '[2001:db8:b::1]:6100' '[2001:db8:b::2]:7100' \
	1 "$KEY_C" 2 "$KEY_D"

"$GEN" gen 80 "$KEY_A" $N 0x11223344 "$TMP/plain4" "$TMP/srtp4"
"$GEN" gen 80 "$KEY_C" $N 0x55667788 "$TMP/plain6" "$TMP/srtp6"

# ------------------------------------------------------------ traffic
ip netns exec "$NB" "$CAP" "$B0" "$TMP/to_b.pcap" "$TMP/ready.cap" \
	udp and \( src host 10.0.1.1 or src host 2001:db8:b::1 \) & CAP_PID=$!
inB "$PY" "$UDP" watch "$B0" "$TMP/watch" "$TMP/ready.w" & BG_PIDS="$BG_PIDS $!"
inB "$PY" "$UDP" recv 10.0.1.2 7000 "$TMP/recv4" "$TMP/ready.4" $N 20 & R4=$!
inB "$PY" "$UDP" recv 2001:db8:b::2 7100 "$TMP/recv6" "$TMP/ready.6" $N 20 & R6=$!
wait_file "$TMP/ready.cap"; wait_file "$TMP/ready.w"; wait_file "$TMP/ready.4"
wait_file "$TMP/ready.6"

inA "$PY" "$UDP" send 10.0.0.2 5000 10.0.0.1 4000 "$TMP/srtp4" 3
inA "$PY" "$UDP" send 2001:db8:a::2 5100 2001:db8:a::1 4100 "$TMP/srtp6" 3
wait $R4 $R6
kill -TERM $CAP_PID
wait $CAP_PID || fail "the capture in B failed or lost packets"
CAP_PID=

# ------------------------------------------------------------ checks
"$CTL" "$SOCK" stats >"$TMP/stats"
"$CTL" "$SOCK" flow 10.0.0.1:4000 >"$TMP/flow4"
"$CTL" "$SOCK" flow '[2001:db8:a::1]:4100' >"$TMP/flow6"
echo "--- relay counters"; grep -v ' 0$' "$TMP/stats" | tr '\n' ' '; echo
echo "--- packet socket in B"; sort -u "$TMP/watch"

for fam in 4 6; do
	out=$(stat_of pkts_out "$TMP/flow$fam")
	noroute=$(stat_of drop_no_route "$TMP/flow$fam")
	[ "$(stat_of pkts_in "$TMP/flow$fam")" = $N ] || fail "IPv$fam: relay saw $(stat_of pkts_in "$TMP/flow$fam") of $N"
	# The first packets may wait for the relay to resolve B; all others arrive.
	[ "$noroute" -le 20 ] || fail "IPv$fam: $noroute packets dropped waiting for the neighbour"
	[ $((out + noroute)) = $N ] || fail "IPv$fam: $out relayed + $noroute unresolved != $N"
	suite_b=80; key_b=$KEY_B; key_a=$KEY_A
	[ $fam = 6 ] && { suite_b=32; key_b=$KEY_D; key_a=$KEY_C; }
	echo -n "IPv$fam: "
	"$GEN" check $suite_b "$key_b" 80 "$key_a" "$TMP/plain$fam" "$TMP/recv$fam" "$out" ||
		fail "IPv$fam: re-encrypted stream"
done
echo "--- srtp-check (the relay's output to B)"
"$CHECK" --key "10.0.1.2:7000=AES_CM_128_HMAC_SHA1_80:$KEY_B" \
	--key "[2001:db8:b::2]:7100=AES_CM_128_HMAC_SHA1_32:$KEY_D" --expect-auth \
	--min $((2 * N - 40)) "$TMP/to_b.pcap" || fail "srtp-check"
[ "$(stat_of drop_udp_csum "$TMP/stats")" = 0 ] || fail "UDP checksum drops"
[ "$(stat_of arp_reply "$TMP/stats")" -ge 1 ] || fail "the relay answered no ARP request"
[ "$(stat_of nd_reply "$TMP/stats")" -ge 1 ] || fail "the relay answered no Neighbor Solicitation"
# The relay resolved B itself: its own ARP request and NS, from its own MAC.
grep -qx "arp-request $R1_MAC 10.0.1.1 10.0.1.2" "$TMP/watch" ||
	fail "no ARP request from the relay for 10.0.1.2"
grep -qx "ns $R1_MAC 2001:db8:b::1 2001:db8:b::2" "$TMP/watch" ||
	fail "no Neighbor Solicitation from the relay for 2001:db8:b::2"
# A learned the relay dynamically, from the relay's replies.
ip -n "$NA" neigh show 10.0.0.1 | grep -q "lladdr $R0_MAC" || fail "A did not resolve 10.0.0.1"
ip -n "$NA" -6 neigh show 2001:db8:a::1 | grep -q "lladdr $R0_MAC" ||
	fail "A did not resolve 2001:db8:a::1"
ip -n "$NA" neigh show | grep -q PERMANENT && fail "static neighbour in A"

# ------------------------------------------------------------ clean exit
for p in $BG_PIDS; do kill "$p" 2>/dev/null; done
kill -TERM "$DP_PID"
rc=0
wait "$DP_PID" || rc=$?
DP_PID=
[ $rc = 0 ] || fail "xsrelay-dp exited with $rc after SIGTERM"
[ ! -e "$SOCK" ] || fail "control socket left behind"
echo "PASS"
