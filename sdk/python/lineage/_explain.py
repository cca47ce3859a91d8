"""lineage.explain(...) and lineage.log_explanation(...) (issue 12): attributions for the user's input
columns, logged with the active run as docs/explanations-format.md describes (_explain_store writes it).

Which explainer `explain` uses (method="auto"):
  1. A scikit-learn Pipeline is split into its preprocessing and its final estimator (_pipeline).
  2. A linear final estimator (coef_/intercept_, one output): exact interventional linear SHAP on the
     preprocessed columns (_linear), log-odds for LogisticRegression.
  3. A tree model _treeshap supports: exact path-dependent TreeSHAP on the preprocessed columns.
  4. Anything else, or a preprocessing whose columns cannot be traced back to one input each: Kernel SHAP
     (_kernelshap) on the whole model in the user's input space, against a k-means background of <= 100
     rows. For a binary classifier it explains the log-odds of the positive class, logit(predict_proba)
     with the probability clipped to [1e-9, 1 - 1e-9] (link "logit"; the decision function, link
     "identity", when there is no predict_proba), so the output space is the same as for the exact methods.
  In 2 and 3 the values of the preprocessed columns made from one input column are summed (one-hot
  internals become one "location" value); the sums still add up to each prediction.

Without an active run both functions warn once (as every lineage.log_* call does), compute, and return the
result anyway, so a notebook can explain without tracking. numpy is imported inside the calls only:
`import lineage` stays cheap."""
import math
import sys

from . import _state

_CLIP = 1e-9
_LINEAR_BACKGROUND_CAP = 10000  # rows of a linear model's background kept (and stored for the scorer)


class Explanation(object):
    """What explain() and log_explanation() return: the arrays (attribute names as in shap.Explanation, so
    the result can be passed to log_explanation again) and the manifest's summary fields. `get(key)` and
    `result[key]` read the same fields, as from a dict."""

    def __init__(self, values, base_values, data, feature_names, output, manifest, stderr=None, path=None):
        self.values = values
        self.base_values = base_values
        self.data = data
        self.feature_names = feature_names
        self.output = output
        self.stderr = stderr
        self.manifest = manifest
        self.path = path  # the explanation's folder, or None when no run recorded it

    def __getattr__(self, key):
        manifest = self.__dict__.get("manifest") or {}
        if key in manifest:
            return manifest[key]
        raise AttributeError(key)

    def get(self, key, default=None):
        try:
            return getattr(self, key)
        except AttributeError:
            return default

    def __getitem__(self, key):
        try:
            return getattr(self, key)
        except AttributeError:
            raise KeyError(key) from None

    def __repr__(self):
        m = self.manifest
        return "<lineage Explanation %r: %s, %d rows × %d features, additivity error %.3g>" % (
            m.get("name"), m.get("method"), m.get("rows", 0), len(m.get("features", ())),
            m.get("additivity_error") or 0.0)


