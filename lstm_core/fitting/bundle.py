"""Model files: one `.pt` holding everything needed to reuse a model, loaded without pickle code.

The file is a plain dict readable by `torch.load(path, weights_only=True)`:
  format, format_version, model_config, data_config, train_config,
  state_dict (PyTorch's own names: rnn.weight_ih_l0, rnn.weight_hh_l0, rnn.bias_ih_l0, ...),
  scaler {kind, offset, scale}, column, n_points,
  split {look_back, n_train, n_val, n_test, lag}, transform {kind, season},
  transform_scores {name: validation RMSE in original units} (when "auto" chose it),
  fingerprint (of the series' values), trained_at (UTC, when the last training ended),
  history [{epoch, train_loss, val_loss, seconds}], versions {lstm_explorer, torch, python},
  inputs [{name, kind, column, encoding, level, scaler}] (the inputs beside the target).
Files written before transforms existed (no "transform", no split "lag") load as "none";
files without a fingerprint or trained_at load with them empty ("unknown"); files without
"inputs" load as a model with none.
"""

from __future__ import annotations

import io
import os
import pickle
import pickletools
import platform
import zipfile
from dataclasses import dataclass, field
from typing import Any

import torch

from lstm_core.config import ConfigError, DataConfig, ModelConfig, TrainConfig, from_dict, to_dict
from lstm_core.fitting import sizing
from lstm_core.fitting.models import Forecaster
from lstm_core.fitting.train import EpochRecord
from lstm_core.metrics import count
from lstm_core.runtime.limits import LIMITS
from lstm_core.series.inputs import InputSpec
from lstm_core.series.transforms import Transform
from lstm_core.series.windows import Scaler, Split

FORMAT = "lstm-explorer-model"
FORMAT_VERSION = 1
VERSION = "0.1.0"
MAX_BYTES = LIMITS.model_bytes


class BundleError(ValueError):
    """A model file cannot be used; str(e) says why in one sentence."""


