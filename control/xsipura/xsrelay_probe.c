/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xsrelay-probe: turns x-sipura's unknowns into facts. Given a capture of a real
 * secure call (pcap) and the callee's provisioning parameters, it reports what
 * the phones put on the wire and which combination of the assumptions in
 * xsipura_assumptions.c decrypts their media:
 *
 *   - the INFO bodies: Content-Type, the Hellos' message id, version/flags word,
 *     SSRC and certificate, the Final's message id and length (key_wrap);
 *   - the master key and salt, unwrapped with the callee's SRTP_Private_Key;
 *   - for each RTP stream (by SSRC), every srtp_* combination tried with the
 *     project's SRTP engine on the stream's first packets: the ones under which
 *     (nearly) every packet authenticates.
 *
 * Usage: xsrelay-probe CAPTURE.pcap CALLEE_MINI_CERTIFICATE CALLEE_SRTP_PRIVATE_KEY
 *        (the two parameters as files holding the base64 text, as xsrelay-mc prints)
 * Exit status: 0 when a key was unwrapped and at least one combination decrypts a
 * stream, 1 otherwise, 2 on bad input.
 */
#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "xs_srtp.h"
#include "xsipura_b64.h"
#include "xsipura_internal.h"
#include "xsipura_mc.h"
#include "xsipura_msg.h"
#include "xsipura_rsa.h"
#include "xsipura_srtp_profile.h"
#include "xsipura_subkey.h"

#define MAX_STREAMS 16
#define PKTS_PER_STREAM 64
#define MAX_PKT 1500

struct stream {
	uint32_t ssrc;
	unsigned n;
	uint16_t len[PKTS_PER_STREAM];
	uint8_t pkt[PKTS_PER_STREAM][MAX_PKT];
};

static struct stream streams[MAX_STREAMS];
static unsigned nstreams;
static uint8_t master_key[16], master_salt[16];
static bool have_key;
static enum xsp_key_wrap found_wrap;
static struct xsp_subkey *callee_key;

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	static char buf[8192];
	size_t n;
	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	char *nl = strpbrk(buf, "\r\n");
	if (nl)
		*nl = '\0'; /* the first line: xsrelay-mc prints the parameter there */
	return strdup(buf);
}

static void on_rtp(const uint8_t *p, size_t len)
{
	uint32_t ssrc;
	if (len < 12 || len > MAX_PKT || (p[0] >> 6) != 2 || (p[1] & 0x7f) >= 72)
		return; /* not RTP, or RTCP */
	memcpy(&ssrc, p + 8, 4);
	ssrc = ntohl(ssrc);
	struct stream *s = NULL;
	for (unsigned i = 0; i < nstreams; i++)
		if (streams[i].ssrc == ssrc)
			s = &streams[i];
	if (!s && nstreams < MAX_STREAMS) {
		s = &streams[nstreams++];
		s->ssrc = ssrc;
	}
	if (s && s->n < PKTS_PER_STREAM) {
		memcpy(s->pkt[s->n], p, len);
		s->len[s->n++] = (uint16_t)len;
	}
}

static void try_unwrap(const uint8_t *msg, size_t len)
{
	EVP_PKEY *pk = xsp_subkey_pkey(callee_key);
	uint8_t out[64];
	size_t n = 0;
	if (len == XSP_FINAL_SEPARATE_LEN &&
	    !xsp_rsa_unwrap(pk, msg + 4, 64, out, sizeof(out), &n) && n == 16) {
		memcpy(master_key, out, 16);
		if (!xsp_rsa_unwrap(pk, msg + 68, 64, out, sizeof(out), &n) && n == 16) {
			memcpy(master_salt, out, 16);
			have_key = true;
			found_wrap = XSP_KEY_WRAP_SEPARATE;
		}
	} else if (len == XSP_FINAL_JOINT_LEN &&
		   !xsp_rsa_unwrap(pk, msg + 4, 64, out, sizeof(out), &n) && n == 32) {
		memcpy(master_key, out, 16);
		memcpy(master_salt, out + 16, 16);
		have_key = true;
		found_wrap = XSP_KEY_WRAP_JOINT;
	}
	OPENSSL_cleanse(out, sizeof(out));
	printf("Caller Final: %zu bytes (key_wrap=%s), message id 0x%08x: %s\n", len,
	       len == XSP_FINAL_JOINT_LEN ? "joint" : "separate",
	       (unsigned)msg[0] << 24 | msg[1] << 16 | msg[2] << 8 | msg[3],
	       have_key ? "key and salt unwrapped with the callee's key" :
			  "does NOT unwrap with the callee's key");
}

