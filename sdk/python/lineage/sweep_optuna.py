"""Optuna's TPE sampler for `lineage sweep --optuna` and the editor's Run Sweep: one short process per ask.

stdin: one JSON object {"space": [ParamSpec…], "direction": "min"|"max", "seed": int,
"history": [{"params": {name: text}, "value": float|null, "state": "finished"|"failed"|"running"}], "count": n}
stdout: n JSON lines {"params": {name: text}}, the values as text (they become command-line arguments).
Exit 3 when optuna cannot be imported (the caller says how to install it), 2 on bad input.

The study is rebuilt from the history each time (add_trial), so the caller keeps no process alive and a
resumed sweep asks exactly as the first one would. Trials still running have no value yet and are left out
(TPE models finished trials only); the `count` asks of one call come from the same study, one after another."""
import json
import sys


def _distributions(space, optuna):
    d = optuna.distributions
    out = {}
    for p in space:
        kind = p["kind"]
        if kind in ("grid", "choice"):
            out[p["name"]] = d.CategoricalDistribution([str(v) for v in p["values"]])
        elif kind == "int":
            out[p["name"]] = d.IntDistribution(int(p["low"]), int(p["high"]), log=bool(p.get("log")))
        elif kind == "float":
            out[p["name"]] = d.FloatDistribution(float(p["low"]), float(p["high"]), log=bool(p.get("log")))
        else:
            raise ValueError("unknown kind %r" % kind)
    return out


def _internal(p, text):
    if p["kind"] in ("grid", "choice"):
        return str(text)
    return int(text) if p["kind"] == "int" else float(text)


def _text(p, value):
    if p["kind"] == "float":
        return repr(float("%.6g" % value))
    return str(value)


def main():
    try:
        import optuna
    except ImportError as e:
        sys.stderr.write("optuna is not importable here (%s)\n" % e)
        return 3
    try:
        req = json.load(sys.stdin)
        space = req["space"]
        dists = _distributions(space, optuna)
        count = int(req.get("count", 1))
    except (ValueError, KeyError, TypeError) as e:
        sys.stderr.write("bad request: %s\n" % e)
        return 2
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    direction = "minimize" if req.get("direction") == "min" else "maximize"
    sampler = optuna.samplers.TPESampler(seed=int(req.get("seed", 0)))
    study = optuna.create_study(direction=direction, sampler=sampler)
    by_name = {p["name"]: p for p in space}
    states = optuna.trial.TrialState
    for h in req.get("history", []):
        if h.get("state") == "running":
            continue  # no result yet; this call's own asks are told apart by the sampler's advancing seed
        try:
            params = {k: _internal(by_name[k], v) for k, v in h["params"].items() if k in by_name}
            value = h.get("value")
            known = {k: dists[k] for k in params}
            if h.get("state") == "finished" and value is not None:
                t = optuna.trial.create_trial(params=params, distributions=known, value=float(value))
            else:
                t = optuna.trial.create_trial(params=params, distributions=known, state=states.FAIL)
            study.add_trial(t)
        except (ValueError, KeyError, TypeError):
            continue  # a point outside the space (edited by hand) tells TPE nothing
    for _ in range(count):
        trial = study.ask(dists)
        sys.stdout.write(json.dumps({"params": {p["name"]: _text(p, trial.params[p["name"]]) for p in space}}) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
