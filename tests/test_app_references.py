"""The Forecast page's classic references (issue 24) with AppTest: fitted on request as the
visitor's job, then beside the baselines in the table, the backtest chart and the verdict."""

from __future__ import annotations

import numpy as np

from explorer.i18n import STRINGS
from lstm_core import metrics
from lstm_core.evaluation.references import NAMES

from .test_app import decode, figures, settle, shown, start, state, texts, traces, train, upload

EN = STRINGS["en"]


def test_after_one_train_the_forecast_page_shows_the_references_and_the_best():
    at = train(start("pages/train.py"))  # the training's job fits the references after it
    refs = state(at, "classic_refs")["refs"]
    assert set(refs.fitted) == set(NAMES), refs.notes()
    at.switch_page("pages/forecast.py").run()
    assert not at.exception, at.exception
    assert not [b for b in at.button if b.key == "fc_fit_references"]  # nothing to ask for
    # the one-step table: the baselines' rows unchanged, the references in a table of their own
    table, classics = (el.value for el in at.dataframe)
    assert list(table.index) == [
        "model", "naive (last value)", "seasonal naive", "mean of train"
    ]  # fmt: skip
    assert list(classics.index) == list(NAMES)
    assert list(classics.columns) == ["RMSE", "MAE", "sMAPE %", "MASE"]
    fitted = next(c for c in shown(at) if c.startswith("Fitted: AutoETS: ETS("))
    assert "AutoTheta: Theta (" in fitted and "AutoARIMA: ARIMA(" in fitted
    # the backtest chart: a dashed line per reference, beside the dotted baselines
    by_step = next(f for f in figures(at) if f["layout"]["xaxis"]["title"]["text"] == "steps ahead")
    lines = traces(by_step)
    assert [f"reference: {n}" for n in NAMES] == [k for k in lines if k.startswith("reference")]
    assert lines["reference: AutoETS"]["line"]["dash"] == "dash"
    # the verdict names the best of the references on the backtest (RMSE averaged over H)
    verdict = next(t for t in texts(at.info) if "baseline" in t)
    ys = {n: np.mean(decode(lines[f"reference: {n}"]["y"])) for n in NAMES}
    model = np.mean(decode(lines["model"]["y"]))
    best = min(ys, key=ys.get)
    where = f"over forecasts 1–{len(decode(lines['model']['y']))} steps ahead"  # which RMSE
    assert metrics.reference_verdict(model, ys, where) in verdict  # the chart's own numbers
    assert best in verdict
    # ... and those numbers stand on the page, under the chart
    means = next(c for c in shown(at) if c.startswith("RMSE averaged over the"))
    assert (
        f"model {model:#.4g} · naive (last value) " in means and f"{best} {ys[best]:#.4g}" in means
    )
    assert not any(t.startswith("Fitting the classic") for t in shown(at))
    # the Learn page's paragraph points at these numbers
    at.switch_page("pages/learn.py").run()
    assert not at.exception, at.exception
    best1 = classics["RMSE"].idxmin()
    model1, ref1 = table["RMSE"]["model"], classics["RMSE"][best1]
    line = (f"On your series, one step ahead over the test part: the model's RMSE "
            f"{model1:#.4g}; {best1}'s {ref1:#.4g} (")  # fmt: skip
    assert any(t.startswith(line) for t in texts(at.markdown))
    assert "When is an LSTM worth it?" in texts(at.header)


