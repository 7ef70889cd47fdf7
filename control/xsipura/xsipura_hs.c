/* SPDX-License-Identifier: BSD-3-Clause */
/* The handshake state machines: caller and callee. */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "xsipura_hs.h"
#include "xsipura_internal.h"
#include "xsipura_rsa.h"

#define XSP_HS_STATE_NAME(code, name) [code] = name,
static const char *const state_names[] = { XSP_HS_STATE_LIST(XSP_HS_STATE_NAME) };
#undef XSP_HS_STATE_NAME

const char *xsp_hs_state_name(enum xsp_hs_state s)
{
	return (unsigned)s < sizeof(state_names) / sizeof(state_names[0]) ? state_names[s]
									     : "unknown";
}

enum xsp_err xsp_hs_init(struct xsp_hs *hs, const struct xsp_hs_config *cfg)
{
	if (!cfg->ca || !cfg->own_mc || !cfg->own_key ||
	    (cfg->role != XSP_ROLE_CALLER && cfg->role != XSP_ROLE_CALLEE))
		return XSP_E_INVAL;
	if (cfg->role == XSP_ROLE_CALLER &&
	    (!cfg->dialled_user_id || !cfg->dialled_user_id[0] ||
	     strlen(cfg->dialled_user_id) > XSP_MC_ID_LEN))
		return XSP_E_INVAL;
	if (xsp_assumptions_validate(&cfg->assumptions))
		return XSP_E_INVAL;
	/* Our certificate must be for our key, or the peer wraps to a key we lack. */
	if (memcmp(cfg->own_mc->pubkey, xsp_subkey_modulus(cfg->own_key), XSP_MC_KEY_LEN))
		return XSP_E_KEY_MISMATCH;
	memset(hs, 0, sizeof(*hs));
	hs->role = cfg->role;
	hs->state = XSP_HS_IDLE;
	hs->a = cfg->assumptions;
	hs->ca = xsp_ca_ref((struct xsp_ca *)cfg->ca);
	hs->own_key = xsp_subkey_ref(cfg->own_key);
	hs->own_mc = *cfg->own_mc;
	hs->own_ssrc = cfg->own_ssrc;
	if (cfg->dialled_user_id)
		strcpy(hs->dialled_user_id, cfg->dialled_user_id);
	return XSP_OK;
}

void xsp_hs_clear(struct xsp_hs *hs)
{
	xsp_ca_free(hs->ca);
	xsp_subkey_free(hs->own_key);
	OPENSSL_cleanse(hs, sizeof(*hs));
}

static enum xsp_err write_hello(const struct xsp_hs *hs, uint32_t msgid, char *body,
				size_t cap, size_t *len)
{
	uint8_t msg[XSP_HELLO_LEN];
	struct xsp_hello h = { .msgid = msgid, .version_flags = hs->a.version_flags,
			       .ssrc = hs->own_ssrc, .mc = hs->own_mc };
	xsp_hello_encode(&h, msg);
	return xsp_body_encode(msg, sizeof(msg), hs->a.body_line_len, body, cap, len);
}

/* Decodes a peer Hello and makes the checks both roles make. */
static enum xsp_err read_hello(const struct xsp_hs *hs, const char *body, size_t len,
			       uint32_t want_msgid, time_t now, struct xsp_hello *out)
{
	uint8_t msg[XSP_MSG_MAX_LEN];
	size_t mlen = 0;
	struct xsp_hello h;
	enum xsp_err rc = xsp_body_decode(body, len, msg, &mlen);
	if (!rc)
		rc = xsp_hello_decode(msg, mlen, &h);
	if (rc)
		return rc;
	if (hs->a.msgid_check == XSP_CHECK_STRICT && h.msgid != want_msgid)
		return XSP_E_MSGID;
	if (hs->a.version_check == XSP_CHECK_STRICT && h.version_flags != hs->a.version_flags)
		return XSP_E_VERSION;
	rc = xsp_mc_check(&h.mc, hs->ca, (enum xsp_clock)hs->a.expiry_clock, now);
	if (rc)
		return rc;
	*out = h;
	return XSP_OK;
}

enum xsp_err xsp_hs_caller_hello(struct xsp_hs *hs, char *body, size_t cap, size_t *len)
{
	if (hs->role != XSP_ROLE_CALLER || hs->state != XSP_HS_IDLE)
		return XSP_E_STATE;
	enum xsp_err rc = write_hello(hs, hs->a.msgid_caller_hello, body, cap, len);
	if (!rc)
		hs->state = XSP_HS_WAIT_CALLEE_HELLO;
	return rc;
}

