/* SPDX-License-Identifier: BSD-3-Clause */
/* Telemetry commands; see dp_telemetry.h. Runs on DPDK's telemetry thread,
 * which registers as an RCU reader on first use and stays offline between calls. */
#define _LGPL_SOURCE
#include <stdlib.h>
#include <string.h>

#include <rte_telemetry.h>

#include "dp_app.h"
#include "dp_codec.h"
#include "dp_ctl.h"
#include "dp_telemetry.h"
#include "dp_worker.h"

static struct dp_ctx *tel_ctx;
static bool registered;

static void reader_enter(void)
{
	static __thread bool reg;

	if (!reg) {
		urcu_qsbr_register_thread();
		reg = true;
	} else {
		urcu_qsbr_thread_online();
	}
}

static int tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct dp_ctx *ctx = __atomic_load_n(&tel_ctx, __ATOMIC_ACQUIRE);
	struct xs_dp_stats st;

	if (!ctx)
		return -ENODEV;
	dp_ops_stats(ctx, &st);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "flows", st.flows);
	rte_tel_data_add_dict_u64(d, "workers", st.workers);
	rte_tel_data_add_dict_u64(d, "uptime_ns", st.uptime_ns);
#define ADD(name, help) rte_tel_data_add_dict_u64(d, #name, st.global.name);
	XS_DP_GLOBAL_COUNTERS(ADD)
#undef ADD
	return 0;
}

static int tel_lcore(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct dp_ctx *ctx = __atomic_load_n(&tel_ctx, __ATOMIC_ACQUIRE);
	char *end;
	unsigned long i;

	if (!ctx || !params)
		return -EINVAL;
	i = strtoul(params, &end, 10);
	if (*end || end == params || i >= ctx->n_workers)
		return -EINVAL;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "lcore", ctx->worker[i]->lcore);
	for (unsigned c = 0; c < DP_CNT_COUNT; c++)
		rte_tel_data_add_dict_u64(d, dp_cnt_names[c], ctx->worker[i]->cnt[c]);
	return 0;
}

static int tel_flow(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct dp_ctx *ctx = __atomic_load_n(&tel_ctx, __ATOMIC_ACQUIRE);
	struct xs_dp_flow_info info;
	struct xs_dp_addr a;
	char buf[64];
	int rc;

	if (!ctx || !params || xs_dp_addr_parse(params, &a, false))
		return -EINVAL;
	reader_enter();
	rc = dp_ops_flow_get(ctx, &a, &info);
	urcu_qsbr_thread_offline();
	if (rc)
		return rc;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "local", xs_dp_addr_str(&info.flow.local, buf, sizeof(buf)));
	rte_tel_data_add_dict_string(d, "peer", xs_dp_addr_str(&info.flow.peer, buf, sizeof(buf)));
	rte_tel_data_add_dict_string(d, "out_src", xs_dp_addr_str(&info.flow.out_src, buf, sizeof(buf)));
	rte_tel_data_add_dict_string(d, "out_dst", xs_dp_addr_str(&info.flow.out_dst, buf, sizeof(buf)));
	rte_tel_data_add_dict_u64(d, "in_suite", info.flow.in_suite);
	rte_tel_data_add_dict_u64(d, "out_suite", info.flow.out_suite);
	rte_tel_data_add_dict_u64(d, "in_keys", info.in_keys);
	rte_tel_data_add_dict_u64(d, "out_keys", info.out_keys);
	rte_tel_data_add_dict_u64(d, "in_roc", info.in_roc);
	rte_tel_data_add_dict_u64(d, "out_roc", info.out_roc);
#define ADD(name, help) rte_tel_data_add_dict_u64(d, #name, info.stats.name);
	XS_DP_FLOW_COUNTERS(ADD)
#undef ADD
	rte_tel_data_add_dict_u64(d, "last_rx_ns", info.stats.last_rx_ns);
	return 0;
}

void dp_telemetry_register(struct dp_ctx *ctx)
{
	__atomic_store_n(&tel_ctx, ctx, __ATOMIC_RELEASE);
	if (registered)
		return;
	registered = true;
	rte_telemetry_register_cmd("/xsrelay/stats", tel_stats,
				   "xsrelay-dp global counters. No parameters");
	rte_telemetry_register_cmd("/xsrelay/lcore", tel_lcore,
				   "One worker's counters. Parameters: worker index");
	rte_telemetry_register_cmd("/xsrelay/flow", tel_flow,
				   "One flow. Parameters: local address:port ([v6]:port)");
}

void dp_telemetry_unregister(struct dp_ctx *ctx)
{
	__atomic_compare_exchange_n(&tel_ctx, &ctx, NULL, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}