@dataclass
class ModelBundle:
    """A trained model and all that is needed to reuse it."""

    model: Forecaster
    model_config: ModelConfig
    data_config: DataConfig
    train_config: TrainConfig
    scaler: Scaler  # fitted on the transformed training part of the series it was trained on
    column: str  # name of the value column it was trained on
    n_points: int  # length of that series
    split: Split  # window counts of that series' split
    history: list[EpochRecord] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=dict)
    transform: Transform = field(default_factory=Transform)  # what the model sees
    transform_scores: dict[str, float] = field(default_factory=dict)  # auto: validation RMSE
    fingerprint: str = ""  # of the series' values it was trained on (fingerprint()); "" unknown
    trained_at: str = ""  # when its last training ended, UTC "YYYY-MM-DD HH:MM"; "" unknown
    inputs: tuple[InputSpec, ...] = ()  # [F] inputs beside the target, in the model's order
    input_scalers: tuple[Scaler, ...] = ()  # [F] each fitted on its input's training part

    def input_phrase(self) -> str:
        """ "with inputs TEMP, cbwd (known only up to now); calendar (known ahead)" or ""."""
        if not self.inputs:
            return ""
        parts = []
        for kind, words in (("past", "known only up to now"), ("future", "known ahead")):
            cols = list(dict.fromkeys(s.column for s in self.inputs if s.kind == kind))
            if cols:
                parts.append(f"{', '.join(cols)} ({words})")
        return "with inputs " + "; ".join(parts)

    def provenance(self) -> str:
        """One sentence: what it was trained on, with which window and transform, when and
        for how long."""
        s = self.split
        text = f"Trained on {self.column} ({self.n_points:,} points"
        text += f", fingerprint {self.fingerprint})" if self.fingerprint else ")"
        text += (f", look-back {s.look_back}, {s.n_train:,} train / {s.n_val:,} validation / "
                 f"{s.n_test:,} test windows, "
                 f"model input {self.transform.label(self.column)}, scaled")  # fmt: skip
        if self.inputs:
            text += f", {self.input_phrase()}"
        if self.history:
            seconds = sum(r.seconds for r in self.history)
            text += f"; {count(len(self.history), 'epoch')} in {seconds:.1f} s"
            n = s.n_train_planned  # what the rules read (lstm_core/fitting/sizing.py)
            eff = sizing.effective(self.train_config, n)
            if sizing.is_long(self.train_config, n):
                text += f" (batches of {eff.batch_size:,}, lr {eff.lr:g}: a long series)"
            elif sizing.is_short(self.train_config, n):
                text += f" (batches of {eff.batch_size}: a short series)"
        if self.trained_at:
            text += f", ended {self.trained_at} UTC"
        return text + "."

    def summary(self) -> list[tuple[str, str]]:
        """What the file holds, as (what, value) rows of plain text for a table."""
        m, d, t, s = self.model_config, self.data_config, self.train_config, self.split
        best = min(self.history, key=lambda r: r.val_loss, default=None)
        layers = f"{m.num_layers} layer{'s' if m.num_layers > 1 else ''}"
        windows = f"{s.n_train:,} train / {s.n_val:,} validation / {s.n_test:,} test"
        eff = sizing.effective(t, s.n_train_planned)  # what fit() used (sizing.py)
        n = len(self.history)
        training = f"{n} epoch{'' if n == 1 else 's'}, batch {eff.batch_size}, lr {eff.lr:g}"
        training += f", patience {t.patience or 'off'}, seed {t.seed}"
        low = f"{best.val_loss:.4g} at epoch {best.epoch}" if best else "not trained"
        rows = [
            ("Series", f"{self.column}, {self.n_points:,} points"),
            ("Fingerprint", self.fingerprint or "unknown (an older file)"),
            ("Trained", f"{self.trained_at} UTC" if self.trained_at else "unknown"),
            ("Model", f"{m.cell.upper()}, hidden size {m.hidden_size}, {layers}"),
            ("Model input", f"{self.transform.label(self.column)}, scaled ({d.scaler})"),
            ("Inputs beside the series", self.input_phrase() if self.inputs else "none"),
            ("Windows", f"look-back {s.look_back}; {windows}"),
            ("Training", training),
            ("Lowest validation loss", low),
        ]
        if self.transform_scores:
            scores = ", ".join(f"{k} {v:.4g}" for k, v in self.transform_scores.items())
            rows.append(("auto's trials (validation RMSE)", scores))
        versions = ", ".join(f"{k} {v}" for k, v in self.versions.items())
        return [*rows, ("Saved by", versions or "unknown")]

    def mismatch(self, values: Any, name: str, fp: str | None = None) -> str | None:
        """A sentence when `values` (named `name`) are not the series this model was trained
        on (by fingerprint when the file has one, else by length); None when they are.
        `fp`: fingerprint(values) when the caller already has it."""
        same = len(values) == self.n_points
        if same and self.fingerprint:
            same = (fp or fingerprint(values)) == self.fingerprint
        if same:
            return None
        return (
            f"This model was trained on {self.column!r} ({self.n_points:,} points), not on the "
            f"current series {name!r} ({len(values):,} points): its predictions and gates here "
            "are of a model that never saw these values."
        )

    def to_dict(self) -> dict[str, Any]:
        """The plain dict that is saved (tensors, str, int, float, list, dict only)."""
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "model_config": to_dict(self.model_config),
            "data_config": to_dict(self.data_config),
            "train_config": to_dict(self.train_config),
            "state_dict": {k: v.detach().cpu() for k, v in self.model.state_dict().items()},
            "scaler": self.scaler.to_dict(),
            "column": str(self.column),
            "n_points": int(self.n_points),
            "split": self.split.to_dict(),
            "transform": self.transform.to_dict(),
            "transform_scores": {str(k): float(v) for k, v in self.transform_scores.items()},
            "fingerprint": str(self.fingerprint),
            "trained_at": str(self.trained_at),
            "history": [r.to_dict() for r in self.history],
            "inputs": [
                {**spec.to_dict(), "scaler": sc.to_dict()}
                for spec, sc in zip(self.inputs, self.input_scalers, strict=True)
            ],
            "versions": {
                "lstm_explorer": VERSION,
                "torch": str(torch.__version__),
                "python": platform.python_version(),
            },
        }


def save_bundle(bundle: ModelBundle, dest: str | os.PathLike | io.BytesIO) -> None:
    """Write the bundle to a path or a binary buffer."""
    torch.save(bundle.to_dict(), dest)


def bundle_bytes(bundle: ModelBundle) -> bytes:
    """The model file's bytes (for a download button)."""
    buf = io.BytesIO()
    save_bundle(bundle, buf)
    return buf.getvalue()


def _read(source: str | os.PathLike | bytes) -> Any:
    """torch.load with weights_only=True; every failure becomes a BundleError."""
    try:
        if isinstance(source, bytes | bytearray):
            data = bytes(source)
        else:
            with open(source, "rb") as fh:
                data = fh.read(MAX_BYTES + 1)
    except OSError as e:
        raise BundleError(
            f"Cannot read the model file {os.fspath(source)!r}: {e.strerror or e}."
        ) from None
    if len(data) == 0:
        raise BundleError("The model file is empty: choose a .pt file saved by LSTM Explorer.")
    if len(data) > MAX_BYTES:
        raise BundleError("The model file is larger than 200 MB, far more than any model here.")
    try:
        return torch.load(io.BytesIO(data), weights_only=True, map_location="cpu")
    except pickle.UnpicklingError as e:
        if "unsupported global" in str(e).lower() or _names_code(data):
            raise BundleError(
                "This file would run code when loaded, so it was refused: only model files "
                "saved by LSTM Explorer (plain weights and settings) can be opened."
            ) from None
        raise BundleError(_NOT_OURS) from None
    except (RuntimeError, EOFError, ValueError, zipfile.BadZipFile, KeyError, TypeError):
        raise BundleError(_NOT_OURS) from None
    except Exception:  # a hostile file must never crash the caller
        raise BundleError(_NOT_OURS) from None


