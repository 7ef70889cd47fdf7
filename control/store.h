/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xsrelayd's embedded store: every live call, keys included, in one SQLite
 * file, written before the ng reply is sent, read back at start-up so that a
 * restarted daemon still knows its calls and re-programs the fast path.
 *
 * The file holds SRTP master keys: it is created mode 0600 and its directory
 * should be the daemon's own. WAL journal, synchronous=NORMAL: a commit
 * survives the daemon being killed (kill -9) at any point; a power loss may
 * lose the last commits (the calls they describe are gone with the power too).
 * A call is stored as its in-memory struct, tagged with a layout version: a
 * build whose struct differs refuses the rows (logged) rather than misreading
 * them. The row includes the call's stream marks, so a call is written again
 * (whole) when they move far enough (xsd_save_marks, once a tick).
 *
 * A NULL store (no store-path configured) accepts every save and loads nothing.
 */
#ifndef XS_STORE_H
#define XS_STORE_H

#include "call.h"

struct store;

/* Opens or creates the file. NULL with a reason in err on failure. */
struct store *store_open(const char *path, char *err, size_t errlen);
void store_close(struct store *s);
/* 0 or -1 (logged). */
int store_save(struct store *s, const struct call *c);
int store_delete(struct store *s, const struct call *c); /* the row of c->id */
/* Group commit: saves and deletes between begin and commit land in one
 * transaction (the daemon wraps each burst of requests, and sends their
 * replies after the commit). 0 or -1. A failed commit is rolled back: the
 * file holds the state before begin, and store_touched() says which calls
 * (and, by the tag set while they were written, which requests) it lost. */
int store_begin(struct store *s);
int store_commit(struct store *s);
/* Abandons the transaction begun with store_begin. */
void store_rollback(struct store *s);
/* When the open transaction wrote something: commits it so far and begins
 * the next one (saves and deletes before it are durable, and no later failure
 * undoes them). What the fast path is sent must never depend on writes not
 * committed (dp_link_flush calls it first). 0 (also when there was nothing to
 * commit), or -1 when nothing was committed: then the transaction is lost as
 * on a failed write (later writes are refused and store_commit fails), so the
 * caller undoes the burst as after a failed commit. */
int store_checkpoint(struct store *s);
/* The tag recorded with the saves and deletes from now on (the daemon: the
 * ng request's burst slot; -1 none). */
void store_tag(struct store *s, int tag);

#define STORE_TOUCH_MAX 256
struct store_touch {
	uint64_t id;    /* the call's numeric id */
	int tag;
	bool overflow;  /* set on the last entry: more calls changed than listed */
};
/* The calls saved or deleted in the transaction that failed last (until the
 * next begin). */
unsigned store_touched(const struct store *s, const struct store_touch **out);
/* Calls fn with the stored call of this id: 1, 0 when there is none, -1 on a
 * read error or a row of another layout. */
int store_load_id(struct store *s, uint64_t id, void (*fn)(struct call *c, void *arg), void *arg);

/* A small key/value table beside the calls (e.g. the interface names the rows'
 * interface indexes refer to). get: 0, or -1 when absent. */
int store_meta_get(struct store *s, const char *key, char *buf, size_t cap);
int store_meta_set(struct store *s, const char *key, const char *value);

/* Calls fn for each stored call (a fresh allocation fn takes over or frees).
 * Returns the number of rows loaded, or -1. Rows of another layout are skipped
 * and counted in *skipped. */
long store_load(struct store *s, void (*fn)(struct call *c, void *arg), void *arg,
		long *skipped);

#endif
