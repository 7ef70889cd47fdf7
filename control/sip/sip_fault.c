/* SPDX-License-Identifier: BSD-3-Clause */
/* What makes a decoded SIP request, or a stream of SIP, unfit to act on (see sip_fault.h). */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <re.h>

#include "sip_fault.h"

const char *sip_request_fault(const struct sip_msg *msg)
{
	if (!pl_isset(&msg->via.sentby))
		return "no Via";
	if (!pl_isset(&msg->from.auri))
		return "no From";
	if (!pl_isset(&msg->to.auri))
		return "no To";
	if (!pl_isset(&msg->callid))
		return "no Call-ID";
	if (!pl_isset(&msg->cseq.met))
		return "no CSeq";
	if (pl_casecmp(&msg->cseq.met, &msg->met))
		return "the CSeq method is not the request's";
	if (msg->tp == SIP_TRANSP_UDP && pl_isset(&msg->clen) &&
	    (size_t)pl_u32(&msg->clen) > mbuf_get_left(msg->mb))
		return "Content-Length runs past the datagram";
	return NULL;
}

/*
 * False when the first line is complete and is not "A B C" (a request or
 * status line): libre would wait for 8 KiB of such bytes before refusing them,
 * holding the connection open, so the edge refuses them at the line's end.
 */
static bool start_line_ok(const struct mbuf *b)
{
	const char *p = (const char *)mbuf_buf(b);
	const char *nl = memchr(p, '\n', mbuf_get_left(b));
	struct pl x, y, z, e; /* each [..] of the pattern is a group */
	if (!nl)
		return true; /* not complete yet */
	if (re_regex(p, (size_t)(nl - p) + 1, "[^ \t\r\n]+ [^ \t\r\n]+ [^\r\n]*[\r]*[\n]1",
		     &x, &y, &z, NULL, &e))
		return false;
	return x.p == p;
}

size_t sip_stream_fault(struct mbuf *b, char *fault, size_t faultsz)
{
	for (;;) {
		if (mbuf_get_left(b) < 2)
			break;
		if (!memcmp(mbuf_buf(b), "\r\n", 2)) { /* keep-alive, RFC 5626 */
			b->pos += 2;
			continue;
		}
		size_t start = b->pos;
		struct sip_msg *msg = NULL;
		int derr = sip_msg_decode(&msg, b);
		if (derr == ENODATA) {
			b->pos = start;
			mem_deref(msg);
			if (!start_line_ok(b)) {
				re_snprintf(fault, faultsz, "not a SIP start line");
				return start + 1;
			}
			break;
		}
		if (derr) {
			re_snprintf(fault, faultsz, "not a SIP message libre can decode (%m)", derr);
			return start + 1;
		}
		/* libre's rule: a Content-Length header, even an empty one (value 0) */
		bool has_clen = msg->clen.p != NULL;
		uint32_t clen = has_clen ? pl_u32(&msg->clen) : 0;
		uint64_t size = (uint64_t)(b->pos - start) + clen;
		mem_deref(msg);
		if (!has_clen) {
			re_snprintf(fault, faultsz, "no Content-Length (required on TCP and TLS)");
			return start + 1;
		}
		if (size > SIP_STREAM_MAX) {
			re_snprintf(fault, faultsz, "a message of %llu bytes (limit %u)",
				    (unsigned long long)size, SIP_STREAM_MAX);
			return start + 1;
		}
		if (mbuf_get_left(b) < clen) {
			b->pos = start;
			break;
		}
		b->pos += clen;
	}
	return 0;
}
