/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SDP parse and write: real-world offers (baresip, a Kamailio-relayed phone,
 * IPv6, WebRTC with ICE), byte-identical round trips, each owned field
 * rewritten, added and removed, every rejection with its line number, and the
 * writer's bounds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sdes.h"
#include "sdp.h"
#include "xs_srtp.h"

#define KEY30A "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"
#define KEY30B "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR"
#define KEY46 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLQ=="

#define BARESIP_HEAD                                                                             \
	"v=0\r\n"                                                                                \
	"o=- 1402513012 3806937513 IN IP4 192.168.1.10\r\n"                                      \
	"s=baresip\r\n"                                                                          \
	"c=IN IP4 192.168.1.10\r\n"                                                              \
	"t=0 0\r\n"
#define BARESIP_MEDIA_PT                                                                         \
	"b=AS:128\r\n"                                                                           \
	"a=rtpmap:96 opus/48000/2\r\n"                                                           \
	"a=fmtp:96 stereo=1;sprop-stereo=1\r\n"                                                  \
	"a=rtpmap:0 PCMU/8000\r\n"                                                               \
	"a=rtpmap:8 PCMA/8000\r\n"                                                               \
	"a=rtpmap:101 telephone-event/8000\r\n"                                                  \
	"a=fmtp:101 0-15\r\n"

static const char baresip[] = BARESIP_HEAD
	"m=audio 10000 RTP/SAVP 96 0 8 101\r\n"
	BARESIP_MEDIA_PT
	"a=rtcp:10001\r\n"
	"a=sendrecv\r\n"
	"a=label:1\r\n"
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30A "\r\n"
	"a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:" KEY30B "|2^20\r\n"
	"a=ssrc:1234 cname:abc\r\n";

static const char kamailio[] =
	"v=0\r\n"
	"o=user1 53655765 2353687637 IN IP4 10.0.0.5\r\n"
	"s=Talk\r\n"
	"c=IN IP4 10.0.0.5\r\n"
	"b=AS:380\r\n"
	"t=0 0\r\n"
	"a=rtcp-xr:rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL voip-metrics\r\n"
	"m=audio 6000 RTP/AVP 0 8 18 101\r\n"
	"c=IN IP4 10.0.0.6\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"a=rtpmap:18 G729/8000\r\n"
	"a=fmtp:18 annexb=no\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n"
	"a=fmtp:101 0-16\r\n"
	"a=ptime:20\r\n"
	"a=sendrecv\r\n"
	"m=video 6002 RTP/AVP 96 97\r\n"
	"i=camera\r\n"
	"b=TIAS:1000000\r\n"
	"a=rtpmap:96 H264/90000\r\n"
	"a=fmtp:96 profile-level-id=42e01f;packetization-mode=1\r\n"
	"a=rtpmap:97 VP8/90000\r\n"
	"a=rtcp-fb:* nack\r\n"
	"a=recvonly\r\n";

static const char ipv6[] =
	"v=0\r\n"
	"o=- 3 7 IN IP6 2001:db8::1\r\n"
	"s=-\r\n"
	"c=IN IP6 2001:db8::1\r\n"
	"t=0 0\r\n"
	"m=audio 5004/2 RTP/AVP 0\r\n"
	"c=IN IP6 2001:db8:0:1::ffff:192.0.2.7\r\n"
	"a=rtcp:5007 IN IP6 ::1\r\n"
	"a=inactive\r\n";

static const char webrtc[] =
	"v=0\r\n"
	"o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"
	"s=-\r\n"
	"t=0 0\r\n"
	"a=group:BUNDLE 0\r\n"
	"a=ice-lite\r\n"
	"a=ice-options:trickle\r\n"
	"a=msid-semantic: WMS\r\n"
	"m=audio 9 UDP/TLS/RTP/SAVPF 111 0\r\n"
	"c=IN IP4 0.0.0.0\r\n"
	"a=rtcp:9 IN IP4 0.0.0.0\r\n"
	"a=ice-ufrag:abcd\r\n"
	"a=ice-pwd:0123456789abcdef01234567\r\n"
	"a=candidate:1 1 udp 2130706431 192.0.2.10 50000 typ host\r\n"
	"a=candidate:2 1 udp 1694498815 198.51.100.7 50000 typ srflx raddr 192.0.2.10 rport "
	"50000\r\n"
	"a=end-of-candidates\r\n"
	"a=remote-candidates:1 192.0.2.1 5000\r\n"
	"a=fingerprint:sha-256 "
	"12:DF:3E:5D:49:6B:19:E5:7C:AB:4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB:"
	"4A:AD\r\n"
	"a=setup:actpass\r\n"
	"a=mid:0\r\n"
	"a=sendrecv\r\n"
	"a=rtcp-mux\r\n"
	"a=rtpmap:111 opus/48000/2\r\n"
	"m=video 0 UDP/TLS/RTP/SAVPF 96\r\n"
	"c=IN IP4 0.0.0.0\r\n"
	"a=ice-ufrag:efgh\r\n"
	"a=inactive\r\n";

