/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SQLite store: one table, one row per call, keyed by the call's numeric
 * id (INTEGER PRIMARY KEY, i.e. the rowid). Ids grow, so new rows land at the
 * right edge of one B-tree and a call that comes and goes touches the same few
 * pages: a commit writes a handful of WAL pages, not one random index page per
 * call as a text key did. Call-ids are found in memory (call.c), never here.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store.h"
#include "xsrelayd.h"

/* Bump when struct call changes shape in a way its size does not show, or the
 * row encoding changes. 4: streams carry their SSRC, rebind flag and stream
 * marks, rewritten when the marks move (xsd_save_marks: about 5 us a row);
 * rows of 3 and before are skipped. 3: the packed call with its zero runs
 * squeezed (squeeze()); 2: the packed call as it is. */
#define STORE_LAYOUT 4

/*
 * A row holds the call compactly: the fields before the legs, each leg's
 * fields before its streams and only its nmedia streams, then the fields after
 * the legs up to the table links. A one-media call packs to about 2.9 KB, not
 * the 9.1 KB of the struct, and squeezes to about 360 bytes with its keys
 * and stream marks (below).
 */
#define HEAD_LEN offsetof(struct call, leg)
#define LEG_HEAD_LEN offsetof(struct call_leg, media)
#define TAIL_OFF offsetof(struct call, created)
#define TAIL_LEN (offsetof(struct call, hnext) - TAIL_OFF)

static size_t pack(const struct call *c, uint8_t *out)
{
	size_t n = 0;
	memcpy(out, c, HEAD_LEN);
	n += HEAD_LEN;
	for (int l = 0; l < 2; l++) {
		unsigned nm = c->leg[l].nmedia <= CALL_MAX_MEDIA ? c->leg[l].nmedia : 0;
		memcpy(out + n, &c->leg[l], LEG_HEAD_LEN);
		out[n + offsetof(struct call_leg, nmedia)] = (uint8_t)nm;
		n += LEG_HEAD_LEN;
		memcpy(out + n, c->leg[l].media, nm * sizeof(struct call_stream));
		n += nm * sizeof(struct call_stream);
	}
	memcpy(out + n, (const uint8_t *)c + TAIL_OFF, TAIL_LEN);
	return n + TAIL_LEN;
}

/* 0, or -1 if the blob is not a packed call of this layout. */
static int unpack(const uint8_t *in, size_t len, struct call *c)
{
	size_t n = HEAD_LEN;
	memset(c, 0, sizeof(*c));
	if (len < HEAD_LEN)
		return -1;
	memcpy(c, in, HEAD_LEN);
	for (int l = 0; l < 2; l++) {
		if (n + LEG_HEAD_LEN > len)
			return -1;
		memcpy(&c->leg[l], in + n, LEG_HEAD_LEN);
		n += LEG_HEAD_LEN;
		unsigned nm = c->leg[l].nmedia;
		if (nm > CALL_MAX_MEDIA || n + nm * sizeof(struct call_stream) > len)
			return -1;
		memcpy(c->leg[l].media, in + n, nm * sizeof(struct call_stream));
		n += nm * sizeof(struct call_stream);
	}
	if (n + TAIL_LEN != len)
		return -1;
	memcpy((uint8_t *)c + TAIL_OFF, in + n, TAIL_LEN);
	return 0;
}

/*
 * A packed call is mostly zeros (empty strings, unused key bytes and marks): a
 * one-media call packs to 2.9 KB of which 2.5 KB are zero. Each run of zeros becomes
 * 0x00 and its length (1-255); other bytes stay. About 280 bytes a row, so a
 * burst's commit writes several times fewer WAL pages.
 */
static size_t squeeze(const uint8_t *in, size_t n, uint8_t *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		if (in[i]) {
			out[o++] = in[i++];
			continue;
		}
		size_t run = 1;
		uint64_t w;
		/* a call is mostly zeros: eight at a time, then byte by byte */
		while (run + 8 <= 255 && i + run + 8 <= n &&
		       (memcpy(&w, in + i + run, 8), w == 0))
			run += 8;
		while (i + run < n && !in[i + run] && run < 255)
			run++;
		out[o++] = 0;
		out[o++] = (uint8_t)run;
		i += run;
	}
	return o;
}

