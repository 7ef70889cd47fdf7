/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A call's life through the ng commands (control/ng_cmd.c), without a fast
 * path or a store, checked on the daemon's own state:
 *  - port pools: re-offers that switch interfaces (direction) move each
 *    stream's port to the new interface's pool; after every step each pool
 *    holds exactly the ports the calls' streams on it hold (no leak), no port
 *    is held twice (no double allocation), and call end empties every pool;
 *  - media addresses: the relay's own, multicast, broadcast and loopback are
 *    refused with an error naming the address and why, and change nothing;
 *    c=0.0.0.0 puts the stream on hold (the address passes on, the flows keep
 *    the party's address) and a resume from the same address needs no rebind;
 *  - a re-offer from a moved party sets rebind on its stream only;
 *  - loop-protect marks the SDP it writes and passes an SDP with its own mark
 *    on unchanged, anchoring nothing;
 *  - the flows (dp_flow_msg_for): the source policy per latching setting and
 *    transform (SRTP without authentication latched as plain RTP, never
 *    re-latched), F_MARKS with the kept marks, the margin on the send
 *    direction, each one a request the fast path's own checks accept;
 *  - a re-answer with a new key drops that direction's marks only;
 *  - moved marks are stored (xsd_save_marks) and read back with the call;
 *  - a store checkpoint (a burst's writes committed before the fast path is
 *    sent what depends on them) survives the burst's rollback.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "dp_codec.h"
#include "dp_link.h"
#include "marks.h"
#include "ng_cmd.h"
#include "store.h"
#include "xs_srtp.h"
#include "xsrelayd_conf.h"

void xsd_log(enum xsd_log_level lvl, const char *fmt, ...)
{
	(void)lvl;
	(void)fmt;
}

int64_t xsd_now(void)
{
	return (int64_t)time(NULL);
}

static struct xsd d;

static int setup(void **state)
{
	char err[128];
	(void)state;
	memset(&d, 0, sizeof(d));
	xsd_conf_defaults(&d);
	assert_int_equal(xsd_conf_set(&d, "interface", "a/192.0.2.1/30000-30019", err,
				      sizeof(err)), 0);
	assert_int_equal(xsd_conf_set(&d, "interface", "b/198.51.100.1/40000-40019", err,
				      sizeof(err)), 0);
	for (unsigned i = 0; i < d.niface; i++)
		assert_int_equal(port_pool_init(&d.iface[i].pool, d.iface[i].port_min,
						d.iface[i].port_max), 0);
	assert_int_equal(call_table_init(&d.calls, 64), 0);
	d.dp = dp_link_create("/nonexistent/dp.sock"); /* down: flows are not sent */
	assert_non_null(d.dp);
	d.ng_slot = -1;
	snprintf(d.loop_mark, sizeof(d.loop_mark), "xsrelay:0123456789ab");
	ng_cmd_bind(&d);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	call_table_free(&d.calls);
	dp_link_free(d.dp);
	for (unsigned i = 0; i < d.niface; i++)
		port_pool_free(&d.iface[i].pool);
	return 0;
}

/* One request (JSON text) through ng_cmd_handle; the reply, parsed. */
static const struct ng_val *ng(const char *json)
{
	static uint8_t areq[1 << 16], arep[1 << 16];
	static struct ng_out out;
	static char reqbuf[1 << 14];
	struct ng_arena a1, a2;
	struct ng_val *req, *rep;
	struct ng_parse_error e;
	ng_out_free(&out);
	ng_out_init(&out, NG_JSON);
	snprintf(reqbuf, sizeof(reqbuf), "%s", json);
	ng_arena_init(&a1, areq, sizeof(areq));
	ng_arena_init(&a2, arep, sizeof(arep));
	assert_int_equal(ng_parse_value(reqbuf, strlen(reqbuf), NG_JSON, &a1, &req, &e), 0);
	ng_cmd_handle(&d, req, &out);
	assert_false(out.oom);
	assert_int_equal(ng_parse_value(out.buf, out.len, NG_JSON, &a2, &rep, &e), 0);
	return rep;
}

static bool ok(const struct ng_val *r)
{
	return ng_str_eq(ng_dict_get(r, "result"), "ok");
}

/* The error-reason of r, "" when r is not an error. */
static const char *reason(const struct ng_val *r)
{
	static char buf[256];
	buf[0] = '\0';
	ng_str_copy(ng_dict_get(r, "error-reason"), buf, sizeof(buf));
	return buf;
}

static const char *sdp_of(const struct ng_val *r)
{
	static char buf[4096];
	assert_int_equal(ng_str_copy(ng_dict_get(r, "sdp"), buf, sizeof(buf)), 0);
	return buf;
}

static const char *sdp(const char *ip, unsigned port, const char *extra)
{
	static char buf[512];
	snprintf(buf, sizeof(buf), "v=0\\r\\no=x 1 1 IN IP4 %s\\r\\ns=-\\r\\nc=IN IP4 %s\\r\\n"
		 "t=0 0\\r\\nm=audio %u RTP/AVP 0\\r\\n%s", ip, ip, port, extra);
	return buf;
}

static const struct ng_val *offer(const char *cid, const char *tag, const char *ip,
				  unsigned port, const char *dir0, const char *dir1,
				  const char *flags)
{
	char req[2048];
	snprintf(req, sizeof(req), "{\"command\":\"offer\",\"call-id\":\"%s\",\"from-tag\":\"%s\","
		 "\"sdp\":\"%s\",\"direction\":[\"%s\",\"%s\"],\"flags\":[%s]}", cid, tag,
		 sdp(ip, port, ""), dir0, dir1, flags ? flags : "");
	return ng(req);
}

static const struct ng_val *answer(const char *cid, const char *from, const char *to,
				   const char *ip, unsigned port)
{
	char req[2048];
	snprintf(req, sizeof(req), "{\"command\":\"answer\",\"call-id\":\"%s\",\"from-tag\":\"%s\","
		 "\"to-tag\":\"%s\",\"sdp\":\"%s\"}", cid, from, to, sdp(ip, port, ""));
	return ng(req);
}

struct tally {
	unsigned held[XSD_MAX_IFACES];
	bool twice;
	bool foreign;  /* a stream's port not in use in its interface's pool */
	uint32_t seen[64];
	unsigned nseen;
};

static void tally_one(struct call *c, void *arg)
{
	struct tally *t = arg;
	for (int l = 0; l < 2; l++)
		for (int m = 0; m < c->leg[l].nmedia; m++) {
			const struct call_stream *s = &c->leg[l].media[m];
			if (!s->relay_port)
				continue;
			uint32_t key = (uint32_t)s->iface << 16 | s->relay_port;
			for (unsigned i = 0; i < t->nseen; i++)
				t->twice |= t->seen[i] == key;
			t->seen[t->nseen++] = key;
			t->held[s->iface]++;
			t->foreign |= !port_pool_in_use(&d.iface[s->iface].pool, s->relay_port);
		}
}

/* Every pool holds exactly its streams' ports, each once. */
static void check_pools(void)
{
	struct tally t;
	memset(&t, 0, sizeof(t));
	call_foreach(&d.calls, tally_one, &t);
	assert_false(t.twice);
	assert_false(t.foreign);
	for (unsigned i = 0; i < d.niface; i++)
		assert_int_equal(d.iface[i].pool.used, t.held[i]);
}

static const struct call_stream *stream(const char *cid, int leg)
{
	struct call *c = call_find(&d.calls, cid);
	assert_non_null(c);
	return &c->leg[leg].media[0];
}

static void test_pool_accounting(void **state)
{
	(void)state;
	assert_true(ok(offer("p1", "x", "10.0.0.2", 4000, "a", "b", NULL)));
	assert_true(ok(answer("p1", "x", "y", "10.0.1.2", 5000)));
	assert_true(ok(offer("p2", "x", "10.0.0.3", 4000, "a", "b", NULL)));
	assert_true(ok(answer("p2", "x", "y", "10.0.1.3", 5000)));
	check_pools();
	assert_int_equal(d.iface[0].pool.used, 2);
	assert_int_equal(d.iface[1].pool.used, 2);
	uint16_t before = stream("p1", 0)->relay_port;

	/* p1's offerer and answerer swap interfaces */
	assert_true(ok(offer("p1", "x", "10.0.0.2", 4000, "b", "a", NULL)));
	check_pools();
	assert_int_equal(stream("p1", 0)->iface, 1);
	assert_int_equal(stream("p1", 1)->iface, 0);
	assert_false(port_pool_in_use(&d.iface[0].pool, before)); /* back in a's pool */
	assert_true(ok(answer("p1", "x", "y", "10.0.1.2", 5000)));
	/* a re-offer from the answerer, both streams on b */
	assert_true(ok(offer("p1", "y", "10.0.1.2", 5000, "b", "b", NULL)));
	check_pools();
	assert_int_equal(d.iface[0].pool.used, 1); /* only p2's */
	assert_int_equal(d.iface[1].pool.used, 3);
	/* the same direction again moves nothing */
	uint16_t p = stream("p1", 1)->relay_port;
	assert_true(ok(offer("p1", "y", "10.0.1.2", 5000, "b", "b", NULL)));
	assert_int_equal(stream("p1", 1)->relay_port, p);
	check_pools();
	/* a refused re-offer (bad address) moves nothing either */
	assert_false(ok(offer("p1", "y", "224.0.0.9", 5000, "a", "a", NULL)));
	assert_int_equal(stream("p1", 1)->iface, 1);
	check_pools();
	/* back to a, a */
	assert_true(ok(offer("p1", "x", "10.0.0.2", 4000, "a", "a", NULL)));
	check_pools();
	assert_int_equal(d.iface[0].pool.used, 3);
	assert_int_equal(d.iface[1].pool.used, 1);

	assert_true(ok(ng("{\"command\":\"delete\",\"call-id\":\"p1\"}")));
	check_pools();
	assert_true(ok(ng("{\"command\":\"delete\",\"call-id\":\"p2\"}")));
	for (unsigned i = 0; i < d.niface; i++)
		assert_int_equal(d.iface[i].pool.used, 0);
}

static void test_bad_addresses(void **state)
{
	(void)state;
	static const struct { const char *ip, *why; } bad[] = {
		{ "192.0.2.1", "own address (interface 'a')" },
		{ "198.51.100.1", "own address (interface 'b')" },
		{ "224.1.2.3", "multicast" },
		{ "255.255.255.255", "broadcast" },
		{ "127.0.0.1", "loopback" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *r = reason(offer("bad", "x", bad[i].ip, 4000, "a", "b", NULL));
		assert_non_null(strstr(r, bad[i].ip));
		assert_non_null(strstr(r, bad[i].why));
		assert_null(call_find(&d.calls, "bad"));
	}
	assert_true(ok(offer("bad", "x", "10.0.0.2", 4000, "a", "b", NULL)));
	const char *r = reason(answer("bad", "x", "y", "239.0.0.1", 5000));
	assert_non_null(strstr(r, "239.0.0.1"));
	assert_non_null(strstr(r, "multicast"));
	assert_int_equal(call_find(&d.calls, "bad")->state, CALL_OFFERED);
	assert_true(ok(ng("{\"command\":\"delete\",\"call-id\":\"bad\"}")));
	check_pools();
}

static void test_hold_and_move(void **state)
{
	(void)state;
	assert_true(ok(offer("h", "x", "10.0.0.2", 4000, "a", "b", NULL)));
	assert_true(ok(answer("h", "x", "y", "10.0.1.2", 5000)));
	struct xs_dp_addr peer = stream("h", 0)->peer;
	/* hold, old style: c=0.0.0.0 passes on, the flows keep x's address */
	const struct ng_val *r = offer("h", "x", "0.0.0.0", 4000, "a", "b", NULL);
	assert_true(ok(r));
	assert_non_null(strstr(sdp_of(r), "c=IN IP4 0.0.0.0"));
	assert_memory_equal(&stream("h", 0)->peer, &peer, sizeof(peer));
	assert_true(ok(answer("h", "x", "y", "10.0.1.2", 5000)));
	assert_false(stream("h", 0)->rebind);
	/* resume from where it was: nothing to learn again */
	r = offer("h", "x", "10.0.0.2", 4000, "a", "b", NULL);
	assert_true(ok(r));
	assert_null(strstr(sdp_of(r), "0.0.0.0"));
	assert_false(stream("h", 0)->rebind);
	/* x moves: its flow learns the new source; y's does not */
	assert_true(ok(offer("h", "x", "10.0.0.9", 4002, "a", "b", NULL)));
	assert_true(stream("h", 0)->rebind);
	assert_false(stream("h", 1)->rebind);
	assert_true(ok(ng("{\"command\":\"delete\",\"call-id\":\"h\"}")));
}

static void test_loop_protect(void **state)
{
	(void)state;
	const struct ng_val *r = offer("l1", "x", "10.0.0.2", 4000, "a", "b", "\"loop-protect\"");
	assert_true(ok(r));
	static char marked[4096], req[9000], esc[8192];
	snprintf(marked, sizeof(marked), "%s", sdp_of(r));
	assert_non_null(strstr(marked, "a=xsrelay:0123456789ab\r\n"));
	/* the SDP comes back (a signalling loop): passed on as it came */
	size_t k = 0;
	for (const char *p = marked; *p; p++) {
		if (*p == '\r' || *p == '\n') {
			esc[k++] = '\\';
			esc[k++] = *p == '\r' ? 'r' : 'n';
		} else {
			esc[k++] = *p;
		}
	}
	esc[k] = '\0';
	snprintf(req, sizeof(req), "{\"command\":\"offer\",\"call-id\":\"l2\",\"from-tag\":\"z\","
		 "\"sdp\":\"%s\",\"flags\":[\"loop-protect\"]}", esc);
	unsigned used = d.iface[0].pool.used + d.iface[1].pool.used;
	r = ng(req);
	assert_true(ok(r));
	assert_string_equal(sdp_of(r), marked);
	assert_null(call_find(&d.calls, "l2"));
	assert_int_equal(d.iface[0].pool.used + d.iface[1].pool.used, used);
	/* without the flag nothing is marked */
	r = offer("l3", "x", "10.0.0.2", 4000, "a", "b", NULL);
	assert_null(strstr(sdp_of(r), "a=xsrelay:"));
	assert_true(ok(ng("{\"command\":\"delete\",\"call-id\":\"l1\"}")));
	assert_true(ok(ng("{\"command\":\"delete\",\"call-id\":\"l3\"}")));
}

/* Whether the fast path's own checks take msg as a request of this type
 * (with extra flags): what xsrelayd sends must never be refused. */
static void accepted(const struct xs_dp_flow_msg *msg, uint16_t type, uint32_t extra)
{
	static uint8_t buf[sizeof(struct xs_dp_hdr) + sizeof(*msg)];
	struct xs_dp_hdr h;
	const struct xs_dp_hdr *hp;
	struct xs_dp_verdict v = { 0, NULL };
	xs_dp_hdr_fill(&h, type, sizeof(buf), 1, 0);
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), msg, sizeof(*msg));
	((struct xs_dp_flow_msg *)(buf + sizeof(h)))->flow.flags |= extra;
	int rc = xs_dp_request_check(buf, sizeof(buf), &hp, &v);
	if (rc)
		fprintf(stderr, "refused: %s\n", v.why ? v.why : "?");
	assert_int_equal(rc, 0);
	explicit_bzero(buf, sizeof(buf));
}

