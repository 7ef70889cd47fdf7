/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * srtp-check: reads a capture of what a relay sent and proves the one rule of
 * SRTP: under one master key, no (SSRC, index) is protected twice.
 *
 *   srtp-check [OPTIONS] CAPTURE.pcap
 *
 * Every UDP packet that looks like RTP or RTCP (version 2) is grouped by its
 * destination address:port, one group per destination (the relay protects what
 * it sends to one destination under one key). Its index is:
 *   SRTP   the 48-bit index ROC || SEQ. Without a key, the ROC a receiver would
 *          estimate (RFC 3711 3.3.1, as libsrtp does it) from the highest index
 *          of that SSRC so far; with a key, the ROC under which the packet
 *          actually authenticates (libsrtp2, the estimate and its neighbours
 *          first, then every ROC up to one above the highest seen).
 *   SRTCP  the explicit 31-bit index in the trailer (E || index), found before
 *          the 80-bit tag (RFC 4568 6.2: SRTCP keeps 80 bits for the _32 suites).
 * A (destination, key, SSRC, kind, index) seen twice is a REPEAT when the two
 * packets differ (keystream reuse) and an IDENTICAL DUPLICATE when they are the
 * same bytes (a network duplicate, or a replay forwarded as it came).
 *
 * With a key for a destination, srtp-check is also an independent receiver:
 * one libsrtp2 session per destination and key (ssrc_any_inbound), fed in
 * capture order, counting what it rejects (authentication, replay, other), the
 * packets that authenticate only under another ROC than the receiver's, index
 * rollbacks (an SSRC going back by more than 2^15 under one key: the sender lost
 * its ROC), and the longest gap between media packets it accepted.
 *
 * Options:
 *   --from ADDR[:PORT]   only packets from this source (repeatable)
 *   --to ADDR[:PORT]     only packets to this destination (repeatable); by
 *                        default every destination, or only the keyed ones
 *                        when a --key is given
 *   --key ADDR:PORT=SUITE:KEY
 *                        the master key||salt the destination decrypts with:
 *                        SUITE is AES_CM_128_HMAC_SHA1_80 or _32 (or 80, 32),
 *                        KEY base64 (as in a=crypto inline:) or hex. Several keys
 *                        for one destination (a re-key): a packet belongs to the
 *                        first key that authenticates it.
 *   --expect-auth        fail on any packet the receiver rejects other than as a
 *                        replay (replays are judged as repeats)
 *   --auth-after WHEN    count rejections only from WHEN on: epoch seconds
 *                        (as `date +%s.%N` prints) or #N (packet number, from 1)
 *   --allow-identical-duplicates   identical duplicates are reported, not failed
 *   --max-gap SECONDS    fail when the longest gap between media packets of a
 *                        destination (accepted ones, with a key) exceeds this
 *   --min N              fail unless at least N SRTP/SRTCP packets were checked
 *   --expect-ssrc HEX    the SSRCs the relay may send (repeatable): fail on any
 *                        other (a spray or a forged packet that got through)
 *   --event NAME@EPOCH   a fault at this time (repeatable, in time order): for
 *                        each destination with media, the longest gap between
 *                        media packets that ends after it and starts before the
 *                        next event (the gap the fault caused); fail if media
 *                        did not come back after it (none accepted, or none
 *                        after a point while packets kept coming until the
 *                        next event)
 *   --srtcp-tag-len N    SRTCP tag length without a key (default 10)
 *
 * Exit status: 0 when the property holds (and the asked-for checks pass), 1 when
 * it does not, 2 on bad arguments or an unreadable capture.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>
#include <srtp2/srtp.h>

#define MAX_DESTS 256
#define MAX_KEYS 8
#define MAX_SELECT 32
#define MAX_EVENTS 16
#define MAX_PKT 2048
#define REPORT_LINES 10 /* per kind of finding */
#define SEQ_MEDIAN 0x8000u
#define SRTCP_TRAILER 4
#define REPLAY_WINDOW 1024
#define SCAN_ROCS 16 /* beyond the neighbours, ROCs tried up to the highest + 1, at most */

struct addr {
	int family; /* AF_INET, AF_INET6; 0 in a selector: any address */
	uint8_t ip[16];
	uint16_t port; /* 0 in a selector: any port */
};

struct key {
	const char *suite;
	uint8_t material[46];
	srtp_policy_t pol;
	srtp_t rx; /* the independent receiver */
};

enum { K_RTP, K_RTCP, K_COUNT };

struct dest {
	struct addr a;
	struct key keys[MAX_KEYS];
	unsigned nkeys;
	uint64_t pkts[K_COUNT], accepted[K_COUNT];
	uint64_t rej_auth, rej_replay, rej_other, rej_counted, unauthenticated;
	uint64_t other_roc, rollbacks;
	uint64_t repeats, identical;
	bool have_media;
	double last_media, gap, gap_from;
	uint64_t last_media_pkt, gap_pkt[2];
	struct {
		bool after;        /* media accepted after the event */
		double before;     /* the last media accepted before it; 0: none */
		double from, to;   /* the longest gap it caused */
		double acc, any;   /* the last media accepted, the last RTP packet, before the next event */
	} ev[MAX_EVENTS];
	uint64_t foreign_ssrc;
};

/* ------------------------------------------------------------ an open-addressing map */

