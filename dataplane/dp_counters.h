/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Counter indices generated from the X-macro lists in dp_proto.h, and the
 * per-lcore and per-flow counter blocks. Counters are plain increments by the
 * one lcore that owns them and are summed only when read.
 */
#ifndef DP_COUNTERS_H
#define DP_COUNTERS_H

#include <stdint.h>

#include <xsrelay/dp_proto.h>

#define DP_CNT_ENUM(name, help) DP_CNT_##name,
enum dp_cnt { XS_DP_GLOBAL_COUNTERS(DP_CNT_ENUM) DP_CNT_COUNT };
#undef DP_CNT_ENUM

#define DP_FCNT_ENUM(name, help) DP_FCNT_##name,
enum dp_fcnt { XS_DP_FLOW_COUNTERS(DP_FCNT_ENUM) DP_FCNT_COUNT };
#undef DP_FCNT_ENUM

_Static_assert((int)DP_CNT_COUNT == (int)XS_DP_GLOBAL_COUNTER_COUNT, "global counters");
_Static_assert((int)DP_FCNT_COUNT == (int)XS_DP_FLOW_COUNTER_COUNT, "flow counters");

/* Names (the X-macro's first column) and help, by index. */
extern const char *const dp_cnt_names[DP_CNT_COUNT];
extern const char *const dp_cnt_help[DP_CNT_COUNT];
extern const char *const dp_fcnt_names[DP_FCNT_COUNT];
extern const char *const dp_fcnt_help[DP_FCNT_COUNT];

#endif
