"""Target transforms: what the model sees instead of the raw levels, and the way back.

An LSTM fitted on scaled levels cannot predict values it never saw in training, so on a
trending series every test prediction sits below the truth. Differencing removes the trend;
the model then predicts the next change, and the change is added back to the last level:

  none     z[t] = v[t]                                  (the levels themselves)
  diff     z[t] = v[t] - v[t-1]                         (the change from the last step)
  logdiff  z[t] = log v[t] - log v[t-1]                 (the relative change; v > 0 only)
  sdiff    z[t] = v[t] - v[t-m]                         (the change from one season ago)

A transform with lag d turns N levels into N - d values; z[k] belongs to series position
k + d. The inverse of one step needs the level d steps back:
  v[t] = g⁻¹( g(v[t-d]) + z[t] )     with g = log for logdiff, the identity otherwise.

`auto` is not a transform but a choice: `pipeline.choose_transform` tries the candidates and
keeps the one with the lowest validation RMSE in original units.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lstm_core.config import TRANSFORMS as CHOICES  # what a user may ask for: "auto" and the kinds
from lstm_core.metrics import detect_season
from lstm_core.series.errors import DataError

KINDS: tuple[str, ...] = CHOICES[1:]  # "none", "diff", "logdiff", "sdiff"
DESCRIPTIONS = {
    "auto": "picked on validation",
    "none": "the values",
    "diff": "change from last step",
    "logdiff": "relative change",
    "sdiff": "change from a season ago",
}


@dataclass(frozen=True)
class Transform:
    """One concrete transform (never "auto")."""

    kind: str = "none"  # "none", "diff", "logdiff" or "sdiff"
    season: int = 0  # sdiff only: the seasonal lag m (>= 2); 0 otherwise

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"transform must be one of {KINDS}, got {self.kind!r}.")
        if self.kind == "sdiff" and self.season < 2:
            raise ValueError(f"sdiff needs a season of at least 2, got {self.season!r}.")
        if self.kind != "sdiff" and self.season:
            raise ValueError(f"only sdiff takes a season, got {self.kind!r} with one.")

    @property
    def lag(self) -> int:
        """d: how many leading points have no transformed value (0, 1 or the season)."""
        return {"none": 0, "diff": 1, "logdiff": 1}.get(self.kind, self.season)

    @property
    def log(self) -> bool:
        return self.kind == "logdiff"

    def check(self, values: np.ndarray) -> None:
        """DataError (one sentence) when this transform cannot take `values`."""
        v = np.asarray(values, dtype=np.float64)
        if self.log and not np.all(v > 0):
            raise DataError(
                f"The log difference needs strictly positive values, but the series has "
                f"{int(np.sum(v <= 0))} values at or below zero: choose 'diff' or 'none'."
            )
        if len(v) <= self.lag:
            raise DataError(
                f"The series has {len(v)} points, too few for a difference over "
                f"{self.lag} steps: choose 'none' or a longer series."
            )

    def forward(self, values: np.ndarray) -> np.ndarray:
        """Levels v [N] -> z [N - lag] float64; z[k] belongs to position k + lag."""
        self.check(values)
        g = self._g(values)
        d = self.lag
        return g.copy() if d == 0 else g[d:] - g[:-d]

    def invert_step(self, z: np.ndarray, back: np.ndarray) -> np.ndarray:
        """One step back to levels: z [n] and the levels `lag` steps earlier, back [n] -> [n].

        (Ignored for "none": the levels are z itself.)
        """
        z = np.asarray(z, dtype=np.float64)
        if self.lag == 0:
            return z.copy()
        return self._g_inv(self._g(back) + z)

    def integrate(self, z: np.ndarray, past: np.ndarray) -> np.ndarray:
        """A path back to levels: z [..., H] (steps after the last known level) and the last
        `lag` known levels past [..., lag] -> levels [..., H].

        Sequential in H only (H is a forecast horizon), vectorised over the leading axes.
        """
        z = np.asarray(z, dtype=np.float64)
        d = self.lag
        if d == 0:
            return z.copy()
        past = np.asarray(past, dtype=np.float64)
        if past.shape[-1] != d:
            raise ValueError(f"integrate needs the last {d} levels, got {past.shape[-1]}.")
        if d == 1:  # g(v[t0 + k]) = g(v[t0 - 1]) + z[0] + ... + z[k]
            return self._g_inv(self._g(past) + np.cumsum(z, axis=-1))
        g = np.concatenate([self._g(past), np.zeros_like(z)], axis=-1)  # [..., d + H]
        for k in range(z.shape[-1]):  # each step reaches d back, so no single cumsum
            g[..., d + k] = g[..., k] + z[..., k]
        return self._g_inv(g[..., d:])

    def label(self, column: str) -> str:
        """What the model sees, in words: "Δ passengers", "Δ log passengers", ..."""
        return {
            "none": column,
            "diff": f"Δ {column}",
            "logdiff": f"Δ log {column}",
            "sdiff": f"Δ{self.season} {column}",
        }[self.kind]

    def describe(self) -> str:
        """In words, then the name: "the change from the last step (diff)", "the values
        themselves (transform none)"."""
        words = {
            "none": "the values themselves",
            "diff": "the change from the last step",
            "logdiff": "the relative change from the last step",
            "sdiff": "the change from one season ago",
        }[self.kind]
        name = {"sdiff": f"sdiff, m = {self.season}", "none": "transform none"}.get(
            self.kind, self.kind
        )  # a bare "(none)" would read as a missing value
        return f"{words} ({name})"

    def to_dict(self) -> dict[str, int | str]:
        return {"kind": self.kind, "season": self.season}

    @classmethod
    def from_dict(cls, d: dict | None) -> Transform:
        """From a model file; files written before transforms existed mean "none"."""
        if not d:
            return cls()
        return cls(kind=str(d.get("kind", "none")), season=int(d.get("season", 0)))

    def _g(self, v: np.ndarray) -> np.ndarray:
        v = np.asarray(v, dtype=np.float64)
        return np.log(v) if self.log else v

    def _g_inv(self, g: np.ndarray) -> np.ndarray:
        return np.exp(g) if self.log else g