struct map_key {
	uint32_t dest, key, ssrc, kind;
	uint64_t index;
};

struct map_val {
	uint64_t pkt, hash, highest;
	double ts;
};

struct map_slot {
	bool used;
	struct map_key k;
	struct map_val v;
};

struct map {
	struct map_slot *slot;
	size_t cap, n;
};

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	return x ^ (x >> 33);
}

static uint64_t key_hash(const struct map_key *k)
{
	return mix64(k->index ^ mix64(((uint64_t)k->dest << 40) ^ ((uint64_t)k->key << 32) ^
				    k->ssrc ^ ((uint64_t)k->kind << 60)));
}

static bool key_eq(const struct map_key *a, const struct map_key *b)
{
	return a->dest == b->dest && a->key == b->key && a->ssrc == b->ssrc &&
	       a->kind == b->kind && a->index == b->index;
}

static struct map_slot *map_find(struct map *m, const struct map_key *k)
{
	size_t i = key_hash(k) & (m->cap - 1);

	while (m->slot[i].used && !key_eq(&m->slot[i].k, k))
		i = (i + 1) & (m->cap - 1);
	return &m->slot[i];
}

static void map_grow(struct map *m)
{
	struct map old = *m;

	m->cap = old.cap ? old.cap * 2 : 4096;
	m->slot = calloc(m->cap, sizeof(*m->slot));
	if (!m->slot) {
		fprintf(stderr, "srtp-check: out of memory\n");
		exit(2);
	}
	for (size_t i = 0; i < old.cap; i++)
		if (old.slot[i].used)
			*map_find(m, &old.slot[i].k) = old.slot[i];
	free(old.slot);
}

/* The slot of k; *fresh says whether it was just made (its value zeroed). */
static struct map_val *map_get(struct map *m, const struct map_key *k, bool *fresh)
{
	struct map_slot *s;

	if ((m->n + 1) * 4 > m->cap * 3)
		map_grow(m);
	s = map_find(m, k);
	*fresh = !s->used;
	if (!s->used) {
		s->used = true;
		s->k = *k;
		memset(&s->v, 0, sizeof(s->v));
		m->n++;
	}
	return &s->v;
}

/* ------------------------------------------------------------ options and state */

static struct {
	struct addr from[MAX_SELECT], to[MAX_SELECT];
	unsigned nfrom, nto;
	bool expect_auth, allow_identical, keyed_only;
	double auth_after_ts, max_gap;
	uint64_t auth_after_pkt, min;
	unsigned srtcp_tag;
	uint32_t ssrc[MAX_SELECT];
	unsigned nssrc;
	struct {
		char name[32];
		double ts;
	} ev[MAX_EVENTS];
	unsigned nev;
} opt = { .max_gap = -1, .srtcp_tag = 10 };

static struct dest dests[MAX_DESTS];
static unsigned ndests;
static struct map seen, streams; /* (dest, key, ssrc, kind, index) seen; per-SSRC highest */
static double t_first = -1;
static uint64_t n_frames, n_checked, n_other;
enum finding { F_REPEAT, F_IDENTICAL, F_OTHER_ROC, F_ROLLBACK, F_SSRC, F_COUNT };
static unsigned lines_shown[F_COUNT];
static uint64_t lines_unshown;

static int parse_addr(const char *s, struct addr *a, bool need_port)
{
	char buf[80];
	const char *ip = s, *port = NULL;
	char *end;

	memset(a, 0, sizeof(*a));
	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	if (buf[0] == '[') {
		char *close = strchr(buf, ']');
		if (!close || (close[1] && close[1] != ':'))
			return -1;
		*close = 0;
		ip = buf + 1;
		port = close[1] ? close + 2 : NULL;
	} else {
		char *colon = strchr(buf, ':');
		if (colon && !strchr(colon + 1, ':')) {
			*colon = 0;
			port = colon + 1;
		}
		ip = buf;
	}
	if (inet_pton(AF_INET, ip, a->ip) == 1)
		a->family = AF_INET;
	else if (inet_pton(AF_INET6, ip, a->ip) == 1)
		a->family = AF_INET6;
	else
		return -1;
	if (port) {
		unsigned long p = strtoul(port, &end, 10);
		if (*end || p == 0 || p > 65535)
			return -1;
		a->port = (uint16_t)p;
	}
	return need_port && !a->port ? -1 : 0;
}

static const char *fmt_addr(const struct addr *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	inet_ntop(a->family, a->ip, ip, sizeof(ip));
	snprintf(buf, len, a->family == AF_INET6 ? "[%s]:%u" : "%s:%u", ip, a->port);
	return buf;
}

static bool addr_eq(const struct addr *a, const struct addr *b)
{
	size_t n = a->family == AF_INET ? 4 : 16;
	return a->family == b->family && a->port == b->port && !memcmp(a->ip, b->ip, n);
}

/* A selector (port 0: any port) matches an address. */
static bool addr_match(const struct addr *sel, const struct addr *a)
{
	size_t n = a->family == AF_INET ? 4 : 16;
	return sel->family == a->family && !memcmp(sel->ip, a->ip, n) &&
	       (!sel->port || sel->port == a->port);
}

static int b64val(int c)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c ? strchr(tab, c) : NULL;
	return p ? (int)(p - tab) : -1;
}

