"""Predictions in original units, the evaluation table, and recursive multi-step forecasts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import torch
from torch import nn

from lstm_core import metrics
from lstm_core.evaluation.backtest import Backtest, backtest
from lstm_core.evaluation.intervals import calibrate
from lstm_core.evaluation.paths import future_path, input_reach
from lstm_core.evaluation.references import References
from lstm_core.fitting.train import eval_rows
from lstm_core.series.transforms import Transform
from lstm_core.series.windows import Dataset

PRED_BATCH = 8192  # windows per forward pass
ECHO_WARN = 0.8  # echo share above which the verdict says the model repeats the last value


@torch.no_grad()
def predict_scaled(model: nn.Module, X: torch.Tensor) -> np.ndarray:
    """Model outputs for windows X [W, L] (model units) -> [W] float32."""
    model.eval()
    dev = next(model.parameters()).device
    rows = min(PRED_BATCH, eval_rows(model, X.shape[1] if X.dim() > 1 else 1))
    out = [model(X[a : a + rows].to(dev)).cpu() for a in range(0, len(X), rows)]
    return torch.cat(out).numpy() if out else np.zeros(0, np.float32)


def predict(model: nn.Module, data: Dataset) -> np.ndarray:
    """One-step predictions for every window, in original units: [W] float64.

    Each is the model's output taken back through the scaler and the transform, from the
    true level d steps before its target.
    """
    return data.to_levels(predict_scaled(model, data.X), data.target_index)


@dataclass
class Evaluation:
    """Test-part errors of the model and its baselines, in original units."""

    table: dict[str, dict[str, float]]  # {"model"|"naive"|"seasonal_naive"|"mean": scores}
    season: int | None  # seasonal period used (given or detected)
    verdict: str  # one sentence: did the model beat its baselines?
    echo: float  # 0..1, how much the model only repeats the last value
    predict_all: Callable[[], np.ndarray] = field(repr=False, compare=False)  # -> predictions
    baseline_predictions: dict[str, np.ndarray]  # name -> [W] for every window
    transform: Transform = field(default_factory=Transform)  # what the model saw
    backtest: Backtest | None = None  # H-step rolling-origin errors, when a horizon was asked
    references: dict[str, dict[str, float]] = field(default_factory=dict)  # classic methods'
    #   scores (lstm_core.evaluation.references), a group apart from the baselines: name -> scores
    reference_forms: dict[str, str] = field(default_factory=dict)  # name -> what was fitted,
    #   or why it was not ("not fitted: ...")
    verdict_parts: tuple[str, str] = ("", "")  # (the baselines' sentence, the ones after it)
    _predictions: np.ndarray | None = field(default=None, repr=False, compare=False)

    @property
    def predictions(self) -> np.ndarray:
        """[W] the model's predictions of every window, original units (computed when first
        asked for: the scores need only the evaluated part's)."""
        if self._predictions is None:
            self._predictions = self.predict_all()
        return self._predictions

    def to_dict(self) -> dict:
        out = {
            "test": self.table["model"],
            "baselines": {k: v for k, v in self.table.items() if k != "model"},
            "season": self.season,
            "verdict": self.verdict,
            "echo_share": self.echo,
            "transform": self.transform.kind,
        }
        if self.reference_forms:
            out["references"] = self.references
            out["reference_forms"] = self.reference_forms
        if self.backtest is not None:
            out["backtest"] = self.backtest.to_dict()
            if not self.reference_forms:
                out["backtest"].pop("references")
        return out


