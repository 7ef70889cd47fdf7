/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the parts of the in-VM test program share (kmod_vm_test.c: the
 * control device, sockets, packets printed for the host; kmod_vm_stream.c:
 * the stream lifecycle test).
 */
#ifndef KMOD_VM_H
#define KMOD_VM_H

#include <netinet/in.h>
#include <stdio.h>
#include <sys/types.h>

#include "xsk_ossl.h"

#define IP4(a, b, c, d)	((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))
#define LO4		IP4(127, 0, 0, 1)

extern int passed, failed;
extern int ctl_fd;		/* /dev/xsrelay */
extern int ns_root;		/* our network namespace */

#define CHECK(cond, ...) do { \
	if (cond) { passed++; printf("ok   - " __VA_ARGS__); } \
	else { failed++; printf("FAIL - " __VA_ARGS__); } \
	printf("\n"); \
} while (0)

int unhex(const char *s, uint8_t *out, size_t n);
/* One request, its first reply's body into rep; the reply type, -1 on error. */
int ctl(uint16_t type, const void *body, uint32_t blen, void *rep, size_t rlen);
void addr4ip(struct xs_dp_addr *a, uint32_t ip, uint16_t port);
void addr4(struct xs_dp_addr *a, uint16_t port);
void crypto80(struct xs_dp_crypto *c, const uint8_t key30[30]);
int flow_get_at(uint32_t ip, uint16_t port, struct xs_dp_flow_info *info);
/* A UDP socket bound to ip:port in network namespace ns (-1: ours). */
int udp_sock_ns(int ns, uint32_t ip, uint16_t port);
int udp_sock(uint16_t port);
void send_to_ip(int fd, uint32_t ip, uint16_t port, const void *b, size_t len);
void send_to(int fd, uint16_t port, const void *b, size_t len);
ssize_t recv_wait(int fd, void *b, size_t len, int ms);
ssize_t recv_ttl(int fd, void *b, size_t len, int ms, int *ttl);
ssize_t recv_from_wait(int fd, void *b, size_t len, int ms, struct sockaddr_in *from);
void print_pkt_tag(const char *tag, const uint8_t *b, size_t n);

/* kmod_vm_stream.c: `kmod_vm_test stream MODULE KEYA KEYB` */
int stream_main(int argc, char **argv);

#endif
