/* SPDX-License-Identifier: BSD-3-Clause */
/* Control protocol client; see dp_client.h. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "dp_client.h"
#include "dp_codec.h"

int xs_dp_client_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

long xs_dp_client_recv(int fd, void *buf, size_t cap)
{
	ssize_t n;

	do
		n = recv(fd, buf, cap, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ECONNRESET;
	return n;
}

long xs_dp_client_call(int fd, uint16_t type, uint32_t seq, const void *body, size_t blen,
		       void *buf, size_t cap)
{
	uint8_t out[XS_DP_MSG_MAX];
	struct xs_dp_hdr h;

	if (sizeof(h) + blen > sizeof(out))
		return -EMSGSIZE;
	xs_dp_hdr_fill(&h, type, (uint32_t)(sizeof(h) + blen), seq, 0);
	memcpy(out, &h, sizeof(h));
	if (blen)
		memcpy(out + sizeof(h), body, blen);
	if (send(fd, out, sizeof(h) + blen, MSG_NOSIGNAL) < 0)
		return -errno;
	return xs_dp_client_recv(fd, buf, cap);
}

static int reply_code(const uint8_t *buf, long n)
{
	const struct xs_dp_hdr *h;
	struct xs_dp_error e;

	if (n < 0)
		return (int)n;
	if (xs_dp_reply_check(buf, (size_t)n, &h, NULL))
		return -EBADMSG;
	if (h->type == XS_DP_MSG_ERROR) {
		memcpy(&e, buf + sizeof(*h), sizeof(e));
		return e.code;
	}
	return 0;
}

int xs_dp_client_hello(int fd, uint32_t seq)
{
	struct xs_dp_hello hello;
	uint8_t buf[512];

	xs_dp_hello_fill(&hello);
	return reply_code(buf, xs_dp_client_call(fd, XS_DP_MSG_HELLO, seq, &hello, sizeof(hello),
						 buf, sizeof(buf)));
}

int xs_dp_client_simple(int fd, uint16_t type, uint32_t seq, const void *body, size_t blen)
{
	uint8_t buf[512];

	return reply_code(buf, xs_dp_client_call(fd, type, seq, body, blen, buf, sizeof(buf)));
}
