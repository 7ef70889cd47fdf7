#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# xsrelay-dp on the two other vdevs the data plane issue names (no namespaces,
# no root needed):
#
# net_null (benchmark vdev): both ports receive an endless stream of frames
#   that are not Ethernet/IP; the relay drops every one and counts it by
#   reason (rx_pkts = the sum of the drop counters, nothing relayed or sent),
#   keeps serving its control socket under that load, and exits 0 on SIGTERM.
#
# net_pcap (replaying captures): port 0 replays a capture of 20 SRTP packets
#   (libsrtp2, key A, made by srtp_gen and wrapped into Ethernet/IPv4/UDP by
#   python here) in a loop (infinite_rx=1, so the relay sees them again after
#   the flow is programmed through the control socket); port 1 replays one
#   ARP request from the peer 10.0.1.2. The port 1 output capture must hold
#   the relay's ARP reply and every one of the 20 packets exactly once,
#   addressed to the peer's learned MAC and decrypting under key B to the
#   original (srtp_gen check); every later pass of the loop is counted as
#   replays on the flow; srtp-check proves from the output capture that no
#   index was protected twice (a replay re-encrypted would be).
#
# Usage: dp_vdevs.sh XSRELAY_DP DP_E2E_CTL SRTP_GEN SRTP_CHECK
set -euo pipefail

DP=$1 CTL=$2 GEN=$3 CHECK=$4
PY=$(command -v python3)
PREFIX=xsdpvd$$
TMP=$(mktemp -d /tmp/xsrelay-dpvd.XXXXXX)
SOCK=$TMP/dp.sock
DP_PID=

cleanup() {
	local rc=$?
	set +e
	if [ -n "$DP_PID" ] && kill -0 "$DP_PID" 2>/dev/null; then
		kill -KILL "$DP_PID"; wait "$DP_PID" 2>/dev/null
	fi
	[ $rc != 0 ] && [ -f "$TMP/dp.log" ] && { echo "--- xsrelay-dp log"; cat "$TMP/dp.log"; }
	rm -rf "$TMP" "/var/run/dpdk/$PREFIX" "${XDG_RUNTIME_DIR:-/tmp}/dpdk/$PREFIX"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
fail() { echo "FAIL: $*"; exit 1; }

EAL=(--no-huge --no-shconf --file-prefix "$PREFIX" --no-pci -l 0-1 -m 256 --log-level '*:warning')

start_dp() {
	"$DP" "${EAL[@]}" "$@" -- --ctl "$SOCK" --addr 0:10.0.0.1/24 --addr 1:10.0.1.1/24 \
		>"$TMP/dp.log" 2>&1 &
	DP_PID=$!
	for _ in $(seq 100); do
		[ -S "$SOCK" ] && "$CTL" "$SOCK" hello 2>/dev/null && return 0
		kill -0 "$DP_PID" 2>/dev/null || fail "xsrelay-dp exited at start"
		sleep 0.1
	done
	fail "no control socket"
}

stop_dp() {
	local rc=0
	kill -TERM "$DP_PID"
	wait "$DP_PID" || rc=$?
	DP_PID=
	[ $rc = 0 ] || fail "exit status $rc after SIGTERM"
	[ ! -e "$SOCK" ] || fail "control socket left behind"
}

stat_of() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }

KEY_A=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d
KEY_B=f0e1d2c3b4a5968778695a4b3c2d1e0f0102030405060708090a0b0c0d0e