static struct sdp *sdp_new(void)
{
	struct sdp *s = calloc(1, sizeof(*s));
	assert_non_null(s);
	return s;
}

static void sdp_free(struct sdp *s)
{
	sdp_clear(s);
	free(s);
}

static struct sdp *parse_ok(const char *text)
{
	struct sdp *s = sdp_new();
	const char *why = NULL;
	unsigned line = 99;
	if (sdp_parse(text, strlen(text), s, &why, &line))
		fail_msg("parse failed at line %u: %s", line, why);
	assert_int_equal(line, 0);
	return s;
}

/* Writes s; the result must be want. */
static void write_is(const struct sdp *s, const char *want)
{
	static char out[SDP_MAX_LEN * 2];
	long n = sdp_write(s, out, sizeof(out));
	assert_true(n >= 0);
	assert_int_equal((size_t)n, strlen(out));
	assert_string_equal(out, want);
}

static void round_trip(const char *text)
{
	struct sdp *s = parse_ok(text);
	write_is(s, text);
	sdp_free(s);
}

static void baresip_offer(void **state)
{
	(void)state;
	struct sdp *s = parse_ok(baresip);
	assert_string_equal(s->origin_user, "-");
	assert_string_equal(s->origin_sess_id, "1402513012");
	assert_string_equal(s->origin_sess_version, "3806937513");
	assert_int_equal(s->origin_addr.family, 4);
	assert_string_equal(s->origin_addr.addr, "192.168.1.10");
	assert_true(s->has_conn);
	assert_string_equal(s->conn.addr, "192.168.1.10");
	assert_int_equal(s->dir, SDP_DIR_NONE);
	assert_false(s->ice);
	assert_int_equal(s->nmedia, 1);
	assert_int_equal(s->nlines, 19);

	const struct sdp_media *m = &s->media[0];
	assert_string_equal(m->type, "audio");
	assert_int_equal(m->port, 10000);
	assert_int_equal(m->nports, 0);
	assert_string_equal(m->proto, "RTP/SAVP");
	assert_string_equal(m->fmts, "96 0 8 101");
	assert_false(m->has_conn);
	assert_true(m->has_rtcp);
	assert_int_equal(m->rtcp_port, 10001);
	assert_false(m->rtcp_has_addr);
	assert_false(m->rtcp_mux);
	assert_int_equal(m->dir, SDP_DIR_SENDRECV);
	assert_int_equal(m->ncrypto, 2);
	assert_int_equal(m->crypto_bad, 0);
	assert_int_equal(m->crypto[0].tag, 1);
	assert_int_equal(m->crypto[0].suite, XS_SUITE_AES_CM_128_HMAC_SHA1_80);
	assert_int_equal(m->crypto[1].tag, 2);
	assert_int_equal(m->crypto[1].suite, XS_SUITE_AES_CM_128_HMAC_SHA1_32);
	assert_int_equal(m->crypto[1].lifetime, 1u << 20);
	assert_int_equal(s->lines[0].media, -1);
	assert_int_equal(s->lines[5].media, 0);
	assert_ptr_equal(s->lines[2].s, strstr(baresip, "s=baresip"));
	assert_int_equal(s->lines[2].len, strlen("s=baresip"));
	write_is(s, baresip);
	sdp_free(s);
}

static void kamailio_audio_video(void **state)
{
	(void)state;
	struct sdp *s = parse_ok(kamailio);
	assert_int_equal(s->nmedia, 2);
	assert_string_equal(s->origin_user, "user1");
	assert_true(s->media[0].has_conn);
	assert_string_equal(s->media[0].conn.addr, "10.0.0.6");
	assert_int_equal(s->media[0].dir, SDP_DIR_SENDRECV);
	assert_string_equal(s->media[1].type, "video");
	assert_int_equal(s->media[1].port, 6002);
	assert_string_equal(s->media[1].fmts, "96 97");
	assert_false(s->media[1].has_conn);
	assert_int_equal(s->media[1].dir, SDP_DIR_RECVONLY);
	assert_int_equal(s->media[1].ncrypto, 0);
	write_is(s, kamailio);
	sdp_free(s);
}

