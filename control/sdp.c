/* SPDX-License-Identifier: BSD-3-Clause */
/* SDP (RFC 4566): parse the lines a media relay rewrites, write the SDP back. */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>


#include "fmt_num.h"
#include "sdp.h"

enum {
	SDP_LINE_OTHER = 0, /* copied verbatim */
	SDP_LINE_DROP,      /* a duplicate owned line or a bad a=crypto: left out */
	SDP_LINE_ORIGIN,
	SDP_LINE_CONN,
	SDP_LINE_MEDIA,
	SDP_LINE_INFO,
	SDP_LINE_TIME,
	SDP_LINE_RTCP,
	SDP_LINE_RTCP_MUX,
	SDP_LINE_CRYPTO,
	SDP_LINE_CRYPTO_BAD,
	SDP_LINE_DIR,
	SDP_LINE_ICE,
};

#define MAX_TOKENS 8

struct tok {
	const char *s;
	size_t len;
};

static const char *const dir_names[] = {
	[SDP_DIR_SENDRECV] = "sendrecv",
	[SDP_DIR_SENDONLY] = "sendonly",
	[SDP_DIR_RECVONLY] = "recvonly",
	[SDP_DIR_INACTIVE] = "inactive",
};

static const char *const ice_attrs[] = {
	"ice-ufrag", "ice-pwd", "ice-options", "ice-lite", "candidate", "remote-candidates",
	"end-of-candidates",
};

static bool is_vchar(char c)
{
	return (unsigned char)c >= 0x21 && (unsigned char)c <= 0x7e;
}

static bool tok_is(const struct tok *t, const char *s)
{
	return t->len == strlen(s) && !memcmp(t->s, s, t->len);
}

/* Splits on runs of SP. Number of tokens, or -1 if more than max. */
static int split(const char *s, size_t n, struct tok *t, int max)
{
	int k = 0;
	size_t i = 0;

	for (;;) {
		while (i < n && s[i] == ' ')
			i++;
		if (i >= n)
			return k;
		if (k == max)
			return -1;
		t[k].s = s + i;
		while (i < n && s[i] != ' ')
			i++;
		t[k].len = (size_t)(s + i - t[k].s);
		k++;
	}
}

static bool tok_vchar(const struct tok *t)
{
	for (size_t i = 0; i < t->len; i++)
		if (!is_vchar(t->s[i]))
			return false;
	return t->len > 0;
}

static int tok_copy(char *dst, size_t cap, const struct tok *t)
{
	if (!tok_vchar(t) || t->len >= cap)
		return -1;
	memcpy(dst, t->s, t->len);
	dst[t->len] = '\0';
	return 0;
}

static int tok_u16(const struct tok *t, uint32_t *out)
{
	uint32_t v = 0;

	if (t->len == 0 || t->len > 5)
		return -1;
	for (size_t i = 0; i < t->len; i++) {
		if (t->s[i] < '0' || t->s[i] > '9')
			return -1;
		v = v * 10 + (uint32_t)(t->s[i] - '0');
	}
	if (v > 65535)
		return -1;
	*out = v;
	return 0;
}

static int addr_parse(struct sdp_addr *a, int family, const char *s, size_t n)
{
	unsigned char bin[16];
	char tmp[sizeof(a->addr)];

	if (n == 0 || n >= sizeof(tmp) || memchr(s, '\0', n))
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (inet_pton(family == 6 ? AF_INET6 : AF_INET, tmp, bin) != 1)
		return -1;
	a->family = family;
	memcpy(a->addr, tmp, n + 1);
	return 0;
}

int sdp_addr_set(struct sdp_addr *a, const char *text)
{
	size_t n = strnlen(text, sizeof(a->addr));

	return addr_parse(a, memchr(text, ':', n) ? 6 : 4, text, n);
}

/* "IN IP4 <addr>" / "IN IP6 <addr>" from three tokens. */
static int nettype_addr(struct sdp_addr *a, const struct tok *t)
{
	int family;

	if (!tok_is(&t[0], "IN"))
		return -1;
	if (tok_is(&t[1], "IP4"))
		family = 4;
	else if (tok_is(&t[1], "IP6"))
		family = 6;
	else
		return -1;
	return addr_parse(a, family, t[2].s, t[2].len);
}

