/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Audio helpers of the test-bench SPA phone: G.711 mu-law and 8 kHz mono
 * 16-bit WAV files.
 */
#ifndef SPA_AUDIO_H
#define SPA_AUDIO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

uint8_t spa_ulaw_encode(int16_t pcm);
int16_t spa_ulaw_decode(uint8_t u);

/* Reads a whole WAV file (must be 8 kHz, mono, 16-bit PCM). Returns 0 or -1
 * with a message in err. *samples is malloc'ed. */
int spa_wav_read(const char *path, int16_t **samples, size_t *n, char *err, size_t errlen);

/* A sine tone of the given frequency, n samples at 8 kHz. */
int16_t *spa_tone(double hz, size_t n);

struct spa_wav_out {
	FILE *f;
	uint32_t samples;
};
int spa_wav_out_open(struct spa_wav_out *w, const char *path);
void spa_wav_out_write(struct spa_wav_out *w, const int16_t *pcm, size_t n);
void spa_wav_out_close(struct spa_wav_out *w); /* fixes the header sizes */

#endif
