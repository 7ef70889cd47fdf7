/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Mini-Certificate expiry field: 12 ASCII digits hhmmssMMDDYY, year 2000 + YY
 * (the guide: "00:00:00 1/1/34" (34=2034) is stored as 000000010134).
 */
#ifndef XSIPURA_EXPIRY_H
#define XSIPURA_EXPIRY_H

#include <stdint.h>
#include <time.h>

#include "xsipura_assumptions.h"
#include "xsipura_err.h"

#define XSP_EXPIRY_LEN 12
#define XSP_EXPIRY_TEXT_LEN 20 /* "2034-01-01 00:00:00" and a NUL */

/* The gen_mc expire-date argument to the field. Accepts "hh:mm:ss M/D/YY" (one
 * or two digits for each of h, m, s, M, D; YY or 20YY for the year) and the
 * field itself, "hhmmssMMDDYY". XSP_E_DATE for anything else or for a time
 * or date that does not exist (25:00:00, 2/30). */
enum xsp_err xsp_expiry_parse(const char *text, uint8_t field[XSP_EXPIRY_LEN]);

/* XSP_E_DATE unless field is 12 digits naming a real time and date. */
enum xsp_err xsp_expiry_validate(const uint8_t field[XSP_EXPIRY_LEN]);

/* The instant the field names, read in the given clock (assumption expiry_clock). */
enum xsp_err xsp_expiry_time(const uint8_t field[XSP_EXPIRY_LEN], enum xsp_clock clock,
			     time_t *out);

/* "YYYY-MM-DD hh:mm:ss". */
enum xsp_err xsp_expiry_format(const uint8_t field[XSP_EXPIRY_LEN],
			       char out[XSP_EXPIRY_TEXT_LEN]);

#endif
