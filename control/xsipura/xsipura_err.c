/* SPDX-License-Identifier: BSD-3-Clause */
/* Names and sentences of the error codes: both come from XSP_ERR_LIST. */
#include "xsipura_err.h"

#define XSP_ERR_NAME(code, name, text) [code] = name,
#define XSP_ERR_TEXT(code, name, text) [code] = text,
static const char *const err_names[XSP_E_COUNT] = { XSP_ERR_LIST(XSP_ERR_NAME) };
static const char *const err_texts[XSP_E_COUNT] = { XSP_ERR_LIST(XSP_ERR_TEXT) };

const char *xsp_err_name(enum xsp_err err)
{
	return (unsigned)err < XSP_E_COUNT ? err_names[err] : "unknown";
}

const char *xsp_err_str(enum xsp_err err)
{
	return (unsigned)err < XSP_E_COUNT ? err_texts[err] : "unknown error";
}
