#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Checks xsrelay-mc's output with the openssl command-line tool (OpenSSL 3.0),
# base64, od and bc only: never with the project's own code.
#
#   1. Mini_Certificate parameter: base64 of 380 bytes = MC (252) || CA modulus
#      (128); the CA modulus equals the ca-key file's first line; the fields
#      sit at the FACTS.md offsets with NUL padding and expiry 000000010134.
#   2. Signature: the CA public key is built from the embedded modulus
#      (`openssl asn1parse -genconf` -> RSAPublicKey DER -> `openssl rsa
#      -RSAPublicKey_in -pubout`); `openssl pkeyutl -verifyrecover` with
#      rsa_padding_mode:none yields the whole block, which must be exactly
#      00 01 FF*105 00 || SHA1(MC[0..123]) (no DigestInfo); with
#      rsa_padding_mode:pkcs1 it yields the bare 20-byte SHA-1.
#   3. Subscriber key: SRTP_Private_Key is 64 bytes d; m^e^d == m.
#      The openssl 3.0 CLI cannot load a private key from n, e, d alone (the
#      RSAPrivateKey structure demands p, q and the CRT values), so two
#      independent checks are made:
#        a) c = m^e mod n with `openssl pkeyutl -encrypt -pkeyopt
#           rsa_padding_mode:none` on the public key built from the MC's
#           modulus, then c^d mod n computed with bc (square and multiply);
#        b) the same c decrypted by `openssl pkeyutl -decrypt` with an
#           RSAPrivateKey built by asn1parse -genconf whose CRT part is the
#           degenerate p = n, q = 1, dP = d, dQ = 0, qInv = 1: the CRT formula
#           then reduces to c^d mod n (and OpenSSL's own CRT-result check falls
#           back to c^d mod n if it disagrees); a wrong d must fail.
#   4. Exit status 2 for over-long name/id, bad date, unreadable key; show
#      exits 0 for a good certificate, non-zero for a tampered, wrong-CA or
#      expired one; reissue reproduces its input byte for byte; --xml lines.
set -u
MC=$(realpath "${1:?usage: test_mc_openssl.sh PATH-TO-xsrelay-mc}")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
fails=0
ok() { echo "ok - $*"; }
bad() { echo "FAIL - $*"; fails=$((fails + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
hex() { od -An -tx1 -v "$1" | tr -d ' \n'; }
# RSA public key PEM from a hex modulus, e = 65537
pub_from_hex() {
	printf 'asn1=SEQUENCE:k\n[k]\nn=INTEGER:0x%s\ne=INTEGER:65537\n' "$1" > "$2.cnf"
	openssl asn1parse -genconf "$2.cnf" -out "$2.der" -noout &&
		openssl rsa -RSAPublicKey_in -inform DER -in "$2.der" -pubout -out "$2" 2>/dev/null
}
status() { "$@" >/dev/null 2>&1; echo $?; }

# --- a CA and a certificate --------------------------------------------------
check "ca-new" "$MC" ca-new ca_key
check "ca_key mode 0600" test "$(stat -c %a ca_key)" = 600
check "ca_key has two lines" test "$(wc -l < ca_key)" = 2
check "ca_key.pem is an RSA-1024 key" bash -c \
	"openssl pkey -in ca_key.pem -noout -text 2>/dev/null | grep -q 'Private-Key: (1024 bit'"
check "ca-new refuses to overwrite" test "$(status "$MC" ca-new ca_key)" != 0

"$MC" ca_key "Joe Smith" 14085551234 "00:00:00 1/1/34" > out 2> err
check "mint exit 0" test $? = 0
check "mint prints exactly two lines" test "$(wc -l < out)" = 2
check "mint prints nothing on stderr" test ! -s err
sed -n 1p out > mc.b64
sed -n 2p out > pk.b64
base64 -d < mc.b64 > param.bin || bad "Mini_Certificate is base64"
base64 -d < pk.b64 > d.bin || bad "SRTP_Private_Key is base64"
check "parameter is 380 bytes" test "$(stat -c %s param.bin)" = 380
check "private key is 64 bytes" test "$(stat -c %s d.bin)" = 64
head -c 252 param.bin > mc.bin
tail -c 128 param.bin > ca_n.bin
head -c 124 mc.bin > body.bin
tail -c 128 mc.bin > sig.bin
dd if=mc.bin of=sub_n.bin bs=1 skip=60 count=64 status=none

# --- field layout ------------------------------------------------------------
exp_fields=$( { printf 'Joe Smith'; head -c 23 /dev/zero; printf '14085551234'; head -c 5 /dev/zero
	printf '000000010134'; } | od -An -tx1 -v | tr -d ' \n')
check "name/id/expiry layout (NUL padded, 000000010134)" test "$(head -c 60 mc.bin | od -An -tx1 -v | tr -d ' \n')" = "$exp_fields"
check "CA modulus = first line of the ca-key file" test \
	"$(head -1 ca_key | base64 -d | od -An -tx1 -v | tr -d ' \n')" = "$(hex ca_n.bin)"

# --- CA signature with openssl ------------------------------------------------
pub_from_hex "$(hex ca_n.bin)" ca_pub.pem || bad "CA public key from modulus"
check "CA public key is RSA-1024" bash -c "openssl pkey -pubin -in ca_pub.pem -noout -text | grep -q 'Public-Key: (1024 bit'"
openssl pkeyutl -verifyrecover -pubin -inkey ca_pub.pem -in sig.bin \
	-pkeyopt rsa_padding_mode:none -out block.bin 2>/dev/null || bad "verifyrecover (raw)"
sha1=$(openssl dgst -sha1 -binary body.bin | od -An -tx1 -v | tr -d ' \n')
want="0001$(printf 'ff%.0s' $(seq 105))00$sha1"
check "signature block = 00 01 FF*105 00 || SHA1(MC[0..123]), no DigestInfo" test "$(hex block.bin)" = "$want"
openssl pkeyutl -verifyrecover -pubin -inkey ca_pub.pem -in sig.bin \
	-pkeyopt rsa_padding_mode:pkcs1 -out rec.bin 2>/dev/null || bad "verifyrecover (pkcs1)"
check "pkcs1 verifyrecover = SHA1(MC[0..123])" test "$(hex rec.bin)" = "$sha1"
check "signature does not verify as SHA1-with-DigestInfo (it must not have one)" test \
	"$(status openssl pkeyutl -verify -pubin -inkey ca_pub.pem -sigfile sig.bin -in <(openssl dgst -sha1 -binary body.bin) -pkeyopt digest:sha1)" != 0

# --- subscriber key: m^e^d == m ------------------------------------------------
n_hex=$(hex sub_n.bin)
d_hex=$(hex d.bin)
check "subscriber modulus is 512 bits (top bit set)" test $((16#${n_hex:0:2} >= 128)) = 1
pub_from_hex "$n_hex" sub_pub.pem || bad "subscriber public key from modulus"
{ printf '\000'; head -c 63 /dev/urandom; } > m.bin
openssl pkeyutl -encrypt -pubin -inkey sub_pub.pem -pkeyopt rsa_padding_mode:none \
	-in m.bin -out c.bin || bad "raw RSA encrypt with the subscriber public key"
U() { echo "$1" | tr a-f A-F; }
bc_res=$(BC_LINE_LENGTH=0 bc <<EOF
define modexp(b, x, m) { auto r; r = 1; b = b % m;
  while (x > 0) { if (x % 2 == 1) r = (r * b) % m; b = (b * b) % m; x = x / 2; }
  return r; }
ibase=16
n=$(U "$n_hex")
d=$(U "$d_hex")
c=$(U "$(hex c.bin)")
m=$(U "$(hex m.bin)")
r=modexp(c, d, n)
r == m
EOF
)
check "c^d mod n == m with bc (d is the private exponent of the MC's modulus)" test "$bc_res" = 1

# b) a full private key for openssl: p and q recovered from (n, e, d) by python3
#    (arithmetic only), the key assembled by `openssl asn1parse -genconf`, then a
#    PKCS#1 v1.5 encrypt/decrypt round trip done entirely by openssl.
python3 - "$n_hex" "$d_hex" > sub_priv.cnf <<'PY' || bad "recover p, q from n, e, d"
import math, sys
n, d, e = int(sys.argv[1], 16), int(sys.argv[2], 16), 65537
k = e * d - 1
t, s = k, 0
while t % 2 == 0:
    t //= 2; s += 1
for g in range(2, 200):
    x = pow(g, t, n)
    for _ in range(s):
        y = x * x % n
        if y == 1 and x not in (1, n - 1):
            p = math.gcd(x - 1, n); q = n // p
            assert p * q == n
            print("asn1=SEQUENCE:k\n[k]\nv=INTEGER:0")
            for name, v in (("n", n), ("e", e), ("d", d), ("p", p), ("q", q),
                            ("dp", d % (p - 1)), ("dq", d % (q - 1)), ("qi", pow(q, -1, p))):
                print("%s=INTEGER:0x%X" % (name, v))
            sys.exit(0)
        x = y
sys.exit(1)
PY
openssl asn1parse -genconf sub_priv.cnf -out sub_priv.der -noout &&
	openssl rsa -inform DER -in sub_priv.der -out sub_priv.pem 2>/dev/null || bad "private key DER"
check "the assembled subscriber key passes openssl's consistency check" bash -c \
	"openssl rsa -in sub_priv.pem -check -noout 2>/dev/null | grep -q 'RSA key ok'"
echo "sixteen byte key" > plain.txt
openssl pkeyutl -encrypt -pubin -inkey sub_pub.pem -in plain.txt -out wrapped.bin 2>/dev/null
openssl pkeyutl -decrypt -inkey sub_priv.pem -in wrapped.bin -out unwrapped.txt 2>/dev/null
check "openssl PKCS#1 encrypt (MC modulus) / decrypt (SRTP_Private_Key) round trip" cmp -s plain.txt unwrapped.txt

# --- the CA key formats --------------------------------------------------------
genmc_n=$(head -1 ca_key | base64 -d | od -An -tx1 -v | tr -d ' \n')
genmc_d=$(sed -n 2p ca_key | base64 -d | od -An -tx1 -v | tr -d ' \n' | sed 's/^\(00\)*//')
pem_n=$(openssl rsa -in ca_key.pem -noout -modulus 2>/dev/null | sed 's/^Modulus=//' | tr A-F a-f)
check "ca_key.pem modulus = gen_mc first line" test "$pem_n" = "$genmc_n"
pem_d=$(openssl rsa -in ca_key.pem -noout -text 2>/dev/null |
	awk '/^privateExponent:/{f=1;next} /^prime1:/{f=0} f' | tr -d ' :\n' | sed 's/^\(00\)*//')
check "ca_key.pem private exponent = gen_mc second line" test "$pem_d" = "$genmc_d"
check "ca_key.pem passes openssl's consistency check" bash -c \
	"openssl rsa -in ca_key.pem -check -noout 2>/dev/null | grep -q 'RSA key ok'"
# A certificate minted with the PEM key verifies under the gen_mc key.
"$MC" ca_key.pem "Ann" 2001 "12:30:00 6/15/40" > out_pem 2>/dev/null
check "mint with the PEM CA key" test "$(wc -l < out_pem)" = 2
check "show --ca (gen_mc) accepts a PEM-minted certificate" test "$(status "$MC" show "$(head -1 out_pem)" --ca ca_key)" = 0
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out ossl_ca.pem 2>/dev/null
check "an openssl-generated RSA-1024 PEM key works as CA-KEY" test "$(status "$MC" ossl_ca.pem Bob 3001 "00:00:00 1/1/40")" = 0
# ca-convert, both ways, checked against openssl's own reading of the keys
"$MC" ca-convert ossl_ca.pem ossl_ca.genmc --to gen_mc 2>/dev/null
check "ca-convert PEM -> gen_mc: line 1 = openssl's modulus" test \
	"$(head -1 ossl_ca.genmc | base64 -d | od -An -tx1 -v | tr -d ' \n')" = \
	"$(openssl rsa -in ossl_ca.pem -noout -modulus 2>/dev/null | sed 's/^Modulus=//' | tr A-F a-f)"
check "ca-convert PEM -> gen_mc: line 2 = openssl's private exponent" test \
	"$(sed -n 2p ossl_ca.genmc | base64 -d | od -An -tx1 -v | tr -d ' \n' | sed 's/^\(00\)*//')" = \
	"$(openssl rsa -in ossl_ca.pem -noout -text 2>/dev/null |
		awk '/^privateExponent:/{f=1;next} /^prime1:/{f=0} f' | tr -d ' :\n' | sed 's/^\(00\)*//')"
check "ca-convert output is mode 0600" test "$(stat -c %a ossl_ca.genmc)" = 600
"$MC" ca-convert ossl_ca.genmc back.pem --to pem 2>/dev/null
check "ca-convert gen_mc -> PEM: openssl finds the same key, and it checks out" bash -c \
	"openssl rsa -in back.pem -check -noout 2>/dev/null | grep -q 'RSA key ok' &&
	 test \"\$(openssl rsa -in back.pem -noout -modulus 2>/dev/null)\" = \"\$(openssl rsa -in ossl_ca.pem -noout -modulus 2>/dev/null)\""
check "ca-convert refuses to overwrite" test "$(status "$MC" ca-convert ossl_ca.pem back.pem --to pem)" = 2
check "ca-convert with a bad --to: exit 2" test "$(status "$MC" ca-convert ossl_ca.pem x.key --to der)" = 2
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out big.pem 2>/dev/null
check "an RSA-2048 CA key is refused (exit 2)" test "$(status "$MC" big.pem Bob 3001 "00:00:00 1/1/40")" = 2

# --- exit statuses -------------------------------------------------------------
check "user-name of 33 bytes: exit 2" test "$(status "$MC" ca_key "$(printf 'n%.0s' $(seq 33))" 1 "00:00:00 1/1/34")" = 2
check "user-name of 32 bytes: exit 0" test "$(status "$MC" ca_key "$(printf 'n%.0s' $(seq 32))" 1 "00:00:00 1/1/34")" = 0
check "user-id of 17 bytes: exit 2" test "$(status "$MC" ca_key Joe 12345678901234567 "00:00:00 1/1/34")" = 2
check "user-id of 16 bytes: exit 0" test "$(status "$MC" ca_key Joe 1234567890123456 "00:00:00 1/1/34")" = 0
check "date 2/30: exit 2" test "$(status "$MC" ca_key Joe 1 "00:00:00 2/30/34")" = 2
check "date 24:00:00: exit 2" test "$(status "$MC" ca_key Joe 1 "24:00:00 1/1/34")" = 2
check "date garbage: exit 2" test "$(status "$MC" ca_key Joe 1 "tomorrow")" = 2
check "missing key file: exit 2" test "$(status "$MC" no_such_key Joe 1 "00:00:00 1/1/34")" = 2
printf 'bm90IGEga2V5\nbm90IGEga2V5\n' > junk_key
check "malformed key file: exit 2" test "$(status "$MC" junk_key Joe 1 "00:00:00 1/1/34")" = 2
"$MC" ca-new other_ca 2>/dev/null
{ head -1 ca_key; sed -n 2p other_ca; } > mismatched_key
check "key file whose d does not belong to n: exit 2" test "$(status "$MC" mismatched_key Joe 1 "00:00:00 1/1/34")" = 2
check "wrong argument count: exit 2" test "$(status "$MC" ca_key Joe 1)" = 2
check "unknown option: exit 2" test "$(status "$MC" --frobnicate ca_key Joe 1 "00:00:00 1/1/34")" = 2
check "a failed mint prints nothing on stdout" test -z "$("$MC" ca_key Joe 12345678901234567 "00:00:00 1/1/34" 2>/dev/null)"

# --- show ----------------------------------------------------------------------
good=$(head -1 out)
check "show: good certificate exits 0" test "$(status "$MC" show "$good")" = 0
check "show: prints signature: valid" bash -c "'$MC' show '$good' | grep -qx 'signature: valid'"
check "show: prints name, id and expiry" bash -c "'$MC' show '$good' | grep -qx 'user-name: Joe Smith' &&
	'$MC' show '$good' | grep -qx 'user-id: 14085551234' &&
	'$MC' show '$good' | grep -q '^expires: 2034-01-01 00:00:00 UTC'"
check "show: CA fingerprint is openssl's SHA-256 of the modulus" bash -c "'$MC' show '$good' |
	grep -qx 'ca-fingerprint: sha256:$(openssl dgst -sha256 -r ca_n.bin | cut -d' ' -f1)'"
check "show: reads stdin with -" test "$(echo "$good" | "$MC" show - >/dev/null 2>&1; echo $?)" = 0
# tamper one byte of the name ('J' -> 'K')
{ printf 'K'; tail -c +2 param.bin; } | base64 -w0 > tampered.b64
check "show: tampered body exits non-zero" test "$(status "$MC" show "$(cat tampered.b64)")" != 0
check "show: tampered body prints signature: invalid" bash -c "'$MC' show '$(cat tampered.b64)' 2>/dev/null | grep -qx 'signature: invalid'"
check "show --ca with another CA exits non-zero" test "$(status "$MC" show "$good" --ca other_ca)" != 0
check "show --ca with the right CA exits 0" test "$(status "$MC" show "$good" --ca ca_key)" = 0
"$MC" ca_key Old 5551 "00:00:00 1/1/20" > old 2>/dev/null
check "show: expired certificate exits non-zero" test "$(status "$MC" show "$(head -1 old)")" != 0
check "show: expired certificate still has signature: valid" bash -c "'$MC' show '$(head -1 old)' 2>/dev/null | grep -qx 'signature: valid'"
check "show: bad base64 exits 2" test "$(status "$MC" show 'not*base64')" = 2
check "show: truncated parameter exits 2" test "$(status "$MC" show "$(head -c 300 param.bin | base64 -w0)")" = 2

# --- reissue -------------------------------------------------------------------
check "reissue with unchanged fields reproduces the input byte for byte" test \
	"$("$MC" reissue ca_key "$good" 2>/dev/null)" = "$good"
re=$("$MC" reissue ca_key "$good" --expire "00:00:00 1/1/36" --name "Joseph Smith" 2>/dev/null)
echo "$re" | base64 -d > re.bin
check "reissue keeps the subscriber public key" test \
	"$(dd if=re.bin bs=1 skip=60 count=64 status=none | od -An -tx1 -v | tr -d ' \n')" = "$n_hex"
check "reissue sets the new expiry and name" test \
	"$(head -c 60 re.bin | tr -d '\0')" = "Joseph Smith14085551234000000010136"
check "reissued certificate verifies" test "$(status "$MC" show "$re")" = 0
check "reissue with a bad date: exit 2" test "$(status "$MC" reissue ca_key "$good" --expire 13/13/13)" = 2

# --- --xml ---------------------------------------------------------------------
"$MC" --xml 2 ca_key "Joe Smith" 14085551234 "00:00:00 1/1/34" > xml 2>/dev/null
check "--xml: two SPA provisioning lines" bash -c \
	"grep -Eq '^<Mini_Certificate_2_ ua=\"na\">[A-Za-z0-9+/=]{508}</Mini_Certificate_2_>$' xml &&
	 grep -Eq '^<SRTP_Private_Key_2_ ua=\"na\">[A-Za-z0-9+/=]{88}</SRTP_Private_Key_2_>$' xml &&
	 test \$(wc -l < xml) = 2"
check "--help exits 0" test "$(status "$MC" --help)" = 0

echo "$fails failed"
[ "$fails" = 0 ]
