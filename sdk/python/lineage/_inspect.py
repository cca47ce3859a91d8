"""Global, model-agnostic views of a model (issue 12): permutation importance and partial dependence / ICE.

Both reproduce scikit-learn 1.2's own functions number for number (sklearn.inspection.permutation_importance
and partial_dependence(method="brute")) without importing scikit-learn or scipy, so a run explained where they
are missing gets the same figures; test_inspect checks the equality. numpy is required; lineage.explain is the
only importer.
"""
import numpy as np


def permutation_importance(score, X, y, n_repeats=5, seed=0):
    """How much score(X, y) (higher is better) drops when one column's values are shuffled among the rows.

    The permutations are scikit-learn's: RandomState(seed) draws one integer that seeds a fresh RandomState for
    every column; for each column a copy of X has that column shuffled n_repeats times in a row (each repeat
    shuffles the index left by the previous one, as sklearn does), scored after each shuffle. Importance =
    baseline − permuted score; mean and population std (ddof 0) over the repeats. X may be a float or object
    array (mixed columns) or a pandas DataFrame. Returns {"mean": [m], "std": [m], "importances": [m][n_repeats],
    "n_repeats", "seed", "baseline"}.
    """
    n_repeats = int(n_repeats)
    if n_repeats < 1:
        raise ValueError("n_repeats must be at least 1, got %d" % n_repeats)
    if not hasattr(X, "iloc"):
        X = np.asarray(X)
        if X.ndim != 2:
            raise ValueError("X must be a 2-D array (rows × features), got %d dimensions" % X.ndim)
    column_seed = _random_state(seed).randint(np.iinfo(np.int32).max + 1)
    baseline = float(score(X, y))
    drops = np.empty((X.shape[1], n_repeats))
    for j in range(X.shape[1]):
        rng = np.random.RandomState(column_seed)
        X_perm = X.copy()
        order = np.arange(X_perm.shape[0])
        for r in range(n_repeats):
            rng.shuffle(order)
            if hasattr(X_perm, "iloc"):
                col = X_perm.iloc[order, j]
                col.index = X_perm.index
                X_perm[X_perm.columns[j]] = col
            else:
                X_perm[:, j] = X_perm[order, j]
            drops[j, r] = baseline - float(score(X_perm, y))
    return {
        "mean": drops.mean(1).tolist(),
        "std": drops.std(1).tolist(),
        "importances": drops.tolist(),
        "n_repeats": n_repeats,
        "seed": seed,
        "baseline": baseline,
    }


def partial_dependence(predict, X, feature, grid_resolution=20, percentiles=(0.05, 0.95), ice_rows=50, seed=0,
                       categorical=False):
    """The model's average prediction when one column is set to each grid value for every row (PDP), and the
    individual curves (ICE) of a seeded sample of at most ice_rows rows.

    predict(X) returns one number per row (the caller picks predict, a probability or a margin). The grid is
    scikit-learn's _grid_from_X: the sorted unique values when categorical or when there are fewer than
    grid_resolution of them, else grid_resolution evenly spaced points between the percentiles, taken as scipy's
    mquantiles does (alphap = betap = 0.4). Where sklearn raises because the percentiles coincide (a column that
    is mostly one value), the grid spans the column's minimum to maximum instead; missing values are left out of
    the grid. Returns {"grid": list, "average": (g,), "ice": (r, g), "ice_rows": [row indices, ascending]}.
    """
    if hasattr(X, "iloc"):
        raise ValueError("pass X as a numpy array (X.to_numpy()) and predict as a function of such arrays")
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError("X must be a 2-D array with at least one row")
    feature = int(feature)
    if not 0 <= feature < X.shape[1]:
        raise ValueError("feature %d is not a column of X (0..%d)" % (feature, X.shape[1] - 1))
    grid = _grid(X[:, feature], categorical, int(grid_resolution), percentiles)
    n = X.shape[0]
    if n <= ice_rows:
        rows = np.arange(n)
    else:
        rows = np.sort(np.random.default_rng(seed).choice(n, int(ice_rows), replace=False))
    X_eval = X.copy()
    average = np.empty(len(grid))
    ice = np.empty((len(rows), len(grid)))
    for g, value in enumerate(grid):
        X_eval[:, feature] = value
        pred = np.asarray(predict(X_eval), dtype=np.float64)
        if pred.ndim == 2 and pred.shape[1] == 1:
            pred = pred[:, 0]
        if pred.shape != (n,):
            raise ValueError("predict returned shape %s for %d rows: it must return one number per row "
                             "(for a classifier, e.g. lambda X: model.predict_proba(X)[:, 1])" % (pred.shape, n))
        average[g] = np.mean(pred, axis=0)
        ice[:, g] = pred[rows]
    return {"grid": grid.tolist(), "average": average, "ice": ice, "ice_rows": rows.tolist()}


def _grid(column, categorical, resolution, percentiles):
    lo, hi = percentiles
    if not 0 <= lo < hi <= 1:
        raise ValueError("percentiles must be two numbers 0 ≤ low < high ≤ 1, got %r" % (percentiles,))
    if resolution <= 1:
        raise ValueError("grid_resolution must be at least 2, got %d" % resolution)
    try:
        numeric = column.astype(np.float64)
    except (TypeError, ValueError):
        numeric = None
    if numeric is not None:
        keep = ~np.isnan(numeric)
        column, numeric = column[keep], numeric[keep]
        if not column.size:
            raise ValueError("the column has no values to build a grid from (all missing)")
    uniques = np.unique(column)
    if categorical or numeric is None or uniques.shape[0] < resolution:
        return uniques
    low, high = _mquantiles(numeric, (lo, hi))
    if np.allclose(low, high):
        low, high = numeric.min(), numeric.max()
    return np.linspace(low, high, num=resolution, endpoint=True)


def _mquantiles(values, probs, alphap=0.4, betap=0.4):
    """scipy.stats.mstats.mquantiles with its defaults (Cunnane's plotting positions), the same arithmetic."""
    x = np.sort(values)
    n = len(x)
    p = np.array(probs, dtype=np.float64)
    if n == 1:
        return np.resize(x, p.shape)
    m = alphap + p * (1.0 - alphap - betap)
    aleph = n * p + m
    k = np.floor(aleph.clip(1, n - 1)).astype(int)
    gamma = (aleph - k).clip(0, 1)
    return (1.0 - gamma) * x[(k - 1).tolist()] + gamma * x[k.tolist()]


def _random_state(seed):
    """sklearn's check_random_state: None → numpy's global RandomState, an int → a new one, an instance → itself."""
    if seed is None:
        return np.random.mtrand._rand
    if isinstance(seed, np.random.RandomState):
        return seed
    return np.random.RandomState(seed)