/* Base64 (padding optional) or hex into out; returns the byte count, -1 if neither. */
static int decode_key(const char *s, uint8_t *out, size_t max)
{
	size_t len = strlen(s), n = 0;
	uint32_t acc = 0;
	int bits = 0;

	if (len % 2 == 0 && len / 2 <= max && strspn(s, "0123456789abcdefABCDEF") == len) {
		for (size_t i = 0; i < len / 2; i++) {
			unsigned v;
			sscanf(s + 2 * i, "%2x", &v);
			out[i] = (uint8_t)v;
		}
		return (int)(len / 2);
	}
	while (len && s[len - 1] == '=')
		len--;
	for (size_t i = 0; i < len; i++) {
		int v = b64val(s[i]);
		if (v < 0)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n == max)
				return -1;
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	return (int)n;
}

static struct dest *dest_find(const struct addr *a, bool create)
{
	for (unsigned i = 0; i < ndests; i++)
		if (addr_eq(&dests[i].a, a))
			return &dests[i];
	if (!create || ndests == MAX_DESTS)
		return NULL;
	dests[ndests].a = *a;
	return &dests[ndests++];
}

static int set_policy(struct key *k, const char *suite)
{
	srtp_policy_t *p = &k->pol;

	memset(p, 0, sizeof(*p));
	if (!strcmp(suite, "AES_CM_128_HMAC_SHA1_80") || !strcmp(suite, "80")) {
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtp);
		k->suite = "AES_CM_128_HMAC_SHA1_80";
	} else if (!strcmp(suite, "AES_CM_128_HMAC_SHA1_32") || !strcmp(suite, "32")) {
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p->rtp);
		k->suite = "AES_CM_128_HMAC_SHA1_32";
	} else {
		return -1;
	}
	srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp); /* RFC 4568 6.2 */
	p->key = k->material;
	p->window_size = REPLAY_WINDOW;
	return 0;
}

/* --key ADDR:PORT=SUITE:KEY */
static int add_key(const char *arg)
{
	char buf[256], *eq, *colon;
	struct addr a;
	struct dest *d;
	struct key *k;

	if (strlen(arg) >= sizeof(buf))
		return -1;
	strcpy(buf, arg);
	eq = strchr(buf, '=');
	if (!eq)
		return -1;
	*eq = 0;
	colon = strchr(eq + 1, ':');
	if (!colon || parse_addr(buf, &a, true))
		return -1;
	*colon = 0;
	d = dest_find(&a, true);
	if (!d || d->nkeys == MAX_KEYS)
		return -1;
	k = &d->keys[d->nkeys];
	if (set_policy(k, eq + 1) || decode_key(colon + 1, k->material, sizeof(k->material)) != 30)
		return -1;
	k->pol.ssrc.type = ssrc_any_inbound;
	if (srtp_create(&k->rx, &k->pol) != srtp_err_status_ok)
		return -1;
	memset(buf, 0, sizeof(buf));
	d->nkeys++;
	return 0;
}

static int parse_when(const char *s)
{
	char *end;

	if (s[0] == '#') {
		opt.auth_after_pkt = strtoull(s + 1, &end, 10);
		return *end || !opt.auth_after_pkt ? -1 : 0;
	}
	opt.auth_after_ts = strtod(s, &end);
	return *end || opt.auth_after_ts <= 0 ? -1 : 0;
}

/* --event NAME@EPOCH */
static int add_event(const char *s)
{
	const char *at = strrchr(s, '@');
	char *end;

	if (!at || at == s || (size_t)(at - s) >= sizeof(opt.ev[0].name) || opt.nev == MAX_EVENTS)
		return -1;
	memcpy(opt.ev[opt.nev].name, s, (size_t)(at - s));
	opt.ev[opt.nev].ts = strtod(at + 1, &end);
	if (*end || opt.ev[opt.nev].ts <= 0 || (opt.nev && opt.ev[opt.nev].ts < opt.ev[opt.nev - 1].ts))
		return -1;
	opt.nev++;
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: srtp-check [--from ADDR[:PORT]]... [--to ADDR[:PORT]]...\n"
		"                  [--key ADDR:PORT=SUITE:KEY]... [--expect-auth] [--auth-after WHEN]\n"
		"                  [--allow-identical-duplicates] [--max-gap SECONDS] [--min N]\n"
		"                  [--expect-ssrc HEX]... [--event NAME@EPOCH]... [--srtcp-tag-len N]\n"
		"                  CAPTURE.pcap\n");
}