_SAFE_MODULES = ("torch", "collections")


def _names_code(data: bytes) -> bool:
    """Whether a pickle (bare, or data.pkl inside a torch zip) imports anything but torch.

    Only reads opcodes (pickletools never executes them): used to word the refusal.
    """
    try:
        if data[:2] == b"PK":
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                name = next(n for n in z.namelist() if n.endswith("data.pkl"))
                data = z.read(name)
        strings: list[str] = []
        for op, arg, _ in pickletools.genops(io.BytesIO(data)):
            if op.name == "GLOBAL":
                mod = str(arg).split(" ")[0]
            elif op.name in ("STACK_GLOBAL", "INST", "OBJ"):
                mod = strings[-2] if len(strings) >= 2 else ""
            else:
                if isinstance(arg, str):
                    strings.append(arg)
                continue
            if not mod.startswith(_SAFE_MODULES):
                return True
    except Exception:
        return False
    return False


_NOT_OURS = (
    "This is not a model file saved by LSTM Explorer (it is corrupt or of another kind): "
    "choose a .pt file downloaded from the Export page or written by `python -m lstm_core train`."
)


def load_bundle(source: str | os.PathLike | bytes) -> ModelBundle:
    """Load and check a model file; BundleError with one clear sentence on any problem."""
    d = _read(source)
    if not isinstance(d, dict) or d.get("format") != FORMAT:
        raise BundleError(_NOT_OURS)
    if d.get("format_version", 0) > FORMAT_VERSION:
        raise BundleError(
            "This model file comes from a newer LSTM Explorer: update the app to open it."
        )
    try:
        mcfg = from_dict(ModelConfig, d["model_config"])
        dcfg = from_dict(DataConfig, d["data_config"])
        # a file from before the short- and long-series rules trained exactly as set
        tcfg = from_dict(
            TrainConfig, {"scale_long": False, "scale_short": False, **d["train_config"]}
        )
        scaler = _scaler(d["scaler"])
        split = Split(
            **{k: int(d["split"][k]) for k in ("look_back", "n_train", "n_val", "n_test")},
            lag=int(d["split"].get("lag", 0)),
        )
        transform = Transform.from_dict(d.get("transform"))
        scores = {str(k): float(v) for k, v in dict(d.get("transform_scores") or {}).items()}
        if split.lag != transform.lag:
            raise ValueError("the split and the transform disagree")
        history = [
            EpochRecord(
                int(r["epoch"]), float(r["train_loss"]), float(r["val_loss"]), float(r["seconds"])
            )
            for r in d.get("history", [])
        ]
        inputs = tuple(InputSpec.from_dict(r) for r in d.get("inputs") or [])
        input_scalers = tuple(_scaler(r["scaler"]) for r in d.get("inputs") or [])
        if len(inputs) != mcfg.n_inputs:
            raise ValueError("the inputs and the model disagree")
        model = Forecaster(mcfg)
        model.load_state_dict(d["state_dict"], strict=True)
        model.eval()
        column, n_points = str(d["column"]), int(d["n_points"])
        versions = {str(k): str(v) for k, v in dict(d.get("versions", {})).items()}
        stamp = {k: str(d.get(k) or "")[:40] for k in ("fingerprint", "trained_at")}
    except ConfigError as e:
        raise BundleError(f"The model file has an invalid setting: {e}") from None
    except (KeyError, TypeError, ValueError, RuntimeError, AttributeError):
        raise BundleError(
            "The model file is damaged: its settings or weights do not fit together."
        ) from None
    return ModelBundle(
        model=model,
        model_config=mcfg,
        data_config=dcfg,
        train_config=tcfg,
        scaler=scaler,
        column=column,
        n_points=n_points,
        split=split,
        history=history,
        versions=versions,
        transform=transform,
        transform_scores=scores,
        inputs=inputs,
        input_scalers=input_scalers,
        **stamp,
    )


def _scaler(s: dict) -> Scaler:
    return Scaler(kind=str(s["kind"]), offset=float(s["offset"]), scale=float(s["scale"]))


def fingerprint(values: Any) -> str:
    """A short fingerprint of a series' values: the first 12 hex digits of the SHA-256 of
    their float64 bytes (the same values give the same fingerprint on any machine)."""
    import hashlib

    import numpy as np

    data = np.ascontiguousarray(np.asarray(values, dtype=np.float64))
    return hashlib.sha256(data.tobytes()).hexdigest()[:12]


def now_utc() -> str:
    """The time now, as ModelBundle.trained_at writes it."""
    from datetime import UTC, datetime

    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M")
