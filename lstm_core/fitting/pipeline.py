"""The few steps every caller (CLI, app, benchmarks) takes, in one place.

  start_run        a fresh model and its dataset, for one concrete transform
  choose_transform "auto": short trials of each candidate transform, the winner kept by its
                   validation RMSE in original units (the test part is never read)
  train_run        train or continue; the bundle's history grows in place
  dataset_for      window a series the way a saved model was trained

The cost of "auto": k candidates are each trained for t = E / (2 (k - 1)) epochs, then the
winner goes on for the remaining E - t, so a run costs E + (k - 1) t = 1.5 E epochs at most
(E = the epochs asked for; benchmarks/ measures it).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from lstm_core.config import DataConfig, ModelConfig, TrainConfig
from lstm_core.fitting import sizing
from lstm_core.fitting.bundle import ModelBundle, fingerprint, now_utc
from lstm_core.fitting.models import build_model
from lstm_core.fitting.train import Callback, FitResult, Progress, fit, kept_message
from lstm_core.metrics import rmse
from lstm_core.runtime.jobs import RunStatus
from lstm_core.series import inputs as input_tools
from lstm_core.series import transforms
from lstm_core.series.data import DataError
from lstm_core.series.inputs import Inputs
from lstm_core.series.transforms import Transform
from lstm_core.series.windows import Dataset, make_dataset, plan_split

AUTO_BUDGET = 1.5  # an "auto" run trains at most this many times the epochs asked for
LOG_MARGIN = 0.05  # logdiff wins over diff only when its validation RMSE is this much lower


def start_run(
    values: np.ndarray,
    column: str,
    data_cfg: DataConfig,
    model_cfg: ModelConfig,
    train_cfg: TrainConfig,
    transform: Transform | None = None,
    inputs: Inputs | None = None,
) -> tuple[ModelBundle, Dataset]:
    """A fresh, untrained model (seeded by train_cfg.seed) and the dataset it will learn from.

    `transform` defaults to data_cfg.transform, which must then be concrete (not "auto").
    `inputs`: the series' inputs beside it (Series.inputs); the model reads 1 + F per step.
    """
    transform = transform or fixed_transform(values, data_cfg)
    data = make_dataset(values, data_cfg, transform=transform, inputs=inputs)
    model_cfg = replace(model_cfg, n_inputs=data.n_inputs)
    model = build_model(model_cfg, seed=train_cfg.seed)
    bundle = ModelBundle(
        model=model,
        model_config=model_cfg,
        data_config=data_cfg,
        train_config=train_cfg,
        scaler=data.scaler,
        column=column,
        n_points=len(data.values),
        split=data.split,
        transform=transform,
        fingerprint=fingerprint(values),
        inputs=data.inputs.specs if data.inputs is not None else (),
        input_scalers=data.input_scalers,
    )
    return bundle, data


def training_season(values: np.ndarray, data_cfg: DataConfig) -> int | None:
    """The seasonal period detected on the training part only (as the baselines use it)."""
    return transforms.training_season(values, plan_split(len(values), data_cfg).train_end)


def fixed_transform(values: np.ndarray, data_cfg: DataConfig) -> Transform:
    """data_cfg.transform as a Transform (sdiff at the training part's season); DataError
    when the series cannot take it."""
    train_end = plan_split(len(values), data_cfg).train_end
    return transforms.resolve(data_cfg.transform, values, train_end)


def validate(values: np.ndarray, data_cfg: DataConfig, inputs: Inputs | None = None) -> None:
    """DataError (one sentence) now if these settings cannot train on this series (or an
    input cannot be scaled on its training part), before anything is printed or drawn."""
    split = plan_split(len(values), data_cfg)
    if inputs is not None and inputs.specs:
        input_tools.scale(inputs, split.train_end, data_cfg.scaler)
    if data_cfg.transform != "auto":
        plan_split(len(values), data_cfg, fixed_transform(values, data_cfg).lag)


def train_run(
    bundle: ModelBundle,
    data: Dataset,
    train_cfg: TrainConfig | None = None,
    callback: Callback | None = None,
) -> FitResult:
    """Train (or continue training) the bundle's model; its history grows in place. On a short
    or long series fit() gets the batch (and learning rate) of `sizing.effective`; the bundle
    keeps the settings as asked."""
    cfg = train_cfg or bundle.train_config
    bundle.train_config = cfg
    run_cfg = sizing.effective(cfg, data.split.n_train_planned)
    result = fit(bundle.model, data, run_cfg, callback=callback, history=bundle.history)
    bundle.trained_at = now_utc()
    return result


def dataset_for(bundle: ModelBundle, values: np.ndarray, inputs: Inputs | None = None) -> Dataset:
    """Window a series the way the bundle's model was trained: same look_back, split,
    transform and scalers. A model with inputs needs the series' `inputs` (read with the
    model's specs: lstm_core.series.data.series_from_table(..., specs=bundle.inputs))."""
    check_inputs(bundle, inputs)
    return make_dataset(
        values,
        bundle.data_config,
        scaler=bundle.scaler,
        transform=bundle.transform,
        inputs=inputs if bundle.inputs else None,
        input_scalers=bundle.input_scalers or None,
    )


def check_inputs(bundle: ModelBundle, inputs: Inputs | None) -> None:
    """DataError when `inputs` are not the ones the bundle's model reads."""
    want = [s.name for s in bundle.inputs]
    have = inputs.names if inputs is not None else []
    if want and have != want:
        raise DataError(
            f"This model reads the inputs {', '.join(want)} beside the values, but "
            f"{'these are ' + ', '.join(have) if have else 'none were given'}: read the "
            "series with the model's inputs."
        )


def model_inputs(
    bundle: ModelBundle, values: np.ndarray, inputs: Inputs | None = None
) -> np.ndarray:
    """What the model sees of a series: transformed and scaled, [N - d] float32 (element k
    belongs to position k + d); with inputs [M, 1 + F] (column 0 the target), M = N - d, or
    N - d - 1 when the last step's known-ahead inputs are not in the file. Needs no split:
    the gates of any span."""
    z = bundle.transform.forward(values)
    scaled = bundle.scaler.transform(z).astype(np.float32)
    if not bundle.inputs:
        return scaled
    check_inputs(bundle, inputs)
    scaled_in, _ = input_tools.scale(inputs, 0, bundle.data_config.scaler, bundle.input_scalers)
    feats = input_tools.feature_rows(bundle.inputs, scaled_in, bundle.transform.lag)
    m = np.column_stack([scaled, feats[: len(scaled)]])
    return m[:-1] if np.isnan(m[-1]).any() else m


def part_rmse(bundle: ModelBundle, data: Dataset, part: str = "val") -> float:
    """RMSE of the one-step predictions on `part`, in original units."""
    from lstm_core.evaluation.forecast import predict  # torch-heavy; imported where used

    s = data.split.windows(part)
    return rmse(data.values[data.target_index[s]], predict(bundle.model, data)[s])


# --------------------------------------------------------------------------- auto


TrialCallback = Callable[[Transform, int, int, Progress], bool | None]


@dataclass
class Choice:
    """What "auto" tried and kept."""

    bundle: ModelBundle  # the winner, trained for `trial_epochs` (best weights kept)
    data: Dataset  # its dataset
    scores: dict[str, float]  # transform kind -> validation RMSE, original units
    skipped: list[str] = field(default_factory=list)  # one sentence per candidate left out
    trial_epochs: int = 0  # epochs each candidate trained
    stopped: bool = False  # the callback stopped the trials: don't train on
    initial: dict = field(default_factory=dict)  # the winner's weights before its trial

    def untrained(self) -> ModelBundle:
        """A copy of the winner as it was before its trial (epoch 0), e.g. for a snapshot."""
        model = build_model(self.bundle.model_config)
        model.load_state_dict(self.initial)
        return replace(self.bundle, model=model.eval(), history=[])

    @property
    def transform(self) -> Transform:
        return self.bundle.transform

    def remaining(self, train_cfg: TrainConfig) -> int:
        """Epochs the winner still needs to reach train_cfg.epochs (0 after a stop)."""
        return 0 if self.stopped else max(0, train_cfg.epochs - self.trial_epochs)

    def summary(self) -> str:
        """One sentence: which transform, and each candidate's validation RMSE."""
        scores = ", ".join(f"{k} {v:.4g}" for k, v in self.scores.items())
        text = f"auto chose {self.transform.kind} (validation RMSE: {scores})."
        return " ".join([text, *self.skipped])


def trial_epochs(epochs: int, n_candidates: int) -> int:
    """Epochs per candidate so that trials plus the winner's remainder stay within
    AUTO_BUDGET × epochs."""
    if n_candidates <= 1:
        return epochs
    return max(1, min(epochs, math.floor((AUTO_BUDGET - 1) * epochs / (n_candidates - 1))))


def pick(scores: dict[str, float]) -> str:
    """The kind with the lowest validation RMSE, except that logdiff must beat diff by more
    than LOG_MARGIN: the two differ only by the log, and on 15-30 validation points a
    near-tie is noise, so the simpler one is kept. A score that is not a number (a trial
    that diverged) never wins while another is finite."""
    best = min(scores, key=lambda k: _finite(scores[k]))
    if best == "logdiff" and _finite(scores.get("diff")) <= scores[best] * (1 + LOG_MARGIN):
        return "diff"
    return best


def _finite(score: float | None) -> float:
    """The score, or infinity for a missing, NaN or infinite one."""
    return score if score is not None and math.isfinite(score) else math.inf


def choose_transform(
    values: np.ndarray,
    column: str,
    data_cfg: DataConfig,
    model_cfg: ModelConfig,
    train_cfg: TrainConfig,
    callback: TrialCallback | None = None,
    seasonal: bool = True,
    inputs: Inputs | None = None,
) -> Choice:
    """Train each candidate transform briefly and keep the lowest validation RMSE (original
    units; `pick`). Candidates: none, diff, logdiff (positive series only) and, with
    `seasonal`, sdiff at the training part's season. The test part is never read."""
    season = training_season(values, data_cfg) if seasonal else None
    cands, skipped = transforms.candidates(values, season)
    n_train = plan_split(len(values), data_cfg).n_train
    t = sizing.trial_cap(train_cfg, n_train, trial_epochs(train_cfg.epochs, len(cands)))
    tried: list[tuple[ModelBundle, Dataset, dict]] = []
    scores: dict[str, float] = {}
    stopped = False
    for i, tf in enumerate(cands):
        try:
            bundle, data = start_run(values, column, data_cfg, model_cfg, train_cfg, tf, inputs)
        except DataError as e:
            if tf.kind == "none":
                raise  # the data itself is unusable
            skipped.append(f"{tf.kind} was skipped: {e}")
            continue
        cb = (lambda p, tf=tf, i=i: callback(tf, i, len(cands), p)) if callback else None
        initial = copy.deepcopy(bundle.model.state_dict())
        res = train_run(bundle, data, replace(train_cfg, epochs=t), cb)
        bundle.train_config = train_cfg
        score = part_rmse(bundle, data, "val") if bundle.history else math.inf
        scores[tf.kind] = score
        tried.append((bundle, data, initial))
        if res.status == RunStatus.STOPPED:
            stopped = True
            break
    won = pick(scores)
    bundle, data, initial = next(r for r in tried if r[0].transform.kind == won)
    bundle.transform_scores = dict(scores)
    return Choice(bundle, data, scores, skipped, t, stopped, initial)


def run(
    values: np.ndarray,
    column: str,
    data_cfg: DataConfig,
    model_cfg: ModelConfig,
    train_cfg: TrainConfig,
    callback: Callback | None = None,
    trial_callback: TrialCallback | None = None,
    inputs: Inputs | None = None,
) -> tuple[ModelBundle, Dataset, FitResult, Choice | None]:
    """A whole training as the CLI and benchmarks run it: "auto" chooses, then trains on."""
    if data_cfg.transform != "auto":
        bundle, data = start_run(values, column, data_cfg, model_cfg, train_cfg, inputs=inputs)
        return bundle, data, train_run(bundle, data, train_cfg, callback), None
    choice = choose_transform(
        values, column, data_cfg, model_cfg, train_cfg, trial_callback, inputs=inputs
    )
    return choice.bundle, choice.data, train_on(choice, train_cfg, callback), choice


def train_on(choice: Choice, train_cfg: TrainConfig, callback: Callback | None = None) -> FitResult:
    """After "auto": the winner trains its remaining epochs; the result speaks of the whole
    run (trials included)."""
    bundle, data = choice.bundle, choice.data
    rest = choice.remaining(train_cfg)
    if rest:
        result = train_run(bundle, data, replace(train_cfg, epochs=rest), callback)
    else:
        # no history: stopped in the first trial's first epoch
        low = min(bundle.history, key=lambda r: r.val_loss, default=None)
        status = RunStatus.STOPPED if choice.stopped else RunStatus.COMPLETED
        result = FitResult(bundle.history, status, "", best_epoch=low and low.epoch)
    bundle.train_config = train_cfg
    if result.status == RunStatus.COMPLETED:
        result.message = f"Trained {len(bundle.history)} epochs."
        if train_cfg.restore_best and result.best_epoch is not None:
            result.message += f" {kept_message(result.best_epoch)}"
    elif choice.stopped:
        kept = kept_message(result.best_epoch) if result.best_epoch else "Nothing was trained."
        result.message = (
            f"Training stopped by request while choosing the transform, after "
            f"{len(bundle.history)} epochs. {kept}"
        )
    return result
