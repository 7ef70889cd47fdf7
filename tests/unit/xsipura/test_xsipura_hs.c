/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The handshake: caller and callee state machines talk through SIP body text
 * and end with the same master key and salt and crossed SSRCs, under both key
 * wrappings and with wrapped bodies; every negative case (bad signature, other
 * CA, expired, user-id mismatch, wrong state, damaged messages, strict message
 * ids) returns its own error and leaves the state as it was.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "xsipura_b64.h"
#include "xsipura_hs.h"
#include "xsipura_mint.h"

#define NOW 1800000000 /* 2027-01-15, before both certificates expire */
#define BODY_CAP 1024

struct party {
	struct xsp_mc mc;
	struct xsp_subkey *key;
};

static struct xsp_ca *ca, *other_ca;
static struct party spa, edge, stranger, expired, edge_other_ca;

static void mint(struct xsp_ca *by, const char *name, const char *id, const char *exp,
		 struct party *p)
{
	uint8_t f[XSP_EXPIRY_LEN];
	if (xsp_expiry_parse(exp, f) || xsp_mint(by, NULL, name, id, f, &p->mc, &p->key))
		fail_msg("mint %s", name);
}

static int group_setup(void **state)
{
	(void)state;
	if (xsp_ca_generate(&ca) || xsp_ca_generate(&other_ca))
		return -1;
	mint(ca, "SPA 1", "2001", "00:00:00 1/1/34", &spa);
	mint(ca, "Edge", "14085551234", "00:00:00 1/1/34", &edge);
	mint(ca, "Someone", "14085559999", "00:00:00 1/1/34", &stranger);
	mint(ca, "Old", "14085551234", "00:00:00 1/1/25", &expired);
	mint(other_ca, "Edge", "14085551234", "00:00:00 1/1/34", &edge_other_ca);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	struct party *all[] = { &spa, &edge, &stranger, &expired, &edge_other_ca };
	for (size_t i = 0; i < 5; i++)
		xsp_subkey_free(all[i]->key);
	xsp_ca_free(ca);
	xsp_ca_free(other_ca);
	return 0;
}

static void init(struct xsp_hs *hs, enum xsp_role role, const struct party *p, uint32_t ssrc,
		 const char *dialled, const char *assume)
{
	struct xsp_hs_config cfg = { .role = role, .ca = ca, .own_mc = &p->mc,
				     .own_key = p->key, .own_ssrc = ssrc,
				     .dialled_user_id = dialled };
	xsp_assumptions_default(&cfg.assumptions);
	if (assume)
		assert_int_equal(xsp_assumptions_parse(&cfg.assumptions, assume, NULL), XSP_OK);
	assert_int_equal(xsp_hs_init(hs, &cfg), XSP_OK);
}

/* Runs the whole exchange; returns the callee's Hello body for reuse. */
static void full_handshake(const char *assume, size_t want_final_len)
{
	struct xsp_hs caller, callee;
	char b1[BODY_CAP], b2[BODY_CAP], b3[BODY_CAP];
	size_t l1 = 0, l2 = 0, l3 = 0;
	struct xsp_hs_keys kc, ke;

	init(&caller, XSP_ROLE_CALLER, &spa, 0x11111111, "14085551234", assume);
	init(&callee, XSP_ROLE_CALLEE, &edge, 0x22222222, NULL, assume);
	assert_int_equal(xsp_hs_caller_hello(&caller, b1, sizeof(b1), &l1), XSP_OK);
	assert_int_equal(xsp_body_classify(b1, l1, caller.a.key_wrap), XSP_BODY_HELLO);
	assert_int_equal(xsp_hs_callee_on_caller_hello(&callee, b1, l1, NOW, b2, sizeof(b2), &l2),
			 XSP_OK);
	assert_int_equal(xsp_hs_caller_on_callee_hello(&caller, b2, l2, NOW), XSP_OK);
	assert_int_equal(xsp_hs_caller_final(&caller, b3, sizeof(b3), &l3), XSP_OK);
	assert_int_equal(xsp_body_classify(b3, l3, caller.a.key_wrap), XSP_BODY_FINAL);
	uint8_t raw[XSP_MSG_MAX_LEN];
	size_t rl = 0;
	assert_int_equal(xsp_b64_decode(b3, l3, raw, sizeof(raw), &rl), XSP_OK);
	assert_int_equal(rl, want_final_len);
	assert_int_equal(xsp_hs_keys(&caller, &kc), XSP_E_STATE); /* not before the 200 */
	assert_int_equal(xsp_hs_callee_on_caller_final(&callee, b3, l3), XSP_OK);
	assert_int_equal(xsp_hs_caller_on_callee_final(&caller, "", 0), XSP_OK);
	assert_int_equal(caller.state, XSP_HS_SECURE);
	assert_int_equal(callee.state, XSP_HS_SECURE);
	assert_int_equal(xsp_hs_keys(&caller, &kc), XSP_OK);
	assert_int_equal(xsp_hs_keys(&callee, &ke), XSP_OK);
	assert_memory_equal(kc.master_key, ke.master_key, 16);
	assert_memory_equal(kc.master_salt, ke.master_salt, 16);
	assert_int_equal(kc.own_ssrc, 0x11111111);
	assert_int_equal(kc.peer_ssrc, 0x22222222);
	assert_int_equal(ke.own_ssrc, 0x22222222);
	assert_int_equal(ke.peer_ssrc, 0x11111111);
	static const uint8_t zero[16];
	assert_memory_not_equal(kc.master_key, zero, 16);
	xsp_hs_clear(&caller);
	xsp_hs_clear(&callee);
}

