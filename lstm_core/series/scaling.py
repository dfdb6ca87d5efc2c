"""The affine map from original units to the model's (fitted on the training part only):
the target's (lstm_core.series.windows) and each input's (lstm_core.series.inputs)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lstm_core.series.errors import DataError

__all__ = ["Scaler"]


@dataclass(frozen=True)
class Scaler:
    """An affine map to model units: scaled = (value - offset) / scale, in float64."""

    kind: str  # "minmax" or "standard"
    offset: float  # subtracted first (min, or mean)
    scale: float  # then divided by (max - min, or std); 1.0 for a constant training part

    @classmethod
    def fit(cls, values: np.ndarray, kind: str = "minmax") -> Scaler:
        """Fit on `values` [N] (the training part only)."""
        v = np.asarray(values, dtype=np.float64)
        if kind == "minmax":
            lo, hi = float(v.min()), float(v.max())
            offset, scale = lo, hi - lo
        else:
            offset = float(v.mean())
            m = float(np.abs(v - offset).max())
            # std of (v - mean) / m, times m: no overflow for values near 1e300
            scale = m * float(np.std((v - offset) / m)) if m > 0 else 0.0
        if not np.isfinite(scale) or not np.isfinite(offset):
            raise DataError(
                "The values span too wide a range to scale: rescale the column (e.g. divide "
                "by a power of ten) and try again."
            )
        return cls(kind=kind, offset=offset, scale=scale if scale > 0 else 1.0)

    def transform(self, values: np.ndarray) -> np.ndarray:
        """[N] original units -> [N] float64 model units."""
        return (np.asarray(values, dtype=np.float64) - self.offset) / self.scale

    def inverse(self, scaled: np.ndarray) -> np.ndarray:
        """[N] model units -> [N] float64 original units."""
        return np.asarray(scaled, dtype=np.float64) * self.scale + self.offset

    def to_dict(self) -> dict[str, float | str]:
        return {"kind": self.kind, "offset": self.offset, "scale": self.scale}
