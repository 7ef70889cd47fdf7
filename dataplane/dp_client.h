/* SPDX-License-Identifier: BSD-3-Clause */
/* A minimal client of the fast-path control protocol (tests, tools, and a
 * starting point for xsrelayd). Blocking; one request at a time. */
#ifndef DP_CLIENT_H
#define DP_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <xsrelay/dp_proto.h>

/* Connect to the socket at path. fd or -errno. */
int xs_dp_client_connect(const char *path);
/* Send one request (header built here) and receive one reply into buf.
 * Returns the reply length or -errno; err gets the ERROR body if the reply is one. */
long xs_dp_client_call(int fd, uint16_t type, uint32_t seq, const void *body, size_t blen,
		       void *buf, size_t cap);
/* HELLO: 0, or the positive error code the server answered, or -errno. */
int xs_dp_client_hello(int fd, uint32_t seq);
/* A request answered by ACK or ERROR: 0, the positive error code, or -errno. */
int xs_dp_client_simple(int fd, uint16_t type, uint32_t seq, const void *body, size_t blen);
/* Receive one datagram (e.g. the next dump part). Length or -errno. */
long xs_dp_client_recv(int fd, void *buf, size_t cap);

#endif
