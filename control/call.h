/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Calls as xsrelayd keeps them. A call has two legs, each the media of one
 * party (identified by its SIP tag): the offerer's (the ng "from-tag") and the
 * answerer's ("to-tag"). Each leg has one stream per SDP m= line:
 *
 *   party A ──▶ relay port a ══ flow ══▶ (from relay port b) party B
 *   party A ◀── (from relay port a) ══ flow ══ relay port b ◀── party B
 *
 * A leg's stream holds what the relay knows of that party: the address it
 * said to send to (its SDP), the port the relay gave it, the key the party
 * sends with (rx: the relay unprotects with it) and the key the relay sends to
 * it with (tx), their suite, RTCP multiplexing. Two data-plane flows per media
 * line carry the packets: local port a (in: A's rx, out: B's tx, to B) and
 * local port b (in: B's rx, out: A's tx, to A).
 *
 * Forking (several answerers for one offer) is not modelled: a second to-tag
 * replaces the first. Calls are owned by the daemon's control thread.
 */
#ifndef XS_CALL_H
#define XS_CALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xsrelay/dp_proto.h>

#define CALL_ID_MAX 255
#define CALL_TAG_MAX 127
#define CALL_LABEL_MAX 63
#define CALL_MAX_MEDIA 4   /* m= lines per call the relay anchors */
#define CALL_MAX_OFFERED 4 /* SDES crypto lines the relay offers per media */

/* One SRTP key of a leg: suite, SDES tag, key and salt (secret). x-sipura keys
 * carry the profile too. suite 0 = plain RTP. */
struct call_key {
	uint8_t suite;     /* enum xs_srtp_suite */
	uint8_t key_len, salt_len;
	uint8_t pad;
	uint32_t tag;      /* SDES tag; 0 for x-sipura */
	uint32_t flags;    /* XS_SRTP_F_* session parameters */
	uint8_t key[32];
	uint8_t salt[16];
	struct xs_dp_xsipura xsipura; /* suite XSIPURA only */
};

struct call_stream {
	char type[16];          /* "audio", "video" */
	char proto[16];         /* the transport this party speaks: RTP/AVP, RTP/SAVP, ... */
	uint16_t relay_port;    /* relay port given to this party (RTP; RTCP +1) */
	uint8_t iface;          /* index of the relay interface this party talks to */
	bool rtcp_mux;          /* this party multiplexes RTCP on the RTP port */
	bool disabled;          /* port 0 in the SDP */
	struct xs_dp_addr peer; /* where this party receives RTP (its SDP) */
	uint16_t peer_rtcp_port;
	struct call_key rx;     /* what the party sends with (suite 0: plain) */
	struct call_key tx;     /* what the relay sends to it with */
	uint8_t noffered;       /* relay keys offered to this party, not answered yet */
	struct call_key offered[CALL_MAX_OFFERED];
	uint8_t ncand;          /* keys this party offered, until the answer picks one */
	struct call_key cand[CALL_MAX_OFFERED];
	/* x-sipura on this leg: keys installed mid-call, the SSRCs of the Hellos */
	bool xsipura;
	uint32_t xsipura_rx_ssrc, xsipura_tx_ssrc;
	uint32_t ssrc;          /* the SSRC this party's SDP announced (a=ssrc), 0: none */
	/* the party moved, changed keys or SSRC: the flow at relay_port forgets
	 * its latched source (XS_DP_FLOW_F_REBIND) when it is next replaced;
	 * cleared once the fast path took the flow */
	bool rebind;
	/* Stream marks (marks.h, docs/stream-state.md), under this party's keys:
	 * rx_marks of the receive stream of the flow at relay_port (key rx),
	 * tx_marks of the send stream of the flow that sends to this party (key
	 * tx). Zeroed when that key changes. */
	struct xs_dp_marks rx_marks, tx_marks;
};

struct call_leg {
	char tag[CALL_TAG_MAX + 1];
	char label[CALL_LABEL_MAX + 1];
	uint8_t nmedia;
	struct call_stream media[CALL_MAX_MEDIA];
};

enum call_state {
	CALL_OFFERED = 1,   /* offer seen, no answer: no flows */
	CALL_ANSWERED = 2,  /* flows programmed */
};

struct call {
	char call_id[CALL_ID_MAX + 1];
	uint64_t id;            /* unique, never reused: the flows' cookie */
	enum call_state state;
	uint8_t offerer;        /* leg[offerer] made the last offer */
	bool strict_source;     /* flows accept media only from each party's SDP address */
	bool media_handover;    /* SRTP input re-latches even with relatch = no */
	bool unsaved;           /* marks or rebind flags changed since the row was written:
				   the next tick writes it (not meaningful in the store) */
	/* why a leg expected to go secure (x-sipura) did not: set by the SIP edge */
	char security_note[96];
	struct call_leg leg[2]; /* leg[0]: from-tag of the first offer */
	int64_t created;        /* CLOCK_REALTIME seconds */
	int64_t last_signal;
	int64_t last_media;     /* newest last-packet time the data plane reported */
	/* hash chaining on call_id and on id, owned by call_table */
	struct call *hnext, *inext;
};

struct call_table {
	struct call **buckets, **ids;
	size_t nbuckets, count;
	uint64_t next_id;
	/* ids from here on are not reserved (xsd_call_ids_reserve: every id below
	 * it is recorded in the store as possibly used); UINT64_MAX: no limit */
	uint64_t id_limit;
};

int call_table_init(struct call_table *t, size_t nbuckets);
void call_table_free(struct call_table *t); /* frees (and wipes) every call */
struct call *call_find(struct call_table *t, const char *call_id);
struct call *call_by_id(struct call_table *t, uint64_t id);
/* A new call, zeroed but for id, call_id, times; NULL on OOM, an over-long
 * id, or no id left below id_limit. */
struct call *call_create(struct call_table *t, const char *call_id, int64_t now);
/* Inserts a call read back from the store (its id is kept; next_id moves past it). */
int call_insert(struct call_table *t, struct call *c);
void call_remove(struct call_table *t, struct call *c); /* unlinks, wipes, frees */
/* Iteration: call fn for each call; fn may not remove calls. */
void call_foreach(struct call_table *t, void (*fn)(struct call *, void *), void *arg);

/* The leg with this tag, or -1. */
int call_leg_by_tag(const struct call *c, const char *tag);

void call_key_clear(struct call_key *k);

/*
 * After an offer, answer or key change turned stream `old` into `s` (the same
 * party and media line): marks made under a key that changed are dropped (a
 * new key starts from zero, and old marks would hold it back). On a live
 * stream (its flows are programmed) whose party moved (address or port),
 * changed its receive key or its announced SSRC, s->rebind is set so that
 * its flow learns the new source. A move keeps the receive marks: the fast
 * path keeps the receive stream's per-SSRC state (only the latch goes).
 */
void call_stream_update(const struct call_stream *old, struct call_stream *s, bool live);
/* The same for every stream of a call that `old` was (live: old answered). */
void call_update(const struct call *old, struct call *c);

#endif