static int parse_args(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "key", required_argument, NULL, 'k' },
		{ "expect-auth", no_argument, NULL, 'e' },
		{ "auth-after", required_argument, NULL, 'a' },
		{ "allow-identical-duplicates", no_argument, NULL, 'i' },
		{ "max-gap", required_argument, NULL, 'g' },
		{ "min", required_argument, NULL, 'm' },
		{ "srtcp-tag-len", required_argument, NULL, 's' },
		{ "expect-ssrc", required_argument, NULL, 'x' },
		{ "event", required_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	char *end;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		int bad = 0;
		switch (c) {
		case 'f':
			bad = opt.nfrom == MAX_SELECT || parse_addr(optarg, &opt.from[opt.nfrom++], false);
			break;
		case 't':
			bad = opt.nto == MAX_SELECT || parse_addr(optarg, &opt.to[opt.nto++], false);
			break;
		case 'k':
			bad = add_key(optarg);
			break;
		case 'e':
			opt.expect_auth = true;
			break;
		case 'a':
			bad = parse_when(optarg);
			break;
		case 'i':
			opt.allow_identical = true;
			break;
		case 'g':
			opt.max_gap = strtod(optarg, &end);
			bad = *end || opt.max_gap < 0;
			break;
		case 'm':
			opt.min = strtoull(optarg, &end, 10);
			bad = *end != 0;
			break;
		case 's':
			opt.srtcp_tag = (unsigned)strtoul(optarg, &end, 10);
			bad = *end || opt.srtcp_tag > 16;
			break;
		case 'x':
			bad = opt.nssrc == MAX_SELECT;
			if (!bad)
				opt.ssrc[opt.nssrc++] = (uint32_t)strtoul(optarg, &end, 16);
			bad = bad || *end;
			break;
		case 'v':
			bad = add_event(optarg);
			break;
		default:
			bad = 1;
		}
		if (bad) {
			/* a --key argument is not echoed: it holds a key */
			if (c != '?')
				fprintf(stderr, "srtp-check: bad value: %s\n", c == 'k' ? "--key" : optarg);
			usage();
			return -1;
		}
	}
	if (optind != argc - 1) {
		usage();
		return -1;
	}
	opt.keyed_only = ndests && !opt.nto; /* every destination, or the keyed ones */
	return 0;
}

/* ------------------------------------------------------------ packets */

struct udp {
	uint64_t num;
	double ts;
	struct addr src, dst;
	const uint8_t *p;
	unsigned len;
};

static inline uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t fnv1a(const uint8_t *p, unsigned len)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (unsigned i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h ^ len;
}

/* Finds the IP packet in a frame of the capture's link type; NULL if none. */
static const uint8_t *frame_ip(int link, const uint8_t *f, unsigned caplen, unsigned *len)
{
	unsigned off;
	uint16_t et;

	switch (link) {
	case DLT_EN10MB:
		if (caplen < 14)
			return NULL;
		et = be16(f + 12);
		off = 14;
		while ((et == 0x8100 || et == 0x88a8) && caplen >= off + 4) {
			et = be16(f + off + 2);
			off += 4;
		}
		break;
	case DLT_LINUX_SLL:
		if (caplen < 16)
			return NULL;
		et = be16(f + 14);
		off = 16;
		break;
	case DLT_RAW:
#ifdef DLT_IPV4
	case DLT_IPV4:
	case DLT_IPV6:
#endif
		if (caplen < 1)
			return NULL;
		et = (f[0] >> 4) == 6 ? 0x86dd : 0x0800;
		off = 0;
		break;
	default:
		return NULL;
	}
	if (et != 0x0800 && et != 0x86dd)
		return NULL;
	*len = caplen - off;
	return f + off;
}

/* The UDP datagram in an IP packet (no fragments, no IPv6 extension headers). */
static bool parse_udp(const uint8_t *ip, unsigned len, struct udp *u)
{
	const uint8_t *l4;
	unsigned l4len;

	memset(&u->src, 0, sizeof(u->src));
	memset(&u->dst, 0, sizeof(u->dst));
	if (len >= 20 && ip[0] >> 4 == 4) {
		unsigned ihl = (ip[0] & 15u) * 4, tot = be16(ip + 2);
		if (ihl < 20 || tot > len || tot < ihl + 8 || ip[9] != 17 || (be16(ip + 6) & 0x3fff))
			return false;
		u->src.family = u->dst.family = AF_INET;
		memcpy(u->src.ip, ip + 12, 4);
		memcpy(u->dst.ip, ip + 16, 4);
		l4 = ip + ihl;
		l4len = tot - ihl;
	} else if (len >= 48 && ip[0] >> 4 == 6) {
		unsigned pl = be16(ip + 4);
		if (ip[6] != 17 || 40 + pl > len || pl < 8)
			return false;
		u->src.family = u->dst.family = AF_INET6;
		memcpy(u->src.ip, ip + 8, 16);
		memcpy(u->dst.ip, ip + 24, 16);
		l4 = ip + 40;
		l4len = pl;
	} else {
		return false;
	}
	if (be16(l4 + 4) < 8 || be16(l4 + 4) > l4len)
		return false;
	u->src.port = be16(l4);
	u->dst.port = be16(l4 + 2);
	u->p = l4 + 8;
	u->len = be16(l4 + 4) - 8u;
	return true;
}

static bool selected(const struct udp *u)
{
	bool ok = !opt.nfrom;

	for (unsigned i = 0; i < opt.nfrom && !ok; i++)
		ok = addr_match(&opt.from[i], &u->src);
	if (!ok)
		return false;
	if (!opt.nto)
		return !opt.keyed_only || dest_find(&u->dst, false);
	for (unsigned i = 0; i < opt.nto; i++)
		if (addr_match(&opt.to[i], &u->dst))
			return true;
	return dest_find(&u->dst, false) != NULL;
}

/* A finding gets a line, up to REPORT_LINES of each kind; the counts say the rest. */
static bool may_report(enum finding f)
{
	if (lines_shown[f] == REPORT_LINES) {
		lines_unshown++;
		return false;
	}
	lines_shown[f]++;
	return true;
}

static double rel(double ts)
{
	return ts - t_first;
}