def evaluate(
    model: nn.Module,
    data: Dataset,
    season: int | str | None = "auto",
    part: str = "test",
    horizon: int | None = None,
    references: References | None = None,
) -> Evaluation:
    """Score the model on `part` against naive, seasonal naive and mean baselines.

    With a horizon, also backtest H-step forecasts from every test origin; the verdict then
    speaks of that backtest (RMSE averaged over the H steps). With fitted `references`
    (lstm_core.evaluation.references, on the test part only), their scores stand beside the
    baselines'
    and the verdict also names the best of them.
    """
    sp = data.split
    train = data.values[: sp.train_end]
    if season == "auto":
        season = metrics.detect_season(train)
    idx = data.target_index
    base = metrics.baselines(data.values, idx, sp.train_end, season)
    s = sp.windows(part)
    y = data.values[idx[s]]
    pred = data.to_levels(predict_scaled(model, data.X[s]), idx[s])  # [n] the part's only
    m = season or 1
    table = {"model": metrics.scores(y, pred, train, m)}
    for name, p in base.items():
        if not np.isnan(p[s]).any():  # seasonal naive reaches before the series: left out
            table[name] = metrics.scores(y, p[s], train, m)
    echo = metrics.echo_share(pred, base["naive"][s], y)
    horizon, why_one = backtest_horizon(data, horizon)
    bt = backtest(model, data, horizon, season) if horizon else None
    if bt is None or bt.horizon == 1:  # one step: all the test part, as the tables (a long
        verdict = metrics.verdict(table, len(y))  # part's backtest samples its origins)
    else:
        rivals = {k: bt.mean_rmse(k) for k in bt.baselines}
        verdict = metrics.backtest_verdict(bt.mean_rmse(), rivals, horizon, len(bt.origins),
                                           bt.n_targets)  # fmt: skip
    rest = " ".join(t for t in (transform_phrase(data.transform), inputs_phrase(data), why_one)
                    if t)  # fmt: skip
    if echo > ECHO_WARN:
        rest += (
            f" Its forecasts sit {100 * echo:.0f}% of the way onto the naive one: "
            "it mostly repeats the last value."
        )
    rest = rest.strip()
    ev = Evaluation(
        table=table,
        season=season,
        verdict=" ".join(t for t in (verdict, rest) if t),
        echo=echo,
        predict_all=lambda: predict(model, data),
        baseline_predictions=base,
        transform=data.transform,
        backtest=bt,
        verdict_parts=(verdict, rest),
    )
    if references is None or part != "test":
        return ev
    return with_references(ev, data, references)


def with_references(ev: Evaluation, data: Dataset, references: References) -> Evaluation:
    """A copy of the test part's Evaluation `ev` with the classic references' scores (one
    step ahead from every test point, and the backtest's paths) and a verdict that also
    names the best of them. The model's numbers are not recomputed."""
    sp = data.split
    s = sp.windows("test")
    targets = data.target_index[s]
    y = data.values[targets]
    train, m = data.values[: sp.train_end], ev.season or 1
    forms = references.forms()
    refs = {k: metrics.scores(y, p, train, m)
            for k, p in references.one_step(data.values, targets).items()}  # fmt: skip
    bt = ev.backtest
    ref_rmse = {k: v["rmse"] for k, v in refs.items()}  # one step: every test point
    model_rmse, where = ev.table["model"]["rmse"], "one step ahead"
    if bt is not None:
        t0 = data.target_index[bt.origins]
        paths, gave_up = references.paths(data.values, t0, bt.horizon)
        forms.update({k: f"{forms[k]}; {why}" for k, why in gave_up.items()})
        bt = replace(bt, references=paths)
        if bt.horizon > 1:  # the verdict speaks of the backtest, as the baselines' does
            ref_rmse = {k: bt.mean_rmse(k) for k in paths}
            model_rmse, where = bt.mean_rmse(), f"over forecasts 1–{bt.horizon} steps ahead"
    why = metrics.reference_verdict(model_rmse, ref_rmse, where, len(y))
    verdict = " ".join(t for t in (ev.verdict_parts[0], why, ev.verdict_parts[1]) if t)
    return replace(ev, references=refs, reference_forms=forms, backtest=bt, verdict=verdict)


def transform_phrase(transform: Transform) -> str:
    """The sentence that names what the model saw."""
    return f"The model saw {transform.describe()}."


def inputs_phrase(data: Dataset) -> str:
    """The sentence that says how the inputs were used in the scores, or ""."""
    if data.inputs is None:
        return ""
    names = ", ".join(data.inputs.columns())
    ahead = " (known-ahead inputs as if forecast perfectly)" if data.inputs.has_future else ""
    return f"It read {names} beside the series, as recorded{ahead}."


