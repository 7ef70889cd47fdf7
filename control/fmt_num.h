/* SPDX-License-Identifier: BSD-3-Clause */
/* Decimal integers without snprintf, which costs more than the rest of a reply's
 * or an SDP line's bookkeeping (replies hold dozens of integers). */
#ifndef XS_FMT_NUM_H
#define XS_FMT_NUM_H

#include <stdint.h>

/* The digits of v, written backwards ending at end (20 bytes hold any
 * uint64_t); returns the first. */
static inline char *xs_fmt_u64(char *end, uint64_t v)
{
	do
		*--end = (char)('0' + v % 10);
	while (v /= 10);
	return end;
}

#endif
