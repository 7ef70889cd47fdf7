/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xsrelayd's calls beyond the ng commands: a call's end (ports back to their
 * pools, flows and stored row removed), the storing of stream marks that
 * moved (one transaction a tick), and call ids never given twice.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_link.h"
#include "store.h"
#include "xsrelayd.h"

struct xsd_iface *xsd_iface_by_name(struct xsd *d, const char *name)
{
	for (unsigned i = 0; i < d->niface; i++)
		if (!strcmp(d->iface[i].name, name))
			return &d->iface[i];
	return NULL;
}

void xsd_call_ports_put(struct xsd *d, const struct call *c)
{
	for (int l = 0; l < 2; l++)
		for (int m = 0; m < c->leg[l].nmedia && m < CALL_MAX_MEDIA; m++) {
			const struct call_stream *s = &c->leg[l].media[m];
			if (s->relay_port && s->iface < d->niface)
				port_pool_put(&d->iface[s->iface].pool, s->relay_port);
		}
}

void xsd_call_end(struct xsd *d, struct call *c, const char *reason)
{
	dp_remove_call(d, c);
	xsd_call_ports_put(d, c);
	if (store_delete(d->store, c))
		d->cnt.store_errors++;
	xsd_log(XSD_LOG_INFO, "call %s ended: %s", c->call_id, reason);
	call_remove(&d->calls, c);
}

enum { SAVE_RETRY_S = 5 }; /* after a failed write, the next try */

struct save_scan {
	struct xsd *d;
	unsigned n;
	bool failed, clear;
};

static void save_one(struct call *c, void *arg)
{
	struct save_scan *s = arg;
	if (!c->unsaved || s->failed)
		return;
	if (s->clear) {
		c->unsaved = false;
		return;
	}
	if (store_save(s->d->store, c))
		s->failed = true;
	s->n++;
}

/* After a failed write (a full disk): the next try, and whether it was said. */
static int64_t retry_at;
static bool failing;

void xsd_save_marks(struct xsd *d)
{
	struct save_scan s = { .d = d };
	if (!d->unsaved || (failing && xsd_now() < retry_at))
		return;
	if (store_begin(d->store))
		goto failed; /* the calls stay marked: tried again later */
	call_foreach(&d->calls, save_one, &s);
	if (s.failed) {
		store_rollback(d->store);
	} else if (!store_commit(d->store)) {
		s.clear = true;
		call_foreach(&d->calls, save_one, &s);
		d->unsaved = false;
		d->cnt.store_marks += s.n;
		if (failing)
			xsd_log(XSD_LOG_INFO, "store: stream marks stored again");
		failing = false;
		return;
	}
failed:
	d->cnt.store_errors++;
	if (!failing)
		xsd_log(XSD_LOG_WARN, "store: stream marks could not be stored; trying again "
			"every %d s", SAVE_RETRY_S);
	failing = true;
	retry_at = xsd_now() + SAVE_RETRY_S;
}

#define CALL_ID_BLOCK (1ull << 20) /* ids reserved with one write */
#define CALL_ID_KEY "call-id-limit"

void xsd_call_ids_init(struct xsd *d)
{
	struct call_table *t = &d->calls;
	char v[24];
	if (!store_meta_get(d->store, CALL_ID_KEY, v, sizeof(v))) {
		uint64_t stored = strtoull(v, NULL, 10);
		if (stored > t->next_id)
			t->next_id = stored;
	}
	t->id_limit = t->next_id; /* nothing reserved yet */
	xsd_call_ids_reserve(d);
}

void xsd_call_ids_reserve(struct xsd *d)
{
	static bool refused; /* the last reservation failed: said once */
	struct call_table *t = &d->calls;
	char v[24];
	if (t->id_limit - t->next_id >= CALL_ID_BLOCK / 2)
		return;
	uint64_t limit = t->next_id + CALL_ID_BLOCK;
	snprintf(v, sizeof(v), "%" PRIu64, limit);
	if (store_meta_set(d->store, CALL_ID_KEY, v)) {
		d->cnt.store_errors++;
		if (!refused)
			xsd_log(XSD_LOG_ERR, "store: call ids could not be reserved; offers for new "
				"calls are refused once the %" PRIu64 " left are used", t->id_limit -
				t->next_id);
		refused = true;
		return;
	}
	if (refused)
		xsd_log(XSD_LOG_INFO, "store: call ids reserved again");
	refused = false;
	t->id_limit = limit;
}
