#!/usr/bin/env python3
"""Generate the synthetic loan-application data set used by train.py.

Writes data/applications.csv (next to this script), one loan application a row:

    age, income, employment, home_ownership, credit_history_years, debt_to_income,
    late_payments_2y, existing_loans, loan_amount, loan_term_months, approved

`approved` (1 = the loan was granted) follows a made-up but plausible lender's rule that is NOT linear:
income helps up to a point and then stops mattering, debt-to-income is harmless below ~35 % and costly
above, the first late payment costs less than the next ones and late payments hurt more when debt is
already high, and a loan large against income is a red flag. Plus noise, so no model is perfect. Nothing
here describes a real lender or real people.

The output is byte-identical on every machine and Python 3 version: only the stdlib Mersenne Twister
(``random.Random(seed).random()``, specified bit-for-bit), plain IEEE-754 + - * / (no libm functions such
as log/exp/sqrt whose last bit can differ between platforms) and fixed-decimal formatting. Do not add
numpy, ``random.gauss``, ``randint`` or ``choice`` here.

Usage:
    python3 generate_data.py [--rows 3000] [--seed 2024] [--out data/applications.csv]
"""

import argparse
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "data", "applications.csv")

COLUMNS = ["age", "income", "employment", "home_ownership", "credit_history_years", "debt_to_income",
           "late_payments_2y", "existing_loans", "loan_amount", "loan_term_months", "approved"]

# (employment, cumulative probability, typical income in euros, effect on the lender's score)
EMPLOYMENT = [
    ("employed", 0.62, 42000.0, 0.0),
    ("self_employed", 0.74, 46000.0, -0.35),
    ("contract", 0.86, 33000.0, -0.45),
    ("retired", 0.94, 27000.0, 0.1),
    ("unemployed", 1.00, 17000.0, -0.8),
]
TERMS = [12, 24, 36, 48, 60]
# Cumulative probabilities of 0..6 late payments in the last two years: most people have none.
LATE_CDF = [0.62, 0.80, 0.90, 0.95, 0.98, 0.995, 1.00]
# Where the approval threshold sits: about 58 % of applications are approved.
THRESHOLD = -0.15


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


def clip(x, lo, hi):
    return lo if x < lo else hi if x > hi else x


def make_row(rng):
    age = 21 + int(rng.random() * rng.random() * 55.0 + rng.random() * 20.0)
    age = min(age, 80)
    emp_i = pick([e[1] for e in EMPLOYMENT], rng.random())
    employment, _, typical, emp_effect = EMPLOYMENT[emp_i]
    if employment == "retired" and age < 55:
        age = 55 + int(rng.random() * 20.0)
    # Incomes skew right: a product of uniforms around the employment's typical income, rising with age.
    income = typical * (0.45 + 1.3 * rng.random() * (0.6 + 0.8 * rng.random())) * (0.8 + 0.01 * min(age - 21, 30))
    income = float(int(income / 100.0 + 0.5) * 100)

    u = rng.random()
    if age < 30:
        home = "rent" if u < 0.7 else "mortgage"
    elif age < 50:
        home = "rent" if u < 0.35 else "mortgage" if u < 0.8 else "own"
    else:
        home = "rent" if u < 0.25 else "mortgage" if u < 0.5 else "own"

    history = round(rng.random() * (age - 18) * (0.5 + 0.5 * rng.random()), 1)
    dti = round(clip(0.05 + 0.55 * rng.random() * rng.random() + 0.25 * rng.random() * (1.0 if home == "mortgage" else 0.4), 0.0, 0.95), 3)
    late = pick(LATE_CDF, rng.random())
    if employment == "unemployed" and late < 2 and rng.random() < 0.4:
        late += 1
    existing = pick([0.45, 0.75, 0.9, 0.97, 1.0], rng.random())
    term = TERMS[pick([0.15, 0.35, 0.65, 0.85, 1.0], rng.random())]
    loan = 1000.0 + (0.04 + 0.9 * rng.random() * rng.random()) * income * (0.5 + term / 60.0)
    loan = float(int(loan / 100.0 + 0.5) * 100)

    # The lender's score (higher = safer). Each line is one of the non-linear rules in the docstring.
    score = 1.1 * clip((income - 30000.0) / 20000.0, -1.5, 1.6)        # income helps, then saturates
    score -= 7.0 * clip(dti - 0.35, 0.0, 1.0)                           # harmless below 35 %
    score -= 0.5 * clip(late, 0, 1) + 0.9 * clip(late - 1, 0, 10)       # the first late payment costs less
    score -= 2.5 * clip(late, 0, 3) * clip(dti - 0.3, 0.0, 1.0)         # ... and late payments with high debt
    score += 0.08 * clip(history, 0.0, 12.0)                            # a longer history helps, up to 12 years
    score -= 2.2 * clip(loan / income - 0.4, 0.0, 2.0)                  # a loan large against income
    score -= 0.25 * existing
    score += emp_effect
    score += {"own": 0.45, "mortgage": 0.2, "rent": 0.0}[home]
    score += 0.7 * centred_noise(rng)                                   # what the lender saw that we do not
    approved = 1 if score > THRESHOLD else 0

    return [age, income, employment, home, history, dti, late, existing, loan, term, approved]


def fmt(row):
    age, income, employment, home, history, dti, late, existing, loan, term, approved = row
    return "%d,%.0f,%s,%s,%.1f,%.3f,%d,%d,%.0f,%d,%d\n" % (
        age, income, employment, home, history, dti, late, existing, loan, term, approved)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--out", default=DEFAULT_OUT)
    args = parser.parse_args(argv)

    rng = random.Random(args.seed)
    lines = [",".join(COLUMNS) + "\n"]
    approved = 0
    for _ in range(args.rows):
        row = make_row(rng)
        approved += row[-1]
        lines.append(fmt(row))

    out_dir = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(out_dir, exist_ok=True)
    # newline="" so "\n" is written as-is on every platform (no "\r\n" on Windows).
    with open(args.out, "w", encoding="utf-8", newline="") as f:
        f.writelines(lines)
    print("wrote %d rows to %s (%.0f%% approved)" % (args.rows, args.out, 100.0 * approved / max(1, args.rows)))


if __name__ == "__main__":
    main()
