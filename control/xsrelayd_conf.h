/* SPDX-License-Identifier: BSD-3-Clause */
/* xsrelayd configuration: defaults, the file, command-line overrides. */
#ifndef XS_XSRELAYD_CONF_H
#define XS_XSRELAYD_CONF_H

#include <stddef.h>

#include "xsrelayd.h"

void xsd_conf_defaults(struct xsd *d);
/* One setting by its name (the same names in the file and as --name). 0 or -1. */
int xsd_conf_set(struct xsd *d, const char *key, const char *value, char *err, size_t errlen);
int xsd_conf_file(struct xsd *d, const char *path, char *err, size_t errlen);

#endif
