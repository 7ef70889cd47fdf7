/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Validation and building of control messages (include/xsrelay/dp_proto.h).
 * Pure C: no DPDK, no sockets, no allocation, so the control server, the
 * fuzzer, the tests and (later) the kernel module share it.
 */
#ifndef DP_CODEC_H
#define DP_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xsrelay/dp_proto.h>

/* Why a message was refused: a positive errno and one sentence. */
struct xs_dp_verdict {
	int code;          /* 0 when accepted */
	const char *why;
};

/* Check one received request: header, exact body size for its type, zeroed
 * padding, every field in range. Returns 0 or -errno and fills *v (may be
 * NULL). On success *hdr points into buf. Does not look at any state. */
int xs_dp_request_check(const void *buf, size_t len, const struct xs_dp_hdr **hdr,
			struct xs_dp_verdict *v);

/* Check a HELLO's magic, version and size table against this build. */
int xs_dp_hello_check(const struct xs_dp_hello *h, struct xs_dp_verdict *v);

/* Body size a request type takes, or -1 for a type that is not a request. */
long xs_dp_request_body_size(uint16_t type);

/* A BATCH body (see dp_proto.h): with requests true, 1..XS_DP_BATCH_MAX whole
 * requests of the batchable types, each passing xs_dp_request_check; else 1..
 * XS_DP_BATCH_MAX replies (ACK, ERROR, FLOW_INFO), each passing
 * xs_dp_reply_check. Every part starts 8-byte aligned within the body. 0 or
 * -errno with *v filled. */
int xs_dp_batch_check(const void *body, size_t blen, bool requests, struct xs_dp_verdict *v);

/* The parts of a BATCH body that passed xs_dp_batch_check, one per call from
 * *off = 0: the part's start and length, or NULL after the last. */
const uint8_t *xs_dp_batch_next(const void *body, size_t blen, size_t *off, size_t *len);

/* Whether a request type may go inside a BATCH. */
bool xs_dp_batchable(uint16_t type);

/* Check one reply (client side): header, size for its type. */
int xs_dp_reply_check(const void *buf, size_t len, const struct xs_dp_hdr **hdr,
		      struct xs_dp_verdict *v);

/* Fill a header. */
static inline void xs_dp_hdr_fill(struct xs_dp_hdr *h, uint16_t type, uint32_t len,
				  uint32_t seq, uint16_t flags)
{
	*h = (struct xs_dp_hdr){ .type = type, .flags = flags, .len = len, .seq = seq };
}

/* Build an ERROR reply in buf (sizeof hdr + sizeof xs_dp_error bytes).
 * Returns its length. */
size_t xs_dp_error_build(void *buf, uint32_t seq, uint16_t req_type, int code,
			 const char *text);

bool xs_dp_addr_valid(const struct xs_dp_addr *a, bool need_port);
/* Text form "1.2.3.4:5" or "[::1]:5"; returns buf. */
const char *xs_dp_addr_str(const struct xs_dp_addr *a, char *buf, size_t len);
/* Parse "1.2.3.4:5", "[::1]:5", or without a port when port_opt. 0 or -EINVAL. */
int xs_dp_addr_parse(const char *s, struct xs_dp_addr *a, bool port_opt);

const char *xs_dp_msg_type_name(uint16_t type);

#endif
