/* SPDX-License-Identifier: BSD-3-Clause */
/* Static configuration of one xsrelay-dp process: filled by main.c (or a test,
 * or the benchmark) before dp_app_start(), read-only afterwards. */
#ifndef DP_CONF_H
#define DP_CONF_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define DP_MAX_PORTS 8
#define DP_MAX_WORKERS 16
#define DP_MAX_LOCAL 64
#define DP_MAX_UIDS 8
#define DP_BURST 32

/* One relay address: answered for (ARP/ND, echo) on its port, usable as a
 * flow's local address and rewrite source. */
struct dp_local_addr {
	uint16_t port;         /* DPDK port id */
	uint16_t vlan;         /* 0: untagged */
	uint8_t family;        /* 4 or 6 */
	uint8_t prefix;        /* on-link prefix length */
	uint8_t addr[16];
};

struct dp_port_conf {
	uint8_t gw4[4];        /* IPv4 gateway, 0.0.0.0: none */
	uint8_t gw6[16];       /* IPv6 gateway, ::: none */
	uint8_t gw_mac[6];     /* static gateway MAC (has_gw_mac) */
	bool has_gw_mac;
	bool has_gw4, has_gw6;
};

struct dp_conf {
	char ctl_path[108];    /* control socket; empty: none (tests may drive dp_ctl directly) */
	uid_t allow_uid[DP_MAX_UIDS];
	unsigned n_uid;
	unsigned ctl_mode;     /* socket file mode, 0660 by default */
	struct dp_local_addr local[DP_MAX_LOCAL];
	unsigned n_local;
	struct dp_port_conf port[DP_MAX_PORTS];
	unsigned n_ports;      /* ports 0..n_ports-1 are used */
	unsigned drain_us;     /* TX buffer drain period */
	unsigned idle_sleep_us;/* >0: sleep this long after an idle spell (tests, shared hosts) */
	unsigned long flows_hint;
	unsigned mbufs;        /* mbufs in the pool */
	unsigned rxd, txd;     /* descriptors per queue */
	bool no_telemetry_cmds;
};

void dp_conf_defaults(struct dp_conf *c);
/* "PORT:ADDR/PREFIX[@VLAN]" */
int dp_conf_add_local(struct dp_conf *c, const char *spec);
/* "PORT:GATEWAY" (v4 or v6) */
int dp_conf_add_gw(struct dp_conf *c, const char *spec);
/* "PORT:aa:bb:cc:dd:ee:ff" */
int dp_conf_add_gw_mac(struct dp_conf *c, const char *spec);

/* The local address entry for (family, addr) on any port, or NULL. */
const struct dp_local_addr *dp_conf_find_local(const struct dp_conf *c, uint8_t family,
					       const uint8_t *addr);
/* Is addr on the link of l (same prefix)? */
bool dp_conf_on_link(const struct dp_local_addr *l, const uint8_t *addr);

#endif
