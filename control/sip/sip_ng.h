/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xsrelay-sip's client of xsrelayd: ng requests over UDP, answered within a
 * timeout (xsrelayd is local; a lost datagram is sent again with the same
 * cookie, which xsrelayd answers from its cache). Blocking: the edge's event
 * loop waits for xsrelayd, which answers in well under a millisecond.
 */
#ifndef XS_SIP_NG_H
#define XS_SIP_NG_H

#include <stddef.h>
#include <stdint.h>

#include "ng_codec.h"

struct sip_ng;

struct sip_ng *sip_ng_open(const char *addr_port);
void sip_ng_close(struct sip_ng *ng);

/* Sends the dict in req (bencode, no cookie) and parses the reply into the
 * client's arena: the reply dict, or NULL on timeout / unreadable reply. A
 * reply with "result":"error" is returned too: check it with sip_ng_ok. */
const struct ng_val *sip_ng_call(struct sip_ng *ng, const struct ng_out *req);
/* NULL when the reply is ok (or pong), else its error-reason (static buffer). */
const char *sip_ng_error(const struct ng_val *reply);

#endif