static void on_sip(const char *p, size_t len)
{
	const char *body = memmem(p, len, "\r\n\r\n", 4);
	if (!body)
		return;
	body += 4;
	size_t blen = len - (size_t)(body - p);
	uint8_t msg[XSP_MSG_MAX_LEN];
	size_t mlen = 0;
	if (!blen || xsp_body_decode(body, blen, msg, &mlen))
		return;
	const char *ct = memmem(p, (size_t)(body - p), "Content-Type:", 13);
	char ctype[96] = "(none)";
	if (ct)
		sscanf(ct + 13, " %95[^\r\n]", ctype);
	char first[64];
	sscanf(p, "%63[^\r\n]", first);
	if (mlen == XSP_HELLO_LEN) {
		struct xsp_hello h;
		if (xsp_hello_decode(msg, mlen, &h)) {
			printf("%s: 264 bytes that are not a Hello (%s)\n", first, ctype);
			return;
		}
		char id[XSP_MC_ID_LEN + 1], name[XSP_MC_NAME_LEN + 1];
		xsp_mc_user_id(&h.mc, id);
		xsp_mc_name(&h.mc, name);
		printf("Hello in \"%s\": Content-Type %s, message id 0x%08x, version/flags "
		       "0x%08x, SSRC 0x%08x, certificate of \"%s\" (%s)\n", first, ctype, h.msgid,
		       h.version_flags, h.ssrc, name, id);
	} else if (mlen == XSP_FINAL_SEPARATE_LEN || mlen == XSP_FINAL_JOINT_LEN) {
		printf("Final in \"%s\": Content-Type %s\n", first, ctype);
		try_unwrap(msg, mlen);
	}
}

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *d)
{
	int link = *(int *)user;
	size_t off = link == DLT_EN10MB ? 14 : link == DLT_LINUX_SLL ? 16 : 0;
	if (link == DLT_EN10MB && h->caplen >= 18 && d[12] == 0x81 && d[13] == 0x00)
		off = 18; /* 802.1Q */
	if (h->caplen < off + 28 || (d[off] >> 4) != 4 || d[off + 9] != 17)
		return;
	size_t ihl = (size_t)(d[off] & 15) * 4, u = off + ihl;
	if (h->caplen < u + 8)
		return;
	size_t ulen = (size_t)(d[u + 4] << 8 | d[u + 5]);
	if (ulen < 8 || u + ulen > h->caplen)
		return;
	const u_char *p = d + u + 8;
	size_t len = ulen - 8;
	if (len > 8 && (!memcmp(p, "INFO ", 5) || !memcmp(p, "SIP/2.0 ", 8)))
		on_sip((const char *)p, len);
	else
		on_rtp(p, len);
}

