/* SPDX-License-Identifier: BSD-3-Clause */
/* Control message validation: every check a request passes before it may
 * touch state. See dp_codec.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_codec.h"

/* Suite numbers and flags of the engine (xs_srtp.h), restated here so the
 * codec stays free of the engine: the values are stable by contract. */
#define SUITE_COUNT    9   /* XS_SUITE_COUNT */
#define SUITE_XSIPURA  8
#define SRTP_FLAGS_ALL 0x7u
#define MAX_WINDOW     1024

static int refuse(struct xs_dp_verdict *v, int code, const char *why)
{
	if (v) {
		v->code = code;
		v->why = why;
	}
	return -code;
}

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

const char *xs_dp_msg_type_name(uint16_t type)
{
	static const char *const names[XS_DP_MSG_TYPE_COUNT] = {
		"none", "hello", "flow_add", "flow_replace", "flow_del", "keys_set",
		"flow_get", "flow_dump", "stats_get", "ack", "error", "flow_info",
		"dump_done", "stats", "batch",
	};
	return type < XS_DP_MSG_TYPE_COUNT ? names[type] : "unknown";
}

long xs_dp_request_body_size(uint16_t type)
{
	switch (type) {
	case XS_DP_MSG_HELLO: return sizeof(struct xs_dp_hello);
	case XS_DP_MSG_FLOW_ADD:
	case XS_DP_MSG_FLOW_REPLACE: return sizeof(struct xs_dp_flow_msg);
	case XS_DP_MSG_FLOW_DEL:
	case XS_DP_MSG_FLOW_GET: return sizeof(struct xs_dp_flow_ref);
	case XS_DP_MSG_KEYS_SET: return sizeof(struct xs_dp_keys_msg);
	case XS_DP_MSG_FLOW_DUMP:
	case XS_DP_MSG_STATS_GET: return 0;
	default: return -1;
	}
}

bool xs_dp_addr_valid(const struct xs_dp_addr *a, bool need_port)
{
	if (a->pad)
		return false;
	if (need_port && a->port == 0)
		return false;
	if (a->family == XS_DP_AF_INET)
		return all_zero(a->addr + 4, 12) && !all_zero(a->addr, 4);
	if (a->family == XS_DP_AF_INET6)
		return !all_zero(a->addr, 16);
	return false;
}

static bool addr_unset(const struct xs_dp_addr *a)
{
	return all_zero(a, sizeof(*a));
}

static int crypto_check(const struct xs_dp_crypto *c, unsigned suite, struct xs_dp_verdict *v)
{
	if (c->pad || c->pad2 || c->xsipura.pad[0] || c->xsipura.pad[1])
		return refuse(v, EINVAL, "non-zero padding in crypto");
	if (c->suite >= SUITE_COUNT)
		return refuse(v, EINVAL, "unknown crypto suite");
	if (c->suite != suite)
		return refuse(v, EINVAL, "crypto suite differs from the flow's transform");
	if (c->flags & ~SRTP_FLAGS_ALL)
		return refuse(v, EINVAL, "unknown SRTP flags");
	if (c->kflags & ~(XS_DP_KEYS_F_SET_ROC | XS_DP_KEYS_F_RESET_STREAM))
		return refuse(v, EINVAL, "unknown key flags");
	if (c->key_len > sizeof(c->master_key) || c->salt_len > sizeof(c->master_salt))
		return refuse(v, EINVAL, "key or salt longer than its field");
	if (c->window > MAX_WINDOW)
		return refuse(v, EINVAL, "replay window over 1024");
	if (suite == 0 && (c->key_len || c->salt_len))
		return refuse(v, EINVAL, "plain transform with key material");
	if (suite != 0 && (c->key_len == 0 || c->salt_len == 0))
		return refuse(v, EINVAL, "SRTP transform without key or salt");
	if (suite != SUITE_XSIPURA && !all_zero(&c->xsipura, sizeof(c->xsipura)))
		return refuse(v, EINVAL, "x-sipura profile on a non x-sipura suite");
	if (!all_zero(c->master_key + c->key_len, sizeof(c->master_key) - c->key_len) ||
	    !all_zero(c->master_salt + c->salt_len, sizeof(c->master_salt) - c->salt_len))
		return refuse(v, EINVAL, "key bytes past key_len or salt_len");
	return 0;
}