/* The inverse, into at most cap bytes: the length, or 0 when in is not a
 * squeezed row (a zero without its count, a count of 0, too long). */
static size_t unsqueeze(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		if (in[i]) {
			if (o == cap)
				return 0;
			out[o++] = in[i++];
			continue;
		}
		if (i + 1 >= n || !in[i + 1] || in[i + 1] > cap - o)
			return 0;
		memset(out + o, 0, in[i + 1]);
		o += in[i + 1];
		i += 2;
	}
	return o;
}

struct store {
	sqlite3 *db;
	sqlite3_stmt *put, *del;
	bool in_tx;
	bool broken;  /* SQLite rolled the transaction back by itself (full disk, I/O) */
	bool dirty;   /* the open transaction wrote something */
	int tag;
	unsigned ntouched;
	struct store_touch touched[STORE_TOUCH_MAX];
};

/*
 * After a failed statement inside a group commit: SQLite may have rolled the
 * whole transaction back by itself (SQLITE_FULL, SQLITE_IOERR, ...), and what
 * follows would then be committed one statement at a time while what came
 * before is gone. The store refuses every further write until the commit,
 * which fails, so the daemon undoes the burst as one (undo_burst).
 */
static void tx_check(struct store *s)
{
	if (s->in_tx && !s->broken && sqlite3_get_autocommit(s->db)) {
		s->broken = true;
		xsd_log(XSD_LOG_ERR, "store: the transaction was rolled back (%s); the rest of "
			"these requests are refused", sqlite3_errmsg(s->db));
	}
}

/* Inside a group commit: remember which call (and which request) changed. */
static void touch(struct store *s, uint64_t id)
{
	if (!s->in_tx)
		return;
	s->dirty = true;
	for (unsigned i = 0; i < s->ntouched; i++)
		if (s->touched[i].id == id && s->touched[i].tag == s->tag)
			return;
	if (s->ntouched < STORE_TOUCH_MAX)
		s->touched[s->ntouched++] = (struct store_touch){ .id = id, .tag = s->tag };
	else
		s->touched[STORE_TOUCH_MAX - 1].overflow = true;
}

static int exec(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	snprintf(err, errlen, "%s", msg ? msg : "sqlite error");
	sqlite3_free(msg);
	return -1;
}

/* A store written by an earlier build keeps its calls in `calls`, keyed by the
 * call-id text: its rows move to call_rows in one transaction. */
static int migrate(sqlite3 *db, char *err, size_t errlen)
{
	sqlite3_stmt *q;
	bool old = false;
	if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
			       "name = 'calls'", -1, &q, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
		return -1;
	}
	old = sqlite3_step(q) == SQLITE_ROW;
	sqlite3_finalize(q);
	if (!old)
		return 0;
	if (exec(db, "BEGIN; INSERT OR REPLACE INTO call_rows (id, call_id, layout, size, data)"
		     " SELECT id, call_id, layout, size, data FROM calls; DROP TABLE calls; COMMIT;",
		 err, errlen)) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	xsd_log(XSD_LOG_INFO, "store: rows moved from the earlier layout (table calls) to "
		"call_rows");
	return 0;
}