/* Records (dest, key, ssrc, kind, index) for packet u; reports a repeat. */
static void record(struct dest *d, unsigned key, uint32_t ssrc, int kind, uint64_t index,
		   const struct udp *u)
{
	struct map_key mk = { (uint32_t)(d - dests), key, ssrc, (uint32_t)kind, index };
	uint64_t h = fnv1a(u->p, u->len);
	bool fresh;
	struct map_val *v = map_get(&seen, &mk, &fresh);
	char buf[64];

	if (fresh) {
		v->pkt = u->num;
		v->hash = h;
		v->ts = u->ts;
		return;
	}
	if (v->hash == h)
		d->identical++;
	else
		d->repeats++;
	if (may_report(v->hash == h ? F_IDENTICAL : F_REPEAT))
		printf("%s %s key %u ssrc 0x%08x %s index %" PRIu64 " (0x%012" PRIx64 "): "
		       "packet #%" PRIu64 " (t+%.3f) and #%" PRIu64 " (t+%.3f)\n",
		       v->hash == h ? "IDENTICAL DUPLICATE" : "REPEAT", fmt_addr(&d->a, buf, sizeof(buf)),
		       key + 1, ssrc, kind == K_RTP ? "srtp" : "srtcp", index, index, v->pkt,
		       rel(v->ts), u->num, rel(u->ts));
}

static struct map_val *stream_state(struct dest *d, unsigned key, uint32_t ssrc, bool *fresh)
{
	struct map_key mk = { (uint32_t)(d - dests), key, ssrc, K_RTP, 0 };
	return map_get(&streams, &mk, fresh);
}

/* RFC 3711 3.3.1 as libsrtp does it: ROC 0 while the highest index is below 2^15. */
static uint64_t estimate(uint64_t highest, bool fresh, uint16_t seq)
{
	uint64_t roc = highest >> 16;
	uint16_t s_l = (uint16_t)highest;

	if (fresh || highest <= SEQ_MEDIAN)
		return seq;
	if (s_l < SEQ_MEDIAN) {
		if ((int)seq - (int)s_l > (int)SEQ_MEDIAN)
			roc--;
	} else if ((int)s_l - (int)SEQ_MEDIAN > (int)seq) {
		roc++;
	}
	return roc << 16 | seq;
}

static bool counts_for_auth(const struct udp *u)
{
	return u->num >= opt.auth_after_pkt && u->ts >= opt.auth_after_ts;
}

/* Does the packet authenticate under key k at this ROC (RTP) or at all (RTCP)?
 * A fresh session each time, so the answer is the key's, not a replay window's. */
static bool authenticates(struct key *k, const struct udp *u, bool rtcp, uint32_t ssrc, uint32_t roc)
{
	uint8_t buf[MAX_PKT];
	srtp_policy_t pol = k->pol;
	srtp_t s;
	int len = (int)u->len;
	bool ok;

	pol.ssrc.type = rtcp ? ssrc_any_inbound : ssrc_specific;
	pol.ssrc.value = ssrc;
	if (srtp_create(&s, &pol) != srtp_err_status_ok)
		return false;
	memcpy(buf, u->p, u->len);
	if (rtcp) {
		ok = srtp_unprotect_rtcp(s, buf, &len) == srtp_err_status_ok;
	} else {
		/* pending ROC: libsrtp takes ROC || SEQ as the index as it is */
		ok = (!roc || srtp_set_stream_roc(s, ssrc, roc) == srtp_err_status_ok) &&
		     srtp_unprotect(s, buf, &len) == srtp_err_status_ok;
	}
	srtp_dealloc(s);
	return ok;
}

/* The receiver (one session per key, in order); returns the key that accepted
 * the packet, or -1 with the first key's verdict in *st. */
static int receive(struct dest *d, const struct udp *u, bool rtcp, srtp_err_status_t *st)
{
	uint8_t buf[MAX_PKT];

	for (unsigned i = 0; i < d->nkeys; i++) {
		int len = (int)u->len;
		srtp_err_status_t r;

		memcpy(buf, u->p, u->len);
		r = rtcp ? srtp_unprotect_rtcp(d->keys[i].rx, buf, &len)
			 : srtp_unprotect(d->keys[i].rx, buf, &len);
		if (r == srtp_err_status_ok)
			return (int)i;
		if (i == 0)
			*st = r;
	}
	return -1;
}

static void count_rejection(struct dest *d, const struct udp *u, srtp_err_status_t st)
{
	if (st == srtp_err_status_replay_fail || st == srtp_err_status_replay_old) {
		d->rej_replay++;
		return;
	}
	if (st == srtp_err_status_auth_fail)
		d->rej_auth++;
	else
		d->rej_other++;
	if (counts_for_auth(u))
		d->rej_counted++;
}

static void media_accepted(struct dest *d, const struct udp *u)
{
	if (d->have_media && u->ts - d->last_media > d->gap) {
		d->gap = u->ts - d->last_media;
		d->gap_from = d->last_media;
		d->gap_pkt[0] = d->last_media_pkt;
		d->gap_pkt[1] = u->num;
	}
	for (unsigned e = 0; e < opt.nev; e++) {
		bool in = d->have_media && (e + 1 == opt.nev || d->last_media < opt.ev[e + 1].ts);

		if (u->ts < opt.ev[e].ts) {
			d->ev[e].before = u->ts;
			continue;
		}
		if (e + 1 == opt.nev || u->ts < opt.ev[e + 1].ts)
			d->ev[e].acc = u->ts;
		d->ev[e].after = true;
		if (in && u->ts - d->last_media > d->ev[e].to - d->ev[e].from) {
			d->ev[e].from = d->last_media;
			d->ev[e].to = u->ts;
		}
	}
	d->have_media = true;
	d->last_media = u->ts;
	d->last_media_pkt = u->num;
}