static void ipv6_offer(void **state)
{
	(void)state;
	struct sdp *s = parse_ok(ipv6);
	assert_int_equal(s->origin_addr.family, 6);
	assert_string_equal(s->origin_addr.addr, "2001:db8::1");
	assert_int_equal(s->conn.family, 6);
	assert_int_equal(s->media[0].port, 5004);
	assert_int_equal(s->media[0].nports, 2);
	assert_string_equal(s->media[0].conn.addr, "2001:db8:0:1::ffff:192.0.2.7");
	assert_true(s->media[0].rtcp_has_addr);
	assert_int_equal(s->media[0].rtcp_addr.family, 6);
	assert_string_equal(s->media[0].rtcp_addr.addr, "::1");
	assert_int_equal(s->media[0].dir, SDP_DIR_INACTIVE);
	write_is(s, ipv6);

	/* to IPv4 */
	assert_int_equal(sdp_addr_set(&s->media[0].conn, "198.51.100.1"), 0);
	assert_int_equal(s->media[0].conn.family, 4);
	s->media[0].rtcp_has_addr = false;
	write_is(s, "v=0\r\n"
		    "o=- 3 7 IN IP6 2001:db8::1\r\n"
		    "s=-\r\n"
		    "c=IN IP6 2001:db8::1\r\n"
		    "t=0 0\r\n"
		    "m=audio 5004/2 RTP/AVP 0\r\n"
		    "c=IN IP4 198.51.100.1\r\n"
		    "a=rtcp:5007\r\n"
		    "a=inactive\r\n");
	sdp_free(s);
}

static void ice_lines(void **state)
{
	(void)state;
	struct sdp *s = parse_ok(webrtc);
	assert_true(s->ice);
	assert_true(s->media[0].ice);
	assert_true(s->media[1].ice);
	assert_false(s->has_conn);
	assert_true(s->media[0].rtcp_mux);
	assert_true(s->media[0].rtcp_has_addr);
	assert_int_equal(s->media[1].port, 0);
	assert_true(s->media[1].has_conn);
	write_is(s, webrtc);

	s->strip_ice = true;
	write_is(s, "v=0\r\n"
		    "o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"
		    "s=-\r\n"
		    "t=0 0\r\n"
		    "a=group:BUNDLE 0\r\n"
		    "a=msid-semantic: WMS\r\n"
		    "m=audio 9 UDP/TLS/RTP/SAVPF 111 0\r\n"
		    "c=IN IP4 0.0.0.0\r\n"
		    "a=rtcp:9 IN IP4 0.0.0.0\r\n"
		    "a=fingerprint:sha-256 "
		    "12:DF:3E:5D:49:6B:19:E5:7C:AB:4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:"
		    "19:E5:7C:AB:4A:AD\r\n"
		    "a=setup:actpass\r\n"
		    "a=mid:0\r\n"
		    "a=sendrecv\r\n"
		    "a=rtcp-mux\r\n"
		    "a=rtpmap:111 opus/48000/2\r\n"
		    "m=video 0 UDP/TLS/RTP/SAVPF 96\r\n"
		    "c=IN IP4 0.0.0.0\r\n"
		    "a=inactive\r\n");
	sdp_free(s);
}

static void lf_only_input(void **state)
{
	(void)state;
	const char *fixtures[] = { baresip, kamailio, ipv6, webrtc };
	for (size_t f = 0; f < 4; f++) {
		char lf[4096];
		size_t n = 0;
		for (const char *p = fixtures[f]; *p; p++)
			if (*p != '\r')
				lf[n++] = *p;
		lf[n] = '\0';
		struct sdp *s = parse_ok(lf);
		write_is(s, fixtures[f]);
		sdp_free(s);

		/* without the final line end, and with a trailing empty line */
		lf[n - 1] = '\0';
		s = parse_ok(lf);
		write_is(s, fixtures[f]);
		sdp_free(s);
		lf[n - 1] = '\n';
		lf[n] = '\n';
		lf[n + 1] = '\0';
		s = parse_ok(lf);
		write_is(s, fixtures[f]);
		sdp_free(s);
	}
}

static void round_trips(void **state)
{
	(void)state;
	round_trip(baresip);
	round_trip(kamailio);
	round_trip(ipv6);
	round_trip(webrtc);
	round_trip("v=0\r\no=- 0 0 IN IP4 192.0.2.1\r\ns= \r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n");
}

