/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * From handshake to media: the keys both ends of a handshake agree on, turned
 * into engine policies by xsipura_srtp_profile.h, protect on one end and
 * unprotect on the other through the real SRTP engine, in both directions and
 * for RTCP; the srtp_* assumptions reach the engine (ends that disagree on one
 * fail authentication); the library's defaults are the engine's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/crypto.h>

#include "xsipura_mint.h"
#include "xsipura_srtp_profile.h"

#define NOW 1800000000

static struct xsp_ca *ca;
static struct xsp_mc spa_mc, edge_mc;
static struct xsp_subkey *spa_key, *edge_key;
static struct xs_srtp_engine *eng;

static int group_setup(void **state)
{
	uint8_t f[XSP_EXPIRY_LEN];
	(void)state;
	eng = xs_srtp_engine_create();
	return !eng || xsp_ca_generate(&ca) || xsp_expiry_parse("00:00:00 1/1/34", f) ||
	       xsp_mint(ca, NULL, "SPA", "2001", f, &spa_mc, &spa_key) ||
	       xsp_mint(ca, NULL, "Edge", "14085551234", f, &edge_mc, &edge_key);
}

static int group_teardown(void **state)
{
	(void)state;
	xsp_subkey_free(spa_key);
	xsp_subkey_free(edge_key);
	xsp_ca_free(ca);
	xs_srtp_engine_free(eng);
	return 0;
}

/* Handshake with each end's own assumptions; out: each end's keys. */
static void handshake(const char *caller_assume, const char *callee_assume,
		      struct xsp_assumptions *ac, struct xsp_assumptions *ae,
		      struct xsp_hs_keys *kc, struct xsp_hs_keys *ke)
{
	struct xsp_hs caller, callee;
	struct xsp_hs_config cc = { .role = XSP_ROLE_CALLER, .ca = ca, .own_mc = &spa_mc,
				    .own_key = spa_key, .own_ssrc = 0xcafe0001,
				    .dialled_user_id = "14085551234" };
	struct xsp_hs_config ec = { .role = XSP_ROLE_CALLEE, .ca = ca, .own_mc = &edge_mc,
				    .own_key = edge_key, .own_ssrc = 0xbeef0002 };
	char b1[XSP_BODY_MAX_LEN], b2[XSP_BODY_MAX_LEN], b3[XSP_BODY_MAX_LEN];
	size_t l1, l2, l3;
	xsp_assumptions_default(&cc.assumptions);
	xsp_assumptions_default(&ec.assumptions);
	assert_int_equal(xsp_assumptions_parse(&cc.assumptions, caller_assume, NULL), XSP_OK);
	assert_int_equal(xsp_assumptions_parse(&ec.assumptions, callee_assume, NULL), XSP_OK);
	*ac = cc.assumptions;
	*ae = ec.assumptions;
	assert_int_equal(xsp_hs_init(&caller, &cc), XSP_OK);
	assert_int_equal(xsp_hs_init(&callee, &ec), XSP_OK);
	assert_int_equal(xsp_hs_caller_hello(&caller, b1, sizeof(b1), &l1), XSP_OK);
	assert_int_equal(xsp_hs_callee_on_caller_hello(&callee, b1, l1, NOW, b2, sizeof(b2), &l2),
			 XSP_OK);
	assert_int_equal(xsp_hs_caller_on_callee_hello(&caller, b2, l2, NOW), XSP_OK);
	assert_int_equal(xsp_hs_caller_final(&caller, b3, sizeof(b3), &l3), XSP_OK);
	assert_int_equal(xsp_hs_callee_on_caller_final(&callee, b3, l3), XSP_OK);
	assert_int_equal(xsp_hs_caller_on_callee_final(&caller, "", 0), XSP_OK);
	assert_int_equal(xsp_hs_keys(&caller, kc), XSP_OK);
	assert_int_equal(xsp_hs_keys(&callee, ke), XSP_OK);
	xsp_hs_clear(&caller);
	xsp_hs_clear(&callee);
}

static struct xs_srtp_keys *keys_for(const struct xsp_assumptions *a,
				     const struct xsp_hs_keys *k)
{
	struct xs_srtp_policy pol;
	struct xs_srtp_keys *keys = NULL;
	xsp_srtp_policy(a, k, &pol);
	assert_int_equal(xs_srtp_keys_create(&pol, &keys), 0);
	OPENSSL_cleanse(&pol, sizeof(pol));
	return keys;
}

static size_t make_rtp(uint8_t *p, uint32_t ssrc, uint16_t seq)
{
	memset(p, 0, 12);
	p[0] = 0x80;
	p[1] = 0;
	p[2] = (uint8_t)(seq >> 8);
	p[3] = (uint8_t)seq;
	p[8] = (uint8_t)(ssrc >> 24);
	p[9] = (uint8_t)(ssrc >> 16);
	p[10] = (uint8_t)(ssrc >> 8);
	p[11] = (uint8_t)ssrc;
	for (int i = 0; i < 160; i++)
		p[12 + i] = (uint8_t)(i ^ seq);
	return 172;
}

static size_t make_rtcp(uint8_t *p, uint32_t ssrc)
{
	memset(p, 0, 28);
	p[0] = 0x80;
	p[1] = 200; /* SR */
	p[3] = 6;   /* length in words - 1 */
	p[4] = (uint8_t)(ssrc >> 24);
	p[5] = (uint8_t)(ssrc >> 16);
	p[6] = (uint8_t)(ssrc >> 8);
	p[7] = (uint8_t)ssrc;
	for (int i = 8; i < 28; i++)
		p[i] = (uint8_t)i;
	return 28;
}

