/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * From a finished handshake to the SRTP engine's policy (dataplane/srtp/xs_srtp.h).
 * The srtp_* assumptions (xsipura_assumptions.h) become the engine's x-sipura
 * profile; the master key and salt come from the handshake. Header-only, so the
 * x-sipura library itself does not depend on the engine: the code that programs
 * the data plane includes both.
 *
 * Which SSRC a policy is for is up to the caller: with key_scope=shared the one
 * master key protects the stream this end sends (own_ssrc) and the one it
 * receives (peer_ssrc), each with its own stream state in the engine.
 */
#ifndef XSIPURA_SRTP_PROFILE_H
#define XSIPURA_SRTP_PROFILE_H

#include <string.h>

#include "xs_srtp.h"
#include "xsipura_assumptions.h"
#include "xsipura_hs.h"

_Static_assert((int)XSP_SRTP_AUTH_HMAC_MD5 == (int)XS_XSIPURA_AUTH_HMAC_MD5 &&
		       (int)XSP_SRTP_AUTH_HMAC_SHA1 == (int)XS_XSIPURA_AUTH_HMAC_SHA1,
	       "assumption srtp_auth mirrors enum xs_xsipura_auth");
_Static_assert((int)XSP_SRTP_KDF_RFC3711 == (int)XS_XSIPURA_KDF_RFC3711 &&
		       (int)XSP_SRTP_KDF_DIRECT == (int)XS_XSIPURA_KDF_DIRECT,
	       "assumption srtp_kdf mirrors enum xs_xsipura_kdf");
_Static_assert(XSP_MASTER_KEY_LEN <= XS_SRTP_MAX_KEY_LEN &&
		       XSP_MASTER_SALT_LEN <= XS_SRTP_MAX_SALT_LEN,
	       "the engine holds x-sipura's 16-byte key and salt");

static inline void xsp_srtp_profile(const struct xsp_assumptions *a,
				    struct xs_xsipura_profile *p)
{
	memset(p, 0, sizeof(*p));
	p->auth = a->srtp_auth;
	p->tag_len = a->srtp_tag_len;
	p->kdf = a->srtp_kdf;
	p->salt_len = a->srtp_salt_len;
	p->auth_key_len = a->srtp_auth_key_len;
	p->rtcp_encrypted = a->srtcp == XSP_SRTCP_ENCRYPTED;
}

/* The engine policy for the keys a handshake agreed. Holds key material: the
 * caller wipes it once xs_srtp_keys_create() has taken it. */
static inline void xsp_srtp_policy(const struct xsp_assumptions *a, const struct xsp_hs_keys *k,
				   struct xs_srtp_policy *pol)
{
	memset(pol, 0, sizeof(*pol));
	pol->suite = XS_SUITE_XSIPURA;
	pol->key_len = XSP_MASTER_KEY_LEN;
	pol->salt_len = XSP_MASTER_SALT_LEN;
	memcpy(pol->master_key, k->master_key, XSP_MASTER_KEY_LEN);
	memcpy(pol->master_salt, k->master_salt, XSP_MASTER_SALT_LEN);
	xsp_srtp_profile(a, &pol->xsipura);
}

#endif
