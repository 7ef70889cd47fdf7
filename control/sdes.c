/* SPDX-License-Identifier: BSD-3-Clause */
/* SDES (RFC 4568) a=crypto attribute values: parse, format, generate. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "key_pool.h"
#include "sdes.h"
#include "xs_srtp.h"

#define SDES_MAX_TAG 999999999u
#define SDES_MAX_LIFETIME_LOG2 48 /* RFC 4568 section 6.1: at most 2^48 for SRTP */
#define KEYSALT_MAX (SDES_MAX_KEY + SDES_MAX_SALT)
#define KEYSALT_B64_MAX ((KEYSALT_MAX + 2) / 3 * 4)

_Static_assert(SDES_F_UNENCRYPTED_SRTP == XS_SRTP_F_UNENCRYPTED_SRTP, "flag values");
_Static_assert(SDES_F_UNENCRYPTED_SRTCP == XS_SRTP_F_UNENCRYPTED_SRTCP, "flag values");
_Static_assert(SDES_F_UNAUTHENTICATED_SRTP == XS_SRTP_F_UNAUTHENTICATED_SRTP, "flag values");

static const struct {
	const char *name;
	uint32_t flag;
} session_flags[] = {
	{ "UNENCRYPTED_SRTP", SDES_F_UNENCRYPTED_SRTP },
	{ "UNENCRYPTED_SRTCP", SDES_F_UNENCRYPTED_SRTCP },
	{ "UNAUTHENTICATED_SRTP", SDES_F_UNAUTHENTICATED_SRTP },
};

static bool is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_vchar(char c)
{
	return (unsigned char)c >= 0x21 && (unsigned char)c <= 0x7e;
}

/* SDES suites only: plain (NONE) and x-sipura are not negotiated with a=crypto. */
static bool suite_ok(int suite)
{
	return suite > XS_SUITE_NONE && suite < XS_SUITE_COUNT && suite != XS_SUITE_XSIPURA &&
	       xs_srtp_suite_key_len(suite) <= SDES_MAX_KEY &&
	       xs_srtp_suite_salt_len(suite) <= SDES_MAX_SALT;
}

static int b64_val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decoded length of strict base64 (padding optional, at most two '=' at the end
 * of a full quantum), or -1. */
static long b64_decoded_len(const char *s, size_t n)
{
	size_t pads = 0;
	while (pads < n && s[n - 1 - pads] == '=')
		pads++;
	if (pads > 2 || (pads && n % 4))
		return -1;
	size_t m = n - pads;
	if (m % 4 == 1 || (pads && m % 4 + pads != 4))
		return -1;
	return (long)(m / 4 * 3 + (m % 4 ? m % 4 - 1 : 0));
}

/* Decodes exactly what b64_decoded_len accepted; rejects stray characters and
 * non-zero unused bits. 0 or -1. */
static int b64_decode(const char *s, size_t n, uint8_t *out)
{
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t o = 0;
	int rc = 0;

	while (n && s[n - 1] == '=')
		n--;
	for (size_t i = 0; i < n; i++) {
		int v = b64_val(s[i]);
		if (v < 0) {
			rc = -1;
			break;
		}
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (!rc && acc)
		rc = -1;
	acc = 0;
	return rc;
}

static void b64_encode(const uint8_t *in, size_t n, char *out)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		out[o++] = tab[(v >> 18) & 63];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? tab[v & 63] : '=';
		v = 0;
	}
	out[o] = '\0';
}

/* "2^<n>" or decimal packets, 1..2^48. */
static int parse_lifetime(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (n > 2 && s[0] == '2' && s[1] == '^') {
		if (n > 4)
			return -1;
		for (size_t i = 2; i < n; i++) {
			if (s[i] < '0' || s[i] > '9')
				return -1;
			v = v * 10 + (uint64_t)(s[i] - '0');
		}
		if (v > SDES_MAX_LIFETIME_LOG2)
			return -1;
		*out = 1ull << v;
		return 0;
	}
	if (n == 0 || n > 16)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v == 0 || v > (1ull << SDES_MAX_LIFETIME_LOG2))
		return -1;
	*out = v;
	return 0;
}

