/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer: every x-sipura parser that takes input from the network or from an
 * operator's files. The first byte picks the parser, the rest is its input:
 *   0 Mini_Certificate parameter    1 raw 252-byte MC
 *   2 INFO body -> Hello            3 INFO body -> Caller Final (both wrappings)
 *   4 CA key file (gen_mc or PEM)   5 assumption list
 *   6 expiry argument               7 SRTP_Private_Key parameter
 *   8 callee state machine: a Caller Hello body, then a Caller Final body
 *   9 caller state machine: a Callee Hello body
 * Properties checked beyond "no crash": a decoded MC re-encodes to its input;
 * a failed call leaves its state and outputs exactly as they were.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xsipura_assumptions.h"
#include "xsipura_ca.h"
#include "xsipura_expiry.h"
#include "xsipura_hs.h"
#include "xsipura_mc.h"
#include "xsipura_mint.h"
#include "xsipura_msg.h"
#include "xsipura_subkey.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct xsp_ca *ca;
static struct xsp_mc spa_mc, edge_mc;
static struct xsp_subkey *spa_key, *edge_key;

static void setup_once(void)
{
	uint8_t f[XSP_EXPIRY_LEN];
	if (ca)
		return;
	if (xsp_ca_generate(&ca) || xsp_expiry_parse("00:00:00 1/1/34", f) ||
	    xsp_mint(ca, NULL, "SPA", "2001", f, &spa_mc, &spa_key) ||
	    xsp_mint(ca, NULL, "Edge", "14085551234", f, &edge_mc, &edge_key))
		abort();
}

static void init_hs(struct xsp_hs *hs, enum xsp_role role)
{
	struct xsp_hs_config cfg = {
		.role = role, .ca = ca,
		.own_mc = role == XSP_ROLE_CALLER ? &spa_mc : &edge_mc,
		.own_key = role == XSP_ROLE_CALLER ? spa_key : edge_key,
		.own_ssrc = 7, .dialled_user_id = "14085551234",
	};
	xsp_assumptions_default(&cfg.assumptions);
	if (xsp_hs_init(hs, &cfg))
		abort();
}

static void fuzz_callee(const char *in, size_t len)
{
	struct xsp_hs hs, snap;
	char reply[XSP_BODY_MAX_LEN];
	size_t rlen = 0, cut = len / 2;
	init_hs(&hs, XSP_ROLE_CALLEE);
	snap = hs;
	if (xsp_hs_callee_on_caller_hello(&hs, in, cut, 1800000000, reply, sizeof(reply), &rlen)) {
		if (memcmp(&snap, &hs, sizeof(hs)))
			abort();
	} else {
		snap = hs;
		if (xsp_hs_callee_on_caller_final(&hs, in + cut, len - cut) &&
		    memcmp(&snap, &hs, sizeof(hs)))
			abort();
	}
	xsp_hs_clear(&hs);
}

static void fuzz_caller(const char *in, size_t len)
{
	struct xsp_hs hs, snap;
	char body[XSP_BODY_MAX_LEN];
	size_t blen = 0;
	init_hs(&hs, XSP_ROLE_CALLER);
	if (xsp_hs_caller_hello(&hs, body, sizeof(body), &blen))
		abort();
	snap = hs;
	if (xsp_hs_caller_on_callee_hello(&hs, in, len, 1800000000) &&
	    memcmp(&snap, &hs, sizeof(hs)))
		abort();
	xsp_hs_clear(&hs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 4096)
		return 0;
	setup_once();
	/* A NUL-terminated copy: some parsers take C strings. */
	char *in = malloc(size);
	memcpy(in, data + 1, size - 1);
	in[size - 1] = '\0';
	size_t len = size - 1;
	struct xsp_mc mc;
	uint8_t ca_n[XSP_CA_MOD_LEN], buf[XSP_MSG_MAX_LEN], out[XSP_MC_LEN];
	size_t n = 0;

	switch (data[0] % 10) {
	case 0:
		(void)xsp_mc_param_decode(in, len, &mc, ca_n);
		break;
	case 1:
		if (xsp_mc_decode((const uint8_t *)in, len, &mc) == XSP_OK) {
			xsp_mc_encode(&mc, out);
			if (memcmp(out, in, XSP_MC_LEN))
				abort();
			(void)xsp_mc_verify(&mc, ca);
		}
		break;
	case 2: {
		struct xsp_hello h;
		if (xsp_body_decode(in, len, buf, &n) == XSP_OK)
			(void)xsp_hello_decode(buf, n, &h);
		break;
	}
	case 3: {
		struct xsp_final f;
		if (xsp_body_decode(in, len, buf, &n) == XSP_OK) {
			(void)xsp_final_decode(buf, n, XSP_KEY_WRAP_SEPARATE, &f);
			(void)xsp_final_decode(buf, n, XSP_KEY_WRAP_JOINT, &f);
		}
		(void)xsp_body_classify(in, len, XSP_KEY_WRAP_SEPARATE);
		break;
	}
	case 4: {
		struct xsp_ca *k = NULL;
		if (xsp_ca_parse(in, len, &k) == XSP_OK)
			xsp_ca_free(k);
		break;
	}
	case 5: {
		struct xsp_assumptions a, b;
		const char *bad = NULL;
		xsp_assumptions_default(&a);
		b = a;
		if (xsp_assumptions_parse(&a, in, &bad) != XSP_OK && memcmp(&a, &b, sizeof(a)))
			abort();
		break;
	}
	case 6: {
		uint8_t f[XSP_EXPIRY_LEN];
		(void)xsp_expiry_parse(in, f);
		break;
	}
	case 7: {
		struct xsp_subkey *k = NULL;
		if (xsp_subkey_from_param(in, len, spa_mc.pubkey, &k) == XSP_OK)
			xsp_subkey_free(k);
		break;
	}
	case 8:
		fuzz_callee(in, len);
		break;
	case 9:
		fuzz_caller(in, len);
		break;
	}
	free(in);
	return 0;
}
