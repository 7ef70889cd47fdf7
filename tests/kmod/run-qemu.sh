#!/usr/bin/env bash
# One command: build xsrelay.ko against Debian's 6.1 kernel headers, boot that
# kernel in qemu (TCG, no KVM) with a busybox initramfs holding the module and
# a static test program, send libsrtp2-made SRTP through the module, and check
# the relayed packets on the host with libsrtp2. Then xsrelayd (static, with
# --fast-path kmod) programs the module for an SDES call set up over ng, and the
# same checks run on what it programmed. Last the stream lifecycle (SSRC
# changes sent and received, a ROC wrap, a module reload restored from marks,
# REBIND, RESET, output key changes, another cookie, latching, TTL), its output
# checked on the host with the project's engine: no (SSRC, index) sent twice.
# Exit 0 when everything passed.
#
#   tests/kmod/run-qemu.sh [-k KERNEL_VERSION] [-n PACKETS] [-b BENCH_PACKETS]
#
# Needs: linux-image-amd64 linux-headers-amd64 qemu-system-x86 busybox-static
#        cpio libsrtp2-dev libssl-dev python3 (scripts/setup.sh installs them).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
kver=""
npkts=64
nbench=3000
while getopts k:n:b: o; do
  case $o in
    k) kver=$OPTARG ;;
    n) npkts=$OPTARG ;;
    b) nbench=$OPTARG ;;
    *) exit 2 ;;
  esac