# ---------------------------------------------------------------- net_null
echo "-- net_null: a flood of non-IP frames on both ports"
start_dp --vdev net_null0 --vdev net_null1
"$CTL" "$SOCK" add 10.0.0.1:4000 10.0.1.1:6000 10.0.1.2:7000 1 "$KEY_A" 1 "$KEY_B"
sleep 1
"$CTL" "$SOCK" stats >"$TMP/stats1" || fail "STATS under load"
"$CTL" "$SOCK" flow 10.0.0.1:4000 >"$TMP/flow1" || fail "FLOW_GET under load"
sleep 0.5
"$CTL" "$SOCK" stats >"$TMP/stats2" || fail "STATS under load"
stop_dp
rx1=$(stat_of rx_pkts "$TMP/stats1"); rx2=$(stat_of rx_pkts "$TMP/stats2")
drops=$(awk '$1 ~ /^drop_/ { s += $2 } END { print s + 0 }' "$TMP/stats2")
echo "rx_pkts $rx1 -> $rx2, drops $drops"
[ "$rx1" -gt 100000 ] || fail "net_null: only $rx1 frames received in 1 s"
[ "$rx2" -gt "$rx1" ] || fail "net_null: the worker stopped receiving"
# The worker runs while STATS reads its counters one after the other: allow
# the frames of a few bursts between the reads.
diff=$((rx2 > drops ? rx2 - drops : drops - rx2))
[ "$drops" -gt 0 ] && [ "$diff" -le $((rx2 / 1000 + 1000)) ] ||
	fail "net_null: $rx2 frames received, $drops counted as drops"
[ "$(stat_of relayed "$TMP/stats2")" = 0 ] || fail "net_null: something relayed"
[ "$(stat_of tx_pkts "$TMP/stats2")" = 0 ] || fail "net_null: something transmitted"
grep -qx "pkts_in 0" "$TMP/flow1" || fail "net_null: the flow saw packets"

# ---------------------------------------------------------------- net_pcap
echo "-- net_pcap: replay a capture of SRTP, capture what the relay sends"
N=20
"$GEN" gen 80 "$KEY_A" $N 0x11223344 "$TMP/plain" "$TMP/srtp" >/dev/null
"$PY" - "$TMP" <<'EOF'
import struct, sys
tmp = sys.argv[1]
relay_mac0 = bytes.fromhex('020000000000')   # any: the relay does not filter on MAC
peer_a = bytes.fromhex('02000000000a')
peer_b = bytes.fromhex('02000000000b')

def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

def ip4(a):
    return bytes(int(x) for x in a.split('.'))

def udp_frame(src, sport, dst, dport, pay):
    ulen = 8 + len(pay)
    ph = ip4(src) + ip4(dst) + struct.pack('!BBH', 0, 17, ulen)
    u = struct.pack('!HHHH', sport, dport, ulen, 0) + pay
    c = csum(ph + u) or 0xffff
    u = u[:6] + struct.pack('!H', c) + u[8:]
    ih = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + ulen, 0, 0x4000, 64, 17, 0,
                     ip4(src), ip4(dst))
    ih = ih[:10] + struct.pack('!H', csum(ih)) + ih[12:]
    return relay_mac0 + peer_a + b'\x08\x00' + ih + u

def write_pcap(path, frames):
    with open(path, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack('<IIII', 1700000000, i, len(fr), len(fr)) + fr)

pkts = []
with open(tmp + '/srtp', 'rb') as f:
    d = f.read()
o = 0
while o < len(d):
    n = struct.unpack('!H', d[o:o + 2])[0]
    pkts.append(d[o + 2:o + 2 + n])
    o += 2 + n
write_pcap(tmp + '/in0.pcap', [udp_frame('10.0.0.2', 5000, '10.0.0.1', 4000, p) for p in pkts])
# Port 1: the peer asks who has 10.0.1.1 (the relay answers and learns it).
arp = (b'\xff' * 6 + peer_b + b'\x08\x06' +
       struct.pack('!HHBBH', 1, 0x0800, 6, 4, 1) + peer_b + ip4('10.0.1.2') +
       b'\0' * 6 + ip4('10.0.1.1'))
