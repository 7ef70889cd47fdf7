/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer: what xsrelay-sip does with a SIP message off the network before
 * any dialog exists: libre's parser (sip_msg_decode), then the edge's own reads
 * of it: the Contact of a REGISTER (sip_addr_decode), the expires parameter,
 * the user parts it copies, the x-sipura classification of an INFO body, and
 * the checks a request must pass before the edge acts on it (sip_fault.c).
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
	memcpy(out, pl->p, n);
	out[n] = '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
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
