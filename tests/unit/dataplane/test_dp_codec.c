/* SPDX-License-Identifier: BSD-3-Clause */
/* Control protocol codec: well-formed requests pass; malformed, unknown,
 * short and oversized ones are refused with the right code. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dp_codec.h"

static uint8_t buf[XS_DP_MSG_MAX + 64];

static size_t msg(uint16_t type, const void *body, size_t blen)
{
	struct xs_dp_hdr h;

	xs_dp_hdr_fill(&h, type, (uint32_t)(sizeof(h) + blen), 7, 0);
	memcpy(buf, &h, sizeof(h));
	if (blen)
		memcpy(buf + sizeof(h), body, blen);
	return sizeof(h) + blen;
}

static int check(size_t len)
{
	struct xs_dp_verdict v;
	int rc = xs_dp_request_check(buf, len, NULL, &v);

	assert_int_equal(rc, -v.code);
	return rc;
}

static struct xs_dp_flow_msg good_flow(void)
{
	struct xs_dp_flow_msg m;

	memset(&m, 0, sizeof(m));
	assert_int_equal(xs_dp_addr_parse("10.0.0.1:20000", &m.flow.local, false), 0);
	assert_int_equal(xs_dp_addr_parse("10.0.1.1:30000", &m.flow.out_src, false), 0);
	assert_int_equal(xs_dp_addr_parse("10.0.1.2:40000", &m.flow.out_dst, false), 0);
	m.flow.src_policy = XS_DP_SRC_LATCH;
	m.flow.in_suite = 1;
	m.flow.out_suite = 0;
	m.flow.flags = XS_DP_FLOW_F_IN_KEYS;
	m.in.suite = 1;
	m.in.key_len = 16;
	m.in.salt_len = 14;
	memset(m.in.master_key, 0x11, 16);
	memset(m.in.master_salt, 0x22, 14);
	return m;
}

static void t_sizes(void **s)
{
	struct xs_dp_hello h;

	xs_dp_hello_fill(&h);
	assert_int_equal(h.n_sizes, XS_DP_SIZE_COUNT);
	assert_int_equal(h.sizes[XS_DP_SIZE_hdr], 16);
	assert_int_equal(h.version, 2);
	assert_int_equal(h.sizes[XS_DP_SIZE_ssrc_mark], 16);
	assert_int_equal(h.sizes[XS_DP_SIZE_marks], 136);
	assert_int_equal(h.sizes[XS_DP_SIZE_flow_msg], 272 + 2 * 136);
	assert_int_equal(h.sizes[XS_DP_SIZE_flow_info], 264 + 2 * 136);
	assert_int_equal(xs_dp_hello_check(&h, NULL), 0);
}

static void t_hello(void **s)
{
	struct xs_dp_hello h;

	xs_dp_hello_fill(&h);
	assert_int_equal(check(msg(XS_DP_MSG_HELLO, &h, sizeof(h))), 0);
	h.version++;
	assert_int_equal(check(msg(XS_DP_MSG_HELLO, &h, sizeof(h))), -EPROTO);
	xs_dp_hello_fill(&h);
	h.sizes[XS_DP_SIZE_flow]++;
	assert_int_equal(check(msg(XS_DP_MSG_HELLO, &h, sizeof(h))), -EPROTO);
	xs_dp_hello_fill(&h);
	h.magic = 0;
	assert_int_equal(check(msg(XS_DP_MSG_HELLO, &h, sizeof(h))), -EPROTO);
	xs_dp_hello_fill(&h);
	h.n_sizes--;
	assert_int_equal(check(msg(XS_DP_MSG_HELLO, &h, sizeof(h))), -EPROTO);
}

static void t_lengths(void **s)
{
	struct xs_dp_flow_msg m = good_flow();
	size_t n = msg(XS_DP_MSG_FLOW_ADD, &m, sizeof(m));

	assert_int_equal(check(n), 0);
	/* every shorter length, header included */
	for (size_t k = 0; k < n; k++)
		assert_int_not_equal(check(k), 0);
	/* one byte more in the datagram than the header says */
	assert_int_equal(check(n + 1), -EBADMSG);
	/* header and datagram agree but the body is too long for the type */
	n = msg(XS_DP_MSG_FLOW_ADD, &m, sizeof(m));
	memset(buf + n, 0, 8);
	((struct xs_dp_hdr *)buf)->len = (uint32_t)(n + 8);
	assert_int_equal(check(n + 8), -EBADMSG);
	/* oversized */
	assert_int_equal(check(XS_DP_MSG_MAX + 1), -EMSGSIZE);
	/* body on a bodiless request */
	assert_int_equal(check(msg(XS_DP_MSG_STATS_GET, &m, 8)), -EBADMSG);
	assert_int_equal(check(msg(XS_DP_MSG_STATS_GET, NULL, 0)), 0);
	assert_int_equal(check(msg(XS_DP_MSG_FLOW_DUMP, NULL, 0)), 0);
}

