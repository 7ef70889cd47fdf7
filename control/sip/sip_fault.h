/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The checks the edge makes on a request libre decoded, before anything acts
 * on it (sip_guard.c answers a fault with 400 or drops it): Via, From, To,
 * Call-ID and CSeq present, the CSeq method the request's, and over UDP a
 * Content-Length that does not run past the datagram. And the framing of SIP
 * on TCP and TLS (sip_stream_guard.c). Apart from the edge so that the fuzz
 * target (tests/fuzz/fuzz_sip_msg.c) runs them on every input.
 */
#ifndef XS_SIP_FAULT_H
#define XS_SIP_FAULT_H

#include <stddef.h>

struct sip_msg;
struct mbuf;

/* libre's limit on the bytes of one message a SIP connection buffers */
#define SIP_STREAM_MAX 65536

/* NULL when the request is fit, else the fault in a few words (static). */
const char *sip_request_fault(const struct sip_msg *msg);

/*
 * Frames the SIP a TCP or TLS connection holds in b (from b->pos), as libre's
 * SIP transport does: CRLF keep-alives skipped, each message decoded, a
 * Content-Length required, no message over SIP_STREAM_MAX; stricter than libre
 * on one point: a complete first line that is not a request or status line is
 * a fault at once (libre waits for 8 KiB of it). Returns 0 with b->pos past
 * the complete messages (the rest is a message still to come), or the offset
 * in b's buffer where the first message that does not frame starts, plus one,
 * with the fault in a few words in fault.
 */
size_t sip_stream_fault(struct mbuf *b, char *fault, size_t faultsz);

#endif
