"""Learn: the club lecture's story of the LSTM, told with the user's own trained model,
in English or Chinese (every string in explorer/i18n.py).

Reads (explorer.state): bundle, dataset, series, source, compare, data_cfg, model_cfg. The
temperature button writes series, source, model_cfg and train_cfg and starts this visitor's
training job (explorer/session.py), like the Data and Train pages do.

Widget keys (st.session_state; persist_state="session" unless noted):
  learn_lang     str   "en" or "zh" (default English)
  learn_window   int   window of the conveyor belt and the equations (default 0, the first)
  learn_unit     int   unit shown
  learn_t        int   timestep of the equations (default: the last)
  learn_epochs   int   epochs of the temperature example (explorer.widgets.int_input)
  learn_train    the temperature button
Caches (explorer/learn_runs.py, through explorer/derived.py; explorer.state documents
them): learn_trace (the shown window's trace), learn_experiments (the gate experiments),
learn_input (the strongest input held at its mean).
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from explorer import equations as eq
from explorer import experiment_figures as ef
from explorer import learn_figures as lf
from explorer import session, state, ui
from explorer.active import active_series, builtin_defaults, builtin_source, load_builtin
from explorer.compare_figures import gradient_by_lag_figure
from explorer.escape import md_escape
from explorer.gate_figures import window_part
from explorer.gradient_words import gradient_words
from explorer.i18n import LANGS, t
from explorer.learn_runs import EXPERIMENTS, experiment_runs, input_experiment_run, window_trace
from explorer.widgets import PERSIST, SETTING_WIDGETS, fitting, forget_widgets, int_input
from lstm_core.config import ConfigError, ModelConfig, TrainConfig
from lstm_core.experiments.compare import param_count
from lstm_core.inside.gates import CELL_LABELS
from lstm_core.metrics import count

PLOTLY = {"displaylogo": False}
TEMPERATURE = "temperature"
EXAMPLE_HIDDEN, EXAMPLE_LR = 16, 0.01


def links(lang: str, *pages: tuple[str, str, str]) -> None:
    for page, label, icon in pages:
        st.page_link(page, label=t(label, lang), icon=icon)


SECTIONS = ("s1", "s2", "s3", "s4", "s5", "s6", "s7", "worth")  # in the page's order


def section(key: str, lang: str) -> None:
    """A section's header, with the anchor the contents line links to ("#learn-s1")."""
    st.header(t(f"{key}_title", lang), anchor=f"learn-{key}")


def contents(lang: str) -> None:
    """One line linking every section, so that the last one is a click away, not a scroll."""
    items = " · ".join(f"[{t(f'{k}_title', lang)}](#learn-{k})" for k in SECTIONS)
    st.markdown(f"{t('contents', lang)} {items}")


DATA = ("pages/data.py", "link_data", ":material/table_chart:")
TRAIN = ("pages/train.py", "link_train", ":material/model_training:")
GATES = ("pages/gates.py", "link_gates", ":material/memory:")
COMPARE = ("pages/compare.py", "link_compare", "⚖️")
FORECAST = ("pages/forecast.py", "link_forecast", ":material/trending_up:")


# --------------------------------------------------------------------------- the model


def lstm_model(lang: str):
    """(bundle, dataset) of a usable LSTM, or None (saying why, unless there is no model)."""
    bundle, dataset = state.get("bundle"), state.get("dataset")
    if bundle is None:
        return None  # the page's opening info says so
    if dataset is None or dataset.split.look_back != bundle.data_config.look_back:
        st.warning(t("need_data", lang))
    elif bundle.model_config.cell != "lstm":
        st.info(t("not_lstm", lang, cell=CELL_LABELS[bundle.model_config.cell]))
    else:
        return bundle, dataset
    return None


# --------------------------------------------------------------------------- sections


def why_not_rnn(lang: str) -> None:
    section("s1", lang)
    st.markdown(t("s1_body", lang))
    st.markdown(t("s1_adding", lang))
    links(lang, COMPARE)


def timesteps(lang: str) -> None:
    section("s2", lang)
    series, look_back = active_series(), ui.configs()[0].look_back
    st.markdown(t("s2_body", lang, look_back=look_back))
    if len(series.values) > look_back:
        st.text(t("s2_series", lang, name=series.name, look_back=look_back))  # name: plain text
        fig = lf.timesteps_figure(series.values[: look_back + 1], look_back, lang)
        st.plotly_chart(fig, config=PLOTLY, key="learn_window_chart")


