/* SPDX-License-Identifier: BSD-3-Clause */
/* The CA key: generation, the gen_mc and PEM formats, fingerprint, references. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include "xsipura_b64.h"
#include "xsipura_internal.h"
#include "xsipura_rsa.h"

#define CA_BITS (XSP_CA_MOD_LEN * 8)
#define CA_B64_LEN XSP_B64_LEN(XSP_CA_MOD_LEN)

struct xsp_ca {
	atomic_int refs;
	bool has_private;
	EVP_PKEY *pkey;
	uint8_t n[XSP_CA_MOD_LEN];
};

/* Takes ownership of pkey (freed on failure too). */
static enum xsp_err ca_wrap(EVP_PKEY *pkey, bool has_private, struct xsp_ca **out)
{
	enum xsp_err rc = xsp_rsa_check_size(pkey, CA_BITS);
	struct xsp_ca *ca = rc ? NULL : calloc(1, sizeof(*ca));
	if (!rc && !ca)
		rc = XSP_E_NOMEM;
	if (!rc)
		rc = xsp_rsa_get_n(pkey, ca->n, sizeof(ca->n));
	if (rc) {
		free(ca);
		EVP_PKEY_free(pkey);
		return rc;
	}
	atomic_init(&ca->refs, 1);
	ca->has_private = has_private;
	ca->pkey = pkey;
	*out = ca;
	return XSP_OK;
}

enum xsp_err xsp_ca_generate(struct xsp_ca **out)
{
	EVP_PKEY *pk = NULL;
	enum xsp_err rc = xsp_rsa_generate(CA_BITS, &pk);
	return rc ? rc : ca_wrap(pk, true, out);
}

enum xsp_err xsp_ca_from_modulus(const uint8_t n[XSP_CA_MOD_LEN], struct xsp_ca **out)
{
	EVP_PKEY *pk = NULL;
	enum xsp_err rc = xsp_rsa_public(n, XSP_CA_MOD_LEN, &pk);
	return rc ? rc : ca_wrap(pk, false, out);
}

/* Next non-empty line of text[*pos..len): its start and length without the
 * line end or trailing blanks; false at the end of the text. */
static bool next_line(const char *text, size_t len, size_t *pos, const char **line,
		      size_t *llen)
{
	while (*pos < len) {
		size_t start = *pos, end;
		while (*pos < len && text[*pos] != '\n')
			(*pos)++;
		end = *pos;
		if (*pos < len)
			(*pos)++;
		while (end > start && (text[end - 1] == '\r' || text[end - 1] == ' ' ||
				       text[end - 1] == '\t'))
			end--;
		while (start < end && (text[start] == ' ' || text[start] == '\t'))
			start++;
		if (end > start) {
			*line = text + start;
			*llen = end - start;
			return true;
		}
	}
	return false;
}

/* Decodes one base64 line that must hold exactly want bytes. */
static enum xsp_err decode_exact(const char *line, size_t llen, uint8_t *out, size_t want)
{
	uint8_t buf[XSP_CA_MOD_LEN + 1];
	size_t n = 0;
	enum xsp_err rc = xsp_b64_decode(line, llen, buf, sizeof(buf), &n);
	if (!rc && n != want)
		rc = n < want ? XSP_E_TRUNCATED : XSP_E_LENGTH;
	if (!rc)
		memcpy(out, buf, want);
	OPENSSL_cleanse(buf, sizeof(buf));
	return rc;
}

enum xsp_err xsp_ca_parse_gen_mc(const char *text, size_t len, struct xsp_ca **out)
{
	const char *l[3];
	size_t ll[3], pos = 0, lines = 0;
	while (lines < 3 && next_line(text, len, &pos, &l[lines], &ll[lines]))
		lines++;
	if (lines != 2)
		return XSP_E_KEY_FORMAT;
	uint8_t n[XSP_CA_MOD_LEN], d[XSP_CA_MOD_LEN];
	EVP_PKEY *pk = NULL;
	enum xsp_err rc = decode_exact(l[0], ll[0], n, sizeof(n));
	if (!rc)
		rc = decode_exact(l[1], ll[1], d, sizeof(d));
	if (!rc)
		rc = xsp_rsa_private(n, sizeof(n), d, sizeof(d), &pk);
	OPENSSL_cleanse(d, sizeof(d));
	return rc ? rc : ca_wrap(pk, true, out);
}

enum xsp_err xsp_ca_parse_pem(const char *text, size_t len, struct xsp_ca **out)
{
	BIO *bio = BIO_new_mem_buf(text, (int)len);
	if (!bio)
		return XSP_E_NOMEM;
	/* An empty passphrase callback: an encrypted PEM fails instead of prompting. */
	EVP_PKEY *pk = PEM_read_bio_PrivateKey(bio, NULL, NULL, (void *)"");
	BIO_free(bio);
	if (!pk) {
		ERR_clear_error();
		return XSP_E_KEY_FORMAT;
	}
	return ca_wrap(pk, true, out);
}

