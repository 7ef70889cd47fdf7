/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Base64 (RFC 4648, standard alphabet, '=' padding) for the provisioning
 * parameters, the gen_mc key file and the INFO bodies.
 *
 * Decoding is strict about content and lenient about layout: ASCII whitespace
 * anywhere is skipped (provisioning files and SIP bodies get line-wrapped), but
 * any other character outside the alphabet, missing or misplaced padding, and
 * non-zero trailing bits are XSP_E_BASE64, so every accepted text has exactly
 * one meaning.
 */
#ifndef XSIPURA_B64_H
#define XSIPURA_B64_H

#include <stddef.h>
#include <stdint.h>

#include "xsipura_err.h"

/* Characters encoding n bytes take, without the terminating NUL. */
#define XSP_B64_LEN(n) ((((n) + 2) / 3) * 4)

/* Encodes n bytes; writes XSP_B64_LEN(n) characters and a NUL.
 * XSP_E_BUFFER if cap < XSP_B64_LEN(n) + 1. Every line_len characters (a
 * multiple of 4; 0 = one line) a "\r\n" is inserted, as SIP bodies use. */
enum xsp_err xsp_b64_encode(const uint8_t *in, size_t n, unsigned line_len,
			    char *out, size_t cap, size_t *out_len);

/* Decodes len characters (need not be NUL-terminated). XSP_E_LENGTH if the
 * result would exceed cap bytes. *out_len gets the decoded size. On error the
 * first cap bytes of out may hold partial output: callers decode into scratch
 * that they wipe. */
enum xsp_err xsp_b64_decode(const char *in, size_t len, uint8_t *out, size_t cap,
			    size_t *out_len);

#endif
