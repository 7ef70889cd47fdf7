/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prometheus text exposition of xsrelayd's counters, the fast path's global
 * counters and the live flows' summed counters, all from the same X-macro
 * lists the data plane and `statistics` use. Served on a local HTTP port.
 */
#ifndef XS_METRICS_H
#define XS_METRICS_H

#include "ng_codec.h"
#include "xsrelayd.h"

/* Renders the exposition into out (raw bytes). */
void metrics_render(const struct xsd *d, struct ng_out *out);
/* Answers one HTTP connection on fd (reads the request, writes, closes). */
void metrics_serve(const struct xsd *d, int fd);

#endif