/* The ROC an SRTP packet authenticates under with key k: the estimate, its
 * neighbours, then the others up to one above the highest; -1 if none. */
static int64_t authenticated_roc(struct key *k, const struct udp *u, uint32_t ssrc, uint64_t est,
				 uint64_t highest)
{
	uint64_t roc = est >> 16, top = (highest >> 16) + 1;

	if (authenticates(k, u, false, ssrc, (uint32_t)roc))
		return (int64_t)roc;
	if (authenticates(k, u, false, ssrc, (uint32_t)roc + 1))
		return (int64_t)roc + 1;
	if (roc && authenticates(k, u, false, ssrc, (uint32_t)roc - 1))
		return (int64_t)roc - 1;
	for (uint64_t r = 0; r <= top && r < SCAN_ROCS; r++)
		if ((r + 1 < roc || r > roc + 1) && authenticates(k, u, false, ssrc, (uint32_t)r))
			return (int64_t)r;
	return -1;
}

static void check_rtp_keyed(struct dest *d, const struct udp *u, uint32_t ssrc, uint16_t seq)
{
	srtp_err_status_t st = srtp_err_status_ok;
	int rx = receive(d, u, false, &st);
	char buf[64];

	if (rx >= 0) {
		d->accepted[K_RTP]++;
		media_accepted(d, u);
	} else {
		count_rejection(d, u, st);
	}
	/* Which key and ROC authenticate it: the receiver's key first. */
	for (unsigned n = 0; n < d->nkeys; n++) {
		unsigned ki = rx < 0 ? n : n == 0 ? (unsigned)rx : n <= (unsigned)rx ? n - 1 : n;
		bool fresh;
		struct map_val *sv = stream_state(d, ki, ssrc, &fresh);
		uint64_t est = estimate(sv->highest, fresh, seq), index;
		int64_t roc = authenticated_roc(&d->keys[ki], u, ssrc, est, fresh ? 0 : sv->highest);

		if (roc < 0)
			continue;
		index = (uint64_t)roc << 16 | seq;
		if (rx < 0 && st == srtp_err_status_auth_fail) {
			d->other_roc++;
			if (may_report(F_OTHER_ROC))
				printf("OTHER ROC %s ssrc 0x%08x seq %u: packet #%" PRIu64 " (t+%.3f) "
				       "authenticates at ROC %" PRId64 ", the receiver expected ROC %" PRIu64 "\n",
				       fmt_addr(&d->a, buf, sizeof(buf)), ssrc, seq, u->num, rel(u->ts), roc,
				       est >> 16);
		}
		if (!fresh && index + SEQ_MEDIAN < sv->highest) {
			d->rollbacks++;
			if (may_report(F_ROLLBACK))
				printf("ROLLBACK %s ssrc 0x%08x: packet #%" PRIu64 " (t+%.3f) at index %" PRIu64
				       ", %" PRIu64 " below the highest (%" PRIu64 ")\n",
				       fmt_addr(&d->a, buf, sizeof(buf)), ssrc, u->num, rel(u->ts), index,
				       sv->highest - index, sv->highest);
		}
		if (fresh || index > sv->highest)
			sv->highest = index;
		record(d, ki, ssrc, K_RTP, index, u);
		return;
	}
	d->unauthenticated++;
}

static void check_rtp(struct dest *d, const struct udp *u)
{
	uint32_t ssrc = be32(u->p + 8);
	uint16_t seq = be16(u->p + 2);
	struct map_val *sv;
	uint64_t index;
	bool fresh;

	d->pkts[K_RTP]++;
	for (unsigned e = 0; e < opt.nev; e++)
		if (u->ts >= opt.ev[e].ts && (e + 1 == opt.nev || u->ts < opt.ev[e + 1].ts))
			d->ev[e].any = u->ts;
	if (d->nkeys) {
		check_rtp_keyed(d, u, ssrc, seq);
		return;
	}
	media_accepted(d, u);
	sv = stream_state(d, 0, ssrc, &fresh);
	index = estimate(sv->highest, fresh, seq);
	if (fresh || index > sv->highest)
		sv->highest = index;
	record(d, 0, ssrc, K_RTP, index, u);
}

static void check_rtcp(struct dest *d, const struct udp *u)
{
	unsigned tag = d->nkeys ? 10 : opt.srtcp_tag;
	uint32_t ssrc = be32(u->p + 4), index;
	srtp_err_status_t st = srtp_err_status_ok;
	int rx;

	if (u->len < 8 + SRTCP_TRAILER + tag) {
		n_other++;
		return;
	}
	d->pkts[K_RTCP]++;
	index = be32(u->p + u->len - tag - SRTCP_TRAILER) & 0x7fffffffu;
	if (!d->nkeys) {
		record(d, 0, ssrc, K_RTCP, index, u);
		return;
	}
	rx = receive(d, u, true, &st);
	if (rx >= 0) {
		d->accepted[K_RTCP]++;
		record(d, (unsigned)rx, ssrc, K_RTCP, index, u);
		return;
	}
	count_rejection(d, u, st);
	for (unsigned k = 0; k < d->nkeys; k++) {
		if (authenticates(&d->keys[k], u, true, ssrc, 0)) {
			record(d, k, ssrc, K_RTCP, index, u);
			return;
		}
	}
	d->unauthenticated++;
}