def training_season(values: np.ndarray, train_end: int) -> int | None:
    """The seasonal period detected on the training part (values[:train_end]) only, as the
    baselines detect it."""
    return detect_season(np.asarray(values)[:train_end])


def resolve(kind: str, values: np.ndarray, train_end: int) -> Transform:
    """A concrete transform by name for this series (sdiff at the training part's season);
    DataError (one sentence) when the series cannot take it."""
    season = training_season(values, train_end) if kind == "sdiff" else None
    tf = make(kind, season)
    tf.check(values)
    return tf


def make(kind: str, season: int | None = None) -> Transform:
    """A concrete transform by name; "sdiff" takes the season (ValueError without one)."""
    if kind == "auto":
        raise ValueError("'auto' is a choice, not a transform: use pipeline.choose_transform.")
    if kind == "sdiff":
        if not season or season < 2:
            raise DataError(
                "No seasonal period was found in this series, so the seasonal difference "
                "cannot be used: choose 'diff', 'logdiff' or 'none'."
            )
        return Transform("sdiff", int(season))
    return Transform(kind)


def candidates(values: np.ndarray, season: int | None) -> tuple[list[Transform], list[str]]:
    """The transforms `auto` tries on this series, and why others were skipped (sentences)."""
    v = np.asarray(values, dtype=np.float64)
    out, skipped = [Transform("none"), Transform("diff")], []
    if np.all(v > 0):
        out.append(Transform("logdiff"))
    else:
        skipped.append("logdiff was skipped: the series has values at or below zero.")
    if season and season >= 2:
        out.append(Transform("sdiff", int(season)))
    else:
        skipped.append(
            "sdiff was skipped: no season was found in the training part (its changes repeat "
            "at no lag clearly enough, or it is too short to show one three times)."
        )
    return out, skipped