def backtest_horizon(data: Dataset, horizon: int | None) -> tuple[int | None, str]:
    """The backtest horizon these inputs allow: (horizon, "" or the sentence saying why it
    is 1). An input known only up to now has no value for the steps after the next."""
    if not horizon or horizon <= 1 or data.inputs is None or not data.inputs.has_past:
        return horizon, ""
    return 1, past_inputs_sentence(data.inputs.columns("past"))


def past_inputs_sentence(names: list[str]) -> str:
    """Why forecasts stop at one step with inputs known only up to now."""
    quoted = ", ".join(repr(n) for n in names)
    return (
        f"Forecasts stop at one step: {quoted} {'is' if len(names) == 1 else 'are'} known "
        "only up to now, so the steps after the next have no value to read (mark an input "
        "known ahead if its future is known)."
    )


@dataclass
class Forecast:
    """A forecast past the end of the series, with its conformal bands."""

    values: np.ndarray  # [H] original units
    bands: dict[str, np.ndarray]  # "lower_80", "upper_80", "lower_95", "upper_95" -> [H']
    banded: int  # H': steps that have bands (calibration reaches at most MAX_BAND_STEPS)
    note: str = ""  # why the forecast is shorter than asked (the inputs' future ends), or ""


MAX_BAND_STEPS = 1000  # intervals for at most this many steps (each costs a calibration pass)


def forecast(model: nn.Module, data: Dataset, horizon: int, bands: bool = True) -> Forecast:
    """Recursive forecast past the end of the series: each prediction is fed back as input,
    then integrated back to levels. Bands are split-conformal, per step, from every known
    target after the training part (validation, raised to the in-sample floor, and test)."""
    if horizon < 1:
        raise ValueError(f"horizon must be at least 1, got {horizon}.")
    horizon, note = forecast_reach(data, horizon)
    note = " ".join(t for t in (note, out_of_range_note(data)) if t)
    values = future_path(model, data, horizon)
    if not bands:
        return Forecast(values, {}, 0, note)
    h = min(horizon, MAX_BAND_STEPS, data.split.n_train + 1)
    return Forecast(values, calibrate(model, data, h).bands(values[:h]), h, note)


def out_of_range_note(data: Dataset) -> str:
    """For a model of the levels (transform "none"): "" or the sentence saying that the
    series ends outside the range of its training part, which such a model has never seen
    and tends to pull its forecast back into."""
    if data.transform.kind != "none":
        return ""
    train = data.values[: data.split.train_end]
    lo, hi, last = float(train.min()), float(train.max()), float(data.values[-1])
    if lo <= last <= hi:
        return ""
    return (
        f"The series ends at {last:#.4g}, {'above' if last > hi else 'below'} every value of "
        f"its training part ({lo:#.4g} to {hi:#.4g}): a model of the levels has not seen such "
        "values and tends to pull its forecast back toward them. A transform that learns the "
        "changes (transform 'diff', or 'auto') suits a series that trends out of its training "
        "range."
    )


def forecast_reach_error(data: Dataset) -> str:
    """Why no forecast past the end is possible: known-ahead inputs without future rows."""
    return (
        f"The model reads {_ahead(data)} one step ahead, but the file has no rows past the "
        "series' last value that give them: add those rows (values left empty, the inputs "
        "filled) to forecast."
    )


def _ahead(data: Dataset) -> str:
    """The known-ahead columns from the file, quoted."""
    return ", ".join(repr(c) for c in data.inputs.columns("future") if c != "calendar")


def forecast_reach(data: Dataset, horizon: int) -> tuple[int, str]:
    """(steps the forecast can take, "" or the sentence saying why fewer than asked); a
    ValueError when the inputs allow none (known-ahead inputs with no future rows)."""
    reach = input_reach(data)
    if reach is None or horizon <= reach:
        return horizon, ""
    if reach == 0:
        raise ValueError(forecast_reach_error(data))
    if data.inputs.has_past:
        return 1, past_inputs_sentence(data.inputs.columns("past"))
    return reach, (
        f"The forecast stops after {reach} steps, where the file's future rows of "
        f"{_ahead(data)} end ({horizon} were asked for): add rows with their future values "
        "to go further."
    )
