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

/* Where a flow accepts a party's media from (docs/xsrelayd.md, "Latching"). */
enum xsd_latching {
	XSD_LATCH_SDP_ADDRESS = 0, /* plain input: only from the SDP address's IP, latched */
	XSD_LATCH_FIRST_PACKET,    /* plain input: the first packet's source, latched */
	XSD_LATCH_STRICT,          /* any input: only from the SDP address's IP, no latching */
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
	enum xsd_latching latching;
	bool relatch;                /* SRTP input: an authenticated packet moves the latch */
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
	X(xsipura_keys,       "x-sipura key installations") \
	X(store_marks,        "calls stored again because their stream marks moved")

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
	bool unsaved;                /* some call has c->unsaved set (xsd_save_marks) */
	char loop_mark[40];          /* "xsrelay:<instance>": loop-protect's SDP attribute */
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
/* Hands the call's relay ports back, each to the pool of its stream's interface. */
void xsd_call_ports_put(struct xsd *d, const struct call *c);
/*
 * Call ids are the flows' cookies: an id is never given twice, not even
 * across restarts (a call ended before a restart must not come back as a new
 * call's id and adopt flows it left). The store records a limit below which
 * ids may have been used ("call-id-limit" in its meta table), reserved a
 * block ahead so that a call does not cost a write of its own.
 * xsd_call_ids_init (start-up, calls loaded): ids continue above both the
 * limit and every loaded call's, and a block is reserved.
 * xsd_call_ids_reserve (each tick, outside a burst): the next block once half
 * of the current one is used. A failed write is logged and tried again at the
 * next tick; offers are refused once the reserved ids run out.
 */
void xsd_call_ids_init(struct xsd *d);
void xsd_call_ids_reserve(struct xsd *d);
/* Stores, in one transaction, every call whose stream marks moved enough
 * (or whose rebind flags cleared) since it was last stored (c->unsaved):
 * once a tick, after the fast path's flows were read. */
void xsd_save_marks(struct xsd *d);

#endif
