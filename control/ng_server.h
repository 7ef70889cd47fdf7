/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One ng datagram in, one out: parse "<cookie> <dict>", answer a retransmitted
 * cookie from the reply cache (so a command is never applied twice), run the
 * command, cache and return "<cookie> <reply>". The reply uses the request's
 * syntax (bencode or JSON). A datagram that does not parse gets an error
 * reply when its cookie could be read, and none otherwise.
 */
#ifndef XS_NG_SERVER_H
#define XS_NG_SERVER_H

#include <stddef.h>

#include "ng_cache.h"
#include "ng_codec.h"
#include "xsrelayd.h"

#define NG_REQUEST_MAX 65535

/* Handles one request; on return out holds the reply datagram (out->len 0: send
 * nothing). The caller frees out with ng_out_free. */
void ng_server_handle(struct xsd *d, struct ng_cache *cache, const char *req, size_t len,
		      struct ng_out *out);

/* Replaces a reply by an error reply with the same cookie and syntax. */
void ng_server_refuse(struct ng_out *out, const char *reason);

#endif