#define GARBLED (-1) /* authenticated, but the payload did not decrypt to the original */

/* One packet from the sender's keys to the receiver's: returns the receiver's
 * status, or GARBLED. */
static int send_one(struct xs_srtp_keys *tx, struct xs_srtp_keys *rx, uint32_t ssrc, int rtcp,
		    uint16_t seq, bool rtcp_clear)
{
	uint8_t pkt[256], orig[256];
	struct xs_srtp_stream ts, rs;
	xs_srtp_stream_init(&ts, 128);
	xs_srtp_stream_init(&rs, 128);
	struct xs_srtp_xform txf = { tx, &ts }, rxf = { rx, &rs };
	size_t len = rtcp ? make_rtcp(pkt, ssrc) : make_rtp(pkt, ssrc, seq);
	memcpy(orig, pkt, len);
	struct xs_srtp_op op = { .pkt = pkt, .len = (uint32_t)len, .room = sizeof(pkt),
				 .out = &txf, .rtcp = (uint8_t)rtcp };
	xs_srtp_burst(eng, &op, 1);
	assert_string_equal(xs_srtp_status_name((enum xs_srtp_status)op.status), "ok");
	if (rtcp && rtcp_clear) {
		assert_int_equal(op.len, len); /* srtcp=clear: RTCP passes as it is */
		assert_memory_equal(pkt, orig, len);
	} else {
		assert_true(op.len > len);
	}
	if (!rtcp)
		assert_memory_not_equal(pkt + 12, orig + 12, 160); /* encrypted */
	struct xs_srtp_op back = { .pkt = pkt, .len = op.len, .room = sizeof(pkt), .in = &rxf,
				   .rtcp = (uint8_t)rtcp };
	xs_srtp_burst(eng, &back, 1);
	if (back.status == XS_SRTP_OK && (back.len != len || memcmp(pkt, orig, len)))
		return GARBLED;
	return back.status;
}

static void profile_defaults_agree_with_the_engine(void **state)
{
	struct xsp_assumptions a;
	struct xs_xsipura_profile mine, engine;
	(void)state;
	xsp_assumptions_default(&a);
	xsp_srtp_profile(&a, &mine);
	xs_xsipura_profile_default(&engine);
	assert_memory_equal(&mine, &engine, sizeof(mine));
}

static void media_flows_both_ways_after_handshake(void **state)
{
	static const char *const variants[] = {
		"",
		"key_wrap=joint srtp_tag_len=10",
		"srtp_kdf=direct srtp_salt_len=14",
		"srtp_auth=hmac_sha1 srtp_tag_len=10 srtcp=clear",
	};
	(void)state;
	for (size_t v = 0; v < sizeof(variants) / sizeof(variants[0]); v++) {
		struct xsp_assumptions ac, ae;
		struct xsp_hs_keys kc, ke;
		handshake(variants[v], variants[v], &ac, &ae, &kc, &ke);
		struct xs_srtp_keys *caller_keys = keys_for(&ac, &kc);
		struct xs_srtp_keys *callee_keys = keys_for(&ae, &ke);
		/* SPA (caller) -> edge, and edge -> SPA, RTP and RTCP */
		bool clear = ac.srtcp == XSP_SRTCP_CLEAR;
		assert_int_equal(send_one(caller_keys, callee_keys, kc.own_ssrc, 0, 1000, clear),
				 XS_SRTP_OK);
		assert_int_equal(send_one(callee_keys, caller_keys, ke.own_ssrc, 0, 7, clear),
				 XS_SRTP_OK);
		assert_int_equal(send_one(caller_keys, callee_keys, kc.own_ssrc, 1, 0, clear),
				 XS_SRTP_OK);
		assert_int_equal(ke.peer_ssrc, kc.own_ssrc);
		xs_srtp_keys_free(caller_keys);
		xs_srtp_keys_free(callee_keys);
		OPENSSL_cleanse(&kc, sizeof(kc));
		OPENSSL_cleanse(&ke, sizeof(ke));
	}
}

static void disagreeing_assumptions_fail_authentication(void **state)
{
	/* pairs of settings that must not interoperate. The salt length matters
	 * only without the KDF: the RFC 3711 KDF reads the first 14 bytes either way. */
	static const char *const pairs[][2] = {
		{ "", "srtp_tag_len=10" },
		{ "", "srtp_kdf=direct" },
		{ "", "srtp_auth=hmac_sha1" },
		{ "", "srtp_auth_key_len=20" },
		{ "srtp_kdf=direct", "srtp_kdf=direct srtp_salt_len=14" },
	};
	(void)state;
	for (size_t v = 0; v < sizeof(pairs) / sizeof(pairs[0]); v++) {
		struct xsp_assumptions ac, ae;
		struct xsp_hs_keys kc, ke;
		handshake(pairs[v][0], pairs[v][1], &ac, &ae, &kc, &ke);
		struct xs_srtp_keys *caller_keys = keys_for(&ac, &kc);
		struct xs_srtp_keys *callee_keys = keys_for(&ae, &ke);
		int st = send_one(caller_keys, callee_keys, kc.own_ssrc, 0, 1, false);
		if (st == XS_SRTP_OK)
			fail_msg("'%s' and '%s' interoperate", pairs[v][0], pairs[v][1]);
		/* the salt only enters the IV when the auth key is the master key */
		assert_int_equal(st, v == 4 ? GARBLED : XS_SRTP_E_AUTH);
		xs_srtp_keys_free(caller_keys);
		xs_srtp_keys_free(callee_keys);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(profile_defaults_agree_with_the_engine),
		cmocka_unit_test(media_flows_both_ways_after_handshake),
		cmocka_unit_test(disagreeing_assumptions_fail_authentication),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
