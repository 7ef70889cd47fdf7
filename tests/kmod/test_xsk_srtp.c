// SPDX-License-Identifier: BSD-3-Clause
/*
 * Userspace tests of xsrelay.ko's shared packet logic (kmod/xsk_srtp.c,
 * kmod/xsk_codec.c) with OpenSSL crypto, against the same RFC 3711 / libsrtp
 * vectors as the engine's tests/unit/srtp/test_srtp_kat.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "xsk_codec.h"
#include "xsk_ossl.h"

static size_t unhex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;
	unsigned v;

	while (s[0] && s[1] && n < max && sscanf(s, "%2x", &v) == 1) {
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

static void assert_hex_equal(const uint8_t *got, const char *want_hex)
{
	uint8_t want[256];
	size_t n = unhex(want_hex, want, sizeof(want));

	assert_memory_equal(got, want, n);
}

struct ctr_key {
	uint8_t key[32];
	int key_len;
	void *e;
};

static void test_rfc3711_b3_kdf(void **state)
{
	struct xs_dp_crypto c = { .suite = 1, .key_len = 16, .salt_len = 14 };
	struct xsk_dir_plan rtp, rtcp;
	struct xsk_dir_material m;
	struct ctr_key master = { .key_len = 16 };
	(void)state;

	unhex("E1F97A0D3E018BE0D64FA32C06DE4139", c.master_key, 16);
	unhex("0EC675AD498AFEEBB6960B3AABE6", c.master_salt, 14);
	memcpy(master.key, c.master_key, 16);
	assert_int_equal(xsk_plan(&c, &rtp, &rtcp), 0);
	assert_int_equal(xsk_derive(&c, &rtp, &xsk_ossl_ops, &master, &m), 0);
	assert_hex_equal(m.enc_key, "C61E7A93744F39EE10734AFE3FF7A087");
	assert_hex_equal(m.salt, "30CBBC08863D8C85D49DB34A9AE1");
	assert_hex_equal(m.auth_key, "CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4");
}

struct packet_vector {
	unsigned suite;
	const char *key, *salt, *plain, *cipher;
};

/* libsrtp test/srtp_driver.c srtp_validate() and srtp_validate_aes_256(). */
static const struct packet_vector vectors[] = {
	{ 1, "e1f97a0d3e018be0d64fa32c06de4139", "0ec675ad498afeebb6960b3aabe6",
	  "800f1234decafbadcafebabeabababababababababababababababab",
	  "800f1234decafbadcafebabe4e55dc4ce79978d88ca4d215949d2402b78d6acc99ea179b8dbb" },
	{ 3, "f0f04914b513f2763a1b1fa130f10e2998f6f6e43e4309d1e622a0e332b9f1b6",
	  "3b04803de51ee7c96423ab5b78d2",
	  "800f1234decafbadcafebabeabababababababababababababababab",
	  "800f1234decafbadcafebabef1d9de17ff251ff1aa007774b0b4b40da08d9d9a5b3a55d8873b" },
};

static void test_packet_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const struct packet_vector *v = &vectors[i];
		struct xs_dp_crypto c = { .suite = v->suite };
		struct xsk_ossl_keys k;
		struct xsk_stream tx, rx, before;
		uint8_t buf[256], want[256];
		uint32_t len, plain_len, cipher_len;

		c.key_len = (uint8_t)unhex(v->key, c.master_key, 32);
		c.salt_len = (uint8_t)unhex(v->salt, c.master_salt, 16);
		assert_int_equal(xsk_ossl_keys_new(&c, &k), 0);
		xsk_stream_init(&tx, 0);
		xsk_stream_init(&rx, 0);
		plain_len = (uint32_t)unhex(v->plain, buf, sizeof(buf));
		cipher_len = (uint32_t)unhex(v->cipher, want, sizeof(want));
		len = plain_len;
		assert_int_equal(xsk_protect(&xsk_ossl_ops, &k.keys, &tx, buf, &len, sizeof(buf),
					     false), XSK_OK);
		assert_int_equal(len, cipher_len);
		assert_memory_equal(buf, want, cipher_len);

		assert_int_equal(xsk_unprotect(&xsk_ossl_ops, &k.keys, &rx, buf, &len, false),
				 XSK_OK);
		assert_int_equal(len, plain_len);
		unhex(v->plain, want, sizeof(want));
		assert_memory_equal(buf, want, plain_len);

		/* replay: rejected, nothing changes */
		before = rx;
		len = (uint32_t)unhex(v->cipher, buf, sizeof(buf));
		assert_int_equal(xsk_unprotect(&xsk_ossl_ops, &k.keys, &rx, buf, &len, false),
				 XSK_E_REPLAY);
		assert_memory_equal(&before, &rx, sizeof(rx));
		assert_int_equal(xsk_status_counter(XSK_E_REPLAY), XSK_FCNT_replay);

		/* forged tag: rejected, nothing changes */
		xsk_stream_init(&rx, 0);
		before = rx;
		buf[cipher_len - 1] ^= 1;
		assert_int_equal(xsk_unprotect(&xsk_ossl_ops, &k.keys, &rx, buf, &len, false),
				 XSK_E_AUTH);
		assert_memory_equal(&before, &rx, sizeof(rx));
		assert_int_equal(xsk_status_counter(XSK_E_AUTH), XSK_FCNT_auth_fail);
		xsk_ossl_keys_free(&k);
	}
}

