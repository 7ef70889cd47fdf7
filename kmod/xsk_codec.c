// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Control request validation: see xsk_codec.h. */
#include "xsk_codec.h"

#define SUITE_COUNT	9	/* XS_SUITE_COUNT */
#define SUITE_XSIPURA	8
#define SRTP_FLAGS_ALL	0x7u
#define MAX_WINDOW	1024
#define INDEX_MAX	((1ull << 48) - 1)
#define RTCP_INDEX_MAX	0x7fffffffu

static int refuse(const char **why, int code, const char *text)
{
	*why = text;
	return -code;
}

static bool all_zero(const void *p, size_t n)
{
	const u8 *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static long body_size(u16 type)
{
	switch (type) {
	case XS_DP_MSG_HELLO:
		return sizeof(struct xs_dp_hello);
	case XS_DP_MSG_FLOW_ADD:
	case XS_DP_MSG_FLOW_REPLACE:
		return sizeof(struct xs_dp_flow_msg);
	case XS_DP_MSG_FLOW_DEL:
	case XS_DP_MSG_FLOW_GET:
		return sizeof(struct xs_dp_flow_ref);
	case XS_DP_MSG_KEYS_SET:
		return sizeof(struct xs_dp_keys_msg);
	case XS_DP_MSG_FLOW_DUMP:
	case XS_DP_MSG_STATS_GET:
		return 0;
	default:
		return -1;
	}
}

bool xsk_addr_valid(const struct xs_dp_addr *a, bool need_port)
{
	if (a->pad || (need_port && a->port == 0))
		return false;
	if (a->family == XS_DP_AF_INET)
		return all_zero(a->addr + 4, 12) && !all_zero(a->addr, 4);
	if (a->family == XS_DP_AF_INET6)
		return !all_zero(a->addr, 16);
	return false;
}

static int crypto_check(const struct xs_dp_crypto *c, unsigned int suite, const char **why)
{
	if (c->pad || c->pad2 || c->xsipura.pad[0] || c->xsipura.pad[1])
		return refuse(why, EINVAL, "non-zero padding in crypto");
	if (c->suite >= SUITE_COUNT)
		return refuse(why, EINVAL, "unknown crypto suite");
	if (c->suite != suite)
		return refuse(why, EINVAL, "crypto suite differs from the flow's transform");
	if (c->flags & ~SRTP_FLAGS_ALL)
		return refuse(why, EINVAL, "unknown SRTP flags");
	if (c->kflags & ~(XS_DP_KEYS_F_SET_ROC | XS_DP_KEYS_F_RESET_STREAM))
		return refuse(why, EINVAL, "unknown key flags");
	if (c->key_len > sizeof(c->master_key) || c->salt_len > sizeof(c->master_salt))
		return refuse(why, EINVAL, "key or salt longer than its field");
	if (c->window > MAX_WINDOW)
		return refuse(why, EINVAL, "replay window over 1024");
	if (suite == 0 && (c->key_len || c->salt_len))
		return refuse(why, EINVAL, "plain transform with key material");
	if (suite != 0 && (c->key_len == 0 || c->salt_len == 0))
		return refuse(why, EINVAL, "SRTP transform without key or salt");
	if (suite != SUITE_XSIPURA && !all_zero(&c->xsipura, sizeof(c->xsipura)))
		return refuse(why, EINVAL, "x-sipura profile on a non x-sipura suite");
	if (!all_zero(c->master_key + c->key_len, sizeof(c->master_key) - c->key_len) ||
	    !all_zero(c->master_salt + c->salt_len, sizeof(c->master_salt) - c->salt_len))
		return refuse(why, EINVAL, "key bytes past key_len or salt_len");
	return 0;
}

/* Marks: floors the fast path applies (dp_proto.h), so only well-formed ones. */
static int marks_check(const struct xs_dp_marks *k, const char **why)
{
	unsigned int i, j;

	if (k->pad[0] || k->pad[1] || k->pad[2])
		return refuse(why, EINVAL, "non-zero padding in marks");
	if (k->count > XS_DP_MARKS_MAX)
		return refuse(why, EINVAL, "more SSRC marks than XS_DP_MARKS_MAX");
	if (k->rtcp_index > RTCP_INDEX_MAX)
		return refuse(why, EINVAL, "SRTCP index mark past 31 bits");
	for (i = 0; i < k->count; i++) {
		if (k->ssrc[i].pad)
			return refuse(why, EINVAL, "non-zero padding in an SSRC mark");
		if (k->ssrc[i].index > INDEX_MAX)
			return refuse(why, EINVAL, "RTP index mark past 48 bits");
		for (j = 0; j < i; j++)
			if (k->ssrc[j].ssrc == k->ssrc[i].ssrc)
				return refuse(why, EINVAL, "an SSRC marked twice");
	}
	if (!all_zero(&k->ssrc[k->count], (XS_DP_MARKS_MAX - k->count) * sizeof(k->ssrc[0])))
		return refuse(why, EINVAL, "SSRC marks past count");
	return 0;
}

/* in_marks/out_marks: only with F_MARKS, and only for a direction whose keys
 * the message carries (marks belong to keys; a plain direction has none). */
static int flow_marks_check(const struct xs_dp_flow_msg *m, const char **why)
{
	const struct xs_dp_flow *f = &m->flow;
	const bool keys[2] = { (f->flags & XS_DP_FLOW_F_IN_KEYS) && f->in_suite,
			       (f->flags & XS_DP_FLOW_F_OUT_KEYS) && f->out_suite };
	const struct xs_dp_marks *mk[2] = { &m->in_marks, &m->out_marks };
	int d, rc;

	for (d = 0; d < 2; d++) {
		if (!(f->flags & XS_DP_FLOW_F_MARKS) || !keys[d]) {
			if (!all_zero(mk[d], sizeof(*mk[d])))
				return refuse(why, EINVAL, f->flags & XS_DP_FLOW_F_MARKS ?
					      "marks for a direction without keys" :
					      "marks present without F_MARKS");
			continue;
		}
		rc = marks_check(mk[d], why);
		if (rc)
			return rc;
	}
	return 0;
}

/* The flags that act on a live flow (dp_proto.h). */
static int flow_flags_check(const struct xs_dp_flow *f, bool replace, const char **why)
{
	if (f->flags & ~XS_DP_FLOW_F_ALL)
		return refuse(why, EINVAL, "unknown flow flags");
	if (!replace && (f->flags & XS_DP_FLOW_F_RESET))
		return refuse(why, EINVAL, "F_RESET on FLOW_ADD");
	if (!replace && (f->flags & XS_DP_FLOW_F_REBIND))
		return refuse(why, EINVAL, "F_REBIND on FLOW_ADD");
	/* latching on a plain packet's word would let anyone take the flow */
	if ((f->flags & XS_DP_FLOW_F_RELATCH) && !f->in_suite)
		return refuse(why, EINVAL, "F_RELATCH needs SRTP input");
	/* the input stream is reset with the keys it runs under: they come again */
	if ((f->flags & (XS_DP_FLOW_F_RESET | XS_DP_FLOW_F_REBIND)) && f->in_suite &&
	    !(f->flags & XS_DP_FLOW_F_IN_KEYS))
		return refuse(why, EINVAL, "F_RESET and F_REBIND need the input keys (F_IN_KEYS)");
	return 0;
}

static int src_check(const struct xs_dp_flow *f, const char **why)
{
	switch (f->src_policy) {
	case XS_DP_SRC_FIXED:
		if (!xsk_addr_valid(&f->peer, false))
			return refuse(why, EINVAL, "fixed source policy without a valid peer");
		if (f->flags & XS_DP_FLOW_F_RELATCH)
			return refuse(why, EINVAL, "F_RELATCH with a fixed source");
		return 0;
	case XS_DP_SRC_LATCH_IP:
		if (!xsk_addr_valid(&f->peer, false))
			return refuse(why, EINVAL, "latch-ip source policy without a valid peer");
		return 0;
	case XS_DP_SRC_LATCH:
		if (!all_zero(&f->peer, sizeof(f->peer)))
			return refuse(why, EINVAL, "latching flow with a peer address");
		return 0;
	default:
		return refuse(why, EINVAL, "unknown source policy");
	}
}

static int flow_check(const struct xs_dp_flow_msg *m, bool replace, const char **why)
{
	const struct xs_dp_flow *f = &m->flow;
	int rc;

	if (f->pad)
		return refuse(why, EINVAL, "non-zero padding in flow");
	if (!xsk_addr_valid(&f->local, true))
		return refuse(why, EINVAL, "bad local address");
	if (!(f->flags & XS_DP_FLOW_F_RTCP_MUX_IN) && f->local.port == 0xffff)
		return refuse(why, EINVAL, "local port 65535 leaves no room for RTCP on port+1");
	if (!xsk_addr_valid(&f->out_src, true) || !xsk_addr_valid(&f->out_dst, true))
		return refuse(why, EINVAL, "bad rewrite address");
	if (f->out_src.family != f->out_dst.family)
		return refuse(why, EINVAL, "rewrite source and destination families differ");
	if (!(f->flags & XS_DP_FLOW_F_RTCP_MUX_OUT) &&
	    (f->out_src.port == 0xffff || f->out_dst.port == 0xffff))
		return refuse(why, EINVAL, "output port 65535 leaves no room for RTCP on port+1");
	if (f->in_suite >= SUITE_COUNT || f->out_suite >= SUITE_COUNT)
		return refuse(why, EINVAL, "unknown transform suite");
	rc = flow_flags_check(f, replace, why);
	if (!rc)
		rc = src_check(f, why);
	if (rc)
		return rc;
	if (f->flags & XS_DP_FLOW_F_IN_KEYS) {
		rc = crypto_check(&m->in, f->in_suite, why);
		if (rc)
			return rc;
	} else if (!all_zero(&m->in, sizeof(m->in))) {
		return refuse(why, EINVAL, "input keys present without F_IN_KEYS");
	}
	if (f->flags & XS_DP_FLOW_F_OUT_KEYS) {
		rc = crypto_check(&m->out, f->out_suite, why);
		if (rc)
			return rc;
	} else if (!all_zero(&m->out, sizeof(m->out))) {
		return refuse(why, EINVAL, "output keys present without F_OUT_KEYS");
	}
	return flow_marks_check(m, why);
}

static int ref_check(const struct xs_dp_flow_ref *r, const char **why)
{
	if (r->pad)
		return refuse(why, EINVAL, "non-zero padding in flow reference");
	if (!xsk_addr_valid(&r->local, true))
		return refuse(why, EINVAL, "bad local address");
	return 0;
}

static int keys_check(const struct xs_dp_keys_msg *k, const char **why)
{
	if (k->pad[0] || k->pad[1] || k->pad[2])
		return refuse(why, EINVAL, "non-zero padding in keys message");
	if (!xsk_addr_valid(&k->local, true))
		return refuse(why, EINVAL, "bad local address");
	if (k->dir > XS_DP_DIR_OUT)
		return refuse(why, EINVAL, "unknown direction");
	return crypto_check(&k->crypto, k->crypto.suite, why);
}

int xsk_hello_check(const struct xs_dp_hello *h, const char **why)
{
	struct xs_dp_hello mine;
	unsigned int i;

	xs_dp_hello_fill(&mine);
	if (h->magic != XS_DP_MAGIC)
		return refuse(why, EPROTO, "bad magic: not an xsrelay fast-path client");
	if (h->version != XS_DP_VERSION)
		return refuse(why, EPROTO, "protocol version mismatch");
	if (h->n_sizes != mine.n_sizes)
		return refuse(why, EPROTO, "struct size table length mismatch");
	for (i = 0; i < mine.n_sizes; i++)
		if (h->sizes[i] != mine.sizes[i])
			return refuse(why, EPROTO, "struct size mismatch");
	for (i = mine.n_sizes; i < XS_DP_SIZES_MAX; i++)
		if (h->sizes[i])
			return refuse(why, EPROTO, "size table entries past n_sizes");
	return 0;
}

int xsk_request_check(const void *buf, size_t len, const char **why)
{
	const struct xs_dp_hdr *h = buf;
	const void *body = (const u8 *)buf + sizeof(*h);
	long want;

	*why = "ok";
	if (len > XS_DP_MSG_MAX)
		return refuse(why, EMSGSIZE, "message longer than XS_DP_MSG_MAX");
	if (len < sizeof(*h))
		return refuse(why, EBADMSG, "message shorter than its header");
	if (h->len != len)
		return refuse(why, EBADMSG, "header length differs from the datagram");
	if (h->pad || h->flags)
		return refuse(why, EBADMSG, "non-zero flags or padding in request header");
	want = body_size(h->type);
	if (want < 0)
		return refuse(why, EOPNOTSUPP, "unknown or non-request message type");
	if (len - sizeof(*h) != (size_t)want)
		return refuse(why, EBADMSG, "body size wrong for the message type");
	switch (h->type) {
	case XS_DP_MSG_FLOW_ADD:
	case XS_DP_MSG_FLOW_REPLACE:
		return flow_check(body, h->type == XS_DP_MSG_FLOW_REPLACE, why);
	case XS_DP_MSG_FLOW_DEL:
	case XS_DP_MSG_FLOW_GET:
		return ref_check(body, why);
	case XS_DP_MSG_KEYS_SET:
		return keys_check(body, why);
	default:
		return 0;
	}
}