static void t_unknown(void **s)
{
	assert_int_equal(check(msg(0, NULL, 0)), -EOPNOTSUPP);
	assert_int_equal(check(msg(XS_DP_MSG_ACK, NULL, 0)), -EOPNOTSUPP);
	assert_int_equal(check(msg(XS_DP_MSG_TYPE_COUNT, NULL, 0)), -EOPNOTSUPP);
	assert_int_equal(check(msg(0xffff, NULL, 0)), -EOPNOTSUPP);
	msg(XS_DP_MSG_STATS_GET, NULL, 0);
	((struct xs_dp_hdr *)buf)->flags = 1;
	assert_int_equal(check(sizeof(struct xs_dp_hdr)), -EBADMSG);
	msg(XS_DP_MSG_STATS_GET, NULL, 0);
	((struct xs_dp_hdr *)buf)->pad = 1;
	assert_int_equal(check(sizeof(struct xs_dp_hdr)), -EBADMSG);
}

static void t_flow_fields(void **s)
{
	struct xs_dp_flow_msg m;

#define BAD(stmt)                                                                   \
	do {                                                                        \
		m = good_flow();                                                    \
		stmt;                                                               \
		assert_int_equal(check(msg(XS_DP_MSG_FLOW_ADD, &m, sizeof(m))), -EINVAL); \
	} while (0)
	BAD(m.flow.local.family = 5);
	BAD(m.flow.local.port = 0);
	BAD(m.flow.local.port = 65535);
	BAD(m.flow.local.addr[5] = 1);               /* v4 with stray bytes */
	BAD(memset(m.flow.local.addr, 0, 16));
	BAD(m.flow.local.pad = 1);
	BAD(m.flow.pad = 1);
	BAD(m.flow.flags |= 1u << 10);
	BAD(m.flow.flags |= XS_DP_FLOW_F_RESET);     /* not on ADD */
	BAD(m.flow.src_policy = 0);
	BAD(m.flow.src_policy = 4);
	BAD(m.flow.src_policy = XS_DP_SRC_LATCH_IP); /* without a peer */
	BAD(m.flow.src_policy = XS_DP_SRC_FIXED);    /* without a peer */
	BAD(m.flow.peer.family = 4);                 /* latch with a peer */
	BAD(m.flow.in_suite = 9);
	BAD(m.in.suite = 2);                         /* differs from in_suite */
	BAD(m.in.key_len = 33);
	BAD(m.in.salt_len = 0);
	BAD(m.in.window = 1025);
	BAD(m.in.pad = 1);
	BAD(m.in.kflags = 4);
	BAD(m.in.master_key[20] = 1);                /* past key_len */
	BAD(m.in.xsipura.tag_len = 4);               /* profile on an SDES suite */
	BAD(m.out.suite = 1);                        /* out keys without the flag */
	BAD(m.flow.out_dst.family = 6);              /* family mismatch */
	BAD(m.flow.out_src.port = 65535);
#undef BAD
	m = good_flow();
	m.flow.flags |= XS_DP_FLOW_F_RTCP_MUX_IN;
	m.flow.local.port = 65535;
	assert_int_equal(check(msg(XS_DP_MSG_FLOW_ADD, &m, sizeof(m))), 0);
	m = good_flow();
	m.flow.flags |= XS_DP_FLOW_F_RESET;
	assert_int_equal(check(msg(XS_DP_MSG_FLOW_REPLACE, &m, sizeof(m))), 0);
	m = good_flow();
	m.flow.src_policy = XS_DP_SRC_FIXED;
	xs_dp_addr_parse("10.9.9.9", &m.flow.peer, true);
	assert_int_equal(check(msg(XS_DP_MSG_FLOW_ADD, &m, sizeof(m))), 0);
}

