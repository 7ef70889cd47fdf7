/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The checks the edge makes on a request libre decoded, before anything acts
 * on it (sip_guard.c answers a fault with 400 or drops it): Via, From, To,
 * Call-ID and CSeq present, the CSeq method the request's, and over UDP a
 * Content-Length that does not run past the datagram. Apart from the edge so
 * that the fuzz target (tests/fuzz/fuzz_sip_msg.c) runs it on every input.
 */
#ifndef XS_SIP_FAULT_H
#define XS_SIP_FAULT_H

struct sip_msg;

/* NULL when the request is fit, else the fault in a few words (static). */
const char *sip_request_fault(const struct sip_msg *msg);

#endif
