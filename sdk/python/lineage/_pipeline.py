"""scikit-learn Pipelines: the final estimator, the preprocessing before it, and which of the user's input
columns each preprocessed column came from, so attributions computed on the preprocessed columns (one-hot
internals, scaled copies) can be summed back into one value per input column.

The mapping is read from the fitted objects, never guessed: a ColumnTransformer's `output_indices_` (which
output slice each transformer wrote) and its column selections, a OneHotEncoder's categories (how many
columns each input became), and a fixed list of transformers known to work column by column. Anything else
(PCA, PolynomialFeatures, custom transformers) mixes inputs or is unknown, and `column_map` raises
Unmappable: the caller then explains the whole pipeline in the input space instead."""

# Transformers whose output column k depends on input column k only (when the counts agree).
ELEMENTWISE = frozenset((
    "StandardScaler", "MinMaxScaler", "MaxAbsScaler", "RobustScaler", "PowerTransformer", "QuantileTransformer",
    "OrdinalEncoder", "Binarizer"))


class Unmappable(Exception):
    pass


def split(model):
    """(preprocessing or None, final estimator, [class names of the steps]) of a scikit-learn Pipeline;
    (None, model, []) for anything else."""
    steps = getattr(model, "steps", None)
    if not isinstance(steps, list) or not steps or not hasattr(model, "named_steps"):
        return None, model, []
    names = [type(s).__name__ for _, s in steps]
    final = steps[-1][1]
    if final is None or final == "passthrough":
        return None, model, names
    active = [s for _, s in steps[:-1] if s is not None and s != "passthrough"]
    prep = model[:-1] if active else None
    return prep, final, names


def _n_out(trans, n_in):
    names = _names_out(trans, None)
    if names is not None:
        return len(names)
    raise Unmappable("cannot tell how many columns %s makes" % type(trans).__name__)


def _names_out(trans, input_names):
    fn = getattr(trans, "get_feature_names_out", None)
    if fn is None:
        return None
    for args in ((input_names,), ()) if input_names is not None else ((),):
        try:
            return [str(n) for n in fn(*args)]
        except Exception:
            continue
    return None


def _onehot_counts(enc, n_in):
    counts = getattr(enc, "_n_features_outs", None)  # scikit-learn >= 1.1 (drop and infrequent included)
    if counts is None:
        drop = getattr(enc, "drop_idx_", None)
        counts = [len(c) - (0 if drop is None or drop[i] is None else 1) for i, c in enumerate(enc.categories_)]
    if len(counts) != n_in:
        raise Unmappable("OneHotEncoder has %d inputs, expected %d" % (len(counts), n_in))
    return [i for i, c in enumerate(counts) for _ in range(int(c))]


def _resolve_columns(cols, n_in, input_names):
    import numpy as np
    if callable(cols):
        raise Unmappable("a callable column selection")
    if isinstance(cols, slice):
        if cols.start is None or isinstance(cols.start, int):
            return list(range(n_in))[cols]
        if input_names is None:
            raise Unmappable("a slice of column names without names")
        a, b = input_names.index(cols.start), input_names.index(cols.stop)
        return list(range(a, b + 1))  # name slices include their end, as in pandas .loc
    if isinstance(cols, (str, int, np.integer)):
        cols = [cols]
    cols = list(cols)
    if cols and all(isinstance(c, (bool, np.bool_)) for c in cols):
        return [i for i, keep in enumerate(cols) if keep]
    out = []
    for c in cols:
        if isinstance(c, (int, np.integer)):
            out.append(int(c) % n_in)
        elif input_names is not None and str(c) in input_names:
            out.append(input_names.index(str(c)))
        else:
            raise Unmappable("column %r is not an input column" % (c,))
    return out


def column_map(trans, n_in, input_names=None):
    """For each output column of the fitted transformer `trans` (given n_in input columns): the index of the
    one input column it was made from. Raises Unmappable when an output column depends on several inputs or
    the transformer is not known."""
    if trans is None or (isinstance(trans, str) and trans == "passthrough"):
        return list(range(n_in))
    name = type(trans).__name__
    if name == "Pipeline":
        current = list(range(n_in))
        names = input_names
        for _, step in trans.steps:
            if step is None or (isinstance(step, str) and step == "passthrough"):
                continue
            local = column_map(step, len(current), names)
            current = [current[k] for k in local]
            names = None
        return current
    if name == "ColumnTransformer":
        return _column_transformer_map(trans, n_in, input_names)
    if name == "OneHotEncoder":
        return _onehot_counts(trans, n_in)
    if name == "SimpleImputer" or name == "KNNImputer":
        stats = getattr(trans, "statistics_", None)
        if getattr(trans, "add_indicator", False):
            raise Unmappable("an imputer with add_indicator")
        if stats is not None and len(stats) == n_in and _n_out(trans, n_in) == n_in:
            return list(range(n_in))
        raise Unmappable("an imputer that dropped columns")
    if name in ELEMENTWISE and _n_out(trans, n_in) == n_in:
        return list(range(n_in))
    raise Unmappable("%s may mix input columns" % name)


def _column_transformer_map(ct, n_in, input_names):
    slices = getattr(ct, "output_indices_", None)
    if slices is None:
        raise Unmappable("a ColumnTransformer without output_indices_ (scikit-learn < 1.0)")
    n_total = max([s.stop for s in slices.values()] + [0])
    out = [None] * n_total
    known = getattr(ct, "_transformer_to_input_indices", None) or {}
    for tname, trans, cols in ct.transformers_:
        sl = slices.get(tname)
        if sl is None or sl.stop <= sl.start:
            continue  # dropped, or selected no column
        if tname in known:
            idx = list(known[tname])
        else:
            idx = _resolve_columns(cols, n_in, input_names)
        local = column_map(trans, len(idx), [input_names[i] for i in idx] if input_names else None)
        if len(local) != sl.stop - sl.start:
            raise Unmappable("transformer %r made %d columns, expected %d" % (tname, sl.stop - sl.start,
                                                                             len(local)))
        for k, j in enumerate(local):
            out[sl.start + k] = idx[j]
    if any(v is None for v in out):
        raise Unmappable("some ColumnTransformer outputs have no source column")
    return out


def output_names(prep, input_names, n_out):
    names = _names_out(prep, list(input_names))
    if names is None or len(names) != n_out:
        names = ["z%d" % k for k in range(n_out)]
    return names


def transform(prep, X):
    """The preprocessed rows as a dense float64 array."""
    import numpy as np
    Z = prep.transform(X) if prep is not None else X
    if hasattr(Z, "toarray"):  # scipy sparse (a OneHotEncoder's default output)
        Z = Z.toarray()
    return np.asarray(Z, dtype=float)


def grouping_matrix(mapping, m):
    """G (n_out × m) with G[k, mapping[k]] = 1: Z-space attributions @ G are the input-space ones."""
    import numpy as np
    G = np.zeros((len(mapping), m))
    G[np.arange(len(mapping)), mapping] = 1.0
    return G
