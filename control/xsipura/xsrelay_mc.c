/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xsrelay-mc: mints, inspects and re-signs x-sipura Mini-Certificates; the
 * replacement for the vendor's unobtainable gen_mc. See docs/xsrelay-mc.1.
 *
 * Exit status: 0 success; 1 `show`: signature invalid or certificate expired,
 * or an internal failure; 2 bad input (usage, over-long name or id, bad date,
 * unreadable or malformed key or certificate).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <unistd.h>

#include <openssl/crypto.h>

#include "xsipura_assumptions.h"
#include "xsipura_ca.h"
#include "xsipura_err.h"
#include "xsipura_expiry.h"
#include "xsipura_mc.h"
#include "xsipura_mint.h"
#include "xsipura_subkey.h"

#define EXIT_BAD_INPUT 2

static const char usage[] =
	"usage:\n"
	"  xsrelay-mc [--xml N] CA-KEY USER-NAME USER-ID EXPIRE-DATE\n"
	"      new RSA-512 subscriber key and its Mini-Certificate signed by CA-KEY;\n"
	"      prints two lines: the Mini_Certificate parameter, then the\n"
	"      SRTP_Private_Key parameter (gen_mc compatible).\n"
	"      USER-NAME at most 32 bytes, USER-ID 1 to 16 bytes,\n"
	"      EXPIRE-DATE \"hh:mm:ss M/D/YY\" (YY = 20YY, UTC) or hhmmssMMDDYY,\n"
	"      e.g. xsrelay-mc ca_key \"Joe Smith\" 14085551234 \"00:00:00 1/1/34\"\n"
	"  xsrelay-mc ca-new OUT\n"
	"      new RSA-1024 CA key: OUT in the gen_mc format (two base64 lines,\n"
	"      modulus then private exponent), OUT.pem as PKCS#8 PEM; mode 0600;\n"
	"      existing files are not overwritten.\n"
	"  xsrelay-mc ca-convert IN OUT --to pem|gen_mc\n"
	"      writes the CA key IN (either format) to OUT in the format named;\n"
	"      mode 0600, an existing OUT is not overwritten.\n"
	"  xsrelay-mc show MINI-CERTIFICATE|- [--ca CA-KEY]\n"
	"      decodes a Mini_Certificate parameter (argument, or stdin for '-');\n"
	"      exit 0 only if the signature verifies (against the embedded CA\n"
	"      modulus, or CA-KEY) and the certificate has not expired.\n"
	"  xsrelay-mc [--xml N] reissue CA-KEY MINI-CERTIFICATE|- [--name N] [--id I] [--expire D]\n"
	"      re-signs the certificate's existing public key (renew or correct it\n"
	"      without re-keying the phone); prints the new Mini_Certificate\n"
	"      parameter. Unchanged fields reproduce the input byte for byte.\n"
	"  --xml N   print <Mini_Certificate_N_ ua=\"na\">...</Mini_Certificate_N_> and\n"
	"            <SRTP_Private_Key_N_ ua=\"na\">...</SRTP_Private_Key_N_> (line N) instead\n"
	"  xsrelay-mc assumptions\n"
	"      lists the x-sipura details no public source documents, the value\n"
	"      this build assumes for each, and the values it accepts.\n"
	"  --help    this text\n"
	"CA-KEY is a gen_mc ca-key file or a PEM RSA-1024 private key.\n"
	"Exit status: 0 ok, 1 invalid/expired certificate (show) or internal error, 2 bad input.\n"
	"Note: RSA-512 is factorable today; x-sipura is a legacy scheme to migrate away from.\n";

static int fail(enum xsp_err e, const char *what)
{
	fprintf(stderr, "xsrelay-mc: %s: %s (%s)\n", what, xsp_err_str(e), xsp_err_name(e));
	switch (e) {
	case XSP_E_NOMEM:
	case XSP_E_CRYPTO:
		return 1;
	default:
		return EXIT_BAD_INPUT;
	}
}

static int usage_error(const char *msg)
{
	fprintf(stderr, "xsrelay-mc: %s\n%s", msg, usage);
	return EXIT_BAD_INPUT;
}

