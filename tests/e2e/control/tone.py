#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Tones for the phones of the end-to-end tests, and the check of what they heard.

  tone.py make FREQ OUT.wav            10 s of FREQ Hz, 8 kHz mono 16-bit
  tone.py check IN.wav WANT NOT        the recording's audible part must be
      dominated by WANT Hz (Goertzel power at WANT at least 20x that at NOT and
      the recording not silent); prints the measured powers
"""
import math
import struct
import sys
import wave


def make(freq, out):
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"".join(struct.pack("<h", int(12000 * math.sin(2 * math.pi * freq * i /
                                                                           8000)))
                               for i in range(8000 * 10)))


def goertzel(x, rate, f):
    k = 2 * math.cos(2 * math.pi * f / rate)
    s1 = s2 = 0.0
    for v in x:
        s0 = v + k * s1 - s2
        s2, s1 = s1, s0
    return (s1 * s1 + s2 * s2 - k * s1 * s2) / max(len(x), 1) ** 2


def check(path, want, other):
    with wave.open(path, "rb") as w:
        rate, ch, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
        raw = w.readframes(w.getnframes())
    if width != 2:
        print("unexpected sample width %d" % width)
        return 1
    x = struct.unpack("<%dh" % (len(raw) // 2), raw)[::ch]
    loud = [v for v in x if abs(v) > 500]
    if len(loud) < rate // 2:
        print("%s: %d loud samples: silence" % (path, len(loud)))
        return 1
    # the last seconds, where the call is surely up
    seg = x[-min(len(x), rate * 3):]
    pw, po = goertzel(seg, rate, want), goertzel(seg, rate, other)
    print("%s: %d Hz power %.1f, %d Hz power %.1f" % (path.split("/")[-1], want, pw, other, po))
    return 0 if pw > 20 * po and pw > 1000 else 1


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(float(sys.argv[2]), sys.argv[3])
        sys.exit(0)
    sys.exit(check(sys.argv[2], float(sys.argv[3]), float(sys.argv[4])))
