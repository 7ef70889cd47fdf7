/* SPDX-License-Identifier: BSD-3-Clause */
/* Strict base64: our own rather than EVP_DecodeBlock, which accepts trailing
 * garbage after padding and reports padded lengths. */
#include <stdbool.h>
#include <string.h>

#include "xsipura_b64.h"

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static size_t encoded_size(size_t n, unsigned line_len)
{
	size_t chars = XSP_B64_LEN(n);
	if (line_len && chars > line_len)
		chars += 2 * ((chars - 1) / line_len);
	return chars;
}

enum xsp_err xsp_b64_encode(const uint8_t *in, size_t n, unsigned line_len,
			    char *out, size_t cap, size_t *out_len)
{
	if (line_len % 4)
		return XSP_E_INVAL;
	size_t need = encoded_size(n, line_len);
	if (cap < need + 1)
		return XSP_E_BUFFER;
	size_t o = 0, col = 0;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		if (line_len && col == line_len) {
			out[o++] = '\r';
			out[o++] = '\n';
			col = 0;
		}
		out[o++] = b64_alphabet[(v >> 18) & 63];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		out[o++] = i + 1 < n ? b64_alphabet[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? b64_alphabet[v & 63] : '=';
		col += 4;
	}
	out[o] = '\0';
	if (out_len)
		*out_len = o;
	return XSP_OK;
}

static int b64_value(char c)
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

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* Emits the bytes of one complete quantum: four sextets, the last `pad` of them '='. */
static enum xsp_err flush_quantum(const int *s, unsigned pad, uint8_t *out, size_t cap,
				  size_t *o)
{
	uint32_t v = (uint32_t)s[0] << 18 | (uint32_t)s[1] << 12 |
		     (uint32_t)(pad < 2 ? s[2] : 0) << 6 | (uint32_t)(pad < 1 ? s[3] : 0);
	unsigned nbytes = 3 - pad;
	/* Canonical form: bits below the last byte must be zero. */
	if ((pad == 1 && (v & 0xff)) || (pad == 2 && (v & 0xffff)))
		return XSP_E_BASE64;
	if (*o + nbytes > cap)
		return XSP_E_LENGTH;
	for (unsigned k = 0; k < nbytes; k++)
		out[(*o)++] = (uint8_t)(v >> (16 - 8 * k));
	return XSP_OK;
}

enum xsp_err xsp_b64_decode(const char *in, size_t len, uint8_t *out, size_t cap,
			    size_t *out_len)
{
	int s[4];
	unsigned q = 0, pad = 0;
	bool ended = false; /* a padded quantum was seen: only whitespace may follow */
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		char c = in[i];
		if (is_space(c))
			continue;
		if (ended)
			return XSP_E_BASE64;
		if (c == '=') {
			if (q < 2) /* '=' only in the last two places of a quantum */
				return XSP_E_BASE64;
			pad++;
			s[q++] = 0;
		} else {
			int v = b64_value(c);
			if (v < 0 || pad)
				return XSP_E_BASE64;
			s[q++] = v;
		}
		if (q == 4) {
			enum xsp_err e = flush_quantum(s, pad, out, cap, &o);
			if (e)
				return e;
			ended = pad > 0;
			q = 0;
		}
	}
	if (q != 0)
		return XSP_E_BASE64; /* incomplete quantum: padding missing */
	*out_len = o;
	return XSP_OK;
}
