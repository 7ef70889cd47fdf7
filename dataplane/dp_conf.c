/* SPDX-License-Identifier: BSD-3-Clause */
/* Parsing of the static configuration options (pure C, no DPDK). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dp_conf.h"

void dp_conf_defaults(struct dp_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->ctl_mode = 0660;
	c->drain_us = 100;
	c->flows_hint = 4096;
	c->mbufs = 16383;
	c->rxd = 1024;
	c->txd = 1024;
}

static int parse_port(const char *s, const char **rest, unsigned *port)
{
	char *end;
	unsigned long p = strtoul(s, &end, 10);

	if (end == s || *end != ':' || p >= DP_MAX_PORTS)
		return -EINVAL;
	*port = (unsigned)p;
	*rest = end + 1;
	return 0;
}

static int parse_ip(const char *s, uint8_t *family, uint8_t *addr)
{
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, s, addr) == 1) {
		*family = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, addr) == 1) {
		*family = 6;
		return 0;
	}
	return -EINVAL;
}

int dp_conf_add_local(struct dp_conf *c, const char *spec)
{
	struct dp_local_addr l = { 0 };
	char ip[64], *slash, *at, *end;
	const char *rest;
	unsigned port;
	unsigned long v;

	if (c->n_local >= DP_MAX_LOCAL || parse_port(spec, &rest, &port))
		return -EINVAL;
	if (strlen(rest) >= sizeof(ip))
		return -EINVAL;
	strcpy(ip, rest);
	at = strchr(ip, '@');
	if (at) {
		*at++ = 0;
		v = strtoul(at, &end, 10);
		if (*end || end == at || v == 0 || v > 4094)
			return -EINVAL;
		l.vlan = (uint16_t)v;
	}
	slash = strchr(ip, '/');
	if (slash)
		*slash++ = 0;
	if (parse_ip(ip, &l.family, l.addr))
		return -EINVAL;
	l.prefix = l.family == 4 ? 32 : 128;
	if (slash) {
		v = strtoul(slash, &end, 10);
		if (*end || end == slash || v > l.prefix)
			return -EINVAL;
		l.prefix = (uint8_t)v;
	}
	l.port = (uint16_t)port;
	if (port + 1 > c->n_ports)
		c->n_ports = port + 1;
	c->local[c->n_local++] = l;
	return 0;
}

int dp_conf_add_gw(struct dp_conf *c, const char *spec)
{
	const char *rest;
	unsigned port;
	uint8_t fam, a[16];

	if (parse_port(spec, &rest, &port) || parse_ip(rest, &fam, a))
		return -EINVAL;
	if (fam == 4) {
		memcpy(c->port[port].gw4, a, 4);
		c->port[port].has_gw4 = true;
	} else {
		memcpy(c->port[port].gw6, a, 16);
		c->port[port].has_gw6 = true;
	}
	return 0;
}

int dp_conf_add_gw_mac(struct dp_conf *c, const char *spec)
{
	const char *rest;
	unsigned port, m[6];
	char tail;

	if (parse_port(spec, &rest, &port))
		return -EINVAL;
	if (sscanf(rest, "%x:%x:%x:%x:%x:%x%c", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5],
		   &tail) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		if (m[i] > 0xff)
			return -EINVAL;
		c->port[port].gw_mac[i] = (uint8_t)m[i];
	}
	c->port[port].has_gw_mac = true;
	return 0;
}

const struct dp_local_addr *dp_conf_find_local(const struct dp_conf *c, uint8_t family,
					       const uint8_t *addr)
{
	unsigned alen = family == 4 ? 4 : 16;

	for (unsigned i = 0; i < c->n_local; i++)
		if (c->local[i].family == family && !memcmp(c->local[i].addr, addr, alen))
			return &c->local[i];
	return NULL;
}

bool dp_conf_on_link(const struct dp_local_addr *l, const uint8_t *addr)
{
	unsigned bits = l->prefix, i = 0;

	for (; bits >= 8; bits -= 8, i++)
		if (l->addr[i] != addr[i])
			return false;
	if (bits) {
		uint8_t mask = (uint8_t)(0xff << (8 - bits));
		return (l->addr[i] & mask) == (addr[i] & mask);
	}
	return true;
}