/* Marks (dp_proto.h): a count within bounds, explicit padding zero, every
 * entry past count zero, indices within their bit widths, each SSRC once. */
static int marks_check(const struct xs_dp_marks *mk, struct xs_dp_verdict *v)
{
	if (mk->count > XS_DP_MARKS_MAX)
		return refuse(v, EINVAL, "more stream marks than XS_DP_MARKS_MAX");
	if (mk->pad[0] || mk->pad[1] || mk->pad[2])
		return refuse(v, EINVAL, "non-zero padding in stream marks");
	if (mk->rtcp_index > 0x7fffffffu)
		return refuse(v, EINVAL, "SRTCP index mark past 31 bits");
	for (unsigned i = 0; i < XS_DP_MARKS_MAX; i++) {
		const struct xs_dp_ssrc_mark *e = &mk->ssrc[i];

		if (i >= mk->count) {
			if (!all_zero(e, sizeof(*e)))
				return refuse(v, EINVAL, "stream mark past the mark count");
			continue;
		}
		if (e->pad)
			return refuse(v, EINVAL, "non-zero padding in a stream mark");
		if (e->index >> 48)
			return refuse(v, EINVAL, "RTP index mark past 48 bits");
		for (unsigned j = 0; j < i; j++)
			if (mk->ssrc[j].ssrc == e->ssrc)
				return refuse(v, EINVAL, "an SSRC marked twice");
	}
	return 0;
}

/* in_marks/out_marks: only with F_MARKS, and only for a direction whose keys
 * the message carries (marks belong to keys; a plain direction has none). */
static int flow_marks_check(const struct xs_dp_flow_msg *m, struct xs_dp_verdict *v)
{
	const struct xs_dp_flow *f = &m->flow;
	const bool keys[2] = { (f->flags & XS_DP_FLOW_F_IN_KEYS) && f->in_suite,
			       (f->flags & XS_DP_FLOW_F_OUT_KEYS) && f->out_suite };
	const struct xs_dp_marks *mk[2] = { &m->in_marks, &m->out_marks };

	for (unsigned d = 0; d < 2; d++) {
		if (!(f->flags & XS_DP_FLOW_F_MARKS) || !keys[d]) {
			if (!all_zero(mk[d], sizeof(*mk[d])))
				return refuse(v, EINVAL, f->flags & XS_DP_FLOW_F_MARKS ?
					      "stream marks for a direction without keys" :
					      "stream marks present without F_MARKS");
			continue;
		}
		if (marks_check(mk[d], v))
			return -v->code;
	}
	return 0;
}

static int src_policy_check(const struct xs_dp_flow *f, struct xs_dp_verdict *v)
{
	switch (f->src_policy) {
	case XS_DP_SRC_FIXED:
		if (!xs_dp_addr_valid(&f->peer, false))
			return refuse(v, EINVAL, "fixed source policy without a valid peer");
		if (f->flags & XS_DP_FLOW_F_RELATCH)
			return refuse(v, EINVAL, "F_RELATCH with a fixed source");
		return 0;
	case XS_DP_SRC_LATCH_IP:
		if (!xs_dp_addr_valid(&f->peer, false))
			return refuse(v, EINVAL, "latch-IP source policy without a valid peer");
		return 0;
	case XS_DP_SRC_LATCH:
		if (!addr_unset(&f->peer))
			return refuse(v, EINVAL, "latching flow with a peer address");
		return 0;
	default:
		return refuse(v, EINVAL, "unknown source policy");
	}
}

