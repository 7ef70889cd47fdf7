/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The x-sipura text codecs: base64 (RFC 4648 section 10 vectors, strictness),
 * the expiry field (the guide's example, calendar rules), the assumption table
 * (defaults, parsing all-or-nothing, listing) and the error names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "xsipura_assumptions.h"
#include "xsipura_b64.h"
#include "xsipura_err.h"
#include "xsipura_expiry.h"

static void b64_rfc4648_vectors(void **state)
{
	static const char *const plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const enc[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=",
					   "Zm9vYmFy" };
	(void)state;
	for (size_t i = 0; i < 7; i++) {
		char out[16];
		uint8_t back[16];
		size_t olen = 0, blen = 0;
		assert_int_equal(xsp_b64_encode((const uint8_t *)plain[i], strlen(plain[i]), 0, out,
						sizeof(out), &olen),
				 XSP_OK);
		assert_string_equal(out, enc[i]);
		assert_int_equal(olen, strlen(enc[i]));
		assert_int_equal(xsp_b64_decode(enc[i], strlen(enc[i]), back, sizeof(back), &blen),
				 XSP_OK);
		assert_int_equal(blen, strlen(plain[i]));
		assert_memory_equal(back, plain[i], blen);
	}
}

static void b64_layout_lenient_content_strict(void **state)
{
	uint8_t out[16];
	size_t n = 0;
	(void)state;
	/* whitespace anywhere is skipped (SIP bodies and provisioning get wrapped) */
	assert_int_equal(xsp_b64_decode(" Zm9v\r\nYmFy \n", 13, out, sizeof(out), &n), XSP_OK);
	assert_int_equal(n, 6);
	assert_memory_equal(out, "foobar", 6);
	/* a character outside the alphabet, bad padding, non-canonical trailing bits */
	assert_int_equal(xsp_b64_decode("Zm9*", 4, out, sizeof(out), &n), XSP_E_BASE64);
	assert_int_equal(xsp_b64_decode("Zg=", 3, out, sizeof(out), &n), XSP_E_BASE64);
	assert_int_equal(xsp_b64_decode("Z===", 4, out, sizeof(out), &n), XSP_E_BASE64);
	assert_int_equal(xsp_b64_decode("Zg==Zg==", 8, out, sizeof(out), &n), XSP_E_BASE64);
	assert_int_equal(xsp_b64_decode("Zh==", 4, out, sizeof(out), &n), XSP_E_BASE64);
	assert_int_equal(xsp_b64_decode("Zm9", 3, out, sizeof(out), &n), XSP_E_BASE64);
	/* output larger than the buffer */
	assert_int_equal(xsp_b64_decode("Zm9vYmFy", 8, out, 5, &n), XSP_E_LENGTH);
	/* the encoder refuses a short buffer */
	char small[8];
	assert_int_equal(xsp_b64_encode((const uint8_t *)"foobar", 6, 0, small, sizeof(small), &n),
			 XSP_E_BUFFER);
}

static void b64_line_wrapping(void **state)
{
	uint8_t in[30];
	char out[80];
	uint8_t back[30];
	size_t n = 0, m = 0;
	(void)state;
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 37);
	assert_int_equal(xsp_b64_encode(in, sizeof(in), 16, out, sizeof(out), &n), XSP_OK);
	assert_non_null(strstr(out, "\r\n"));
	assert_int_equal(out[16], '\r');
	assert_int_equal(xsp_b64_decode(out, n, back, sizeof(back), &m), XSP_OK);
	assert_int_equal(m, sizeof(in));
	assert_memory_equal(back, in, sizeof(in));
}

static void expiry_guide_example(void **state)
{
	uint8_t f[XSP_EXPIRY_LEN];
	char text[XSP_EXPIRY_TEXT_LEN];
	time_t t = 0;
	(void)state;
	/* "00:00:00 1/1/34" (34=2034) is stored as 000000010134 */
	assert_int_equal(xsp_expiry_parse("00:00:00 1/1/34", f), XSP_OK);
	assert_memory_equal(f, "000000010134", 12);
	assert_int_equal(xsp_expiry_parse("23:59:58 12/31/2099", f), XSP_OK);
	assert_memory_equal(f, "235958123199", 12);
	assert_int_equal(xsp_expiry_parse("000000010134", f), XSP_OK);
	assert_int_equal(xsp_expiry_format(f, text), XSP_OK);
	assert_string_equal(text, "2034-01-01 00:00:00");
	assert_int_equal(xsp_expiry_time(f, XSP_CLOCK_UTC, &t), XSP_OK);
	assert_int_equal((long long)t, 2019686400LL); /* date -u -d 2034-01-01 +%s */
}