def explain(model, X, y=None, feature_names=None, background=None, method="auto", max_rows=None, name="default",
            seed=0, categorical=None, units=None, pdp_features=5, permutation=True, output_name=None,
            subject=None):
    """Computes attributions of `model` for the rows of X (sampled down to max_rows with `seed`) and logs them
    with the active run under explanations/<name>/. Returns an Explanation.

    max_rows: by default 2,000 rows for the exact methods (linear, trees: milliseconds) and 500 for Kernel
    SHAP (thousands of model calls a row: 500 rows of a 20-feature model take minutes); a number applies to
    every method.

    X: a numpy array (float, or object with text columns) or a pandas DataFrame (its columns name the
    features), in the form the model takes. background: rows the "average" prediction is taken over (linear:
    their column means; Kernel SHAP: summarised to <= 100 k-means rows); by default X itself.
    method: "auto", "linear", "tree" or "kernel". categorical: names or indices of columns to treat as
    categories besides the text ones. units: {feature: "m²"} for reports (the output's name too, e.g.
    {"price": "EUR"}); subject: what one row is, in the report's sentences ("house", "applicant"). With y (and permutation=True) the
    model's permutation importance is logged too (its own `score`), and partial dependence / ICE curves for the
    `pdp_features` features with the largest mean |attribution|."""
    import numpy as np
    from . import _explain_store
    run = _state.run_or_warn()
    name = _explain_store.check_name(name)
    if method not in ("auto", "linear", "tree", "kernel"):
        raise ValueError("lineage.explain: method must be 'auto', 'linear', 'tree' or 'kernel', got %r" % (method,))
    if not hasattr(model, "predict"):
        raise TypeError("lineage.explain: the model needs a predict method (got %s); for attributions computed "
                        "elsewhere use lineage.log_explanation" % type(model).__name__)
    inputs = Inputs(X, feature_names, categorical, background)
    n_total = inputs.n
    sampled = False
    rows = np.arange(n_total)
    limit = DEFAULT_ROWS if max_rows is None else int(max_rows)
    if limit < 1:
        raise ValueError("lineage.explain: max_rows must be at least 1")
    if n_total > limit:
        rows = np.sort(np.random.default_rng(seed).choice(n_total, size=limit, replace=False))
        sampled = True
    raw = inputs.raw[rows]
    y_all = _target_array(y, n_total)
    y_rows = None if y_all is None else y_all[rows]

    res, extra = _attributions(model, inputs, raw, method, seed,
                               kernel_rows=KERNEL_DEFAULT_ROWS if max_rows is None else None)
    if extra.get("keep") is not None:  # Kernel SHAP took fewer rows than the exact methods would
        keep = extra["keep"]
        rows, raw, sampled = rows[keep], raw[keep], True
        y_rows = None if y_rows is None else y_rows[keep]
    values, base, output = res["values"], np.asarray(res["base"], float), np.asarray(res["output"], float)
    _check_finite(values, inputs.features, "attributions")
    gaps = np.abs(base + values.sum(axis=1) - output)
    manifest = {
        "method": extra["method"], "exact": bool(res.get("exact", extra["method"] != "kernel")),
        "algorithm": res.get("algorithm"), "model_type": type(extra["final"]).__name__,
        "pipeline": extra["steps"], "task": res["task"], "positive_class": _plain_label(res["positive_class"]),
        "link": res["link"],
        "output_name": str(output_name if output_name is not None else getattr(y, "name", None) or "prediction"),
        "rows": int(len(rows)), "total_rows": int(n_total),
        "features": inputs.features, "feature_kinds": inputs.kinds, "categories": inputs.categories,
        "feature_ranges": inputs.ranges, "units": _units(units, inputs.features, output_name, y),
        "subject": None if subject is None else str(subject),
        "grouped_from": extra["grouped_from"], "base_value": float(base.mean()),
        "additivity_error": float(gaps.max()), "output_scale": float(np.abs(output).max()),
        "background_rows": extra.get("background_rows"), "samples_per_row": res.get("samples_per_row"),
        "row_ids": [int(r) for r in rows] if sampled else None,
        "python": _python(),
    }
    arrays = {"values": values, "data": inputs.encode(raw), "base": base, "output": output,
              "stderr": res.get("stderr") if extra["method"] == "kernel" else None,
              "background": extra.get("background"), "background_weights": extra.get("background_weights")}
    used_seed = sampled or extra["method"] == "kernel"
    predict = _output_fn(model, extra["output_kind"])
    if y_rows is not None:
        arrays["target"] = _target_values(y_rows, res["task"], res["positive_class"])
        if permutation:
            # The extras never cost the script its attributions: a failure is a warning, not an exception.
            try:
                manifest["permutation_importance"] = _permutation(model, inputs, raw, y_rows, seed)
                used_seed = True
            except Exception as e:
                _state.warn("permutation importance was skipped (%s: %s); the attributions are logged"
                            % (type(e).__name__, e))
    if pdp_features and pdp_features > 0:
        order = np.argsort(-np.abs(values).mean(axis=0), kind="stable")[:int(pdp_features)]
        try:
            pdp, ice = _partial_dependence(predict, inputs, raw, order, seed)
            manifest["partial_dependence"] = pdp
            arrays["ice"] = ice
            used_seed = used_seed or ice is not None
        except Exception as e:
            _state.warn("partial dependence was skipped (%s: %s); the attributions are logged"
                        % (type(e).__name__, e))
    manifest["seed"] = int(seed) if used_seed else None
    model_bytes = _model_bytes(model)
    manifest["model"] = None if model_bytes is None else {
        "file": "model.pkl", "flavor": _flavor(extra["final"]), "input": inputs.kind}
    written = _explain_store.log(name, manifest, arrays, model_bytes) if run is not None else None
    if written is None:
        written = dict(manifest, name=name, format=_explain_store.FORMAT)
    folder = None if run is None else "%s/explanations/%s" % (run.dir, name)
    return Explanation(values, base, arrays["data"], list(inputs.features), output, written,
                       arrays.get("stderr"), folder)


DEFAULT_ROWS = 2000
KERNEL_DEFAULT_ROWS = 500