static int parse_origin(struct sdp *out, const char *s, size_t n)
{
	struct tok t[MAX_TOKENS];

	if (split(s, n, t, 6) != 6)
		return -1;
	if (tok_copy(out->origin_user, sizeof(out->origin_user), &t[0]) ||
	    tok_copy(out->origin_sess_id, sizeof(out->origin_sess_id), &t[1]) ||
	    tok_copy(out->origin_sess_version, sizeof(out->origin_sess_version), &t[2]))
		return -1;
	return nettype_addr(&out->origin_addr, &t[3]);
}

static int parse_conn(struct sdp_addr *a, const char *s, size_t n)
{
	struct tok t[MAX_TOKENS];

	if (split(s, n, t, 3) != 3)
		return -1;
	return nettype_addr(a, t);
}

static int parse_media(struct sdp_media *m, const char *s, size_t n, const char **why)
{
	struct tok t[4];
	size_t i = 0, k;
	int nt = 0;

	/* media, port, proto, then the formats as one run */
	while (nt < 3) {
		while (i < n && s[i] == ' ')
			i++;
		if (i >= n)
			break;
		t[nt].s = s + i;
		while (i < n && s[i] != ' ')
			i++;
		t[nt].len = (size_t)(s + i - t[nt].s);
		nt++;
	}
	if (nt < 3) {
		*why = "m= line too short";
		return -1;
	}
	if (tok_copy(m->type, sizeof(m->type), &t[0])) {
		*why = "bad m= media type";
		return -1;
	}
	const char *slash = memchr(t[1].s, '/', t[1].len);
	struct tok port = { t[1].s, slash ? (size_t)(slash - t[1].s) : t[1].len };
	if (tok_u16(&port, &m->port)) {
		*why = "bad m= port";
		return -1;
	}
	if (slash) {
		struct tok np = { slash + 1, t[1].len - port.len - 1 };
		if (tok_u16(&np, &m->nports) || m->nports == 0) {
			*why = "bad m= port count";
			return -1;
		}
	}
	if (tok_copy(m->proto, sizeof(m->proto), &t[2])) {
		*why = "bad m= proto";
		return -1;
	}
	k = 0;
	for (;;) {
		while (i < n && s[i] == ' ')
			i++;
		if (i >= n)
			break;
		struct tok f = { s + i, 0 };
		while (i < n && s[i] != ' ')
			i++;
		f.len = (size_t)(s + i - f.s);
		if (!tok_vchar(&f) || k + (k ? 1 : 0) + f.len >= sizeof(m->fmts)) {
			*why = "bad m= format list";
			return -1;
		}
		if (k)
			m->fmts[k++] = ' ';
		memcpy(m->fmts + k, f.s, f.len);
		k += f.len;
		m->fmts[k] = '\0';
	}
	if (k == 0) {
		*why = "m= without formats";
		return -1;
	}
	return 0;
}

/* The a=rtcp value with its leading ':' (or nothing). */
static int parse_rtcp(struct sdp_media *m, const char *s, size_t n, const char **why)
{
	struct tok t[MAX_TOKENS];
	int nt = n ? split(s + 1, n - 1, t, 4) : 0;

	if (nt != 1 && nt != 4) {
		*why = "malformed a=rtcp";
		return -1;
	}
	if (tok_u16(&t[0], &m->rtcp_port)) {
		*why = "a=rtcp with a bad port";
		return -1;
	}
	m->rtcp_has_addr = nt == 4;
	if (nt == 4 && nettype_addr(&m->rtcp_addr, &t[1])) {
		*why = "a=rtcp with a bad address";
		return -1;
	}
	return 0;
}

/* Attribute name of an a= line body (after "a="), up to ':' or the end. */
static bool attr_is(const char *s, size_t n, const char *name, bool value_ok)
{
	size_t l = strlen(name);

	if (n < l || memcmp(s, name, l))
		return false;
	return n == l || (value_ok && s[l] == ':');
}

static bool is_ice(const char *s, size_t n)
{
	for (size_t i = 0; i < sizeof(ice_attrs) / sizeof(ice_attrs[0]); i++)
		if (attr_is(s, n, ice_attrs[i], true))
			return true;
	return false;
}

static enum sdp_dir dir_of(const char *s, size_t n)
{
	for (int d = SDP_DIR_SENDRECV; d <= SDP_DIR_INACTIVE; d++)
		if (attr_is(s, n, dir_names[d], false))
			return (enum sdp_dir)d;
	return SDP_DIR_NONE;
}

