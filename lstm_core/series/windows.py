"""From a series to scaled training windows, split by time with no leakage.

The model sees z, the series after its target transform (lstm_core.series.transforms; z = the
levels for "none"), scaled. With a transform of lag d, z[k] belongs to series position
k + d. Window j holds z[j : j + L] and its target is z[j + L], at position j + L + d.

Windows are split chronologically by target: the first n_train are for training, the next
n_val for validation, the latest n_test for the test. The split is planned on the N - L
windows of the levels, so validation and test targets are the same whatever the transform;
a transform of lag d only drops the first d training windows (they have no z yet). The
scaler is fitted on the transformed points the training windows touch and nothing after.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from lstm_core.config import DataConfig
from lstm_core.series import inputs as input_tools
from lstm_core.series.errors import DataError
from lstm_core.series.inputs import Inputs
from lstm_core.series.scaling import Scaler
from lstm_core.series.transforms import Transform

if TYPE_CHECKING:  # torch is imported where a Dataset is made: the Data page never needs it
    import torch


@dataclass(frozen=True)
class Split:
    """Window counts of the chronological split."""

    look_back: int  # L: timesteps per window
    n_train: int  # windows whose targets are the earliest
    n_val: int  # the next ones
    n_test: int  # the latest ones
    lag: int = 0  # d of the target transform: window w's target is at position L + d + w

    @property
    def n_windows(self) -> int:
        return self.n_train + self.n_val + self.n_test

    @property
    def n_train_planned(self) -> int:
        """Training windows as planned on the levels, before the transform's lag took its
        first d: the same for every transform (what lstm_core.fitting.sizing reads, so
        auto's candidates train with one batch size and the Train page's note is exact)."""
        return self.n_train + self.lag

    @property
    def first_target(self) -> int:
        """Series position of window 0's target (L + d)."""
        return self.look_back + self.lag

    @property
    def train_end(self) -> int:
        """Number of leading points that training windows (inputs and targets) touch."""
        return self.n_train + self.first_target

    @property
    def val_end(self) -> int:
        """Points up to the last validation target (exclusive end)."""
        return self.n_train + self.n_val + self.first_target

    def windows(self, part: str) -> slice:
        """Window indices of "train", "val" or "test"."""
        a, b = self.n_train, self.n_train + self.n_val
        return {"train": slice(0, a), "val": slice(a, b), "test": slice(b, self.n_windows)}[part]

    def to_dict(self) -> dict[str, int]:
        return {
            "look_back": self.look_back,
            "n_train": self.n_train,
            "n_val": self.n_val,
            "n_test": self.n_test,
            "lag": self.lag,
        }


MIN_WINDOWS = 3  # one window each for training, validation and test


def min_points(look_back: int) -> int:
    """The fewest points a split with this look-back needs: one window per part."""
    return look_back + MIN_WINDOWS


def plan_split(n_points: int, cfg: DataConfig, lag: int = 0) -> Split:
    """Window counts for a series of `n_points`; DataError if any part would be empty.

    Planned on the levels' N - L windows; a transform of lag d drops the first d training
    windows, so validation and test are the same whatever the transform.
    """
    lb = cfg.look_back
    n_w = n_points - lb
    need = min_points(lb)
    if n_points < need:
        raise DataError(
            f"The series has {n_points:,} points, but a look-back of {lb:,} needs at least "
            f"{need:,} (one window each for training, validation and test): use a smaller "
            "look-back or a longer series."
        )
    n_test = max(1, round(n_w * cfg.test_fraction))
    n_val = max(1, round(n_w * cfg.val_fraction))
    n_train = n_w - n_val - n_test
    if n_train < 1:
        n_train, n_val, n_test = 1, max(1, n_val - 1), n_w - 1 - max(1, n_val - 1)
    if n_train - lag < 1:
        raise DataError(
            f"The transform's difference (lag {lag}) leaves no training window ({n_train} "
            "before it): choose the transform 'none', a smaller look-back or a longer series."
        )
    return Split(look_back=lb, n_train=n_train - lag, n_val=n_val, n_test=n_test, lag=lag)


def make_windows(values: np.ndarray, look_back: int) -> tuple[np.ndarray, np.ndarray]:
    """All N - L windows, vectorised: values [N] -> (X [N-L, L], y [N-L])."""
    v = np.asarray(values)
    x = sliding_window_view(v[:-1], look_back)  # [N-L, L], a view (no copy)
    return x, v[look_back:]


