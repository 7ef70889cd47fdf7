/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xsrelayd's state: configuration, relay interfaces and their port pools, the
 * call table, the link to the fast path, the store and the counters. One
 * control thread owns all of it; nothing here is shared with another thread.
 */
#ifndef XS_XSRELAYD_H
#define XS_XSRELAYD_H

#include <stdbool.h>
#include <stdint.h>

#include <xsrelay/dp_proto.h>

#include "call.h"
#include "port_pool.h"

#define XSD_MAX_IFACES 8
#define XSD_PATH_MAX 256

struct xsd_iface {
	char name[32];
	char addr_text[64];     /* as written into SDP */
	int family;             /* 4 or 6 */
	struct xs_dp_addr addr; /* port 0 */
	uint16_t port_min, port_max;
	struct port_pool pool;
};

struct xsd_config {
	char config_path[XSD_PATH_MAX];
	char ng_udp[128];            /* "127.0.0.1:2223"; "" = off */
	char ng_unix[XSD_PATH_MAX];  /* Unix datagram socket path; "" = off */
	unsigned ng_unix_mode;       /* permission bits of that socket */
	char dp_socket[XSD_PATH_MAX];/* the fast path's control socket, or xsrelay.ko's device */
	bool dp_socket_set;          /* dp-socket given: fast-path does not change it */
	bool fast_path_kmod;         /* fast-path = kmod: /dev/xsrelay, write()/read() */
	char store_path[XSD_PATH_MAX];
	char metrics[128];           /* "127.0.0.1:9103"; "" = off */
	unsigned media_timeout;      /* seconds without media before a call ends (0 = never) */
	unsigned offer_timeout;      /* seconds an unanswered offer lives */
	unsigned max_calls;
	char sdes_suites[256];       /* suites offered by default, comma separated */
	char log_level[16];
};

/* Counters: one list feeds the struct, `statistics`, xsrelayctl and metrics. */
#define XSD_COUNTERS(X) \
	X(ng_requests,        "ng requests received") \
	X(ng_errors,          "ng requests answered with an error") \
	X(ng_retransmits,     "ng requests answered from the reply cache") \
	X(ng_malformed,       "ng datagrams that did not parse") \
	X(calls_created,      "calls created") \
	X(calls_deleted,      "calls ended by delete") \
	X(calls_timeout_media,"calls ended: no media for media-timeout seconds") \
	X(calls_timeout_offer,"calls ended: offer never answered") \
	X(dp_connects,        "connections made to the fast path") \
	X(dp_reprograms,      "full re-programmings of the fast path") \
	X(dp_errors,          "fast-path requests that failed") \
	X(dp_orphans,         "fast-path flows of no live call, removed") \
	X(store_errors,       "store writes that failed") \
	X(xsipura_keys,       "x-sipura key installations")

#define XSD_CNT_FIELD(name, help) uint64_t name;
struct xsd_counters {
	XSD_COUNTERS(XSD_CNT_FIELD)
};

#define NG_COMMANDS(X) X(ping) X(offer) X(answer) X(delete) X(query) X(list) \
	X(statistics) X(xsipura_keys) X(xsipura_query) X(xsipura_insecure)

struct dp_link;
struct store;

struct xsd {
	struct xsd_config cfg;
	struct xsd_iface iface[XSD_MAX_IFACES];
	unsigned niface;
	struct call_table calls;
	struct dp_link *dp;
	struct store *store;
	struct xsd_counters cnt;
	/* the live flows' counters, summed at the last fast-path poll */
	struct xs_dp_flow_stats flow_sum;
	uint64_t flows_live;
	struct xs_dp_stats dp_last;  /* STATS at the last poll */
	bool dp_last_valid;
	int64_t media_grace_until;   /* no media timeouts before this (fast path reconnected) */
	uint64_t cmd_count[16];      /* per NG_COMMANDS entry */
	int64_t started;
	int ng_slot;                 /* burst slot of the ng request being served, or -1 */
};

/* ng requests served together (one store commit, one fast-path flush): a slot
 * each, one bit each in dp_link_refused(). */
#define XSD_NG_BURST 64

/* Logging: level and a printf-style message; never pass keys. */
enum xsd_log_level { XSD_LOG_ERR = 0, XSD_LOG_WARN, XSD_LOG_INFO, XSD_LOG_DEBUG };
void xsd_log(enum xsd_log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void xsd_log_set_level(enum xsd_log_level lvl);

int64_t xsd_now(void); /* CLOCK_REALTIME seconds */

/* The interface with this name, or NULL. */
struct xsd_iface *xsd_iface_by_name(struct xsd *d, const char *name);

/* Ending a call: releases ports, removes flows and the stored copy, logs why. */
void xsd_call_end(struct xsd *d, struct call *c, const char *reason);

#endif
