/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The x-sipura handshake messages, carried base64-encoded in SIP INFO bodies
 * and their 2xx responses. Integers are big-endian.
 *
 *   Caller Hello  (INFO 1)    msgid 4 | version/flags 4 | SSRC 4 | MC 252  = 264 B
 *   Callee Hello  (2xx to 1)  the same layout (assumption callee_hello)   = 264 B
 *   Caller Final  (INFO 2)    msgid 4 | RSA-512 wrapped key and salt:
 *                               key_wrap=separate: key block 64 | salt block 64 = 132 B
 *                               key_wrap=joint:    one block over key||salt   =  68 B
 *   Callee Final  (2xx to 2)  empty
 *
 * Field sizes and order are the vendor's (FACTS.md section 1); the message id
 * values, the version/flags encoding and the wrapping are assumptions
 * (xsipura_assumptions.h). This codec checks shape only; what the fields must
 * hold is the state machine's business (xsipura_hs.h).
 */
#ifndef XSIPURA_MSG_H
#define XSIPURA_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "xsipura_assumptions.h"
#include "xsipura_b64.h"
#include "xsipura_err.h"
#include "xsipura_mc.h"

#ifdef __cplusplus
extern "C" {
#endif

#define XSP_HELLO_LEN (12 + XSP_MC_LEN)      /* 264 */
#define XSP_WRAP_BLOCK_LEN XSP_SUBKEY_LEN    /* 64: one RSA-512 block */
#define XSP_FINAL_SEPARATE_LEN (4 + 2 * XSP_WRAP_BLOCK_LEN) /* 132 */
#define XSP_FINAL_JOINT_LEN (4 + XSP_WRAP_BLOCK_LEN)        /* 68 */
#define XSP_MSG_MAX_LEN XSP_HELLO_LEN
#define XSP_MASTER_KEY_LEN 16
#define XSP_MASTER_SALT_LEN 16
/* Room for the body text of the longest message, with the worst line breaking
 * ("\r\n" every 4 characters) and a NUL. */
#define XSP_BODY_MAX_LEN (XSP_B64_LEN(XSP_MSG_MAX_LEN) * 3 / 2 + 1)

struct xsp_hello {
	uint32_t msgid;
	uint32_t version_flags;
	uint32_t ssrc;
	struct xsp_mc mc;
};

struct xsp_final {
	uint32_t msgid;
	uint8_t nblocks; /* 2 (separate) or 1 (joint) */
	uint8_t block[2][XSP_WRAP_BLOCK_LEN];
};

/* Writes XSP_HELLO_LEN bytes. */
void xsp_hello_encode(const struct xsp_hello *h, uint8_t out[XSP_HELLO_LEN]);
/* XSP_E_TRUNCATED (< 264), XSP_E_LENGTH (> 264), or an xsp_mc_decode error. */
enum xsp_err xsp_hello_decode(const uint8_t *buf, size_t len, struct xsp_hello *out);

/* The length of a Caller Final under the given key_wrap. */
size_t xsp_final_len(enum xsp_key_wrap wrap);
/* Writes xsp_final_len() bytes; XSP_E_BUFFER if cap is smaller. */
enum xsp_err xsp_final_encode(const struct xsp_final *f, uint8_t *out, size_t cap,
			      size_t *len);
/* Expects the length key_wrap gives: XSP_E_TRUNCATED below it, XSP_E_LENGTH above. */
enum xsp_err xsp_final_decode(const uint8_t *buf, size_t len, enum xsp_key_wrap wrap,
			      struct xsp_final *out);

/* Message <-> SIP body text. line_len: assumption body_line_len (0: one line).
 * The body of an empty message (Callee Final) is empty. */
enum xsp_err xsp_body_encode(const uint8_t *msg, size_t len, unsigned line_len, char *out,
			     size_t cap, size_t *out_len);
/* XSP_E_BASE64, or XSP_E_LENGTH if it decodes to more than XSP_MSG_MAX_LEN bytes. */
enum xsp_err xsp_body_decode(const char *body, size_t len, uint8_t out[XSP_MSG_MAX_LEN],
			     size_t *msg_len);

#ifdef __cplusplus
}
#endif
#endif
