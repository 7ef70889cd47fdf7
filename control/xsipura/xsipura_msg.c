/* SPDX-License-Identifier: BSD-3-Clause */
/* Handshake message codec: fixed layouts, big-endian words, base64 bodies. */
#include <string.h>

#include "xsipura_b64.h"
#include "xsipura_msg.h"

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void xsp_hello_encode(const struct xsp_hello *h, uint8_t out[XSP_HELLO_LEN])
{
	put32(out, h->msgid);
	put32(out + 4, h->version_flags);
	put32(out + 8, h->ssrc);
	xsp_mc_encode(&h->mc, out + 12);
}

enum xsp_err xsp_hello_decode(const uint8_t *buf, size_t len, struct xsp_hello *out)
{
	struct xsp_hello h;
	if (len != XSP_HELLO_LEN)
		return len < XSP_HELLO_LEN ? XSP_E_TRUNCATED : XSP_E_LENGTH;
	enum xsp_err rc = xsp_mc_decode(buf + 12, XSP_MC_LEN, &h.mc);
	if (rc)
		return rc;
	h.msgid = get32(buf);
	h.version_flags = get32(buf + 4);
	h.ssrc = get32(buf + 8);
	*out = h;
	return XSP_OK;
}

size_t xsp_final_len(enum xsp_key_wrap wrap)
{
	return wrap == XSP_KEY_WRAP_JOINT ? XSP_FINAL_JOINT_LEN : XSP_FINAL_SEPARATE_LEN;
}

enum xsp_err xsp_final_encode(const struct xsp_final *f, uint8_t *out, size_t cap,
			      size_t *len)
{
	if (f->nblocks != 1 && f->nblocks != 2)
		return XSP_E_INVAL;
	size_t need = 4 + (size_t)f->nblocks * XSP_WRAP_BLOCK_LEN;
	if (cap < need)
		return XSP_E_BUFFER;
	put32(out, f->msgid);
	for (unsigned i = 0; i < f->nblocks; i++)
		memcpy(out + 4 + i * XSP_WRAP_BLOCK_LEN, f->block[i], XSP_WRAP_BLOCK_LEN);
	*len = need;
	return XSP_OK;
}

enum xsp_err xsp_final_decode(const uint8_t *buf, size_t len, enum xsp_key_wrap wrap,
			      struct xsp_final *out)
{
	size_t want = xsp_final_len(wrap);
	if (len != want)
		return len < want ? XSP_E_TRUNCATED : XSP_E_LENGTH;
	struct xsp_final f = { .msgid = get32(buf),
			       .nblocks = wrap == XSP_KEY_WRAP_JOINT ? 1 : 2 };
	for (unsigned i = 0; i < f.nblocks; i++)
		memcpy(f.block[i], buf + 4 + i * XSP_WRAP_BLOCK_LEN, XSP_WRAP_BLOCK_LEN);
	*out = f;
	return XSP_OK;
}

enum xsp_err xsp_body_encode(const uint8_t *msg, size_t len, unsigned line_len, char *out,
			     size_t cap, size_t *out_len)
{
	return xsp_b64_encode(msg, len, line_len, out, cap, out_len);
}

enum xsp_err xsp_body_decode(const char *body, size_t len, uint8_t out[XSP_MSG_MAX_LEN],
			     size_t *msg_len)
{
	return xsp_b64_decode(body, len, out, XSP_MSG_MAX_LEN, msg_len);
}
