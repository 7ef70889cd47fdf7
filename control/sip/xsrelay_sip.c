/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xsrelay-sip: the SIP edge for SPA phones (see sip_edge.h).
 * Usage: xsrelay-sip [--config FILE] [--SETTING VALUE ...]   (xsrelay-sip --help)
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sip_edge.h"
#include "sip_ng.h"

static const char usage[] =
	"usage: xsrelay-sip [--config FILE] [--SETTING VALUE ...]\n"
	"  The SIP edge for SPA phones: a B2BUA in front of an existing proxy that\n"
	"  anchors media on xsrelayd and terminates x-sipura in both roles.\n"
	"  Settings (file: 'name = value'; command line: --name value, which wins):\n"
	"    listen          ADDR:PORT, UDP and TCP (repeatable; default 0.0.0.0:5060)\n"
	"    tls-listen      ADDR:PORT for TLS (off by default)\n"
	"    tls-cert        PEM file with the certificate and its key\n"
	"    tls-legacy      yes: admit TLS 1.0 and the SSLv2-format ClientHello of old\n"
	"                    SPA firmware (default no: TLS 1.2 or newer)\n"
	"    upstream        ADDR:PORT of the proxy or PBX (required)\n"
	"    domain          the upstream's SIP domain (default: upstream's address)\n"
	"    ng              xsrelayd's ng address (default 127.0.0.1:2223)\n"
	"    iface-spa       xsrelayd interface toward the phones (default spa)\n"
	"    iface-up        xsrelayd interface toward the upstream (default up)\n"
	"    far-transport   RTP/SAVP (default: SDES keys made by the relay) or RTP/AVP\n"
	"    ca-key          the provider CA key (gen_mc format or PEM; required)\n"
	"    mc-expire       expiry of certificates minted per call (default 00:00:00 1/1/99)\n"
	"    assume          x-sipura assumptions, name=value,... (xsrelay-mc assumptions)\n"
	"    secure-timeout  seconds for the SPA leg to go secure (default 10; 0 = no limit)\n"
	"    insecure        keep (default: the call goes on in plain RTP, logged as\n"
	"                    INSECURE) or hangup\n";

static int set(struct edge_config *c, const char *k, const char *v)
{
#define S(name, field) \
	if (!strcmp(k, name)) \
		return (size_t)snprintf(c->field, sizeof(c->field), "%s", v) < sizeof(c->field) ? 0 : -1
	if (!strcmp(k, "listen")) {
		if (c->nlisten == EDGE_MAX_LISTEN)
			return -1;
		snprintf(c->listen[c->nlisten++], sizeof(c->listen[0]), "%s", v);
		return 0;
	}
	S("tls-listen", tls_listen);
	S("tls-cert", tls_cert);
	S("upstream", upstream);
	S("domain", domain);
	S("ng", ng);
	S("iface-spa", iface_spa);
	S("iface-up", iface_up);
	S("ca-key", ca_key);
	S("mc-expire", mc_expire);
	S("assume", assume);
#undef S
	if (!strcmp(k, "far-transport")) {
		if (strcmp(v, "RTP/SAVP") && strcmp(v, "RTP/AVP"))
			return -1;
		snprintf(c->far_transport, sizeof(c->far_transport), "%s", v);
		return 0;
	}
	if (!strcmp(k, "tls-legacy")) {
		c->tls_legacy = !strcmp(v, "yes");
		return strcmp(v, "yes") && strcmp(v, "no") ? -1 : 0;
	}
	if (!strcmp(k, "secure-timeout")) {
		char *end;
		unsigned long n = strtoul(v, &end, 10);
		if (*end || n > 3600)
			return -1;
		c->secure_timeout = (unsigned)n;
		return 0;
	}
	if (!strcmp(k, "insecure")) {
		if (!strcmp(v, "keep"))
			c->insecure = EDGE_INSECURE_KEEP;
		else if (!strcmp(v, "hangup"))
			c->insecure = EDGE_INSECURE_HANGUP;
		else
			return -1;
		return 0;
	}
	return -1;
}

