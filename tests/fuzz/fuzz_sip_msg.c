/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer: what xsrelay-sip does with a SIP message off the network before
 * any dialog exists: libre's parser (sip_msg_decode), then the edge's own reads
 * of it: the Contact of a REGISTER (sip_addr_decode), the expires parameter,
 * the user parts it copies, the x-sipura classification of an INFO body, and
 * the checks a request must pass before the edge acts on it (sip_fault.c);
 * and the same bytes as a TCP/TLS stream in two pieces, framed as
 * sip_stream_guard.c frames a connection (sip_stream_fault).
 * libre itself is not instrumented (it is Debian's build); the edge's code is.
 */
#include <stdint.h>
#include <string.h>

#include <re.h>

#include "sip_fault.h"
#include "xsipura_hs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void pl_user(const struct pl *pl, char *out, size_t cap)
{
	size_t n = pl->l < cap - 1 ? pl->l : cap - 1;
	if (n) /* an absent part is {NULL, 0}: memcpy(out, NULL, 0) is undefined */
		memcpy(out, pl->p, n);
	out[n] = '\0';
}

/* The input as a stream arriving in two pieces, cut where its first byte says. */
static void stream_frame(const uint8_t *data, size_t size)
{
	struct mbuf *b = mbuf_alloc(size + 1);
	char fault[80] = "";
	size_t cut = size ? data[0] % (size + 1) : 0, at;
	if (!b)
		return;
	mbuf_write_mem(b, data, cut);
	b->pos = 0;
	at = sip_stream_fault(b, fault, sizeof(fault));
	if (!at) {
		size_t pos = b->pos;
		b->pos = b->end;
		mbuf_write_mem(b, data + cut, size - cut);
		b->pos = pos;
		at = sip_stream_fault(b, fault, sizeof(fault));
	}
	if (at && (at - 1 >= b->end || !fault[0]))
		__builtin_trap(); /* a fault lies inside what was held, and is named */
	if (!at && b->pos > b->end)
		__builtin_trap();
	mem_deref(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	stream_frame(data, size);
	struct mbuf *mb = mbuf_alloc(size + 1);
	struct sip_msg *msg = NULL;
	char user[64], tag[128];
	if (!mb)
		return 0;
	mbuf_write_mem(mb, data, size);
	mb->pos = 0;
	if (!sip_msg_decode(&msg, mb)) {
		pl_user(&msg->from.uri.user, user, sizeof(user));
		pl_user(&msg->to.tag, tag, sizeof(tag));
		const struct sip_hdr *ch = sip_msg_hdr(msg, SIP_HDR_CONTACT);
		struct sip_addr ca;
		struct pl ex;
		if (ch && !sip_addr_decode(&ca, &ch->val))
			(void)msg_param_decode(&ca.params, "expires", &ex);
		if (pl_isset(&msg->expires))
			(void)pl_u32(&msg->expires);
		(void)xsp_body_classify((const char *)mbuf_buf(msg->mb), mbuf_get_left(msg->mb),
					XSP_KEY_WRAP_SEPARATE);
		if (msg->req) {
			const char *fault = sip_request_fault(msg);
			if (fault && !fault[0])
				__builtin_trap(); /* a fault is named, never empty */
		}
		mem_deref(msg);
	}
	mem_deref(mb);
	return 0;
}