done
if [ -z "$kver" ]; then
  # the newest kernel that has both an image and headers
  for d in $(ls -d /lib/modules/*/build 2>/dev/null | sort -rV); do
    v=$(basename "$(dirname "$d")")
    [ -f "/boot/vmlinuz-$v" ] && { kver=$v; break; }
  done
fi
[ -n "$kver" ] && [ -f "/boot/vmlinuz-$kver" ] && [ -d "/lib/modules/$kver/build" ] || {
  echo "kmod: no kernel with headers (apt-get install linux-image-amd64 linux-headers-amd64)" >&2
  exit 1
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
keya=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d
keyb=f0e0d0c0b0a090807060504030201000ffeeddccbbaa99887766554433
keyb=${keyb}22
# x-sipura master keys: 16-byte key then 16-byte salt (into the module, out of it)
keyx=00112233445566778899aabbccddeeff0102030405060708090a0b0c0d0e0f10
keyy=a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf

echo "kmod: building xsrelay.ko for $kver"
make -s -C "$top/kmod" KDIR="/lib/modules/$kver/build" >"$work/make.log" 2>&1 ||
  { cat "$work/make.log"; exit 1; }
echo "kmod: building the static test program and srtp_gen"
gcc -O2 -static -Wall -Wno-deprecated-declarations -I"$top/kmod" -I"$top/include" \
  -o "$work/kmod_vm_test" "$top/tests/kmod/kmod_vm_test.c" "$top/tests/kmod/kmod_vm_stream.c" \
  "$top/tests/kmod/xsk_ossl.c" "$top/kmod/xsk_srtp.c" -lcrypto -lpthread
echo "kmod: building xsrelayd statically"
# the daemon's sources as meson lists them (targets xsrelayd, xsrelayd_core,
# xs_xsipura), so this build never drifts from control/meson.build
build=${XS_BUILD_ROOT:-$top/build}
mapfile -t xsd_src < <(python3 - "$build/meson-info/intro-targets.json" 2>/dev/null <<'PY'
import json, sys
for t in json.load(open(sys.argv[1])):
    if t["name"] in ("xsrelayd", "xsrelayd_core", "xs_xsipura"):
        for ts in t["target_sources"]:
            print("\n".join(s for s in ts.get("sources", []) if s.endswith(".c")))
PY
) || true
if [ "${#xsd_src[@]}" -lt 10 ]; then
  echo "kmod: no xsrelayd source list in $build/meson-info (build the tree with meson first," \
       "or set XS_BUILD_ROOT)"; exit 1
fi
gcc -O2 -static -std=gnu11 -D_GNU_SOURCE -DNO_COMPAT_IMB_API_053 -pthread -w \
  -I"$top/control" -I"$top/include" -I"$top/dataplane" -I"$top/dataplane/srtp" \
  -I"$top/control/xsipura" -o "$work/xsrelayd" "${xsd_src[@]}" \
  -lsqlite3 -lcrypto -lIPSec_MB -ldl -lm >"$work/xsd.log" 2>&1 ||
  { cat "$work/xsd.log"; exit 1; }
gcc -O2 -o "$work/srtp_gen" "$top/tests/e2e/dataplane/srtp_gen.c" -lsrtp2
"$work/srtp_gen" gen 80 "$keya" $((npkts + 3)) 0x11223344 "$work/plain.bin" "$work/in.srtp"
# the project's SRTP engine (not the module's xsk_srtp.c): x-sipura and SRTCP
# packets in, and the checks of what comes out
gcc -O2 -std=gnu11 -D_GNU_SOURCE -DNO_COMPAT_IMB_API_053 -Wall -I"$top/include" \
  -I"$top/dataplane" -I"$top/dataplane/srtp" -o "$work/engine_pkts" "$top/tests/kmod/engine_pkts.c" \
  "$top"/dataplane/srtp/srtp_{suite,mgr,kdf,keys,replay,stream,engine}.c -lIPSec_MB -lcrypto
for set in "xin_rtp xsipura $keyx rtp" "xin_rtcp xsipura $keyx rtcp" \
           "ain_rtp sdes80 $keya rtp" "ain_rtcp sdes80 $keya rtcp"; do
  read -r f spec key kind <<<"$set"
  "$work/engine_pkts" gen "$spec" "$key" "$kind" "$npkts" 0x55667788 "$work/${f}_plain.bin" \
    "$work/$f.bin"
done

root=$work/root
mkdir -p "$root"/{bin,proc,sys,dev,tmp}
cp /bin/busybox "$root/bin/"
for a in sh insmod rmmod ip cat poweroff mount echo dmesg grep unshare nsenter sleep kill; do ln -sf busybox "$root/bin/$a"; done
cp "/lib/modules/$kver/kernel/crypto/ctr.ko" "/lib/modules/$kver/kernel/drivers/net/veth.ko" "$top/kmod/xsrelay.ko" "$work/kmod_vm_test" \
  "$work/xsrelayd" \
  "$work/in.srtp" "$work"/{xin_rtp,xin_rtcp,ain_rtp,ain_rtcp}.bin "$root/"
cat >"$root/init" <<INIT
#!/bin/sh
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
ip link set lo up
insmod /ctr.ko 2>/dev/null
insmod /veth.ko 2>/dev/null
# veth topology: ns A (10.0.1.2) -- pa/ra -- root (10.0.1.1, 10.0.2.1) -- rb/pb -- ns B (10.0.2.2)
unshare -n sleep 100000 & NA=\$!
unshare -n sleep 100000 & NB=\$!
sleep 1
ip link add ra type veth && ip link set veth0 name pa && ip link set pa netns \$NA
ip link add rb type veth && ip link set veth0 name pb && ip link set pb netns \$NB
ip addr add 10.0.1.1/24 dev ra; ip link set ra up
ip addr add 10.0.2.1/24 dev rb; ip link set rb up
echo 0 > /proc/sys/net/ipv6/conf/ra/accept_dad; ip addr add fd01::1/64 dev ra
echo 0 > /proc/sys/net/ipv6/conf/rb/accept_dad; ip addr add fd02::1/64 dev rb
nsenter -t \$NA -n sh -c 'ip link set lo up; ip addr add 10.0.1.2/24 dev pa;
  echo 0 > /proc/sys/net/ipv6/conf/pa/accept_dad; ip addr add fd01::2/64 dev pa; ip link set pa up'
nsenter -t \$NB -n sh -c 'ip link set lo up; ip addr add 10.0.2.2/24 dev pb;
  echo 0 > /proc/sys/net/ipv6/conf/pb/accept_dad; ip addr add fd02::2/64 dev pb; ip link set pb up'
if insmod /xsrelay.ko; then echo XSK-LOAD ok; else echo XSK-LOAD failed; fi
/kmod_vm_test /in.srtp $npkts $keya $keyb $nbench \$NA \$NB
/kmod_vm_test suites / $npkts $keya $keyb $keyx $keyy
# xsrelayd on the module: relay addresses on both veth pairs, ports apart from
# the flows the test above left
/xsrelayd --fast-path kmod --store '' --ng-unix '' --metrics '' --ng-udp 127.0.0.1:2223 \
  --interface a/10.0.1.1/26000-26999 --interface b/10.0.2.1/27000-27999 & XSD=\$!
/kmod_vm_test xsd /in.srtp $npkts $keya $keyb \$NA \$NB
kill \$XSD; wait \$XSD
kill \$NA \$NB
# reloads the module: last, with nothing else on /dev/xsrelay
/kmod_vm_test stream /xsrelay.ko $keya $keyb
if rmmod xsrelay; then echo XSK-UNLOAD ok; else echo XSK-UNLOAD failed; fi
dmesg | grep -E 'xsrelay|BUG|WARNING|Oops|RCU' | grep -v 'loading out-of-tree\|module verification'
poweroff -f
INIT
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc 2>/dev/null | gzip -1 >"$work/initrd.gz")

echo "kmod: booting $kver in qemu (TCG)"
t0=$(date +%s)
timeout 600 qemu-system-x86_64 -accel tcg -m 512M -smp 2 -nographic -no-reboot \
  -kernel "/boot/vmlinuz-$kver" -initrd "$work/initrd.gz" \
  -append "console=ttyS0 quiet panic=-1 oops=panic" </dev/null >"$work/console.log" 2>&1 || true
echo "kmod: VM ran $(( $(date +%s) - t0 )) s"
tr -d '\r' <"$work/console.log" >"$work/console.txt"
grep -E '^(ok|FAIL|#) |XSK-(LOAD|UNLOAD|BENCH)|xsrelay|fast path|BUG|WARNING|Oops' "$work/console.txt" || true
[ -n "${XSK_KEEP_LOG:-}" ] && cp "$work/console.txt" "$XSK_KEEP_LOG"

pass=0 fail=0
if res=$(grep -o 'XSRELAY-KMOD-RESULT: [0-9]* passed, [0-9]* failed' "$work/console.txt" | tail -1); then
  pass=$(echo "$res" | awk '{print $2}')
  fail=$(echo "$res" | awk '{print $4}')
else
  echo "FAIL - no result line from the VM"; fail=$((fail + 1))
fi
if res=$(grep -o 'XSRELAY-KMOD-XSD-RESULT: [0-9]* passed, [0-9]* failed' "$work/console.txt" | tail -1); then
  pass=$((pass + $(echo "$res" | awk '{print $2}')))
  fail=$((fail + $(echo "$res" | awk '{print $4}')))
else
  echo "FAIL - no result line from the xsrelayd test in the VM"; fail=$((fail + 1))
fi
for t in SUITES STREAM; do
  if res=$(grep -o "XSRELAY-KMOD-$t-RESULT: [0-9]* passed, [0-9]* failed" "$work/console.txt" | tail -1); then
    pass=$((pass + $(echo "$res" | awk '{print $2}')))
    fail=$((fail + $(echo "$res" | awk '{print $4}')))
  else
    echo "FAIL - no result line from the $t test in the VM"; fail=$((fail + 1))
  fi
done
for step in LOAD UNLOAD; do
  if grep -q "XSK-$step ok" "$work/console.txt"; then pass=$((pass + 1));
  else echo "FAIL - module $step"; fail=$((fail + 1)); fi
done
if grep -qE 'BUG:|WARNING:|Oops' "$work/console.txt"; then
  echo "FAIL - kernel warnings in the VM log"; fail=$((fail + 1))
fi
# The relayed packets, checked with libsrtp2: under key B, and not under key A.
python3 - "$work/console.txt" "$work" <<'PY'
import sys
outs = {"XSK-PKT": open(sys.argv[2] + "/recv.bin", "wb"),
        "XSK-VPKT": open(sys.argv[2] + "/recv_veth.bin", "wb"),
        "XSK-6PKT": open(sys.argv[2] + "/recv_v6.bin", "wb"),
        "XSK-XPKT": open(sys.argv[2] + "/recv_xsd.bin", "wb"),
        "XSK-ST": open(sys.argv[2] + "/st.bin", "wb"),
        "XSK-SS": open(sys.argv[2] + "/ss.bin", "wb")}
for c in ("XS-RTP", "XS-RTCP", "SX-RTP", "SX-RTCP", "SS-RTCP", "MX-RTP", "MX-RTCP"):
    outs["XSK-S-" + c] = open(sys.argv[2] + "/s_" + c + ".bin", "wb")
for line in open(sys.argv[1], errors="replace"):
    w = line.split()
    if len(w) == 2 and w[0] in outs:
        b = bytes.fromhex(w[1])
        outs[w[0]].write(len(b).to_bytes(2, "big") + b)
PY
for set in "recv lo $((npkts + 1))" "recv_veth veth $npkts" "recv_v6 IPv6 $npkts"; do
  read -r f what min <<<"$set"
  if "$work/srtp_gen" check 80 "$keyb" 80 "$keya" "$work/plain.bin" "$work/$f.bin" "$min"; then
    echo "ok   - host: $min packets relayed over $what decrypt under key B (libsrtp2), not under key A"
    pass=$((pass + 1))
  else
    echo "FAIL - host: libsrtp2 check of the packets relayed over $what"; fail=$((fail + 1))
  fi
done
# xsrelayd's call: under the key xsrelayd gave B in its SDP, not under key A
xkey=$(grep -o 'XSK-XKEY [0-9a-f]*' "$work/console.txt" | tail -1 | awk '{print $2}')
if [ -n "$xkey" ] && "$work/srtp_gen" check 80 "$xkey" 80 "$keya" "$work/plain.bin" \
     "$work/recv_xsd.bin" "$npkts"; then
  echo "ok   - host: $npkts packets of xsrelayd's call decrypt under its key to B (libsrtp2), not under key A"
  pass=$((pass + 1))
else
  echo "FAIL - host: libsrtp2 check of the packets of xsrelayd's call"; fail=$((fail + 1))
fi
# x-sipura and SRTCP through the module, checked with the project's SRTP engine:
# under the output key and suite, and not under the input key and suite
while read -r c spec key wspec wkey kind plain what; do
  if out=$("$work/engine_pkts" check "$spec" "$key" "$wspec" "$wkey" "$kind" \
             "$work/${plain}_plain.bin" "$work/s_$c.bin" "$npkts"); then
    echo "ok   - host: $what (engine, $npkts packets)"
    pass=$((pass + 1))
  else
    echo "FAIL - host: $what: $out"; fail=$((fail + 1))
  fi
done <<EOF
XS-RTP sdes80 $keyb xsipura $keyx rtp xin_rtp x-sipura RTP in -> SDES RTP decrypts under key B, not under the x-sipura key
XS-RTCP sdes80 $keyb xsipura $keyx rtcp xin_rtcp x-sipura SRTCP in -> SDES SRTCP decrypts under key B, not under the x-sipura key
SX-RTP xsipura $keyy sdes80 $keya rtp ain_rtp SDES RTP in -> x-sipura RTP decrypts under x-sipura key Y, not under key A
SX-RTCP xsipura $keyy sdes80 $keya rtcp ain_rtcp SDES SRTCP in -> x-sipura SRTCP decrypts under x-sipura key Y, not under key A
SS-RTCP sdes80 $keyb sdes80 $keya rtcp ain_rtcp SDES SRTCP on port+1 decrypts under key B, not under key A
MX-RTP sdes80 $keyb sdes80 $keya rtp ain_rtp RTCP mux: RTP decrypts under key B, not under key A
MX-RTCP sdes80 $keyb sdes80 $keya rtcp ain_rtcp RTCP mux: SRTCP on the RTP port decrypts under key B, not under key A
EOF
# The stream test's output, one send stream each (key B), every packet from both
# sides of the module reload: the engine authenticates all of them (per SSRC, at
# the ROC it has seen), and no (SSRC, index) or SRTCP index comes twice.
st_n=$(grep -o 'XSK-ST-N [0-9]* [0-9]*' "$work/console.txt" | tail -1 | cut -d' ' -f2-)
ss_n=$(grep -o 'XSK-SS-N [0-9]*' "$work/console.txt" | tail -1 | cut -d' ' -f2)
for set in "st ${st_n:-x} plain -> SDES, SSRC A B A C0..C5, ROC wrap, module reload" \
           "ss ${ss_n:-x} 0 SDES -> SDES, REBIND, RESET"; do
  read -r f nrtp nrtcp what <<<"$set"
  out=""
  if [ "$nrtp" != x ] && out=$("$work/engine_pkts" uniq sdes80 "$keyb" "$work/$f.bin" "$nrtp" "$nrtcp"); then
    echo "ok   - host: $what: no (SSRC, index) twice, all authenticate (engine): $out"
    pass=$((pass + 1))
  else
    echo "FAIL - host: $what: ${out:-no packets}"; fail=$((fail + 1))
  fi
done
echo "kmod: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
