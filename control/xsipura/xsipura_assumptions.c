/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The assumption table: one row per unknown, giving its name, where it lives in
 * struct xsp_assumptions, what values it takes, and why the default is what it
 * is. The defaults, the parser, the listing and the documentation check all
 * come from this table.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xsipura_assumptions.h"

enum a_type { A_U32, A_U16, A_U8, A_ENUM, A_STR };

struct a_enum {
	const char *name;
	uint8_t value;
};

struct a_info {
	const char *name;
	enum a_type type;
	size_t offset;
	uint32_t min, max;          /* numeric types */
	const struct a_enum *names; /* A_ENUM, terminated by a NULL name */
	const char *def;            /* default, as text the parser accepts */
	const char *doc;
};

static const struct a_enum check_names[] = { { "ignore", XSP_CHECK_IGNORE },
	{ "strict", XSP_CHECK_STRICT }, { NULL, 0 } };
static const struct a_enum wrap_names[] = { { "separate", XSP_KEY_WRAP_SEPARATE },
	{ "joint", XSP_KEY_WRAP_JOINT }, { NULL, 0 } };
static const struct a_enum clock_names[] = { { "utc", XSP_CLOCK_UTC },
	{ "local", XSP_CLOCK_LOCAL }, { NULL, 0 } };
static const struct a_enum auth_names[] = { { "hmac_md5", XSP_SRTP_AUTH_HMAC_MD5 },
	{ "hmac_sha1", XSP_SRTP_AUTH_HMAC_SHA1 }, { NULL, 0 } };
static const struct a_enum kdf_names[] = { { "rfc3711", XSP_SRTP_KDF_RFC3711 },
	{ "direct", XSP_SRTP_KDF_DIRECT }, { NULL, 0 } };
static const struct a_enum salt_names[] = { { "16", 16 }, { "14", 14 }, { NULL, 0 } };
static const struct a_enum srtcp_names[] = { { "encrypted", XSP_SRTCP_ENCRYPTED },
	{ "clear", XSP_SRTCP_CLEAR }, { NULL, 0 } };
static const struct a_enum scope_names[] = { { "shared", XSP_KEY_SCOPE_SHARED },
	{ NULL, 0 } };
static const struct a_enum callee_hello_names[] = {
	{ "as_caller", XSP_CALLEE_HELLO_AS_CALLER }, { NULL, 0 } };
static const struct a_enum reinvite_names[] = { { "keep", XSP_REINVITE_KEEP },
	{ "restart", XSP_REINVITE_RESTART }, { NULL, 0 } };

#define OFF(f) offsetof(struct xsp_assumptions, f)

static const struct a_info table[] = {
	{ "msgid_caller_hello", A_U32, OFF(msgid_caller_hello), 0, UINT32_MAX, NULL, "1",
	  "Message ID word of the Caller Hello; the value is unknown, 1..3 number the messages in order" },
	{ "msgid_callee_hello", A_U32, OFF(msgid_callee_hello), 0, UINT32_MAX, NULL, "2",
	  "Message ID word of the Callee Hello (unknown)" },
	{ "msgid_caller_final", A_U32, OFF(msgid_caller_final), 0, UINT32_MAX, NULL, "3",
	  "Message ID word of the Caller Final (unknown); the Callee Final is empty and has none" },
	{ "msgid_check", A_ENUM, OFF(msgid_check), 0, 0, check_names, "ignore",
	  "Whether a received message ID must equal ours: ignore, since a message's place in the exchange and its length identify it and a wrong guess must not be fatal" },
	{ "version_flags", A_U32, OFF(version_flags), 0, UINT32_MAX, NULL, "0x00000001",
	  "Version and flags word we send in Hellos (encoding unknown): version 1, no flags" },
	{ "version_check", A_ENUM, OFF(version_check), 0, 0, check_names, "ignore",
	  "Whether a received version/flags word must equal ours (ignore: recorded only)" },
	{ "key_wrap", A_ENUM, OFF(key_wrap), 0, 0, wrap_names, "separate",
	  "How key and salt are RSA-wrapped in the Caller Final: separate = one PKCS#1 v1.5 type 2 block each (the guide lists them as two fields), joint = one block over key||salt" },
	{ "callee_hello", A_ENUM, OFF(callee_hello), 0, 0, callee_hello_names, "as_caller",
	  "Callee Hello layout (\"similar information\"): as_caller = message ID, version/flags, SSRC, MC, 264 bytes; no alternative known" },
	{ "key_scope", A_ENUM, OFF(key_scope), 0, 0, scope_names, "shared",
	  "One master key and salt for both directions, told apart by the SSRCs of the Hellos; the messages carry no other key" },
	{ "expiry_clock", A_ENUM, OFF(expiry_clock), 0, 0, clock_names, "utc",
	  "Time zone of the hhmmssMMDDYY expiry field (utc or the host's local time)" },
	{ "content_type", A_STR, OFF(content_type), 0, 0, NULL, "application/x-sipura",
	  "Content-Type we put on INFO bodies (unknown)" },
	{ "content_type_check", A_ENUM, OFF(content_type_check), 0, 0, check_names, "ignore",
	  "Whether a received INFO must carry our content_type; ignore = match by method, dialog and body shape" },
	{ "body_line_len", A_U16, OFF(body_line_len), 0, 1024, NULL, "0",
	  "Base64 line length of INFO bodies we send (0 = one line; must be a multiple of 4); received bodies may wrap anyhow" },
	{ "reinvite", A_ENUM, OFF(reinvite), 0, 0, reinvite_names, "keep",
	  "Keys across a re-INVITE (hold, transfer): keep until a new handshake replaces them, or restart (drop, media clear until a new handshake)" },
	{ "srtp_auth", A_ENUM, OFF(srtp_auth), 0, 0, auth_names, "hmac_md5",
	  "SRTP authentication: hmac_md5, from the one third-party profile known (AES_CM_128_HMAC_MD5)" },
	{ "srtp_tag_len", A_U8, OFF(srtp_tag_len), 4, 12, NULL, "4",
	  "SRTP authentication tag bytes (4 or 10 likely)" },
	{ "srtp_kdf", A_ENUM, OFF(srtp_kdf), 0, 0, kdf_names, "rfc3711",
	  "Session keys: rfc3711 = RFC 3711 AES-CM KDF, direct = master key and salt used as session keys" },
	{ "srtp_salt_len", A_ENUM, OFF(srtp_salt_len), 0, 0, salt_names, "16",
	  "Salt bytes used of the 16 sent, with srtp_kdf=direct: 14 = first 14 as RFC 3711, 16 = all XORed into the IV (the RFC 3711 KDF reads the first 14 either way)" },
	{ "srtp_auth_key_len", A_U8, OFF(srtp_auth_key_len), 16, 20, NULL, "16",
	  "Session authentication key bytes derived by the RFC 3711 KDF (HMAC-MD5 block-friendly 16)" },
	{ "srtcp", A_ENUM, OFF(srtcp), 0, 0, srtcp_names, "encrypted",
	  "RTCP: encrypted as SRTCP under the same master key, or clear" },
};