/* An answered call: x plain, y SRTP (the relay's keys toward y). */
static struct call *plain_to_srtp(const char *cid, const char *flags)
{
	char req[2048];
	assert_true(ok(offer(cid, "x", "10.0.0.2", 4000, "a", "b", flags)));
	/* re-offer toward y as SRTP: the relay offers its keys to y */
	snprintf(req, sizeof(req), "{\"command\":\"offer\",\"call-id\":\"%s\",\"from-tag\":\"x\","
		 "\"sdp\":\"%s\",\"direction\":[\"a\",\"b\"],\"transport-protocol\":\"RTP/SAVP\","
		 "\"SDES\":[\"only-AES_CM_128_HMAC_SHA1_80\"],\"flags\":[%s]}", cid,
		 sdp("10.0.0.2", 4000, ""), flags ? flags : "");
	const struct ng_val *r = ng(req);
	assert_true(ok(r));
	const char *c = strstr(sdp_of(r), "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:");
	assert_non_null(c);
	char line[128];
	snprintf(line, sizeof(line), "%.*s", (int)strcspn(c, "\r"), c);
	snprintf(req, sizeof(req), "{\"command\":\"answer\",\"call-id\":\"%s\",\"from-tag\":\"x\","
		 "\"to-tag\":\"y\",\"sdp\":\"v=0\\r\\no=y 1 1 IN IP4 10.0.1.2\\r\\ns=-\\r\\n"
		 "c=IN IP4 10.0.1.2\\r\\nt=0 0\\r\\nm=audio 5000 RTP/SAVP 0\\r\\n%s\\r\\n\"}",
		 cid, line);
	assert_true(ok(ng(req)));
	struct call *call = call_find(&d.calls, cid);
	assert_int_equal(call->state, CALL_ANSWERED);
	assert_int_not_equal(call->leg[1].media[0].rx.suite, 0);
	return call;
}

