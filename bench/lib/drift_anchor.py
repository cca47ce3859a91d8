"""The anchor for bench/drift_scale.mjs: pandas read_csv of both files, then scipy's tests per column.

    /usr/bin/python3 bench/lib/drift_anchor.py evidently REF.csv CUR.csv
    /usr/bin/python3 bench/lib/drift_anchor.py ks REF.csv CUR.csv

evidently: the tests Evidently chooses by default for a reference of more than 1,000 rows, as it computes
them: missing and infinite values dropped per column; a numeric column with more than 5 distinct reference
values gets scipy.stats.wasserstein_distance divided by the reference's standard deviation (np.std, ddof 0,
floored at 0.001); any other column (categorical, or numeric with at most 5 values) gets
scipy.spatial.distance.jensenshannon (natural log) of the shares: of the categories seen in either window,
or of 30 common bins (np.histogram_bin_edges over both windows) for a numeric column. Drift when >= 0.1.
ks: scipy.stats.ks_2samp on every numeric column (method "auto": asymptotic at this size), drift when p < 0.05.

Prints one JSON object: the seconds spent importing, reading and testing, and per column the test, the
statistic (repr precision), p-value where there is one, the verdict and the counts it used.
"""

import json
import sys
import time

T0 = time.perf_counter()
try:
    import numpy as np
    import pandas as pd
    from scipy.spatial.distance import jensenshannon
    from scipy.stats import ks_2samp, wasserstein_distance
except ImportError as e:
    sys.stderr.write("drift anchor needs pandas, numpy and scipy (%s). On Debian/Ubuntu: "
                     "apt-get install -y python3-pandas python3-scipy\n" % e)
    sys.exit(2)


def clean(series):
    return series.replace([np.inf, -np.inf], np.nan).dropna()


def shares_js(ref, cur, numeric):
    if numeric:
        edges = np.histogram_bin_edges(np.concatenate([ref.to_numpy(), cur.to_numpy()]), bins=30)
        r = np.histogram(ref, edges)[0] / len(ref)
        c = np.histogram(cur, edges)[0] / len(cur)
    else:
        keys = sorted(set(ref.unique()) | set(cur.unique()), key=str)
        r = ref.value_counts().reindex(keys, fill_value=0).to_numpy() / len(ref)
        c = cur.value_counts().reindex(keys, fill_value=0).to_numpy() / len(cur)
    return float(jensenshannon(r, c))


def main():
    mode, ref_path, cur_path = sys.argv[1:4]
    t_imported = time.perf_counter()
    ref = pd.read_csv(ref_path)
    cur = pd.read_csv(cur_path)
    t_read = time.perf_counter()
    columns = {}
    for name in ref.columns:
        if name not in cur.columns:
            continue
        numeric = pd.api.types.is_numeric_dtype(ref[name]) and pd.api.types.is_numeric_dtype(cur[name])
        r, c = clean(ref[name]), clean(cur[name])
        out = {"numeric": bool(numeric), "ref_n": int(len(r)), "cur_n": int(len(c))}
        if len(r) == 0 or len(c) == 0:
            out["skipped"] = "no values"
        elif mode == "evidently":
            if numeric and r.nunique() > 5:
                std = max(float(np.std(r)), 0.001)
                out.update(test="wasserstein", statistic=float(wasserstein_distance(r, c)) / std, ref_std=std)
            else:
                out.update(test="jensenshannon", statistic=shares_js(r, c, numeric))
            out["drift"] = out["statistic"] >= 0.1
        elif mode == "ks":
            if not numeric:
                continue
            res = ks_2samp(r.to_numpy(), c.to_numpy())
            out.update(test="ks", statistic=float(res.statistic), p_value=float(res.pvalue), drift=bool(res.pvalue < 0.05))
        else:
            raise SystemExit("mode must be evidently or ks")
        columns[name] = out
    t_done = time.perf_counter()
    print(json.dumps({
        "mode": mode,
        "import_s": t_imported - T0,
        "read_s": t_read - t_imported,
        "tests_s": t_done - t_read,
        "pandas": pd.__version__,
        "columns": columns,
    }))


if __name__ == "__main__":
    main()