static bool valid_line_no(const char *s)
{
	if (s == NULL || *s == '\0' || strlen(s) > 4)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* One provisioning parameter: bare, or as an SPA configuration XML line. */
static void print_param(const char *xml, const char *tag, const char *value)
{
	if (xml != NULL)
		printf("<%s_%s_ ua=\"na\">%s</%s_%s_>\n", tag, xml, value, tag, xml);
	else
		printf("%s\n", value);
}

#define PARAM_INPUT_MAX 65536

/* Reads a parameter from the argument or, for "-", from stdin. */
static char *get_param(const char *arg, size_t *len)
{
	char *buf;
	size_t n;

	if (strcmp(arg, "-") != 0) {
		*len = strlen(arg);
		return strdup(arg);
	}
	buf = malloc(PARAM_INPUT_MAX + 1);
	if (buf == NULL)
		return NULL;
	n = fread(buf, 1, PARAM_INPUT_MAX, stdin);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* Reads and decodes a Mini_Certificate parameter (argument or "-" for stdin):
 * 0, or the exit status for the error it reported. */
static int read_mc(const char *arg, struct xsp_mc *mc, uint8_t ca_n[XSP_CA_MOD_LEN])
{
	size_t len;
	char *text = get_param(arg, &len);
	enum xsp_err e;

	if (text == NULL)
		return 1;
	e = xsp_mc_param_decode(text, len, mc, ca_n);
	free(text);
	return e == XSP_OK ? 0 : fail(e, "MINI-CERTIFICATE");
}

static enum xsp_err load_ca(const char *path, struct xsp_ca **ca)
{
	enum xsp_err e = xsp_ca_load(path, ca);

	if (e == XSP_E_IO)
		perror(path);
	return e;
}

/* Checks the gen_mc text arguments before any key is read or made. */
static int check_fields(const char *name, const char *id, const char *expire,
			uint8_t field[XSP_EXPIRY_LEN])
{
	struct xsp_mc probe;
	enum xsp_err e;

	memset(&probe, 0, sizeof(probe));
	if (name != NULL && (e = xsp_mc_set_name(&probe, name)) != XSP_OK)
		return fail(e, "USER-NAME");
	if (id != NULL && (e = xsp_mc_set_user_id(&probe, id)) != XSP_OK)
		return fail(e, "USER-ID");
	if (expire != NULL && (e = xsp_expiry_parse(expire, field)) != XSP_OK)
		return fail(e, "EXPIRE-DATE");
	return 0;
}

static int cmd_mint(const char *xml, char **a)
{
	struct xsp_ca *ca = NULL;
	struct xsp_subkey *key = NULL;
	struct xsp_mc mc;
	uint8_t expiry[XSP_EXPIRY_LEN];
	char mcp[XSP_MC_PARAM_LEN + 1], pkp[XSP_PRIVKEY_PARAM_LEN + 1];
	enum xsp_err e;
	int rc = check_fields(a[1], a[2], a[3], expiry);

	if (rc)
		return rc;
	e = load_ca(a[0], &ca);
	if (e != XSP_OK)
		return fail(e, a[0]);
	e = xsp_mint(ca, NULL, a[1], a[2], expiry, &mc, &key);
	if (e == XSP_OK)
		e = xsp_mc_param_encode(&mc, xsp_ca_modulus(ca), mcp);
	if (e == XSP_OK)
		e = xsp_subkey_to_param(key, pkp);
	xsp_subkey_free(key);
	xsp_ca_free(ca);
	if (e != XSP_OK) {
		OPENSSL_cleanse(pkp, sizeof(pkp));
		return fail(e, "minting the certificate");
	}
	print_param(xml, "Mini_Certificate", mcp);
	print_param(xml, "SRTP_Private_Key", pkp);
	fflush(stdout);
	OPENSSL_cleanse(pkp, sizeof(pkp));
	return ferror(stdout) ? 1 : 0;
}

static int cmd_ca_new(const char *out)
{
	struct xsp_ca *ca = NULL;
	size_t n = strlen(out);
	char *pem = malloc(n + 5);
	enum xsp_err e;

	if (pem == NULL)
		return 1;
	memcpy(pem, out, n);
	memcpy(pem + n, ".pem", 5);
	/* Refuse before spending a key if either file is there. */
	if (access(out, F_OK) == 0 || access(pem, F_OK) == 0) {
		e = XSP_E_EXISTS;
		fail(e, access(out, F_OK) == 0 ? out : pem);
		free(pem);
		return EXIT_BAD_INPUT;
	}
	e = xsp_ca_generate(&ca);
	if (e != XSP_OK) {
		free(pem);
		return fail(e, "generating the CA key");
	}
	e = xsp_ca_save(ca, XSP_CA_FORMAT_GEN_MC, out, false);
	if (e == XSP_OK) {
		e = xsp_ca_save(ca, XSP_CA_FORMAT_PEM, pem, false);
		if (e != XSP_OK) {
			unlink(out); /* both files or neither */
			fail(e, pem);
		}
	} else {
		fail(e, out);
	}
	xsp_ca_free(ca);
	if (e == XSP_OK)
		fprintf(stderr, "xsrelay-mc: wrote %s (gen_mc format) and %s (PKCS#8 PEM), mode 0600\n",
			out, pem);
	free(pem);
	return e == XSP_OK ? 0 : (e == XSP_E_CRYPTO || e == XSP_E_NOMEM ? 1 : EXIT_BAD_INPUT);
}

static int cmd_ca_convert(const char *in, const char *out, const char *to)
{
	struct xsp_ca *ca = NULL;
	enum xsp_ca_format fmt;
	enum xsp_err e;

	if (strcmp(to, "pem") == 0)
		fmt = XSP_CA_FORMAT_PEM;
	else if (strcmp(to, "gen_mc") == 0)
		fmt = XSP_CA_FORMAT_GEN_MC;
	else
		return usage_error("--to takes pem or gen_mc");
	e = load_ca(in, &ca);
	if (e != XSP_OK)
		return fail(e, in);
	e = xsp_ca_save(ca, fmt, out, false);
	xsp_ca_free(ca);
	if (e != XSP_OK)
		return fail(e, out);
	fprintf(stderr, "xsrelay-mc: wrote %s (%s), mode 0600\n", out,
		fmt == XSP_CA_FORMAT_PEM ? "PKCS#8 PEM" : "gen_mc format");
	return 0;
}

static void print_text(const char *label, const char *s)
{
	printf("%s: ", label);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c >= 0x7f || c == '\\')
			printf("\\x%02x", c);
		else
			putchar(c);
	}
	putchar('\n');
}