static int parse_key_params(const char *s, size_t n, struct sdes_crypto *c, const char **why)
{
	static const char method[] = "inline:";
	const size_t mlen = sizeof(method) - 1;
	uint8_t ks[KEYSALT_MAX];

	if (memchr(s, ';', n)) {
		*why = "more than one key-param";
		return -1;
	}
	if (n < mlen || strncasecmp(s, method, mlen)) {
		*why = "key-param is not inline:";
		return -1;
	}
	s += mlen;
	n -= mlen;

	const char *bar = memchr(s, '|', n);
	size_t klen = bar ? (size_t)(bar - s) : n;
	long dlen = b64_decoded_len(s, klen);
	if (dlen < 0) {
		*why = "bad base64 in key";
		return -1;
	}
	if ((size_t)dlen != (size_t)c->key_len + c->salt_len) {
		*why = "key||salt of the wrong length for the suite";
		return -1;
	}
	if (b64_decode(s, klen, ks)) {
		explicit_bzero(ks, sizeof(ks));
		*why = "bad base64 in key";
		return -1;
	}
	memcpy(c->key, ks, c->key_len);
	memcpy(c->salt, ks + c->key_len, c->salt_len);
	explicit_bzero(ks, sizeof(ks));

	bool have_lifetime = false;
	while (bar) {
		s = bar + 1;
		n -= klen + 1;
		bar = memchr(s, '|', n);
		klen = bar ? (size_t)(bar - s) : n;
		if (memchr(s, ':', klen)) {
			*why = "MKI not supported";
			return -1;
		}
		if (have_lifetime || parse_lifetime(s, klen, &c->lifetime)) {
			*why = "bad lifetime";
			return -1;
		}
		have_lifetime = true;
	}
	return 0;
}

