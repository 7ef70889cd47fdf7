/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * G.711 mu-law (ITU-T G.711, the classic Sun implementation's arithmetic) and
 * minimal WAV reading/writing for the test-bench SPA phone.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "spa_audio.h"

#define ULAW_BIAS 0x84
#define ULAW_CLIP 32635

uint8_t spa_ulaw_encode(int16_t pcm)
{
	int s = pcm, sign = 0, exp, mant;

	if (s < 0) {
		s = -s;
		sign = 0x80;
	}
	if (s > ULAW_CLIP)
		s = ULAW_CLIP;
	s += ULAW_BIAS;
	/* exponent: position of the highest set bit above bit 7 */
	for (exp = 7; exp > 0 && !(s & (0x4000 >> (7 - exp))); exp--)
		;
	mant = (s >> (exp + 3)) & 0x0f;
	return (uint8_t)~(sign | (exp << 4) | mant);
}

int16_t spa_ulaw_decode(uint8_t u)
{
	int exp, mant, s;

	u = (uint8_t)~u;
	exp = (u >> 4) & 0x07;
	mant = u & 0x0f;
	s = (((mant << 3) + ULAW_BIAS) << exp) - ULAW_BIAS;
	return (int16_t)((u & 0x80) ? -s : s);
}

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

int spa_wav_read(const char *path, int16_t **samples, size_t *n, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long sz;
	size_t off;
	int fmt_ok = 0;

	if (!f) {
		snprintf(err, errlen, "cannot open %s", path);
		return -1;
	}
	fseek(f, 0, SEEK_END);
	sz = ftell(f);
	fseek(f, 0, SEEK_SET);
	if (sz < 12 || !(buf = malloc((size_t)sz)) || fread(buf, 1, (size_t)sz, f) != (size_t)sz) {
		snprintf(err, errlen, "cannot read %s", path);
		goto fail;
	}
	if (memcmp(buf, "RIFF", 4) || memcmp(buf + 8, "WAVE", 4)) {
		snprintf(err, errlen, "%s: not a RIFF/WAVE file", path);
		goto fail;
	}
	/* walk the chunks: "fmt " must say PCM, mono, 8000 Hz, 16 bits */
	for (off = 12; off + 8 <= (size_t)sz;) {
		uint32_t clen = le32(buf + off + 4);
		const uint8_t *c = buf + off + 8;

		if (clen > (size_t)sz - off - 8)
			clen = (uint32_t)((size_t)sz - off - 8);
		if (!memcmp(buf + off, "fmt ", 4) && clen >= 16) {
			if (le16(c) != 1 || le16(c + 2) != 1 || le32(c + 4) != 8000 ||
			    le16(c + 14) != 16) {
				snprintf(err, errlen, "%s: need PCM 8000 Hz mono 16-bit", path);
				goto fail;
			}
			fmt_ok = 1;
		} else if (!memcmp(buf + off, "data", 4) && fmt_ok) {
			*n = clen / 2;
			if (!*n) {
				snprintf(err, errlen, "%s: no samples", path);
				goto fail;
			}
			*samples = malloc(*n * sizeof(int16_t));
			if (!*samples)
				goto fail;
			for (size_t i = 0; i < *n; i++)
				(*samples)[i] = (int16_t)le16(c + 2 * i);
			free(buf);
			fclose(f);
			return 0;
		}
		off += 8 + clen + (clen & 1);
	}
	snprintf(err, errlen, "%s: no fmt/data chunk", path);
fail:
	free(buf);
	fclose(f);
	return -1;
}

int16_t *spa_tone(double hz, size_t n)
{
	int16_t *s = malloc(n * sizeof(*s));

	for (size_t i = 0; s && i < n; i++)
		s[i] = (int16_t)(12000.0 * sin(2.0 * M_PI * hz * (double)i / 8000.0));
	return s;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void wav_header(uint8_t h[44], uint32_t samples)
{
	memcpy(h, "RIFF", 4);
	put_le32(h + 4, 36 + samples * 2);
	memcpy(h + 8, "WAVEfmt ", 8);
	put_le32(h + 16, 16);
	h[20] = 1; h[21] = 0;           /* PCM */
	h[22] = 1; h[23] = 0;           /* mono */
	put_le32(h + 24, 8000);
	put_le32(h + 28, 16000);        /* byte rate */
	h[32] = 2; h[33] = 0;           /* block align */
	h[34] = 16; h[35] = 0;          /* bits */
	memcpy(h + 36, "data", 4);
	put_le32(h + 40, samples * 2);
}

int spa_wav_out_open(struct spa_wav_out *w, const char *path)
{
	uint8_t h[44];

	w->samples = 0;
	w->f = fopen(path, "wb");
	if (!w->f)
		return -1;
	wav_header(h, 0);
	return fwrite(h, 1, sizeof(h), w->f) == sizeof(h) ? 0 : -1;
}

void spa_wav_out_write(struct spa_wav_out *w, const int16_t *pcm, size_t n)
{
	uint8_t b[2];

	if (!w->f)
		return;
	for (size_t i = 0; i < n; i++) {
		b[0] = (uint8_t)pcm[i];
		b[1] = (uint8_t)((uint16_t)pcm[i] >> 8);
		fwrite(b, 1, 2, w->f);
	}
	w->samples += (uint32_t)n;
	fflush(w->f); /* a test may read what was heard so far while the call goes on */
}

void spa_wav_out_close(struct spa_wav_out *w)
{
	uint8_t h[44];

	if (!w->f)
		return;
	wav_header(h, w->samples);
	fseek(w->f, 0, SEEK_SET);
	fwrite(h, 1, sizeof(h), w->f);
	fclose(w->f);
	w->f = NULL;
}