/* The flags that act on a live flow (dp_proto.h). */
static int flow_flags_check(const struct xs_dp_flow *f, bool replace, struct xs_dp_verdict *v)
{
	if (f->flags & ~XS_DP_FLOW_F_ALL)
		return refuse(v, EINVAL, "unknown flow flags");
	if (!replace && (f->flags & XS_DP_FLOW_F_RESET))
		return refuse(v, EINVAL, "F_RESET on FLOW_ADD");
	if (!replace && (f->flags & XS_DP_FLOW_F_REBIND))
		return refuse(v, EINVAL, "F_REBIND on FLOW_ADD");
	/* Latching on a plain packet's word would let anyone take the flow. */
	if ((f->flags & XS_DP_FLOW_F_RELATCH) && !f->in_suite)
		return refuse(v, EINVAL, "F_RELATCH needs SRTP input");
	/* F_RESET's input reset and F_REBIND's forgetting of the latch travel in
	 * the input's keyset, the one object the owner lcore applies commands
	 * from: the keys come again. */
	if ((f->flags & (XS_DP_FLOW_F_RESET | XS_DP_FLOW_F_REBIND)) && f->in_suite &&
	    !(f->flags & XS_DP_FLOW_F_IN_KEYS))
		return refuse(v, EINVAL, "F_RESET and F_REBIND need the input keys (F_IN_KEYS)");
	return 0;
}

static int flow_check(const struct xs_dp_flow_msg *m, bool replace, struct xs_dp_verdict *v)
{
	const struct xs_dp_flow *f = &m->flow;

	if (f->pad)
		return refuse(v, EINVAL, "non-zero padding in flow");
	if (!xs_dp_addr_valid(&f->local, true))
		return refuse(v, EINVAL, "bad local address");
	if (!(f->flags & XS_DP_FLOW_F_RTCP_MUX_IN) && f->local.port == 0xffff)
		return refuse(v, EINVAL, "local port 65535 leaves no room for RTCP on port+1");
	if (!xs_dp_addr_valid(&f->out_src, true) || !xs_dp_addr_valid(&f->out_dst, true))
		return refuse(v, EINVAL, "bad rewrite address");
	if (f->out_src.family != f->out_dst.family)
		return refuse(v, EINVAL, "rewrite source and destination families differ");
	if (!(f->flags & XS_DP_FLOW_F_RTCP_MUX_OUT) &&
	    (f->out_src.port == 0xffff || f->out_dst.port == 0xffff))
		return refuse(v, EINVAL, "output port 65535 leaves no room for RTCP on port+1");
	if (f->in_suite >= SUITE_COUNT || f->out_suite >= SUITE_COUNT)
		return refuse(v, EINVAL, "unknown transform suite");
	if (flow_flags_check(f, replace, v) || src_policy_check(f, v))
		return -v->code;
	if (f->flags & XS_DP_FLOW_F_IN_KEYS) {
		if (crypto_check(&m->in, f->in_suite, v))
			return -v->code;
	} else if (!all_zero(&m->in, sizeof(m->in))) {
		return refuse(v, EINVAL, "input keys present without F_IN_KEYS");
	}
	if (f->flags & XS_DP_FLOW_F_OUT_KEYS) {
		if (crypto_check(&m->out, f->out_suite, v))
			return -v->code;
	} else if (!all_zero(&m->out, sizeof(m->out))) {
		return refuse(v, EINVAL, "output keys present without F_OUT_KEYS");
	}
	return flow_marks_check(m, v);
}

static int ref_check(const struct xs_dp_flow_ref *r, struct xs_dp_verdict *v)
{
	if (r->pad)
		return refuse(v, EINVAL, "non-zero padding in flow reference");
	if (!xs_dp_addr_valid(&r->local, true))
		return refuse(v, EINVAL, "bad local address");
	return 0;
}

static int keys_check(const struct xs_dp_keys_msg *k, struct xs_dp_verdict *v)
{
	if (k->pad[0] || k->pad[1] || k->pad[2])
		return refuse(v, EINVAL, "non-zero padding in keys message");
	if (!xs_dp_addr_valid(&k->local, true))
		return refuse(v, EINVAL, "bad local address");
	if (k->dir > XS_DP_DIR_OUT)
		return refuse(v, EINVAL, "unknown direction");
	return crypto_check(&k->crypto, k->crypto.suite, v);
}