static void test_flow_messages(void **state)
{
	(void)state;
	struct xs_dp_flow_msg msg;
	struct call *c = plain_to_srtp("f", NULL);
	c->leg[1].media[0].tx_marks.rtcp_index = 77;
	c->leg[1].media[0].tx_marks.count = 1;
	c->leg[1].media[0].tx_marks.ssrc[0].ssrc = 0x1234;
	c->leg[1].media[0].tx_marks.ssrc[0].index = 0x10005;

	/* the flow at x's port: plain in (from x), SRTP out (to y) */
	dp_flow_msg_for(&d, c, 0, 0, &msg);
	accepted(&msg, XS_DP_MSG_FLOW_ADD, 0);
	accepted(&msg, XS_DP_MSG_FLOW_REPLACE, XS_DP_FLOW_F_REBIND);
	assert_int_equal(msg.flow.src_policy, XS_DP_SRC_LATCH_IP);
	assert_memory_equal(msg.flow.peer.addr, "\x0a\x00\x00\x02", 4);
	assert_int_equal(msg.flow.peer.port, 0);
	assert_int_equal(msg.flow.flags & (XS_DP_FLOW_F_RESET | XS_DP_FLOW_F_REBIND), 0);
	assert_true(msg.flow.flags & XS_DP_FLOW_F_MARKS);
	assert_true(msg.flow.flags & XS_DP_FLOW_F_OUT_KEYS);
	assert_false(msg.flow.flags & XS_DP_FLOW_F_IN_KEYS);
	assert_int_equal(msg.out_marks.rtcp_index, 77 + MARKS_RTCP_MARGIN);
	assert_int_equal(msg.out_marks.count, 1);
	assert_int_equal(msg.out_marks.ssrc[0].index, 0x10005);
	assert_int_equal(msg.in_marks.count, 0);
	assert_int_equal(msg.in_marks.rtcp_index, 0);

	/* the flow at y's port: SRTP in (from y): authenticated latching, relatch */
	dp_flow_msg_for(&d, c, 1, 0, &msg);
	accepted(&msg, XS_DP_MSG_FLOW_ADD, 0);
	accepted(&msg, XS_DP_MSG_FLOW_REPLACE, XS_DP_FLOW_F_REBIND);
	assert_int_equal(msg.flow.src_policy, XS_DP_SRC_LATCH);
	assert_true(msg.flow.flags & XS_DP_FLOW_F_RELATCH);
	assert_true(msg.flow.flags & XS_DP_FLOW_F_MARKS);
	assert_int_equal(msg.flow.peer.family, 0);
	assert_int_equal(msg.out_marks.count, 0); /* plain toward x */

	d.cfg.relatch = false;
	dp_flow_msg_for(&d, c, 1, 0, &msg);
	assert_false(msg.flow.flags & XS_DP_FLOW_F_RELATCH);
	c->media_handover = true; /* the call asked for it */
	dp_flow_msg_for(&d, c, 1, 0, &msg);
	assert_true(msg.flow.flags & XS_DP_FLOW_F_RELATCH);
	d.cfg.relatch = true;

	/* SRTP without authentication proves nothing about its sender: latched
	 * as plain RTP (only from y's SDP IP), never "first authenticated
	 * packet", never re-latched -- not even with relatch and media-handover */
	struct call_stream *ys = &c->leg[1].media[0];
	struct call_key rx = ys->rx;
	for (int i = 0; i < 2; i++) {
		ys->rx = rx;
		if (i == 0)
			ys->rx.suite = XS_SUITE_AES_CM_128_NULL_AUTH;
		else
			ys->rx.flags |= XS_SRTP_F_UNAUTHENTICATED_SRTP;
		dp_flow_msg_for(&d, c, 1, 0, &msg);
		accepted(&msg, XS_DP_MSG_FLOW_ADD, 0);
		assert_true(msg.flow.flags & XS_DP_FLOW_F_IN_KEYS);
		assert_int_equal(msg.flow.src_policy, XS_DP_SRC_LATCH_IP);
		assert_int_equal(msg.flow.peer.family, XS_DP_AF_INET);
		assert_memory_equal(msg.flow.peer.addr, "\x0a\x00\x01\x02", 4);
		assert_int_equal(msg.flow.peer.port, 0);
		assert_false(msg.flow.flags & XS_DP_FLOW_F_RELATCH);
		d.cfg.latching = XSD_LATCH_FIRST_PACKET;
		dp_flow_msg_for(&d, c, 1, 0, &msg);
		assert_int_equal(msg.flow.src_policy, XS_DP_SRC_LATCH);
		assert_false(msg.flow.flags & XS_DP_FLOW_F_RELATCH);
		d.cfg.latching = XSD_LATCH_SDP_ADDRESS;
	}
	ys->rx = rx;
	explicit_bzero(&rx, sizeof(rx));

	d.cfg.latching = XSD_LATCH_FIRST_PACKET;
	dp_flow_msg_for(&d, c, 0, 0, &msg);
	assert_int_equal(msg.flow.src_policy, XS_DP_SRC_LATCH);
	assert_int_equal(msg.flow.peer.family, 0);
	accepted(&msg, XS_DP_MSG_FLOW_ADD, 0);
	d.cfg.latching = XSD_LATCH_STRICT;
	dp_flow_msg_for(&d, c, 1, 0, &msg);
	accepted(&msg, XS_DP_MSG_FLOW_ADD, 0);
	assert_int_equal(msg.flow.src_policy, XS_DP_SRC_FIXED);
	assert_false(msg.flow.flags & XS_DP_FLOW_F_RELATCH);
	assert_memory_equal(msg.flow.peer.addr, "\x0a\x00\x01\x02", 4);
	d.cfg.latching = XSD_LATCH_SDP_ADDRESS;
	c->strict_source = true; /* the ng flag: strict for this call */
	dp_flow_msg_for(&d, c, 0, 0, &msg);
	accepted(&msg, XS_DP_MSG_FLOW_ADD, 0);
	assert_int_equal(msg.flow.src_policy, XS_DP_SRC_FIXED);
	explicit_bzero(&msg, sizeof(msg));

	/* a re-INVITE in which y answers with a new key: y's receive marks go
	 * and its flow binds again; the relay's key toward y and its marks stay */
	c->strict_source = false;
	c->leg[1].media[0].rx_marks.count = 1;
	c->leg[1].media[0].rx_marks.ssrc[0].ssrc = 0x99;
	uint8_t tx_key[32];
	memcpy(tx_key, c->leg[1].media[0].tx.key, sizeof(tx_key));
	char req[2048];
	snprintf(req, sizeof(req), "{\"command\":\"offer\",\"call-id\":\"f\",\"from-tag\":\"x\","
		 "\"sdp\":\"%s\",\"direction\":[\"a\",\"b\"],\"transport-protocol\":\"RTP/SAVP\"}",
		 sdp("10.0.0.2", 4000, ""));
	assert_true(ok(ng(req)));
	snprintf(req, sizeof(req), "{\"command\":\"answer\",\"call-id\":\"f\",\"from-tag\":\"x\","
		 "\"to-tag\":\"y\",\"sdp\":\"v=0\\r\\no=y 1 2 IN IP4 10.0.1.2\\r\\ns=-\\r\\n"
		 "c=IN IP4 10.0.1.2\\r\\nt=0 0\\r\\nm=audio 5000 RTP/SAVP 0\\r\\n"
		 "a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
		 "inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd\\r\\n\"}");
	assert_true(ok(ng(req)));
	c = call_find(&d.calls, "f");
	const struct call_stream *y = &c->leg[1].media[0];
	assert_memory_equal(y->tx.key, tx_key, sizeof(tx_key));
	assert_int_equal(y->tx_marks.rtcp_index, 77);
	assert_int_equal(y->tx_marks.count, 1);
	assert_int_equal(y->rx_marks.count, 0);
	assert_true(y->rebind);
	assert_false(c->leg[0].media[0].rebind);
	explicit_bzero(tx_key, sizeof(tx_key));
	assert_true(ok(ng("{\"command\":\"delete\",\"call-id\":\"f\"}")));
}