static int add_session_param(struct sdes_crypto *c, const char *s, size_t n, const char **why)
{
	for (size_t i = 0; i < sizeof(session_flags) / sizeof(session_flags[0]); i++) {
		if (strlen(session_flags[i].name) == n && !memcmp(s, session_flags[i].name, n)) {
			c->flags |= session_flags[i].flag;
			return 0;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (!is_vchar(s[i])) {
			*why = "trailing garbage";
			return -1;
		}
	}
	size_t used = strlen(c->other_params);
	size_t need = used + (used ? 1 : 0) + n;
	if (need >= sizeof(c->other_params)) {
		*why = "session parameters too long";
		return -1;
	}
	if (used)
		c->other_params[used++] = ' ';
	memcpy(c->other_params + used, s, n);
	c->other_params[used + n] = '\0';
	return 0;
}

int sdes_parse(const char *value, size_t len, struct sdes_crypto *out, const char **why)
{
	struct sdes_crypto c;
	const char *dummy;
	char name[48];
	size_t p = 0, start;
	uint64_t tag = 0;
	int rc = -1;

	if (!why)
		why = &dummy;
	memset(&c, 0, sizeof(c));

	while (p < len && value[p] >= '0' && value[p] <= '9') {
		if (p >= 9) {
			*why = "tag out of range";
			goto out;
		}
		tag = tag * 10 + (uint64_t)(value[p] - '0');
		p++;
	}
	if (p == 0) {
		*why = "missing tag";
		goto out;
	}
	if (tag == 0 || tag > SDES_MAX_TAG) {
		*why = "tag out of range";
		goto out;
	}
	c.tag = (uint32_t)tag;
	if (p >= len || !is_wsp(value[p])) {
		*why = "garbage after tag";
		goto out;
	}
	while (p < len && is_wsp(value[p]))
		p++;

	start = p;
	while (p < len && !is_wsp(value[p]))
		p++;
	if (p == start || p - start >= sizeof(name) || memchr(value + start, '\0', p - start)) {
		*why = "unknown suite";
		goto out;
	}
	memcpy(name, value + start, p - start);
	name[p - start] = '\0';
	c.suite = xs_srtp_suite_from_name(name);
	if (c.suite < 0) {
		*why = "unknown suite";
		goto out;
	}
	if (!suite_ok(c.suite)) {
		*why = "suite not usable with SDES";
		goto out;
	}
	c.key_len = (uint8_t)xs_srtp_suite_key_len(c.suite);
	c.salt_len = (uint8_t)xs_srtp_suite_salt_len(c.suite);
	if (p >= len) {
		*why = "missing key-params";
		goto out;
	}
	while (p < len && is_wsp(value[p]))
		p++;

	start = p;
	while (p < len && !is_wsp(value[p]))
		p++;
	if (parse_key_params(value + start, p - start, &c, why))
		goto out;

	for (;;) {
		while (p < len && is_wsp(value[p]))
			p++;
		if (p >= len)
			break;
		start = p;
		while (p < len && !is_wsp(value[p]))
			p++;
		if (add_session_param(&c, value + start, p - start, why))
			goto out;
	}
	*out = c;
	rc = 0;
out:
	explicit_bzero(&c, sizeof(c));
	return rc;
}

struct buf {
	char *p;
	size_t cap, len;
	bool full;
};

static void put(struct buf *b, const char *s, size_t n)
{
	if (b->full || n >= b->cap - b->len) {
		b->full = true;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

int sdes_format(const struct sdes_crypto *c, char *out, size_t cap)
{
	uint8_t ks[KEYSALT_MAX];
	char b64[KEYSALT_B64_MAX + 1];
	char num[32];
	struct buf b = { out, cap, 0, false };

	if (!out || !cap)
		return -1;
	out[0] = '\0';
	if (!suite_ok(c->suite) || c->key_len != xs_srtp_suite_key_len(c->suite) ||
	    c->salt_len != xs_srtp_suite_salt_len(c->suite) || c->tag < 1 ||
	    c->tag > SDES_MAX_TAG ||
	    c->lifetime > (1ull << SDES_MAX_LIFETIME_LOG2))
		return -1;

	snprintf(num, sizeof(num), "%u ", c->tag);
	puts_(&b, num);
	puts_(&b, xs_srtp_suite_name(c->suite));
	puts_(&b, " inline:");
	memcpy(ks, c->key, c->key_len);
	memcpy(ks + c->key_len, c->salt, c->salt_len);
	b64_encode(ks, (size_t)c->key_len + c->salt_len, b64);
	puts_(&b, b64);
	explicit_bzero(ks, sizeof(ks));
	explicit_bzero(b64, sizeof(b64));

	if (c->lifetime) {
		if (!(c->lifetime & (c->lifetime - 1)))
			snprintf(num, sizeof(num), "|2^%d", __builtin_ctzll(c->lifetime));
		else
			snprintf(num, sizeof(num), "|%llu", (unsigned long long)c->lifetime);
		puts_(&b, num);
	}
	for (size_t i = 0; i < sizeof(session_flags) / sizeof(session_flags[0]); i++) {
		if (c->flags & session_flags[i].flag) {
			put(&b, " ", 1);
			puts_(&b, session_flags[i].name);
		}
	}
	size_t olen = strnlen(c->other_params, sizeof(c->other_params));
	if (olen && olen < sizeof(c->other_params)) {
		put(&b, " ", 1);
		put(&b, c->other_params, olen);
	}
	if (b.full) {
		explicit_bzero(out, cap);
		out[0] = '\0';
		return -1;
	}
	return 0;
}

int sdes_generate(struct sdes_crypto *c, int suite)
{
	if (!suite_ok(suite))
		return -1;
	unsigned kl = xs_srtp_suite_key_len(suite), sl = xs_srtp_suite_salt_len(suite);
	if (key_pool_bytes(c->key, kl) || key_pool_bytes(c->salt, sl)) {
		explicit_bzero(c->key, sizeof(c->key));
		explicit_bzero(c->salt, sizeof(c->salt));
		return -1;
	}
	if (kl < sizeof(c->key))
		memset(c->key + kl, 0, sizeof(c->key) - kl);
	if (sl < sizeof(c->salt))
		memset(c->salt + sl, 0, sizeof(c->salt) - sl);
	c->suite = suite;
	c->key_len = (uint8_t)kl;
	c->salt_len = (uint8_t)sl;
	c->lifetime = 0;
	c->other_params[0] = '\0';
	return 0;
}

void sdes_crypto_clear(struct sdes_crypto *c)
{
	if (c)
		explicit_bzero(c, sizeof(*c));
}