struct store *store_open(const char *path, char *err, size_t errlen)
{
	struct store *s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	/* Create it private before SQLite opens it: it will hold keys. */
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(s);
		return NULL;
	}
	fchmod(fd, 0600);
	close(fd);
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(s->db));
		goto fail;
	}
	/* someone reading the file with sqlite3 may hold its lock for a moment */
	sqlite3_busy_timeout(s->db, 500);
	if (exec(s->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
		 "PRAGMA secure_delete=ON;"
		 "CREATE TABLE IF NOT EXISTS call_rows (id INTEGER PRIMARY KEY, call_id TEXT NOT NULL,"
		 " layout INTEGER NOT NULL, size INTEGER NOT NULL, data BLOB NOT NULL);"
		 "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
		 err, errlen) ||
	    migrate(s->db, err, errlen))
		goto fail;
	if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO call_rows (call_id, id, layout, size, data) "
			       "VALUES (?1, ?2, ?3, ?4, ?5)",
			       -1, &s->put, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "DELETE FROM call_rows WHERE id = ?1", -1, &s->del,
			       NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(s->db));
		goto fail;
	}
	/* The WAL and shared-memory files hold keys too. */
	char side[XSD_PATH_MAX + 8];
	snprintf(side, sizeof(side), "%s-wal", path);
	chmod(side, 0600);
	snprintf(side, sizeof(side), "%s-shm", path);
	chmod(side, 0600);
	return s;
fail:
	store_close(s);
	return NULL;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	sqlite3_finalize(s->put);
	sqlite3_finalize(s->del);
	sqlite3_close(s->db);
	free(s);
}

int store_save(struct store *s, const struct call *c)
{
	static uint8_t packed[sizeof(struct call)], blob[2 * sizeof(struct call)];
	if (!s)
		return 0;
	size_t plen = pack(c, packed);
	size_t len = squeeze(packed, plen, blob);
	explicit_bzero(packed, plen);
	sqlite3_reset(s->put);
	sqlite3_bind_text(s->put, 1, c->call_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s->put, 2, (sqlite3_int64)c->id);
	sqlite3_bind_int(s->put, 3, STORE_LAYOUT);
	sqlite3_bind_int(s->put, 4, (int)sizeof(struct call));
	sqlite3_bind_blob(s->put, 5, blob, (int)len, SQLITE_STATIC);
	touch(s, c->id);
	int rc = s->broken ? SQLITE_ABORT : sqlite3_step(s->put);
	sqlite3_reset(s->put);
	sqlite3_clear_bindings(s->put);
	explicit_bzero(blob, len);
	if (rc != SQLITE_DONE) {
		tx_check(s);
		xsd_log(XSD_LOG_ERR, "store: saving call %s failed: %s", c->call_id,
			sqlite3_errmsg(s->db));
		return -1;
	}
	return 0;
}

int store_delete(struct store *s, const struct call *c)
{
	if (!s)
		return 0;
	sqlite3_reset(s->del);
	sqlite3_bind_int64(s->del, 1, (sqlite3_int64)c->id);
	touch(s, c->id);
	int rc = s->broken ? SQLITE_ABORT : sqlite3_step(s->del);
	sqlite3_reset(s->del);
	if (rc != SQLITE_DONE) {
		tx_check(s);
		xsd_log(XSD_LOG_ERR, "store: deleting call %s failed: %s", c->call_id,
			sqlite3_errmsg(s->db));
		return -1;
	}
	return 0;
}

int store_begin(struct store *s)
{
	if (!s)
		return 0;
	if (sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	s->in_tx = true;
	s->broken = false;
	s->dirty = false;
	s->ntouched = 0;
	s->tag = -1;
	return 0;
}

int store_checkpoint(struct store *s)
{
	if (!s || !s->in_tx || !s->dirty)
		return 0;
	if (s->broken)
		return -1; /* already rolled back: store_commit says so */
	if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		xsd_log(XSD_LOG_ERR, "store: commit failed: %s", sqlite3_errmsg(s->db));
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		s->broken = true; /* the touched calls are undone by the caller */
		return -1;
	}
	/* durable now: a later failure must not undo these calls */
	s->ntouched = 0;
	s->dirty = false;
	if (sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		xsd_log(XSD_LOG_ERR, "store: could not begin a transaction: %s",
			sqlite3_errmsg(s->db));
		s->broken = true; /* what follows is refused and undone */
	}
	return 0;
}

void store_tag(struct store *s, int tag)
{
	if (s)
		s->tag = tag;
}