static struct call *loaded;

static void take_loaded(struct call *c, void *arg)
{
	(void)arg;
	loaded = c;
}

/* Closes d.store, opened as dir/calls.db, and removes its files and dir. */
static void close_store(const char *dir)
{
	char path[64];
	store_close(d.store);
	d.store = NULL;
	snprintf(path, sizeof(path), "%s/calls.db", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/calls.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/calls.db-shm", dir);
	unlink(path);
	rmdir(dir);
}

/* Moved marks reach the store in one write per tick (xsd_save_marks), and
 * come back with the call. */
static void test_marks_stored(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_call_life.XXXXXX", path[64], err[128];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/calls.db", dir);
	d.store = store_open(path, err, sizeof(err));
	assert_non_null(d.store);
	struct call *c = plain_to_srtp("s", NULL);
	struct xs_dp_marks m = { .rtcp_index = 4242, .count = 1 };
	m.ssrc[0].ssrc = 0xfeed;
	m.ssrc[0].index = 0x30001;
	c->leg[1].media[0].tx_marks = m;
	xsd_save_marks(&d); /* nothing marked: nothing written */
	assert_int_equal(d.cnt.store_marks, 0);
	c->unsaved = d.unsaved = true;
	xsd_save_marks(&d);
	assert_int_equal(d.cnt.store_marks, 1);
	assert_false(c->unsaved);
	assert_false(d.unsaved);
	assert_int_equal(store_load_id(d.store, c->id, take_loaded, NULL), 1);
	assert_memory_equal(&loaded->leg[1].media[0].tx_marks, &m, sizeof(m));
	explicit_bzero(loaded, sizeof(*loaded));
	free(loaded);
	assert_true(ok(ng("{\"command\":\"delete\",\"call-id\":\"s\"}")));
	close_store(dir);
}