def _attributions(model, inputs, raw, method, seed, kernel_rows=None):
    """(explainer result, details) for the rows `raw` (user input space), dispatched as the module says."""
    from . import _linear, _pipeline
    prep, final, steps = _pipeline.split(model)
    extra = {"final": final, "steps": steps, "grouped_from": {}}
    exact_kind = None
    if method in ("auto", "linear") and _linear.coefficients(final) is not None:
        exact_kind = "linear"
    elif method in ("auto", "tree") and tree_supports(final):
        exact_kind = "tree"
    elif method in ("linear", "tree"):
        raise ValueError("lineage.explain: method=%r does not fit %s; use method='auto' (Kernel SHAP for any "
                         "model)" % (method, type(final).__name__))
    mapping = None
    if exact_kind is not None:
        try:
            mapping = column_mapping(prep, inputs)
        except _pipeline.Unmappable as e:
            if method != "auto":
                raise ValueError("lineage.explain: cannot trace the pipeline's columns back to the input columns "
                                 "(%s); use method='kernel'" % e) from None
            _state.warn("explaining %s with Kernel SHAP on its input columns: %s" % (type(model).__name__, e))
            exact_kind = None
    if exact_kind is None:
        return _kernel(model, inputs, raw, seed, extra, kernel_rows)
    Z = _pipeline.transform(prep, inputs.to_model(raw))
    if Z.shape[1] != len(mapping):
        raise ValueError("lineage.explain: the preprocessing made %d columns, expected %d" % (Z.shape[1],
                                                                                             len(mapping)))
    if exact_kind == "linear":
        bg = _linear_background(inputs, raw, seed)
        res = _linear.explain(final, Z, _pipeline.transform(prep, inputs.to_model(bg)))
        extra.update(method="linear_interventional", background=inputs.encode(bg), background_rows=len(bg),
                     output_kind="decision" if res["task"] == "binary" else "predict")
    else:
        res = tree_explain(final, Z)
        kind = "predict"
        if res["task"] == "binary":
            kind = ("decision" if hasattr(model, "decision_function") else "logit_proba") if res["link"] == "logit" \
                else "proba"
        extra.update(method="tree_path_dependent", output_kind=kind)
    res = dict(res, exact=True)
    if prep is not None:
        import numpy as np
        res["values"] = np.asarray(res["values"], float) @ _pipeline.grouping_matrix(mapping, len(inputs.features))
        names = _pipeline.output_names(prep, inputs.features, len(mapping))
        extra["grouped_from"] = {f: [names[k] for k, j in enumerate(mapping) if j == i]
                                 for i, f in enumerate(inputs.features)}
        res["algorithm"] = "%s; computed on the pipeline's %d preprocessed columns and summed per input column" % (
            res.get("algorithm") or "", len(mapping))
    return res, extra


def column_mapping(prep, inputs):
    """The input column of each column the final estimator sees (identity without preprocessing)."""
    from . import _pipeline
    m = len(inputs.features)
    if prep is None:
        if any(k == "categorical" for k in inputs.kinds) and inputs.kind != "ndarray":
            raise _pipeline.Unmappable("text columns reach the model without preprocessing")
        return list(range(m))
    names = [str(c) for c in inputs.columns] if inputs.columns is not None else list(inputs.features)
    return _pipeline.column_map(prep, m, names)


def tree_supports(final):
    from . import _treeshap
    return bool(_treeshap.supports(final))


def tree_explain(final, Z):
    from . import _treeshap
    return _treeshap.explain(final, Z)


def _linear_background(inputs, raw, seed):
    import numpy as np
    bg = inputs.background_raw if inputs.background_raw is not None else raw
    if len(bg) > _LINEAR_BACKGROUND_CAP:  # the means of 10,000 sampled rows; stored so the scorer uses the same
        keep = np.sort(np.random.default_rng(seed).choice(len(bg), _LINEAR_BACKGROUND_CAP, replace=False))
        bg = bg[keep]
    return bg


def _kernel(model, inputs, raw, seed, extra, max_rows=None):
    import numpy as np
    from . import _kernelshap
    if max_rows is not None and len(raw) > max_rows:
        keep = np.sort(np.random.default_rng(seed + 1).choice(len(raw), size=max_rows, replace=False))
        sys.stderr.write("lineage.explain: Kernel SHAP explains %d of these %d rows by default (each costs thousands "
                         "of model calls); pass max_rows=%d to explain them all\n" % (max_rows, len(raw), len(raw)))
        raw, extra["keep"] = raw[keep], keep
    task, link, positive, kind = kernel_task(model)
    source = inputs.background_raw if inputs.background_raw is not None else inputs.raw
    B, w = _kernelshap.summarize_background(source, k=100, seed=seed)
    f = _output_fn(model, kind, inputs.to_model)
    res = _kernelshap.explain(f, raw, B, weights=w, seed=seed, progress=_Progress("Kernel SHAP"))
    res = dict(res, task=task, link=link, positive_class=positive)
    extra.update(method="kernel", background=inputs.encode(B), background_weights=w, background_rows=len(B),
                 output_kind=kind, grouped_from={})
    return res, extra


