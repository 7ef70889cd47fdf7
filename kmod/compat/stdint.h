/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The kernel has no <stdint.h>; include/xsrelay/dp_proto.h (shared with
 * userspace) includes it. linux/types.h defines the same fixed-width names.
 */
#ifndef XSK_COMPAT_STDINT_H
#define XSK_COMPAT_STDINT_H
#include <linux/types.h>
#endif