/* A checkpoint makes the open transaction's writes durable: a later rollback
 * (a failed commit at the end of the burst) no longer undoes them, and they
 * are no longer listed as the burst's to undo. */
static void test_checkpoint(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_call_life.XXXXXX", path[64], err[128];
	const struct store_touch *t;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/calls.db", dir);
	d.store = store_open(path, err, sizeof(err));
	assert_non_null(d.store);
	assert_int_equal(store_checkpoint(d.store), 0); /* no transaction: nothing to do */
	struct call *c = plain_to_srtp("k", NULL);
	assert_int_equal(store_begin(d.store), 0);
	c->leg[1].media[0].tx_marks.rtcp_index = 5555;
	assert_int_equal(store_save(d.store, c), 0);
	assert_int_equal(store_touched(d.store, &t), 1);
	assert_int_equal(store_checkpoint(d.store), 0);
	assert_int_equal(store_touched(d.store, &t), 0);
	c->leg[1].media[0].tx_marks.rtcp_index = 6666; /* after it: undone */
	assert_int_equal(store_save(d.store, c), 0);
	store_rollback(d.store);
	assert_int_equal(store_load_id(d.store, c->id, take_loaded, NULL), 1);
	assert_int_equal(loaded->leg[1].media[0].tx_marks.rtcp_index, 5555);
	explicit_bzero(loaded, sizeof(*loaded));
	free(loaded);
	assert_true(ok(ng("{\"command\":\"delete\",\"call-id\":\"k\"}")));
	close_store(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pool_accounting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_addresses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hold_and_move, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loop_protect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flow_messages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_marks_stored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_checkpoint, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