static int config_file(struct edge_config *c, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	unsigned n = 0;
	if (!f) {
		fprintf(stderr, "xsrelay-sip: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		n++;
		char *s = line + strspn(line, " \t"), *eq = strchr(s, '=');
		s[strcspn(s, "\r\n")] = '\0';
		if (!*s || *s == '#')
			continue;
		if (!eq) {
			fprintf(stderr, "xsrelay-sip: %s:%u: expected name = value\n", path, n);
			fclose(f);
			return -1;
		}
		char *k = s, *v = eq + 1;
		*eq = '\0';
		k[strcspn(k, " \t")] = '\0';
		v += strspn(v, " \t");
		if (set(c, k, v)) {
			fprintf(stderr, "xsrelay-sip: %s:%u: bad setting '%s'\n", path, n, k);
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	return 0;
}

static void on_signal(int sig)
{
	(void)sig;
	re_cancel();
}

int main(int argc, char **argv)
{
	static struct edge e;
	struct edge_config *c = &e.cfg;
	const char *bad = NULL;
	int rc = 1;

	snprintf(c->ng, sizeof(c->ng), "127.0.0.1:2223");
	snprintf(c->iface_spa, sizeof(c->iface_spa), "spa");
	snprintf(c->iface_up, sizeof(c->iface_up), "up");
	snprintf(c->far_transport, sizeof(c->far_transport), "RTP/SAVP");
	snprintf(c->mc_expire, sizeof(c->mc_expire), "00:00:00 1/1/99");
	c->secure_timeout = 10;
	for (int i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], "--config") && config_file(c, argv[i + 1]))
			return 2;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage, stdout);
			return 0;
		}
		if (strncmp(argv[i], "--", 2) || i + 1 >= argc) {
			fprintf(stderr, "xsrelay-sip: expected --SETTING VALUE, got '%s'\n%s",
				argv[i], usage);
			return 2;
		}
		if (strcmp(argv[i], "--config") && set(c, argv[i] + 2, argv[i + 1])) {
			fprintf(stderr, "xsrelay-sip: bad setting %s '%s'\n", argv[i], argv[i + 1]);
			return 2;
		}
		i++;
	}
	if (!c->nlisten)
		set(c, "listen", "0.0.0.0:5060");
	if (!c->upstream[0] || !c->ca_key[0]) {
		fprintf(stderr, "xsrelay-sip: upstream and ca-key are required\n%s", usage);
		return 2;
	}
	if (!strrchr(c->upstream, ':')) {
		fprintf(stderr, "xsrelay-sip: upstream must be ADDR:PORT, got '%s'\n", c->upstream);
		return 2;
	}
	if (!c->domain[0]) {
		snprintf(c->domain, sizeof(c->domain), "%s", c->upstream);
		*strrchr(c->domain, ':') = '\0';
	}
	xsp_assumptions_default(&e.assume);
	if (xsp_assumptions_parse(&e.assume, c->assume, &bad)) {
		fprintf(stderr, "xsrelay-sip: assume: bad item at '%s'\n", bad ? bad : "");
		return 2;
	}
	enum xsp_err xe = xsp_ca_load(c->ca_key, &e.ca);
	if (xe) {
		fprintf(stderr, "xsrelay-sip: ca-key %s: %s\n", c->ca_key, xsp_err_str(xe));
		return 2;
	}
	if (xsp_keypool_create(16, &e.pool) || !(e.ng = sip_ng_open(c->ng))) {
		fprintf(stderr, "xsrelay-sip: start-up failed (key pool or ng address)\n");
		return 1;
	}
	if (libre_init())
		return 1;
	int err = edge_start(&e);
	if (err) {
		fprintf(stderr, "xsrelay-sip: cannot start: %s\n", strerror(err));
		goto out;
	}
	edge_log("ready: upstream %s (domain %s), xsrelayd %s, far legs %s, insecure SPA calls: "
		 "%s after %u s", c->upstream, c->domain, c->ng, c->far_transport,
		 c->insecure == EDGE_INSECURE_KEEP ? "kept (plain RTP)" : "hung up",
		 c->secure_timeout);
	signal(SIGPIPE, SIG_IGN);
	re_main(on_signal); /* SIGINT, SIGTERM: stop; calls end with BYEs */
	edge_log("stopping: %llu calls out, %llu in, %llu failed, %llu handshakes ok, %llu "
		 "failed, %llu insecure kept, %llu hung up, %llu registrations, %llu bad "
		 "requests, %llu malformed datagrams, %llu TCP/TLS connections closed for "
		 "malformed SIP",
		 (unsigned long long)e.st.calls_out, (unsigned long long)e.st.calls_in,
		 (unsigned long long)e.st.calls_failed, (unsigned long long)e.st.handshakes_ok,
		 (unsigned long long)e.st.handshakes_failed, (unsigned long long)e.st.insecure_kept,
		 (unsigned long long)e.st.insecure_hungup, (unsigned long long)e.st.registers,
		 (unsigned long long)e.st.bad_requests, (unsigned long long)e.st.malformed,
		 (unsigned long long)e.st.malformed_streams);
	edge_stop(&e);
	rc = 0;
out:
	sip_ng_close(e.ng);
	xsp_keypool_free(e.pool);
	xsp_ca_free(e.ca);
	libre_close();
	return rc;
}