def test_a_reference_that_wins_on_a_short_series_gets_its_reason_and_a_link_to_learn():
    at = start("pages/data.py")
    at.selectbox(key="data_transform").set_value("none").run()  # the levels, and one epoch:
    at.switch_page("pages/train.py").run()  # a classic method wins on air passengers
    at = train(at, epochs=1, hidden=4)
    at.switch_page("pages/forecast.py").run()
    assert not at.exception, at.exception
    table, classics = (el.value for el in at.dataframe)
    best = classics["RMSE"].idxmin()
    assert classics["RMSE"][best] < 0.9 * table["RMSE"]["model"]
    dataset, bundle = state(at, "dataset"), state(at, "bundle")
    weights = sum(p.numel() for p in bundle.model.parameters())
    why = (f"Why {best} can win here one step ahead: the model fitted {weights:,} weights from "
           f"{dataset.split.n_train} training windows, {best} a handful of parameters")  # fmt: skip
    assert any(c.startswith(why) for c in shown(at)), shown(at)
    assert "learn" in [el.proto.page for el in at.get("page_link")]  # the Learn page


def test_the_forecast_page_fits_them_on_request_when_missing():
    at = train(start("pages/train.py"))
    del at.session_state["classic_refs"]  # e.g. a model opened from a file
    at.switch_page("pages/forecast.py").run()
    assert any(c.startswith("Does the LSTM beat a classic method too?") for c in shown(at))
    at.button(key="fc_fit_references").click().run()
    job = state(at, "job")  # None already when the job ended before the rerun adopted it
    assert job is None or job.work.key == "classic_refs"
    settle(at)
    outcome = state(at, "task_outcome")  # it ran as the visitor's job, and ended well
    assert outcome["key"] == "classic_refs" and outcome["status"] == "completed", outcome
    assert [el.value.index.tolist() for el in at.dataframe][1] == list(NAMES)


def test_another_training_on_the_same_data_keeps_the_references_a_new_split_refits():
    from dataclasses import replace

    at = train(start("pages/train.py"))
    first = state(at, "classic_refs")
    at = train(at, train_seed=7)  # a new model, the same values and split: nothing to refit
    assert state(at, "bundle").train_config.seed == 7
    assert state(at, "classic_refs") is first
    at.session_state["data_cfg"] = replace(state(at, "data_cfg"), test_fraction=0.2)
    at = train(at)  # another split: the references are fitted again, on its parts
    again = state(at, "classic_refs")
    assert again is not first and again["key"] != first["key"]
    assert set(again["refs"].fitted) == set(NAMES)


def test_the_references_key_tells_a_reordered_series_apart():
    from explorer.reference_jobs import references_key
    from lstm_core.config import DataConfig
    from lstm_core.series.windows import make_dataset

    v = np.arange(60.0) % 7 + 1
    cfg = DataConfig(look_back=4, transform="none")
    a, b = make_dataset(v, cfg), make_dataset(v[::-1].copy(), cfg)  # same length and sum
    assert references_key(a) == references_key(make_dataset(v.copy(), cfg))
    assert references_key(a) != references_key(b)


def test_a_constant_series_says_once_why_no_reference_was_fitted():
    data = "t,v\n" + "".join(f"{i},7.0\n" for i in range(120))
    at = upload(start("pages/data.py"), "constant.csv", data.encode())
    at.switch_page("pages/train.py").run()
    at = train(at, epochs=1, hidden=4)
    at.switch_page("pages/forecast.py").run()
    assert not at.exception, at.exception
    assert "**Classic references**: none could be fitted here." in texts(at.markdown)
    said = [c for c in shown(at) if "not fitted" in c]
    assert said == ["AutoETS, AutoTheta and AutoARIMA were not fitted: the training and "
                    "validation parts are constant, so there is nothing to fit."], said  # fmt: skip
    assert not any(c.startswith("Fitted:") for c in shown(at))
    scores = [d.value for d in at.dataframe if "MASE" in d.value.columns]
    assert len(scores) == 1 and "model" in scores[0].index  # the one-step table
    mase = scores[0]["MASE"]  # undefined (a flat training part)
    assert set(mase) == {"–"}, mase  # not Streamlit's grey "None"
    at.switch_page("pages/learn.py").run()  # its own numbers' line says why it has none
    assert not at.exception, at.exception
    assert EN["worth_none"] in texts(at.markdown)
