/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SRTP index estimation (RFC 3711 section 3.3.1 and appendix A) and replay
 * windows for SRTP and SRTCP. Pure logic on plain structs, no I/O, so the same
 * file compiles in the kernel module's userspace tests.
 *
 * The estimation follows libsrtp's srtp_rdbx_estimate_index()/srtp_index_guess()
 * exactly (including its choice of ROC 0 while the highest index is below 2^15),
 * so that the engine's output is byte-identical to libsrtp's for the same input.
 *
 * Window layout: bit k of the bitmap stands for index (highest - k).
 */
#include <string.h>

#include "srtp_internal.h"

#define SEQ_MEDIAN (1 << 15)
#define SEQ_MAX (1 << 16)
#define INDEX_MAX ((1ull << 48) - 1)

uint64_t xs_rtp_index_estimate(const struct xs_srtp_rtp_state *st, uint16_t seq, int64_t *delta)
{
	uint64_t local = st->index;
	uint32_t local_roc = (uint32_t)(local >> 16);
	uint16_t local_seq = (uint16_t)local;
	uint64_t guess_roc;
	int64_t diff;

	if (local <= SEQ_MEDIAN) {
		*delta = (int64_t)seq - (int64_t)local;
		return seq;
	}
	if (local_seq < SEQ_MEDIAN) {
		if ((int)seq - (int)local_seq > SEQ_MEDIAN) {
			guess_roc = (uint64_t)local_roc - 1;
			diff = (int)seq - (int)local_seq - SEQ_MAX;
		} else {
			guess_roc = local_roc;
			diff = (int)seq - (int)local_seq;
		}
	} else {
		if ((int)local_seq - SEQ_MEDIAN > (int)seq) {
			guess_roc = (uint64_t)local_roc + 1;
			diff = (int)seq - (int)local_seq + SEQ_MAX;
		} else {
			guess_roc = local_roc;
			diff = (int)seq - (int)local_seq;
		}
	}
	*delta = diff;
	return (guess_roc << 16) | seq;
}

static inline int window_bit(const uint64_t *w, unsigned k)
{
	return (int)((w[k / 64] >> (k % 64)) & 1);
}

static inline void window_set(uint64_t *w, unsigned k)
{
	w[k / 64] |= 1ull << (k % 64);
}

/* Shift the bitmap towards older indices by n bits (n >= 1). */
static void window_shift(uint64_t *w, unsigned words, uint64_t n)
{
	if (n >= (uint64_t)words * 64) {
		memset(w, 0, words * sizeof(*w));
		return;
	}
	unsigned wshift = (unsigned)(n / 64), bshift = (unsigned)(n % 64);
	for (int i = (int)words - 1; i >= 0; i--) {
		uint64_t v = 0;
		int src = i - (int)wshift;
		if (src >= 0) {
			v = w[src] << bshift;
			if (bshift && src > 0)
				v |= w[src - 1] >> (64 - bshift);
		}
		w[i] = v;
	}
}

static inline unsigned window_words(uint16_t window)
{
	return (window + 63u) / 64u;
}

enum xs_srtp_status xs_rtp_replay_check(const struct xs_srtp_rtp_state *st, uint16_t window,
					 int64_t delta)
{
	if (delta > 0)
		return XS_SRTP_OK;
	if (-delta >= window)
		return XS_SRTP_E_TOO_OLD;
	if (window_bit(st->window, (unsigned)-delta))
		return XS_SRTP_E_REPLAY;
	return XS_SRTP_OK;
}

void xs_rtp_replay_commit(struct xs_srtp_rtp_state *st, uint16_t window, uint64_t index,
			  int64_t delta)
{
	if (delta > 0) {
		window_shift(st->window, window_words(window), (uint64_t)delta);
		st->index = index;
		window_set(st->window, 0);
	} else {
		window_set(st->window, (unsigned)-delta);
	}
}

bool xs_rtp_index_exhausted(uint64_t index)
{
	return index >= INDEX_MAX;
}

enum xs_srtp_status xs_rtcp_replay_check(const struct xs_srtp_rtcp_state *st, uint16_t window,
					  uint32_t index)
{
	if (index > st->index)
		return XS_SRTP_OK;
	uint32_t back = st->index - index;
	if (back >= window)
		return XS_SRTP_E_TOO_OLD;
	if (window_bit(st->window, back))
		return XS_SRTP_E_REPLAY;
	return XS_SRTP_OK;
}

void xs_rtcp_replay_commit(struct xs_srtp_rtcp_state *st, uint16_t window, uint32_t index)
{
	if (index > st->index) {
		window_shift(st->window, window_words(window), index - st->index);
		st->index = index;
		window_set(st->window, 0);
	} else {
		window_set(st->window, st->index - index);
	}
}