int xs_dp_hello_check(const struct xs_dp_hello *h, struct xs_dp_verdict *v)
{
	struct xs_dp_hello mine;

	xs_dp_hello_fill(&mine);
	if (h->magic != XS_DP_MAGIC)
		return refuse(v, EPROTO, "bad magic: not an xsrelay fast-path client");
	if (h->version != XS_DP_VERSION)
		return refuse(v, EPROTO, "protocol version mismatch");
	if (h->n_sizes != mine.n_sizes)
		return refuse(v, EPROTO, "struct size table length mismatch");
	for (unsigned i = 0; i < mine.n_sizes; i++)
		if (h->sizes[i] != mine.sizes[i])
			return refuse(v, EPROTO, "struct size mismatch");
	for (unsigned i = mine.n_sizes; i < XS_DP_SIZES_MAX; i++)
		if (h->sizes[i])
			return refuse(v, EPROTO, "size table entries past n_sizes");
	return 0;
}

int xs_dp_request_check(const void *buf, size_t len, const struct xs_dp_hdr **hdr,
			struct xs_dp_verdict *v)
{
	const struct xs_dp_hdr *h = buf;
	const uint8_t *body = (const uint8_t *)buf + sizeof(*h);
	struct xs_dp_verdict local;
	long want;
	int rc;

	if (!v)
		v = &local;
	*v = (struct xs_dp_verdict){ 0, "ok" };
	if (hdr)
		*hdr = NULL;
	if (len > XS_DP_MSG_MAX)
		return refuse(v, EMSGSIZE, "message longer than XS_DP_MSG_MAX");
	if (len < sizeof(*h))
		return refuse(v, EBADMSG, "message shorter than its header");
	if (h->len != len)
		return refuse(v, EBADMSG, "header length differs from the datagram");
	if (h->pad || h->flags)
		return refuse(v, EBADMSG, "non-zero flags or padding in request header");
	if (h->type == XS_DP_MSG_BATCH) {
		if (xs_dp_batch_check(body, len - sizeof(*h), true, v))
			return -v->code;
		if (hdr)
			*hdr = h;
		return 0;
	}
	want = xs_dp_request_body_size(h->type);
	if (want < 0)
		return refuse(v, EOPNOTSUPP, "unknown or non-request message type");
	if (len - sizeof(*h) != (size_t)want)
		return refuse(v, EBADMSG, "body size wrong for the message type");
	switch (h->type) {
	case XS_DP_MSG_HELLO: {
		struct xs_dp_hello hello;
		memcpy(&hello, body, sizeof(hello));
		if (xs_dp_hello_check(&hello, v))
			return -v->code;
		break;
	}
	case XS_DP_MSG_FLOW_ADD:
	case XS_DP_MSG_FLOW_REPLACE: {
		struct xs_dp_flow_msg m;
		memcpy(&m, body, sizeof(m));
		rc = flow_check(&m, h->type == XS_DP_MSG_FLOW_REPLACE, v);
		explicit_bzero(&m, sizeof(m)); /* keys */
		if (rc)
			return rc;
		break;
	}
	case XS_DP_MSG_FLOW_DEL:
	case XS_DP_MSG_FLOW_GET: {
		struct xs_dp_flow_ref r;
		memcpy(&r, body, sizeof(r));
		if (ref_check(&r, v))
			return -v->code;
		break;
	}
	case XS_DP_MSG_KEYS_SET: {
		struct xs_dp_keys_msg k;
		memcpy(&k, body, sizeof(k));
		if (keys_check(&k, v))
			return -v->code;
		break;
	}
	default:
		break;
	}
	if (hdr)
		*hdr = h;
	return 0;
}

static long reply_min_size(uint16_t type, bool *exact)
{
	*exact = true;
	switch (type) {
	case XS_DP_MSG_HELLO: return sizeof(struct xs_dp_hello);
	case XS_DP_MSG_ACK: return 0;
	case XS_DP_MSG_ERROR: return sizeof(struct xs_dp_error);
	case XS_DP_MSG_FLOW_INFO: *exact = false; return sizeof(struct xs_dp_info_batch);
	case XS_DP_MSG_DUMP_DONE: return sizeof(struct xs_dp_dump_done);
	case XS_DP_MSG_STATS: return sizeof(struct xs_dp_stats);
	case XS_DP_MSG_BATCH: *exact = false; return sizeof(struct xs_dp_hdr);
	default: return -1;
	}
}