static void rewrite_baresip(void **state)
{
	(void)state;
	struct sdp *s = parse_ok(baresip);
	struct sdp_media *m = &s->media[0];

	assert_int_equal(sdp_addr_set(&s->conn, "203.0.113.5"), 0);
	assert_int_equal(sdp_addr_set(&s->origin_addr, "203.0.113.5"), 0);
	m->port = 40000;
	strcpy(m->proto, "RTP/AVP");
	m->ncrypto = 0;
	m->rtcp_mux = true;
	m->dir = SDP_DIR_SENDONLY;
	m->rtcp_port = 40001;
	m->rtcp_has_addr = true;
	assert_int_equal(sdp_addr_set(&m->rtcp_addr, "203.0.113.5"), 0);
	write_is(s, "v=0\r\n"
		    "o=- 1402513012 3806937513 IN IP4 203.0.113.5\r\n"
		    "s=baresip\r\n"
		    "c=IN IP4 203.0.113.5\r\n"
		    "t=0 0\r\n"
		    "m=audio 40000 RTP/AVP 96 0 8 101\r\n" BARESIP_MEDIA_PT
		    "a=rtcp:40001 IN IP4 203.0.113.5\r\n"
		    "a=sendonly\r\n"
		    "a=label:1\r\n"
		    "a=ssrc:1234 cname:abc\r\n"
		    "a=rtcp-mux\r\n");

	/* everything owned removed; session c= goes, so does the direction */
	s->has_conn = false;
	m->has_rtcp = false;
	m->rtcp_mux = false;
	m->dir = SDP_DIR_NONE;
	m->has_conn = true;
	assert_int_equal(sdp_addr_set(&m->conn, "2001:db8::5"), 0);
	write_is(s, "v=0\r\n"
		    "o=- 1402513012 3806937513 IN IP4 203.0.113.5\r\n"
		    "s=baresip\r\n"
		    "t=0 0\r\n"
		    "m=audio 40000 RTP/AVP 96 0 8 101\r\n"
		    "c=IN IP6 2001:db8::5\r\n" BARESIP_MEDIA_PT
		    "a=label:1\r\n"
		    "a=ssrc:1234 cname:abc\r\n");
	sdp_free(s);
}

static void rewrite_crypto(void **state)
{
	(void)state;
	struct sdp *s = parse_ok(baresip);
	struct sdp_media *m = &s->media[0];
	const char *why;

	/* a third one lands after the last a=crypto line */
	const char *third = "3 AES_256_CM_HMAC_SHA1_80 inline:" KEY46 " UNENCRYPTED_SRTCP";
	assert_int_equal(sdes_parse(third, strlen(third), &m->crypto[2], &why), 0);
	m->ncrypto = 3;
	write_is(s, BARESIP_HEAD "m=audio 10000 RTP/SAVP 96 0 8 101\r\n" BARESIP_MEDIA_PT
		    "a=rtcp:10001\r\n"
		    "a=sendrecv\r\n"
		    "a=label:1\r\n"
		    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30A "\r\n"
		    "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:" KEY30B "|2^20\r\n"
		    "a=crypto:3 AES_256_CM_HMAC_SHA1_80 inline:" KEY46 " UNENCRYPTED_SRTCP\r\n"
		    "a=ssrc:1234 cname:abc\r\n");

	/* the answer keeps one, with a fresh key, in the first line's place */
	m->ncrypto = 1;
	m->crypto[0] = m->crypto[2];
	m->crypto[0].tag = 1;
	write_is(s, BARESIP_HEAD "m=audio 10000 RTP/SAVP 96 0 8 101\r\n" BARESIP_MEDIA_PT
		    "a=rtcp:10001\r\n"
		    "a=sendrecv\r\n"
		    "a=label:1\r\n"
		    "a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:" KEY46 " UNENCRYPTED_SRTCP\r\n"
		    "a=ssrc:1234 cname:abc\r\n");

	/* an invalid crypto entry makes the writer fail rather than write garbage */
	m->crypto[0].tag = 0;
	char out[4096];
	assert_int_equal(sdp_write(s, out, sizeof(out)), -1);
	sdp_free(s);
}

