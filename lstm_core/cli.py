"""Command line: train, export gates, forecast and evaluate without the app.

    python -m lstm_core train CSV --out MODEL.pt [--transform auto|none|diff|logdiff|sdiff]
                              [--inputs COL,...] [--future-inputs COL,...] [--calendar]
                              [--references] ...
    python -m lstm_core gates MODEL.pt CSV --out GATES.npz [--column C] [--start S] [--length L]
    python -m lstm_core forecast MODEL.pt CSV --horizon H [--out FORECAST.csv]
    python -m lstm_core evaluate MODEL.pt CSV [--horizon H] [--without-inputs]
                                 [--no-references] [--json]
    python -m lstm_core intervene MODEL.pt CSV --gate G --units all|K[,K...] --value V
                                  [--layer L] [--from-step T] [--json]
    python -m lstm_core intervene MODEL.pt CSV --input NAME --value V|mean|shuffle|row:K
    python -m lstm_core explain MODEL.pt CSV [--json]
    python -m lstm_core task adding --length T --cell lstm|gru|rnn [--hidden H] [--budget N]
                             [--seed S] [--json]

Exit 0 on success; 2 with one line on stderr for bad input or a bad model file.

The commands live in cli_model (train, forecast, evaluate) and cli_inside (gates, intervene,
explain, task); what they share in cli_common. This module holds the parser and `main`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from lstm_core.cli_common import UserError
from lstm_core.cli_inside import cmd_explain, cmd_gates, cmd_intervene, cmd_task
from lstm_core.cli_model import cmd_evaluate, cmd_forecast, cmd_train
from lstm_core.config import TRANSFORMS, ConfigError, DataConfig, ModelConfig, TrainConfig
from lstm_core.fitting.bundle import BundleError
from lstm_core.runtime.threads import ThreadPolicy
from lstm_core.series.data import DataError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m lstm_core", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    d, m, t = DataConfig(), ModelConfig(), TrainConfig()

    tr = sub.add_parser("train", help="train a model on a CSV column and save it")
    tr.add_argument("csv")
    tr.add_argument("--out", required=True, help="model file to write (.pt)")
    tr.add_argument("--column", help="value column (default: the engine's choice, said why)")
    tr.add_argument("--date-column", help="date/time column (default: detected)")
    tr.add_argument(
        "--inputs", type=_columns, default=(), metavar="COL[,COL...]",
        help="other columns fed beside the values, known only up to now (read at step t)",
    )  # fmt: skip
    tr.add_argument(
        "--future-inputs", type=_columns, default=(), metavar="COL[,COL...]",
        help="other columns known ahead (a holiday flag, a weather forecast): read at t + 1; "
        "rows after the last value give their future for forecasts",
    )  # fmt: skip
    tr.add_argument(
        "--calendar", action="store_true",
        help="calendar inputs from the dates (sin/cos of hour, weekday, day of year), known ahead",
    )  # fmt: skip
    tr.add_argument("--cell", choices=["lstm", "gru", "rnn"], default=m.cell)
    tr.add_argument("--look-back", type=int, default=d.look_back)
    tr.add_argument("--hidden", type=int, default=m.hidden_size)
    tr.add_argument("--layers", type=int, default=m.num_layers)
    tr.add_argument("--epochs", type=int, default=t.epochs)
    tr.add_argument("--batch-size", type=int, default=t.batch_size)
    tr.add_argument("--lr", type=float, default=t.lr)
    tr.add_argument(
        "--no-scale-long", dest="scale_long", action="store_false",
        help="on a long series, train with --batch-size and --lr as given (default: batches "
        "grow to about 128 steps an epoch, the lr with them, and auto's trials to 10 epochs)",
    )  # fmt: skip
    tr.add_argument(
        "--no-scale-short", dest="scale_short", action="store_false",
        help="on a short series, train with --batch-size as given (default: the batch halves "
        "until an epoch has 16 steps, down to 4)",
    )  # fmt: skip
    tr.add_argument(
        "--references", action="store_true",
        help="also fit the classic references (AutoETS, AutoTheta, AutoARIMA) on the training "
        "and validation parts: the verdict names the best, and --json adds `references` "
        "(`evaluate` fits them by default)",
    )  # fmt: skip
    tr.add_argument("--val-fraction", type=float, default=d.val_fraction)
    tr.add_argument("--test-fraction", type=float, default=d.test_fraction)
    tr.add_argument("--patience", type=int, default=t.patience, help="0 = no early stopping")
    tr.add_argument("--seed", type=int, default=t.seed)
    tr.add_argument("--scaler", choices=["minmax", "standard"], default=d.scaler)
    tr.add_argument(
        "--transform", choices=TRANSFORMS, default=d.transform,
        help="what the model sees: auto (chosen on the validation part), none (the values), "
        "diff, logdiff (positive series) or sdiff (seasonal difference)",
    )  # fmt: skip
    tr.add_argument(
        "--keep-last", action="store_true",
        help="end with the last epoch's weights (default: the lowest validation loss)",
    )  # fmt: skip
    tr.add_argument("--device", choices=["auto", "cpu", "cuda"], default=t.device)
    tr.add_argument("--json", action="store_true", help="print a JSON summary on stdout")

    ga = sub.add_parser("gates", help="export every gate and state over a span to .npz")
    ga.add_argument("model")
    ga.add_argument("csv")
    ga.add_argument("--out", required=True, help=".npz file to write")
    ga.add_argument("--column", help="value column (default: the one the model was trained on)")
    ga.add_argument("--start", type=int, help="first point of the span (default: last look_back)")
    ga.add_argument("--length", type=int, help="points in the span (default: look_back)")
    ga.add_argument(
        "--compress", action="store_true",
        help="zlib-compress the .npz (smaller by a few %% for gate values, several times slower)",
    )  # fmt: skip

    fo = sub.add_parser("forecast", help="forecast H steps past the end of the series")
    fo.add_argument("model")
    fo.add_argument("csv")
    fo.add_argument("--horizon", type=int, required=True)
    fo.add_argument("--column")
    fo.add_argument("--out", help="CSV file to write (default: print to stdout)")

    ev = sub.add_parser("evaluate", help="test-part errors against the baselines")
    ev.add_argument("model")
    ev.add_argument("csv")
    ev.add_argument("--column")
    ev.add_argument(
        "--horizon", type=int,
        help="backtest H-step forecasts from every test origin (default: one season, at most "
        "half the test part)",
    )  # fmt: skip
    ev.add_argument(
        "--without-inputs", action="store_true",
        help="also train the same settings without the inputs and score it (do they help?)",
    )  # fmt: skip
    ev.add_argument(
        "--no-references", action="store_true",
        help="leave out the classic references (AutoETS, AutoTheta, AutoARIMA, fitted on the "
        "training and validation parts)",
    )  # fmt: skip
    ev.add_argument("--json", action="store_true")

    iv = sub.add_parser("intervene", help="clamp a gate, a state or an input; compare errors")
    iv.add_argument("model")
    iv.add_argument("csv")
    iv.add_argument("--column")
    what = iv.add_mutually_exclusive_group(required=True)
    what.add_argument("--gate", help="LSTM i, f, g, o, c or h; GRU r, z, n or h; RNN h")
    what.add_argument("--input", help="an input beside the series (a column or a one-hot input)")
    iv.add_argument("--units", help="with --gate: all, or unit numbers such as 0,3,7")
    iv.add_argument("--value", required=True,
                    help="σ gates 0-1, g, n and h -1-1; an input: a number (its units), mean, "
                    "shuffle or row:K (window K's values)")  # fmt: skip
    iv.add_argument("--layer", type=int, default=0)
    iv.add_argument("--from-step", type=int, default=0, help="first clamped step of a window")
    iv.add_argument("--json", action="store_true")

    ex = sub.add_parser("explain", help="which input drives which gate, and by how much")
    ex.add_argument("model")
    ex.add_argument("csv")
    ex.add_argument("--column")
    ex.add_argument("--json", action="store_true")

    tk = sub.add_parser("task", help="train on a memory task with a known answer; gates caught")
    tk.add_argument("name", choices=["adding"], help="adding: Hochreiter & Schmidhuber's adding "
                    "problem (the sum of two marked values among T)")  # fmt: skip
    tk.add_argument("--length", type=int, default=100, help="T, steps per sequence (10-400)")
    tk.add_argument("--cell", choices=["lstm", "gru", "rnn"], default="lstm")
    tk.add_argument("--hidden", type=int, help="LSTM units (default 16); GRU and RNN get the "
                    "size with the closest parameter count")  # fmt: skip
    tk.add_argument("--budget", type=int, help="training sequences at most (default 320,000)")
    tk.add_argument("--seed", type=int, default=0)
    tk.add_argument("--json", action="store_true")
    return p


def _columns(text: str) -> tuple[str, ...]:
    """--inputs / --future-inputs: column names separated by commas."""
    return tuple(c.strip() for c in text.split(",") if c.strip())


COMMANDS = {"train": cmd_train, "gates": cmd_gates, "forecast": cmd_forecast,
            "evaluate": cmd_evaluate, "intervene": cmd_intervene,
            "explain": cmd_explain, "task": cmd_task}  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        with ThreadPolicy():  # threads for the cores free now, for the whole command
            return COMMANDS[args.command](args)
    except (DataError, BundleError, ConfigError, UserError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"error: {e.strerror or e}: {getattr(e, 'filename', '') or ''}", file=sys.stderr)
        return 2