@dataclass
class Dataset:
    """A series ready for training: scaled float32 windows as tensors, split and scaler."""

    values: np.ndarray  # [N] float64, original units
    scaled: np.ndarray  # [N - d] float32, model units: scaled[k] is z at position k + d
    scaler: Scaler  # fitted on the transformed training part
    split: Split
    X: torch.Tensor  # [W, L] float32 inputs of every window: a strided VIEW of `scaled`
    #                  (no copy: memory is O(N), indexing gathers only the rows asked for)
    y: torch.Tensor  # [W] float32 targets, a view too
    transform: Transform = field(default_factory=Transform)  # what the model sees, not levels
    inputs: Inputs | None = None  # the inputs beside the series (original units), or None;
    #                               with them X is [W, L, 1 + F]: channel 0 the target
    input_scalers: tuple[Scaler, ...] = ()  # [F] fitted on each input's training part
    features: np.ndarray | None = None  # [N - d + K, F] float32 scaled inputs as the model
    #          reads them beside target row k (lstm_core.series.inputs.feature_rows); rows from
    #          N - d on are the inputs' future rows, NaN where unknown

    @property
    def n_inputs(self) -> int:
        """F: inputs beside the target."""
        return 0 if self.features is None else self.features.shape[1]

    @property
    def n_readable(self) -> int:
        """Rows of `matrix` the model can read: N - d, or N - d - 1 when the last step's
        known-ahead inputs are not in the data (no row after the series' end)."""
        n = len(self.scaled)
        if self.features is not None and np.isnan(self.features[n - 1]).any():
            return n - 1
        return n

    @property
    def matrix(self) -> np.ndarray:
        """What the model reads at each known step: [N - d] without inputs, [N - d, 1 + F]
        with them (column 0 the scaled target)."""
        if self.features is None:
            return self.scaled
        return np.column_stack([self.scaled, self.features[: len(self.scaled)]])

    @property
    def lag(self) -> int:
        """d: series position of scaled[0]."""
        return self.split.lag

    def part(self, name: str, device: str | torch.device | None = None):
        """(X [n, L], y [n]) of "train", "val" or "test", views of the series; on another
        device the series is moved once and windowed there (never the [n, L] copy)."""
        import torch

        s = self.split.windows(name)
        if device is None or torch.device(device).type == "cpu":
            return self.X[s], self.y[s]
        X, y = windows_of(torch.from_numpy(self.matrix).to(device), self.split.look_back)
        return X[s], y[s]

    @property
    def target_index(self) -> np.ndarray:
        """[W] position in the series of each window's target."""
        return np.arange(self.split.first_target, len(self.values))

    def to_levels(self, z_scaled: np.ndarray, target_index: np.ndarray) -> np.ndarray:
        """Model outputs for the targets at `target_index` [n] -> levels [n] (original units),
        each from the true level d steps before its target."""
        z = self.scaler.inverse(z_scaled)
        back = self.values[np.asarray(target_index) - self.lag]
        return self.transform.invert_step(z, back)

    def part_targets(self, part: str) -> np.ndarray:
        """The true values [n] the windows of `part` ("train", "val", "test") predict,
        original units."""
        return self.values[self.target_index[self.split.windows(part)]]

    def part_levels(self, part: str, y_scaled: np.ndarray) -> np.ndarray:
        """Model outputs [n] for the windows of `part` -> predictions [n], original units."""
        return self.to_levels(y_scaled, self.target_index[self.split.windows(part)])


def make_dataset(
    values: np.ndarray,
    cfg: DataConfig,
    scaler: Scaler | None = None,
    transform: Transform | None = None,
    inputs: Inputs | None = None,
    input_scalers: tuple[Scaler, ...] | None = None,
) -> Dataset:
    """Transform, split, fit the scalers on the training part (unless given), scale, window.

    values [N] float64 -> Dataset with X [W, L] (with F inputs: [W, L, 1 + F]), y [W]
    float32, W = N - L - d. `transform` defaults to "none" (the levels): "auto" is resolved
    before this, by lstm_core.choose. The transform applies to the target only; each input
    is scaled as it is, by a scaler fitted on its training rows (lstm_core.series.inputs.scale).
    """
    import torch

    transform = transform or Transform()
    v = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(v)):
        raise DataError("The series contains missing or infinite values: clean it first.")
    split = plan_split(len(v), cfg, transform.lag)
    z = transform.forward(v)  # [N - d]
    if scaler is None:
        scaler = Scaler.fit(z[: split.train_end - split.lag], cfg.scaler)
    scaled64 = scaler.transform(z)
    if not np.all(np.abs(scaled64) < 3e38):
        raise DataError(
            "Later values are far outside the training range and cannot be scaled to "
            "float32: check the column for outliers."
        )
    scaled = scaled64.astype(np.float32)
    data = Dataset(
        values=v, scaled=scaled, scaler=scaler, split=split, X=None, y=None, transform=transform
    )
    if inputs is not None and inputs.specs:
        if inputs.n_points != len(v):
            raise DataError(
                f"There are {inputs.n_points:,} rows of inputs for {len(v):,} values: pass the "
                "inputs read with this series."
            )
        train_end = split.train_end
        scaled_in, data.input_scalers = input_tools.scale(inputs, train_end, cfg.scaler,
                                                          input_scalers)  # fmt: skip
        if not np.all(np.abs(np.nan_to_num(scaled_in)) < 3e38):
            raise DataError(
                "An input's later values are far outside its training range: check the "
                "input columns for outliers."
            )
        data.inputs = inputs
        data.features = input_tools.feature_rows(inputs.specs, scaled_in, transform.lag)
    data.X, data.y = windows_of(torch.from_numpy(data.matrix), cfg.look_back)
    return data


def windows_of(series: torch.Tensor, look_back: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Every window of a series as views, no copy: [M] -> (X [M - L, L], y [M - L]); with
    inputs [M, C] -> (X [M - L, L, C], y [M - L] from channel 0)."""
    if series.dim() == 2:
        return series[:-1].unfold(0, look_back, 1).transpose(1, 2), series[look_back:, 0]
    return series[:-1].unfold(0, look_back, 1), series[look_back:]
