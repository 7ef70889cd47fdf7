/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xsrelayd's configuration: "key = value" lines in a file, then the same keys
 * as command-line options (--key value), which win. Unknown keys and bad values
 * are errors that name the key: the daemon does not start on a guess.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_codec.h"
#include "xs_srtp.h"
#include "xsrelayd_conf.h"

#define XSD_DP_SOCKET "/run/xsrelay/dp.sock"
#define XSD_KMOD_DEVICE "/dev/xsrelay"

void xsd_conf_defaults(struct xsd *d)
{
	struct xsd_config *c = &d->cfg;
	memset(c, 0, sizeof(*c));
	snprintf(c->ng_udp, sizeof(c->ng_udp), "127.0.0.1:2223");
	snprintf(c->ng_unix, sizeof(c->ng_unix), "/run/xsrelay/ng.sock");
	c->ng_unix_mode = 0660;
	snprintf(c->dp_socket, sizeof(c->dp_socket), "%s", XSD_DP_SOCKET);
	snprintf(c->store_path, sizeof(c->store_path), "/var/lib/xsrelay/calls.db");
	snprintf(c->metrics, sizeof(c->metrics), "127.0.0.1:9103");
	c->media_timeout = 60;
	c->offer_timeout = 120;
	c->max_calls = 100000;
	snprintf(c->sdes_suites, sizeof(c->sdes_suites),
		 "AES_CM_128_HMAC_SHA1_80,AES_CM_128_HMAC_SHA1_32,AES_256_CM_HMAC_SHA1_80,"
		 "AES_256_CM_HMAC_SHA1_32");
	snprintf(c->log_level, sizeof(c->log_level), "info");
	c->latching = XSD_LATCH_SDP_ADDRESS;
	c->relatch = true;
	d->niface = 0;
}

/* "name/address/min-max", e.g. "pub/192.0.2.10/30000-39999". */
static int add_iface(struct xsd *d, const char *v, char *err, size_t errlen)
{
	char name[32], addr[64];
	unsigned lo, hi;
	if (d->niface == XSD_MAX_IFACES) {
		snprintf(err, errlen, "interface: at most %d", XSD_MAX_IFACES);
		return -1;
	}
	if (sscanf(v, "%31[^/]/%63[^/]/%u-%u", name, addr, &lo, &hi) != 4 || lo > 65535 ||
	    hi > 65535 || lo >= hi) {
		snprintf(err, errlen, "interface '%s': expected NAME/ADDRESS/MIN-MAX, e.g. "
			 "pub/192.0.2.10/30000-39999", v);
		return -1;
	}
	struct xsd_iface *f = &d->iface[d->niface];
	memset(f, 0, sizeof(*f));
	snprintf(f->name, sizeof(f->name), "%s", name);
	snprintf(f->addr_text, sizeof(f->addr_text), "%s", addr);
	char text[80];
	bool v6 = strchr(addr, ':') != NULL;
	snprintf(text, sizeof(text), v6 ? "[%s]" : "%s", addr);
	if (xs_dp_addr_parse(text, &f->addr, true)) {
		snprintf(err, errlen, "interface '%s': '%s' is not an IP address", name, addr);
		return -1;
	}
	f->family = v6 ? 6 : 4;
	f->port_min = (uint16_t)lo;
	f->port_max = (uint16_t)hi;
	for (unsigned i = 0; i < d->niface; i++)
		if (!strcmp(d->iface[i].name, name)) {
			snprintf(err, errlen, "interface '%s' given twice", name);
			return -1;
		}
	d->niface++;
	return 0;
}

static int set_uint(unsigned *out, const char *key, const char *v, unsigned max, char *err,
		    size_t errlen)
{
	char *end;
	errno = 0;
	unsigned long n = strtoul(v, &end, 0);
	if (errno || end == v || *end || n > max) {
		snprintf(err, errlen, "%s: '%s' is not a number from 0 to %u", key, v, max);
		return -1;
	}
	*out = (unsigned)n;
	return 0;
}

static int set_str(char *out, size_t cap, const char *key, const char *v, char *err,
		   size_t errlen)
{
	if (strlen(v) >= cap) {
		snprintf(err, errlen, "%s: value too long", key);
		return -1;
	}
	strcpy(out, v);
	return 0;
}

