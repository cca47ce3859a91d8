#!/usr/bin/env python3
"""Write batches of "live" houses, as a deployed price model would see them, for drift monitoring.

Writes monitoring/batches/batch-01.jsonl, batch-02.jsonl, ... (next to this script), one house per line:

    {"bedrooms":3,"floor_area_m2":97.7,"location":"suburb","age_years":20,"price":303200}

`price` is the actual sale price (the outcome monitoring compares predictions with). With
--model outputs/model.pkl (what train.py writes) each line also gets a "prediction": the model's
predicted price, in whole euros. Without --model there is no prediction column, so monitoring can
show feature drift and the actuals but not prediction drift or the error per batch.

The batches drift step by step. Batch 1 is made by generate_data.py's own generator (another seed),
so it looks like the training data. From batch 2 on a shift grows linearly, reaching full strength in
the last batch:

  - floor areas grow: every area is multiplied by 1 + 0.30 x strength (new builds are bigger);
  - a location never seen in training, "harbour", takes 25 % x strength of the houses;
  - the market moves: actual prices are 15 % x strength higher than the same house sold for in training.

Bedrooms and age keep the training distribution. With the default 4 batches the strengths are 0, 1/3,
2/3 and 1.

Like generate_data.py the rows are byte-identical on every machine and Python 3 version (stdlib Mersenne
Twister, + - * / only, fixed-decimal formatting). The prediction column is not: it is whatever the given
model predicts, which depends on the model and the scikit-learn version.

Usage:
    python3 simulate_live.py [--batches 4] [--rows 500] [--seed 2024] [--out monitoring/batches]
                             [--model outputs/model.pkl]
"""

import argparse
import json
import os
import pickle
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import generate_data as gen  # noqa: E402  (the training data's own generator)

DEFAULT_OUT = os.path.join(HERE, "monitoring", "batches")
COLUMNS = ["bedrooms", "floor_area_m2", "location", "age_years", "price"]

# At full strength (the last batch):
AREA_GROWTH = 0.30
HARBOUR_SHARE = 0.25
PRICE_LEVEL = 0.15
# The new location: priced between the suburbs and the city centre, houses a little larger than average.
HARBOUR = ("harbour", 4600.0, 4.0)


def strength_of(batch, batches):
    """0 for the first batch, rising linearly to 1 for the last."""
    return 0.0 if batches < 2 else (batch - 1) / (batches - 1)


def make_live_row(rng, strength):
    """One house. At strength 0 this is exactly generate_data.make_row (same draws, same arithmetic);
    the shift only adds draws when strength > 0, so batch 1 is the training generator itself."""
    bedrooms = 1 + gen.pick(gen.BEDROOM_CDF, rng.random())
    if strength > 0 and rng.random() < HARBOUR_SHARE * strength:
        name, per_m2, area_offset = HARBOUR
    else:
        name, _, per_m2, area_offset = gen.LOCATIONS[gen.pick([loc[1] for loc in gen.LOCATIONS], rng.random())]

    area = 22.0 + 24.0 * bedrooms + area_offset + 9.0 * gen.centred_noise(rng)
    if area < 18.0:
        area = 18.0 + rng.random() * 4.0
    if strength > 0:
        area *= 1.0 + AREA_GROWTH * strength
    area = round(area, 1)

    age = int(rng.random() * rng.random() * 121.0)
    if age > 120:
        age = 120

    # The price as generate_data.make_row computes it, from the (possibly larger) area and new location.
    price = area * per_m2 * gen.age_factor(age)
    price += 9000.0 * bedrooms
    if name == "waterfront" and area > 120.0:
        price += 60.0 * (area - 120.0) * 25.0
    price *= 1.0 + 0.06 * gen.centred_noise(rng)
    price += 6000.0 * gen.centred_noise(rng)
    if strength > 0:
        price *= 1.0 + PRICE_LEVEL * strength  # the market moved: the same house now sells for more
    if price < 25000.0:
        price = 25000.0
    price = int(price / 100.0 + 0.5) * 100

    return bedrooms, area, name, age, price


def load_model(path):
    """train.py's pickled pipeline. Unpickling runs code from the file: only pass a model you made."""
    try:
        import numpy as np  # noqa: F401  (the pickle needs numpy and scikit-learn importable)
        with open(path, "rb") as f:
            return pickle.load(f)
    except FileNotFoundError:
        raise SystemExit("no model at %s: train one first (python3 train.py writes outputs/model.pkl), "
                         "or leave out --model to write batches without predictions" % path)
    except ImportError as e:
        raise SystemExit("cannot load %s: %s. Use a Python with numpy and scikit-learn "
                         "(on Debian/Ubuntu: apt install python3-sklearn)" % (path, e))


def predict(model, rows):
    import numpy as np
    # train.py's column order: the numeric inputs, then location.
    X = np.empty((len(rows), 4), dtype=object)
    for i, (bedrooms, area, location, age, _price) in enumerate(rows):
        X[i] = [float(bedrooms), float(area), float(age), location]
    return [int(round(float(p))) for p in model.predict(X)]


def line(row, prediction=None):
    bedrooms, area, location, age, price = row
    text = '{"bedrooms":%d,"floor_area_m2":%.1f,"location":%s,"age_years":%d,"price":%d' % (
        bedrooms, area, json.dumps(location), age, price)
    if prediction is not None:
        text += ',"prediction":%d' % prediction
    return text + "}\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batches", type=int, default=4)
    parser.add_argument("--rows", type=int, default=500, help="houses per batch")
    parser.add_argument("--seed", type=int, default=2024, help="batch k uses seed + k (training used 1234)")
    parser.add_argument("--out", default=DEFAULT_OUT)
    parser.add_argument("--model", help="a pickled model from train.py (outputs/model.pkl) to add a prediction column")
    args = parser.parse_args(argv)
    if args.batches < 1 or args.rows < 1:
        parser.error("--batches and --rows must be at least 1")

    model = load_model(args.model) if args.model else None
    os.makedirs(args.out, exist_ok=True)
    for k in range(1, args.batches + 1):
        rng = random.Random(args.seed + k)
        strength = strength_of(k, args.batches)
        rows = [make_live_row(rng, strength) for _ in range(args.rows)]
        predictions = predict(model, rows) if model is not None else [None] * len(rows)
        path = os.path.join(args.out, "batch-%02d.jsonl" % k)
        # newline="" so "\n" is written as-is on every platform (no "\r\n" on Windows).
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.writelines(line(r, p) for r, p in zip(rows, predictions))
        print("wrote %d houses to %s (shift strength %.2f%s)" % (
            args.rows, path, strength, ", with predictions" if model is not None else ""))
    if model is None:
        print("no --model: the batches have no prediction column (prediction drift and the error per batch "
              "need python3 simulate_live.py --model outputs/model.pkl after python3 train.py)")


if __name__ == "__main__":
    main()