/* How many of the stream's packets authenticate under assumptions a. */
static unsigned try_profile(struct xs_srtp_engine *eng, const struct stream *s,
			    const struct xsp_assumptions *a)
{
	struct xsp_hs_keys k = { 0 };
	struct xs_srtp_policy pol;
	struct xs_srtp_keys *keys = NULL;
	struct xs_srtp_stream st;
	unsigned ok = 0;
	memcpy(k.master_key, master_key, 16);
	memcpy(k.master_salt, master_salt, 16);
	xsp_srtp_policy(a, &k, &pol);
	int rc = xs_srtp_keys_create(&pol, &keys);
	OPENSSL_cleanse(&pol, sizeof(pol));
	OPENSSL_cleanse(&k, sizeof(k));
	if (rc)
		return 0;
	xs_srtp_stream_init(&st, 1024);
	struct xs_srtp_xform in = { keys, &st };
	for (unsigned i = 0; i < s->n; i++) {
		uint8_t buf[MAX_PKT + 64];
		memcpy(buf, s->pkt[i], s->len[i]);
		struct xs_srtp_op op = { .pkt = buf, .len = s->len[i], .room = sizeof(buf),
					 .in = &in };
		xs_srtp_burst(eng, &op, 1);
		ok += op.status == XS_SRTP_OK;
	}
	xs_srtp_keys_free(keys);
	return ok;
}

int main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	struct xsp_mc mc;
	uint8_t ca_n[XSP_CA_MOD_LEN];
	if (argc != 4) {
		fprintf(stderr, "usage: xsrelay-probe CAPTURE.pcap CALLEE_MINI_CERTIFICATE "
			"CALLEE_SRTP_PRIVATE_KEY\n");
		return 2;
	}
	char *mcp = read_text(argv[2]), *kp = read_text(argv[3]);
	enum xsp_err e = !mcp || !kp ? XSP_E_IO : xsp_mc_param_decode(mcp, strlen(mcp), &mc, ca_n);
	if (!e)
		e = xsp_subkey_from_param(kp, strlen(kp), mc.pubkey, &callee_key);
	if (kp)
		OPENSSL_cleanse(kp, strlen(kp));
	free(mcp);
	free(kp);
	if (e) {
		fprintf(stderr, "xsrelay-probe: the callee's parameters: %s\n", xsp_err_str(e));
		return 2;
	}
	pcap_t *pc = pcap_open_offline(argv[1], err);
	if (!pc) {
		fprintf(stderr, "xsrelay-probe: %s\n", err);
		return 2;
	}
	int link = pcap_datalink(pc);
	pcap_loop(pc, -1, on_packet, (u_char *)&link);
	pcap_close(pc);
	xsp_subkey_free(callee_key);
	if (!have_key) {
		printf("no Caller Final unwrapped: no key to try the media with\n");
		return 1;
	}
	struct xs_srtp_engine *eng = xs_srtp_engine_create();
	static const char *const auths[] = { "hmac_md5", "hmac_sha1" };
	bool any = false;
	for (unsigned si = 0; si < nstreams && eng; si++) {
		const struct stream *s = &streams[si];
		printf("RTP stream SSRC 0x%08x: %u packets tried\n", s->ssrc, s->n);
		for (int au = 0; au < 2; au++)
			for (int tag = 4; tag <= 12; tag++)
				for (int kdf = 0; kdf < 2; kdf++)
					for (int salt = 14; salt <= 16; salt += 2)
						for (int akl = 16; akl <= (kdf ? 16 : 20); akl += 4) {
					struct xsp_assumptions a;
					char list[256];
					xsp_assumptions_default(&a);
					snprintf(list, sizeof(list), "key_wrap=%s,srtp_auth=%s,"
						 "srtp_tag_len=%d,srtp_kdf=%s,srtp_salt_len=%d,"
						 "srtp_auth_key_len=%d",
						 found_wrap == XSP_KEY_WRAP_JOINT ? "joint" : "separate",
						 auths[au], tag, kdf ? "direct" : "rfc3711", salt, akl);
					if (xsp_assumptions_parse(&a, list, NULL))
						continue;
					unsigned ok = try_profile(eng, s, &a);
					if (s->n && ok * 10 >= s->n * 9) {
						printf("  decrypts: %u/%u with %s\n", ok, s->n, list);
						any = true;
					}
				}
	}
	xs_srtp_engine_free(eng);
	OPENSSL_cleanse(master_key, sizeof(master_key));
	OPENSSL_cleanse(master_salt, sizeof(master_salt));
	if (!any)
		printf("no combination of the srtp_* assumptions decrypts the media\n");
	return any ? 0 : 1;
}
