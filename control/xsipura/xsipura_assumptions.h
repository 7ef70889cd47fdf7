/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Every x-sipura detail that no public source documents (FACTS.md section 3)
 * is a named field here, with its default, and nowhere else. Code that needs
 * one of these choices reads it from a struct xsp_assumptions; nothing else in
 * the library hard-codes a guess. Each can be set at run time from a
 * "name=value" string (configuration file, command line, ng extension), so
 * whoever has a capture from real hardware can try combinations without
 * rebuilding. docs/x-sipura.md lists them with the reasoning behind each
 * default; `xsrelay-mc assumptions` prints the live table.
 */
#ifndef XSIPURA_ASSUMPTIONS_H
#define XSIPURA_ASSUMPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "xsipura_err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How the caller wraps the 16-byte master key and 16-byte master salt with the
 * callee's RSA-512 key (each PKCS#1 v1.5 type 2 block is 64 bytes). */
enum xsp_key_wrap {
	XSP_KEY_WRAP_SEPARATE = 0, /* one block for the key, one for the salt: Caller Final 132 B */
	XSP_KEY_WRAP_JOINT = 1,    /* one block over key || salt: Caller Final 68 B */
};

enum xsp_check {
	XSP_CHECK_IGNORE = 0, /* record what the peer sent, do not reject on it */
	XSP_CHECK_STRICT = 1, /* reject a message whose field differs from ours */
};

enum xsp_clock {
	XSP_CLOCK_UTC = 0,   /* expiry hhmmssMMDDYY is UTC */
	XSP_CLOCK_LOCAL = 1, /* expiry is the host's local time (TZ) */
};

/* SRTP transform: values mirror enum xs_xsipura_auth / xs_xsipura_kdf of the
 * engine (dataplane/srtp/xs_srtp.h); xsipura_srtp_profile.h converts. */
enum xsp_srtp_auth { XSP_SRTP_AUTH_HMAC_MD5 = 0, XSP_SRTP_AUTH_HMAC_SHA1 = 1 };
enum xsp_srtp_kdf { XSP_SRTP_KDF_RFC3711 = 0, XSP_SRTP_KDF_DIRECT = 1 };
enum xsp_srtcp { XSP_SRTCP_CLEAR = 0, XSP_SRTCP_ENCRYPTED = 1 };

/* One master key and salt (the only ones the messages carry) protect both
 * directions, the streams told apart by the SSRCs of the two Hellos. */
enum xsp_key_scope { XSP_KEY_SCOPE_SHARED = 0 };

/* Callee Hello layout: the guide says "similar information". */
enum xsp_callee_hello { XSP_CALLEE_HELLO_AS_CALLER = 0 };

/* What the SIP side does with the keys on a re-INVITE (hold, transfer). */
enum xsp_reinvite {
	XSP_REINVITE_KEEP = 0,    /* keys survive; a new handshake replaces them if one comes */
	XSP_REINVITE_RESTART = 1, /* keys are dropped; media is clear until a new handshake */
};

#define XSP_CONTENT_TYPE_MAX 63

struct xsp_assumptions {
	uint32_t msgid_caller_hello;
	uint32_t msgid_callee_hello;
	uint32_t msgid_caller_final;
	uint32_t version_flags;
	uint8_t msgid_check;       /* enum xsp_check */
	uint8_t version_check;     /* enum xsp_check */
	uint8_t key_wrap;          /* enum xsp_key_wrap */
	uint8_t callee_hello;      /* enum xsp_callee_hello */
	uint8_t key_scope;         /* enum xsp_key_scope */
	uint8_t expiry_clock;      /* enum xsp_clock */
	uint8_t content_type_check;/* enum xsp_check */
	uint8_t reinvite;          /* enum xsp_reinvite */
	uint16_t body_line_len;    /* base64 line length in INFO bodies; 0 = one line */
	uint8_t srtp_auth;         /* enum xsp_srtp_auth */
	uint8_t srtp_tag_len;      /* bytes, 4..16 */
	uint8_t srtp_kdf;          /* enum xsp_srtp_kdf */
	uint8_t srtp_salt_len;     /* 14 (RFC 3711 uses the first 14 bytes) or 16 */
	uint8_t srtp_auth_key_len; /* session authentication key bytes (RFC 3711 KDF), 16..20 */
	uint8_t srtcp;             /* enum xsp_srtcp */
	char content_type[XSP_CONTENT_TYPE_MAX + 1];
};

void xsp_assumptions_default(struct xsp_assumptions *a);

/* Sets one assumption from "name=value" (no spaces inside; values never need any).
 * XSP_E_ASSUMPTION_NAME or XSP_E_ASSUMPTION_VALUE; *a unchanged on error. */
enum xsp_err xsp_assumptions_set(struct xsp_assumptions *a, const char *name_value);

/* Sets a list of "name=value" items separated by ',', ';' or whitespace, all or
 * nothing: on error *a is unchanged and, when bad is not NULL, *bad points at
 * the item that failed. The combined result must also pass
 * xsp_assumptions_validate(). */
enum xsp_err xsp_assumptions_parse(struct xsp_assumptions *a, const char *list,
				   const char **bad);

/* Cross-field rules (distinct message ids when they are checked). */
enum xsp_err xsp_assumptions_validate(const struct xsp_assumptions *a);

/* The table, for listings and documentation checks. */
size_t xsp_assumptions_count(void);
const char *xsp_assumption_name(size_t i);    /* NULL past the end */
const char *xsp_assumption_doc(size_t i);     /* one line: what is unknown, why this default */
/* Allowed values as text, e.g. "separate|joint" or "4..12". */
enum xsp_err xsp_assumption_values(size_t i, char *buf, size_t cap);
/* The value of assumption i in a, as text that xsp_assumptions_set accepts. */
enum xsp_err xsp_assumption_get(const struct xsp_assumptions *a, size_t i, char *buf,
				size_t cap);

#ifdef __cplusplus
}
#endif
#endif
