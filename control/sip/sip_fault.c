/* SPDX-License-Identifier: BSD-3-Clause */
/* What makes a decoded SIP request unfit to act on (see sip_fault.h). */
#include <stdbool.h>
#include <stdint.h>

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
