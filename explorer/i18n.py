"""Every UI string of the Learn page, in English and Chinese, in one place.

`t(key, lang, **fmt)` looks a string up and fills its `{fields}`; both languages have the same
keys and the same fields (tests/test_learn.py checks it). Markdown is allowed in the strings;
values that come from files (series and column names) must go through `st.text`, not here.
No streamlit import: the Learn figures use these strings too.
"""

from __future__ import annotations

LANGS: dict[str, str] = {"en": "English", "zh": "中文"}
DEFAULT_LANG = "en"

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        # --- page frame
        "title": "Learn: the LSTM, told with your own model",
        "lang_label": "Language / 语言",
        "intro": (
            "This page follows the club lecture on LSTMs, in the same order, but every picture "
            "is drawn from the model you trained in this session: its gates, its cell state, "
            "its numbers."
        ),
        "no_model": (
            "There is no trained model yet. The explanations below still apply; train a model "
            "(or use the synthetic temperature example in section 5) to see your own numbers."
        ),
        "need_data": "Load the data this model was trained on to see its numbers here.",
        "not_lstm": (
            "Your current model is a {cell}, which has no forget gate, input gate or cell "
            "state: this section's numbers exist only for an LSTM. Train an LSTM to see them."
        ),
        "link_data": "Choose the data",
        "link_train": "Train a model",
        "link_gates": "Every gate of every window",
        "link_compare": "Compare RNN, GRU and LSTM",
        # --- 1. why not a plain RNN
        "s1_title": "1. Why not a plain RNN?",
        "s1_body": (
            "A recurrent network reads a series one step at a time and passes a hidden state "
            "along. To learn, the error has to travel back through every one of those steps, "
            "and each step multiplies it by a factor. When the factors are mostly below one the "
            "signal fades towards zero — the **vanishing gradient** — and inputs from long ago "
            "teach the network nothing; when they are above one it grows without bound — the "
            "**exploding gradient** — and training becomes unstable. The LSTM was built to give "
            "that signal a path that does not fade: the cell state of section 3. The end of this "
            "page measures, on your own series, how strongly each network's prediction reacts "
            "to older inputs, and says what that measurement can and cannot show."
        ),
        "s1_adding": (
            "**The classic test.** Hochreiter and Schmidhuber's adding problem (1997) hides two "
            "marked numbers in a long sequence and asks for their sum at the end: the first "
            "mark can lie a hundred steps before the answer. The Compare cells page's section "
            "*Long memory, the classic test* trains a plain RNN, a GRU and an LSTM on it, shows "
            "which of them solve it, and where the LSTM's input gate opens."
        ),
        # --- 2. time series and timesteps
        "s2_title": "2. Time series and timesteps",
        "s2_body": (
            "A **time series** is a list of observations in time order: a price each day, a "
            "temperature each day, passengers each month. Each observation is one **timestep**, "
            "the unit of time the network reads at once. The model never sees the whole series "
            "in one go: it reads a window of **{look_back}** consecutive timesteps and predicts "
            "the value that follows."
        ),
        "s2_series": "Series: {name} — its first window of {look_back} timesteps",
        "fig_window_title": "The first window: {look_back} timesteps in, one value out",
        "fig_input": "input xₜ",
        "fig_target": "value to predict",
        "fig_timestep": "timestep t",
        "fig_value": "value",
        # --- 3. the memory cell
        "s3_title": "3. The memory cell: a conveyor belt",
        "s3_body": (
            "Beside its hidden state, an LSTM carries a **cell state** Cₜ from one timestep to "
            "the next, like a conveyor belt running the length of the window. At every step two "
            "things happen to the belt: a share of what is already on it stays on "
            "(fₜ · Cₜ₋₁, the **kept** part; the forget gate sets the share) and something "
            "new is placed on it (iₜ · C̃ₜ, the **written** part; the input gate sets how much "
            "of the candidate C̃ₜ). The new cell state is exactly their sum."
        ),
        "s3_analogy": (
            "*An analogy from the lecture:* picture the school library. Its shelves are the cell "
            "state and hold books — pieces of information — for a long time. Every day a "
            "librarian takes away the books nobody needs any more (the forget gate), and "
            "teachers and students bring in new books worth keeping (the input gate). What is "
            "left on the shelves is still there the next day."
        ),
        "pick_window": "Window",
        "pick_unit": "Unit",
        "pick_t": "Timestep t",
        "s3_caption": (
            "Window {w} ({part} part), unit {unit}. Bars: the kept and the written part at each "
            "timestep; line: the cell state Cₜ, their sum. The dotted line marks t = {t}."
        ),
        "part_train": "training",
        "part_val": "validation",
        "part_test": "test",
        "layer_note": "This model has {n} layers; these views show layer 0, which reads the "
        "series.",
        "scaled": "scaled",
        "gru_reset": "reset gate",
        "grad_title": "How much the prediction feels an input k steps back",
        "grad_x": "lag k (steps before the prediction)",
        "grad_trained": "trained",
        "grad_init": "at init",
        "gru_update": "update gate",
        "gru_candidate": "candidate",
        "tf_diff": "the change from the last step",
        "tf_logdiff": "the relative change from the last step",
        "tf_sdiff": "the change from one season ago",
        "model_sees": (
            "Your model does not read {name} itself but {sees}: {how}. Every xₜ below is that "
            "value; its prediction is turned back into {name} before it is scored."
        ),
        "fig_conveyor_title": "Unit {unit}: what the cell keeps and what it writes",
        "fig_kept": "kept f·C(t−1)",
        "fig_written": "written i·C̃",
        "fig_cell": "cell state Cₜ",
        # --- 4. the gates
        "s4_title": "4. The gates, one by one",
        "s4_body": (
            "Each gate looks at the same two things — the previous hidden state hₜ₋₁ and "
            "the current input xₜ — and squashes a weighted sum of them: σ gives a share "
            "between 0 and 1, tanh a value between −1 and 1."
        ),
        "s4_numbers": (
            "With your model, window {w}, unit {unit}, timestep {t}. Inside the brackets: the "
            "hₜ₋₁ term, the xₜ term and the bias."
        ),
        "s4_numbers_inputs": (
            "With your model, window {w}, unit {unit}, timestep {t}. Inside the brackets: the "
            "hₜ₋₁ term, the series' xₜ term, the inputs' uₜ term and the bias."
        ),
        "s4_inputs": (
            "Besides the series, your model reads inputs: at this step uₜ = ({names}) = "
            "({values}), scaled as the model reads them. So the xₜ term is split in two: the "
            "series' own part (xₜ = {x}), then the inputs' uₜ part."
        ),
        "s4_generic": "Train an LSTM to see every equation filled in with its real numbers.",
        "forget_title": "Forget gate",
        "forget_what": "Decides how much of the old cell state survives this step.",
        "forget_says": "Here it keeps {pct_f} of the previous cell state ({c_prev} → {kept}).",
        "input_title": "Input gate and candidate",
        "input_what": (
            "The input gate decides how much to write; the candidate C̃ₜ is what could be written."
        ),
        "input_says": "Here the input gate lets in {pct_i} of what the candidate offers.",
        "cand_says": "The candidate proposes {g}; {written} of it reaches the cell state.",
        "cell_title": "Cell update",
        "cell_what": "The conveyor belt of section 3 in one line: kept part plus written part.",
        "cell_says": "So the cell state moves from {c_prev} to {c} ({kept} kept + {written} new).",
        "output_title": "Output gate and hidden state",
        "output_what": (
            "Decides how much of the squashed cell state tanh(Cₜ) becomes the hidden state "
            "hₜ, the unit's output to the next step and to the prediction."
        ),
        "output_says": "Here it opens to {pct_o}.",
        "hidden_says": "So hₜ = {pct_o} of tanh(Cₜ) = {tanh_c}, which gives {h}.",
        "check_bad": "The recomputed state differs from the traced one by more than 1e-4.",
        # --- experiments on the user's model (after section 4)
        "x_title": "Experiments: switch a gate and watch your model",
        "x_body": (
            "The sentences above say what each gate is for. Here they become experiments: the "
            "model below is yours, run once as trained and once with one gate held at a value "
            "in every unit (of every layer). The lines are real results, not sketches."
        ),
        "x_cell_title": "Window {w}, unit {unit}: cell state Cₜ",
        "x_pred_title": "Test part: one-step predictions",
        "x_truth": "true value",
        "x_before": "as trained",
        "x_after": "gate held",
        "x_test_window": "test window",
        "x_layers": "Your model has {n} layers: the gate is held in all of them; the cell state "
        "shown is layer 0's.",
        "x_levels": (
            "Your model reads the series transformed (differences, for example): a constant "
            "output of the model there becomes a fixed step added to the last value."
        ),
        "x_input_title": "Close every input gate (i = 0)",
        "x_input_body": (
            "Nothing may be written into the cell, so the cell state starts at zero and stays "
            "there; with Cₜ = 0, hₜ = oₜ·tanh(0) = 0 too. The read-out then sees only zeros "
            "and the forecast becomes a constant: the read-out's bias. Here it is:"
        ),
        "x_input_result": (
            "Result: the largest |Cₜ| after the clamp is **{c_max}**; the model's raw output "
            "(before it is turned back into the series' units) is **{out}** for every test "
            "window ({n} in all; largest difference between them: {spread}); the test RMSE "
            "goes from {rmse_before} to **{rmse_after}**. {change}"
        ),
        "x_forget_title": "Open every forget gate fully (f = 1)",
        "x_forget_body": (
            "Now nothing is ever forgotten: Cₜ = Cₜ₋₁ + iₜ·C̃ₜ, so the cell state "
            "becomes a running sum of everything written since the window began. Memory without "
            "forgetting piles up:"
        ),
        "x_forget_result": (
            "Result: unit {unit} ends the window with C = **{c_after}** instead of {c_before}; "
            "the test RMSE goes from {rmse_before} to **{rmse_after}**. {change}"
        ),
        "x_output_title": "Shut every output gate (o = 0)",
        "x_output_body": (
            "The cell still reads the input and keeps a state, but nothing of it is shown: "
            "hₜ = 0·tanh(Cₜ) = 0. The output gate decides what the rest of the network gets "
            "to see, so the forecast is again a constant:"
        ),
        "x_output_result": (
            "Result: the cell state still moves (largest |Cₜ| = **{c_max}**), yet the model's raw "
            "output is **{out}** for every test window ({n} in all; largest difference "
            "between them: {spread}); the test RMSE goes from {rmse_before} to **{rmse_after}**. "
            "{change}"
        ),
        "x_gates_link": "Clamp any gate of any unit yourself",
        "x_in_title": "Hold the strongest input at its mean: {name}",
        "x_in_body": (
            "Your model reads {inputs} beside the series. Of them, **{name}** matters most here: "
            "held at its training mean, the test error grows the most (each input's effect is "
            "on the Forecast page). Hold it at its mean in every window and watch what the "
            "gates and the forecast do without it:"
        ),
        "x_in_result": (
            "Result: in window {w}, unit {unit} ends with C = **{c_after}** instead of "
            "{c_before} and the prediction moves from {pred_before} to **{pred_after}**; over the "
            "test part the RMSE goes from {rmse_before} to **{rmse_after}**. {verdict}"
        ),
        "x_worse": "The clamp made the forecast **worse**: the test RMSE is {pct} higher.",
        "x_better": (
            "The clamp made the forecast **better** here: the test RMSE is {pct} lower, so "
            "on this test part the model did not need what the gate did as trained."
        ),
        "x_same": "The clamp barely changes the forecast: the test RMSE moves by {pct}.",
        "x_in_matters": "The model leans on this input: without it, it forecasts worse.",
        "x_in_better": (
            "Without it the model forecasts **better** on the test part: the input seems to "
            "add more noise than signal here."
        ),
        "x_in_idle": (
            "The error barely moves: the model has learned little from this input (or the "
            "series itself already carries what it says)."
        ),
        # --- 5. the temperature example
        "s5_title": "5. The temperature example",
        "s5_body": (
            "The lecture predicts tomorrow's temperature from the last few days. The app has a "
            "**SYNTHETIC** daily temperature series for that: **generated** by a formula (a "
            "yearly cycle around 12 °C plus random day-to-day weather), **not measured** "
            "anywhere. Load it and train a small LSTM here, and every view above shows that "
            "model."
        ),
        "s5_epochs": "Epochs",
        "s5_button": "Load the SYNTHETIC temperature series and train a small LSTM",
        "s5_active": "The active series is the SYNTHETIC temperature series (generated, not "
        "measured).",
        "s5_progress": "Training on the synthetic temperatures: epoch {epoch} of {last}",
        "s5_other": "Or pick any series on the Data page and train on the Train page: this page "
        "always follows the current model.",
        # --- 6. GRU
        "s6_title": "6. GRU: a lighter variant",
        "s6_body": (
            "The GRU folds the forget and input gates into one **update gate** zₜ and keeps no "
            "separate cell state: the hidden state is the memory. With three weight blocks "
            "instead of four it is smaller and faster, and on many series it learns about as "
            "well."
        ),
        "s6_counts": (
            "At hidden size {hidden} with {layers_text}: LSTM **{lstm}** parameters, GRU "
            "**{gru}** ({share} of the LSTM)."
        ),
        # --- conclusion
        "s7_title": "Conclusion: the vanishing gradient, measured",
        "s7_body": (
            "The Compare cells page trains an RNN, a GRU and an LSTM of matched size on the same "
            "series and measures how strongly each prediction reacts to the input k steps back: "
            "the mean of |∂ŷ/∂x(t−k)| over up to 256 validation windows, in the model's scaled "
            "units, not normalised, on a log scale. Dotted, at initialisation, before any "
            "learning: a curve that falls steeply there is the vanishing gradient of section 1, "
            "what training starts from. Solid: after training."
        ),
        "s7_measured": (
            "Your measurement, from k = 0 to the longest lag k = {lag} (in brackets: the share "
            "left at k = {lag}). At initialisation: {init}. Trained: {trained}. At k = {lag} the "
            "trained {top} keeps the most; relative to its own value at k = 0, the flattest "
            "trained curve is the {flat}'s."
        ),
        "s7_caveat": (
            "A flat trained curve means the trained prediction still reacts to the oldest "
            "inputs of this {steps}-step window. It is not by itself a longer memory: after "
            "training the curve also shows which inputs the model learned to use, and {steps} "
            "steps is a short distance for the fading of section 1. The adding problem on the "
            "Compare cells page tests long distances (T = 100 steps by default)."
        ),
        "s7_sep": "; ",
        "s7_not_lstm": (
            "So the {flat} being flatter than the LSTM here does not contradict section 1: over "
            "this short window its gradient faded less, which says nothing yet about long ones."
        ),
        "s7_results": "Results for {label}",
        "s7_none": "Run the comparison on the Compare cells page and its curve appears here.",
        "contents": "**On this page:**",
        "worth_title": "When is an LSTM worth it?",
        "worth_body": (
            "Honestly: on a short series with one clear season and trend, like the airline "
            "passengers, a classic method (exponential smoothing, Theta, ARIMA) fitted in a "
            "second is often as good as an LSTM, or better: it has a handful of parameters, "
            "the LSTM thousands to learn from a hundred points. An LSTM earns its cost on long "
            "series (thousands of points), with several seasons or patterns that change over "
            "time, with inputs beside the series (weather, holidays) that act with a delay, "
            "or when one model serves many related series. Check your own case: the Forecast "
            "page puts AutoETS, AutoTheta and AutoARIMA beside your model (fitted after each "
            "Train; for a model opened from a file, with 'Fit the classic references'), "
            "fitted on the same training and validation parts and scored on the same test "
            "points."
        ),
        "worth_yours": (
            "On your series, one step ahead over the test part: the model's RMSE {model}; "
            "{best}'s {ref} (the Forecast page's verdict also compares them over several steps "
            "ahead)."
        ),
        "worth_none": (
            "On your series no classic reference could be fitted; the Forecast page says why."
        ),
        "link_forecast": "Your model against the classic references",
    },
    "zh": {
        # --- page frame
        "title": "学习：用你自己的模型讲解 LSTM",
        "lang_label": "Language / 语言",
        "intro": (
            "本页沿着社团讲座的顺序介绍 LSTM，但所有图都来自你在本次会话中训练的模型："
            "它的门、它的记忆单元、它算出的真实数字。"
        ),
        "no_model": (
            "还没有训练好的模型。下面的讲解依然适用；训练一个模型"
            "（或使用第 5 节的合成气温示例）就能看到你自己的数字。"
        ),
        "need_data": "请先载入训练这个模型所用的数据，才能在这里看到它的数字。",
        "not_lstm": (
            "当前模型是 {cell}，它没有遗忘门、输入门，也没有记忆单元："
            "本节的数字只对 LSTM 存在。训练一个 LSTM 就能看到。"
        ),
        "link_data": "选择数据",
        "link_train": "训练模型",
        "link_gates": "查看每个窗口的每个门",
        "link_compare": "比较 RNN、GRU 与 LSTM",
        # --- 1. why not a plain RNN
        "s1_title": "1. 为什么不用普通的 RNN？",
        "s1_body": (
            "循环神经网络一次读入序列中的一步，并把隐藏状态传给下一步。"
            "训练时，误差信号要沿着这些步骤逐一反向传回，每经过一步就要乘上一个系数。"
            "如果这些系数大多小于 1，信号会越来越弱、趋近于零——这就是**梯度消失**，"
            "很久以前的输入几乎无法让网络学到东西；如果大于 1，信号会不断放大——"
            "这就是**梯度爆炸**，训练变得不稳定。LSTM 的设计正是为了给这个信号"
            "一条不会衰减的通路：第 3 节的记忆单元状态。本页末尾会在你自己的序列上实测"
            "每种网络的预测对更早的输入有多敏感，并说明这项测量能说明什么、不能说明什么。"
        ),
        "s1_adding": (
            "**经典测试。** Hochreiter 与 Schmidhuber（1997）的“加法问题”把两个带标记的数"
            "藏在一条很长的序列里，要求网络在末尾给出它们的和：第一个标记可能在答案之前一百步。"
            "“比较”（Compare cells）页中关于长时记忆的经典测试一节，"
            "会在这个任务上训练普通 RNN、GRU 和 LSTM，"
            "显示哪些能够解出，以及 LSTM 的输入门在哪里打开。"
        ),
        # --- 2. time series and timesteps
        "s2_title": "2. 时间序列与时间步",
        "s2_body": (
            "**时间序列**是按时间先后排好的一串观测值：每天的价格、每天的气温、每月的乘客数。"
            "每个观测值对应一个**时间步**，也就是网络一次读入的时间单位。"
            "模型并不会一次看完整条序列：它读入连续 **{look_back}** 个时间步组成的窗口，"
            "然后预测紧接着的下一个值。"
        ),
        "s2_series": "序列：{name} —— 第一个窗口，共 {look_back} 个时间步",
        "fig_window_title": "第一个窗口：输入 {look_back} 个时间步，输出一个值",
        "fig_input": "输入 xₜ",
        "fig_target": "要预测的值",
        "fig_timestep": "时间步 t",
        "fig_value": "数值",
        # --- 3. the memory cell
        "s3_title": "3. 记忆单元：一条传送带",
        "s3_body": (
            "除了隐藏状态，LSTM 还在时间步之间传递一个**记忆单元状态** Cₜ，"
            "就像一条贯穿整个窗口的传送带。每一步传送带上都发生两件事："
            "原有内容按一定比例留下（fₜ · Cₜ₋₁，即**保留**的部分，比例由遗忘门决定），"
            "同时放上新的内容（iₜ · C̃ₜ，即**写入**的部分，输入门决定候选值 C̃ₜ 写入多少）。"
            "新的记忆单元状态恰好等于两者之和。"
        ),
        "s3_analogy": (
            "*讲座里的类比*：把记忆单元想成学校的图书馆。书架就是记忆单元，"
            "长期存放着一本本书——也就是一条条信息。每天管理员会把没人再需要的书撤下（遗忘门），"
            "老师和同学会把值得保存的新书送来（输入门）。留在书架上的书，第二天依然在那里。"
        ),
        "pick_window": "窗口",
        "pick_unit": "单元",
        "pick_t": "时间步 t",
        "s3_caption": (
            "窗口 {w}（{part}部分），单元 {unit}。柱形：每个时间步保留的部分和写入的部分；"
            "折线：记忆单元状态 Cₜ，即两者之和。虚线标出 t = {t}。"
        ),
        "part_train": "训练",
        "part_val": "验证",
        "part_test": "测试",
        "layer_note": "这个模型有 {n} 层；这里展示的是直接读取序列的第 0 层。",
        "scaled": "缩放后",
        "gru_reset": "重置门",
        "grad_title": "预测对 k 步之前的输入有多敏感",
        "grad_x": "滞后 k（预测之前的步数）",
        "grad_trained": "训练后",
        "grad_init": "初始化时",
        "gru_update": "更新门",
        "gru_candidate": "候选状态",
        "tf_diff": "与上一步相比的变化",
        "tf_logdiff": "与上一步相比的相对变化",
        "tf_sdiff": "与一个季节之前相比的变化",
        "model_sees": (
            "你的模型读入的不是 {name} 本身，而是 {sees}：{how}。下面每个 xₜ 都是这个值；"
            "模型的预测会先换算回 {name}，再与真实值比较。"
        ),
        "fig_conveyor_title": "单元 {unit}：记忆单元保留了什么、写入了什么",
        "fig_kept": "保留 f·C(t−1)",
        "fig_written": "写入 i·C̃",
        "fig_cell": "记忆单元状态 Cₜ",
        # --- 4. the gates
        "s4_title": "4. 逐个认识各个门",
        "s4_body": (
            "每个门看的都是同样两样东西——上一步的隐藏状态 hₜ₋₁ 和当前输入 xₜ——"
            "再把它们的加权和压缩到一个范围内：σ 给出 0 到 1 之间的比例，"
            "tanh 给出 −1 到 1 之间的数值。"
        ),
        "s4_numbers": (
            "使用你的模型：窗口 {w}，单元 {unit}，时间步 {t}。括号里依次是 hₜ₋₁ 项、xₜ 项和偏置项。"
        ),
        "s4_numbers_inputs": (
            "使用你的模型：窗口 {w}，单元 {unit}，时间步 {t}。"
            "括号里依次是 hₜ₋₁ 项、序列的 xₜ 项、输入的 uₜ 项和偏置项。"
        ),
        "s4_inputs": (
            "除了序列本身，你的模型还读取输入：这一步的 uₜ = ({names}) = ({values})，"
            "是模型读到的缩放后的数值。所以 xₜ 项拆成两部分：先是序列自身的部分（xₜ = {x}），"
            "再是输入 uₜ 的部分。"
        ),
        "s4_generic": "训练一个 LSTM，就能看到每个公式代入真实数字后的结果。",
        "forget_title": "遗忘门",
        "forget_what": "决定旧的记忆单元状态在这一步有多少能留下来。",
        "forget_says": "在这里，它保留了上一步记忆单元状态的 {pct_f}（{c_prev} → {kept}）。",
        "input_title": "输入门与候选值",
        "input_what": "输入门决定写入多少；候选值 C̃ₜ 是可以写入的新内容。",
        "input_says": "在这里，输入门放进了候选值的 {pct_i}。",
        "cand_says": "候选值给出 {g}，其中 {written} 进入了记忆单元。",
        "cell_title": "更新记忆单元",
        "cell_what": "第 3 节的传送带写成一行：保留的部分加上写入的部分。",
        "cell_says": "于是记忆单元状态从 {c_prev} 变为 {c}（保留 {kept} + 新写入 {written}）。",
        "output_title": "输出门与隐藏状态",
        "output_what": (
            "决定压缩后的记忆 tanh(Cₜ) 有多少成为隐藏状态 hₜ，"
            "也就是这个单元传给下一步和用于预测的输出。"
        ),
        "output_says": "在这里，它打开到 {pct_o}。",
        "hidden_says": "所以 hₜ 等于 tanh(Cₜ) = {tanh_c} 的 {pct_o}，结果是 {h}。",
        "check_bad": "重新计算的状态与追踪得到的状态相差超过 1e-4。",
        # --- experiments on the user's model (after section 4)
        "x_title": "实验：拨动一个门，看你的模型怎么变",
        "x_body": (
            "上面的句子说明了每个门的作用，这里把它们变成实验：下面用的就是你的模型，"
            "先按训练好的样子运行一次，再把某个门在所有单元（所有层）里固定为一个值运行一次。"
            "图中的曲线都是真实结果，不是示意图。"
        ),
        "x_cell_title": "窗口 {w}，单元 {unit}：记忆单元状态 Cₜ",
        "x_pred_title": "测试部分：单步预测",
        "x_truth": "真实值",
        "x_before": "训练后的原样",
        "x_after": "固定门之后",
        "x_test_window": "测试窗口",
        "x_layers": "你的模型有 {n} 层：每一层的这个门都被固定；图中的记忆单元状态来自第 0 层。",
        "x_levels": (
            "你的模型读取的是变换后的序列（例如差分）：模型输出恒定，"
            "意味着预测只是在上一个值上加一个固定的步长。"
        ),
        "x_input_title": "关闭所有输入门（i = 0）",
        "x_input_body": (
            "记忆单元里什么也写不进去，所以记忆单元状态从零开始并一直保持为零；"
            "Cₜ = 0 时，hₜ = oₜ·tanh(0) 也等于 0。输出层只看到零，"
            "预测就变成一个常数——输出层的偏置。结果如下："
        ),
        "x_input_result": (
            "结果：固定之后 |Cₜ| 的最大值是 **{c_max}**；模型的原始输出（换算回序列单位之前）"
            "对 {n} 个测试窗口全都是 **{out}**（彼此最大相差 {spread}）；"
            "测试 RMSE 从 {rmse_before} 变为 **{rmse_after}**。{change}"
        ),
        "x_forget_title": "把所有遗忘门完全打开（f = 1）",
        "x_forget_body": (
            "现在什么都不会被忘记：Cₜ = Cₜ₋₁ + iₜ·C̃ₜ，记忆单元状态变成从窗口开始以来"
            "所有写入内容的累加。只记不忘，记忆就会越堆越多："
        ),
        "x_forget_result": (
            "结果：单元 {unit} 在窗口结束时 C = **{c_after}**，原本是 {c_before}；"
            "测试 RMSE 从 {rmse_before} 变为 **{rmse_after}**。{change}"
        ),
        "x_output_title": "关闭所有输出门（o = 0）",
        "x_output_body": (
            "记忆单元仍然读取输入、保存状态，但什么也不输出：hₜ = 0·tanh(Cₜ) = 0。"
            "输出门决定网络的其余部分能看到什么，所以预测又变成了常数："
        ),
        "x_output_result": (
            "结果：记忆单元状态仍在变化（|Cₜ| 最大为 **{c_max}**），但模型的原始输出"
            "对 {n} 个测试窗口全都是 **{out}**（彼此最大相差 {spread}）；"
            "测试 RMSE 从 {rmse_before} 变为 **{rmse_after}**。{change}"
        ),
        "x_gates_link": "自己动手固定任意单元的任意一个门",
        "x_in_title": "把最重要的输入固定在均值：{name}",
        "x_in_body": (
            "你的模型在序列之外还读取 {inputs}。其中 **{name}** 在这里最重要："
            "把它固定在训练集均值时，测试误差增加得最多（每个输入的影响见“预测”（Forecast）页）。在每个窗口里都把它固定在均值，"
            "看看没有它时门和预测会怎样："
        ),
        "x_in_result": (
            "结果：在窗口 {w} 中，单元 {unit} 结束时 C = **{c_after}**，原本是 {c_before}；"
            "预测从 {pred_before} 变为 **{pred_after}**；在测试集上 RMSE 从 {rmse_before} "
            "变为 **{rmse_after}**。{verdict}"
        ),
        "x_worse": "固定之后预测**变差**了：测试 RMSE 高了 {pct}。",
        "x_better": "在这里固定之后预测反而**变好**了：测试 RMSE 低了 {pct}，"
        "说明在这段测试数据上，模型并不需要这个门在训练中学到的作用。",
        "x_same": "固定之后预测几乎不变：测试 RMSE 只变了 {pct}。",
        "x_in_matters": "模型依赖这个输入：没有它，预测会变差。",
        "x_in_better": "没有它，模型在测试集上的预测反而**更好**："
        "这个输入在这里带来的噪声似乎多于信息。",
        "x_in_idle": "误差几乎不变：模型从这个输入中学到的很少（或者序列本身已经包含了它的信息）。",
        # --- 5. the temperature example
        "s5_title": "5. 气温示例",
        "s5_body": (
            "讲座中的例子是根据前几天的气温预测明天的气温。本应用为此准备了一条**合成**"
            "（SYNTHETIC）的每日气温序列：它由公式**生成**（围绕 12 °C 的年周期加上逐日随机的"
            "天气波动），**并非真实测量**。载入它并在这里训练一个小型 LSTM，"
            "上面的每个视图都会显示这个模型。"
        ),
        "s5_epochs": "训练轮数",
        "s5_button": "载入合成（SYNTHETIC）气温序列并训练一个小型 LSTM",
        "s5_active": "当前序列是合成（SYNTHETIC）气温序列（生成的，并非测量的）。",
        "s5_progress": "正在用合成气温训练：第 {epoch} / {last} 轮",
        "s5_other": (
            "也可以在“数据”（Data）页选择任意序列，再到“训练”（Train）页训练：本页总是跟随当前模型。"
        ),
        # --- 6. GRU
        "s6_title": "6. GRU：更轻量的变体",
        "s6_body": (
            "GRU 把遗忘门和输入门合并成一个**更新门** zₜ，也不再单独保留记忆单元："
            "隐藏状态本身就是记忆。它只有三组权重而不是四组，因此更小、更快，"
            "在许多序列上学得和 LSTM 差不多好。"
        ),
        "s6_counts": (
            "隐藏单元数 {hidden}、{layers_text}时：LSTM 有 **{lstm}** 个参数，"
            "GRU 有 **{gru}** 个（为 LSTM 的 {share}）。"
        ),
        # --- conclusion
        "s7_title": "结论：实测的梯度消失",
        "s7_body": (
            "“比较”（Compare cells）页在同一条序列上训练规模相当的 RNN、GRU 和 LSTM，"
            "并测量每个模型的预测"
            "对 k 步之前的输入有多敏感：在最多 256 个验证窗口上取 |∂ŷ/∂x(t−k)| 的平均值"
            "（按模型读入的缩放单位，未做归一化，纵轴为对数刻度）。虚线是初始化时、尚未学习的"
            "曲线：它若随 k 急剧下降，就是第 1 节所说的梯度消失，也就是训练的起点。"
            "实线是训练之后的曲线。"
        ),
        "s7_measured": (
            "你的测量结果：从 k = 0 到最长滞后 k = {lag}（括号里是 k = {lag} 时剩下的比例）。"
            "初始化时：{init}。训练后：{trained}。在 k = {lag} 处，训练后的 {top} 保留的梯度"
            "最多；相对于各自在 k = 0 时的值，最平的训练后曲线属于 {flat}。"
        ),
        "s7_caveat": (
            "训练后的曲线平坦，说明训练好的预测仍然会对这个 {steps} 步窗口里最早的输入作出反应，"
            "但这本身并不代表记忆更长：训练之后，曲线也反映了模型学会利用哪些输入；而 {steps} "
            "步对第 1 节所说的衰减来说只是很短的距离。"
            "长距离的检验是“比较”（Compare cells）页上的加法问题"
            "（默认 T = 100 步）。"
        ),
        "s7_sep": "；",
        "s7_not_lstm": (
            "所以这里 {flat} 比 LSTM 更平，并不与第 1 节矛盾：在这个短窗口里，它的梯度衰减得"
            "更少，但这还说明不了长距离上的情况。"
        ),
        "s7_results": "结果来自：{label}",
        "s7_none": "在“比较”（Compare cells）页运行一次比较，它的曲线就会出现在这里。",
        "contents": "**本页内容：**",
        "worth_title": "什么时候值得用 LSTM？",
        "worth_body": (
            "坦白地说：在一条只有一个明显季节和趋势的短序列上（比如航空乘客），"
            "一秒钟就能拟合好的经典方法（指数平滑、Theta、ARIMA）往往和 LSTM 一样好，甚至更好："
            "它们只有几个参数，而 LSTM 要从一百个点里学几千个参数。"
            "LSTM 的代价在这些情况下才值得：很长的序列（几千个点以上）、"
            "多个季节或随时间变化的模式、带有滞后作用的外部输入（天气、节假日），"
            "或者一个模型服务许多相关序列。"
            "请看你自己的情况：“预测”（Forecast）页会把 AutoETS、AutoTheta 和 AutoARIMA "
            "与你的模型并列"
            "（每次训练后自动拟合；从文件打开的模型请点 “Fit the classic references” 按钮），"
            "它们在同样的训练和验证部分上拟合，在同样的测试点上评分。"
        ),
        "worth_yours": (
            "在你的序列上，测试部分的单步预测：模型的 RMSE 为 {model}；{best} 为 {ref}"
            "（“预测”（Forecast）页的结论还会比较多步预测）。"
        ),
        "worth_none": "在你的序列上，经典参照方法都无法拟合；原因见“预测”（Forecast）页。",
        "link_forecast": "你的模型与经典参照方法对比",
    },
}


def t(key: str, lang: str, **fmt: object) -> str:
    """The string `key` in `lang` (English for an unknown language) with its fields filled."""
    table = STRINGS.get(lang, STRINGS[DEFAULT_LANG])
    return table[key].format(**fmt)