int xs_dp_reply_check(const void *buf, size_t len, const struct xs_dp_hdr **hdr,
		      struct xs_dp_verdict *v)
{
	const struct xs_dp_hdr *h = buf;
	bool exact;
	long want;

	if (hdr)
		*hdr = NULL;
	if (len < sizeof(*h) || len > XS_DP_MSG_MAX || h->len != len)
		return refuse(v, EBADMSG, "bad reply length");
	want = reply_min_size(h->type, &exact);
	if (want < 0)
		return refuse(v, EOPNOTSUPP, "unknown reply type");
	if (len - sizeof(*h) < (size_t)want || (exact && len - sizeof(*h) != (size_t)want))
		return refuse(v, EBADMSG, "reply body size wrong for its type");
	if (h->type == XS_DP_MSG_BATCH &&
	    xs_dp_batch_check((const uint8_t *)buf + sizeof(*h), len - sizeof(*h), false, v))
		return -v->code;
	if (h->type == XS_DP_MSG_FLOW_INFO) {
		struct xs_dp_info_batch b;
		memcpy(&b, (const uint8_t *)buf + sizeof(*h), sizeof(b));
		if (len != sizeof(*h) + sizeof(b) + (size_t)b.count * sizeof(struct xs_dp_flow_info))
			return refuse(v, EBADMSG, "flow info count disagrees with length");
	}
	if (hdr)
		*hdr = h;
	return 0;
}

size_t xs_dp_error_build(void *buf, uint32_t seq, uint16_t req_type, int code, const char *text)
{
	struct xs_dp_hdr h;
	struct xs_dp_error e;
	size_t len = sizeof(h) + sizeof(e);

	xs_dp_hdr_fill(&h, XS_DP_MSG_ERROR, (uint32_t)len, seq, 0);
	memset(&e, 0, sizeof(e));
	e.code = code;
	e.req_type = req_type;
	snprintf(e.text, sizeof(e.text), "%s", text ? text : "");
	memcpy(buf, &h, sizeof(h));
	memcpy((uint8_t *)buf + sizeof(h), &e, sizeof(e));
	return len;
}

const char *xs_dp_addr_str(const struct xs_dp_addr *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	if (a->family == XS_DP_AF_INET) {
		inet_ntop(AF_INET, a->addr, ip, sizeof(ip));
		snprintf(buf, len, "%s:%u", ip, a->port);
	} else if (a->family == XS_DP_AF_INET6) {
		inet_ntop(AF_INET6, a->addr, ip, sizeof(ip));
		snprintf(buf, len, "[%s]:%u", ip, a->port);
	} else {
		snprintf(buf, len, "-");
	}
	return buf;
}

int xs_dp_addr_parse(const char *s, struct xs_dp_addr *a, bool port_opt)
{
	char tmp[INET6_ADDRSTRLEN + 16];
	char *host = tmp, *port = NULL, *end;
	unsigned long p = 0;

	memset(a, 0, sizeof(*a));
	if (strlen(s) >= sizeof(tmp))
		return -EINVAL;
	strcpy(tmp, s);
	if (tmp[0] == '[') {
		char *rb = strchr(tmp, ']');
		if (!rb)
			return -EINVAL;
		*rb = 0;
		host = tmp + 1;
		if (rb[1] == ':')
			port = rb + 2;
		else if (rb[1])
			return -EINVAL;
	} else if (strchr(tmp, ':') && strchr(tmp, ':') == strrchr(tmp, ':')) {
		port = strchr(tmp, ':');
		*port++ = 0;
	}
	if (inet_pton(AF_INET, host, a->addr) == 1)
		a->family = XS_DP_AF_INET;
	else if (inet_pton(AF_INET6, host, a->addr) == 1)
		a->family = XS_DP_AF_INET6;
	else
		return -EINVAL;
	if (port) {
		errno = 0;
		p = strtoul(port, &end, 10);
		if (errno || *end || end == port || p > 65535)
			return -EINVAL;
	} else if (!port_opt) {
		return -EINVAL;
	}
	a->port = (uint16_t)p;
	return 0;
}

