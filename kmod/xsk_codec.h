/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Validation of control requests (include/xsrelay/dp_proto.h), the same
 * checks as xsrelay-dp's dataplane/dp_codec.c, on the types of xsk_types.h so
 * that it compiles in the kernel and in the userspace unit tests.
 * Every function returns 0 or -errno and sets *why to one sentence.
 */
#ifndef XSK_CODEC_H
#define XSK_CODEC_H

#include "xsk_types.h"

/* Header, exact body size for its type, zeroed padding, fields in range. */
int xsk_request_check(const void *buf, size_t len, const char **why);
/* Magic, version and size table against this build. */
int xsk_hello_check(const struct xs_dp_hello *h, const char **why);
bool xsk_addr_valid(const struct xs_dp_addr *a, bool need_port);

#endif /* XSK_CODEC_H */