def pick_place(lang: str, dataset, hidden: int) -> tuple[int, int, int]:
    """Window, unit and timestep of the conveyor belt and the equations."""
    n_windows, steps = dataset.split.n_windows, dataset.split.look_back
    c1, c2, c3 = st.columns(3)
    w_key = fitting("learn_window", lambda v: v in range(n_windows), 0)
    w = c1.number_input(t("pick_window", lang), 0, n_windows - 1, key=w_key, **PERSIST)
    u_key = fitting("learn_unit", lambda v: v in range(hidden), 0)
    unit = c2.number_input(t("pick_unit", lang), 0, hidden - 1, key=u_key, **PERSIST)
    t_key = fitting("learn_t", lambda v: v in range(steps), steps - 1)
    step = c3.slider(t("pick_t", lang), 0, steps - 1, key=t_key, **PERSIST) if steps > 1 else 0
    return int(w), int(unit), int(step)


def conveyor(lang: str):
    """Section 3; returns (model, trace, w, unit, t) for section 4, or None without an LSTM."""
    section("s3", lang)
    st.markdown(t("s3_body", lang))
    st.markdown(t("s3_analogy", lang))
    found = lstm_model(lang)
    if found is None:
        return None
    bundle, dataset = found
    cfg = bundle.model_config
    tf = bundle.transform
    if tf.kind != "none":
        sees = f"{tf.label(bundle.column)}, {t('scaled', lang)}"
        name = f"sdiff, m = {tf.season}" if tf.kind == "sdiff" else tf.kind
        how = f"{t(f'tf_{tf.kind}', lang)} ({name})"
        text = t("model_sees", lang, name=bundle.column, sees=sees, how=how)
        st.caption(md_escape(text))
    if cfg.num_layers > 1:
        st.caption(t("layer_note", lang, n=cfg.num_layers))
    w, unit, step = pick_place(lang, dataset, cfg.hidden_size)
    trace = window_trace(bundle, dataset, w)
    layer = {name: arr[0] for name, arr in trace.layers[0].items()}
    fig = lf.conveyor_figure(*lf.cell_inputs(layer, unit), mark=step, unit=unit, lang=lang)
    st.plotly_chart(fig, config=PLOTLY, key="learn_conveyor")
    part = t(f"part_{window_part(dataset.split, w)}", lang)
    st.caption(t("s3_caption", lang, w=w, part=part, unit=unit, t=step))
    return bundle.model, trace, w, unit, step


GATE_GROUPS = (  # (title, what it does, [(equation, sentence or None)])
    ("forget_title", "forget_what", (("f", "forget_says"),)),
    ("input_title", "input_what", (("i", "input_says"), ("g", "cand_says"))),
    ("cell_title", "cell_what", (("c", "cell_says"),)),
    ("output_title", "output_what", (("o", "output_says"), ("h", "hidden_says"))),
)


def gates(lang: str, picked) -> None:
    """Section 4: each gate's equation, with the model's numbers when there is an LSTM."""
    section("s4", lang)
    st.markdown(t("s4_body", lang))
    step = fields = None
    if picked is None:
        st.caption(t("s4_generic", lang))
    else:
        from lstm_core.inside.gatestep import explain_step

        model, trace, w, unit, when = picked
        step = explain_step(model, trace, 0, when, unit)
        fields = eq.step_fields(step)
        names = [s.name for s in state.get("bundle").inputs]
        inputs = eq.input_fields(step, names)
        lead = "s4_numbers" if inputs is None else "s4_numbers_inputs"
        st.caption(t(lead, lang, w=w, unit=unit, t=when))
        if inputs is not None:
            st.caption(t("s4_inputs", lang, **inputs))
    latex = eq.gate_latex(step)
    for title, what, lines in GATE_GROUPS:
        st.subheader(t(title, lang))
        st.markdown(t(what, lang))
        for key, says in lines:
            st.latex(latex[key])
            if fields is not None:
                st.caption(t(says, lang, **fields))
    if step is not None and not step["ok"]:
        st.warning(t("check_bad", lang))
    if picked is not None:
        links(lang, GATES)


def before_after(lang: str, key: str, cells, test, w: int, unit: int, column: str) -> None:
    """Two charts side by side: the unit's cell state in window w as trained and with the
    experiment (cells: [T, H] each), and the test part's predictions before and after."""
    names = (t("x_truth", lang), t("x_before", lang), t("x_after", lang))
    left, right = st.columns(2)
    cell = ef.before_after_figure(
        cells[0][:, unit], cells[1][:, unit], title=t("x_cell_title", lang, w=w, unit=unit),
        x_label=t("fig_timestep", lang), y_label="Cₜ", names=names,
    )  # fmt: skip
    left.plotly_chart(cell, config=PLOTLY, key=f"{key}_cell")
    preds = ef.before_after_figure(
        test.before, test.after, test.targets, title=t("x_pred_title", lang),
        x_label=t("x_test_window", lang), y_label=column, names=names,
    )  # fmt: skip
    right.plotly_chart(preds, config=PLOTLY, key=f"{key}_pred")


