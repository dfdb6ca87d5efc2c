"""The Learn page's runs on the session's model (issue 22: engine work off the page).

Each is a derived view (explorer/derived.py), computed once per model, data and window and
dropped with the model:

  window_trace(bundle, dataset, w)          learn_trace: the GateTrace of window w
  experiment_runs(bundle, dataset, w)       learn_experiments: each gate experiment
  input_experiment_run(bundle, dataset, w)  learn_input: the strongest input held at its mean

The heavy imports (torch through lstm_core) happen inside, when a model is there.
"""

from __future__ import annotations

from typing import Any

from explorer import state
from explorer.derived import derived

#: The experiments after section 4: (name, gate, value held in every unit of every layer).
EXPERIMENTS = (("input", "i", 0.0), ("forget", "f", 1.0), ("output", "o", 0.0))


def window_trace(bundle: Any, dataset: Any, w: int) -> Any:
    """The GateTrace of window w, from the session cache when nothing changed."""
    from lstm_core.inside.gates import trace_gates

    key = (state.model_stamp(bundle, dataset), w)
    x = dataset.X[w : w + 1]
    return derived("learn_trace", key, lambda: {"trace": trace_gates(bundle.model, x)})["trace"]


def experiment_runs(bundle: Any, dataset: Any, w: int) -> dict:
    """Each experiment on the test part and on window w, cached until the model, the data or
    the window change: {"c": [T, H] layer-0 cell state as trained, "runs": {name:
    (Intervention, raw outputs [n] with the clamp, c [T, H] with it)}}."""

    def compute() -> dict[str, Any]:
        from lstm_core.inside.intervene import Clamp, intervene, run_clamped

        model, x = bundle.model, dataset.X[w : w + 1]
        runs = {}
        for name, gate, value in EXPERIMENTS:
            clamps = [Clamp(k, gate, "all", value) for k in range(bundle.model_config.num_layers)]
            test = intervene(bundle, dataset, clamps, "test")  # one clamped pass of the part
            c = run_clamped(model, x, clamps, keep=True).layers[0]["c"][0]
            runs[name] = (test, test.raw_after, c)
        c = run_clamped(model, x, keep=True).layers[0]["c"][0]
        return {"c": c, "runs": runs}

    return derived("learn_experiments", (state.model_stamp(bundle, dataset), w), compute)


def input_experiment_run(bundle: Any, dataset: Any, w: int) -> dict:
    """The strongest input (by test RMSE held at its training mean) held at its mean in
    window w and on the test part, cached until the model, the data or the window change:
    {"name", "test": Intervention, "c": (before, after) [T, H] layer 0, "preds": [before,
    after] window w's prediction in levels}."""

    def compute() -> dict[str, Any]:
        from lstm_core.inside.explain import importance
        from lstm_core.inside.inputclamp import InputClamp, apply_input_clamps
        from lstm_core.inside.intervene import intervene, run_clamped

        imp = importance(bundle.model, dataset)
        name = max(imp.held_at_mean, key=imp.held_at_mean.get)
        clamp = InputClamp(name, "mean")
        x = dataset.X[w : w + 1]
        before = run_clamped(bundle.model, x, keep=True)
        after = run_clamped(bundle.model, apply_input_clamps(dataset, x, [clamp]), keep=True)
        idx = dataset.target_index[w : w + 1]
        preds = [float(dataset.to_levels(r.y, idx)[0]) for r in (before, after)]
        c = (before.layers[0]["c"][0], after.layers[0]["c"][0])  # [T, H] layer 0, each
        test = intervene(bundle, dataset, [clamp])
        return {"name": name, "test": test, "c": c, "preds": preds}

    return derived("learn_input", (state.model_stamp(bundle, dataset), w), compute)
