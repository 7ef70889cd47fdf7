/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * x-sipura error codes: one code per way an input can be wrong, so that a log
 * line or a CLI message says what was wrong, not just that something was.
 * Values are stable (they may reach logs and metrics): append only.
 *
 * Every function of the library that can fail returns enum xsp_err; XSP_OK is 0.
 * A function that fails leaves its outputs and the objects it was given as they
 * were: nothing is half-applied.
 */
#ifndef XSIPURA_ERR_H
#define XSIPURA_ERR_H

#ifdef __cplusplus
extern "C" {
#endif

/* X(code, short name, sentence) */
#define XSP_ERR_LIST(X) \
	X(XSP_OK, "ok", "success") \
	X(XSP_E_INVAL, "invalid-argument", "invalid argument") \
	X(XSP_E_NOMEM, "no-memory", "out of memory") \
	X(XSP_E_CRYPTO, "crypto-failure", "the crypto library failed an operation that should succeed") \
	X(XSP_E_LENGTH, "wrong-length", "wrong length: longer than the format allows, or not one of its lengths") \
	X(XSP_E_TRUNCATED, "truncated", "truncated: shorter than the format requires") \
	X(XSP_E_BASE64, "bad-base64", "not valid base64 (bad character, bad padding or non-canonical trailing bits)") \
	X(XSP_E_BUFFER, "buffer-too-small", "output buffer too small") \
	X(XSP_E_NAME_TOO_LONG, "name-too-long", "user name longer than 32 bytes") \
	X(XSP_E_ID_TOO_LONG, "user-id-too-long", "user id longer than 16 bytes") \
	X(XSP_E_ID_EMPTY, "user-id-empty", "user id is empty") \
	X(XSP_E_FIELD_CHARS, "bad-characters", "text field contains a control character") \
	X(XSP_E_DATE, "bad-date", "bad expiry date (expected \"hh:mm:ss M/D/YY\" or 12 digits hhmmssMMDDYY, a real date and time)") \
	X(XSP_E_EXPIRED, "expired", "certificate has expired") \
	X(XSP_E_SIGNATURE, "bad-signature", "signature is from the CA but does not match the certificate body (altered certificate)") \
	X(XSP_E_WRONG_CA, "wrong-ca", "signature does not verify under this CA key (signed by another CA, or signature corrupted)") \
	X(XSP_E_CA_MISMATCH, "ca-mismatch", "the Mini_Certificate parameter carries a different CA key than the one configured") \
	X(XSP_E_USER_ID_MISMATCH, "user-id-mismatch", "the peer certificate's user id is not the dialled user id") \
	X(XSP_E_STATE, "wrong-state", "message or action not valid in the handshake's current state or role") \
	X(XSP_E_MSGID, "bad-message-id", "unexpected message id (assumption msgid_check=strict)") \
	X(XSP_E_VERSION, "bad-version", "unexpected version/flags word (assumption version_check=strict)") \
	X(XSP_E_UNWRAP, "unwrap-failed", "wrapped master key or salt does not decrypt under our private key") \
	X(XSP_E_KEY_FORMAT, "bad-key-format", "key file is neither the gen_mc format (two base64 lines) nor a PEM private key") \
	X(XSP_E_KEY_SIZE, "bad-key-size", "wrong key type or size (CA: RSA-1024, subscriber: RSA-512, both e = 65537)") \
	X(XSP_E_KEY_MISMATCH, "key-mismatch", "private exponent does not belong to the public modulus") \
	X(XSP_E_ASSUMPTION_NAME, "unknown-assumption", "unknown assumption name") \
	X(XSP_E_ASSUMPTION_VALUE, "bad-assumption-value", "value not allowed for this assumption") \
	X(XSP_E_IO, "io-error", "file could not be read or written (see errno)") \
	X(XSP_E_EXISTS, "file-exists", "output file exists (refusing to overwrite a key)")

#define XSP_ERR_ENUM(code, name, text) code,
enum xsp_err {
	XSP_ERR_LIST(XSP_ERR_ENUM)
	XSP_E_COUNT
};
#undef XSP_ERR_ENUM

/* Short stable name ("expired"), for logs and metrics; "unknown" if out of range. */
const char *xsp_err_name(enum xsp_err err);
/* One sentence for people. */
const char *xsp_err_str(enum xsp_err err);

#ifdef __cplusplus
}
#endif
#endif
