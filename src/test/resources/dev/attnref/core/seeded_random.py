#!/usr/bin/env python3
"""An independent port of dev.attnref.core.SeededRandom, written from its Javadoc alone.

SplitMix64 over one unsigned 64-bit state; nextDouble = (nextLong >>> 11)·2⁻⁵³;
nextInt(n) by rejection of r ≥ 2⁶⁴ − (2⁶⁴ mod n); nextGaussian = √(−2 ln u1)·cos(2π u2) with
u1 = 1 − nextDouble(), u2 = nextDouble().

Writes seeded_random_vectors.json beside this file (the first draws for a few seeds), which
SeededRandomTest asserts bit for bit. --check recomputes and compares instead; exit status 1 on a
difference. Runs on any Python 3 (no third-party modules).

The Gaussian is the one draw that is not pure integer and binary64 arithmetic: it calls ln and
cos, here from this Python's libm (glibc), on the Java side from StrictMath (fdlibm). Both are
faithful (error < 1 ulp) but not always the same float: for seed 42's fifth draw fdlibm's ln is
0.63 ulp off where glibc's is correctly rounded, and the Gaussians differ by 1 ulp. So the file
records the Box–Muller inputs u1, u2 (exact, asserted bitwise) and the Gaussian itself (asserted
to the bound two faithful libms allow; see SeededRandomTest).
"""
import json
import math
import pathlib
import struct
import sys

MASK64 = (1 << 64) - 1
OUT = pathlib.Path(__file__).resolve().parent / "seeded_random_vectors.json"


class SplitMix64:
    def __init__(self, seed):
        self.x = seed & MASK64  # a negative Java long is the same 64 bits

    def next_long(self):
        """The next draw as an unsigned integer in [0, 2⁶⁴)."""
        self.x = (self.x + 0x9E3779B97F4A7C15) & MASK64
        z = self.x
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)

    def next_double(self):
        return (self.next_long() >> 11) * 2.0 ** -53

    def next_int(self, n):
        if n <= 0:
            raise ValueError("n must be positive")
        limit = (1 << 64) - ((1 << 64) % n)
        while True:
            r = self.next_long()
            if r < limit:
                return r % n

    def next_gaussian(self):
        return self.box_muller()[0]

    def box_muller(self):
        """(z, u1, u2): the Gaussian and its two inputs."""
        u1 = 1.0 - self.next_double()
        u2 = self.next_double()
        return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2), u1, u2


def signed(u):
    """An unsigned 64-bit value as Java's signed long."""
    return u - (1 << 64) if u >= 1 << 63 else u


def bits(x):
    """Double.doubleToRawLongBits(x) as a signed long."""
    return struct.unpack("<q", struct.pack("<d", x))[0]


SEEDS = [0, 42, -1]
DRAWS = 5
INT_BOUNDS = [1, 2, 1000, 2**31 - 1]


def vectors():
    out = []
    for seed in SEEDS:
        case = {"seed": seed}
        g = SplitMix64(seed)
        case["nextLong"] = [signed(g.next_long()) for _ in range(DRAWS)]
        g = SplitMix64(seed)
        doubles = [g.next_double() for _ in range(DRAWS)]
        case["nextDouble"] = [{"value": repr(d), "bits": bits(d)} for d in doubles]
        g = SplitMix64(seed)
        case["nextInt7"] = [g.next_int(7) for _ in range(DRAWS)]
        case["nextIntBounds"] = {}
        for n in INT_BOUNDS:
            g = SplitMix64(seed)
            case["nextIntBounds"][str(n)] = [g.next_int(n) for _ in range(DRAWS)]
        g = SplitMix64(seed)
        draws = [g.box_muller() for _ in range(DRAWS)]
        case["nextGaussian"] = [{"value": repr(z), "bits": bits(z), "u1Bits": bits(u1), "u2Bits": bits(u2)}
                                for z, u1, u2 in draws]
        out.append(case)
    return out


def render():
    body = ",\n".join(json.dumps(case, sort_keys=True) for case in vectors())
    return ('{"generator": "seeded_random.py", "note": "each list starts from a fresh generator with the given seed",\n'
            '"cases": [\n%s\n]}\n' % body)


def main():
    text = render()
    if "--check" in sys.argv[1:]:
        if OUT.read_text(encoding="utf-8") != text:
            print("seeded_random_vectors.json differs from a fresh computation")
            return 1
        print("seeded_random_vectors.json is up to date")
        return 0
    OUT.write_text(text, encoding="utf-8")
    print("wrote %s" % OUT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