static void rewrite_kamailio_adds(void **state)
{
	(void)state;
	struct sdp *s = parse_ok(kamailio);
	struct sdp_media *a = &s->media[0], *v = &s->media[1];
	const char *why;

	s->has_conn = false;
	s->dir = SDP_DIR_SENDRECV;
	strcpy(a->proto, "RTP/SAVP");
	const char *c1 = "1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30A;
	assert_int_equal(sdes_parse(c1, strlen(c1), &a->crypto[0], &why), 0);
	a->ncrypto = 1;
	a->dir = SDP_DIR_NONE;
	a->has_rtcp = true;
	a->rtcp_port = 6001;
	v->has_conn = true;
	assert_int_equal(sdp_addr_set(&v->conn, "10.0.0.9"), 0);
	v->rtcp_mux = true;
	v->has_rtcp = true;
	v->rtcp_port = 6002;
	v->port = 0;
	v->nports = 2;
	v->dir = SDP_DIR_INACTIVE;
	write_is(s, "v=0\r\n"
		    "o=user1 53655765 2353687637 IN IP4 10.0.0.5\r\n"
		    "s=Talk\r\n"
		    "b=AS:380\r\n"
		    "t=0 0\r\n"
		    "a=rtcp-xr:rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL voip-metrics\r\n"
		    "a=sendrecv\r\n"
		    "m=audio 6000 RTP/SAVP 0 8 18 101\r\n"
		    "c=IN IP4 10.0.0.6\r\n"
		    "a=rtpmap:0 PCMU/8000\r\n"
		    "a=rtpmap:18 G729/8000\r\n"
		    "a=fmtp:18 annexb=no\r\n"
		    "a=rtpmap:101 telephone-event/8000\r\n"
		    "a=fmtp:101 0-16\r\n"
		    "a=ptime:20\r\n"
		    "a=rtcp:6001\r\n"
		    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30A "\r\n"
		    "m=video 0/2 RTP/AVP 96 97\r\n"
		    "i=camera\r\n"
		    "c=IN IP4 10.0.0.9\r\n"
		    "b=TIAS:1000000\r\n"
		    "a=rtpmap:96 H264/90000\r\n"
		    "a=fmtp:96 profile-level-id=42e01f;packetization-mode=1\r\n"
		    "a=rtpmap:97 VP8/90000\r\n"
		    "a=rtcp-fb:* nack\r\n"
		    "a=inactive\r\n"
		    "a=rtcp:6002\r\n"
		    "a=rtcp-mux\r\n");
	sdp_free(s);
}

static void session_conn_before_t(void **state)
{
	(void)state;
	struct sdp *s = parse_ok(webrtc);
	s->has_conn = true;
	assert_int_equal(sdp_addr_set(&s->conn, "192.0.2.99"), 0);
	s->dir = SDP_DIR_RECVONLY;
	s->media[0].has_conn = false;
	s->strip_ice = true;
	write_is(s, "v=0\r\n"
		    "o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"
		    "s=-\r\n"
		    "c=IN IP4 192.0.2.99\r\n"
		    "t=0 0\r\n"
		    "a=group:BUNDLE 0\r\n"
		    "a=msid-semantic: WMS\r\n"
		    "a=recvonly\r\n"
		    "m=audio 9 UDP/TLS/RTP/SAVPF 111 0\r\n"
		    "a=rtcp:9 IN IP4 0.0.0.0\r\n"
		    "a=fingerprint:sha-256 "
		    "12:DF:3E:5D:49:6B:19:E5:7C:AB:4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:"
		    "19:E5:7C:AB:4A:AD\r\n"
		    "a=setup:actpass\r\n"
		    "a=mid:0\r\n"
		    "a=sendrecv\r\n"
		    "a=rtcp-mux\r\n"
		    "a=rtpmap:111 opus/48000/2\r\n"
		    "m=video 0 UDP/TLS/RTP/SAVPF 96\r\n"
		    "c=IN IP4 0.0.0.0\r\n"
		    "a=inactive\r\n");
	sdp_free(s);

	/* no t= line at all: at the end of the session section */
	s = parse_ok("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n"
		     "m=audio 1 RTP/AVP 0\r\nc=IN IP4 192.0.2.1\r\n");
	s->has_conn = true;
	assert_int_equal(sdp_addr_set(&s->conn, "192.0.2.2"), 0);
	write_is(s, "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.2\r\n"
		    "m=audio 1 RTP/AVP 0\r\nc=IN IP4 192.0.2.1\r\n");
	sdp_free(s);
}

#define HDR "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"