class _Progress(object):
    """Kernel SHAP may take minutes (2,000 rows × 20 features: thousands of model calls a row), so it says how
    far it got and about how long is left, on stderr, at most every 5 s and only once it has run for 5 s."""

    def __init__(self, what, every=5.0, clock=None):
        import time
        self.what, self.every, self.clock = what, every, clock or time.monotonic
        self.start = self.clock()
        self.last = self.start
        self.said = False

    def __call__(self, done, total):
        t = self.clock()
        if done < total and t - self.last < self.every:
            return
        if done >= total and not self.said:
            return  # quick enough to need no word
        self.last, self.said = t, True
        spent = t - self.start
        left = spent / done * (total - done) if done else float("inf")
        tail = "done in %s" % _duration(spent) if done >= total else "about %s left" % _duration(left)
        sys.stderr.write("lineage.explain: %s, %d of %d rows (%d%%), %s\n" % (
            self.what, done, total, 100 * done // total, tail))
        sys.stderr.flush()


def _duration(seconds):
    if seconds < 90:
        return "%d s" % max(1, round(seconds))
    if seconds < 5400:
        return "%d min" % round(seconds / 60)
    return "%.1f h" % (seconds / 3600)


def kernel_task(model):
    """(task, link, positive_class, output kind) of a whole model explained by Kernel SHAP."""
    if getattr(model, "_estimator_type", None) != "classifier":
        return "regression", "identity", None, "predict"
    classes = list(getattr(model, "classes_", ()))
    if len(classes) != 2:
        raise ValueError("lineage.explain: %s has %d classes; only regression and binary classification are "
                         "explained (explain one class's probability with a wrapper model)"
                         % (type(model).__name__, len(classes)))
    if hasattr(model, "predict_proba"):
        return "binary", "logit", classes[1], "logit_proba"
    return "binary", "identity", classes[1], "decision"


def _output_fn(model, kind, to_model=None):
    """f(rows) -> the model's output in the explained space, one float per row. kind: "predict",
    "decision" (decision_function), "proba" (predict_proba of classes_[1]) or "logit_proba" (its log-odds)."""
    import numpy as np
    convert = to_model or (lambda rows: rows)

    def f(rows):
        Xm = convert(rows)
        if kind == "predict":
            out = model.predict(Xm)
        elif kind == "decision":
            out = model.decision_function(Xm)
        else:
            p = np.asarray(model.predict_proba(Xm), dtype=float)[:, 1]
            if kind == "proba":
                out = p
            else:
                p = np.clip(p, _CLIP, 1 - _CLIP)
                out = np.log(p) - np.log1p(-p)
        return np.asarray(out, dtype=float).reshape(-1)
    return f


def output_kind(manifest, model):
    """The output function a stored explanation used (the scorer asks; the rule is the one explain() applies)."""
    task, link, method = manifest.get("task"), manifest.get("link"), manifest.get("method")
    if task != "binary":
        return "predict"
    if method == "kernel":
        return "logit_proba" if link == "logit" else "decision"
    if method == "linear_interventional":
        return "decision"
    if link == "logit":
        return "decision" if hasattr(model, "decision_function") else "logit_proba"
    return "proba"


def _permutation(model, inputs, raw, y_rows, seed):
    import numpy as np
    from . import _inspect
    if hasattr(model, "score"):
        def score(Xr, yr):
            return float(model.score(inputs.to_model(Xr), yr))
        scoring = "accuracy" if getattr(model, "_estimator_type", None) == "classifier" else "r2"
    else:
        predict = _output_fn(model, "predict", inputs.to_model)

        def score(Xr, yr):
            yr = np.asarray(yr, dtype=float)
            resid = ((yr - predict(Xr)) ** 2).sum()
            total = ((yr - yr.mean()) ** 2).sum()
            return float(1 - resid / total) if total > 0 else 0.0
        scoring = "r2"
    known = _known_targets(y_rows)
    if known.sum() < 2:
        raise ValueError("fewer than 2 rows have a target")
    if not known.all():
        _state.warn("permutation importance uses the %d of %d rows whose target is known" % (known.sum(),
                                                                                              len(known)))
    pi = _inspect.permutation_importance(score, raw[known], np.asarray(y_rows)[known], n_repeats=5, seed=seed)
    return {"scoring": scoring, "n_repeats": int(pi.get("n_repeats", 5)), "seed": pi.get("seed", seed),
            "mean": [float(v) for v in pi["mean"]], "std": [float(v) for v in pi["std"]]}


def _partial_dependence(predict, inputs, raw, order, seed):
    """([{feature, grid, average, ice_index}], ice array k × g × r or None) for the features in `order`.
    Grids differ in length between features; ice.f64's g is the longest, shorter slabs are NaN past theirs."""
    import numpy as np
    from . import _inspect

    def f(rows):
        return predict(inputs.to_model(rows))
    entries, slabs = [], []
    for j in order:
        j = int(j)
        cat = inputs.kinds[j] == "categorical"
        pd = _inspect.partial_dependence(f, raw, j, grid_resolution=20, seed=seed, categorical=cat)
        grid = list(pd["grid"])
        if cat:
            grid = [float(inputs.code(j, g)) for g in grid]
        else:
            grid = [float(g) for g in grid]
        entry = {"feature": inputs.features[j], "grid": grid, "average": [float(a) for a in pd["average"]]}
        ice = pd.get("ice")
        if ice is not None and np.size(ice):
            ice = np.asarray(ice, dtype=float).T  # r × g from _inspect; the file holds g × r per feature
            entry["ice_index"] = len(slabs)
            slabs.append(ice)
        entries.append(entry)
    if not slabs:
        return entries, None
    g = max(s.shape[0] for s in slabs)
    r = max(s.shape[1] for s in slabs)
    out = np.full((len(slabs), g, r), np.nan)
    for k, s in enumerate(slabs):
        out[k, :s.shape[0], :s.shape[1]] = s
    return entries, out


def log_explanation(values, base_values=None, data=None, feature_names=None, name="default", output=None,
                    method="external", exact=False, link="identity", task="regression", positive_class=None,
                    output_name="prediction", stderr=None, target=None, categories=None, units=None,
                    algorithm=None, row_ids=None):
    """Logs attributions computed elsewhere. `values` may be a shap.Explanation (or anything with .values,
    .base_values, .data, .feature_names), taken as it is; else values (n × m), base_values (n, or one number),
    data (n × m feature values; text columns become categories) and feature_names.

    output: the model's outputs f(x) (default: base + Σ values, so the additivity error only shows rounding).
    Refuses (ValueError) shapes that do not fit together and NaN or infinite attributions, naming the row and
    feature. Returns an Explanation."""
    import numpy as np
    from . import _explain_store
    run = _state.run_or_warn()
    name = _explain_store.check_name(name)
    if hasattr(values, "values") and hasattr(values, "base_values") and not isinstance(values, np.ndarray):
        shap_like = values
        values = shap_like.values
        base_values = shap_like.base_values if base_values is None else base_values
        data = getattr(shap_like, "data", None) if data is None else data
        if feature_names is None:
            feature_names = getattr(shap_like, "feature_names", None)
        if output is None and getattr(shap_like, "output", None) is not None:
            output = shap_like.output  # a lineage Explanation passed back in
    try:
        values = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ValueError("lineage.log_explanation: values must be numbers (n rows × m features)") from None
    if values.ndim == 1:
        values = values[None, :]
    if values.ndim != 2:
        raise ValueError("lineage.log_explanation: values must be 2-D (rows × features), got shape %s; for a "
                         "multi-output shap.Explanation pass one output, e.g. explanation[..., 1]"
                         % (values.shape,))
    n, m = values.shape
    if n == 0 or m == 0:
        raise ValueError("lineage.log_explanation: values has shape %s; it needs at least one row and feature"
                         % (values.shape,))
    _check_finite(values, feature_names, "values")
    if base_values is None:
        raise ValueError("lineage.log_explanation: base_values is missing (the model's average output)")
    base = np.asarray(base_values, dtype=float).reshape(-1)
    if base.size == 1:
        base = np.full(n, float(base[0]))
    if base.shape != (n,):
        raise ValueError("lineage.log_explanation: base_values has %d entries for %d rows" % (base.size, n))
    if not np.all(np.isfinite(base)):
        raise ValueError("lineage.log_explanation: base_values has NaN or infinite entries (row %d)"
                         % int(np.flatnonzero(~np.isfinite(base))[0]))
    if feature_names is None:
        feature_names = ["x%d" % j for j in range(m)]
    feature_names = [str(f) for f in feature_names]
    if len(feature_names) != m:
        raise ValueError("lineage.log_explanation: %d feature_names for %d columns of values" % (len(feature_names),
                                                                                              m))
    check_unique(feature_names)
    if data is None:
        data = np.full((n, m), np.nan)
    inputs = Inputs(data, feature_names, categories)
    if inputs.raw.shape != (n, m):
        raise ValueError("lineage.log_explanation: data has shape %s but values has %s" % (inputs.raw.shape,
                                                                                           values.shape))
    if output is None:
        out = base + values.sum(axis=1)
    else:
        out = np.asarray(output, dtype=float).reshape(-1)
        if out.shape != (n,):
            raise ValueError("lineage.log_explanation: output has %d entries for %d rows" % (out.size, n))
    if method not in ("external", "kernel", "tree_path_dependent", "linear_interventional"):
        raise ValueError("lineage.log_explanation: method must be 'external', 'kernel', 'tree_path_dependent' or "
                         "'linear_interventional', got %r" % (method,))
    if link not in ("identity", "logit") or task not in ("regression", "binary"):
        raise ValueError("lineage.log_explanation: link must be 'identity' or 'logit' and task 'regression' or "
                         "'binary'")
    gaps = np.abs(base + values.sum(axis=1) - out)
    manifest = {
        "method": method, "exact": bool(exact), "algorithm": algorithm or (
            "computed outside Lineage" + ("" if output is not None else "; output not given, taken as base + Σ "
                                          "values")),
        "model_type": None, "pipeline": [], "task": task, "positive_class": _plain_label(positive_class),
        "link": link, "output_name": str(output_name), "rows": n, "total_rows": n, "seed": None,
        "features": feature_names, "feature_kinds": inputs.kinds, "categories": inputs.categories,
        "feature_ranges": inputs.ranges, "units": _units(units, feature_names, output_name), "grouped_from": {},
        "base_value": float(base.mean()), "additivity_error": _finite_max(gaps),
        "output_scale": _finite_max(np.abs(out)), "background_rows": None, "samples_per_row": None,
        "row_ids": None if row_ids is None else [int(r) for r in row_ids], "model": None, "python": _python()}
    if manifest["row_ids"] is not None and len(manifest["row_ids"]) != n:
        raise ValueError("lineage.log_explanation: row_ids has %d entries for %d rows" % (len(row_ids), n))
    arrays = {"values": values, "data": inputs.encode(inputs.raw), "base": base, "output": out}
    if stderr is not None:
        arrays["stderr"] = np.asarray(stderr, dtype=float).reshape(n, m)
    if target is not None:
        arrays["target"] = _target_values(_target_array(target, n), task, positive_class)
    written = _explain_store.log(name, manifest, arrays) if run is not None else None
    if written is None:
        written = dict(manifest, name=name, format=_explain_store.FORMAT)
    folder = None if run is None else "%s/explanations/%s" % (run.dir, name)
    return Explanation(values, base, arrays["data"], feature_names, out, written, arrays.get("stderr"), folder)


# ---------------------------------------------------------------- small helpers

def _check_finite(values, names, what):
    import numpy as np
    bad = ~np.isfinite(values)
    if bad.any():
        i, j = (int(v) for v in np.argwhere(bad)[0])
        feature = names[j] if names is not None and j < len(names) else "column %d" % j
        raise ValueError("lineage: the %s hold %d NaN or infinite value(s), the first at row %d, feature %r; "
                         "fix the model's inputs (e.g. impute missing values) and explain again"
                         % (what, int(bad.sum()), i, str(feature)[:200]))


def _finite_max(a):
    v = float(a.max()) if a.size else 0.0
    return v if math.isfinite(v) else None


def _target_array(y, n):
    import numpy as np
    if y is None:
        return None
    arr = y.to_numpy() if hasattr(y, "to_numpy") else np.asarray(y)
    arr = arr.reshape(-1) if arr.ndim == 2 and 1 in arr.shape else arr
    if arr.ndim != 1 or len(arr) != n:
        raise ValueError("lineage.explain: y has shape %s but X has %d rows" % (arr.shape, n))
    return arr


def _known_targets(y_rows):
    """Which targets are known: not None and not NaN (a missing label must not fail the script's explain call)."""
    import numpy as np
    arr = np.asarray(y_rows)
    if arr.dtype.kind in "fc":
        return ~np.isnan(arr)
    return np.array([not (v is None or (isinstance(v, float) and math.isnan(v))) for v in arr.tolist()], bool)


def _target_values(y_rows, task, positive):
    """The true targets as numbers: the value for regression, 1.0 / 0.0 (is the positive class) for binary;
    NaN where the target is missing."""
    import numpy as np
    if task == "binary":
        known = _known_targets(y_rows)
        return np.array([(1.0 if v == positive else 0.0) if k else float("nan") for v, k in zip(y_rows, known)])
    try:
        return np.asarray(y_rows, dtype=float)
    except (TypeError, ValueError):
        _state.warn("the targets are not numbers, so they are not stored with the explanation")
        return None


def _plain_label(v):
    if hasattr(v, "item") and getattr(v, "shape", None) == ():
        v = v.item()
    if v is None or isinstance(v, (str, int, float)) and not isinstance(v, bool):
        return v
    return str(v)


def _units(units, features, output_name=None, y=None):
    """Units of the features and of the output (the report says "a price of 427,700 EUR")."""
    if not units:
        return {}
    if output_name is None:
        output_name = getattr(y, "name", None)
    named = set(features) | ({str(output_name)} if output_name is not None else set())
    return {str(k): str(v) for k, v in dict(units).items() if str(k) in named}


def _python():
    import sys
    return sys.executable


def _model_bytes(model):
    import pickle
    try:
        return pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as e:
        _state.warn("the model could not be pickled (%s: %s), so what-if cannot load it; the explanation is "
                    "logged without it" % (type(e).__name__, str(e)[:200]))
        return None


def _flavor(final):
    module = type(final).__module__.split(".")[0]
    return {"sklearn": "sklearn", "xgboost": "xgboost", "lightgbm": "lightgbm"}.get(module, "pickle")


# ---------------------------------------------------------------- the user's rows
# The rows as explain() receives them (a numpy array of floats or objects, or a pandas DataFrame), turned
# into what the explanation stores (float64, categories as codes) and back into what the model takes (the same
# kind of array or frame), so the panel, Kernel SHAP and the what-if scorer feed the model rows built the same
# way. A column is categorical when it holds text (str/bytes) or is named in `categorical`; its categories are
# kept as sorted text, each code standing for the first original value with that text. pandas is never
# imported unless X is a DataFrame.

INPUT_KINDS = ("ndarray", "ndarray-object", "dataframe")


def is_frame(X):
    return hasattr(X, "columns") and hasattr(X, "iloc") and hasattr(X, "dtypes")


def as_rows(X, what="X"):
    """(object-or-float 2-D numpy array, model input kind, column labels or None, dtypes or None)."""
    import numpy as np
    if is_frame(X):
        return X.to_numpy(dtype=object), "dataframe", list(X.columns), list(X.dtypes)
    if isinstance(X, (list, tuple)):
        arr = np.asarray(X)
        if arr.dtype.kind in "USO":
            arr = np.asarray(X, dtype=object)  # mixed lists must not turn their numbers into text
    else:
        arr = np.asarray(X)
    if arr.ndim != 2:
        raise ValueError("lineage.explain: %s must be 2-D (rows × features), got %d dimension(s); for one row "
                         "use X.reshape(1, -1)" % (what, arr.ndim))
    if arr.dtype.kind in "fiub":
        return arr.astype(float), "ndarray", None, None
    return arr.astype(object), "ndarray-object", None, None


def _is_text_column(col):
    for v in col:
        if isinstance(v, (str, bytes)):
            return True
    return False


class Inputs(object):
    """Names, kinds, categories and ranges of the input columns, built from X and the background together."""

    def __init__(self, X, feature_names=None, categorical=None, background=None):
        import numpy as np
        self.raw, self.kind, self.columns, self.dtypes = as_rows(X)
        n, m = self.raw.shape
        if n == 0 or m == 0:
            raise ValueError("lineage.explain: X has %d rows and %d columns; give at least one of each" % (n, m))
        if feature_names is None:
            names = [str(c) for c in self.columns] if self.columns is not None else ["x%d" % j for j in range(m)]
        else:
            names = [str(f) for f in feature_names]
            if len(names) != m:
                raise ValueError("lineage.explain: %d feature_names for %d columns of X" % (len(names), m))
        check_unique(names)
        self.features = names
        self.background_raw = None
        if background is not None:
            bg, _, _, _ = as_rows(background, "background")
            if bg.shape[1] != m:
                raise ValueError("lineage.explain: the background has %d columns but X has %d: use rows of the "
                                 "same features" % (bg.shape[1], m))
            if bg.shape[0] == 0:
                raise ValueError("lineage.explain: the background has no rows")
            self.background_raw = bg
        forced = _column_set(categorical, names)
        both = self.raw if self.background_raw is None else np.concatenate([self.raw, self.background_raw.astype(
            self.raw.dtype)])
        self.kinds, self.categories, self.ranges = [], {}, {}
        self._codes = {}   # j -> {text: code}
        self._values = {}  # j -> [original value per code]
        for j in range(m):
            col = both[:, j]
            if j in forced or (self.raw.dtype == object and _is_text_column(col)):
                values = {}
                for v in col:
                    t = _text(v)
                    if t not in values:
                        values[t] = v
                order = sorted(values)
                self.kinds.append("categorical")
                self.categories[names[j]] = order
                self._codes[j] = {t: k for k, t in enumerate(order)}
                self._values[j] = [values[t] for t in order]
            else:
                self.kinds.append("numeric")
                try:
                    f = col.astype(float)
                except (TypeError, ValueError):
                    raise ValueError("lineage.explain: column %r mixes numbers with values that are not numbers; "
                                     "pass it in categorical=[...]" % names[j]) from None
                f = f[np.isfinite(f)]
                if f.size:
                    self.ranges[names[j]] = [float(f.min()), float(f.max())]

    @property
    def n(self):
        return self.raw.shape[0]

    def encode(self, rows):
        """float64 (k × m): numbers as they are, categories as codes (NaN for a category never seen)."""
        import numpy as np
        out = np.empty(rows.shape, dtype=float)
        for j in range(rows.shape[1]):
            if j in self._codes:
                codes = self._codes[j]
                out[:, j] = [codes.get(_text(v), np.nan) for v in rows[:, j]]
            else:
                out[:, j] = rows[:, j].astype(float)
        return out

    def code(self, j, value):
        """The code of one category value of column j (NaN when it was never seen)."""
        return self._codes[j].get(_text(value), float("nan"))

    def decode(self, codes):
        """The rows (object or float array) that `encode` turned into `codes`."""
        import numpy as np
        if self.kind == "ndarray":
            out = np.array(codes, dtype=float)
            for j, values in self._values.items():
                out[:, j] = [float(values[int(c)]) for c in codes[:, j]]
            return out
        out = np.empty(codes.shape, dtype=object)
        for j in range(codes.shape[1]):
            if j in self._values:
                values = self._values[j]
                out[:, j] = [values[int(c)] for c in codes[:, j]]
            else:
                out[:, j] = codes[:, j].astype(float)
        return out

    def to_model(self, rows):
        return to_model(rows, self.kind, self.columns, self.dtypes)


def to_model(rows, kind, columns=None, dtypes=None):
    """Rows (k × m, in feature order) in the form the model was given: a float array, an object array, or a
    pandas DataFrame with the original columns (and their dtypes where they convert)."""
    import numpy as np
    if kind == "ndarray":
        return np.asarray(rows, dtype=float)
    if kind == "dataframe":
        import pandas as pd
        frame = pd.DataFrame(np.asarray(rows, dtype=object), columns=columns)
        if dtypes is not None:
            for c, dt in zip(frame.columns, dtypes):
                try:
                    frame[c] = frame[c].astype(dt)
                except (TypeError, ValueError):
                    pass
        else:
            frame = frame.infer_objects()
        return frame
    return np.asarray(rows, dtype=object)


def _text(v):
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if hasattr(v, "item") and getattr(v, "shape", None) == ():
        v = v.item()
    return str(v)


def check_unique(names):
    seen = set()
    for f in names:
        if f in seen:
            raise ValueError("lineage: feature names must be unique; %r appears more than once" % f[:200])
        seen.add(f)


def _column_set(spec, names):
    """Indices named by `categorical`: names, indices, or a boolean mask."""
    if spec is None:
        return set()
    if isinstance(spec, (str, int)):
        spec = [spec]
    spec = list(spec)
    if spec and all(isinstance(s, bool) for s in spec):
        if len(spec) != len(names):
            raise ValueError("lineage.explain: categorical mask has %d entries for %d features" % (len(spec),
                                                                                                  len(names)))
        return {j for j, s in enumerate(spec) if s}
    out = set()
    for s in spec:
        if isinstance(s, str):
            if s not in names:
                raise ValueError("lineage.explain: categorical feature %r is not one of the features %s"
                                 % (s[:200], names[:20]))
            out.add(names.index(s))
        else:
            j = int(s)
            if not -len(names) <= j < len(names):
                raise ValueError("lineage.explain: categorical column %d is out of range" % j)
            out.add(j % len(names))
    return out