bool xs_dp_batchable(uint16_t type)
{
	return type == XS_DP_MSG_FLOW_ADD || type == XS_DP_MSG_FLOW_REPLACE ||
	       type == XS_DP_MSG_FLOW_DEL || type == XS_DP_MSG_KEYS_SET ||
	       type == XS_DP_MSG_FLOW_GET;
}

/* The largest part a BATCH holds: a FLOW_ADD/REPLACE request, or a FLOW_INFO
 * reply for one flow. */
union batch_part_body {
	struct xs_dp_flow_msg flow;
	struct xs_dp_keys_msg keys;
	struct xs_dp_flow_ref ref;
	struct xs_dp_error error;
	struct {
		struct xs_dp_info_batch b;
		struct xs_dp_flow_info info;
	} info;
};
#define BATCH_PART_MAX (sizeof(struct xs_dp_hdr) + sizeof(union batch_part_body))
_Static_assert(sizeof(struct xs_dp_hdr) + XS_DP_BATCH_MAX * BATCH_PART_MAX <= XS_DP_MSG_MAX,
	       "a BATCH of the largest parts fits a message");

int xs_dp_batch_check(const void *body, size_t blen, bool requests, struct xs_dp_verdict *v)
{
	/* parts are copied out: the body has no alignment of its own */
	union {
		struct xs_dp_hdr h;
		uint64_t align;
		uint8_t b[BATCH_PART_MAX];
	} part;
	struct xs_dp_verdict local;
	const struct xs_dp_hdr *ph;
	unsigned count = 0;
	size_t off = 0;

	if (!v)
		v = &local;
	*v = (struct xs_dp_verdict){ 0, "ok" };
	if (!blen)
		return refuse(v, EBADMSG, "empty batch");
	while (off < blen) {
		struct xs_dp_hdr h;
		if (blen - off < sizeof(h))
			return refuse(v, EBADMSG, "batch ends inside a part's header");
		memcpy(&h, (const uint8_t *)body + off, sizeof(h));
		if (h.len < sizeof(h) || h.len > blen - off)
			return refuse(v, EBADMSG, "batch part length out of bounds");
		if (h.len % 8)
			return refuse(v, EBADMSG, "batch part length not a multiple of 8");
		if (h.len > sizeof(part))
			return refuse(v, EBADMSG, "batch part too long for its type");
		if (++count > XS_DP_BATCH_MAX)
			return refuse(v, E2BIG, "more than XS_DP_BATCH_MAX parts in a batch");
		if (requests && !xs_dp_batchable(h.type))
			return refuse(v, EINVAL, "request type not allowed in a batch");
		if (!requests && h.type != XS_DP_MSG_ACK && h.type != XS_DP_MSG_ERROR &&
		    h.type != XS_DP_MSG_FLOW_INFO)
			return refuse(v, EBADMSG, "reply type not allowed in a batch");
		memcpy(part.b, (const uint8_t *)body + off, h.len);
		int rc = requests ? xs_dp_request_check(part.b, h.len, &ph, v) :
				    xs_dp_reply_check(part.b, h.len, &ph, v);
		if (requests)
			explicit_bzero(part.b, h.len); /* requests carry keys */
		if (rc)
			return rc;
		off += h.len;
	}
	return 0;
}

const uint8_t *xs_dp_batch_next(const void *body, size_t blen, size_t *off, size_t *len)
{
	struct xs_dp_hdr h;
	if (*off >= blen || blen - *off < sizeof(h))
		return NULL;
	memcpy(&h, (const uint8_t *)body + *off, sizeof(h));
	if (h.len < sizeof(h) || h.len > blen - *off)
		return NULL;
	const uint8_t *p = (const uint8_t *)body + *off;
	*len = h.len;
	*off += h.len;
	return p;
}
