#!/usr/bin/env python3
"""Generate the synthetic house-price data set used by train.py.

Writes data/houses.csv (next to this script) with the columns

    bedrooms, floor_area_m2, location, age_years, price

The output is byte-identical on every machine and Python 3 version: it uses only
the stdlib Mersenne Twister (``random.Random(seed).random()``, which is specified
bit-for-bit), plain IEEE-754 arithmetic (+ - * / only, no libm functions such as
log/exp/pow/gauss whose last bit can differ between platforms), and fixed-decimal
formatting. Do not add numpy, ``random.gauss``, ``randint`` or ``choice`` here.

Usage:
    python3 generate_data.py [--rows 3000] [--seed 1234] [--out data/houses.csv]
"""

import argparse
import os

import random

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "data", "houses.csv")

# (name, cumulative probability, price per m2 in euros, mean floor-area offset in m2)
LOCATIONS = [
    ("city_centre", 0.25, 5200.0, -18.0),
    ("suburb", 0.70, 3300.0, 6.0),
    ("rural", 0.90, 1900.0, 14.0),
    ("waterfront", 1.00, 6100.0, 10.0),
]

# Cumulative probabilities for 1..6 bedrooms.
BEDROOM_CDF = [0.08, 0.30, 0.65, 0.88, 0.97, 1.00]


def centred_noise(rng, n=6):
    """Approximately normal noise in [-n/2, n/2] with variance n/12 (Irwin-Hall)."""
    total = 0.0
    for _ in range(n):
        total += rng.random()
    return total - n / 2.0


def pick(cdf, u):
    for i, c in enumerate(cdf):
        if u < c:
            return i
    return len(cdf) - 1


def age_factor(age):
    """Value multiplier by building age: depreciation, then a premium for period houses."""
    if age <= 60:
        return 1.0 - 0.005 * age  # 1.00 new .. 0.70 at 60 years
    if age <= 90:
        return 0.70
    return 0.70 + 0.006 * (age - 90)  # up to 0.88 at 120 years: "character" premium


def make_row(rng):
    bedrooms = 1 + pick(BEDROOM_CDF, rng.random())
    name, _, per_m2, area_offset = LOCATIONS[pick([loc[1] for loc in LOCATIONS], rng.random())]

    area = 22.0 + 24.0 * bedrooms + area_offset + 9.0 * centred_noise(rng)
    if area < 18.0:
        area = 18.0 + rng.random() * 4.0
    area = round(area, 1)

    # Ages skew young: product of two uniforms, 0..120 inclusive.
    age = int(rng.random() * rng.random() * 121.0)
    if age > 120:
        age = 120

    price = area * per_m2 * age_factor(age)
    price += 9000.0 * bedrooms  # an extra bedroom is worth something beyond its floor area
    if name == "waterfront" and area > 120.0:
        price += 60.0 * (area - 120.0) * 25.0  # big waterfront villas carry a premium
    price *= 1.0 + 0.06 * centred_noise(rng)  # ~12% sd multiplicative noise
    price += 6000.0 * centred_noise(rng)  # plus some additive noise
    if price < 25000.0:
        price = 25000.0
    price = int(price / 100.0 + 0.5) * 100  # whole hundreds of euros

    return bedrooms, area, name, age, price


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--out", default=DEFAULT_OUT)
    args = parser.parse_args(argv)

    rng = random.Random(args.seed)
    lines = ["bedrooms,floor_area_m2,location,age_years,price\n"]
    for _ in range(args.rows):
        bedrooms, area, location, age, price = make_row(rng)
        lines.append("%d,%.1f,%s,%d,%d\n" % (bedrooms, area, location, age, price))

    out_dir = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(out_dir, exist_ok=True)
    # newline="" so "\n" is written as-is on every platform (no "\r\n" on Windows).
    with open(args.out, "w", encoding="utf-8", newline="") as f:
        f.writelines(lines)
    print("wrote %d rows to %s" % (args.rows, args.out))


if __name__ == "__main__":
    main()
