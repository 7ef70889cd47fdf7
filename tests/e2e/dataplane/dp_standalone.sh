#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# xsrelay-dp as a standalone binary on net_ring vdevs (no namespaces, no root
# needed): bad arguments are refused; it starts, serves HELLO, FLOW_ADD, FLOW_GET,
# STATS and FLOW_DEL on its control socket (mode 0660), refuses a duplicate
# flow, and exits 0 on SIGTERM, removing its socket.
#
# Usage: dp_standalone.sh XSRELAY_DP DP_E2E_CTL
set -euo pipefail

DP=$1 CTL=$2
PREFIX=xsdpsa$$
TMP=$(mktemp -d /tmp/xsrelay-dpsa.XXXXXX)
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

EAL=(--no-huge --no-shconf --file-prefix "$PREFIX" --no-pci -l 0-1 -m 128 --log-level '*:warning'
     --vdev net_ring0 --vdev net_ring1)

# Refusals: no --ctl; a socket mode open to others.
rc=0; "$DP" "${EAL[@]}" -- --addr 0:10.0.0.1/24 >/dev/null 2>&1 || rc=$?
[ $rc = 2 ] || fail "missing --ctl: exit $rc, want 2"
rc=0; "$DP" "${EAL[@]}" -- --ctl "$SOCK" --addr 0:10.0.0.1/24 --ctl-mode 0666 >/dev/null 2>&1 || rc=$?
[ $rc = 2 ] || fail "--ctl-mode 0666: exit $rc, want 2"

"$DP" "${EAL[@]}" -- --ctl "$SOCK" --addr 0:10.0.0.1/24 --addr 1:10.0.1.1/24 \
	--idle-sleep-us 200 >"$TMP/dp.log" 2>&1 &
DP_PID=$!
for _ in $(seq 100); do
	[ -S "$SOCK" ] && "$CTL" "$SOCK" hello 2>/dev/null && break
	kill -0 "$DP_PID" 2>/dev/null || fail "xsrelay-dp exited at start"
	sleep 0.1
done
"$CTL" "$SOCK" hello || fail "no control socket"
[ "$(stat -c %a "$SOCK")" = 660 ] || fail "socket mode $(stat -c %a "$SOCK")"

KEY=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d
"$CTL" "$SOCK" add 10.0.0.1:4000 10.0.1.1:6000 10.0.1.2:7000 1 "$KEY" 2 "$KEY"
"$CTL" "$SOCK" add 10.0.0.1:4010 10.0.1.1:6010 10.0.1.2:7010 0 - 0 -
"$CTL" "$SOCK" add 10.0.0.1:4000 10.0.1.1:6000 10.0.1.2:7000 1 "$KEY" 2 "$KEY" 2>/dev/null &&
	fail "duplicate flow accepted"
"$CTL" "$SOCK" add 10.9.9.9:4000 10.0.1.1:6000 10.0.1.2:7000 0 - 0 - 2>/dev/null &&
	fail "flow on a foreign address accepted"
"$CTL" "$SOCK" flow 10.0.0.1:4000 >"$TMP/flow"
grep -qx "in_keys 1" "$TMP/flow" && grep -qx "pkts_in 0" "$TMP/flow" || fail "FLOW_GET"
"$CTL" "$SOCK" stats >"$TMP/stats"
grep -qx "flows 2" "$TMP/stats" && grep -qx "workers 1" "$TMP/stats" || fail "STATS: $(head -2 "$TMP/stats")"
"$CTL" "$SOCK" del 10.0.0.1:4010
"$CTL" "$SOCK" stats | grep -qx "flows 1" || fail "FLOW_DEL"

kill -TERM "$DP_PID"
rc=0
wait "$DP_PID" || rc=$?
DP_PID=
[ $rc = 0 ] || fail "exit status $rc after SIGTERM"
[ ! -e "$SOCK" ] || fail "control socket left behind"
echo PASS
