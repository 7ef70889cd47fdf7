/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Types and helpers for the files that compile both in the kernel module and
 * in userspace (the unit tests): xsk_srtp.c. Nothing here may need the kernel.
 */
#ifndef XSK_TYPES_H
#define XSK_TYPES_H

#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/types.h>
#else
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;
#endif

#include <xsrelay/dp_proto.h>

#endif /* XSK_TYPES_H */