enum xsp_err xsp_hs_caller_on_callee_hello(struct xsp_hs *hs, const char *body, size_t len,
					   time_t now)
{
	struct xsp_hello h;
	if (hs->role != XSP_ROLE_CALLER || hs->state != XSP_HS_WAIT_CALLEE_HELLO)
		return XSP_E_STATE;
	enum xsp_err rc = read_hello(hs, body, len, hs->a.msgid_callee_hello, now, &h);
	if (rc)
		return rc;
	if (!xsp_mc_user_id_is(&h.mc, hs->dialled_user_id))
		return XSP_E_USER_ID_MISMATCH;
	hs->peer_hello = h;
	hs->state = XSP_HS_PEER_VERIFIED;
	return XSP_OK;
}

enum xsp_err xsp_hs_caller_final(struct xsp_hs *hs, char *body, size_t cap, size_t *len)
{
	uint8_t key[XSP_MASTER_KEY_LEN], salt[XSP_MASTER_SALT_LEN];
	uint8_t joint[XSP_MASTER_KEY_LEN + XSP_MASTER_SALT_LEN];
	uint8_t msg[XSP_FINAL_SEPARATE_LEN];
	size_t mlen = 0;
	EVP_PKEY *peer = NULL;
	struct xsp_final f = { .msgid = hs->a.msgid_caller_final };
	if (hs->role != XSP_ROLE_CALLER || hs->state != XSP_HS_PEER_VERIFIED)
		return XSP_E_STATE;
	enum xsp_err rc = xsp_rsa_public(hs->peer_hello.mc.pubkey, XSP_MC_KEY_LEN, &peer);
	if (rc)
		return rc;
	rc = RAND_priv_bytes(key, sizeof(key)) == 1 && RAND_priv_bytes(salt, sizeof(salt)) == 1
		     ? XSP_OK
		     : XSP_E_CRYPTO;
	if (!rc && hs->a.key_wrap == XSP_KEY_WRAP_JOINT) {
		memcpy(joint, key, sizeof(key));
		memcpy(joint + sizeof(key), salt, sizeof(salt));
		f.nblocks = 1;
		rc = xsp_rsa_wrap(peer, joint, sizeof(joint), f.block[0], XSP_WRAP_BLOCK_LEN);
	} else if (!rc) {
		f.nblocks = 2;
		rc = xsp_rsa_wrap(peer, key, sizeof(key), f.block[0], XSP_WRAP_BLOCK_LEN);
		if (!rc)
			rc = xsp_rsa_wrap(peer, salt, sizeof(salt), f.block[1], XSP_WRAP_BLOCK_LEN);
	}
	if (!rc)
		rc = xsp_final_encode(&f, msg, sizeof(msg), &mlen);
	if (!rc)
		rc = xsp_body_encode(msg, mlen, hs->a.body_line_len, body, cap, len);
	if (!rc) {
		memcpy(hs->master_key, key, sizeof(key));
		memcpy(hs->master_salt, salt, sizeof(salt));
		hs->state = XSP_HS_WAIT_CALLEE_FINAL;
	}
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(salt, sizeof(salt));
	OPENSSL_cleanse(joint, sizeof(joint));
	EVP_PKEY_free(peer);
	return rc;
}

static bool blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return false;
	return true;
}

enum xsp_err xsp_hs_caller_on_callee_final(struct xsp_hs *hs, const char *body, size_t len)
{
	if (hs->role != XSP_ROLE_CALLER || hs->state != XSP_HS_WAIT_CALLEE_FINAL)
		return XSP_E_STATE;
	if (!blank(body, len))
		return XSP_E_LENGTH;
	hs->state = XSP_HS_SECURE;
	return XSP_OK;
}

