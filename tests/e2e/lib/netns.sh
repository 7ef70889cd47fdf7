# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# Network plumbing shared by the end-to-end tests, sourced by them: network
# namespaces joined by two bridges, "bra" and "brb", that live in a "wire"
# namespace of their own, like two switches. The caller sets ID (a suffix
# unique to the run, for the veth names) and NS_W, and deletes the namespaces
# when it is done.

# e2e_netns_up NS... : each namespace, with its loopback up
e2e_netns_up() {
	local ns
	for ns in "$@"; do
		ip netns add "$ns"
		ip -n "$ns" link set lo up
	done
}

# e2e_bridges_up: the two bridges in $NS_W
e2e_bridges_up() {
	local br
	for br in bra brb; do
		ip -n "$NS_W" link add "$br" type bridge
		ip -n "$NS_W" link set "$br" up
	done
}

E2E_PLUGGED=0
# plug NS IFACE BRIDGE [ADDR...]: a veth from NS (named IFACE) to BRIDGE, IPv4
# only; with no address it is left for a DPDK af_packet port to take.
plug() {
	local ns=$1 ifc=$2 br=$3 a
	shift 3
	E2E_PLUGGED=$((E2E_PLUGGED + 1))
	local peer="w$E2E_PLUGGED-$ID"
	ip link add "$ifc" netns "$ns" type veth peer name "$peer" netns "$NS_W"
	ip -n "$NS_W" link set "$peer" master "$br" up
	ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$ifc.disable_ipv6=1"
	for a in "$@"; do ip -n "$ns" addr add "$a" dev "$ifc"; done
	ip -n "$ns" link set "$ifc" up
	# veth leaves UDP checksums to "hardware": make the kernel fill them in
	[ $# -gt 0 ] && ip netns exec "$ns" ethtool -K "$ifc" tx off >/dev/null
	return 0
}

# e2e_need_sip_peers: exits 77 (meson's "skipped") unless root, with Debian's
# kamailio and baresip installed
e2e_need_sip_peers() {
	if [ "$(id -u)" != 0 ] || ! command -v kamailio >/dev/null ||
		! command -v baresip >/dev/null; then
		echo "SKIP: needs root, kamailio and baresip"
		exit 77
	fi
}

# e2e_stop_pids: TERM to every process in $PIDS, KILL to what is left after
# half a second, then reaps them
e2e_stop_pids() {
	local p
	for p in $PIDS; do kill -TERM "$p" 2>/dev/null; done
	sleep 0.5
	for p in $PIDS; do kill -KILL "$p" 2>/dev/null; done
	wait 2>/dev/null
}

# e2e_tail_logs DIR LINES FILE...: the last LINES lines of each FILE in DIR
# that exists, under a header
e2e_tail_logs() {
	local dir=$1 n=$2 f
	shift 2
	for f in "$@"; do
		[ -f "$dir/$f" ] && { echo "--- $f"; tail -"$n" "$dir/$f"; }
	done
	return 0
}
