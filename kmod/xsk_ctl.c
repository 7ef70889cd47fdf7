// SPDX-License-Identifier: GPL-2.0
/*
 * The control interface: the misc device /dev/xsrelay speaks the fast-path
 * control protocol of include/xsrelay/dp_proto.h. One write() is one request
 * (struct xs_dp_hdr + body, exactly as on xsrelay-dp's SOCK_SEQPACKET socket);
 * each read() returns one reply message, in order (-EAGAIN when none is
 * queued). HELLO must come first on every open file. Flows belong to the
 * network namespace of the process that opened the device.
 */
#include <linux/fs.h>
#include <linux/list.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/nsproxy.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "xsk.h"
#include "xsk_codec.h"

#define XSK_REQ_MAX		1024
#define XSK_PENDING_MAX		(1u << 20)	/* reply bytes queued per file */

struct xsk_reply {
	struct list_head list;
	u32 len;
	u8 data[];
};

struct xsk_client {
	struct net *net;
	struct mutex lock;		/* replies, hello */
	struct list_head replies;
	u32 pending;
	bool hello;
};

static int reply_add(struct xsk_client *cl, u16 type, u32 seq, u16 flags,
		     const void *body, u32 body_len)
{
	struct xsk_reply *r;
	struct xs_dp_hdr *h;

	r = kzalloc(sizeof(*r) + sizeof(*h) + body_len, GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	r->len = sizeof(*h) + body_len;
	h = (struct xs_dp_hdr *)r->data;
	h->type = type;
	h->flags = flags;
	h->len = r->len;
	h->seq = seq;
	if (body_len)
		memcpy(r->data + sizeof(*h), body, body_len);
	list_add_tail(&r->list, &cl->replies);
	cl->pending += r->len;
	return 0;
}

static int reply_error(struct xsk_client *cl, u32 seq, u16 req_type, int code,
		       const char *why)
{
	struct xs_dp_error e;

	memset(&e, 0, sizeof(e));
	e.code = code;
	e.req_type = req_type;
	strscpy(e.text, why, sizeof(e.text));
	return reply_add(cl, XS_DP_MSG_ERROR, seq, 0, &e, sizeof(e));
}

/* ------------------------------------------------------------ operations */

static struct xsk_keyset *keyset_for(const struct xs_dp_flow_msg *m, unsigned int dir,
				     int *rc, const char **why)
{
	const u32 fl = dir ? XS_DP_FLOW_F_OUT_KEYS : XS_DP_FLOW_F_IN_KEYS;
	const u8 suite = dir ? m->flow.out_suite : m->flow.in_suite;
	struct xs_dp_crypto plain;
	struct xsk_keyset *ks = NULL;

	*rc = 0;
	memset(&plain, 0, sizeof(plain));
	if (m->flow.flags & fl)
		*rc = xsk_keyset_new(dir ? &m->out : &m->in, &ks);
	else if (suite == XSK_SUITE_NONE)
		*rc = xsk_keyset_new(&plain, &ks);
	if (*rc)
		*why = *rc == -EINVAL ? "the SRTP engine refused the keys" : "key setup failed";
	return ks;
}

/* F_MARKS: the marks of the directions whose SRTP keys the message carries
 * (the codec made sure the others are zero). */
static void marks_of(const struct xs_dp_flow_msg *m, const struct xs_dp_marks *out[2])
{
	const u32 fl = m->flow.flags;
	const bool marks = fl & XS_DP_FLOW_F_MARKS;

	out[0] = marks && (fl & XS_DP_FLOW_F_IN_KEYS) && m->flow.in_suite ? &m->in_marks : NULL;
	out[1] = marks && (fl & XS_DP_FLOW_F_OUT_KEYS) && m->flow.out_suite ? &m->out_marks : NULL;
}

static int op_flow_add(struct xsk_net *xn, const struct xs_dp_flow_msg *m, const char **why)
{
	struct xsk_keyset *ks[2] = { NULL, NULL };
	const struct xs_dp_marks *marks[2];
	struct xsk_flow *f = NULL;
	int rc = 0, d;

	if (xsk_table_lookup(xn, &m->flow.local, NULL)) {
		*why = "a flow already uses this local address and port";
		return -EEXIST;
	}
	for (d = 0; d < 2 && !rc; d++)
		ks[d] = keyset_for(m, d, &rc, why);
	if (!rc) {
		f = xsk_flow_new(&m->flow, ks[0], ks[1]);
		if (!f) {
			rc = -ENOMEM;
			*why = "out of memory";
		}
	}
	if (rc) {
		xsk_keyset_free(ks[0]);
		xsk_keyset_free(ks[1]);
		return rc;
	}
	/* the marks are in place before the flow sees its first packet */
	marks_of(m, marks);
	xsk_flow_restore(f, marks);
	rc = xsk_table_add(xn, f);
	if (rc) {
		*why = rc == -EEXIST ? "a flow already uses this local address and port" :
				       "the RTCP port (local port + 1) is in use";
		xsk_flow_free(f);
	}
	return rc;
}

static const struct xsk_keyset *ks_cur(struct xsk_net *xn, struct xsk_flow *f, unsigned int d)
{
	return rcu_dereference_protected(f->ks[d], lockdep_is_held(&xn->lock));
}

static struct xsk_flow *flow_at(struct xsk_net *xn, const struct xs_dp_addr *local,
				const char **why)
{
	unsigned int idx;
	struct xsk_flow *f = xsk_table_lookup(xn, local, &idx);

	if (!f || idx != XSK_NODE_RTP) {
		*why = "no flow at this local address and port";
		return NULL;
	}
	return f;
}

/*
 * FLOW_REPLACE: a new configuration, and new keys for each direction whose
 * keys come in the message or whose suite changes (no keys and the same
 * suite: they stay), with F_RESET, F_REBIND and F_MARKS, all applied at once
 * (xsk_flow_update). Another cookie than the flow's is a new owner of the port
 * (a call whose FLOW_DEL was lost left it): it starts as with F_RESET, so it
 * inherits no latch, receive state or counters, and with SRTP input it must
 * bring its own input keys, as xsrelay-dp says.
 */
static int op_flow_replace(struct xsk_net *xn, const struct xs_dp_flow_msg *m,
			   const char **why)
{
	struct xsk_flow *f = flow_at(xn, &m->flow.local, why);
	const u32 fl = m->flow.flags;
	struct xsk_update u = {
		.reset = fl & XS_DP_FLOW_F_RESET,
		.rebind = fl & XS_DP_FLOW_F_REBIND,
	};
	int rc = 0, d;

	if (!f)
		return -ENOENT;
	if (m->flow.cookie != rcu_dereference_protected(f->cfg,
							lockdep_is_held(&xn->lock))->wire.cookie) {
		u.reset = true;
		if (m->flow.in_suite && !(fl & XS_DP_FLOW_F_IN_KEYS)) {
			*why = "a new cookie (another call) needs the input keys (F_IN_KEYS)";
			return -EINVAL;
		}
	}
	for (d = 0; d < 2 && !rc; d++) {
		const u8 suite = d ? m->flow.out_suite : m->flow.in_suite;
		const struct xsk_keyset *cur = ks_cur(xn, f, d);

		if (!(fl & (d ? XS_DP_FLOW_F_OUT_KEYS : XS_DP_FLOW_F_IN_KEYS)) && cur &&
		    cur->suite == suite)
			continue;
		u.set[d] = true;
		u.ks[d] = keyset_for(m, d, &rc, why);
	}
	marks_of(m, u.marks);
	if (!rc) {
		u.cfg = xsk_cfg_new(&m->flow);
		if (!u.cfg) {
			rc = -ENOMEM;
			*why = "out of memory";
		}
	}
	if (!rc)
		rc = xsk_flow_update(xn, f, &u, why);
	if (rc) {
		kfree(u.cfg);
		xsk_keyset_free(u.ks[0]);
		xsk_keyset_free(u.ks[1]);
	}
	return rc;
}

static int op_flow_del(struct xsk_net *xn, const struct xs_dp_flow_ref *r, const char **why)
{
	struct xsk_flow *f = flow_at(xn, &r->local, why);

	if (!f)
		return -ENOENT;
	xsk_table_del(xn, f);
	return 0;
}

static int op_keys_set(struct xsk_net *xn, const struct xs_dp_keys_msg *k, const char **why)
{
	struct xsk_flow *f = flow_at(xn, &k->local, why);
	struct xsk_update u = { 0 };
	const struct xsk_cfg *oc;
	u8 suite;
	int rc;

	if (!f)
		return -ENOENT;
	u.set[k->dir] = true;
	rc = xsk_keyset_new(&k->crypto, &u.ks[k->dir]);
	if (rc) {
		*why = rc == -EINVAL ? "the SRTP engine refused the keys" : "key setup failed";
		return rc;
	}
	oc = rcu_dereference_protected(f->cfg, lockdep_is_held(&xn->lock));
	suite = k->dir ? oc->wire.out_suite : oc->wire.in_suite;
	if (suite != k->crypto.suite) {
		/* the transform changes: the configuration says so too */
		u.cfg = xsk_cfg_new(&oc->wire);
		if (!u.cfg) {
			xsk_keyset_free(u.ks[k->dir]);
			*why = "out of memory";
			return -ENOMEM;
		}
		if (k->dir)
			u.cfg->wire.out_suite = (u8)k->crypto.suite;
		else
			u.cfg->wire.in_suite = (u8)k->crypto.suite;
	}
	rc = xsk_flow_update(xn, f, &u, why);
	if (rc) {
		kfree(u.cfg);
		xsk_keyset_free(u.ks[k->dir]);
	}
	return rc;
}

static void flow_info(struct xsk_net *xn, struct xsk_flow *f, struct xs_dp_flow_info *info)
{
	const struct xsk_cfg *cfg = rcu_dereference_protected(f->cfg,
							      lockdep_is_held(&xn->lock));
	const struct xs_dp_addr *peer;

	memset(info, 0, sizeof(*info));
	info->flow = cfg->wire;
	info->in_keys = ks_cur(xn, f, XS_DP_DIR_IN) != NULL;
	info->out_keys = ks_cur(xn, f, XS_DP_DIR_OUT) != NULL;
	spin_lock_bh(&f->lock);
	if (cfg->wire.src_policy != XS_DP_SRC_FIXED) {
		peer = xsk_latched(&cfg->wire, &f->latched[XSK_NODE_RTP]);
		memset(&info->flow.peer, 0, sizeof(info->flow.peer));
		if (peer)
			info->flow.peer = *peer;
	}
	peer = xsk_latched(&cfg->wire, &f->latched[XSK_NODE_RTCP]);
	if (peer)
		info->rtcp_peer = *peer;
	info->in_roc = xsk_stream_roc(&f->stream[XS_DP_DIR_IN]);
	info->out_roc = xsk_stream_roc(&f->stream[XS_DP_DIR_OUT]);
	info->in_ssrc = f->stream[XS_DP_DIR_IN].ssrc;
	info->out_ssrc = f->stream[XS_DP_DIR_OUT].ssrc;
	xsk_stream_marks(&f->stream[XS_DP_DIR_IN], &info->in_marks);
	xsk_stream_marks(&f->stream[XS_DP_DIR_OUT], &info->out_marks);
#define XSK_COPY(name, help) info->stats.name = f->cnt[XSK_FCNT_##name];
	XS_DP_FLOW_COUNTERS(XSK_COPY)
#undef XSK_COPY
	info->stats.last_rx_ns = f->last_rx_ns;
	spin_unlock_bh(&f->lock);
}

static int op_flow_get(struct xsk_client *cl, struct xsk_net *xn, u32 seq,
		       const struct xs_dp_flow_ref *r, const char **why)
{
	struct {
		struct xs_dp_info_batch b;
		struct xs_dp_flow_info info;
	} *body;
	struct xsk_flow *f = flow_at(xn, &r->local, why);
	int rc;

	if (!f)
		return -ENOENT;
	body = kzalloc(sizeof(*body), GFP_KERNEL);
	if (!body) {
		*why = "out of memory";
		return -ENOMEM;
	}
	body->b.count = 1;
	flow_info(xn, f, &body->info);
	rc = reply_add(cl, XS_DP_MSG_FLOW_INFO, seq, 0, body, sizeof(*body));
	kfree(body);
	return rc;
}

static int op_flow_dump(struct xsk_client *cl, struct xsk_net *xn, u32 seq)
{
	const size_t bsz = sizeof(struct xs_dp_info_batch) +
			   XS_DP_DUMP_BATCH * sizeof(struct xs_dp_flow_info);
	struct xs_dp_info_batch *b = kzalloc(bsz, GFP_KERNEL);
	struct xs_dp_flow_info *infos = (struct xs_dp_flow_info *)(b + 1);
	struct xs_dp_dump_done done = { 0 };
	struct xsk_node *n;
	int bkt, rc = 0;

	if (!b)
		return -ENOMEM;
	hash_for_each(xn->table, bkt, n, hn) {
		if (n->idx != XSK_NODE_RTP)
			continue;
		flow_info(xn, xsk_node_flow(n), &infos[b->count++]);
		done.flows++;
		if (b->count == XS_DP_DUMP_BATCH) {
			rc = reply_add(cl, XS_DP_MSG_FLOW_INFO, seq, XS_DP_HDR_F_MORE, b,
				       sizeof(*b) + b->count * sizeof(*infos));
			if (rc)
				goto out;
			memset(b, 0, bsz);
		}
	}
	if (b->count)
		rc = reply_add(cl, XS_DP_MSG_FLOW_INFO, seq, XS_DP_HDR_F_MORE, b,
			       sizeof(*b) + b->count * sizeof(*infos));
	if (!rc)
		rc = reply_add(cl, XS_DP_MSG_DUMP_DONE, seq, 0, &done, sizeof(done));
out:
	kfree(b);
	return rc;
}

static int op_stats(struct xsk_client *cl, struct xsk_net *xn, u32 seq)
{
	struct xs_dp_stats st;
	u64 sum[XSK_GCNT_COUNT] = { 0 };
	int cpu, c;

	memset(&st, 0, sizeof(st));
	for_each_possible_cpu(cpu) {
		const struct xsk_gstats *g = per_cpu_ptr(xn->gstats, cpu);

		for (c = 0; c < XSK_GCNT_COUNT; c++)
			sum[c] += READ_ONCE(g->c[c]);
	}
#define XSK_COPY(name, help) st.global.name = sum[XSK_GCNT_##name];
	XS_DP_GLOBAL_COUNTERS(XSK_COPY)
#undef XSK_COPY
	st.flows = xn->nflows;
	st.workers = num_online_cpus();
	st.uptime_ns = ktime_get_ns() - xn->start_ns;
	return reply_add(cl, XS_DP_MSG_STATS, seq, 0, &st, sizeof(st));
}

/* ------------------------------------------------------------ dispatch */

static int handle(struct xsk_client *cl, const u8 *buf, size_t len)
{
	const struct xs_dp_hdr *h = (const void *)buf;
	const void *body = buf + sizeof(*h);
	struct xsk_net *xn = xsk_net(cl->net);
	struct xs_dp_hello mine;
	const char *why = "ok";
	u16 type = len >= sizeof(*h) ? h->type : 0;
	u32 seq = len >= sizeof(*h) ? h->seq : 0;
	int rc;

	rc = xsk_request_check(buf, len, &why);
	if (rc)
		return reply_error(cl, seq, type, -rc, why);
	if (type == XS_DP_MSG_HELLO) {
		rc = xsk_hello_check(body, &why);
		if (rc)
			return reply_error(cl, seq, type, -rc, why);
		cl->hello = true;
		xs_dp_hello_fill(&mine);
		return reply_add(cl, XS_DP_MSG_HELLO, seq, 0, &mine, sizeof(mine));
	}
	if (!cl->hello)
		return reply_error(cl, seq, type, EPROTO, "HELLO must come first");

	mutex_lock(&xn->lock);
	switch (type) {
	case XS_DP_MSG_FLOW_ADD:
		rc = op_flow_add(xn, body, &why);
		break;
	case XS_DP_MSG_FLOW_REPLACE:
		rc = op_flow_replace(xn, body, &why);
		break;
	case XS_DP_MSG_FLOW_DEL:
		rc = op_flow_del(xn, body, &why);
		break;
	case XS_DP_MSG_KEYS_SET:
		rc = op_keys_set(xn, body, &why);
		break;
	case XS_DP_MSG_FLOW_GET:
		rc = op_flow_get(cl, xn, seq, body, &why);
		if (!rc)
			goto out_unlock;
		break;
	case XS_DP_MSG_FLOW_DUMP:
		rc = op_flow_dump(cl, xn, seq);
		why = "out of memory";
		if (!rc)
			goto out_unlock;
		break;
	case XS_DP_MSG_STATS_GET:
		rc = op_stats(cl, xn, seq);
		why = "out of memory";
		if (!rc)
			goto out_unlock;
		break;
	default:
		rc = -EOPNOTSUPP;
		why = "unknown request";
	}
	if (rc)
		rc = reply_error(cl, seq, type, -rc, why);
	else
		rc = reply_add(cl, XS_DP_MSG_ACK, seq, 0, NULL, 0);
out_unlock:
	mutex_unlock(&xn->lock);
	return rc;
}

static int xsk_open(struct inode *inode, struct file *file)
{
	struct xsk_client *cl = kzalloc(sizeof(*cl), GFP_KERNEL);

	if (!cl)
		return -ENOMEM;
	mutex_init(&cl->lock);
	INIT_LIST_HEAD(&cl->replies);
	cl->net = get_net(current->nsproxy->net_ns);
	file->private_data = cl;
	return 0;
}

static int xsk_release(struct inode *inode, struct file *file)
{
	struct xsk_client *cl = file->private_data;
	struct xsk_reply *r, *tmp;

	list_for_each_entry_safe(r, tmp, &cl->replies, list)
		kfree_sensitive(r);
	put_net(cl->net);
	kfree(cl);
	return 0;
}

static ssize_t xsk_write(struct file *file, const char __user *ubuf, size_t len,
			 loff_t *ppos)
{
	struct xsk_client *cl = file->private_data;
	u8 *buf;
	int rc;

	if (len > XSK_REQ_MAX)
		return -EMSGSIZE;
	buf = memdup_user(ubuf, len);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	mutex_lock(&cl->lock);
	rc = cl->pending > XSK_PENDING_MAX ? -ENOBUFS : handle(cl, buf, len);
	mutex_unlock(&cl->lock);
	kfree_sensitive(buf);
	return rc ? rc : (ssize_t)len;
}

static ssize_t xsk_read(struct file *file, char __user *ubuf, size_t len, loff_t *ppos)
{
	struct xsk_client *cl = file->private_data;
	struct xsk_reply *r;
	ssize_t rc;

	mutex_lock(&cl->lock);
	r = list_first_entry_or_null(&cl->replies, struct xsk_reply, list);
	if (!r) {
		rc = -EAGAIN;
	} else if (len < r->len) {
		rc = -EMSGSIZE;
	} else if (copy_to_user(ubuf, r->data, r->len)) {
		rc = -EFAULT;
	} else {
		rc = r->len;
		list_del(&r->list);
		cl->pending -= r->len;
		kfree(r);
	}
	mutex_unlock(&cl->lock);
	return rc;
}

static const struct file_operations xsk_fops = {
	.owner = THIS_MODULE,
	.open = xsk_open,
	.release = xsk_release,
	.read = xsk_read,
	.write = xsk_write,
	.llseek = noop_llseek,
};

static struct miscdevice xsk_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "xsrelay",
	.fops = &xsk_fops,
	.mode = 0600,
};

int xsk_ctl_init(void)
{
	return misc_register(&xsk_misc);
}

void xsk_ctl_exit(void)
{
	misc_deregister(&xsk_misc);
}
