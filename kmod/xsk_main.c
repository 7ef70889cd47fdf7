// SPDX-License-Identifier: GPL-2.0
/*
 * xsrelay.ko: the in-kernel SRTP relay fast path. Module and per-namespace
 * setup; see xsk.h for the objects and docs/kmod.md for the whole.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <net/netns/generic.h>

#include "xsk.h"

unsigned int xsk_net_id __read_mostly;
struct workqueue_struct *xsk_wq;

static int __net_init xsk_net_init(struct net *net)
{
	struct xsk_net *xn = xsk_net(net);
	int rc;

	xn->net = net;
	mutex_init(&xn->lock);
	hash_init(xn->table);
	hash_init(xn->laddrs);
	xn->start_ns = ktime_get_ns();
	xn->gstats = alloc_percpu(struct xsk_gstats);
	if (!xn->gstats)
		return -ENOMEM;
	rc = xsk_hooks_register(net);
	if (rc)
		goto out_free;
	return 0;
out_free:
	free_percpu(xn->gstats);
	return rc;
}

static void __net_exit xsk_net_exit(struct net *net)
{
	struct xsk_net *xn = xsk_net(net);

	xsk_hooks_unregister(net);
	mutex_lock(&xn->lock);
	xsk_table_flush(xn);
	mutex_unlock(&xn->lock);
	free_percpu(xn->gstats);
}

static struct pernet_operations xsk_net_ops = {
	.init = xsk_net_init,
	.exit = xsk_net_exit,
	.id = &xsk_net_id,
	.size = sizeof(struct xsk_net),
};

static int __init xsk_init(void)
{
	int rc;

	xsk_wq = alloc_workqueue("xsrelay", 0, 0);
	if (!xsk_wq)
		return -ENOMEM;
	rc = register_pernet_subsys(&xsk_net_ops);
	if (rc)
		goto out_wq;
	rc = xsk_ctl_init();
	if (rc)
		goto out_pernet;
	pr_info("xsrelay: loaded, control device /dev/xsrelay, protocol version %u\n",
		XS_DP_VERSION);
	return 0;
out_pernet:
	unregister_pernet_subsys(&xsk_net_ops);
out_wq:
	destroy_workqueue(xsk_wq);
	return rc;
}

static void __exit xsk_exit(void)
{
	xsk_ctl_exit();
	unregister_pernet_subsys(&xsk_net_ops);	/* hooks off, flows unlinked */
	rcu_barrier();				/* queue the last frees */
	destroy_workqueue(xsk_wq);		/* and run them */
	pr_info("xsrelay: unloaded\n");
}

module_init(xsk_init);
module_exit(xsk_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("xsrelay SRTP relay fast path");
MODULE_SOFTDEP("pre: ctr hmac sha1 md5 aes");