static void bad_and_duplicate_lines(void **state)
{
	(void)state;
	char many[4096];
	int n = snprintf(many, sizeof(many), HDR "m=audio 1 RTP/SAVP 0\r\n");
	for (int i = 1; i <= 10; i++)
		n += snprintf(many + n, sizeof(many) - (size_t)n,
			      "a=crypto:%d AES_CM_128_HMAC_SHA1_80 inline:" KEY30A "\r\n", i);
	n += snprintf(many + n, sizeof(many) - (size_t)n,
		      "a=crypto:11 AES_CM_128_HMAC_SHA1_80 inline:bad\r\n"
		      "a=crypto:12 XSIPURA inline:" KEY30A "\r\n"
		      "a=crypto\r\n"
		      "a=sendonly\r\na=recvonly\r\na=rtcp-mux\r\na=rtcp-mux\r\n"
		      "a=rtcp:2\r\na=rtcp:4\r\nc=IN IP4 192.0.2.3\r\nc=IN IP4 192.0.2.4\r\n"
		      "o=x 1 1 IN IP4 192.0.2.1\r\n");
	struct sdp *s = parse_ok(many);
	struct sdp_media *m = &s->media[0];
	assert_int_equal(m->ncrypto, SDP_MAX_CRYPTO);
	assert_int_equal(m->crypto_bad, 5);
	assert_int_equal(m->crypto[7].tag, 8);
	assert_int_equal(m->dir, SDP_DIR_SENDONLY);
	assert_int_equal(m->rtcp_port, 2);
	assert_string_equal(m->conn.addr, "192.0.2.3");

	char want[4096];
	n = snprintf(want, sizeof(want), HDR "m=audio 1 RTP/SAVP 0\r\n");
	for (int i = 1; i <= 8; i++)
		n += snprintf(want + n, sizeof(want) - (size_t)n,
			      "a=crypto:%d AES_CM_128_HMAC_SHA1_80 inline:" KEY30A "\r\n", i);
	snprintf(want + n, sizeof(want) - (size_t)n,
		 "a=sendonly\r\na=rtcp-mux\r\na=rtcp:2\r\nc=IN IP4 192.0.2.3\r\n"
		 "o=x 1 1 IN IP4 192.0.2.1\r\n");
	write_is(s, want);
	sdp_free(s);

	/* a second session o= is dropped */
	s = parse_ok("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\no=- 2 2 IN IP4 192.0.2.2\r\ns=-\r\n"
		     "c=IN IP4 192.0.2.1\r\nt=0 0\r\n");
	assert_string_equal(s->origin_sess_id, "1");
	write_is(s, HDR);
	sdp_free(s);
}