static void handshake_separate_blocks(void **state)
{
	(void)state;
	full_handshake(NULL, 132);
}

static void handshake_joint_block_wrapped_bodies(void **state)
{
	(void)state;
	full_handshake("key_wrap=joint body_line_len=76 msgid_check=strict version_check=strict",
		       68);
}

static void fresh_keys_every_call(void **state)
{
	struct xsp_hs a, b;
	char b1[BODY_CAP], b2[BODY_CAP], f1[BODY_CAP], f2[BODY_CAP];
	size_t l1, l2, m1, m2;
	(void)state;
	init(&a, XSP_ROLE_CALLER, &spa, 1, "14085551234", NULL);
	init(&b, XSP_ROLE_CALLEE, &edge, 2, NULL, NULL);
	assert_int_equal(xsp_hs_caller_hello(&a, b1, sizeof(b1), &l1), XSP_OK);
	assert_int_equal(xsp_hs_callee_on_caller_hello(&b, b1, l1, NOW, b2, sizeof(b2), &l2), 0);
	assert_int_equal(xsp_hs_caller_on_callee_hello(&a, b2, l2, NOW), XSP_OK);
	assert_int_equal(xsp_hs_caller_final(&a, f1, sizeof(f1), &m1), XSP_OK);
	uint8_t k1[16];
	memcpy(k1, a.master_key, 16);
	xsp_hs_clear(&a);
	init(&a, XSP_ROLE_CALLER, &spa, 1, "14085551234", NULL);
	assert_int_equal(xsp_hs_caller_hello(&a, b1, sizeof(b1), &l1), XSP_OK);
	assert_int_equal(xsp_hs_caller_on_callee_hello(&a, b2, l2, NOW), XSP_OK);
	assert_int_equal(xsp_hs_caller_final(&a, f2, sizeof(f2), &m2), XSP_OK);
	assert_memory_not_equal(k1, a.master_key, 16);
	assert_string_not_equal(f1, f2);
	xsp_hs_clear(&a);
	xsp_hs_clear(&b);
}

/* The caller's checks on the Callee Hello, each with its own error; after each
 * failure the caller is still waiting and accepts the genuine Hello. */
static void caller_rejects_bad_callee_hello(void **state)
{
	struct { const struct party *who; enum xsp_err want; } cases[] = {
		{ &stranger, XSP_E_USER_ID_MISMATCH },
		{ &expired, XSP_E_EXPIRED },
		{ &edge_other_ca, XSP_E_WRONG_CA },
	};
	(void)state;
	for (size_t i = 0; i < 3; i++) {
		struct xsp_hs caller, callee;
		char b1[BODY_CAP], b2[BODY_CAP];
		size_t l1, l2;
		init(&caller, XSP_ROLE_CALLER, &spa, 1, "14085551234", NULL);
		/* the callee under test answers with its own (bad) certificate */
		struct xsp_hs_config cfg = { .role = XSP_ROLE_CALLEE, .ca = ca,
					     .own_mc = &cases[i].who->mc,
					     .own_key = cases[i].who->key, .own_ssrc = 2 };
		xsp_assumptions_default(&cfg.assumptions);
		assert_int_equal(xsp_hs_init(&callee, &cfg), XSP_OK);
		assert_int_equal(xsp_hs_caller_hello(&caller, b1, sizeof(b1), &l1), XSP_OK);
		assert_int_equal(
			xsp_hs_callee_on_caller_hello(&callee, b1, l1, NOW, b2, sizeof(b2), &l2),
			XSP_OK);
		struct xsp_hs snap = caller;
		assert_int_equal(xsp_hs_caller_on_callee_hello(&caller, b2, l2, NOW), cases[i].want);
		assert_memory_equal(&snap, &caller, sizeof(caller));
		xsp_hs_clear(&callee);
		xsp_hs_clear(&caller);
	}
}