static int bits_of(const uint8_t *n, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (n[i] != 0)
			for (int b = 7; b >= 0; b--)
				if (n[i] & (1u << b))
					return (int)((len - i - 1) * 8) + b + 1;
	return 0;
}

static int cmd_show(const char *arg, const char *ca_path)
{
	struct xsp_mc mc;
	struct xsp_ca *embedded = NULL, *check = NULL;
	uint8_t ca_n[XSP_CA_MOD_LEN];
	char name[XSP_MC_NAME_LEN + 1], id[XSP_MC_ID_LEN + 1], fpr[XSP_CA_FPR_LEN];
	char when[XSP_EXPIRY_TEXT_LEN];
	enum xsp_err e, ve;
	bool expired;
	int rc = read_mc(arg, &mc, ca_n);

	if (rc)
		return rc;
	e = xsp_ca_from_modulus(ca_n, &embedded);
	if (e != XSP_OK)
		return fail(e, "the CA modulus in the MINI-CERTIFICATE");
	if (ca_path != NULL) {
		e = load_ca(ca_path, &check);
		if (e != XSP_OK) {
			xsp_ca_free(embedded);
			return fail(e, ca_path);
		}
	} else {
		check = xsp_ca_ref(embedded);
	}
	xsp_mc_name(&mc, name);
	xsp_mc_user_id(&mc, id);
	xsp_expiry_format(mc.expiry, when); /* decode validated the field */
	expired = xsp_mc_check_expiry(&mc, XSP_CLOCK_UTC, time(NULL)) == XSP_E_EXPIRED;
	print_text("user-name", name);
	print_text("user-id", id);
	printf("expires: %s UTC (%.12s)%s\n", when, (const char *)mc.expiry,
	       expired ? " EXPIRED" : "");
	printf("subscriber-key: RSA-%d, e=65537\n", bits_of(mc.pubkey, sizeof(mc.pubkey)));
	printf("ca-key: RSA-%d, e=65537\n", bits_of(ca_n, sizeof(ca_n)));
	xsp_ca_fingerprint(embedded, fpr);
	printf("ca-fingerprint: sha256:%s\n", fpr);
	if (ca_path != NULL) {
		xsp_ca_fingerprint(check, fpr);
		printf("checked-against: %s sha256:%s%s\n", ca_path, fpr,
		       xsp_ca_same_key(check, embedded) ? ""
							: " (differs from the embedded CA modulus)");
	} else {
		printf("checked-against: embedded CA modulus\n");
	}
	ve = xsp_mc_verify(&mc, check);
	printf("signature: %s\n", ve == XSP_OK ? "valid" : "invalid");
	if (ve != XSP_OK)
		fprintf(stderr, "xsrelay-mc: %s (%s)\n", xsp_err_str(ve), xsp_err_name(ve));
	if (expired)
		fprintf(stderr, "xsrelay-mc: %s (%s)\n", xsp_err_str(XSP_E_EXPIRED),
			xsp_err_name(XSP_E_EXPIRED));
	xsp_ca_free(check);
	xsp_ca_free(embedded);
	return ve == XSP_OK && !expired ? 0 : 1;
}