/* With --expect-ssrc, any other SSRC is a packet the relay should not have sent. */
static void expect_ssrc(struct dest *d, const struct udp *u, uint32_t ssrc)
{
	char buf[64];

	if (!opt.nssrc)
		return;
	for (unsigned i = 0; i < opt.nssrc; i++)
		if (opt.ssrc[i] == ssrc)
			return;
	d->foreign_ssrc++;
	if (may_report(F_SSRC))
		printf("UNEXPECTED SSRC %s ssrc 0x%08x: packet #%" PRIu64 " (t+%.3f)\n",
		       fmt_addr(&d->a, buf, sizeof(buf)), ssrc, u->num, rel(u->ts));
}

static void on_udp(const struct udp *u)
{
	struct dest *d;
	bool rtcp;

	if (!selected(u))
		return;
	if (u->len < 12 || u->p[0] >> 6 != 2 || u->len > MAX_PKT) {
		n_other++;
		return;
	}
	d = dest_find(&u->dst, true);
	if (!d) {
		fprintf(stderr, "srtp-check: more than %d destinations\n", MAX_DESTS);
		exit(2);
	}
	n_checked++;
	rtcp = u->p[1] >= 192 && u->p[1] <= 223; /* RTCP packet types (RFC 5761 4) */
	expect_ssrc(d, u, be32(u->p + (rtcp ? 4 : 8)));
	if (rtcp)
		check_rtcp(d, u);
	else
		check_rtp(d, u);
}

static int read_capture(const char *path)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, err);
	struct pcap_pkthdr *h;
	const u_char *f;
	int link, r;

	if (!pc) {
		fprintf(stderr, "srtp-check: %s\n", err);
		return -1;
	}
	link = pcap_datalink(pc);
	while ((r = pcap_next_ex(pc, &h, &f)) == 1) {
		struct udp u = { .num = ++n_frames };
		const uint8_t *ip;
		unsigned len;

		u.ts = (double)h->ts.tv_sec + (double)h->ts.tv_usec / 1e6;
		if (t_first < 0)
			t_first = u.ts;
		ip = frame_ip(link, f, h->caplen, &len);
		if (ip && parse_udp(ip, len, &u))
			on_udp(&u);
	}
	/* a capture cut short (its writer killed) is checked as far as it goes */
	if (r == PCAP_ERROR)
		printf("warning: %s: %s; checking the %" PRIu64 " frames before\n", path,
		       pcap_geterr(pc), n_frames);
	pcap_close(pc);
	return 0;
}

/* ------------------------------------------------------------ verdict */

struct ssrc_sum {
	uint32_t ssrc;
	uint64_t n[K_COUNT], lo[K_COUNT], hi[K_COUNT];
};

/* Per SSRC of destination di: packet counts and index ranges, from the seen map. */
static unsigned summarise(unsigned di, struct ssrc_sum *sum, unsigned max)
{
	unsigned n = 0;

	for (size_t i = 0; i < seen.cap; i++) {
		const struct map_slot *s = &seen.slot[i];
		unsigned j;

		if (!s->used || s->k.dest != di)
			continue;
		for (j = 0; j < n && sum[j].ssrc != s->k.ssrc; j++)
			;
		if (j == n) {
			if (n == max)
				continue;
			memset(&sum[n], 0, sizeof(sum[n]));
			sum[n++].ssrc = s->k.ssrc;
		}
		if (!sum[j].n[s->k.kind] || s->k.index < sum[j].lo[s->k.kind])
			sum[j].lo[s->k.kind] = s->k.index;
		if (s->k.index > sum[j].hi[s->k.kind])
			sum[j].hi[s->k.kind] = s->k.index;
		sum[j].n[s->k.kind]++;
	}
	return n;
}

/* After event e, media never came back, or the receiver stopped accepting it
 * before the next event while packets kept coming. */
static bool media_lost(const struct dest *d, unsigned e)
{
	return !d->ev[e].after || d->ev[e].any > d->ev[e].acc;
}

