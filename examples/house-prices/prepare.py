#!/usr/bin/env python3
"""Step 1 of 2: clean data/houses.csv into data/prepared.csv, the file train.py learns from.

    python3 prepare.py                      # data/houses.csv -> data/prepared.csv
    python3 prepare.py --raw other.csv --out /tmp/prepared.csv

What it does to each row, in order:
  - drops it when the target (price) is missing, not a number, or not positive;
  - drops it when a feature is missing or not a number, or when it is impossible: a floor area of 0 m²
    or less, a negative age;
  - fixes types and ranges: bedrooms and age_years become whole numbers, bedrooms is clipped to 1-10,
    age_years to at most 300, floor_area_m2 is written with one decimal, location is trimmed and lower-cased
    (spaces become underscores: "City Centre" -> city_centre);
and it keeps the columns, their order and the rows' order, so models, drift monitors and the batches in
monitoring/ see the same table. The shipped data/houses.csv is already clean, so data/prepared.csv holds the
same rows (and is committed, so train.py works straight from a clone); raw data from elsewhere is not.

Deterministic: no randomness at all, and the output is written with "\\n" line ends and fixed number formats,
so the same input gives byte-identical output on every machine (`lineage reproduce` relies on that).
It prints what it dropped and fixed, one line each.
"""

import argparse
import csv
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
COLUMNS = ["bedrooms", "floor_area_m2", "location", "age_years", "price"]
MAX_BEDROOMS = 10
MAX_AGE = 300


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="Clean the house-price data (Lineage example, step 1 of 2).")
    p.add_argument("--raw", default=os.path.join(HERE, "data", "houses.csv"))
    p.add_argument("--out", default=os.path.join(HERE, "data", "prepared.csv"))
    return p.parse_args(argv)


def number(text):
    """The value as a finite float, or None."""
    try:
        v = float(text)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def clean_row(r, counts):
    """The cleaned row (a list in COLUMNS order), or None when it is dropped; `counts` says why."""
    price = number(r.get("price"))
    if price is None or price <= 0:
        counts["dropped: price missing or not positive"] += 1
        return None
    bedrooms, area, age = number(r.get("bedrooms")), number(r.get("floor_area_m2")), number(r.get("age_years"))
    location = (r.get("location") or "").strip().lower().replace(" ", "_")
    if bedrooms is None or area is None or age is None or not location:
        counts["dropped: a feature missing or not a number"] += 1
        return None
    if area <= 0 or age < 0:
        counts["dropped: impossible floor area or age"] += 1
        return None
    b = min(max(int(round(bedrooms)), 1), MAX_BEDROOMS)
    a = min(int(round(age)), MAX_AGE)
    if b != bedrooms or a != age:
        counts["fixed: bedrooms or age out of range or not whole"] += 1
    if location != r.get("location"):
        counts["fixed: location spelling"] += 1
    return [str(b), "%.1f" % area, location, str(a), "%d" % round(price)]


def main(argv=None):
    args = parse_args(argv)
    counts = {k: 0 for k in ("dropped: price missing or not positive", "dropped: a feature missing or not a number",
                             "dropped: impossible floor area or age", "fixed: bedrooms or age out of range or not whole",
                             "fixed: location spelling")}
    with open(args.raw, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise SystemExit("%s has no column %s; expected %s" % (args.raw, ", ".join(missing), ", ".join(COLUMNS)))
        rows = list(reader)
    kept = [c for c in (clean_row(r, counts) for r in rows) if c is not None]
    if not kept:
        raise SystemExit("no usable rows in %s" % args.raw)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    # Written next to the target and renamed over it: a reader never sees half a file.
    tmp = args.out + ".tmp"
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(COLUMNS)
        w.writerows(kept)
    os.replace(tmp, args.out)
    print("prepared %d of %d rows -> %s" % (len(kept), len(rows), os.path.relpath(args.out)))
    for what, n in counts.items():
        if n:
            print("  %s: %d" % (what, n))
    return 0


if __name__ == "__main__":
    sys.exit(main())