enum xsp_err xsp_hs_callee_on_caller_hello(struct xsp_hs *hs, const char *body, size_t len,
					   time_t now, char *reply, size_t cap,
					   size_t *reply_len)
{
	struct xsp_hello h;
	if (hs->role != XSP_ROLE_CALLEE ||
	    (hs->state != XSP_HS_IDLE && hs->state != XSP_HS_WAIT_CALLER_FINAL))
		return XSP_E_STATE;
	enum xsp_err rc = read_hello(hs, body, len, hs->a.msgid_caller_hello, now, &h);
	if (rc)
		return rc;
	/* In WAIT_CALLER_FINAL only a retransmission of the same Hello is answered. */
	if (hs->state == XSP_HS_WAIT_CALLER_FINAL &&
	    (h.msgid != hs->peer_hello.msgid || h.version_flags != hs->peer_hello.version_flags ||
	     h.ssrc != hs->peer_hello.ssrc || memcmp(&h.mc, &hs->peer_hello.mc, sizeof(h.mc))))
		return XSP_E_STATE;
	rc = write_hello(hs, hs->a.msgid_callee_hello, reply, cap, reply_len);
	if (rc)
		return rc;
	hs->peer_hello = h;
	hs->state = XSP_HS_WAIT_CALLER_FINAL;
	return XSP_OK;
}

/* Unwraps one block that must hold exactly want bytes. */
static enum xsp_err unwrap_exact(EVP_PKEY *priv, const uint8_t *block, uint8_t *out,
				 size_t want)
{
	uint8_t buf[XSP_WRAP_BLOCK_LEN];
	size_t n = 0;
	enum xsp_err rc = xsp_rsa_unwrap(priv, block, XSP_WRAP_BLOCK_LEN, buf, sizeof(buf), &n);
	if (!rc && n != want)
		rc = XSP_E_UNWRAP;
	if (!rc)
		memcpy(out, buf, want);
	OPENSSL_cleanse(buf, sizeof(buf));
	return rc;
}

enum xsp_err xsp_hs_callee_on_caller_final(struct xsp_hs *hs, const char *body, size_t len)
{
	uint8_t msg[XSP_MSG_MAX_LEN];
	uint8_t ks[XSP_MASTER_KEY_LEN + XSP_MASTER_SALT_LEN];
	size_t mlen = 0;
	struct xsp_final f;
	if (hs->role != XSP_ROLE_CALLEE || hs->state != XSP_HS_WAIT_CALLER_FINAL)
		return XSP_E_STATE;
	enum xsp_err rc = xsp_body_decode(body, len, msg, &mlen);
	if (!rc)
		rc = xsp_final_decode(msg, mlen, (enum xsp_key_wrap)hs->a.key_wrap, &f);
	if (!rc && hs->a.msgid_check == XSP_CHECK_STRICT && f.msgid != hs->a.msgid_caller_final)
		rc = XSP_E_MSGID;
	if (rc)
		return rc;
	EVP_PKEY *priv = xsp_subkey_pkey(hs->own_key);
	if (f.nblocks == 1) {
		rc = unwrap_exact(priv, f.block[0], ks, sizeof(ks));
	} else {
		rc = unwrap_exact(priv, f.block[0], ks, XSP_MASTER_KEY_LEN);
		if (!rc)
			rc = unwrap_exact(priv, f.block[1], ks + XSP_MASTER_KEY_LEN,
					  XSP_MASTER_SALT_LEN);
	}
	if (!rc) {
		memcpy(hs->master_key, ks, XSP_MASTER_KEY_LEN);
		memcpy(hs->master_salt, ks + XSP_MASTER_KEY_LEN, XSP_MASTER_SALT_LEN);
		hs->state = XSP_HS_SECURE;
	}
	OPENSSL_cleanse(ks, sizeof(ks));
	return rc;
}

enum xsp_err xsp_hs_keys(const struct xsp_hs *hs, struct xsp_hs_keys *out)
{
	if (hs->state != XSP_HS_SECURE)
		return XSP_E_STATE;
	memcpy(out->master_key, hs->master_key, sizeof(out->master_key));
	memcpy(out->master_salt, hs->master_salt, sizeof(out->master_salt));
	out->own_ssrc = hs->own_ssrc;
	out->peer_ssrc = hs->peer_hello.ssrc;
	return XSP_OK;
}

enum xsp_body_kind xsp_body_classify(const char *body, size_t len, enum xsp_key_wrap wrap)
{
	uint8_t msg[XSP_MSG_MAX_LEN];
	size_t mlen = 0;
	enum xsp_body_kind kind = XSP_BODY_NOT_XSIPURA;
	if (blank(body, len))
		return XSP_BODY_EMPTY;
	if (xsp_body_decode(body, len, msg, &mlen) == XSP_OK) {
		if (mlen == XSP_HELLO_LEN)
			kind = XSP_BODY_HELLO;
		else if (mlen == xsp_final_len(wrap))
			kind = XSP_BODY_FINAL;
	}
	OPENSSL_cleanse(msg, sizeof(msg));
	return kind;
}