static void rejections(void **state)
{
	static const struct {
		const char *text;
		unsigned line;
	} bad[] = {
		{ "o=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n", 1 },
		{ "v=1\r\no=- 1 1 IN IP4 192.0.2.1\r\n", 1 },
		{ "v=0 \r\no=- 1 1 IN IP4 192.0.2.1\r\n", 1 },
		{ "", 0 },
		{ "\r\n\r\n", 0 },
		{ "v=0\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n", 0 },
		{ "v=0\r\ns=-\r\nm=audio 1 RTP/AVP 0\r\no=- 1 1 IN IP4 192.0.2.1\r\n", 0 },
		{ "v=0\r\no=- 1 1 IN IP4\r\n", 2 },
		{ "v=0\r\no=- 1 1 IN IP4 host.example.com\r\n", 2 },
		{ "v=0\r\no=- 1 1 IN IP6 192.0.2.1\r\n", 2 },
		{ "v=0\r\no=- 1 1 1 IN IP4 192.0.2.1\r\n", 2 },
		{ "v=0\r\no=- 1 1 XX IP4 192.0.2.1\r\n", 2 },
		{ "v=0\r\no=-\t1 1 IN IP4 192.0.2.1\r\n", 2 },
		{ "v=0\r\no=- 123456789012345678901234567890123 1 IN IP4 192.0.2.1\r\n", 2 },
		{ HDR "s:foo\r\n", 6 },
		{ HDR "\r\nm=audio 1 RTP/AVP 0\r\n", 6 },
		{ HDR "1=x\r\n", 6 },
		{ HDR "a\r\n", 6 },
		{ HDR "m=audio 1 RTP/AVP 0\r\nfoo\r\n", 7 },
		{ HDR "m=audio 1 RTP/AVP 0\r\na=x\rc=IN IP4 192.0.2.9\r\n", 7 },
		{ HDR "m=audio 70000 RTP/AVP 0\r\n", 6 },
		{ HDR "m=audio 65536 RTP/AVP 0\r\n", 6 },
		{ HDR "m=audio x RTP/AVP 0\r\n", 6 },
		{ HDR "m=audio -1 RTP/AVP 0\r\n", 6 },
		{ HDR "m=audio 1/0 RTP/AVP 0\r\n", 6 },
		{ HDR "m=audio 1/ RTP/AVP 0\r\n", 6 },
		{ HDR "m=audio 1 RTP/AVP\r\n", 6 },
		{ HDR "m=audio 1 RTP/AVP \r\n", 6 },
		{ HDR "m=audio 1\r\n", 6 },
		{ HDR "m=\r\n", 6 },
		{ HDR "m=audioaudioaudioaudioaudioaudioaudio 1 RTP/AVP 0\r\n", 6 },
		{ HDR "c=IN IP4 example.com\r\n", 6 },
		{ HDR "c=IN IP7 192.0.2.1\r\n", 6 },
		{ HDR "c=ATM NSAP 47.0091.8100.0000.0060.3e64.fd01.0060.3e64.fd01.00\r\n", 6 },
		{ HDR "c=IN IP4 224.2.1.1/127\r\n", 6 },
		{ HDR "c=IN IP6 192.0.2.1\r\n", 6 },
		{ HDR "c=IN IP4 2001:db8::1\r\n", 6 },
		{ HDR "c=IN IP4\r\n", 6 },
		{ HDR "c=IN IP4 192.0.2.1 x\r\n", 6 },
		{ HDR "c=IN IP4 192.0.2.01\r\n", 6 },
		{ HDR "m=audio 1 RTP/AVP 0\r\na=rtcp:99999\r\n", 7 },
		{ HDR "m=audio 1 RTP/AVP 0\r\na=rtcp:abc\r\n", 7 },
		{ HDR "m=audio 1 RTP/AVP 0\r\na=rtcp:\r\n", 7 },
		{ HDR "m=audio 1 RTP/AVP 0\r\na=rtcp\r\n", 7 },
		{ HDR "m=audio 1 RTP/AVP 0\r\na=rtcp:5 IN IP4 bad\r\n", 7 },
		{ HDR "m=audio 1 RTP/AVP 0\r\na=rtcp:5 IN IP4\r\n", 7 },
		{ "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\nm=audio 1 RTP/AVP 0\r\n"
		  "c=IN IP4 192.0.2.1\r\nm=video 2 RTP/AVP 96\r\n",
		  7 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sdp *s = sdp_new();
		const char *why = NULL;
		unsigned line = 12345;
		if (sdp_parse(bad[i].text, strlen(bad[i].text), s, &why, &line) != -1)
			fail_msg("accepted #%zu: %s", i, bad[i].text);
		assert_non_null(why);
		if (line != bad[i].line)
			fail_msg("#%zu: line %u, want %u (%s)", i, line, bad[i].line, why);
		free(s);
	}
}

static void rejections_built(void **state)
{
	(void)state;
	static char buf[SDP_MAX_LEN + 64];
	struct sdp *s = sdp_new();
	const char *why;
	unsigned line;

	/* NUL byte */
	static const char nul[] = HDR "a=x\0y\r\n";
	assert_int_equal(sdp_parse(nul, sizeof(nul) - 1, s, &why, &line), -1);
	assert_int_equal(line, 6);
	assert_string_equal(why, "NUL byte");

	/* too long */
	int n = snprintf(buf, sizeof(buf), HDR);
	while (n < SDP_MAX_LEN + 1)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "a=x\r\n");
	assert_int_equal(sdp_parse(buf, (size_t)n, s, &why, &line), -1);
	assert_int_equal(line, 0);
	assert_non_null(why);

	/* SDP_MAX_LINES is fine, one more is not */
	n = snprintf(buf, sizeof(buf), HDR);
	for (int i = 5; i < SDP_MAX_LINES; i++)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "a=x\r\n");
	assert_int_equal(sdp_parse(buf, (size_t)n, s, &why, &line), 0);
	assert_int_equal(s->nlines, SDP_MAX_LINES);
	n += snprintf(buf + n, sizeof(buf) - (size_t)n, "a=x\r\n");
	assert_int_equal(sdp_parse(buf, (size_t)n, s, &why, &line), -1);
	assert_int_equal(line, SDP_MAX_LINES + 1);

	/* SDP_MAX_MEDIA m= lines are fine, one more is not */
	n = snprintf(buf, sizeof(buf), HDR);
	for (int i = 0; i < SDP_MAX_MEDIA; i++)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "m=audio %d RTP/AVP 0\r\n", i);
	assert_int_equal(sdp_parse(buf, (size_t)n, s, &why, &line), 0);
	assert_int_equal(s->nmedia, SDP_MAX_MEDIA);
	n += snprintf(buf + n, sizeof(buf) - (size_t)n, "m=audio 9 RTP/AVP 0\r\n");
	assert_int_equal(sdp_parse(buf, (size_t)n, s, &why, &line), -1);
	assert_int_equal(line, 5 + SDP_MAX_MEDIA + 1);

	/* NULL why/line are allowed */
	assert_int_equal(sdp_parse("x", 1, s, NULL, NULL), -1);
	sdp_free(s);
}

