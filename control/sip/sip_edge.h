/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xsrelay-sip: a B2BUA at the edge, between SPA phones and an existing proxy or
 * PBX (the upstream). Built on libre's SIP stack (transactions and their
 * RFC 3261 timers, dialogs, UDP/TCP/TLS transports).
 *
 *   SPA phone ── A leg ── [xsrelay-sip] ── B leg ── upstream proxy ── far phone
 *                 │ ng offer/answer/delete, xsipura-keys
 *                 ▼
 *              xsrelayd ── xsrelay-dp (media)
 *
 * Every call is two SIP sessions joined here, and one call in xsrelayd (its
 * Call-ID is the first leg's). The SPA leg stays RTP/AVP; the far leg gets
 * the configured transport (RTP/SAVP with SDES keys made by xsrelayd by
 * default). The x-sipura INFO exchange is terminated here, in both roles, and
 * its keys go to xsrelayd for the SPA leg.
 */
#ifndef XS_SIP_EDGE_H
#define XS_SIP_EDGE_H

#include <stdbool.h>
#include <stdint.h>

#include <re.h>

#include "xsipura_assumptions.h"
#include "xsipura_ca.h"
#include "xsipura_keypool.h"

#define EDGE_MAX_LISTEN 4

enum edge_insecure_policy { EDGE_INSECURE_KEEP = 0, EDGE_INSECURE_HANGUP = 1 };

struct edge_config {
	char listen[EDGE_MAX_LISTEN][64];   /* UDP and TCP on each */
	unsigned nlisten;
	char tls_listen[64];
	char tls_cert[256];                 /* PEM: certificate and key */
	bool tls_legacy;                    /* admit TLS 1.0 and SSLv2-format ClientHello */
	char upstream[64];                  /* the proxy: ADDR:PORT */
	char domain[128];                   /* the upstream's SIP domain (R-URIs, AORs) */
	char ng[64];                        /* xsrelayd ng UDP address */
	char iface_spa[32], iface_up[32];   /* xsrelayd interface names for the two sides */
	char far_transport[16];             /* RTP/SAVP (default) or RTP/AVP */
	char ca_key[256];                   /* the provider CA key (gen_mc or PEM) */
	char mc_expire[32];                 /* expiry of certificates minted on the fly */
	char assume[512];                   /* x-sipura assumptions, name=value,... */
	unsigned secure_timeout;            /* seconds for a SPA call to go secure */
	enum edge_insecure_policy insecure;
};

struct edge_stats {
	uint64_t calls_out, calls_in, calls_failed, registers, handshakes_ok, handshakes_failed,
		insecure_kept, insecure_hungup,
		bad_requests,   /* answered 400: a bad Contact, From, To, Call-ID, CSeq ... */
		malformed,      /* UDP datagrams that are not SIP libre can decode: dropped */
		malformed_streams; /* TCP/TLS connections closed for a message that does not frame */
};

struct edge {
	struct edge_config cfg;
	struct sip *sip;
	struct sipsess_sock *sock;
	struct sip_lsnr *lsnr;
	struct sip_ng *ng;
	struct xsp_ca *ca;          /* the provider CA: signs what we mint, checks phones */
	struct xsp_keypool *pool;
	struct xsp_assumptions assume;
	struct sa upstream;
	struct list calls;
	struct list bindings;       /* registered SPA phones */
	struct tmr sweep_tmr;       /* drops bindings whose phone stopped refreshing */
	struct edge_guard *guard;   /* malformed input (sip_guard.c) */
	struct stream_guard *streams; /* ... on TCP and TLS (sip_stream_guard.c) */
	struct edge_stats st;
};

int edge_start(struct edge *e);
void edge_stop(struct edge *e);

/* registrations (sip_reg.c) */
bool edge_register(struct edge *e, const struct sip_msg *msg);
/* The contact URI of a registered SPA user-id, or NULL. */
const char *edge_binding(struct edge *e, const struct pl *user);
/* True if user is registered and src is the address it registered from. */
bool edge_binding_from(struct edge *e, const struct pl *user, const struct sa *src);
void edge_bindings_start(struct edge *e);
void edge_bindings_flush(struct edge *e);

/* malformed SIP: counted, answered 400 or dropped (sip_guard.c). Start after the
 * transports are added and before any other listener. */
int edge_guard_start(struct edge *e);
void edge_guard_stop(struct edge *e);
/* One rate-limited line about a fault from src: at most one a second, never the content. */
void edge_guard_note(struct edge *e, const struct sa *src, const char *tp, size_t len,
		     const char *fault, const char *action);
/* TCP and TLS connections whose SIP does not frame: counted, logged, closed
 * (sip_stream_guard.c). Start after the transports are added and before
 * re_main; free after the SIP stack (its connections hold the guard's helpers). */
struct stream_guard;
int edge_stream_guard_start(struct edge *e, struct stream_guard **sgp);

/* One log line on stderr; libre's format (printf plus %m errno, %r pl, %J sa). */
void edge_log(const char *fmt, ...);

#endif