int xsd_conf_set(struct xsd *d, const char *key, const char *v, char *err, size_t errlen)
{
	struct xsd_config *c = &d->cfg;
#define S(k, field) if (!strcmp(key, k)) return set_str(c->field, sizeof(c->field), key, v, err, errlen)
#define U(k, field, max) if (!strcmp(key, k)) return set_uint(&c->field, key, v, max, err, errlen)
	S("ng-udp", ng_udp);
	S("ng-unix", ng_unix);
	if (!strcmp(key, "dp-socket")) {
		c->dp_socket_set = true;
		return set_str(c->dp_socket, sizeof(c->dp_socket), key, v, err, errlen);
	}
	if (!strcmp(key, "fast-path")) {
		if (strcmp(v, "dp") && strcmp(v, "kmod")) {
			snprintf(err, errlen, "fast-path: '%s': dp (xsrelay-dp) or kmod (xsrelay.ko)",
				 v);
			return -1;
		}
		c->fast_path_kmod = !strcmp(v, "kmod");
		if (!c->dp_socket_set) /* the backend's default, whichever order they come */
			snprintf(c->dp_socket, sizeof(c->dp_socket), "%s",
				 c->fast_path_kmod ? XSD_KMOD_DEVICE : XSD_DP_SOCKET);
		return 0;
	}
	S("store", store_path);
	S("metrics", metrics);
	if (!strcmp(key, "sdes-suites")) {
		char list[sizeof(c->sdes_suites)], *save = NULL;
		if (set_str(list, sizeof(list), key, v, err, errlen))
			return -1;
		for (char *w = strtok_r(list, ", ", &save); w; w = strtok_r(NULL, ", ", &save)) {
			int s = xs_srtp_suite_from_name(w);
			if (s <= XS_SUITE_NONE || s >= XS_SUITE_XSIPURA) {
				snprintf(err, errlen, "sdes-suites: '%s' is not an SDES suite", w);
				return -1;
			}
		}
		return set_str(c->sdes_suites, sizeof(c->sdes_suites), key, v, err, errlen);
	}
	U("ng-unix-mode", ng_unix_mode, 0777);
	U("media-timeout", media_timeout, 86400);
	U("offer-timeout", offer_timeout, 86400);
	U("max-calls", max_calls, 10000000);
#undef S
#undef U
	if (!strcmp(key, "interface"))
		return add_iface(d, v, err, errlen);
	if (!strcmp(key, "latching")) {
		static const char *const names[] = { [XSD_LATCH_SDP_ADDRESS] = "sdp-address",
			[XSD_LATCH_FIRST_PACKET] = "first-packet", [XSD_LATCH_STRICT] = "strict" };
		for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (!strcmp(v, names[i])) {
				c->latching = (enum xsd_latching)i;
				return 0;
			}
		snprintf(err, errlen, "latching: '%s': sdp-address, first-packet or strict", v);
		return -1;
	}
	if (!strcmp(key, "relatch")) {
		if (strcmp(v, "yes") && strcmp(v, "no")) {
			snprintf(err, errlen, "relatch: '%s': yes or no", v);
			return -1;
		}
		c->relatch = !strcmp(v, "yes");
		return 0;
	}
	if (!strcmp(key, "log-level")) {
		if (strcmp(v, "err") && strcmp(v, "warn") && strcmp(v, "info") && strcmp(v, "debug")) {
			snprintf(err, errlen, "log-level: err, warn, info or debug");
			return -1;
		}
		return set_str(c->log_level, sizeof(c->log_level), key, v, err, errlen);
	}
	snprintf(err, errlen, "unknown setting '%s'", key);
	return -1;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	char *e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

int xsd_conf_file(struct xsd *d, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	unsigned n = 0;
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	snprintf(d->cfg.config_path, sizeof(d->cfg.config_path), "%s", path);
	while (fgets(line, sizeof(line), f)) {
		n++;
		char *s = trim(line);
		if (!*s || *s == '#')
			continue;
		char *eq = strchr(s, '=');
		if (!eq) {
			snprintf(err, errlen, "%s:%u: expected key = value", path, n);
			fclose(f);
			return -1;
		}
		*eq = '\0';
		char e2[200];
		if (xsd_conf_set(d, trim(s), trim(eq + 1), e2, sizeof(e2))) {
			snprintf(err, errlen, "%s:%u: %s", path, n, e2);
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	return 0;
}
