#!/usr/bin/env python3
# The doubles of json-doubles/*.tsv, one per line as the shortest text that reads back as the
# same double (Python's repr), in a fixed order (seeded): see README.
import random
import struct
import sys

out = []


def add(x):
    out.append(repr(float(x)))


def from_bits(u):
    return struct.unpack('<d', struct.pack('<Q', u))[0]


# Edges: zeros, small integers, the 'f'/'e' boundaries of integers (1e15, 1e16, 1e17) and of
# fractions (1e-14, 1e-15), 2^53, values needing 17 digits, subnormals, the largest double.
for x in [0.0, -0.0, 1.0, -1.0, 0.1, -0.1, 0.2, 0.3, 0.30000000000000004, 1 / 3, 2 / 3, 100.0,
          0.5, 1.5, 123456789.125, 1.5e-5, 1e-7, 1e20, 1e300, 1.2345678901234568e20,
          99999999999999.0, 100000000000000.0, 100000000000001.0, 999999999999999.0,
          1e15, 1e15 + 1, 1e15 + 2, 9999999999999998.0, 1e16, 1e16 + 2, 1e16 + 4, 1e17, 1e17 + 16,
          1234567890123456.7, 123456789012345.67, 12345678901234567.0, 2.0 ** 53, 2.0 ** 53 + 2,
          2.0 ** 63, 2.0 ** 64, 18446744073709551616.0 * 2, 1e-14, 1e-15, 1e-16,
          1.234e-14, 1.234e-15, 9.999999999999999e-15, 0.000123456789012345678,
          5e-324, 1e-323, 2.225073858507201e-308, 2.2250738585072014e-308,
          4.9406564584124654e-324, 1.7976931348623157e308, 1.7976931348623155e308,
          8.98846567431158e307, 9.007199254740993e15, 4.35, 0.1 + 0.2, 1e23, 9.5, 0.05]:
    add(x)
    add(-x)

# Powers of ten with 1, 2 and 17 significant digits over the whole range.
for k in range(-324, 309):
    for m in ['1', '1.2345678901234567', '9.999999999999999']:
        x = float(m + 'e' + str(k))
        if x != 0.0 and x != float('inf'):
            add(x)
            if k % 7 == 0:
                add(-x)

# Every power of two (the boundary case of shortest digits: the gap below is half the gap above).
for e in range(-1074, 1024):
    add(2.0 ** e)
    if e % 8 == 0:
        add(2.0 ** e * (1 + 2.0 ** -52))

rng = random.Random(20260718)
# Random bit patterns over every exponent (finite only), both signs.
while len(out) < 6000:
    x = from_bits(rng.getrandbits(64))
    if x == x and abs(x) != float('inf'):
        add(x)
# Random integers of 1 to 17 digits, random short decimals, random values near the boundaries.
for _ in range(250):
    add(float(rng.randrange(10 ** rng.randint(1, 17))))
    add(round(rng.uniform(-1e6, 1e6), rng.randint(0, 6)))
    add(rng.uniform(1e14, 1e17))
    add(rng.uniform(1e-16, 1e-13))

seen = set()
for s in out:
    if s not in seen:
        seen.add(s)
        sys.stdout.write(s + '\n')