/* What the parser has seen of owned lines in the current section. */
struct seen {
	bool conn, rtcp, mux, dir, origin;
};

static int parse_attr(struct sdp *out, struct sdp_line *l, struct seen *seen, const char **why)
{
	const char *s = l->s + 2;
	size_t n = l->len - 2;
	struct sdp_media *m = l->media >= 0 ? &out->media[l->media] : NULL;
	enum sdp_dir d;

	if (is_ice(s, n)) {
		l->kind = SDP_LINE_ICE;
		if (m)
			m->ice = true;
		else
			out->ice = true;
		return 0;
	}
	d = dir_of(s, n);
	if (d != SDP_DIR_NONE) {
		l->kind = seen->dir ? SDP_LINE_DROP : SDP_LINE_DIR;
		if (!seen->dir) {
			if (m)
				m->dir = d;
			else
				out->dir = d;
		}
		seen->dir = true;
		return 0;
	}
	if (!m)
		return 0;
	if (attr_is(s, n, "rtcp", true)) {
		struct sdp_media tmp;
		if (parse_rtcp(&tmp, s + 4, n - 4, why))
			return -1;
		l->kind = seen->rtcp ? SDP_LINE_DROP : SDP_LINE_RTCP;
		if (!seen->rtcp) {
			m->has_rtcp = true;
			m->rtcp_port = tmp.rtcp_port;
			m->rtcp_has_addr = tmp.rtcp_has_addr;
			if (tmp.rtcp_has_addr)
				m->rtcp_addr = tmp.rtcp_addr;
		}
		seen->rtcp = true;
		return 0;
	}
	if (attr_is(s, n, "rtcp-mux", false)) {
		l->kind = seen->mux ? SDP_LINE_DROP : SDP_LINE_RTCP_MUX;
		m->rtcp_mux = true;
		seen->mux = true;
		return 0;
	}
	if (attr_is(s, n, "ssrc", true) && !m->ssrc) {
		/* a=ssrc:<ssrc-id> <attribute> (RFC 5576): the party's SSRC */
		uint64_t v = 0;
		size_t i = 5, end = i;
		while (end < n && end - i < 10 && s[end] >= '0' && s[end] <= '9')
			v = v * 10 + (uint64_t)(s[end++] - '0');
		if (end > i && (end == n || s[end] == ' ') && v <= UINT32_MAX)
			m->ssrc = (uint32_t)v;
		return 0;
	}
	if (attr_is(s, n, "crypto", true)) {
		const char *cwhy;
		l->kind = SDP_LINE_CRYPTO_BAD;
		if (m->ncrypto < SDP_MAX_CRYPTO && n > 7 &&
		    !sdes_parse(s + 7, n - 7, &m->crypto[m->ncrypto], &cwhy)) {
			m->ncrypto++;
			l->kind = SDP_LINE_CRYPTO;
		} else {
			m->crypto_bad++;
		}
		return 0;
	}
	return 0;
}

static int parse_line(struct sdp *out, struct sdp_line *l, struct seen *seen, const char **why)
{
	const char *s = l->s + 2;
	size_t n = l->len - 2;
	struct sdp_media *m = l->media >= 0 ? &out->media[l->media] : NULL;

	switch (l->s[0]) {
	case 'o':
		if (m)
			return 0;
		if (seen->origin) {
			l->kind = SDP_LINE_DROP;
			return 0;
		}
		if (parse_origin(out, s, n)) {
			*why = "malformed o= line";
			return -1;
		}
		l->kind = SDP_LINE_ORIGIN;
		seen->origin = true;
		return 0;
	case 'c': {
		struct sdp_addr a;
		if (parse_conn(&a, s, n)) {
			*why = "c= is not IN IP4/IP6 with an address";
			return -1;
		}
		if (seen->conn) {
			l->kind = SDP_LINE_DROP;
			return 0;
		}
		seen->conn = true;
		l->kind = SDP_LINE_CONN;
		if (m) {
			m->has_conn = true;
			m->conn = a;
		} else {
			out->has_conn = true;
			out->conn = a;
		}
		return 0;
	}
	case 'm':
		l->kind = SDP_LINE_MEDIA;
		return parse_media(m, s, n, why);
	case 'i':
		l->kind = SDP_LINE_INFO;
		return 0;
	case 't':
		l->kind = SDP_LINE_TIME;
		return 0;
	case 'a':
		return parse_attr(out, l, seen, why);
	default:
		return 0;
	}
}

