"""Exact attributions for linear models: anything with `coef_` and `intercept_` whose output is
intercept + coef · z (LinearRegression, Ridge, Lasso, ElasticNet, SGDRegressor, and binary LogisticRegression,
LinearSVC, SGDClassifier in their decision function).

The interventional Shapley values against a background with column means μ are φ_j = coef_j · (z_j − μ_j) and
the base value is f(μ) = intercept + coef · μ: with v(S) = E_b[f(z_S, b_S̄)] every feature enters f alone, so
its marginal contribution is the same in every coalition. Exact, O(n·m). For LogisticRegression the output is
the log-odds of classes_[1] (link "logit": the probability a person sees is its logistic)."""

_LOGIT_MODELS = ("LogisticRegression", "LogisticRegressionCV")


def coefficients(model):
    """(coef as a 1-D float array, intercept float) when the model is linear with a single output, else None."""
    import numpy as np
    coef = getattr(model, "coef_", None)
    intercept = getattr(model, "intercept_", None)
    if coef is None or intercept is None or not hasattr(model, "predict"):
        return None
    try:
        coef = np.asarray(coef, dtype=float)
        intercept = np.asarray(intercept, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        return None
    if coef.ndim == 2 and coef.shape[0] == 1:
        coef = coef[0]
    if coef.ndim != 1 or intercept.size != 1:
        return None  # multi-output or multiclass: one set of values per output, not one
    if getattr(model, "_estimator_type", None) == "classifier" and len(getattr(model, "classes_", ())) != 2:
        return None
    return coef, float(intercept[0])


def task_of(model):
    """(task, link, positive_class) of a linear model's explained output."""
    if getattr(model, "_estimator_type", None) != "classifier":
        return "regression", "identity", None
    positive = model.classes_[1]
    name = type(model).__name__
    loss = str(getattr(model, "loss", ""))
    logit = name in _LOGIT_MODELS or (name == "SGDClassifier" and loss in ("log", "log_loss"))
    return "binary", "logit" if logit else "identity", positive


def model_output(model, Z):
    """The model's own output in the explained space: decision_function for classifiers, predict otherwise."""
    import numpy as np
    if getattr(model, "_estimator_type", None) == "classifier":
        return np.asarray(model.decision_function(Z), dtype=float).reshape(-1)
    return np.asarray(model.predict(Z), dtype=float).reshape(-1)


def explain(model, Z, background_Z):
    """Exact interventional attributions of the rows Z (n × m, the model's own input columns) against the
    background rows (b × m). Returns the dict shape every explainer returns."""
    import numpy as np
    found = coefficients(model)
    if found is None:
        raise ValueError("%s is not a single-output linear model (needs coef_ of one row and one intercept_)"
                         % type(model).__name__)
    coef, intercept = found
    if Z.shape[1] != coef.size:
        raise ValueError("the model has %d coefficients but its input has %d columns" % (coef.size, Z.shape[1]))
    mean = np.asarray(background_Z, dtype=float).mean(axis=0)
    values = (Z - mean) * coef
    base = intercept + float(coef @ mean)
    task, link, positive = task_of(model)
    return {"values": values, "base": np.full(Z.shape[0], base), "output": model_output(model, Z),
            "task": task, "link": link, "positive_class": positive,
            "algorithm": "exact interventional linear SHAP: coef_j · (z_j − mean_j) over the background rows; "
                         "O(n·m)"}
