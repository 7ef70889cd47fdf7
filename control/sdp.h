/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SDP (RFC 4566/8866) as a media relay needs it: parse an offer or answer into
 * the fields the relay rewrites, change those fields, write the SDP back with
 * every other line exactly as it came.
 *
 * The fields the struct owns, and that sdp_write writes from the struct:
 *   session: o= (the address part: origin.addr), c=, direction attribute
 *   media:   m= (port, proto; type, port count and formats as parsed),
 *            c=, a=rtcp, a=rtcp-mux, a=crypto (SDES), direction attribute
 * ICE lines (a=ice-ufrag, a=ice-pwd, a=ice-options, a=ice-lite, a=candidate,
 * a=remote-candidates, a=end-of-candidates) are copied unless strip_ice is set.
 * Every other line is copied byte for byte, in its place. Output lines end in
 * CRLF; input may use CRLF or LF.
 *
 * Where the writer puts an owned line the input did not have: session c= before
 * the first t= line; media c= right after the m= line (and its i= line, if
 * any); a=rtcp, a=rtcp-mux, a=crypto and direction at the end of their
 * section, in that order. An owned line the input had stays in its place; when
 * it is no longer wanted (has_conn false, has_rtcp false, rtcp_mux false,
 * dir NONE, ncrypto 0) it is left out.
 *
 * The writer also adds add_attr ("a=<add_attr>") at the end of the session
 * section when it is set (loop-protect's mark).
 *
 * Strings in the struct are NUL-terminated copies. The struct keeps pointers
 * into the input text for the verbatim lines: the input must outlive it.
 * sdp_clear wipes the SDES keys.
 */
#ifndef XS_SDP_H
#define XS_SDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sdes.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SDP_MAX_LEN 65536  /* longest SDP accepted */
#define SDP_MAX_LINES 512
#define SDP_MAX_MEDIA 16
#define SDP_MAX_CRYPTO 8

enum sdp_dir { SDP_DIR_NONE = 0, SDP_DIR_SENDRECV, SDP_DIR_SENDONLY, SDP_DIR_RECVONLY,
	       SDP_DIR_INACTIVE };

/* "IN IP4 192.0.2.1" / "IN IP6 2001:db8::1": family 4 or 6, address text. An
 * FQDN or other address type is a parse error (a relay must know addresses). */
struct sdp_addr {
	int family;        /* 4 or 6 */
	char addr[64];     /* as text; IPv4 multicast TTL suffixes are rejected */
};

struct sdp_media {
	char type[32];     /* "audio", "video", "application", ... */
	uint32_t port;     /* 0..65535 (0 = disabled stream) */
	uint32_t nports;   /* from "port/n"; 0 when not given */
	char proto[32];    /* "RTP/AVP", "RTP/SAVP", "RTP/AVPF", "RTP/SAVPF", "UDP/TLS/..." */
	char fmts[256];    /* the format list as text, e.g. "0 8 101" */
	bool has_conn;
	struct sdp_addr conn;
	bool has_rtcp;     /* a=rtcp:<port> [IN IP4 <addr>] (RFC 3605) */
	uint32_t rtcp_port;
	bool rtcp_has_addr;
	struct sdp_addr rtcp_addr;
	bool rtcp_mux;     /* a=rtcp-mux */
	enum sdp_dir dir;  /* media-level direction attribute, NONE if absent */
	bool ice;          /* the section has ICE lines */
	uint32_t ssrc;     /* the first a=ssrc:<id> line's SSRC (kept verbatim), 0: none */
	unsigned ncrypto;
	struct sdes_crypto crypto[SDP_MAX_CRYPTO];
	unsigned crypto_bad; /* a=crypto lines that did not parse (dropped on write) */
};

struct sdp_line {
	const char *s;     /* into the input text, without the line end */
	size_t len;
	int media;         /* -1: session section; else the media index */
	uint16_t kind;     /* SDP_LINE_* (internal to sdp.c) */
};

struct sdp {
	/* o=<username> <sess-id> <sess-version> IN IP4 <addr> */
	char origin_user[64];
	char origin_sess_id[32];
	char origin_sess_version[32];
	struct sdp_addr origin_addr;
	bool has_conn;
	struct sdp_addr conn;
	enum sdp_dir dir;  /* session-level direction attribute */
	bool ice;          /* session-level ICE lines */
	bool strip_ice;    /* write: leave every ICE line out (session and media) */
	char add_attr[64]; /* write: a session attribute to add, "" none */
	unsigned nmedia;
	struct sdp_media media[SDP_MAX_MEDIA];
	unsigned nlines;
	struct sdp_line lines[SDP_MAX_LINES];
};

/*
 * Parses text (len bytes, need not be NUL-terminated). 0, or -1 with a static
 * reason in *why and *line set to the 1-based line number of the fault (0 if
 * not about one line). Rejected: longer than SDP_MAX_LEN, no v=0 first, no o=
 * or a malformed one, more than SDP_MAX_LINES lines or SDP_MAX_MEDIA m= lines,
 * a line that is not "<letter>=...", a NUL byte, an m= with a bad port or
 * without formats, a c= that is not IN IP4/IP6 with an address, a=rtcp with a
 * bad port. Unknown lines and attributes are kept, never an error. A media
 * section without a c= is accepted only if the session has one (RFC 4566).
 * More than SDP_MAX_CRYPTO crypto lines in a section: the rest count in
 * crypto_bad.
 * Only the session part of out and the media sections the text has are
 * written; entries past nmedia and nlines keep what an earlier parse left, so
 * a caller wipes the keys of the parse it is done with (sdp_clear, or each
 * media section's crypto array). On failure out is wiped whole.
 */
int sdp_parse(const char *text, size_t len, struct sdp *out, const char **why, unsigned *line);

/* Writes the SDP (see above), NUL-terminated. Returns the length, or -1 if cap
 * is too small. */
long sdp_write(const struct sdp *s, char *out, size_t cap);

/* "IN IP4 <addr>" helpers */
int sdp_addr_set(struct sdp_addr *a, const char *text); /* parses an IPv4/IPv6 literal: 0/-1 */

void sdp_clear(struct sdp *s); /* wipes keys and everything else */

/* Whether a line "a=<attr>" (exactly) is in the parsed SDP, in any section. */
bool sdp_has_attr(const struct sdp *s, const char *attr);

#ifdef __cplusplus
}
#endif
#endif
