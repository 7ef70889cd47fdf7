#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# srtp-check on crafted captures (srtp-check-pcaps): a clean capture passes, with
# and without keys; each kind of fault fails, with the line that names it.
#
# Usage: test_srtp_check.sh SRTP_CHECK SRTP_CHECK_PCAPS
set -euo pipefail

CHECK=$1 PCAPS=$2
TMP=$(mktemp -d /tmp/srtp-check-test.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

KEY1=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d
KEY2=8OHSw7Sllod4aVpLPC0eDwECAwQFBgcICQoLDA0O # base64, as in a=crypto
KEY3=2b7e151628aed2a6abf7158809cf4f3cf0f1f2f3f4f5f6f7f8f9fafbfcfd
K1=(--key "10.9.0.2:4000=AES_CM_128_HMAC_SHA1_80:$KEY1" --key "10.9.0.2:4001=80:$KEY1")
K2=(--key "10.9.0.3:4000=AES_CM_128_HMAC_SHA1_80:$KEY2" --key "[2001:db8::2]:4000=80:$KEY2")
FAILS=0

"$PCAPS" "$TMP"

# expect RC PATTERN ARGS...: srtp-check ARGS exits RC and prints a line matching PATTERN
expect() {
	local want=$1 pat=$2 rc=0
	shift 2
	"$CHECK" "$@" >"$TMP/out" 2>&1 || rc=$?
	if [ "$rc" != "$want" ] || ! grep -Eq -- "$pat" "$TMP/out"; then
		echo "FAIL: srtp-check $* -> exit $rc (want $want), output:"
		sed 's/^/    /' "$TMP/out"
		FAILS=$((FAILS + 1))
		return 0
	fi
	echo "ok: exit $rc /$pat/"
}

# clean: no repeats, with or without keys; the receiver accepts everything; the
# same indices under another key (other destinations) are not repeats
expect 0 '^ok: 460 frames, 460 ' "$TMP/clean.pcap"
expect 0 'ssrc 0x11111111: srtp 160 \(index 65500..65659, ROC 0..1\), srtcp 0$' \
	"$TMP/clean.pcap"
expect 0 'ssrc 0x11111111: srtp 0, srtcp 16 \(index 1..16\)$' "$TMP/clean.pcap"
expect 0 'accepted rtp 200, rtcp 0; rejected: auth 0' --expect-auth --max-gap 0.5 --min 460 \
	"${K1[@]}" "${K2[@]}" "$TMP/clean.pcap"
# only the keyed destinations, unless --to names others
expect 0 '^ok: 460 frames, 220 ' --expect-auth "${K1[@]}" "$TMP/clean.pcap"
expect 0 '^ok: 460 frames, 340 ' --to 10.9.0.3 "${K1[@]}" "$TMP/clean.pcap"
expect 0 '^ok: 460 frames, 0 ' --from 10.9.0.9 "$TMP/clean.pcap"
expect 1 'FAIL: 0 SRTP/SRTCP packets checked, want at least 1' --from 10.9.0.9 --min 1 \
	"$TMP/clean.pcap"

# a restarted sender under the same key: SRTCP 1..10 again; RTP at ROC 0 again,
# which only the key shows (the receiver, at ROC 1, rejects all of it)
expect 1 'REPEAT 10.9.0.2:4001 key 1 ssrc 0x11111111 srtcp index 1 ' "$TMP/restart.pcap"
expect 1 'FAIL: 10 \(key, SSRC, index\) protected twice' "$TMP/restart.pcap"
expect 1 'OTHER ROC 10.9.0.2:4000 ssrc 0x11111111 seq 164: .* at ROC 0, the receiver expected ROC 1' \
	"${K1[@]}" "$TMP/restart.pcap"
expect 1 'rejected: auth 100, replay 0, other 0 \(100 counted\); authenticated only at another ROC 100, under no key 0; rollbacks 100' \
	"${K1[@]}" "$TMP/restart.pcap"
expect 1 'FAIL: the receiver rejected 100 packets' --expect-auth "${K1[@]}" "$TMP/restart.pcap"
expect 1 'restart \(t\+5.000\): media did not come back: none accepted after t\+4.360' \
	--event restart@1700000005 "${K1[@]}" "$TMP/restart.pcap"

# RTP indices re-sent with other payloads: repeats, keyed or not
expect 1 'REPEAT 10.9.0.2:4000 key 1 ssrc 0x11111111 srtp index 1040 ' "$TMP/rtp_repeat.pcap"
expect 1 'FAIL: 10 \(key, SSRC, index\)' "$TMP/rtp_repeat.pcap"
expect 1 'FAIL: 10 \(key, SSRC, index\)' "${K1[@]}" "$TMP/rtp_repeat.pcap"

# a byte-identical duplicate: reported apart from repeats, failed unless allowed
expect 1 'IDENTICAL DUPLICATE 10.9.0.2:4000 key 1 ssrc 0x11111111 srtp index 65620 ' \
	"$TMP/duplicate.pcap"
expect 1 'FAIL: 1 identical duplicates' "${K1[@]}" "$TMP/duplicate.pcap"
expect 0 'repeats 0, identical duplicates 1' --allow-identical-duplicates "${K1[@]}" \
	--expect-auth "$TMP/duplicate.pcap"

# the longest gap between media packets the receiver accepted
expect 1 'FAIL: longest media gap 1.520 s > 1.000 s' --max-gap 1 "${K1[@]}" "$TMP/gap.pcap"
expect 0 'longest media gap 1.520 s \(t\+1.060, #54 -> #56\)' --max-gap 2 "${K1[@]}" \
	"$TMP/gap.pcap"

# a fault at a given time: the gap around it; media that never comes back fails
expect 0 'restart \(t\+1.200\): media gap 1.520 s \(t\+1.060 -> t\+2.580\)' \
	--event restart@1700000001.2 "${K1[@]}" "$TMP/gap.pcap"
# packets in flight when the fault is noted: the gap after the event is its own
expect 0 'early \(t\+0.900\): media gap 1.520 s \(t\+1.060 -> t\+2.580\)' \
	--event early@1700000000.9 "${K1[@]}" "$TMP/gap.pcap"
# ... unless it starts after the next event
expect 0 'a \(t\+0.500\): media gap 0.040 s' --event a@1700000000.5 --event b@1700000001.0 \
	"${K1[@]}" "$TMP/gap.pcap"
expect 2 'bad value' --event b@1700000001.0 --event a@1700000000.5 "$TMP/gap.pcap"
expect 1 'late \(t\+9.000\): media did not come back: none accepted after t\+3.640 \(packets until t\+9.000\)' \
	--event late@1700000009 "${K1[@]}" "$TMP/gap.pcap"
expect 1 'FAIL: media did not come back after 1 events' --event late@1700000009 "$TMP/gap.pcap"

# SSRCs the relay may send: any other fails
expect 1 'UNEXPECTED SSRC 10.9.0.2:4000 ssrc 0x22222222: packet #373 ' --expect-ssrc 11111111 \
	"$TMP/clean.pcap"
expect 0 'unexpected SSRCs: 0|^ok' --expect-ssrc 11111111 --expect-ssrc 0x22222222 \
	"$TMP/clean.pcap"

# forged packets: rejected and counted, never taken for repeats; --auth-after
# counts only what comes after a time or a packet number
expect 1 'rejected: auth 10, replay 0, other 0 \(10 counted\); authenticated only at another ROC 0, under no key 10' \
	--expect-auth "${K1[@]}" "$TMP/forged.pcap"
expect 0 'repeats 0, identical duplicates 0' --expect-auth --auth-after '#40' "${K1[@]}" \
	"$TMP/forged.pcap"
expect 0 '\(0 counted\)' --expect-auth --auth-after 1700000000.78 "${K1[@]}" "$TMP/forged.pcap"
expect 1 '\(7 counted\)' --expect-auth --auth-after 1700000000.5 "${K1[@]}" "$TMP/forged.pcap"

# new keys: the same indices again under another key are no repeat, if the
# checker knows both keys; without them it cannot tell
expect 0 'accepted rtp 100, rtcp 0; rejected: auth 0' --expect-auth "${K1[@]}" \
	--key "10.9.0.2:4000=80:$KEY3" --key "10.9.0.2:4001=80:$KEY3" "$TMP/rekey.pcap"
expect 1 'FAIL: 55 \(key, SSRC, index\)' "$TMP/rekey.pcap"

# bad arguments: exit 2, and a key is never echoed
expect 2 'bad value: --key' --key "10.9.0.2:4000=AES_CM_128_HMAC_SHA1_80:$KEY1"00 "$TMP/clean.pcap"
! grep -q "$KEY1" "$TMP/out" || { echo "FAIL: a key was printed"; FAILS=$((FAILS + 1)); }
expect 2 'usage' "$TMP/clean.pcap" extra
expect 2 'srtp-check: ' "$TMP/missing.pcap"

[ $FAILS = 0 ] || { echo "FAIL: $FAILS checks"; exit 1; }
echo PASS