enum xsp_err xsp_ca_parse(const char *text, size_t len, struct xsp_ca **out)
{
	static const char pem_mark[] = "-----BEGIN";
	bool pem = len >= sizeof(pem_mark) - 1 &&
		   memmem(text, len, pem_mark, sizeof(pem_mark) - 1) != NULL;
	return pem ? xsp_ca_parse_pem(text, len, out) : xsp_ca_parse_gen_mc(text, len, out);
}

enum xsp_err xsp_ca_load(const char *path, struct xsp_ca **out)
{
	char *buf = NULL;
	size_t len = 0;
	enum xsp_err rc = xsp_file_read(path, XSP_CA_FILE_MAX, &buf, &len);
	if (rc == XSP_E_LENGTH)
		return XSP_E_KEY_FORMAT; /* far larger than any key file */
	if (rc)
		return rc;
	rc = xsp_ca_parse(buf, len, out);
	xsp_secret_free(buf, len);
	return rc;
}

static enum xsp_err export_gen_mc(const struct xsp_ca *ca, char **text, size_t *len)
{
	const size_t size = 2 * (CA_B64_LEN + 1) + 1;
	uint8_t d[XSP_CA_MOD_LEN];
	char *t = malloc(size);
	size_t l1 = 0, l2 = 0;
	enum xsp_err rc = t ? xsp_rsa_get_d(ca->pkey, d, sizeof(d)) : XSP_E_NOMEM;
	if (!rc)
		rc = xsp_b64_encode(ca->n, sizeof(ca->n), 0, t, size, &l1);
	if (!rc) {
		t[l1++] = '\n';
		rc = xsp_b64_encode(d, sizeof(d), 0, t + l1, size - l1, &l2);
	}
	OPENSSL_cleanse(d, sizeof(d));
	if (rc) {
		xsp_secret_free(t, size);
		return rc;
	}
	t[l1 + l2] = '\n';
	t[l1 + l2 + 1] = '\0';
	*text = t;
	*len = l1 + l2 + 1;
	return XSP_OK;
}

static enum xsp_err export_pem(const struct xsp_ca *ca, char **text, size_t *len)
{
	BIO *bio = BIO_new(BIO_s_secmem());
	char *data = NULL, *t = NULL;
	long n = 0;
	enum xsp_err rc = XSP_E_CRYPTO;
	if (bio && PEM_write_bio_PrivateKey(bio, ca->pkey, NULL, NULL, 0, NULL, NULL) > 0 &&
	    (n = BIO_get_mem_data(bio, &data)) > 0) {
		t = malloc((size_t)n + 1);
		rc = t ? XSP_OK : XSP_E_NOMEM;
	}
	if (!rc) {
		memcpy(t, data, (size_t)n);
		t[n] = '\0';
		*text = t;
		*len = (size_t)n;
	}
	BIO_free(bio); /* a secure-heap BIO is wiped when freed */
	return rc;
}

enum xsp_err xsp_ca_export(const struct xsp_ca *ca, enum xsp_ca_format fmt, char **text,
			   size_t *len)
{
	if (!ca->has_private)
		return XSP_E_INVAL;
	switch (fmt) {
	case XSP_CA_FORMAT_GEN_MC:
		return export_gen_mc(ca, text, len);
	case XSP_CA_FORMAT_PEM:
		return export_pem(ca, text, len);
	}
	return XSP_E_INVAL;
}

void xsp_ca_text_free(char *text, size_t len)
{
	xsp_secret_free(text, len + 1);
}

enum xsp_err xsp_ca_save(const struct xsp_ca *ca, enum xsp_ca_format fmt, const char *path,
			 bool overwrite)
{
	char *text = NULL;
	size_t len = 0;
	enum xsp_err rc = xsp_ca_export(ca, fmt, &text, &len);
	if (rc)
		return rc;
	rc = xsp_file_write_secret(path, text, len, overwrite);
	xsp_ca_text_free(text, len);
	return rc;
}

const uint8_t *xsp_ca_modulus(const struct xsp_ca *ca)
{
	return ca->n;
}

bool xsp_ca_has_private(const struct xsp_ca *ca)
{
	return ca->has_private;
}

bool xsp_ca_same_key(const struct xsp_ca *a, const struct xsp_ca *b)
{
	return !memcmp(a->n, b->n, sizeof(a->n));
}

void xsp_ca_fingerprint(const struct xsp_ca *ca, char out[XSP_CA_FPR_LEN])
{
	uint8_t md[SHA256_DIGEST_LENGTH];
	SHA256(ca->n, sizeof(ca->n), md);
	for (size_t i = 0; i < sizeof(md); i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

EVP_PKEY *xsp_ca_pkey(const struct xsp_ca *ca)
{
	return ca->pkey;
}

struct xsp_ca *xsp_ca_ref(struct xsp_ca *ca)
{
	atomic_fetch_add_explicit(&ca->refs, 1, memory_order_relaxed);
	return ca;
}

void xsp_ca_free(struct xsp_ca *ca)
{
	if (!ca || atomic_fetch_sub_explicit(&ca->refs, 1, memory_order_acq_rel) != 1)
		return;
	EVP_PKEY_free(ca->pkey); /* OpenSSL clears the private numbers */
	free(ca);
}