write_pcap(tmp + '/in1.pcap', [arp + b'\0' * (60 - len(arp))])
EOF
: >"$TMP/out0.pcap"; : >"$TMP/out1.pcap"
start_dp --vdev "net_pcap0,rx_pcap=$TMP/in0.pcap,tx_pcap=$TMP/out0.pcap,infinite_rx=1" \
	--vdev "net_pcap1,rx_pcap=$TMP/in1.pcap,tx_pcap=$TMP/out1.pcap"
"$CTL" "$SOCK" add 10.0.0.1:4000 10.0.1.1:6000 10.0.1.2:7000 1 "$KEY_A" 1 "$KEY_B"
flow_ok=
for _ in $(seq 50); do
	"$CTL" "$SOCK" flow 10.0.0.1:4000 >"$TMP/flow"
	[ "$(stat_of pkts_out "$TMP/flow")" = $N ] && [ "$(stat_of replay "$TMP/flow")" -gt $((3 * N)) ] &&
		{ flow_ok=1; break; }
	sleep 0.1
done
"$CTL" "$SOCK" stats >"$TMP/stats"
stop_dp
[ -n "$flow_ok" ] || { cat "$TMP/flow"; fail "net_pcap: flow counters"; }
for c in auth_fail drop_source drop_srtp drop_not_rtp drop_no_route; do
	[ "$(stat_of $c "$TMP/flow")" = 0 ] || fail "net_pcap: flow counter $c $(stat_of $c "$TMP/flow")"
done
echo "flow: pkts_out $(stat_of pkts_out "$TMP/flow"), replay $(stat_of replay "$TMP/flow")"
"$PY" - "$TMP" <<'EOF' || fail "net_pcap: output capture"
import struct, sys
tmp = sys.argv[1]
peer_b = bytes.fromhex('02000000000b')

def frames(path):
    d = open(path, 'rb').read()
    assert struct.unpack('<I', d[:4])[0] in (0xa1b2c3d4, 0xa1b23c4d), 'not a pcap'  # DPDK writes ns
    o, out = 24, []
    while o + 16 <= len(d):
        incl = struct.unpack('<I', d[o + 8:o + 12])[0]
        out.append(d[o + 16:o + 16 + incl])
        o += 16 + incl
    return out

out = frames(tmp + '/out1.pcap')
arp_replies = [f for f in out if f[12:14] == b'\x08\x06' and f[20:22] == b'\x00\x02']
assert arp_replies, 'no ARP reply on port 1'
assert arp_replies[0][:6] == peer_b and arp_replies[0][28:32] == bytes([10, 0, 1, 1]), 'ARP reply'
recs = b''
n = 0
for f in out:
    if f[12:14] != b'\x08\x00':
        continue
    ih = f[14:34]
    u = f[34:]
    sport, dport, ulen = struct.unpack('!HHH', u[:6])
    assert ih[12:16] == bytes([10, 0, 1, 1]) and ih[16:20] == bytes([10, 0, 1, 2]), 'addresses'
    assert (sport, dport) == (6000, 7000), 'ports %d %d' % (sport, dport)
    assert f[:6] == peer_b, 'destination MAC is not the peer learned by ARP'
    pay = u[8:ulen]
    recs += struct.pack('!H', len(pay)) + pay
    n += 1
open(tmp + '/recv', 'wb').write(recs)
print('out1.pcap: %d frames, %d ARP reply, %d relayed' % (len(out), len(arp_replies), n))
assert not frames(tmp + '/out0.pcap'), 'something sent on port 0'
EOF
"$GEN" check 80 "$KEY_B" 80 "$KEY_A" "$TMP/plain" "$TMP/recv" $N ||
	fail "net_pcap: relayed packets do not decrypt under key B"
[ "$(wc -c <"$TMP/recv")" -gt 0 ] || fail "net_pcap: nothing relayed"
"$CHECK" --key "10.0.1.2:7000=AES_CM_128_HMAC_SHA1_80:$KEY_B" --expect-auth --min $N \
	"$TMP/out1.pcap" || fail "net_pcap: srtp-check on the output capture"
echo PASS