static int cmd_reissue(const char *xml, const char *ca_path, const char *arg, const char *name,
		       const char *id, const char *expire)
{
	struct xsp_mc mc;
	struct xsp_ca *ca = NULL;
	uint8_t ca_n[XSP_CA_MOD_LEN], expiry[XSP_EXPIRY_LEN];
	char out[XSP_MC_PARAM_LEN + 1];
	enum xsp_err e;
	int rc = check_fields(name, id, expire, expiry);

	if (rc || (rc = read_mc(arg, &mc, ca_n)) != 0)
		return rc;
	if (name != NULL)
		xsp_mc_set_name(&mc, name);
	if (id != NULL)
		xsp_mc_set_user_id(&mc, id);
	if (expire != NULL)
		memcpy(mc.expiry, expiry, sizeof(mc.expiry));
	e = load_ca(ca_path, &ca);
	if (e != XSP_OK)
		return fail(e, ca_path);
	if (memcmp(ca_n, xsp_ca_modulus(ca), sizeof(ca_n)) != 0)
		fprintf(stderr, "xsrelay-mc: note: %s is not the CA that signed the input; the new "
				"certificate names %s's modulus\n", ca_path, ca_path);
	e = xsp_mc_sign(&mc, ca);
	if (e == XSP_OK)
		e = xsp_mc_param_encode(&mc, xsp_ca_modulus(ca), out);
	xsp_ca_free(ca);
	if (e != XSP_OK)
		return fail(e, "re-signing");
	print_param(xml, "Mini_Certificate", out);
	fflush(stdout);
	return ferror(stdout) ? 1 : 0;
}

static int cmd_assumptions(void)
{
	struct xsp_assumptions a;
	char value[96], values[160];

	xsp_assumptions_default(&a);
	printf("# x-sipura details no public source documents (FACTS.md section 3):\n"
	       "# name = default   [allowed values]   what it decides\n");
	for (size_t i = 0; i < xsp_assumptions_count(); i++) {
		if (xsp_assumption_get(&a, i, value, sizeof(value)) != XSP_OK ||
		    xsp_assumption_values(i, values, sizeof(values)) != XSP_OK)
			return 1;
		printf("%s = %s   [%s]   %s\n", xsp_assumption_name(i), value, values,
		       xsp_assumption_doc(i));
	}
	return 0;
}

int main(int argc, char **argv)
{
	char *pos[8];
	int npos = 0;
	const char *xml = NULL, *ca = NULL, *name = NULL, *id = NULL, *expire = NULL, *to = NULL;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **opt = NULL;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(usage, stdout);
			return 0;
		}
		if (strcmp(a, "--") == 0) {
			while (++i < argc) {
				if (npos == 8)
					return usage_error("too many arguments");
				pos[npos++] = argv[i];
			}
			break;
		}
		if (strcmp(a, "--xml") == 0)
			opt = &xml;
		else if (strcmp(a, "--ca") == 0)
			opt = &ca;
		else if (strcmp(a, "--name") == 0)
			opt = &name;
		else if (strcmp(a, "--id") == 0)
			opt = &id;
		else if (strcmp(a, "--expire") == 0)
			opt = &expire;
		else if (strcmp(a, "--to") == 0)
			opt = &to;
		if (opt != NULL) {
			if (i + 1 >= argc)
				return usage_error("option needs a value");
			*opt = argv[++i];
			continue;
		}
		if (a[0] == '-' && a[1] == '-')
			return usage_error("unknown option");
		if (npos == 8)
			return usage_error("too many arguments");
		pos[npos++] = argv[i];
	}
	if (xml != NULL && !valid_line_no(xml))
		return usage_error("--xml needs a line number");
	if (npos >= 1 && strcmp(pos[0], "assumptions") == 0) {
		if (npos != 1 || xml || ca || name || id || expire || to)
			return usage_error("usage: xsrelay-mc assumptions");
		return cmd_assumptions();
	}
	if (npos >= 1 && strcmp(pos[0], "ca-new") == 0) {
		if (npos != 2 || xml || ca || name || id || expire || to)
			return usage_error("usage: xsrelay-mc ca-new OUT");
		return cmd_ca_new(pos[1]);
	}
	if (npos >= 1 && strcmp(pos[0], "ca-convert") == 0) {
		if (npos != 3 || to == NULL || xml || ca || name || id || expire)
			return usage_error("usage: xsrelay-mc ca-convert IN OUT --to pem|gen_mc");
		return cmd_ca_convert(pos[1], pos[2], to);
	}
	if (npos >= 1 && strcmp(pos[0], "show") == 0) {
		if (npos != 2 || xml || name || id || expire || to)
			return usage_error("usage: xsrelay-mc show MINI-CERTIFICATE [--ca CA-KEY]");
		return cmd_show(pos[1], ca);
	}
	if (npos >= 1 && strcmp(pos[0], "reissue") == 0) {
		if (npos != 3 || ca || to)
			return usage_error("usage: xsrelay-mc reissue CA-KEY MINI-CERTIFICATE [--name N] [--id I] [--expire D]");
		return cmd_reissue(xml, pos[1], pos[2], name, id, expire);
	}
	if (npos != 4 || ca || name || id || expire || to)
		return usage_error("expected CA-KEY USER-NAME USER-ID EXPIRE-DATE");
	return cmd_mint(xml, pos);
}
