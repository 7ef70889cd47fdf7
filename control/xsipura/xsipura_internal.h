/* SPDX-License-Identifier: BSD-3-Clause */
/* Library-internal: the OpenSSL keys inside the opaque objects, and file I/O
 * for secrets. Not installed, not for callers outside control/xsipura. */
#ifndef XSIPURA_INTERNAL_H
#define XSIPURA_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/evp.h>

#include "xsipura_ca.h"
#include "xsipura_err.h"
#include "xsipura_subkey.h"

EVP_PKEY *xsp_ca_pkey(const struct xsp_ca *ca);
EVP_PKEY *xsp_subkey_pkey(const struct xsp_subkey *key);

/* Reads a whole file of at most max bytes into a NUL-terminated buffer (free
 * with xsp_secret_free: it may hold a key). XSP_E_IO with errno set, or
 * XSP_E_LENGTH (errno EFBIG) when larger than max. */
enum xsp_err xsp_file_read(const char *path, size_t max, char **buf, size_t *len);
/* Creates path with mode 0600 and writes data. Without overwrite an existing
 * file is XSP_E_EXISTS. On failure no file is left behind. */
enum xsp_err xsp_file_write_secret(const char *path, const void *data, size_t len,
				   bool overwrite);
void xsp_secret_free(void *buf, size_t len); /* wipes, then frees; NULL ok */

#endif
