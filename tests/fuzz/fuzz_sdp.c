/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer: the SDP parser and writer, and the SDES parser. Beyond "no crash":
 * what parses writes back as an SDP that parses again and writes back the same
 * (the writer's output is a fixed point), and no write goes past its buffer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sdes.h"
#include "sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define OUT_CAP (2 * SDP_MAX_LEN + 4096)

static struct sdp a, b;
static char out1[OUT_CAP], out2[OUT_CAP];

static void fuzz_sdes(const uint8_t *data, size_t size)
{
	struct sdes_crypto c;
	const char *why;
	char back[512];
	const uint8_t *nl = memchr(data, '\n', size);
	size_t n = nl ? (size_t)(nl - data) : size;

	if (n > 512)
		n = 512;
	if (sdes_parse((const char *)data, n, &c, &why) == 0) {
		if (sdes_format(&c, back, sizeof(back)))
			abort();
		struct sdes_crypto d;
		char back2[512];
		if (sdes_parse(back, strlen(back), &d, &why) ||
		    sdes_format(&d, back2, sizeof(back2)) || strcmp(back, back2))
			abort();
		sdes_crypto_clear(&d);
	}
	sdes_crypto_clear(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *why;
	unsigned line;

	fuzz_sdes(data, size);
	if (sdp_parse((const char *)data, size, &a, &why, &line)) {
		if (!why)
			abort();
		return 0;
	}
	long n1 = sdp_write(&a, out1, sizeof(out1));
	if (n1 < 0 || (size_t)n1 != strlen(out1))
		abort();
	/* CRLF line ends and canonical crypto lines can grow the text past the limit */
	if (n1 > SDP_MAX_LEN)
		return 0;
	if (sdp_parse(out1, (size_t)n1, &b, &why, &line))
		abort();
	long n2 = sdp_write(&b, out2, sizeof(out2));
	if (n2 != n1 || memcmp(out1, out2, (size_t)n1))
		abort();
	/* a buffer one byte short fails */
	if (sdp_write(&b, out2, (size_t)n1) != -1)
		abort();
	b.strip_ice = true;
	if (sdp_write(&b, out2, sizeof(out2)) < 0)
		abort();
	sdp_clear(&a);
	sdp_clear(&b);
	return 0;
}