int sdp_parse(const char *text, size_t len, struct sdp *out, const char **why, unsigned *line)
{
	const char *dummy_why;
	unsigned dummy_line, lineno = 0;
	struct seen seen;
	size_t p = 0;
	int media = -1;

	if (!why)
		why = &dummy_why;
	if (!line)
		line = &dummy_line;
	*line = 0;
	*why = NULL;
	/* The session part and each media section as it starts are zeroed, not the
	 * whole 46 KiB: that wipe cost more than the parse. What a parse left in
	 * out is the caller's to wipe (sdp_clear), so no old key waits here. */
	memset(out, 0, offsetof(struct sdp, media));
	out->nlines = 0;
	memset(&seen, 0, sizeof(seen));

	if (len > SDP_MAX_LEN) {
		*why = "SDP too long";
		goto fail;
	}
	/* trailing empty lines are tolerated (a body with an extra CRLF) */
	while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		len--;
	if (len == 0) {
		*why = "empty SDP";
		goto fail;
	}
	while (p < len) {
		const char *nl = memchr(text + p, '\n', len - p);
		size_t end = nl ? (size_t)(nl - text) : len;
		size_t n = end - p;
		const char *s = text + p;

		lineno++;
		p = end + 1;
		if (n && s[n - 1] == '\r')
			n--;
		*line = lineno;
		if (out->nlines == SDP_MAX_LINES) {
			*why = "too many lines";
			goto fail;
		}
		if (memchr(s, '\0', n)) {
			*why = "NUL byte";
			goto fail;
		}
		if (memchr(s, '\r', n)) {
			*why = "CR inside a line";
			goto fail;
		}
		if (n < 2 || s[1] != '=' || !((s[0] >= 'a' && s[0] <= 'z') ||
					     (s[0] >= 'A' && s[0] <= 'Z'))) {
			*why = "line is not <letter>=<value>";
			goto fail;
		}
		if (lineno == 1 && (n != 3 || memcmp(s, "v=0", 3))) {
			*why = "no v=0 first";
			goto fail;
		}
		if (s[0] == 'm') {
			if (out->nmedia == SDP_MAX_MEDIA) {
				*why = "too many m= lines";
				goto fail;
			}
			media = (int)out->nmedia++;
			memset(&out->media[media], 0, sizeof(out->media[media]));
			bool origin = seen.origin;
			memset(&seen, 0, sizeof(seen));
			seen.origin = origin;
		}
		struct sdp_line *l = &out->lines[out->nlines++];
		l->s = s;
		l->len = n;
		l->media = media;
		l->kind = SDP_LINE_OTHER;
		if (parse_line(out, l, &seen, why))
			goto fail;
	}
	if (!seen.origin) {
		*why = "no o= line";
		*line = 0;
		goto fail;
	}
	for (unsigned i = 0; i < out->nlines; i++) {
		const struct sdp_line *l = &out->lines[i];
		if (l->kind == SDP_LINE_MEDIA && !out->has_conn && !out->media[l->media].has_conn) {
			*why = "media section without c= and no session c=";
			*line = i + 1;
			goto fail;
		}
	}
	*line = 0;
	return 0;
fail:
	sdp_clear(out);
	return -1;
}

struct wbuf {
	char *p;
	size_t cap, len;
	bool full;
};

