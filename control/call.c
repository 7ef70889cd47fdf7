/* SPDX-License-Identifier: BSD-3-Clause */
/* The call table: a chained hash on the Call-ID. */
#include <stdlib.h>
#include <string.h>


#include "call.h"

/* FNV-1a: Call-IDs are chosen by peers, but a bucket costs only a longer chain. */
static size_t hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ull;
	return (size_t)(h % n);
}

int call_table_init(struct call_table *t, size_t nbuckets)
{
	t->buckets = calloc(nbuckets, sizeof(*t->buckets));
	t->ids = calloc(nbuckets, sizeof(*t->ids));
	t->nbuckets = nbuckets;
	t->count = 0;
	t->next_id = 1;
	t->id_limit = UINT64_MAX;
	if (t->buckets && t->ids)
		return 0;
	free(t->buckets);
	free(t->ids);
	return -1;
}

static void call_wipe_free(struct call *c)
{
	explicit_bzero(c, sizeof(*c)); /* keys live in the legs */
	free(c);
}

void call_table_free(struct call_table *t)
{
	for (size_t i = 0; i < t->nbuckets; i++) {
		struct call *c = t->buckets[i];
		while (c) {
			struct call *n = c->hnext;
			call_wipe_free(c);
			c = n;
		}
	}
	free(t->buckets);
	free(t->ids);
	t->buckets = t->ids = NULL;
	t->count = 0;
}

struct call *call_find(struct call_table *t, const char *call_id)
{
	for (struct call *c = t->buckets[hash(call_id, t->nbuckets)]; c; c = c->hnext)
		if (!strcmp(c->call_id, call_id))
			return c;
	return NULL;
}

struct call *call_by_id(struct call_table *t, uint64_t id)
{
	for (struct call *c = t->ids[id % t->nbuckets]; c; c = c->inext)
		if (c->id == id)
			return c;
	return NULL;
}

static void link_call(struct call_table *t, struct call *c)
{
	size_t b = hash(c->call_id, t->nbuckets);
	c->hnext = t->buckets[b];
	t->buckets[b] = c;
	c->inext = t->ids[c->id % t->nbuckets];
	t->ids[c->id % t->nbuckets] = c;
	t->count++;
}

struct call *call_create(struct call_table *t, const char *call_id, int64_t now)
{
	size_t len = strlen(call_id);
	if (len == 0 || len > CALL_ID_MAX || t->next_id >= t->id_limit)
		return NULL;
	struct call *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	memcpy(c->call_id, call_id, len);
	c->id = t->next_id++;
	c->created = c->last_signal = now;
	link_call(t, c);
	return c;
}

int call_insert(struct call_table *t, struct call *c)
{
	if (call_find(t, c->call_id))
		return -1;
	if (c->id >= t->next_id)
		t->next_id = c->id + 1;
	link_call(t, c);
	return 0;
}

void call_remove(struct call_table *t, struct call *c)
{
	struct call **pp = &t->buckets[hash(c->call_id, t->nbuckets)];
	for (; *pp; pp = &(*pp)->hnext)
		if (*pp == c) {
			*pp = c->hnext;
			t->count--;
			break;
		}
	for (struct call **pi = &t->ids[c->id % t->nbuckets]; *pi; pi = &(*pi)->inext)
		if (*pi == c) {
			*pi = c->inext;
			break;
		}
	call_wipe_free(c);
}

void call_foreach(struct call_table *t, void (*fn)(struct call *, void *), void *arg)
{
	for (size_t i = 0; i < t->nbuckets; i++)
		for (struct call *c = t->buckets[i]; c; c = c->hnext)
			fn(c, arg);
}

int call_leg_by_tag(const struct call *c, const char *tag)
{
	for (int i = 0; i < 2; i++)
		if (c->leg[i].tag[0] && !strcmp(c->leg[i].tag, tag))
			return i;
	return -1;
}

void call_key_clear(struct call_key *k)
{
	explicit_bzero(k, sizeof(*k));
}

/* The same key material: what the keystream depends on. The suite, the SDES
 * tag and the session parameters may change under it and the marks still
 * hold (dropping them then would let the same keystream be used again). */
static bool same_key(const struct call_key *a, const struct call_key *b)
{
	if (!a->suite || !b->suite)
		return a->suite == b->suite;
	return a->key_len == b->key_len && a->salt_len == b->salt_len &&
	       !memcmp(a->key, b->key, a->key_len) && !memcmp(a->salt, b->salt, a->salt_len);
}

static bool ssrc_changed(uint32_t old, uint32_t now)
{
	return old && now && old != now;
}

void call_stream_update(const struct call_stream *old, struct call_stream *s, bool live)
{
	bool rx_new = !same_key(&old->rx, &s->rx);
	if (rx_new)
		memset(&s->rx_marks, 0, sizeof(s->rx_marks));
	if (!same_key(&old->tx, &s->tx))
		memset(&s->tx_marks, 0, sizeof(s->tx_marks));
	if (!live || !old->peer.family)
		return;
	if (rx_new || memcmp(&old->peer, &s->peer, sizeof(s->peer)) ||
	    old->peer_rtcp_port != s->peer_rtcp_port || ssrc_changed(old->ssrc, s->ssrc) ||
	    ssrc_changed(old->xsipura_rx_ssrc, s->xsipura_rx_ssrc)) {
		/* only the latch: the receive stream keeps its per-SSRC state
		 * (a moved party goes on at its ROC), and so do its marks */
		s->rebind = true;
	}
}

void call_update(const struct call *old, struct call *c)
{
	bool live = old->state == CALL_ANSWERED;
	for (int l = 0; l < 2; l++)
		for (int m = 0; m < c->leg[l].nmedia && m < CALL_MAX_MEDIA; m++)
			call_stream_update(&old->leg[l].media[m], &c->leg[l].media[m],
					   live && m < old->leg[l].nmedia);
}
