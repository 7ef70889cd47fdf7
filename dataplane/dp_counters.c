/* SPDX-License-Identifier: BSD-3-Clause */
/* Counter names and help, from the X-macro lists in dp_proto.h. */
#include "dp_counters.h"

#define NAME(name, help) #name,
#define HELP(name, help) help,
const char *const dp_cnt_names[DP_CNT_COUNT] = { XS_DP_GLOBAL_COUNTERS(NAME) };
const char *const dp_cnt_help[DP_CNT_COUNT] = { XS_DP_GLOBAL_COUNTERS(HELP) };
const char *const dp_fcnt_names[DP_FCNT_COUNT] = { XS_DP_FLOW_COUNTERS(NAME) };
const char *const dp_fcnt_help[DP_FCNT_COUNT] = { XS_DP_FLOW_COUNTERS(HELP) };
