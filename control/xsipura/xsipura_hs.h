/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The x-sipura handshake, one state machine per role (FACTS.md section 1):
 *
 *   caller                                   callee
 *   ------                                   ------
 *   INFO  Caller Hello (our MC, our SSRC) ->
 *                                          <- 200  Callee Hello (its MC, its SSRC)
 *   checks: CA signature, expiry, User ID == the dialled user-id
 *   INFO  Caller Final (key, salt wrapped
 *         with the callee's RSA-512 key)  ->
 *                                          <- 200  Callee Final (empty)
 *   SECURE                                   SECURE (after unwrapping)
 *
 * The callee checks the Caller Hello's certificate (CA signature, expiry) before
 * it answers; it does not know whom to expect, so it checks no User ID.
 *
 * Both ends then hold the same 16-byte master key and 16-byte master salt and the
 * two SSRCs; how they become SRTP session keys is assumption srtp_* (see
 * xsipura_assumptions.h), applied by whoever programs the data plane.
 *
 * Every call either succeeds and advances the state, or returns an error and
 * changes nothing (a damaged or replayed message does not end the handshake;
 * the SIP layer decides when to give up). Messages are taken and produced as
 * SIP body text (base64).
 *
 * A struct xsp_hs is owned by one thread at a time (the SIP dialog's). It holds
 * references to the CA and our key; xsp_hs_clear() drops them and wipes the
 * master key and salt.
 */
#ifndef XSIPURA_HS_H
#define XSIPURA_HS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "xsipura_assumptions.h"
#include "xsipura_ca.h"
#include "xsipura_err.h"
#include "xsipura_mc.h"
#include "xsipura_msg.h"
#include "xsipura_subkey.h"

#ifdef __cplusplus
extern "C" {
#endif

enum xsp_role { XSP_ROLE_CALLER = 0, XSP_ROLE_CALLEE = 1 };

#define XSP_HS_STATE_LIST(X) \
	X(XSP_HS_IDLE, "idle")                         /* nothing sent or received */ \
	X(XSP_HS_WAIT_CALLEE_HELLO, "wait-callee-hello") /* caller: Hello sent */ \
	X(XSP_HS_PEER_VERIFIED, "peer-verified")       /* caller: Callee Hello checked */ \
	X(XSP_HS_WAIT_CALLEE_FINAL, "wait-callee-final") /* caller: Final sent */ \
	X(XSP_HS_WAIT_CALLER_FINAL, "wait-caller-final") /* callee: Hello answered */ \
	X(XSP_HS_SECURE, "secure")                     /* both: keys agreed */

#define XSP_HS_STATE_ENUM(code, name) code,
enum xsp_hs_state { XSP_HS_STATE_LIST(XSP_HS_STATE_ENUM) };
#undef XSP_HS_STATE_ENUM

const char *xsp_hs_state_name(enum xsp_hs_state s);

/* What one end brings to the handshake. The CA and key are referenced, not
 * copied; the struct itself may be discarded after xsp_hs_init. */
struct xsp_hs_config {
	enum xsp_role role;
	struct xsp_assumptions assumptions;
	const struct xsp_ca *ca;     /* verifies the peer's certificate */
	const struct xsp_mc *own_mc; /* our certificate, sent in our Hello */
	struct xsp_subkey *own_key;  /* our private key: the callee unwraps with it */
	uint32_t own_ssrc;           /* SSRC of the stream we send */
	/* Caller: the user-id it dialled; the callee's MC must carry exactly this. */
	const char *dialled_user_id;
};

struct xsp_hs {
	enum xsp_role role;
	enum xsp_hs_state state;
	struct xsp_assumptions a;
	struct xsp_ca *ca;
	struct xsp_subkey *own_key;
	struct xsp_mc own_mc;
	uint32_t own_ssrc;
	char dialled_user_id[XSP_MC_ID_LEN + 1];
	/* Filled as the exchange goes. */
	struct xsp_hello peer_hello;
	uint8_t master_key[XSP_MASTER_KEY_LEN];
	uint8_t master_salt[XSP_MASTER_SALT_LEN];
};

/* What the data plane needs once the state is XSP_HS_SECURE. Secret: wipe it. */
struct xsp_hs_keys {
	uint8_t master_key[XSP_MASTER_KEY_LEN];
	uint8_t master_salt[XSP_MASTER_SALT_LEN];
	uint32_t own_ssrc;  /* the stream this end sends */
	uint32_t peer_ssrc; /* the stream this end receives */
};

/* XSP_E_INVAL for a missing CA, certificate or key, a caller without a
 * dialled user-id, or assumptions that do not validate. */
enum xsp_err xsp_hs_init(struct xsp_hs *hs, const struct xsp_hs_config *cfg);
/* Drops the references and wipes everything; hs may be re-initialised. */
void xsp_hs_clear(struct xsp_hs *hs);

/* Caller, IDLE -> WAIT_CALLEE_HELLO: the Caller Hello INFO body. */
enum xsp_err xsp_hs_caller_hello(struct xsp_hs *hs, char *body, size_t cap, size_t *len);

/* Caller, WAIT_CALLEE_HELLO -> PEER_VERIFIED: the 2xx body answering our Hello.
 * Errors: the body codec's, XSP_E_MSGID / XSP_E_VERSION (strict assumptions),
 * XSP_E_WRONG_CA / XSP_E_SIGNATURE, XSP_E_EXPIRED, XSP_E_USER_ID_MISMATCH. */
enum xsp_err xsp_hs_caller_on_callee_hello(struct xsp_hs *hs, const char *body, size_t len,
					   time_t now);

/* Caller, PEER_VERIFIED -> WAIT_CALLEE_FINAL: draws a fresh master key and salt
 * and writes the Caller Final INFO body (wrapped with the callee's key). */
enum xsp_err xsp_hs_caller_final(struct xsp_hs *hs, char *body, size_t cap, size_t *len);

/* Caller, WAIT_CALLEE_FINAL -> SECURE: the 2xx body answering the Final, which
 * must be empty (whitespace allowed): XSP_E_LENGTH otherwise. */
enum xsp_err xsp_hs_caller_on_callee_final(struct xsp_hs *hs, const char *body, size_t len);

/* Callee, IDLE -> WAIT_CALLER_FINAL: checks the Caller Hello INFO body and
 * writes the Callee Hello for the 2xx. A retransmitted Hello (same bytes) in
 * WAIT_CALLER_FINAL is answered again with the same Callee Hello. */
enum xsp_err xsp_hs_callee_on_caller_hello(struct xsp_hs *hs, const char *body, size_t len,
					   time_t now, char *reply, size_t cap,
					   size_t *reply_len);

/* Callee, WAIT_CALLER_FINAL -> SECURE: unwraps key and salt (XSP_E_UNWRAP if
 * they do not decrypt under our key to 16 bytes each). The 2xx body is empty. */
enum xsp_err xsp_hs_callee_on_caller_final(struct xsp_hs *hs, const char *body, size_t len);

/* XSP_E_STATE unless SECURE. */
enum xsp_err xsp_hs_keys(const struct xsp_hs *hs, struct xsp_hs_keys *out);

/* What an INFO body holds, judged by shape alone (FACTS.md: match x-sipura by
 * method, dialog and body shape, not by Content-Type). */
enum xsp_body_kind {
	XSP_BODY_NOT_XSIPURA = 0,
	XSP_BODY_HELLO,
	XSP_BODY_FINAL,
	XSP_BODY_EMPTY,
};
enum xsp_body_kind xsp_body_classify(const char *body, size_t len, enum xsp_key_wrap wrap);

#ifdef __cplusplus
}
#endif
#endif