#define N_ASSUMPTIONS (sizeof(table) / sizeof(table[0]))

size_t xsp_assumptions_count(void)
{
	return N_ASSUMPTIONS;
}

const char *xsp_assumption_name(size_t i)
{
	return i < N_ASSUMPTIONS ? table[i].name : NULL;
}

const char *xsp_assumption_doc(size_t i)
{
	return i < N_ASSUMPTIONS ? table[i].doc : NULL;
}

enum xsp_err xsp_assumption_values(size_t i, char *buf, size_t cap)
{
	if (i >= N_ASSUMPTIONS || !cap)
		return XSP_E_INVAL;
	const struct a_info *t = &table[i];
	int n = 0;
	switch (t->type) {
	case A_ENUM:
		buf[0] = '\0';
		for (const struct a_enum *e = t->names; e->name && n >= 0 && (size_t)n < cap; e++)
			n += snprintf(buf + n, cap - (size_t)n, "%s%s", e == t->names ? "" : "|", e->name);
		break;
	case A_U32:
		n = snprintf(buf, cap, "0..4294967295, decimal or 0x hex");
		break;
	case A_U16:
	case A_U8:
		n = snprintf(buf, cap, "%" PRIu32 "..%" PRIu32, t->min, t->max);
		break;
	case A_STR:
		n = snprintf(buf, cap, "type/subtype");
		break;
	}
	return n >= 0 && (size_t)n < cap ? XSP_OK : XSP_E_BUFFER;
}

static const struct a_info *find(const char *name, size_t len)
{
	for (size_t i = 0; i < N_ASSUMPTIONS; i++)
		if (strlen(table[i].name) == len && !memcmp(table[i].name, name, len))
			return &table[i];
	return NULL;
}

static bool parse_u32(const char *s, size_t len, uint32_t min, uint32_t max, uint32_t *out)
{
	char buf[24];
	if (len == 0 || len >= sizeof(buf) || s[0] == '-' || s[0] == '+')
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	char *end;
	errno = 0;
	unsigned long long v = strtoull(buf, &end, 0);
	if (errno || *end || v < min || v > max || isspace((unsigned char)buf[0]))
		return false;
	*out = (uint32_t)v;
	return true;
}

static bool content_type_ok(const char *s, size_t len)
{
	/* RFC 2045 token "/" token: enough to keep a header line well-formed. */
	static const char tspecials[] = "()<>@,;:\\\"/[]?= ";
	size_t slashes = 0, slash_at = 0;
	if (len == 0 || len > XSP_CONTENT_TYPE_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '/') {
			slashes++;
			slash_at = i;
		} else if (c <= 32 || c >= 127 || strchr(tspecials, c)) {
			return false;
		}
	}
	return slashes == 1 && slash_at > 0 && slash_at < len - 1;
}