static void tampered_and_malformed_messages(void **state)
{
	struct xsp_hs caller, callee;
	char b1[BODY_CAP], b2[BODY_CAP], b3[BODY_CAP], bad[BODY_CAP];
	size_t l1, l2, l3, n;
	uint8_t raw[XSP_MSG_MAX_LEN + 8];
	(void)state;
	init(&caller, XSP_ROLE_CALLER, &spa, 1, "14085551234", NULL);
	init(&callee, XSP_ROLE_CALLEE, &edge, 2, NULL, NULL);
	assert_int_equal(xsp_hs_caller_hello(&caller, b1, sizeof(b1), &l1), XSP_OK);

	/* callee: a Caller Hello with a flipped name byte, truncated, too long, junk */
	struct xsp_hs snap = callee;
	assert_int_equal(xsp_b64_decode(b1, l1, raw, sizeof(raw), &n), XSP_OK);
	raw[12] ^= 0x01;
	assert_int_equal(xsp_b64_encode(raw, n, 0, bad, sizeof(bad), &l3), XSP_OK);
	assert_int_equal(xsp_hs_callee_on_caller_hello(&callee, bad, l3, NOW, b2, sizeof(b2), &l2),
			 XSP_E_SIGNATURE);
	raw[12] ^= 0x01;
	assert_int_equal(xsp_b64_encode(raw, n - 1, 0, bad, sizeof(bad), &l3), XSP_OK);
	assert_int_equal(xsp_hs_callee_on_caller_hello(&callee, bad, l3, NOW, b2, sizeof(b2), &l2),
			 XSP_E_TRUNCATED);
	assert_int_equal(xsp_hs_callee_on_caller_hello(&callee, "%%%%", 4, NOW, b2, sizeof(b2),
						       &l2),
			 XSP_E_BASE64);
	raw[n] = 0;
	assert_int_equal(xsp_b64_encode(raw, n + 1, 0, bad, sizeof(bad), &l3), XSP_OK);
	assert_int_equal(xsp_hs_callee_on_caller_hello(&callee, bad, l3, NOW, b2, sizeof(b2), &l2),
			 XSP_E_LENGTH);
	assert_memory_equal(&snap, &callee, sizeof(callee));
	/* a Final before any Hello is the wrong state */
	assert_int_equal(xsp_hs_callee_on_caller_final(&callee, b1, l1), XSP_E_STATE);
	assert_int_equal(xsp_hs_caller_final(&caller, b3, sizeof(b3), &l3), XSP_E_STATE);
	assert_int_equal(xsp_hs_caller_hello(&caller, b3, sizeof(b3), &l3), XSP_E_STATE);
	assert_int_equal(xsp_hs_callee_on_caller_hello(&callee, b1, l1, NOW, b2, sizeof(b2), &l2),
			 XSP_OK);
	/* a retransmitted Hello gets the same answer; a different one is refused */
	char again[BODY_CAP];
	size_t la;
	assert_int_equal(xsp_hs_callee_on_caller_hello(&callee, b1, l1, NOW, again, sizeof(again),
						       &la),
			 XSP_OK);
	assert_int_equal(la, l2);
	assert_memory_equal(again, b2, l2);
	struct xsp_hs other;
	char ob[BODY_CAP];
	size_t ol;
	init(&other, XSP_ROLE_CALLER, &spa, 99, "14085551234", NULL);
	assert_int_equal(xsp_hs_caller_hello(&other, ob, sizeof(ob), &ol), XSP_OK);
	assert_int_equal(xsp_hs_callee_on_caller_hello(&callee, ob, ol, NOW, again, sizeof(again),
						       &la),
			 XSP_E_STATE);
	xsp_hs_clear(&other);

	assert_int_equal(xsp_hs_caller_on_callee_hello(&caller, b2, l2, NOW), XSP_OK);
	assert_int_equal(xsp_hs_caller_final(&caller, b3, sizeof(b3), &l3), XSP_OK);
	/* callee: damaged wrapped key, wrong length, a Hello where the Final belongs */
	snap = callee;
	assert_int_equal(xsp_b64_decode(b3, l3, raw, sizeof(raw), &n), XSP_OK);
	raw[20] ^= 0x40;
	assert_int_equal(xsp_b64_encode(raw, n, 0, bad, sizeof(bad), &l1), XSP_OK);
	assert_int_equal(xsp_hs_callee_on_caller_final(&callee, bad, l1), XSP_E_UNWRAP);
	raw[20] ^= 0x40;
	assert_int_equal(xsp_b64_encode(raw, 68, 0, bad, sizeof(bad), &l1), XSP_OK);
	assert_int_equal(xsp_hs_callee_on_caller_final(&callee, bad, l1), XSP_E_TRUNCATED);
	assert_int_equal(xsp_hs_callee_on_caller_final(&callee, b2, l2), XSP_E_LENGTH);
	assert_memory_equal(&snap, &callee, sizeof(callee));
	/* the caller's 200 to the Final must be empty */
	assert_int_equal(xsp_hs_caller_on_callee_final(&caller, "QUJD", 4), XSP_E_LENGTH);
	assert_int_equal(xsp_hs_callee_on_caller_final(&callee, b3, l3), XSP_OK);
	assert_int_equal(xsp_hs_caller_on_callee_final(&caller, "\r\n", 2), XSP_OK);
	xsp_hs_clear(&caller);
	xsp_hs_clear(&callee);
}