def experiments(lang: str, picked) -> None:
    """Close the input gates, open the forget gates, shut the output gates: real results."""
    if picked is None:
        return
    bundle, dataset = state.get("bundle"), state.get("dataset")
    _, _, w, unit, _ = picked
    st.subheader(t("x_title", lang))
    st.markdown(t("x_body", lang))
    if bundle.model_config.num_layers > 1:
        st.caption(t("x_layers", lang, n=bundle.model_config.num_layers))
    if bundle.transform.kind != "none":
        st.caption(t("x_levels", lang))
    found = experiment_runs(bundle, dataset, w)
    for name, _, _ in EXPERIMENTS:
        test, out, c = found["runs"][name]
        st.markdown(f"**{t(f'x_{name}_title', lang)}**")
        st.markdown(t(f"x_{name}_body", lang))
        before_after(lang, f"learn_x_{name}", (found["c"], c), test, w, unit, bundle.column)
        fields = lf.experiment_fields(test, out, found["c"], c, unit, lang)
        st.markdown(t(f"x_{name}_result", lang, **fields))
    links(lang, ("pages/gates.py", "x_gates_link", ":material/science:"))


def input_experiment(lang: str, picked) -> None:
    """With inputs beside the series: hold the one that matters most at its mean."""
    bundle, dataset = state.get("bundle"), state.get("dataset")
    if picked is None or not bundle.inputs:
        return
    _, _, w, unit, _ = picked
    found = input_experiment_run(bundle, dataset, w)
    test, (c0, c1), (p0, p1) = found["test"], found["c"], found["preds"]
    name = found["name"]
    shown = md_escape(name)  # a column name from the file: text, never markdown
    st.markdown(f"**{t('x_in_title', lang, name=shown)}**")
    inputs = md_escape(", ".join(dataset.inputs.columns()))
    st.markdown(t("x_in_body", lang, name=shown, inputs=inputs))
    before_after(lang, "learn_x_held", (c0, c1), test, w, unit, bundle.column)
    way = lf.rmse_change(test.rmse_before, test.rmse_after)[0]
    verdict = {"worse": "x_in_matters", "better": "x_in_better", "same": "x_in_idle"}[way]
    st.markdown(t("x_in_result", lang, w=w, unit=unit, c_before=f"{c0[-1, unit]:.4f}",
                  c_after=f"{c1[-1, unit]:.4f}", pred_before=f"{p0:.4g}", pred_after=f"{p1:.4g}",
                  rmse_before=f"{test.rmse_before:.4g}", rmse_after=f"{test.rmse_after:.4g}",
                  verdict=t(verdict, lang)))  # fmt: skip


def temperature(lang: str) -> None:
    """Section 5: load the SYNTHETIC temperature series and train a small LSTM on it."""
    section("s5", lang)
    st.markdown(t("s5_body", lang))
    if (state.get("source") or {}).get("key") == TEMPERATURE:
        st.caption(t("s5_active", lang))
    left, right = st.columns([1, 3], vertical_alignment="bottom")
    epochs = int_input(left, t("s5_epochs", lang), "learn_epochs", 10, 1, 50)
    if right.button(t("s5_button", lang), type="primary", key="learn_train"):
        train_temperature(lang, epochs)
    st.markdown(t("s5_other", lang))
    links(lang, DATA, TRAIN)


def train_temperature(lang: str, epochs: int) -> None:
    """Make the synthetic temperatures the active series and train a small LSTM on them as
    this visitor's training job (the sidebar shows it; it goes on while the page is read)."""
    from explorer.training import TrainRequest

    if session.active():
        st.warning(session.BUSY)
        return
    params = builtin_defaults(TEMPERATURE)
    series = load_builtin(TEMPERATURE, tuple(sorted(params.items())))
    _, _, old_t = ui.configs()
    try:
        mcfg = ModelConfig("lstm", EXAMPLE_HIDDEN, 1, True)
        tcfg = TrainConfig(epochs, old_t.batch_size, EXAMPLE_LR, seed=old_t.seed, device="cpu")
        # the lecture's example: temperatures are stationary, the model reads them as they are
        dcfg = replace(ui.configs()[0], transform="none")
    except ConfigError as e:
        st.error(str(e))
        return
    request = TrainRequest(
        series.values, series.name, dcfg, mcfg, tcfg, "trained on the Learn page"
    )
    refused = request.admit()  # before the settings change; session.start asks it again
    if refused:
        st.error(refused)
        return
    session.invalidate_model("")  # the series changes: the old model goes (kept for the overlay)
    forget_widgets("data_builtin", *SETTING_WIDGETS)  # re-read from the new settings
    source = builtin_source(TEMPERATURE, params)
    # the example's settings become the app's: the Data page, the URL and the next Train
    for key, value in {"series": series, "source": source, "data_cfg": dcfg, "model_cfg": mcfg,
                       "train_cfg": tcfg}.items():  # fmt: skip
        state.put(key, value)
    session.start(request)
    st.rerun()


