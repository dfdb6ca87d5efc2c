"""The Learn page's experiments (explorer/learn_runs.py) run each clamped pass over the test
part once (issue 22, defect 7: the page ran it twice, once for the sentence's raw outputs)."""

from types import SimpleNamespace

import numpy as np

from explorer import learn_runs, state
from lstm_core.config import DataConfig, ModelConfig, TrainConfig
from lstm_core.fitting.pipeline import start_run
from lstm_core.inside import intervene as iv
from lstm_core.series.synthetic import sine_series


def test_each_experiment_runs_the_test_part_once_with_its_clamp(monkeypatch):
    monkeypatch.setattr(state, "st", SimpleNamespace(session_state={}))
    bundle, data = start_run(sine_series(n=160, period=12, noise=0.1, seed=0), "wave",
                             DataConfig(look_back=8, transform="none"), ModelConfig("lstm", 3),
                             TrainConfig())  # fmt: skip
    n_test = data.split.n_test
    passes = []
    real = iv.run_pinned

    def counted(model, x, pins, keep=False):
        if len(x) == n_test:
            passes.append(len(pins))  # over the test part: unclamped (0 pins) or clamped
        return real(model, x, pins, keep)

    monkeypatch.setattr(iv, "run_pinned", counted)
    found = learn_runs.experiment_runs(bundle, data, 0)
    clamped = [p for p in passes if p]
    assert len(clamped) == len(learn_runs.EXPERIMENTS)  # once each, not twice
    for name, _, _ in learn_runs.EXPERIMENTS:
        test, out, _ = found["runs"][name]
        assert out is test.raw_after and out.shape == (n_test,)
        np.testing.assert_allclose(data.part_levels("test", out), test.after)
