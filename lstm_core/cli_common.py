"""What every command of the command line shares (lstm_core.cli runs them).

UserError: a problem the user can fix (main prints it as one line, exit 2).
series_for_model(csv, column, bundle): the CSV's series a saved model reads, its inputs beside.
clean(x): NaN and inf as None, so that --json prints standard JSON.
"""

from __future__ import annotations

import math
from typing import Any

from lstm_core.fitting.bundle import ModelBundle
from lstm_core.series.data import DataError, Series, read_table, series_from_table


class UserError(Exception):
    """A problem the user can fix; printed as one line, exit 2."""


def series_for_model(csv: str, column: str | None, bundle: ModelBundle) -> Series:
    """The CSV's column the model was trained on unless --column says otherwise; with the
    model's inputs beside it. Never another column in silence: a CSV without the model's
    column is a UserError that says so and names --column."""
    table = read_table(csv)
    if column is not None:
        return series_from_table(table, column, specs=bundle.inputs)
    try:
        return series_from_table(table, bundle.column, specs=bundle.inputs)
    except DataError as e:
        if bundle.column in table.frame.columns:
            raise  # the column is there; what is wrong with it is in the message
        raise UserError(
            f"{e} The model was trained on column {bundle.column!r}; pass --column NAME to "
            "read another one."
        ) from e


def clean(x: Any) -> Any:
    """NaN/inf -> None so the JSON is standard."""
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: clean(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [clean(v) for v in x]
    return x
