/* SPDX-License-Identifier: BSD-3-Clause */
/* Reading and writing files that hold keys: bounded, private, wiped. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "xsipura_internal.h"

void xsp_secret_free(void *buf, size_t len)
{
	if (!buf)
		return;
	OPENSSL_cleanse(buf, len);
	free(buf);
}

enum xsp_err xsp_file_read(const char *path, size_t max, char **buf, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return XSP_E_IO;
	/* One byte more than allowed tells "too large" from "exactly max". */
	char *b = malloc(max + 2);
	size_t n = 0;
	enum xsp_err rc = b ? XSP_OK : XSP_E_NOMEM;
	while (!rc && n <= max) {
		ssize_t r = read(fd, b + n, max + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			rc = XSP_E_IO;
		else if (r == 0)
			break;
		else
			n += (size_t)r;
	}
	int saved = errno;
	close(fd);
	if (!rc && n > max) {
		rc = XSP_E_LENGTH;
		saved = EFBIG;
	}
	if (rc) {
		xsp_secret_free(b, max + 2);
		errno = saved;
		return rc;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return XSP_OK;
}

static bool write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		len -= (size_t)w;
	}
	return true;
}

enum xsp_err xsp_file_write_secret(const char *path, const void *data, size_t len,
				   bool overwrite)
{
	int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (overwrite ? O_TRUNC : O_EXCL);
	int fd = open(path, flags, 0600);
	if (fd < 0)
		return errno == EEXIST ? XSP_E_EXISTS : XSP_E_IO;
	/* An existing file keeps its mode under O_TRUNC: make it private too. */
	bool ok = fchmod(fd, 0600) == 0 && write_all(fd, data, len) && fsync(fd) == 0;
	int saved = errno;
	if (close(fd) != 0)
		ok = false;
	if (!ok) {
		unlink(path);
		errno = saved;
		return XSP_E_IO;
	}
	return XSP_OK;
}
