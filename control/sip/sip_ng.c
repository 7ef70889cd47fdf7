/* SPDX-License-Identifier: BSD-3-Clause */
/* ng client over UDP for xsrelay-sip. */
#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sip_ng.h"

struct sip_ng {
	int fd;
	struct sockaddr_storage to;
	socklen_t tolen;
	unsigned seq;
	struct ng_arena arena;
	uint8_t mem[1 << 20];
	char buf[70000];
};

struct sip_ng *sip_ng_open(const char *spec)
{
	char host[128], *port;
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM }, *ai;
	snprintf(host, sizeof(host), "%s", spec);
	port = strrchr(host, ':');
	if (!port)
		return NULL;
	*port++ = '\0';
	if (getaddrinfo(host, port, &hints, &ai))
		return NULL;
	struct sip_ng *ng = calloc(1, sizeof(*ng));
	if (!ng) {
		freeaddrinfo(ai);
		return NULL;
	}
	ng->fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memcpy(&ng->to, ai->ai_addr, ai->ai_addrlen);
	ng->tolen = ai->ai_addrlen;
	freeaddrinfo(ai);
	if (ng->fd < 0) {
		free(ng);
		return NULL;
	}
	ng_arena_init(&ng->arena, ng->mem, sizeof(ng->mem));
	return ng;
}

void sip_ng_close(struct sip_ng *ng)
{
	if (!ng)
		return;
	close(ng->fd);
	free(ng);
}

const struct ng_val *sip_ng_call(struct sip_ng *ng, const struct ng_out *req)
{
	char cookie[32];
	int cl = snprintf(cookie, sizeof(cookie), "sip%d_%u ", (int)getpid(), ++ng->seq);
	struct ng_out msg;
	const struct ng_val *result = NULL;
	ng_out_init(&msg, NG_BENCODE);
	ng_out_raw(&msg, cookie, (size_t)cl);
	ng_out_raw(&msg, req->buf, req->len);
	for (int attempt = 0; attempt < 3 && !result && !msg.oom; attempt++) {
		if (sendto(ng->fd, msg.buf, msg.len, 0, (struct sockaddr *)&ng->to, ng->tolen) < 0)
			break;
		struct pollfd p = { .fd = ng->fd, .events = POLLIN };
		while (poll(&p, 1, 1000) == 1) {
			ssize_t n = recv(ng->fd, ng->buf, sizeof(ng->buf), 0);
			const char *ck;
			size_t ckl;
			struct ng_val *root;
			enum ng_syntax syn;
			struct ng_parse_error e;
			if (n <= 0)
				break;
			ng_arena_reset(&ng->arena);
			if (ng_parse(ng->buf, (size_t)n, &ng->arena, &ck, &ckl, &root, &syn, &e))
				continue;
			if (ckl + 1 != (size_t)cl || memcmp(ck, cookie, ckl))
				continue; /* a late answer to an earlier request */
			result = root;
			break;
		}
	}
	ng_out_free(&msg);
	return result;
}

const char *sip_ng_error(const struct ng_val *r)
{
	static char why[200];
	if (!r)
		return "xsrelayd did not answer";
	const struct ng_val *res = ng_dict_get(r, "result");
	if (ng_str_eq(res, "ok") || ng_str_eq(res, "pong"))
		return NULL;
	const struct ng_val *e = ng_dict_get(r, "error-reason");
	if (!e || ng_str_copy(e, why, sizeof(why)))
		snprintf(why, sizeof(why), "xsrelayd refused the request");
	return why;
}
