/* SPDX-License-Identifier: BSD-3-Clause */
/* Expiry: gen_mc's date argument, the 12-digit field, and the instant it names. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "xsipura_expiry.h"

struct when {
	unsigned hh, mi, ss, mo, dd, yy; /* yy: 0..99, year 2000 + yy */
};

static bool leap(unsigned year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static bool when_valid(const struct when *w)
{
	static const unsigned mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (w->hh > 23 || w->mi > 59 || w->ss > 59 || w->mo < 1 || w->mo > 12 || w->yy > 99)
		return false;
	unsigned days = mdays[w->mo - 1] + (w->mo == 2 && leap(2000 + w->yy));
	return w->dd >= 1 && w->dd <= days;
}

/* Reads 1..max digits at *p into *v; false if none. */
static bool digits(const char **p, unsigned min, unsigned max, unsigned *v)
{
	unsigned n = 0;
	*v = 0;
	while (n < max && **p >= '0' && **p <= '9') {
		*v = *v * 10 + (unsigned)(**p - '0');
		(*p)++;
		n++;
	}
	return n >= min && !(**p >= '0' && **p <= '9');
}

static bool expect(const char **p, char c)
{
	if (**p != c)
		return false;
	(*p)++;
	return true;
}

static bool parse_gen_mc(const char *p, struct when *w)
{
	unsigned year;
	const char *y0;
	if (!digits(&p, 1, 2, &w->hh) || !expect(&p, ':') || !digits(&p, 1, 2, &w->mi) ||
	    !expect(&p, ':') || !digits(&p, 1, 2, &w->ss) || !expect(&p, ' ') ||
	    !digits(&p, 1, 2, &w->mo) || !expect(&p, '/') || !digits(&p, 1, 2, &w->dd) ||
	    !expect(&p, '/'))
		return false;
	y0 = p;
	if (!digits(&p, 2, 4, &year) || *p != '\0')
		return false;
	if (p - y0 == 2)
		w->yy = year;
	else if (p - y0 == 4 && year >= 2000 && year <= 2099)
		w->yy = year - 2000;
	else
		return false;
	return true;
}

static bool parse_field(const uint8_t *f, struct when *w)
{
	unsigned v[6];
	for (int i = 0; i < 6; i++) {
		if (f[2 * i] < '0' || f[2 * i] > '9' || f[2 * i + 1] < '0' || f[2 * i + 1] > '9')
			return false;
		v[i] = (unsigned)(f[2 * i] - '0') * 10 + (unsigned)(f[2 * i + 1] - '0');
	}
	*w = (struct when){ .hh = v[0], .mi = v[1], .ss = v[2], .mo = v[3], .dd = v[4], .yy = v[5] };
	return true;
}

enum xsp_err xsp_expiry_parse(const char *text, uint8_t field[XSP_EXPIRY_LEN])
{
	struct when w;
	char buf[XSP_EXPIRY_LEN + 1];
	bool ok = strlen(text) == XSP_EXPIRY_LEN ? parse_field((const uint8_t *)text, &w)
						  : parse_gen_mc(text, &w);
	if (!ok || !when_valid(&w))
		return XSP_E_DATE;
	snprintf(buf, sizeof(buf), "%02u%02u%02u%02u%02u%02u", w.hh, w.mi, w.ss, w.mo, w.dd, w.yy);
	memcpy(field, buf, XSP_EXPIRY_LEN);
	return XSP_OK;
}

enum xsp_err xsp_expiry_validate(const uint8_t field[XSP_EXPIRY_LEN])
{
	struct when w;
	return parse_field(field, &w) && when_valid(&w) ? XSP_OK : XSP_E_DATE;
}

enum xsp_err xsp_expiry_time(const uint8_t field[XSP_EXPIRY_LEN], enum xsp_clock clock,
			     time_t *out)
{
	struct when w;
	if (!parse_field(field, &w) || !when_valid(&w))
		return XSP_E_DATE;
	struct tm tm = { .tm_sec = (int)w.ss, .tm_min = (int)w.mi, .tm_hour = (int)w.hh,
			 .tm_mday = (int)w.dd, .tm_mon = (int)w.mo - 1,
			 .tm_year = (int)w.yy + 100, .tm_isdst = -1 };
	time_t t = clock == XSP_CLOCK_LOCAL ? mktime(&tm) : timegm(&tm);
	if (t == (time_t)-1)
		return XSP_E_DATE;
	*out = t;
	return XSP_OK;
}

enum xsp_err xsp_expiry_format(const uint8_t field[XSP_EXPIRY_LEN],
			       char out[XSP_EXPIRY_TEXT_LEN])
{
	struct when w;
	if (!parse_field(field, &w) || !when_valid(&w))
		return XSP_E_DATE;
	snprintf(out, XSP_EXPIRY_TEXT_LEN, "%04u-%02u-%02u %02u:%02u:%02u", 2000 + w.yy, w.mo,
		 w.dd, w.hh, w.mi, w.ss);
	return XSP_OK;
}
