"""The what-if scorer: `python -m lineage.serve <run folder> [--name default]` (docs/explanations-format.md,
"The scorer").

It loads the run's explanation (manifest, model.pkl, and the background for linear and Kernel SHAP models),
prints {"ready":true,"features":[…],"task":…} and answers one JSON request per stdin line with one JSON line on
stdout: `explain` recomputes a row's attributions with the method the explanation used (linear and TreeSHAP
exactly; Kernel SHAP with the same background, budget and seed), summed per input column as explain() does;
`counterfactual` searches the smallest change that moves the prediction past a target (_counterfactual);
`quit` exits 0. A bad request gets {"id":…,"error":…} and the scorer goes on. When the explanation cannot be
loaded it prints {"ready":false,"error":…} and exits 2.

stdout carries the protocol lines only: file descriptor 1 is pointed at stderr at start (so a model's prints,
warnings or native libraries' chatter go there) and the replies go to a private copy of the original stdout.
The scorer runs the run's own pickled model, so the extension starts it only in a trusted workspace."""
import json
import math
import os
import sys

MAX_LINE = 1 << 20


class RequestError(ValueError):
    pass


class Scorer(object):
    def __init__(self, run_dir, name="default"):
        import pickle
        from . import _explain, _explain_store, _pipeline
        name = _explain_store.check_name(name)
        self.folder = os.path.join(run_dir, "explanations", name)
        m = self.manifest = _explain_store.load_manifest(self.folder)
        if m.get("method") == "external":
            raise ValueError("this explanation was computed outside Lineage (log_explanation), so what-if cannot "
                             "recompute it; log one with lineage.explain(model, X)")
        if not m.get("model"):
            raise ValueError("this explanation has no model.pkl (the model could not be pickled); what-if needs a "
                             "picklable model: re-run lineage.explain with one")
        with open(os.path.join(self.folder, os.path.basename(m["model"].get("file") or "model.pkl")), "rb") as f:
            self.model = pickle.load(f)
        self.features = [str(f) for f in m["features"]]
        self.kinds = list(m.get("feature_kinds") or ["numeric"] * len(self.features))
        self.categories = m.get("categories") or {}
        self.ranges = {k: tuple(v) for k, v in (m.get("feature_ranges") or {}).items()
                       if isinstance(v, list) and len(v) == 2 and None not in v}
        self.input = m["model"].get("input") or "ndarray"
        self.method = m["method"]
        self.logit = m.get("link") == "logit"
        self.kind = _explain.output_kind(m, self.model)
        self.predict_output = _explain._output_fn(self.model, self.kind, self.to_model)
        self.prep, self.final, _ = _pipeline.split(self.model)
        self.importance = None
        values = _explain_store.load_array(self.folder, m, "values")
        if values is not None and len(values):
            self.importance = [float(v) for v in abs(values).mean(axis=0)]
        data = _explain_store.load_array(self.folder, m, "data")
        self.integral = [self.kinds[j] == "numeric" and _whole(data[:, j]) for j in range(len(self.features))]
        background = _explain_store.load_array(self.folder, m, "background")
        self.background = None if background is None else self.decode(background)
        self.weights = _explain_store.load_array(self.folder, m, "background_weights")
        self.mapping = None
        if self.method in ("linear_interventional", "tree_path_dependent"):
            m_in = len(self.features)
            self.mapping = list(range(m_in)) if self.prep is None else _pipeline.column_map(
                self.prep, m_in, self.features)
            if self.method == "linear_interventional":
                if self.background is None:
                    raise ValueError("the linear explanation has no background.f64; re-run lineage.explain")
                self.background_Z = _pipeline.transform(self.prep, self.to_model(self.background))

    # ------------------------------------------------------------ rows

    def _category_value(self, j, text):
        """A category as the model was given it: text, or a number when every category of that column is a
        number (a numeric column named in `categorical`) or the model takes a float array."""
        cats = self.categories.get(self.features[j], [])
        if self.input == "ndarray" or (cats and all(_is_number_text(c) for c in cats)):
            try:
                return float(text)
            except ValueError:
                raise RequestError("feature %r takes numbers; got %r" % (self.features[j], text)) from None
        return text

    def decode(self, codes):
        import numpy as np
        out = np.empty(codes.shape, dtype=object)
        for j, f in enumerate(self.features):
            if self.kinds[j] == "categorical":
                cats = self.categories.get(f, [])
                out[:, j] = [self._category_value(j, cats[int(c)]) if math.isfinite(c) and 0 <= c < len(cats)
                             else None for c in codes[:, j]]
            else:
                out[:, j] = codes[:, j].astype(float)
        return out

    def row(self, given):
        """The request's row (a JSON object: feature -> value) as a 1-D object array in feature order."""
        import numpy as np
        if not isinstance(given, dict):
            raise RequestError('"row" must be an object of feature -> value, e.g. {"%s": …}' % self.features[0])
        unknown = [k for k in given if k not in self.features]
        if unknown:
            raise RequestError("unknown feature %r; the features are %s" % (unknown[0][:200], self.features))
        missing = [f for f in self.features if f not in given]
        if missing:
            raise RequestError("the row has no value for %r; give every feature" % missing[0])
        x = np.empty(len(self.features), dtype=object)
        for j, f in enumerate(self.features):
            v = given[f]
            if self.kinds[j] == "categorical":
                if isinstance(v, bool) or not isinstance(v, (str, int, float)):
                    raise RequestError("feature %r is a category: give its text (one of %s)"
                                       % (f, self.categories.get(f, [])[:20]))
                x[j] = self._category_value(j, v if isinstance(v, str) else _number_text(v))
            else:
                if v is None:
                    x[j] = float("nan")
                elif isinstance(v, bool) or not isinstance(v, (int, float)):
                    raise RequestError("feature %r must be a number, got %r" % (f, str(v)[:100]))
                else:
                    x[j] = float(v)
                    if math.isinf(x[j]):
                        raise RequestError("feature %r must be finite" % f)
        return x

    def to_model(self, rows):
        from . import _explain
        import numpy as np
        rows = np.asarray(rows, dtype=object)
        if self.input == "ndarray":
            return rows.astype(float)
        return _explain.to_model(rows, self.input, self.features if self.input == "dataframe" else None)

    def prediction(self, output):
        if self.logit:
            return 1.0 / (1.0 + math.exp(-output)) if output > -700 else 0.0
        return output

    # ------------------------------------------------------------ requests

    def explain(self, x):
        import numpy as np
        from . import _explain, _kernelshap, _linear, _pipeline
        if self.method == "kernel":
            m = self.manifest
            res = _kernelshap.explain(self.predict_output, x[None, :], self.background, weights=self.weights,
                                      nsamples=m.get("samples_per_row"), seed=m.get("seed") or 0)
            values, base, output = res["values"][0], float(res["base"][0]), float(res["output"][0])
            stderr = [float(v) for v in res["stderr"][0]]
        else:
            Z = _pipeline.transform(self.prep, self.to_model(x[None, :]))
            if self.method == "linear_interventional":
                res = _linear.explain(self.final, Z, self.background_Z)
            else:
                res = _explain.tree_explain(self.final, Z)
            values = np.asarray(res["values"], float) @ _pipeline.grouping_matrix(self.mapping, len(self.features))
            values, base, output = values[0], float(np.ravel(res["base"])[0]), float(np.ravel(res["output"])[0])
            stderr = None
        values = [float(v) for v in values]
        reply = {"prediction": self.prediction(output), "output": output, "base": base, "values": values,
                 "additivity_error": abs(base + math.fsum(values) - output), "exact": self.method != "kernel"}
        if stderr is not None:
            reply["stderr"] = stderr
        return reply

    def counterfactual(self, x, target, max_features):
        from . import _counterfactual
        import numpy as np

        def predict(rows):
            out = self.predict_output(rows)
            return np.array([self.prediction(float(o)) for o in out])
        categories = {f: [self._category_value(j, c) for c in self.categories.get(f, [])]
                      for j, f in enumerate(self.features) if self.kinds[j] == "categorical"}
        return _counterfactual.search(predict, x, self.features, self.kinds, self.ranges, categories, target,
                                      max_features, self.importance, integral=self.integral)

    def handle(self, request):
        op = request.get("op")
        if op == "explain":
            return self.explain(self.row(request.get("row")))
        if op == "counterfactual":
            target = request.get("target")
            if isinstance(target, bool) or not isinstance(target, (int, float)) or not math.isfinite(target):
                raise RequestError('"target" must be a finite number (the prediction to reach)')
            max_features = request.get("max_features", 2)
            if max_features not in (1, 2) or isinstance(max_features, bool):
                raise RequestError('"max_features" must be 1 or 2')
            return self.counterfactual(self.row(request.get("row")), float(target), max_features)
        raise RequestError('unknown op %r: use "explain", "counterfactual" or "quit"' % (str(op)[:50],))