static void writer_bounds(void **state)
{
	(void)state;
	const char *fixtures[] = { baresip, kamailio, ipv6, webrtc };
	for (size_t f = 0; f < 4; f++) {
		struct sdp *s = parse_ok(fixtures[f]);
		size_t len = strlen(fixtures[f]);
		char *buf = malloc(len + 64);
		assert_non_null(buf);
		for (size_t cap = 0; cap <= len; cap++) {
			memset(buf, 'Z', len + 64);
			assert_int_equal(sdp_write(s, buf, cap), -1);
			for (size_t j = cap; j < len + 64; j++)
				assert_int_equal(buf[j], 'Z');
			if (cap)
				assert_int_equal(buf[0], '\0');
		}
		assert_int_equal(sdp_write(s, buf, len + 1), (long)len);
		assert_memory_equal(buf, fixtures[f], len + 1);
		free(buf);
		sdp_free(s);
	}
}

static void addr_set(void **state)
{
	(void)state;
	struct sdp_addr a = { 0, "" };
	assert_int_equal(sdp_addr_set(&a, "192.0.2.1"), 0);
	assert_int_equal(a.family, 4);
	assert_int_equal(sdp_addr_set(&a, "2001:db8::1"), 0);
	assert_int_equal(a.family, 6);
	assert_string_equal(a.addr, "2001:db8::1");
	assert_int_equal(sdp_addr_set(&a, "example.com"), -1);
	assert_int_equal(sdp_addr_set(&a, "192.0.2.256"), -1);
	assert_int_equal(sdp_addr_set(&a, "fe80::1%eth0"), -1);
	assert_int_equal(sdp_addr_set(&a, ""), -1);
	assert_int_equal(sdp_addr_set(&a, "1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa:bbbb:"
					  "cccc:dddd:eeee"),
			 -1);
	assert_int_equal(a.family, 6); /* unchanged on failure */
	assert_string_equal(a.addr, "2001:db8::1");
}

/* a=ssrc gives the media's SSRC (the first line's) and stays verbatim;
 * add_attr goes at the end of the session section; sdp_has_attr finds whole
 * attribute lines only. */
static void ssrc_and_mark(void **state)
{
	(void)state;
	static const char in[] =
		"v=0\r\no=- 1 1 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\n"
		"a=xsrelay:abc\r\n"
		"m=audio 4000 RTP/AVP 0\r\na=ssrc-group:FID 1 2\r\n"
		"a=ssrc:4294967295 cname:x\r\na=ssrc:7 cname:y\r\n"
		"m=audio 4002 RTP/AVP 0\r\na=ssrc:4294967296 cname:z\r\n";
	static const char want[] =
		"v=0\r\no=- 1 1 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\n"
		"a=xsrelay:abc\r\na=xsrelay:me\r\n"
		"m=audio 4000 RTP/AVP 0\r\na=ssrc-group:FID 1 2\r\n"
		"a=ssrc:4294967295 cname:x\r\na=ssrc:7 cname:y\r\n"
		"m=audio 4002 RTP/AVP 0\r\na=ssrc:4294967296 cname:z\r\n";
	char buf[1024];
	struct sdp *s = parse_ok(in);
	assert_int_equal(s->media[0].ssrc, 4294967295u);
	assert_int_equal(s->media[1].ssrc, 0); /* past 32 bits: not an SSRC */
	assert_true(sdp_has_attr(s, "xsrelay:abc"));
	assert_false(sdp_has_attr(s, "xsrelay:ab"));
	assert_false(sdp_has_attr(s, "xsrelay:me"));
	snprintf(s->add_attr, sizeof(s->add_attr), "xsrelay:me");
	assert_int_equal(sdp_write(s, buf, sizeof(buf)), (long)strlen(want));
	assert_string_equal(buf, want);
	/* the next parse into the same struct starts without one */
	assert_int_equal(sdp_parse(want, strlen(want), s, NULL, NULL), 0);
	assert_true(sdp_has_attr(s, "xsrelay:me"));
	assert_string_equal(s->add_attr, "");
	sdp_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(baresip_offer),
		cmocka_unit_test(kamailio_audio_video),
		cmocka_unit_test(ipv6_offer),
		cmocka_unit_test(ice_lines),
		cmocka_unit_test(lf_only_input),
		cmocka_unit_test(round_trips),
		cmocka_unit_test(rewrite_baresip),
		cmocka_unit_test(rewrite_crypto),
		cmocka_unit_test(rewrite_kamailio_adds),
		cmocka_unit_test(session_conn_before_t),
		cmocka_unit_test(bad_and_duplicate_lines),
		cmocka_unit_test(rejections),
		cmocka_unit_test(rejections_built),
		cmocka_unit_test(writer_bounds),
		cmocka_unit_test(addr_set),
		cmocka_unit_test(ssrc_and_mark),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