static void test_rtcp_roundtrip(void **state)
{
	struct xs_dp_crypto c = { .suite = 1, .key_len = 16, .salt_len = 14 };
	struct xsk_ossl_keys k;
	struct xsk_stream tx, rx;
	uint8_t buf[128], orig[28];
	uint32_t len = sizeof(orig);
	(void)state;

	memset(c.master_key, 7, 16);
	memset(c.master_salt, 9, 14);
	memset(orig, 0x5a, sizeof(orig));
	orig[0] = 0x80;
	orig[1] = 200;
	memcpy(buf, orig, sizeof(orig));
	assert_int_equal(xsk_ossl_keys_new(&c, &k), 0);
	xsk_stream_init(&tx, 0);
	xsk_stream_init(&rx, 0);
	assert_int_equal(xsk_protect(&xsk_ossl_ops, &k.keys, &tx, buf, &len, sizeof(buf), true),
			 XSK_OK);
	assert_int_equal(len, sizeof(orig) + 4 + 10);
	assert_int_equal(xsk_unprotect(&xsk_ossl_ops, &k.keys, &rx, buf, &len, true), XSK_OK);
	assert_int_equal(len, sizeof(orig));
	assert_memory_equal(buf, orig, sizeof(orig));
	xsk_ossl_keys_free(&k);
}

static void test_roc_and_window(void **state)
{
	struct xsk_rtp_state st = { 0 };
	s64 delta;
	uint64_t idx;
	(void)state;

	st.index = (5ull << 16) | 65530;
	idx = xsk_rtp_index_estimate(&st, 3, &delta);	/* wrapped: ROC + 1 */
	assert_int_equal(idx, (6ull << 16) | 3);
	assert_int_equal(delta, 9);
	xsk_rtp_replay_commit(&st, 128, idx, delta);
	idx = xsk_rtp_index_estimate(&st, 65531, &delta);	/* late, previous ROC */
	assert_int_equal(idx, (5ull << 16) | 65531);
	assert_int_equal(xsk_rtp_replay_check(&st, 128, delta), XSK_OK);
	xsk_rtp_replay_commit(&st, 128, idx, delta);
	assert_int_equal(xsk_rtp_replay_check(&st, 128, delta), XSK_E_REPLAY);
	idx = xsk_rtp_index_estimate(&st, (uint16_t)(3 - 200), &delta);
	assert_int_equal(xsk_rtp_replay_check(&st, 128, delta), XSK_E_TOO_OLD);
}

static void test_ipv4_rewrite(void **state)
{
	struct xs_dp_flow f = { 0 };
	uint8_t pkt[28 + 4] = { 0 };
	uint32_t sum = 0;
	(void)state;

	f.out_src = (struct xs_dp_addr){ .family = 4, .port = 1000, .addr = { 10, 0, 0, 1 } };
	f.out_dst = (struct xs_dp_addr){ .family = 4, .port = 2000, .addr = { 10, 0, 0, 2 } };
	memcpy(pkt + 28, "abcd", 4);
	xsk_ipv4_rewrite(pkt, &f, true, 4, 0, 1);
	assert_int_equal(pkt[20] << 8 | pkt[21], 1001);	/* RTCP: port + 1 */
	assert_int_equal(pkt[22] << 8 | pkt[23], 2001);
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)(pkt[i] << 8 | pkt[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	assert_int_equal(sum, 0xffff);	/* header checksum verifies */
}

static void test_codec(void **state)
{
	struct {
		struct xs_dp_hdr h;
		struct xs_dp_hello hello;
	} m = { .h = { .type = XS_DP_MSG_HELLO, .len = sizeof(m) } };
	const char *why;
	(void)state;

	xs_dp_hello_fill(&m.hello);
	assert_int_equal(xsk_request_check(&m, sizeof(m), &why), 0);
	assert_int_equal(xsk_hello_check(&m.hello, &why), 0);
	m.hello.sizes[XS_DP_SIZE_flow]++;
	assert_int_equal(xsk_hello_check(&m.hello, &why), -EPROTO);
	m.h.len--;
	assert_int_equal(xsk_request_check(&m, sizeof(m), &why), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc3711_b3_kdf),
		cmocka_unit_test(test_packet_vectors),
		cmocka_unit_test(test_rtcp_roundtrip),
		cmocka_unit_test(test_roc_and_window),
		cmocka_unit_test(test_ipv4_rewrite),
		cmocka_unit_test(test_codec),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