def _whole(column):
    """Whether every observed value of a numeric column is a whole number (counts, years): the counterfactual
    then proposes whole numbers."""
    import numpy as np
    finite = column[np.isfinite(column)]
    return bool(finite.size) and bool(np.all(finite == np.round(finite)))


def _is_number_text(text):
    try:
        float(text)
        return True
    except (TypeError, ValueError):
        return False


def _number_text(v):
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)


def _dumps(obj):
    def clean(v):
        if isinstance(v, float) and not math.isfinite(v):
            return None
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [clean(x) for x in v]
        if hasattr(v, "item") and getattr(v, "shape", None) == ():
            return clean(v.item())
        return v
    return json.dumps(clean(obj), allow_nan=False, separators=(",", ":"), default=str)


def _protocol_stream():
    """A private copy of stdout for the protocol; fd 1 (and sys.stdout) then point at stderr."""
    sys.stdout.flush()
    out = os.fdopen(os.dup(1), "w", encoding="utf-8", newline="\n")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return out


def main(argv=None):
    out = _protocol_stream()
    try:
        return _serve(out, argv)
    finally:
        out.close()


def _serve(out, argv):
    import argparse

    def send(obj):
        out.write(_dumps(obj) + "\n")
        out.flush()
    p = argparse.ArgumentParser(prog="python -m lineage.serve", description="Lineage what-if scorer")
    p.add_argument("run_dir", help="the run folder (.lineage/runs/<id>)")
    p.add_argument("--name", default="default", help="the explanation's name")
    args = p.parse_args(argv)
    import warnings
    warnings.simplefilter("default")  # shown once each, on stderr
    try:
        scorer = Scorer(args.run_dir, args.name)
    except Exception as e:
        send({"ready": False, "error": "%s (%s)" % (e, type(e).__name__)})
        return 2
    m = scorer.manifest
    send({"ready": True, "features": scorer.features, "task": m.get("task"), "link": m.get("link"),
          "method": m.get("method"), "exact": m.get("method") != "kernel", "output_name": m.get("output_name")})
    stdin = sys.stdin
    while True:
        line = stdin.readline(MAX_LINE + 1)
        if not line:
            return 0
        if len(line) > MAX_LINE and not line.endswith("\n"):
            while line and not line.endswith("\n"):
                line = stdin.readline(MAX_LINE)
            send({"id": None, "error": "request longer than 1 MB; send one row at a time"})
            continue
        if not line.strip():
            continue
        rid = None
        try:
            try:
                request = json.loads(line)
            except ValueError as e:
                raise RequestError("the request is not JSON (%s); send one JSON object per line" % e) from None
            if not isinstance(request, dict):
                raise RequestError('a request is a JSON object like {"id":1,"op":"explain","row":{…}}')
            rid = request.get("id")
            if request.get("op") == "quit":
                return 0
            reply = scorer.handle(request)
            send(dict({"id": rid}, **reply))
        except RequestError as e:
            send({"id": rid, "error": str(e)})
        except ValueError as e:
            send({"id": rid, "error": "%s; check the request's values" % e})
        except Exception as e:  # a model failing on a row must not end the scorer
            send({"id": rid, "error": "the model failed on this row (%s: %s)" % (type(e).__name__, str(e)[:500])})


if __name__ == "__main__":
    sys.exit(main())