static void expiry_rejects_non_dates(void **state)
{
	static const char *const bad[] = {
		"24:00:00 1/1/34", "00:60:00 1/1/34", "00:00:60 1/1/34", "00:00:00 13/1/34",
		"00:00:00 0/1/34",  "00:00:00 2/30/34", "00:00:00 2/29/33", "00:00:00 1/1/1999",
		"00:00:00 1/1/3",   "0:0:0 1/1/34x",   "00:00:00  1/1/34", "tomorrow", "",
		"00000001013",      "0000000101345",   "99999999999a",     "000000130134",
	};
	uint8_t f[XSP_EXPIRY_LEN] = { 'x' };
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(xsp_expiry_parse(bad[i], f), XSP_E_DATE);
		assert_int_equal(f[0], 'x'); /* untouched on error */
	}
	/* 2/29 exists in leap years */
	assert_int_equal(xsp_expiry_parse("00:00:00 2/29/32", f), XSP_OK);
	assert_int_equal(xsp_expiry_validate((const uint8_t *)"000000022933"), XSP_E_DATE);
}

static void assumptions_defaults_and_parse(void **state)
{
	struct xsp_assumptions a, before;
	const char *bad = NULL;
	char buf[128];
	(void)state;
	xsp_assumptions_default(&a);
	assert_int_equal(xsp_assumptions_validate(&a), XSP_OK);
	assert_int_equal(a.key_wrap, XSP_KEY_WRAP_SEPARATE);
	assert_int_equal(a.srtp_auth, XSP_SRTP_AUTH_HMAC_MD5);
	assert_int_equal(a.srtp_tag_len, 4);
	assert_int_equal(a.expiry_clock, XSP_CLOCK_UTC);

	assert_int_equal(xsp_assumptions_parse(&a, "key_wrap=joint, srtp_tag_len=10;srtcp=clear",
					       &bad),
			 XSP_OK);
	assert_int_equal(a.key_wrap, XSP_KEY_WRAP_JOINT);
	assert_int_equal(a.srtp_tag_len, 10);
	assert_int_equal(a.srtcp, XSP_SRTCP_CLEAR);

	/* all or nothing: a bad item anywhere leaves everything as it was */
	before = a;
	assert_int_equal(xsp_assumptions_parse(&a, "key_wrap=separate srtp_tag_len=13", &bad),
			 XSP_E_ASSUMPTION_VALUE);
	assert_non_null(bad);
	assert_int_equal(strncmp(bad, "srtp_tag_len=13", 15), 0);
	assert_memory_equal(&a, &before, sizeof(a));
	assert_int_equal(xsp_assumptions_parse(&a, "key_wrap=separate no_such=1", &bad),
			 XSP_E_ASSUMPTION_NAME);
	assert_memory_equal(&a, &before, sizeof(a));
	assert_int_equal(xsp_assumptions_set(&a, "key_wrap"), XSP_E_ASSUMPTION_VALUE);
	assert_int_equal(xsp_assumptions_set(&a, "msgid_caller_hello=0x10"), XSP_OK);
	assert_int_equal(a.msgid_caller_hello, 16);

	/* every row lists, documents and round-trips its own value */
	assert_true(xsp_assumptions_count() >= 15);
	for (size_t i = 0; i < xsp_assumptions_count(); i++) {
		char item[160];
		struct xsp_assumptions c = a;
		assert_non_null(xsp_assumption_name(i));
		assert_true(strlen(xsp_assumption_doc(i)) > 10);
		assert_int_equal(xsp_assumption_values(i, buf, sizeof(buf)), XSP_OK);
		assert_int_equal(xsp_assumption_get(&a, i, buf, sizeof(buf)), XSP_OK);
		snprintf(item, sizeof(item), "%s=%s", xsp_assumption_name(i), buf);
		assert_int_equal(xsp_assumptions_set(&c, item), XSP_OK);
		assert_memory_equal(&c, &a, sizeof(a));
	}
	assert_null(xsp_assumption_name(xsp_assumptions_count()));
}

static void error_names_are_distinct(void **state)
{
	(void)state;
	for (int i = 0; i < XSP_E_COUNT; i++) {
		assert_true(strlen(xsp_err_name((enum xsp_err)i)) > 1);
		assert_true(strlen(xsp_err_str((enum xsp_err)i)) > 5);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(xsp_err_name((enum xsp_err)i),
						xsp_err_name((enum xsp_err)j));
	}
	assert_string_equal(xsp_err_name((enum xsp_err)XSP_E_COUNT), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(b64_rfc4648_vectors),
		cmocka_unit_test(b64_layout_lenient_content_strict),
		cmocka_unit_test(b64_line_wrapping),
		cmocka_unit_test(expiry_guide_example),
		cmocka_unit_test(expiry_rejects_non_dates),
		cmocka_unit_test(assumptions_defaults_and_parse),
		cmocka_unit_test(error_names_are_distinct),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
