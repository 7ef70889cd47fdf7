#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# xsrelay-probe finds the assumptions a capture was made under (see probe_gen.c).
set -u
PROBE=$(realpath "$1") GEN=$(realpath "$2")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
run() { # ASSUMPTIONS EXPECTED_LINE_PART...
	local as=$1
	shift
	"$GEN" "$as" "$T/c.pcap" "$T/mc" "$T/key" || { echo "FAIL - probe_gen $as"; fails=$((fails + 1)); return; }
	"$PROBE" "$T/c.pcap" "$T/mc" "$T/key" >"$T/out" 2>&1
	local rc=$?
	for want in "$@"; do
		if grep -q -- "$want" "$T/out"; then echo "ok - [$as] $want"; else
			echo "FAIL - [$as] $want"; cat "$T/out"; fails=$((fails + 1)); fi
	done
	[ $rc = 0 ] || { echo "FAIL - [$as] exit $rc"; fails=$((fails + 1)); }
}
run "srtp_tag_len=4" "key_wrap=separate" "key and salt unwrapped" \
	"decrypts: 40/43 with key_wrap=separate,srtp_auth=hmac_md5,srtp_tag_len=4,srtp_kdf=rfc3711"
run "key_wrap=joint,srtp_auth=hmac_sha1,srtp_tag_len=10,msgid_caller_hello=7" \
	"message id 0x00000007" "key_wrap=joint" \
	"decrypts: 40/43 with key_wrap=joint,srtp_auth=hmac_sha1,srtp_tag_len=10,srtp_kdf=rfc3711"
run "srtp_kdf=direct,srtp_salt_len=14,srtp_tag_len=6" \
	"decrypts: 40/43 with key_wrap=separate,srtp_auth=hmac_md5,srtp_tag_len=6,srtp_kdf=direct,srtp_salt_len=14"
# the wrong callee key: nothing unwraps
"$GEN" "" "$T/c.pcap" "$T/mc" "$T/key" && "$GEN" "" "$T/c2.pcap" "$T/mc2" "$T/key2"
"$PROBE" "$T/c.pcap" "$T/mc2" "$T/key2" >"$T/out" 2>&1
rc=$?
if [ $rc = 1 ] && grep -q "does NOT unwrap" "$T/out"; then echo "ok - another callee's key: no unwrap, exit 1"
else echo "FAIL - another callee's key (exit $rc)"; cat "$T/out"; fails=$((fails + 1)); fi
echo "$fails failed"
[ $fails = 0 ]
