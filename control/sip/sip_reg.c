/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Registrations. A SPA phone registers with the edge; the edge keeps the
 * binding (user id -> the phone's contact) and registers the same address of
 * record upstream with the edge as the contact, refreshed by libre's sipreg.
 * So the upstream routes calls for the phone to the edge, which alone knows
 * where the phone is: the Path mechanism of RFC 3327, done by registering on
 * the phone's behalf, which needs no Path support upstream.
 */
#include <string.h>
#include <time.h>

#include "sip_edge.h"

struct binding {
	struct le le;
	char user[64];
	char contact[256];
	struct sa src;        /* where the phone registered from: only it may use the binding */
	time_t expires;
	struct sipreg *reg;   /* the upstream registration */
};

static void binding_destructor(void *arg)
{
	struct binding *b = arg;
	list_unlink(&b->le);
	b->reg = mem_deref(b->reg); /* unregisters upstream */
}

static struct binding *find(struct edge *e, const struct pl *user)
{
	for (struct le *le = list_head(&e->bindings); le; le = le->next) {
		struct binding *b = le->data;
		if (!pl_strcmp(user, b->user))
			return b;
	}
	return NULL;
}

const char *edge_binding(struct edge *e, const struct pl *user)
{
	struct binding *b = find(e, user);
	if (!b)
		return NULL;
	if (b->expires <= time(NULL)) {
		mem_deref(b);
		return NULL;
	}
	return b->contact;
}

/* Every 30 s: bindings whose phone stopped refreshing go, and with them the
 * upstream registration made on the phone's behalf. */
static void sweep(void *arg)
{
	struct edge *e = arg;
	time_t now = time(NULL);
	struct le *le = list_head(&e->bindings);
	while (le) {
		struct binding *b = le->data;
		le = le->next;
		if (b->expires <= now) {
			edge_log("register: %s expired (no refresh from the phone)", b->user);
			mem_deref(b);
		}
	}
	tmr_start(&e->sweep_tmr, 30000, sweep, e);
}

void edge_bindings_start(struct edge *e)
{
	tmr_start(&e->sweep_tmr, 30000, sweep, e);
}

bool edge_binding_from(struct edge *e, const struct pl *user, const struct sa *src)
{
	struct binding *b = find(e, user);
	return b && b->expires > time(NULL) && sa_cmp(&b->src, src, SA_ADDR);
}

void edge_bindings_flush(struct edge *e)
{
	tmr_cancel(&e->sweep_tmr);
	struct le *le;
	while ((le = list_head(&e->bindings)))
		mem_deref(le->data);
}

static void upstream_resp(int err, const struct sip_msg *msg, void *arg)
{
	struct binding *b = arg;
	if (err)
		edge_log("register: %s upstream: %m", b->user, err);
	else if (msg->scode >= 300)
		edge_log("register: %s upstream refused: %u %r", b->user, msg->scode, &msg->reason);
	else
		edge_log("register: %s registered upstream through the edge", b->user);
}

bool edge_register(struct edge *e, const struct sip_msg *msg)
{
	const struct sip_hdr *ch = sip_msg_hdr(msg, SIP_HDR_CONTACT);
	struct sip_addr ca;
	uint32_t expires = 3600;
	char aor[192], route[96], reg_uri[160];
	const char *routev[1] = { route };
	e->st.registers++;
	if (!ch || sip_addr_decode(&ca, &ch->val) || !msg->to.uri.user.l ||
	    msg->to.uri.user.l >= 64) {
		e->st.bad_requests++;
		sip_treply(NULL, e->sip, msg, 400, "Bad Contact or To");
		return true;
	}
	if (pl_isset(&msg->expires))
		expires = pl_u32(&msg->expires);
	struct pl ex;
	if (!msg_param_decode(&ca.params, "expires", &ex))
		expires = pl_u32(&ex);
	struct binding *b = find(e, &msg->to.uri.user);
	if (b && b->expires > time(NULL) && !sa_cmp(&b->src, &msg->src, SA_ADDR)) {
		/* a live binding is changed only from the address that made it: without
		 * digest authentication this is what keeps a user's calls from being
		 * taken over */
		e->st.bad_requests++;
		edge_log("register: %s refused from %J: registered from %J", b->user, &msg->src,
			 &b->src);
		sip_treply(NULL, e->sip, msg, 403, "Registered From Another Address");
		return true;
	}
	if (expires == 0) {
		if (b) {
			edge_log("register: %s unregistered", b->user);
			mem_deref(b);
		}
		sip_treplyf(NULL, NULL, e->sip, msg, false, 200, "OK", "Content-Length: 0\r\n\r\n");
		return true;
	}
	if (expires > 3600)
		expires = 3600;
	bool fresh = !b;
	if (!b) {
		b = mem_zalloc(sizeof(*b), binding_destructor);
		if (!b) {
			sip_treply(NULL, e->sip, msg, 500, "Server Error");
			return true;
		}
		pl_strcpy(&msg->to.uri.user, b->user, sizeof(b->user));
		list_append(&e->bindings, &b->le, b);
	}
	/* the phone's contact, with the address it really sent from (NAT) */
	/* over TCP or TLS, calls to the phone go back on its own connection (libre
	 * reuses the open connection to that address and port) */
	re_snprintf(b->contact, sizeof(b->contact), "sip:%s@%J%s", b->user, &msg->src,
		    msg->tp == SIP_TRANSP_TLS ? ";transport=tls" :
		    msg->tp == SIP_TRANSP_TCP ? ";transport=tcp" : "");
	b->expires = time(NULL) + expires;
	b->src = msg->src;
	if (fresh) {
		re_snprintf(aor, sizeof(aor), "sip:%s@%s", b->user, e->cfg.domain);
		re_snprintf(reg_uri, sizeof(reg_uri), "sip:%s", e->cfg.domain);
		re_snprintf(route, sizeof(route), "sip:%s", e->cfg.upstream); /* libre adds ;lr */
		int err = sipreg_register(&b->reg, e->sip, reg_uri, aor, NULL, aor, 600, b->user,
					  routev, 1, 0, NULL, NULL, false, upstream_resp, b, NULL,
					  NULL);
		if (err)
			edge_log("register: %s: cannot register upstream: %m", b->user, err);
		edge_log("register: %s at %s (supports x-sipura: %s)", b->user, b->contact,
			 sip_msg_hdr_has_value(msg, SIP_HDR_SUPPORTED, "x-sipura") ? "yes" : "no");
	}
	sip_treplyf(NULL, NULL, e->sip, msg, false, 200, "OK",
		    "Contact: %r;expires=%u\r\nContent-Length: 0\r\n\r\n", &ch->val, expires);
	return true;
}