/* Writes value text of length len into field t of a; false if not allowed. */
static bool apply(struct xsp_assumptions *a, const struct a_info *t, const char *v, size_t len)
{
	uint8_t *field = (uint8_t *)a + t->offset;
	uint32_t n;
	switch (t->type) {
	case A_U32:
		if (!parse_u32(v, len, t->min, t->max, &n))
			return false;
		memcpy(field, &n, sizeof(uint32_t));
		return true;
	case A_U16:
		if (!parse_u32(v, len, t->min, t->max, &n))
			return false;
		memcpy(field, &(uint16_t){ (uint16_t)n }, sizeof(uint16_t));
		return true;
	case A_U8:
		if (!parse_u32(v, len, t->min, t->max, &n))
			return false;
		*field = (uint8_t)n;
		return true;
	case A_ENUM:
		for (const struct a_enum *e = t->names; e->name; e++)
			if (strlen(e->name) == len && !strncasecmp(e->name, v, len)) {
				*field = e->value;
				return true;
			}
		return false;
	case A_STR:
		if (!content_type_ok(v, len))
			return false;
		memcpy(field, v, len);
		field[len] = '\0';
		return true;
	}
	return false;
}

/* Applies one "name=value" item of length len to *a (a scratch copy). */
static enum xsp_err set_item(struct xsp_assumptions *a, const char *item, size_t len)
{
	const char *eq = memchr(item, '=', len);
	size_t nlen = eq ? (size_t)(eq - item) : len;
	const struct a_info *t = find(item, nlen);
	if (!t)
		return XSP_E_ASSUMPTION_NAME;
	if (!eq)
		return XSP_E_ASSUMPTION_VALUE;
	const char *value = eq + 1;
	size_t vlen = len - nlen - 1;
	return apply(a, t, value, vlen) ? XSP_OK : XSP_E_ASSUMPTION_VALUE;
}

void xsp_assumptions_default(struct xsp_assumptions *a)
{
	memset(a, 0, sizeof(*a));
	for (size_t i = 0; i < N_ASSUMPTIONS; i++)
		if (!apply(a, &table[i], table[i].def, strlen(table[i].def)))
			abort(); /* a default the table itself rejects: a bug caught by every test */
}

enum xsp_err xsp_assumptions_validate(const struct xsp_assumptions *a)
{
	if (a->msgid_check == XSP_CHECK_STRICT &&
	    (a->msgid_caller_hello == a->msgid_callee_hello ||
	     a->msgid_caller_hello == a->msgid_caller_final ||
	     a->msgid_callee_hello == a->msgid_caller_final))
		return XSP_E_ASSUMPTION_VALUE;
	if (a->body_line_len % 4)
		return XSP_E_ASSUMPTION_VALUE;
	if (!content_type_ok(a->content_type, strnlen(a->content_type, sizeof(a->content_type))))
		return XSP_E_ASSUMPTION_VALUE;
	return XSP_OK;
}

enum xsp_err xsp_assumptions_set(struct xsp_assumptions *a, const char *name_value)
{
	return xsp_assumptions_parse(a, name_value, NULL);
}

static bool is_sep(char c)
{
	return c == ',' || c == ';' || isspace((unsigned char)c);
}

enum xsp_err xsp_assumptions_parse(struct xsp_assumptions *a, const char *list,
				   const char **bad)
{
	struct xsp_assumptions tmp = *a;
	const char *p = list;
	while (*p) {
		while (*p && is_sep(*p))
			p++;
		if (!*p)
			break;
		const char *start = p;
		while (*p && !is_sep(*p))
			p++;
		enum xsp_err e = set_item(&tmp, start, (size_t)(p - start));
		if (e) {
			if (bad)
				*bad = start;
			return e;
		}
	}
	enum xsp_err e = xsp_assumptions_validate(&tmp);
	if (e) {
		if (bad)
			*bad = list;
		return e;
	}
	*a = tmp;
	return XSP_OK;
}

enum xsp_err xsp_assumption_get(const struct xsp_assumptions *a, size_t i, char *buf,
				size_t cap)
{
	if (i >= N_ASSUMPTIONS || !cap)
		return XSP_E_INVAL;
	const struct a_info *t = &table[i];
	const uint8_t *field = (const uint8_t *)a + t->offset;
	uint32_t v32;
	uint16_t v16;
	int n = -1;
	switch (t->type) {
	case A_U32:
		memcpy(&v32, field, sizeof(v32));
		n = snprintf(buf, cap, t->def[1] == 'x' ? "0x%08" PRIx32 : "%" PRIu32, v32);
		break;
	case A_U16:
		memcpy(&v16, field, sizeof(v16));
		n = snprintf(buf, cap, "%u", (unsigned)v16);
		break;
	case A_U8:
		n = snprintf(buf, cap, "%u", (unsigned)*field);
		break;
	case A_ENUM:
		for (const struct a_enum *e = t->names; e->name; e++)
			if (e->value == *field)
				n = snprintf(buf, cap, "%s", e->name);
		break;
	case A_STR:
		n = snprintf(buf, cap, "%s", (const char *)field);
		break;
	}
	if (n < 0)
		return XSP_E_INVAL; /* field holds a value outside its enum */
	return (size_t)n < cap ? XSP_OK : XSP_E_BUFFER;
}
