/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK telemetry commands (dpdk-telemetry.py, /var/run/dpdk/<prefix>/dpdk_telemetry.v2):
 *   /xsrelay/stats             global counters summed over lcores, flows, workers
 *   /xsrelay/lcore,<n>         one worker's counters
 *   /xsrelay/flow,<addr:port>  one flow's configuration and counters
 * Names come from the X-macro lists in dp_proto.h. The 22.11 callback takes no
 * argument, so the instance is kept in one file-static pointer (the only one).
 */
#ifndef DP_TELEMETRY_H
#define DP_TELEMETRY_H

struct dp_ctx;

void dp_telemetry_register(struct dp_ctx *ctx);
void dp_telemetry_unregister(struct dp_ctx *ctx);

#endif