int store_commit(struct store *s)
{
	if (!s)
		return 0;
	s->in_tx = false;
	s->dirty = false;
	if (s->broken) {
		s->broken = false;
		xsd_log(XSD_LOG_ERR, "store: commit failed: the transaction was already rolled "
			"back");
		return -1;
	}
	if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK) {
		s->ntouched = 0;
		return 0;
	}
	xsd_log(XSD_LOG_ERR, "store: commit failed: %s", sqlite3_errmsg(s->db));
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

void store_rollback(struct store *s)
{
	if (!s)
		return;
	s->in_tx = false;
	s->dirty = false;
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

unsigned store_touched(const struct store *s, const struct store_touch **out)
{
	*out = s ? s->touched : NULL;
	return s ? s->ntouched : 0;
}

int store_meta_get(struct store *s, const char *key, char *buf, size_t cap)
{
	sqlite3_stmt *q;
	int rc = -1;
	if (!s || sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = ?1", -1, &q,
				     NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW) {
		const unsigned char *v = sqlite3_column_text(q, 0);
		if (v && strlen((const char *)v) < cap) {
			strcpy(buf, (const char *)v);
			rc = 0;
		}
	}
	sqlite3_finalize(q);
	return rc;
}

int store_meta_set(struct store *s, const char *key, const char *value)
{
	sqlite3_stmt *q;
	if (!s)
		return 0;
	if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO meta VALUES (?1, ?2)", -1, &q,
			       NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, value, -1, SQLITE_STATIC);
	if (s->in_tx)
		s->dirty = true;
	int rc = sqlite3_step(q) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(q);
	return rc;
}

/* The call in the current row of q (layout, size, data), or NULL when the row
 * is of another layout or out of memory (*bad tells which). */
static struct call *row_call(sqlite3_stmt *q, bool *bad)
{
	static uint8_t packed[sizeof(struct call)];
	const uint8_t *blob = sqlite3_column_blob(q, 2);
	int len = sqlite3_column_bytes(q, 2), layout = sqlite3_column_int(q, 0);
	size_t plen = 0;
	struct call *c = malloc(sizeof(*c));
	*bad = false;
	if (!c)
		return NULL;
	if (sqlite3_column_int(q, 1) == (int)sizeof(struct call) && blob && len > 0 &&
	    layout == STORE_LAYOUT)
		plen = unsqueeze(blob, (size_t)len, packed, sizeof(packed));
	if (!plen || unpack(packed, plen, c)) {
		explicit_bzero(packed, sizeof(packed));
		explicit_bzero(c, sizeof(*c));
		free(c);
		*bad = true;
		return NULL;
	}
	explicit_bzero(packed, plen);
	c->call_id[CALL_ID_MAX] = '\0';
	return c;
}

int store_load_id(struct store *s, uint64_t id, void (*fn)(struct call *c, void *arg), void *arg)
{
	sqlite3_stmt *q;
	int rc = 0;
	bool bad;
	if (!s)
		return 0;
	if (sqlite3_prepare_v2(s->db, "SELECT layout, size, data FROM call_rows WHERE id = ?1", -1,
			       &q, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(q, 1, (sqlite3_int64)id);
	int st = sqlite3_step(q);
	if (st == SQLITE_ROW) {
		struct call *c = row_call(q, &bad);
		rc = c ? 1 : -1;
		if (c)
			fn(c, arg);
	} else if (st != SQLITE_DONE) {
		rc = -1;
	}
	sqlite3_finalize(q);
	return rc;
}

long store_load(struct store *s, void (*fn)(struct call *c, void *arg), void *arg,
		long *skipped)
{
	sqlite3_stmt *q;
	long n = 0;
	*skipped = 0;
	if (!s)
		return 0;
	if (sqlite3_prepare_v2(s->db, "SELECT layout, size, data FROM call_rows", -1, &q, NULL) !=
	    SQLITE_OK)
		return -1;
	while (sqlite3_step(q) == SQLITE_ROW) {
		bool bad;
		struct call *c = row_call(q, &bad);
		if (!c && !bad)
			break;
		if (!c) {
			(*skipped)++;
			continue;
		}
		fn(c, arg);
		n++;
	}
	sqlite3_finalize(q);
	return n;
}
