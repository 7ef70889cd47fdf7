/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Makes a capture of an x-sipura call for testing xsrelay-probe: the INFO
 * exchange (Caller Hello, Callee Hello in the 200, Caller Final) under the
 * handshake assumptions given, then RTP protected by the SRTP engine under the
 * srtp_* assumptions given (a few plain packets first, as at the switch-over).
 * Writes the capture (Ethernet/IPv4/UDP pcap) and the callee's two provisioning
 * parameters, which is what an operator with a real phone would have.
 *
 * Usage: probe_gen ASSUMPTIONS OUT.pcap CALLEE_MC_FILE CALLEE_KEY_FILE
 */
#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xs_srtp.h"
#include "xsipura_mint.h"
#include "xsipura_srtp_profile.h"

static pcap_dumper_t *dump;

static void put_udp(const uint8_t *payload, size_t len, uint16_t sport, uint16_t dport)
{
	uint8_t f[2048] = { 0 };
	struct pcap_pkthdr h = { .caplen = (bpf_u_int32)(42 + len), .len = (bpf_u_int32)(42 + len) };
	f[12] = 0x08;
	f[14] = 0x45;
	f[16] = (uint8_t)((20 + 8 + len) >> 8);
	f[17] = (uint8_t)(20 + 8 + len);
	f[22] = 64;
	f[23] = 17;
	memcpy(f + 26, (uint8_t[]){ 10, 0, 0, 2 }, 4);
	memcpy(f + 30, (uint8_t[]){ 10, 0, 0, 5 }, 4);
	f[34] = (uint8_t)(sport >> 8);
	f[35] = (uint8_t)sport;
	f[36] = (uint8_t)(dport >> 8);
	f[37] = (uint8_t)dport;
	f[38] = (uint8_t)((8 + len) >> 8);
	f[39] = (uint8_t)(8 + len);
	memcpy(f + 42, payload, len);
	pcap_dump((u_char *)dump, &h, f);
}

static void put_sip(const char *first, const char *body, size_t blen)
{
	char msg[2048];
	int n = snprintf(msg, sizeof(msg), "%s\r\nCall-ID: probe-test\r\nContent-Type: "
			 "application/x-sipura\r\nContent-Length: %zu\r\n\r\n%.*s", first, blen,
			 (int)blen, body);
	put_udp((const uint8_t *)msg, (size_t)n, 5060, 5060);
}

static int mint(struct xsp_ca *ca, const char *id, struct xsp_mc *mc, struct xsp_subkey **k)
{
	uint8_t f[XSP_EXPIRY_LEN];
	return xsp_expiry_parse("00:00:00 1/1/34", f) || xsp_mint(ca, NULL, id, id, f, mc, k);
}

int main(int argc, char **argv)
{
	struct xsp_ca *ca = NULL;
	struct xsp_mc mc_a, mc_b;
	struct xsp_subkey *ka = NULL, *kb = NULL;
	struct xsp_assumptions as;
	struct xsp_hs caller, callee;
	char b1[XSP_BODY_MAX_LEN], b2[XSP_BODY_MAX_LEN], b3[XSP_BODY_MAX_LEN];
	size_t l1, l2, l3;
	if (argc != 5)
		return 2;
	xsp_assumptions_default(&as);
	if (xsp_assumptions_parse(&as, argv[1], NULL) || xsp_ca_generate(&ca) ||
	    mint(ca, "2001", &mc_a, &ka) || mint(ca, "3001", &mc_b, &kb))
		return 1;
	struct xsp_hs_config cc = { .role = XSP_ROLE_CALLER, .assumptions = as, .ca = ca,
				    .own_mc = &mc_a, .own_key = ka, .own_ssrc = 0x1234abcd,
				    .dialled_user_id = "3001" };
	struct xsp_hs_config ec = { .role = XSP_ROLE_CALLEE, .assumptions = as, .ca = ca,
				    .own_mc = &mc_b, .own_key = kb, .own_ssrc = 0x55aa55aa };
	if (xsp_hs_init(&caller, &cc) || xsp_hs_init(&callee, &ec) ||
	    xsp_hs_caller_hello(&caller, b1, sizeof(b1), &l1) ||
	    xsp_hs_callee_on_caller_hello(&callee, b1, l1, 1800000000, b2, sizeof(b2), &l2) ||
	    xsp_hs_caller_on_callee_hello(&caller, b2, l2, 1800000000) ||
	    xsp_hs_caller_final(&caller, b3, sizeof(b3), &l3) ||
	    xsp_hs_callee_on_caller_final(&callee, b3, l3) ||
	    xsp_hs_caller_on_callee_final(&caller, "", 0))
		return 1;

	/* the callee's provisioning parameters */
	char param[XSP_MC_PARAM_LEN + 1], key[XSP_PRIVKEY_PARAM_LEN + 1];
	FILE *f1 = fopen(argv[3], "w"), *f2 = fopen(argv[4], "w");
	if (!f1 || !f2 || xsp_mc_param_encode(&mc_b, xsp_ca_modulus(ca), param) ||
	    xsp_subkey_to_param(kb, key))
		return 1;
	fprintf(f1, "%s\n", param);
	fprintf(f2, "%s\n", key);
	fclose(f1);
	fclose(f2);

	pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
	dump = pcap_dump_open(dead, argv[2]);
	if (!dump)
		return 1;
	put_sip("INFO sip:3001@10.0.0.5 SIP/2.0", b1, l1);
	put_sip("SIP/2.0 200 OK", b2, l2);
	put_sip("INFO sip:3001@10.0.0.5 SIP/2.0", b3, l3);

	/* media: 3 plain packets, then SRTP under the assumptions */
	struct xsp_hs_keys k;
	struct xs_srtp_policy pol;
	struct xs_srtp_keys *keys = NULL;
	struct xs_srtp_stream st;
	if (xsp_hs_keys(&caller, &k))
		return 1;
	xsp_srtp_policy(&as, &k, &pol);
	struct xs_srtp_engine *eng = xs_srtp_engine_create();
	if (!eng || xs_srtp_keys_create(&pol, &keys))
		return 1;
	xs_srtp_stream_init(&st, 128);
	struct xs_srtp_xform out = { keys, &st };
	for (int i = 0; i < 43; i++) {
		uint8_t p[256] = { 0x80, 0 };
		uint32_t ssrc = htonl(k.own_ssrc), ts = htonl((uint32_t)i * 160);
		p[2] = (uint8_t)((1000 + i) >> 8);
		p[3] = (uint8_t)(1000 + i);
		memcpy(p + 4, &ts, 4);
		memcpy(p + 8, &ssrc, 4);
		memset(p + 12, 0xd5, 160);
		uint32_t len = 172;
		if (i >= 3) {
			struct xs_srtp_op op = { .pkt = p, .len = 172, .room = sizeof(p), .out = &out };
			xs_srtp_burst(eng, &op, 1);
			if (op.status != XS_SRTP_OK)
				return 1;
			len = op.len;
		}
		put_udp(p, len, 20000, 30000);
	}
	pcap_dump_close(dump);
	pcap_close(dead);
	xs_srtp_keys_free(keys);
	xs_srtp_engine_free(eng);
	xsp_hs_clear(&caller);
	xsp_hs_clear(&callee);
	return 0;
}