def gru(lang: str) -> None:
    """Section 6: the GRU's equations and parameter counts at the current size."""
    section("s6", lang)
    st.markdown(t("s6_body", lang))
    words = {"reset gate": "gru_reset", "update gate": "gru_update", "candidate": "gru_candidate"}
    for tex in eq.GRU_LATEX:
        for en, key in words.items():
            tex = tex.replace(rf"\text{{{en}}}", rf"\text{{{t(key, lang)}}}")
        st.latex(tex)
    bundle = state.get("bundle")
    cfg = bundle.model_config if bundle is not None else ui.configs()[1]
    if bundle is not None:
        inputs = cfg.n_inputs  # the inputs beside the series the model reads, as Train counts
    else:
        series = active_series()  # what a model trained now would read (Train's count)
        inputs = 0 if series is None else series.n_model_inputs
    n_lstm = param_count("lstm", cfg.hidden_size, cfg.num_layers, inputs)
    n_gru = param_count("gru", cfg.hidden_size, cfg.num_layers, inputs)
    layers = count(cfg.num_layers, "layer") if lang == "en" else f"{cfg.num_layers} 层"
    if inputs:  # why the count is above the textbook's one-input figure
        layers += (f" and {count(inputs, 'input')} beside the series" if lang == "en"
                   else f"、序列之外 {inputs} 个输入")  # fmt: skip
    st.markdown(t("s6_counts", lang, hidden=cfg.hidden_size, layers_text=layers,
                  lstm=f"{n_lstm:,}", gru=f"{n_gru:,}", share=f"{n_gru / n_lstm:.0%}"))  # fmt: skip


def conclusion(lang: str) -> None:
    """The vanishing-gradient curve from the Compare page, or a link to it."""
    section("s7", lang)
    st.markdown(t("s7_body", lang))
    found = state.get("compare")
    if not found:
        st.info(t("s7_none", lang))
        links(lang, COMPARE)
        return
    st.text(t("s7_results", lang, label=found["label"]))  # the label holds a column name
    grads = {r.cell: (r.grad_init, r.grad_trained) for r in found["results"]}
    words = {k: t(f"grad_{k}", lang) for k in ("title", "x", "trained", "init")}
    st.plotly_chart(gradient_by_lag_figure(grads, words), config=PLOTLY, key="learn_grad_lag")
    for line in gradient_words(grads, lang):
        st.markdown(line)


def worth_it(lang: str) -> None:
    """When an LSTM is worth it, and the visitor's own numbers once the references ran."""
    section("worth", lang)
    st.markdown(t("worth_body", lang))
    kept, ev = state.get("classic_refs"), state.get("evaluation")
    if kept is not None and ev is not None and ev["evaluation"].backtest is not None:
        from explorer.reference_jobs import references_key
        from lstm_core.evaluation.forecast import with_references

        dataset = state.get("dataset")
        if dataset is not None and kept["key"] == references_key(dataset):
            full = with_references(ev["evaluation"], dataset, kept["refs"])
            if full.references:
                best = min(full.references, key=lambda k: full.references[k]["rmse"])
                st.markdown(t("worth_yours", lang, model=f"{full.table['model']['rmse']:#.4g}",
                              best=best, ref=f"{full.references[best]['rmse']:#.4g}"))  # fmt: skip
            else:  # none could be fitted (a constant series): say so, not nothing
                st.markdown(t("worth_none", lang))
    links(lang, FORECAST)


# --------------------------------------------------------------------------- the page

ui.setup()
lang = st.radio(
    t("lang_label", "en"), list(LANGS), format_func=LANGS.get, horizontal=True,
    key=fitting("learn_lang", lambda v: v in LANGS, "en"), **PERSIST,
)  # fmt: skip
st.title(t("title", lang))
st.markdown(t("intro", lang))
contents(lang)
if state.get("bundle") is None:
    st.info(t("no_model", lang))
    links(lang, DATA, TRAIN)
why_not_rnn(lang)
timesteps(lang)
picked = conveyor(lang)
gates(lang, picked)
experiments(lang, picked)
input_experiment(lang, picked)
temperature(lang)
gru(lang)
conclusion(lang)
worth_it(lang)
ui.finish()