/* A flow message with keys both ways (SDES in, SDES out), as REPLACE sends it. */
static struct xs_dp_flow_msg keyed_flow(void)
{
	struct xs_dp_flow_msg m = good_flow();

	m.flow.out_suite = 1;
	m.flow.flags |= XS_DP_FLOW_F_OUT_KEYS;
	m.out = m.in;
	return m;
}

static int check_flow(uint16_t type, const struct xs_dp_flow_msg *m)
{
	return check(msg(type, m, sizeof(*m)));
}

static void t_marks(void **s)
{
	struct xs_dp_flow_msg m = keyed_flow();
	struct xs_dp_flow_msg good;

	m.flow.flags |= XS_DP_FLOW_F_MARKS;
	m.in_marks.count = 1;
	m.in_marks.rtcp_index = 0x7fffffff;
	m.in_marks.ssrc[0] = (struct xs_dp_ssrc_mark){ .ssrc = 0x1234, .index = (1ull << 48) - 1 };
	m.out_marks.count = XS_DP_MARKS_MAX;
	for (unsigned i = 0; i < XS_DP_MARKS_MAX; i++)
		m.out_marks.ssrc[i] = (struct xs_dp_ssrc_mark){ .ssrc = 100 + i, .index = i * 70000 };
	good = m;
	assert_int_equal(check_flow(XS_DP_MSG_FLOW_ADD, &m), 0);
	assert_int_equal(check_flow(XS_DP_MSG_FLOW_REPLACE, &m), 0);
	/* count 0 and an SRTCP mark only: fine */
	m.out_marks = (struct xs_dp_marks){ .rtcp_index = 5 };
	assert_int_equal(check_flow(XS_DP_MSG_FLOW_ADD, &m), 0);
#define BAD(stmt)                                                                \
	do {                                                                     \
		m = good;                                                        \
		stmt;                                                            \
		assert_int_equal(check_flow(XS_DP_MSG_FLOW_ADD, &m), -EINVAL);   \
		assert_int_equal(check_flow(XS_DP_MSG_FLOW_REPLACE, &m), -EINVAL); \
	} while (0)
	BAD(m.flow.flags &= ~XS_DP_FLOW_F_MARKS);              /* marks without the flag */
	BAD(m.out_marks.count = XS_DP_MARKS_MAX + 1);
	BAD(m.in_marks.pad[2] = 1);
	BAD(m.out_marks.ssrc[3].pad = 1);
	BAD(m.in_marks.ssrc[0].index = 1ull << 48);
	BAD(m.out_marks.ssrc[7].index = ~0ull);
	BAD(m.in_marks.rtcp_index = 0x80000000u);
	BAD(m.out_marks.ssrc[5].ssrc = 101);                   /* SSRC 101 twice */
	BAD(m.in_marks.ssrc[1].ssrc = 9);                      /* past count */
	BAD(m.in_marks.ssrc[1].index = 9);
	BAD(m.out_marks.count = 2);                            /* entries 2..7 past count */
	/* marks for a direction without keys: no F_OUT_KEYS, or plain */
	BAD(m.flow.flags &= ~XS_DP_FLOW_F_OUT_KEYS; memset(&m.out, 0, sizeof(m.out)));
	BAD(m.flow.out_suite = 0; m.out = (struct xs_dp_crypto){ 0 });
	BAD(m.flow.in_suite = 0; m.in = (struct xs_dp_crypto){ 0 });
#undef BAD
	/* the same without the marks of the keyless direction passes */
	m = good;
	m.flow.out_suite = 0;
	m.out = (struct xs_dp_crypto){ 0 };
	m.out_marks = (struct xs_dp_marks){ 0 };
	assert_int_equal(check_flow(XS_DP_MSG_FLOW_ADD, &m), 0);
	/* F_MARKS with no marks at all */
	m = keyed_flow();
	m.flow.flags |= XS_DP_FLOW_F_MARKS;
	assert_int_equal(check_flow(XS_DP_MSG_FLOW_ADD, &m), 0);
}

