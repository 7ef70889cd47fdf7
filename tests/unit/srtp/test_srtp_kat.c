/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Known-answer tests for the SRTP engine:
 *   RFC 3711 appendix B.2 (AES-CM keystream) and B.3 (key derivation),
 *   RFC 6188 section 7.2 (AES-256 key derivation),
 *   whole-packet vectors from libsrtp's srtp_validate() for
 *   AES_CM_128_HMAC_SHA1_80 and AES_256_CM_HMAC_SHA1_80.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "srtp_internal.h"
#include "xs_srtp.h"

static size_t unhex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;
	while (s[0] && s[1] && n < max) {
		if (s[0] == ' ') {
			s++;
			continue;
		}
		unsigned v;
		sscanf(s, "%2x", &v);
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

static void assert_hex_equal(const uint8_t *got, const char *want_hex)
{
	uint8_t want[4096];
	size_t n = unhex(want_hex, want, sizeof(want));
	assert_memory_equal(got, want, n);
}

/* ------------------------------------------------------------ key derivation */

static void test_rfc3711_b3_kdf(void **state)
{
	uint8_t key[16], salt[14], out[20];
	(void)state;
	unhex("E1F97A0D3E018BE0D64FA32C06DE4139", key, 16);
	unhex("0EC675AD498AFEEBB6960B3AABE6", salt, 14);

	assert_int_equal(xs_srtp_kdf(key, 16, salt, 0x00, out, 16), 0);
	assert_hex_equal(out, "C61E7A93744F39EE10734AFE3FF7A087");
	assert_int_equal(xs_srtp_kdf(key, 16, salt, 0x02, out, 14), 0);
	assert_hex_equal(out, "30CBBC08863D8C85D49DB34A9AE1");
	assert_int_equal(xs_srtp_kdf(key, 16, salt, 0x01, out, 20), 0);
	assert_hex_equal(out, "CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4");
}

static void test_rfc6188_kdf_aes256(void **state)
{
	uint8_t key[32], salt[14], out[32];
	(void)state;
	unhex("f0f04914b513f2763a1b1fa130f10e2998f6f6e43e4309d1e622a0e332b9f1b6", key, 32);
	unhex("3b04803de51ee7c96423ab5b78d2", salt, 14);

	assert_int_equal(xs_srtp_kdf(key, 32, salt, 0x00, out, 32), 0);
	assert_hex_equal(out, "5ba1064e30ec51613cad926c5a28ef731ec7fb397f70a960653caf06554cd8c4");
	assert_int_equal(xs_srtp_kdf(key, 32, salt, 0x02, out, 14), 0);
	assert_hex_equal(out, "fa31791685ca444a9e07c6c64e93");
	assert_int_equal(xs_srtp_kdf(key, 32, salt, 0x01, out, 20), 0);
	assert_hex_equal(out, "fd9c32d39ed5fbb5a9dc96b30818454d1313dc05");
}

/* ------------------------------------------------------------ keystream */

/*
 * RFC 3711 B.2 gives the AES-CM keystream for session key 2B7E...4F3C, session
 * salt F0F1...FCFD, SSRC 0, index 0. The x-sipura profile with the DIRECT key
 * schedule uses the master key and salt as session key and salt, so protecting
 * an all-zero payload under it yields that keystream through the engine's own
 * IV construction and intel-ipsec-mb's counter. The RFC's later blocks (0xFEFF
 * on) lie beyond the largest UDP payload, so 4,000 blocks (past the 0x00FF ->
 * 0x0100 carry) are checked against OpenSSL's AES-128-CTR instead.
 */
static void test_rfc3711_b2_keystream(void **state)
{
	struct xs_srtp_policy pol;
	struct xs_srtp_keys *keys;
	struct xs_srtp_stream stream;
	struct xs_srtp_engine *eng = xs_srtp_engine_create();
	const size_t payload = 4000 * 16, room = 12 + payload + 64;
	uint8_t *pkt = calloc(1, room), *ref = calloc(1, payload);
	uint8_t iv[16];
	int outl;
	(void)state;

	assert_non_null(eng);
	assert_non_null(pkt);
	memset(&pol, 0, sizeof(pol));
	pol.suite = XS_SUITE_XSIPURA;
	xs_xsipura_profile_default(&pol.xsipura);
	pol.xsipura.kdf = XS_XSIPURA_KDF_DIRECT;
	pol.xsipura.salt_len = 14;
	pol.key_len = 16;
	pol.salt_len = 14;
	unhex("2B7E151628AED2A6ABF7158809CF4F3C", pol.master_key, 16);
	unhex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD", pol.master_salt, 14);
	assert_int_equal(xs_srtp_keys_create(&pol, &keys), 0);
	xs_srtp_stream_init(&stream, 0);

	pkt[0] = 0x80; /* V=2, seq 0, ts 0, SSRC 0 */
	struct xs_srtp_xform out = { keys, &stream };
	struct xs_srtp_op op = { .pkt = pkt, .len = (uint32_t)(12 + payload),
				 .room = (uint32_t)room, .out = &out };
	xs_srtp_burst(eng, &op, 1);
	assert_string_equal(xs_srtp_status_name(op.status), "ok");
	assert_int_equal(op.len, 12 + payload + 4);

	const uint8_t *ks = pkt + 12;
	assert_hex_equal(ks + 0 * 16, "E03EAD0935C95E80E166B16DD92B4EB4");
	assert_hex_equal(ks + 1 * 16, "D23513162B02D0F72A43A2FE4A5F97AB");
	assert_hex_equal(ks + 2 * 16, "41E95B3BB0A2E8DD477901E4FCA894C0");

	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	unhex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000", iv, 16);
	assert_int_equal(EVP_EncryptInit_ex(ctx, EVP_aes_128_ctr(), NULL, pol.master_key, iv), 1);
	assert_int_equal(EVP_EncryptUpdate(ctx, ref, &outl, ref, (int)payload), 1);
	assert_memory_equal(ks, ref, payload);
	EVP_CIPHER_CTX_free(ctx);

	free(ref);
	free(pkt);
	xs_srtp_keys_free(keys);
	xs_srtp_engine_free(eng);
}

/* ------------------------------------------------------------ whole packets */

struct packet_vector {
	enum xs_srtp_suite suite;
	const char *key, *salt, *plain, *cipher;
};

/* libsrtp test/srtp_driver.c srtp_validate() and srtp_validate_aes_256(). */
static const struct packet_vector packet_vectors[] = {
	{ XS_SUITE_AES_CM_128_HMAC_SHA1_80,
	  "e1f97a0d3e018be0d64fa32c06de4139", "0ec675ad498afeebb6960b3aabe6",
	  "800f1234decafbadcafebabeabababababababababababababababab",
	  "800f1234decafbadcafebabe4e55dc4ce79978d88ca4d215949d2402b78d6acc99ea179b8dbb" },
	{ XS_SUITE_AES_256_CM_HMAC_SHA1_80,
	  "f0f04914b513f2763a1b1fa130f10e2998f6f6e43e4309d1e622a0e332b9f1b6",
	  "3b04803de51ee7c96423ab5b78d2",
	  "800f1234decafbadcafebabeabababababababababababababababab",
	  "800f1234decafbadcafebabef1d9de17ff251ff1aa007774b0b4b40da08d9d9a5b3a55d8873b" },
};

static void make_policy(struct xs_srtp_policy *pol, const struct packet_vector *v)
{
	memset(pol, 0, sizeof(*pol));
	pol->suite = v->suite;
	pol->key_len = (uint8_t)unhex(v->key, pol->master_key, sizeof(pol->master_key));
	pol->salt_len = (uint8_t)unhex(v->salt, pol->master_salt, sizeof(pol->master_salt));
}

static void test_packet_vectors(void **state)
{
	struct xs_srtp_engine *eng = xs_srtp_engine_create();
	(void)state;
	assert_non_null(eng);

	for (size_t i = 0; i < sizeof(packet_vectors) / sizeof(packet_vectors[0]); i++) {
		const struct packet_vector *v = &packet_vectors[i];
		struct xs_srtp_policy pol;
		struct xs_srtp_keys *keys;
		struct xs_srtp_stream tx, rx;
		uint8_t buf[256], want[256];
		size_t plain_len, cipher_len;

		make_policy(&pol, v);
		assert_int_equal(xs_srtp_keys_create(&pol, &keys), 0);
		xs_srtp_stream_init(&tx, 0);
		xs_srtp_stream_init(&rx, 0);

		/* protect: byte for byte the vector */
		plain_len = unhex(v->plain, buf, sizeof(buf));
		cipher_len = unhex(v->cipher, want, sizeof(want));
		struct xs_srtp_xform out = { keys, &tx }, in = { keys, &rx };
		struct xs_srtp_op op = { .pkt = buf, .len = (uint32_t)plain_len,
					 .room = sizeof(buf), .out = &out };
		assert_int_equal(xs_srtp_burst(eng, &op, 1), 1);
		assert_int_equal(op.len, cipher_len);
		assert_memory_equal(buf, want, cipher_len);

		/* unprotect: back to the plaintext */
		op = (struct xs_srtp_op){ .pkt = buf, .len = (uint32_t)cipher_len,
					  .room = sizeof(buf), .in = &in };
		assert_int_equal(xs_srtp_burst(eng, &op, 1), 1);
		assert_int_equal(op.len, plain_len);
		unhex(v->plain, want, sizeof(want));
		assert_memory_equal(buf, want, plain_len);

		/* the same vector again is a replay and changes nothing */
		struct xs_srtp_stream before = rx;
		unhex(v->cipher, buf, sizeof(buf));
		op = (struct xs_srtp_op){ .pkt = buf, .len = (uint32_t)cipher_len,
					  .room = sizeof(buf), .in = &in };
		assert_int_equal(xs_srtp_burst(eng, &op, 1), 0);
		assert_int_equal(op.status, XS_SRTP_E_REPLAY);
		assert_memory_equal(&before, &rx, sizeof(rx));
		unhex(v->cipher, want, sizeof(want));
		assert_memory_equal(buf, want, cipher_len); /* the packet is untouched too */

		/* a flipped tag bit fails authentication and changes nothing */
		xs_srtp_stream_init(&rx, 0);
		before = rx;
		buf[cipher_len - 1] ^= 1;
		op = (struct xs_srtp_op){ .pkt = buf, .len = (uint32_t)cipher_len,
					  .room = sizeof(buf), .in = &in };
		assert_int_equal(xs_srtp_burst(eng, &op, 1), 0);
		assert_int_equal(op.status, XS_SRTP_E_AUTH);
		assert_memory_equal(&before, &rx, sizeof(rx));

		xs_srtp_keys_free(keys);
	}
	xs_srtp_engine_free(eng);
}

/* Re-encryption as one op: A -> B gives what protecting under B gives. */
static void test_reencrypt_matches_protect(void **state)
{
	struct xs_srtp_engine *eng = xs_srtp_engine_create();
	struct xs_srtp_policy pa, pb;
	struct xs_srtp_keys *ka, *kb;
	struct xs_srtp_stream a_tx, a_rx, b_tx, b_ref;
	uint8_t buf[256], ref[256];
	(void)state;

	make_policy(&pa, &packet_vectors[0]);
	make_policy(&pb, &packet_vectors[1]);
	assert_int_equal(xs_srtp_keys_create(&pa, &ka), 0);
	assert_int_equal(xs_srtp_keys_create(&pb, &kb), 0);
	xs_srtp_stream_init(&a_tx, 0);
	xs_srtp_stream_init(&a_rx, 0);
	xs_srtp_stream_init(&b_tx, 0);
	xs_srtp_stream_init(&b_ref, 0);
	struct xs_srtp_xform atx = { ka, &a_tx }, arx = { ka, &a_rx }, btx = { kb, &b_tx },
			     bref = { kb, &b_ref };

	for (unsigned seq = 65530; seq < 65540; seq++) {
		size_t n = unhex(packet_vectors[0].plain, buf, sizeof(buf));
		buf[2] = (uint8_t)(seq >> 8);
		buf[3] = (uint8_t)seq;
		memcpy(ref, buf, n);
		struct xs_srtp_op op = { .pkt = buf, .len = (uint32_t)n, .room = sizeof(buf),
					 .out = &atx };
		assert_int_equal(xs_srtp_burst(eng, &op, 1), 1);
		op.in = &arx;
		op.out = &btx;
		struct xs_srtp_op rop = { .pkt = ref, .len = (uint32_t)n, .room = sizeof(ref),
					  .out = &bref };
		assert_int_equal(xs_srtp_burst(eng, &op, 1), 1);
		assert_int_equal(xs_srtp_burst(eng, &rop, 1), 1);
		assert_int_equal(op.len, rop.len);
		assert_memory_equal(buf, ref, op.len);
	}
	assert_int_equal(xs_srtp_stream_roc(&b_tx), 1);
	xs_srtp_keys_free(ka);
	xs_srtp_keys_free(kb);
	xs_srtp_engine_free(eng);
}

static void test_bad_policies_rejected(void **state)
{
	struct xs_srtp_policy pol;
	struct xs_srtp_keys *keys = (void *)1;
	(void)state;

	make_policy(&pol, &packet_vectors[0]);
	pol.key_len = 32; /* AES-128 suite with a 32-byte key */
	assert_int_equal(xs_srtp_keys_create(&pol, &keys), -EINVAL);
	assert_null(keys);
	make_policy(&pol, &packet_vectors[0]);
	pol.suite = XS_SUITE_COUNT;
	assert_int_equal(xs_srtp_keys_create(&pol, &keys), -EINVAL);
	make_policy(&pol, &packet_vectors[0]);
	pol.salt_len = 12;
	assert_int_equal(xs_srtp_keys_create(&pol, &keys), -EINVAL);
	make_policy(&pol, &packet_vectors[0]);
	pol.window = XS_SRTP_MAX_WINDOW + 1;
	assert_int_equal(xs_srtp_keys_create(&pol, &keys), -EINVAL);
	assert_int_equal(xs_srtp_suite_from_name("AES_CM_128_HMAC_SHA1_32"),
			 XS_SUITE_AES_CM_128_HMAC_SHA1_32);
	assert_int_equal(xs_srtp_suite_from_name("AES_CM_128_HMAC_SHA1_81"), -1);
}

/* Key sets come from the allocator set with xs_srtp_mem_set and go back to the
 * one that made them, even after the setting changed; a failed allocation is
 * -ENOMEM and leaves nothing. */
static unsigned mem_allocs, mem_frees;
static bool mem_fail;

static void *counting_alloc(size_t size, size_t align)
{
	if (mem_fail)
		return NULL;
	void *p = aligned_alloc(align, (size + align - 1) & ~(align - 1));
	if (p) {
		memset(p, 0, size);
		mem_allocs++;
	}
	return p;
}

static void counting_free(void *p)
{
	mem_frees++;
	free(p);
}

static void test_keys_allocator(void **state)
{
	static const struct xs_srtp_mem_ops ops = { counting_alloc, counting_free };
	struct xs_srtp_policy pol;
	struct xs_srtp_keys *a, *b, *c = (void *)1;
	(void)state;

	make_policy(&pol, &packet_vectors[0]);
	xs_srtp_mem_set(&ops);
	assert_int_equal(xs_srtp_keys_create(&pol, &a), 0);
	assert_int_equal(mem_allocs, 1);
	assert_int_equal((uintptr_t)a % 64, 0);
	mem_fail = true;
	assert_int_equal(xs_srtp_keys_create(&pol, &c), -ENOMEM);
	assert_null(c);
	mem_fail = false;
	xs_srtp_mem_set(NULL); /* back to the heap: a keeps its own free */
	assert_int_equal(xs_srtp_keys_create(&pol, &b), 0);
	assert_int_equal(mem_allocs, 1);
	xs_srtp_keys_free(b);
	assert_int_equal(mem_frees, 0);
	xs_srtp_keys_free(a);
	assert_int_equal(mem_frees, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc3711_b3_kdf),
		cmocka_unit_test(test_rfc6188_kdf_aes256),
		cmocka_unit_test(test_rfc3711_b2_keystream),
		cmocka_unit_test(test_packet_vectors),
		cmocka_unit_test(test_reencrypt_matches_protect),
		cmocka_unit_test(test_bad_policies_rejected),
		cmocka_unit_test(test_keys_allocator),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