static void strict_message_ids_and_mismatched_wrap(void **state)
{
	struct xsp_hs caller, callee;
	char b1[BODY_CAP], b2[BODY_CAP], b3[BODY_CAP];
	size_t l1, l2, l3;
	(void)state;
	/* the caller numbers its Hello 7; a strict callee expects 1 */
	init(&caller, XSP_ROLE_CALLER, &spa, 1, "14085551234", "msgid_caller_hello=7");
	init(&callee, XSP_ROLE_CALLEE, &edge, 2, NULL, "msgid_check=strict");
	assert_int_equal(xsp_hs_caller_hello(&caller, b1, sizeof(b1), &l1), XSP_OK);
	assert_int_equal(xsp_hs_callee_on_caller_hello(&callee, b1, l1, NOW, b2, sizeof(b2), &l2),
			 XSP_E_MSGID);
	xsp_hs_clear(&callee);
	/* version/flags */
	init(&callee, XSP_ROLE_CALLEE, &edge, 2, NULL, "version_check=strict version_flags=2");
	assert_int_equal(xsp_hs_callee_on_caller_hello(&callee, b1, l1, NOW, b2, sizeof(b2), &l2),
			 XSP_E_VERSION);
	xsp_hs_clear(&callee);
	/* a joint-wrap Final to a callee assuming separate blocks is the wrong length */
	xsp_hs_clear(&caller);
	init(&caller, XSP_ROLE_CALLER, &spa, 1, "14085551234", "key_wrap=joint");
	init(&callee, XSP_ROLE_CALLEE, &edge, 2, NULL, NULL);
	assert_int_equal(xsp_hs_caller_hello(&caller, b1, sizeof(b1), &l1), XSP_OK);
	assert_int_equal(xsp_hs_callee_on_caller_hello(&callee, b1, l1, NOW, b2, sizeof(b2), &l2),
			 XSP_OK);
	assert_int_equal(xsp_hs_caller_on_callee_hello(&caller, b2, l2, NOW), XSP_OK);
	assert_int_equal(xsp_hs_caller_final(&caller, b3, sizeof(b3), &l3), XSP_OK);
	assert_int_equal(xsp_hs_callee_on_caller_final(&callee, b3, l3), XSP_E_TRUNCATED);
	assert_int_equal(callee.state, XSP_HS_WAIT_CALLER_FINAL);
	xsp_hs_clear(&caller);
	xsp_hs_clear(&callee);
}

static void init_checks(void **state)
{
	struct xsp_hs hs;
	struct xsp_hs_config cfg = { .role = XSP_ROLE_CALLER, .ca = ca, .own_mc = &spa.mc,
				     .own_key = spa.key, .own_ssrc = 1 };
	(void)state;
	xsp_assumptions_default(&cfg.assumptions);
	assert_int_equal(xsp_hs_init(&hs, &cfg), XSP_E_INVAL); /* caller needs a dialled id */
	cfg.dialled_user_id = "12345678901234567";
	assert_int_equal(xsp_hs_init(&hs, &cfg), XSP_E_INVAL);
	cfg.dialled_user_id = "2001";
	cfg.own_key = edge.key; /* certificate and key of different subscribers */
	assert_int_equal(xsp_hs_init(&hs, &cfg), XSP_E_KEY_MISMATCH);
	cfg.own_key = spa.key;
	assert_int_equal(xsp_hs_init(&hs, &cfg), XSP_OK);
	assert_string_equal(xsp_hs_state_name(hs.state), "idle");
	xsp_hs_clear(&hs);
	assert_int_equal(xsp_body_classify("hello", 5, XSP_KEY_WRAP_SEPARATE),
			 XSP_BODY_NOT_XSIPURA);
	assert_int_equal(xsp_body_classify(" \r\n", 3, XSP_KEY_WRAP_SEPARATE), XSP_BODY_EMPTY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(handshake_separate_blocks),
		cmocka_unit_test(handshake_joint_block_wrapped_bodies),
		cmocka_unit_test(fresh_keys_every_call),
		cmocka_unit_test(caller_rejects_bad_callee_hello),
		cmocka_unit_test(tampered_and_malformed_messages),
		cmocka_unit_test(strict_message_ids_and_mismatched_wrap),
		cmocka_unit_test(init_checks),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