static void print_dest(unsigned di)
{
	const struct dest *d = &dests[di];
	struct ssrc_sum sum[8];
	unsigned n = summarise(di, sum, 8);
	char buf[64];

	printf("%s: %s, rtp %" PRIu64 ", rtcp %" PRIu64 "; repeats %" PRIu64
	       ", identical duplicates %" PRIu64 "\n",
	       fmt_addr(&d->a, buf, sizeof(buf)), d->nkeys ? "keyed" : "no key", d->pkts[K_RTP],
	       d->pkts[K_RTCP], d->repeats, d->identical);
	for (unsigned j = 0; j < n; j++) {
		printf("  ssrc 0x%08x: srtp %" PRIu64, sum[j].ssrc, sum[j].n[K_RTP]);
		if (sum[j].n[K_RTP])
			printf(" (index %" PRIu64 "..%" PRIu64 ", ROC %" PRIu64 "..%" PRIu64 ")",
			       sum[j].lo[K_RTP], sum[j].hi[K_RTP], sum[j].lo[K_RTP] >> 16,
			       sum[j].hi[K_RTP] >> 16);
		printf(", srtcp %" PRIu64, sum[j].n[K_RTCP]);
		if (sum[j].n[K_RTCP])
			printf(" (index %" PRIu64 "..%" PRIu64 ")", sum[j].lo[K_RTCP], sum[j].hi[K_RTCP]);
		printf("\n");
	}
	if (d->nkeys)
		printf("  receiver: accepted rtp %" PRIu64 ", rtcp %" PRIu64 "; rejected: auth %" PRIu64
		       ", replay %" PRIu64 ", other %" PRIu64 " (%" PRIu64 " counted)"
		       "; authenticated only at another ROC %" PRIu64 ", under no key %" PRIu64
		       "; rollbacks %" PRIu64 "\n",
		       d->accepted[K_RTP], d->accepted[K_RTCP], d->rej_auth, d->rej_replay, d->rej_other,
		       d->rej_counted, d->other_roc, d->unauthenticated, d->rollbacks);
	if (d->have_media)
		printf("  longest media gap %.3f s (t+%.3f, #%" PRIu64 " -> #%" PRIu64 ")\n", d->gap,
		       d->gap > 0 ? rel(d->gap_from) : 0.0, d->gap_pkt[0], d->gap_pkt[1]);
	for (unsigned e = 0; d->have_media && e < opt.nev; e++) {
		printf("  %s (t+%.3f): ", opt.ev[e].name, rel(opt.ev[e].ts));
		if (!d->ev[e].before)
			printf("no media before it");
		else if (media_lost(d, e))
			printf("media did not come back: none accepted after t+%.3f (packets until t+%.3f)",
			       rel(d->ev[e].acc ? d->ev[e].acc : d->ev[e].before),
			       rel(d->ev[e].any ? d->ev[e].any : opt.ev[e].ts));
		else
			printf("media gap %.3f s (t+%.3f -> t+%.3f)", d->ev[e].to - d->ev[e].from,
			       rel(d->ev[e].from), rel(d->ev[e].to));
		printf("\n");
	}
	if (d->foreign_ssrc)
		printf("  unexpected SSRCs: %" PRIu64 " packets\n", d->foreign_ssrc);
}

static bool verdict(void)
{
	uint64_t repeats = 0, identical = 0, rejected = 0, rollbacks = 0, foreign = 0, lost = 0;
	double gap = 0;
	bool ok = true;

	if (lines_unshown)
		printf("(%" PRIu64 " more findings not shown)\n", lines_unshown);
	for (unsigned i = 0; i < ndests; i++) {
		const struct dest *d = &dests[i];
		if (!d->pkts[K_RTP] && !d->pkts[K_RTCP] && !d->nkeys)
			continue;
		print_dest(i);
		repeats += d->repeats;
		identical += d->identical;
		rejected += d->rej_counted;
		rollbacks += d->rollbacks;
		foreign += d->foreign_ssrc;
		if (d->gap > gap)
			gap = d->gap;
		for (unsigned e = 0; d->have_media && e < opt.nev; e++)
			lost += d->ev[e].before && media_lost(d, e);
	}
	if (repeats) {
		printf("FAIL: %" PRIu64 " (key, SSRC, index) protected twice with different contents\n",
		       repeats);
		ok = false;
	}
	if (identical && !opt.allow_identical) {
		printf("FAIL: %" PRIu64 " identical duplicates\n", identical);
		ok = false;
	}
	if (rollbacks) {
		printf("FAIL: %" PRIu64 " packets went back more than 2^15 indices (lost ROC)\n",
		       rollbacks);
		ok = false;
	}
	if (foreign) {
		printf("FAIL: %" PRIu64 " packets with an unexpected SSRC\n", foreign);
		ok = false;
	}
	if (opt.expect_auth && rejected) {
		printf("FAIL: the receiver rejected %" PRIu64 " packets\n", rejected);
		ok = false;
	}
	if (lost) {
		printf("FAIL: media did not come back after %" PRIu64 " events\n", lost);
		ok = false;
	}
	if (opt.max_gap >= 0 && gap > opt.max_gap) {
		printf("FAIL: longest media gap %.3f s > %.3f s\n", gap, opt.max_gap);
		ok = false;
	}
	if (n_checked < opt.min) {
		printf("FAIL: %" PRIu64 " SRTP/SRTCP packets checked, want at least %" PRIu64 "\n",
		       n_checked, opt.min);
		ok = false;
	}
	printf("%s: %" PRIu64 " frames, %" PRIu64 " SRTP/SRTCP packets checked, %" PRIu64
	       " other; longest media gap %.3f s\n",
	       ok ? "ok" : "FAILED", n_frames, n_checked, n_other, gap);
	return ok;
}

int main(int argc, char **argv)
{
	bool ok;

	if (srtp_init() != srtp_err_status_ok)
		return 2;
	if (parse_args(argc, argv) || read_capture(argv[optind]))
		return 2;
	ok = verdict();
	for (unsigned i = 0; i < ndests; i++) {
		for (unsigned k = 0; k < dests[i].nkeys; k++) {
			srtp_dealloc(dests[i].keys[k].rx);
			memset(dests[i].keys[k].material, 0, sizeof(dests[i].keys[k].material));
		}
	}
	free(seen.slot);
	free(streams.slot);
	return ok ? 0 : 1;
}