static void t_flow_flags_v2(void **s)
{
	struct xs_dp_flow_msg m;

	/* REBIND: REPLACE only; with SRTP input, the input keys come again. */
	m = keyed_flow();
	m.flow.flags |= XS_DP_FLOW_F_REBIND;
	assert_int_equal(check_flow(XS_DP_MSG_FLOW_REPLACE, &m), 0);
	assert_int_equal(check_flow(XS_DP_MSG_FLOW_ADD, &m), -EINVAL);
	m.flow.flags &= ~XS_DP_FLOW_F_IN_KEYS;
	m.in = (struct xs_dp_crypto){ 0 };
	assert_int_equal(check_flow(XS_DP_MSG_FLOW_REPLACE, &m), -EINVAL);
	m.flow.flags ^= XS_DP_FLOW_F_REBIND | XS_DP_FLOW_F_RESET;
	assert_int_equal(check_flow(XS_DP_MSG_FLOW_REPLACE, &m), -EINVAL);
	/* plain input: nothing to resend */
	m.flow.in_suite = 0;
	assert_int_equal(check_flow(XS_DP_MSG_FLOW_REPLACE, &m), 0);
	m.flow.flags ^= XS_DP_FLOW_F_REBIND | XS_DP_FLOW_F_RESET;
	assert_int_equal(check_flow(XS_DP_MSG_FLOW_REPLACE, &m), 0);
	/* out keys are not needed: a send stream keeps its state under its keys */
	m = keyed_flow();
	m.flow.flags = (m.flow.flags & ~XS_DP_FLOW_F_OUT_KEYS) | XS_DP_FLOW_F_RESET;
	m.out = (struct xs_dp_crypto){ 0 };
	assert_int_equal(check_flow(XS_DP_MSG_FLOW_REPLACE, &m), 0);

	/* RELATCH: SRTP input, latching policies only; ADD and REPLACE. */
	m = keyed_flow();
	m.flow.flags |= XS_DP_FLOW_F_RELATCH;
	assert_int_equal(check_flow(XS_DP_MSG_FLOW_ADD, &m), 0);
	assert_int_equal(check_flow(XS_DP_MSG_FLOW_REPLACE, &m), 0);
	m.flow.src_policy = XS_DP_SRC_FIXED;
	xs_dp_addr_parse("10.9.9.9", &m.flow.peer, true);
	assert_int_equal(check_flow(XS_DP_MSG_FLOW_ADD, &m), -EINVAL);
	m.flow.src_policy = XS_DP_SRC_LATCH_IP;
	assert_int_equal(check_flow(XS_DP_MSG_FLOW_ADD, &m), 0);
	m.flow.in_suite = 0;
	m.flow.flags &= ~XS_DP_FLOW_F_IN_KEYS;
	m.in = (struct xs_dp_crypto){ 0 };
	assert_int_equal(check_flow(XS_DP_MSG_FLOW_ADD, &m), -EINVAL);

	/* LATCH_IP: a valid peer address (any port), v4 or v6. */
	m = good_flow();
	m.flow.src_policy = XS_DP_SRC_LATCH_IP;
	xs_dp_addr_parse("10.9.9.9:4000", &m.flow.peer, false);
	assert_int_equal(check_flow(XS_DP_MSG_FLOW_ADD, &m), 0);
	m.flow.peer.port = 0;
	assert_int_equal(check_flow(XS_DP_MSG_FLOW_ADD, &m), 0);
	xs_dp_addr_parse("[2001:db8::9]", &m.flow.peer, true);
	assert_int_equal(check_flow(XS_DP_MSG_FLOW_ADD, &m), 0);
	m.flow.peer.pad = 1;
	assert_int_equal(check_flow(XS_DP_MSG_FLOW_ADD, &m), -EINVAL);
	memset(&m.flow.peer, 0, sizeof(m.flow.peer));
	m.flow.peer.family = XS_DP_AF_INET;                    /* 0.0.0.0 */
	assert_int_equal(check_flow(XS_DP_MSG_FLOW_ADD, &m), -EINVAL);
	m.flow.peer.family = 0;
	assert_int_equal(check_flow(XS_DP_MSG_FLOW_ADD, &m), -EINVAL);

	/* Every defined flag bit is known; the next one is not. */
	m = keyed_flow();
	m.flow.flags |= XS_DP_FLOW_F_ALL + 1;
	assert_int_equal(check_flow(XS_DP_MSG_FLOW_REPLACE, &m), -EINVAL);
}

