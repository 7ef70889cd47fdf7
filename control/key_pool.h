/* SPDX-License-Identifier: BSD-3-Clause */
/* Secret random bytes for minted keys, from OpenSSL's private DRBG through a
 * 4 KiB pool (key_pool.c says why and what it keeps). */
#ifndef XS_KEY_POOL_H
#define XS_KEY_POOL_H

#include <stddef.h>
#include <stdint.h>

/* n secret random bytes into out: 0, or -1 (out unchanged) when the DRBG fails. */
int key_pool_bytes(uint8_t *out, size_t n);

#endif