static void put(struct wbuf *b, const char *s, size_t n)
{
	if (b->full || n >= b->cap - b->len) {
		b->full = true;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void puts_(struct wbuf *b, const char *s)
{
	put(b, s, strlen(s));
}

static void put_str(struct wbuf *b, const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);

	if (n == cap)
		b->full = true; /* not NUL-terminated: refuse */
	else
		put(b, s, n);
}

static void put_u32(struct wbuf *b, uint32_t v)
{
	char num[10], *p = xs_fmt_u64(num + sizeof(num), v);

	put(b, p, (size_t)(num + sizeof(num) - p));
}

static void put_addr(struct wbuf *b, const struct sdp_addr *a)
{
	if (a->family != 4 && a->family != 6) {
		b->full = true;
		return;
	}
	puts_(b, a->family == 6 ? "IN IP6 " : "IN IP4 ");
	put_str(b, a->addr, sizeof(a->addr));
}

static void put_end(struct wbuf *b)
{
	put(b, "\r\n", 2);
}

static void w_conn(struct wbuf *b, const struct sdp_addr *a)
{
	puts_(b, "c=");
	put_addr(b, a);
	put_end(b);
}

static void w_dir(struct wbuf *b, enum sdp_dir d)
{
	if (d < SDP_DIR_SENDRECV || d > SDP_DIR_INACTIVE) {
		b->full = true;
		return;
	}
	puts_(b, "a=");
	puts_(b, dir_names[d]);
	put_end(b);
}

static void w_rtcp(struct wbuf *b, const struct sdp_media *m)
{
	if (m->rtcp_port > 65535) {
		b->full = true;
		return;
	}
	puts_(b, "a=rtcp:");
	put_u32(b, m->rtcp_port);
	if (m->rtcp_has_addr) {
		put(b, " ", 1);
		put_addr(b, &m->rtcp_addr);
	}
	put_end(b);
}

static void w_crypto(struct wbuf *b, const struct sdes_crypto *c)
{
	char val[256];

	if (sdes_format(c, val, sizeof(val))) {
		b->full = true;
		return;
	}
	puts_(b, "a=crypto:");
	puts_(b, val);
	put_end(b);
	explicit_bzero(val, sizeof(val));
}

static void w_media(struct wbuf *b, const struct sdp_media *m)
{
	if (m->port > 65535 || m->nports > 65535) {
		b->full = true;
		return;
	}
	puts_(b, "m=");
	put_str(b, m->type, sizeof(m->type));
	put(b, " ", 1);
	put_u32(b, m->port);
	if (m->nports) {
		put(b, "/", 1);
		put_u32(b, m->nports);
	}
	put(b, " ", 1);
	put_str(b, m->proto, sizeof(m->proto));
	put(b, " ", 1);
	put_str(b, m->fmts, sizeof(m->fmts));
	put_end(b);
}

static void w_origin(struct wbuf *b, const struct sdp *s)
{
	puts_(b, "o=");
	put_str(b, s->origin_user, sizeof(s->origin_user));
	put(b, " ", 1);
	put_str(b, s->origin_sess_id, sizeof(s->origin_sess_id));
	put(b, " ", 1);
	put_str(b, s->origin_sess_version, sizeof(s->origin_sess_version));
	put(b, " ", 1);
	put_addr(b, &s->origin_addr);
	put_end(b);
}

/* Owned lines the input had, per section, and where its crypto lines end. */
struct had {
	bool conn, rtcp, mux, dir;
	unsigned ncrypto_in;   /* a=crypto lines that parsed */
	int last_crypto;       /* index of its last a=crypto line, -1 if none */
};

/* Lines the writer adds at the end of a section. */
static void section_end(struct wbuf *b, const struct sdp *s, int sec, const struct had *h)
{
	if (sec < 0) {
		if (s->has_conn && !h->conn)
			w_conn(b, &s->conn); /* the input had no t= line */
		if (s->dir != SDP_DIR_NONE && !h->dir)
			w_dir(b, s->dir);
		if (s->add_attr[0]) {
			puts_(b, "a=");
			put_str(b, s->add_attr, sizeof(s->add_attr));
			put_end(b);
		}
		return;
	}
	const struct sdp_media *m = &s->media[sec];
	if (m->has_rtcp && !h->rtcp)
		w_rtcp(b, m);
	if (m->rtcp_mux && !h->mux)
		puts_(b, "a=rtcp-mux\r\n");
	if (h->last_crypto < 0)
		for (unsigned k = 0; k < m->ncrypto; k++)
			w_crypto(b, &m->crypto[k]);
	if (m->dir != SDP_DIR_NONE && !h->dir)
		w_dir(b, m->dir);
}

long sdp_write(const struct sdp *s, char *out, size_t cap)
{
	struct wbuf b = { out, cap, 0, false };
	struct had had[SDP_MAX_MEDIA + 1];
	struct had *h;
	unsigned crypto_idx[SDP_MAX_MEDIA];
	bool conn_pending = false;
	int sec = -1;

	if (!out || !cap)
		return -1;
	out[0] = '\0';
	if (s->nlines > SDP_MAX_LINES || s->nmedia > SDP_MAX_MEDIA)
		return -1;

	memset(had, 0, sizeof(had));
	memset(crypto_idx, 0, sizeof(crypto_idx));
	for (unsigned i = 0; i <= SDP_MAX_MEDIA; i++)
		had[i].last_crypto = -1;
	for (unsigned i = 0; i < s->nlines; i++) {
		const struct sdp_line *l = &s->lines[i];
		if (l->media < -1 || l->media >= (int)s->nmedia)
			return -1;
		h = &had[l->media + 1];
		switch (l->kind) {
		case SDP_LINE_CONN:
			h->conn = true;
			break;
		case SDP_LINE_RTCP:
			h->rtcp = true;
			break;
		case SDP_LINE_RTCP_MUX:
			h->mux = true;
			break;
		case SDP_LINE_DIR:
			h->dir = true;
			break;
		case SDP_LINE_CRYPTO:
			h->ncrypto_in++;
			/* fall through */
		case SDP_LINE_CRYPTO_BAD:
			h->last_crypto = (int)i;
			break;
		}
	}
	for (unsigned i = 0; i < s->nmedia; i++)
		if (s->media[i].ncrypto > SDP_MAX_CRYPTO)
			return -1;

	bool time_seen = false;
	for (unsigned i = 0; i < s->nlines; i++) {
		const struct sdp_line *l = &s->lines[i];
		const struct sdp_media *m = l->media >= 0 ? &s->media[l->media] : NULL;

		if (l->media != sec) {
			section_end(&b, s, sec, &had[sec + 1]);
			sec = l->media;
		}
		h = &had[sec + 1];
		switch (l->kind) {
		case SDP_LINE_DROP:
		case SDP_LINE_CRYPTO_BAD:
			break;
		case SDP_LINE_ORIGIN:
			w_origin(&b, s);
			break;
		case SDP_LINE_CONN:
			if (m ? m->has_conn : s->has_conn)
				w_conn(&b, m ? &m->conn : &s->conn);
			break;
		case SDP_LINE_MEDIA:
			w_media(&b, m);
			conn_pending = m->has_conn && !h->conn;
			break;
		case SDP_LINE_TIME:
			if (!m && !time_seen && s->has_conn && !h->conn) {
				w_conn(&b, &s->conn);
				h->conn = true;
			}
			time_seen = true;
			put(&b, l->s, l->len);
			put_end(&b);
			break;
		case SDP_LINE_RTCP:
			if (m->has_rtcp)
				w_rtcp(&b, m);
			break;
		case SDP_LINE_RTCP_MUX:
			if (m->rtcp_mux)
				puts_(&b, "a=rtcp-mux\r\n");
			break;
		case SDP_LINE_CRYPTO: {
			unsigned k = crypto_idx[l->media]++;
			if (k < m->ncrypto)
				w_crypto(&b, &m->crypto[k]);
			break;
		}
		case SDP_LINE_DIR:
			if ((m ? m->dir : s->dir) != SDP_DIR_NONE)
				w_dir(&b, m ? m->dir : s->dir);
			break;
		case SDP_LINE_ICE:
			if (s->strip_ice)
				break;
			/* fall through */
		default:
			put(&b, l->s, l->len);
			put_end(&b);
			break;
		}
		if (m && (int)i == h->last_crypto)
			for (unsigned k = h->ncrypto_in; k < m->ncrypto; k++)
				w_crypto(&b, &m->crypto[k]);
		/* a new media c= goes after the m= line, or after its i= line */
		bool info_next = i + 1 < s->nlines && s->lines[i + 1].kind == SDP_LINE_INFO &&
				 s->lines[i + 1].media == sec;
		if (conn_pending && (l->kind != SDP_LINE_MEDIA || !info_next)) {
			conn_pending = false;
			w_conn(&b, &m->conn);
		}
	}
	section_end(&b, s, sec, &had[sec + 1]);

	if (b.full) {
		explicit_bzero(out, cap);
		out[0] = '\0';
		return -1;
	}
	return (long)b.len;
}

void sdp_clear(struct sdp *s)
{
	if (s)
		explicit_bzero(s, sizeof(*s));
}

bool sdp_has_attr(const struct sdp *s, const char *attr)
{
	size_t n = strlen(attr);
	for (unsigned i = 0; i < s->nlines && i < SDP_MAX_LINES; i++) {
		const struct sdp_line *l = &s->lines[i];
		if (l->len == n + 2 && !memcmp(l->s, "a=", 2) && !memcmp(l->s + 2, attr, n))
			return true;
	}
	return false;
}