static void t_keys_ref(void **s)
{
	struct xs_dp_keys_msg k;
	struct xs_dp_flow_ref r;

	memset(&k, 0, sizeof(k));
	xs_dp_addr_parse("[2001:db8::1]:4000", &k.local, false);
	k.dir = XS_DP_DIR_OUT;
	k.crypto.suite = 8;
	k.crypto.key_len = 16;
	k.crypto.salt_len = 16;
	k.crypto.xsipura.tag_len = 4;
	k.crypto.xsipura.salt_len = 16;
	memset(k.crypto.master_key, 1, 16);
	assert_int_equal(check(msg(XS_DP_MSG_KEYS_SET, &k, sizeof(k))), 0);
	k.dir = 2;
	assert_int_equal(check(msg(XS_DP_MSG_KEYS_SET, &k, sizeof(k))), -EINVAL);
	k.dir = 0;
	k.pad[1] = 1;
	assert_int_equal(check(msg(XS_DP_MSG_KEYS_SET, &k, sizeof(k))), -EINVAL);
	memset(&r, 0, sizeof(r));
	xs_dp_addr_parse("10.0.0.1:1000", &r.local, false);
	assert_int_equal(check(msg(XS_DP_MSG_FLOW_DEL, &r, sizeof(r))), 0);
	r.pad = 3;
	assert_int_equal(check(msg(XS_DP_MSG_FLOW_GET, &r, sizeof(r))), -EINVAL);
}

static void t_random(void **s)
{
	/* Random bytes behind a valid header never crash the checker. */
	srand(1);
	for (int i = 0; i < 20000; i++) {
		uint16_t type = (uint16_t)(rand() % (XS_DP_MSG_TYPE_COUNT + 2));
		size_t blen = (size_t)rand() % 300;
		uint8_t body[300];

		for (size_t k = 0; k < blen; k++)
			body[k] = (uint8_t)rand();
		xs_dp_request_check(buf, msg(type, body, blen), NULL, NULL);
	}
}

static void t_addr(void **s)
{
	struct xs_dp_addr a;
	char b[64];

	assert_int_equal(xs_dp_addr_parse("[::1]:5", &a, false), 0);
	assert_string_equal(xs_dp_addr_str(&a, b, sizeof(b)), "[::1]:5");
	assert_int_equal(xs_dp_addr_parse("1.2.3.4:65535", &a, false), 0);
	assert_string_equal(xs_dp_addr_str(&a, b, sizeof(b)), "1.2.3.4:65535");
	assert_int_not_equal(xs_dp_addr_parse("1.2.3.4:65536", &a, false), 0);
	assert_int_not_equal(xs_dp_addr_parse("1.2.3.4", &a, false), 0);
	assert_int_equal(xs_dp_addr_parse("1.2.3.4", &a, true), 0);
	assert_int_not_equal(xs_dp_addr_parse("[::1", &a, false), 0);
}

static void t_reply(void **s)
{
	uint8_t b[256];
	size_t n = xs_dp_error_build(b, 9, 2, EINVAL, "nope");
	const struct xs_dp_hdr *h;

	assert_int_equal(xs_dp_reply_check(b, n, &h, NULL), 0);
	assert_int_equal(h->seq, 9);
	assert_int_not_equal(xs_dp_reply_check(b, n - 1, &h, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_sizes),       cmocka_unit_test(t_hello),
		cmocka_unit_test(t_lengths),     cmocka_unit_test(t_unknown),
		cmocka_unit_test(t_flow_fields), cmocka_unit_test(t_keys_ref),
		cmocka_unit_test(t_random),      cmocka_unit_test(t_addr),
		cmocka_unit_test(t_reply),       cmocka_unit_test(t_marks),
		cmocka_unit_test(t_flow_flags_v2),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
