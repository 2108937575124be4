"""Feature ranking: permutation importance, SHAP and exact Shapley values."""

import json

import numpy as np
import streamlit as st

from ganplify_core import params, ui
from ganplify_core.plots import lean
from ganplify_core.ranking import experiment, games, importance, models, onnx_model, plots, uploads
from ganplify_core.ranking.experiment import RANKING, RankingConfig

SMALL_PAGE = "the page keeps to what runs in about a minute on a shared server; the CLI takes more"
PARAMS = ui.page_params(
    RankingConfig, exclude=("test_fraction",),
    narrow={
        "model": {"choices": models.TRAINED},  # "onnx" comes with an uploaded model, never from a link
        "n_rows": {"lo": 200, "hi": 20_000, "help": f"rows drawn from the data set ({SMALL_PAGE})"},
        "n_repeats": {"hi": 20, "widget": "slider"},
        "shap_rows": {"lo": 20},
        "background_size": {"lo": 10, "hi": 300, "widget": "slider", "help": f"background rows ({SMALL_PAGE})"},
    },
    extra={"game": games.PRESET, **params.params_of(games.GameConfig),
           "view": ui.tab_param({"rankings": "Rankings side by side", "permutation": "Permutation importance",
                                 "shap": "SHAP", "exact": "Exact Shapley values"})},
)

settings = ui.start_page("feature_ranking", PARAMS)
st.title("Feature ranking")
ui.prose(
    "Which inputs does a model actually use? This page ranks a model's input features four ways, side "
    "by side: the model's **built-in** importance (impurity decrease in trees), **permutation importance** "
    "(how much worse the held-out error gets when one feature is shuffled), **SHAP** values (each "
    "prediction split fairly into one contribution per feature) and, to see what SHAP approximates, "
    "**exact Shapley values** by enumerating every coalition. It starts with the definition itself: "
    "a small coalition game you can edit."
)
ui.preset_buttons(settings, RANKING)

# -- 1. Shapley values by hand (a game of at most 8 players: milliseconds, no job) ----------------------------
st.header("1 · Shapley values of a coalition game")
ui.prose(
    "Players cooperate and a coalition S earns v(S). The Shapley value φᵢ is player i's marginal "
    "contribution v(S ∪ {i}) − v(S), averaged (1) over subsets S with weights |S|!(n−|S|−1)!/n!, or "
    "equivalently (2) over all n! orders in which the coalition can form. Edit the worths as JSON "
    f"(comma-joined players → worth, up to {games.MAX_PLAYERS} players).",
    title="The definition",
)
left, right = st.columns([2, 3])
with left:
    settings.widget("game")
    settings.widget("missing")
    preset = settings.value("game")
    game_settings = settings.config(games.GameConfig)
    game_text = st.text_area("Worths v(S)", json.dumps(games.PRESETS[preset]), key=f"feature_ranking.game_text.{preset}",
                             height=110, max_chars=games.MAX_GAME_CHARACTERS)
with right, ui.user_errors():
    game = games.parse_game_json(game_text, missing=game_settings.missing)
    solved = games.solve_game(game)
    ui.chart(plots.shapley_bars(solved))
    st.caption(f"Efficiency: Σφ − v(N) = {solved.efficiency_gap:.2e}. The two formulas differ by at most "
               f"{abs(solved.by_subsets - solved.by_orderings).max():.1e} (rounding).")
if game.n_players <= 4:
    with st.expander("Every order and each player's marginal contribution (formula 2)"):
        ui.table(plots.marginal_table(game))
ui.show_cli(params.command_line("shapley", game_settings, extra={"--game": game_text.replace("\n", " ")}))

# -- 2. the data --------------------------------------------------------------------------------------------
st.header("2 · Data")
settings.widget("dataset")
upload, own_model = {}, None
if settings.value("dataset") == "upload":
    file = st.file_uploader("CSV with a header row; numeric columns only are used", type=["csv"],
                            key="feature_ranking.csv_upload")
    target = st.text_input("Target column (empty: the last numeric column)")
    model_file = st.file_uploader(
        "Your own model (optional): an ONNX file whose input takes the CSV's features", type=["onnx"],
        key="feature_ranking.onnx_upload",
        help=f"At most {onnx_model.MAX_ONNX_BYTES // 2**20} MB. A scikit-learn model converts with skl2onnx, a "
             "PyTorch network with torch.onnx.export (a free batch dimension). It is ranked by permutation "
             "importance and KernelSHAP on the CSV's rows instead of a model trained here.")
    if file is None:
        from ganplify_core.clustering.csv_input import MAX_CSV_BYTES, MAX_ROWS  # scikit-learn: only for an upload

        st.info(f"Upload a CSV to rank its features (at most {MAX_CSV_BYTES // 2**20} MB and {MAX_ROWS:,} "
                "rows; two distinct target values make it a classification).")
        st.stop()
    with ui.user_errors():
        digest, content = ui.uploaded(file)
        digest, _ = uploads.accept(content, target or None, name=file.name, digest=digest)
        if model_file is not None:
            onnx_digest, onnx_content = ui.uploaded(model_file)
            onnx_digest, own_model = onnx_model.accept(onnx_content, name=model_file.name, digest=onnx_digest)
    upload = {"upload_sha256": digest, "upload_target": target or None}
    upload_name = file.name
    if own_model is not None:
        upload.update(model="onnx", onnx_sha256=onnx_digest)

config = settings.config(RankingConfig, **upload)  # the form below sets the rest (its state is set before this run)
with ui.user_errors():
    table = experiment.preview_table(config)
    if own_model is not None:
        own_model.check_table(table.X, table.task)  # its feature count and output, before anything runs
units = table.units or {}
st.caption(table.description + (f" Model: {own_model.description}." if own_model is not None else ""))
ui.chart(lean(plots.feature_preview(table.feature_names, table.X, table.y, table.target_name, units=units)))
if config.dataset != "upload":
    ui.download_csv(table.frame(), f"{config.dataset}.csv",
                    label=f"Download these {len(table.y):,} rows (CSV: loads back as 'Your own CSV')")
if table.true_relevance:
    with st.expander("True relevance of each feature (from the generating formula)", expanded=config.dataset == "calibration"):
        st.table(plots.relevance_frame(table.true_relevance, units).set_index("feature"))  # wraps the long roles

st.header("3 · Train a model and rank its inputs")
with st.form("feature_ranking-settings"):
    c1, c2 = st.columns(2)
    with c1:
        if own_model is None:
            settings.widget("model")
        else:
            st.markdown(f"**Model:** your ONNX model `{model_file.name}` (not trained here: the rows outside the "
                        "held-out part are SHAP's background)")
        held_out = round(100 * config.test_fraction)  # the page keeps the config's split
        settings.widget("n_rows", label=f"Rows ({100 - held_out} % train, {held_out} % held out)")
        settings.widget("n_repeats")
    with c2:
        for name in ("shap_rows", "background_size", "event"):
            settings.widget(name)
    pressed = st.form_submit_button("Train and rank", type="primary")

if config.dataset == "upload":
    extra = {"--csv": upload_name, **({"--target": config.upload_target} if config.upload_target else {})}
    if own_model is not None:
        extra["--onnx"] = model_file.name
    command = params.command_line("rank", config, exclude=("dataset", "model") if own_model is not None else ("dataset",),
                                  extra=extra)
else:
    command = params.command_line("rank", config)
result = ui.result_of(RANKING, config, pressed)
if result is None:
    ui.press_prompt(RANKING, config, "Train and rank", "This model has not been ranked yet" if own_model is not None
                    else "This model has not been trained and ranked yet")
    ui.show_cli(command)
    st.stop()

names = result.feature_names
target_label = table.label(result.target_name)
output_name = f"P({result.target_name} = 1)" if result.task == "classification" else target_label
perm = result.permutation
score_columns = st.columns(len(result.test_score) + 1)
for column, (metric, value) in zip(score_columns, result.test_score.items()):
    column.metric(f"Test {metric}", plots.plus_minus(value, result.test_score_std.get(metric)),
                  help="On the held-out rows; ± the bootstrap standard deviation over resamples of them.")
score_columns[-1].metric("Train / held out", f"{result.n_train} / {result.n_test}", help="Rows the model was trained "
                         "on (an ONNX model: SHAP's background) and rows held out for the scores and the rankings.")

error_name = "log-loss" if result.task == "classification" else "MSE"
repeats = perm.error_permuted.shape[1]
event = result.event
# Plotly draws every chart of a page before it shows one: the later views wait for their tab.
rankings_tab, permutation_tab, shap_tab, exact_tab = settings.tabs("view")
ui.chart(plots.importance_panels(names, result.rankings, {experiment.PERMUTATION: perm.ratio_std},
                                 irrelevant=result.irrelevant, baselines={experiment.PERMUTATION: 1.0}),
         container=rankings_tab, draw=rankings_tab.open)
if rankings_tab.open:
    rankings_tab.caption("Features sorted by mean |SHAP|. ✗ marks a feature the generating formula does not use. "
                         "Permutation bars start at ratio 1 (no effect). Built-in importance is measured on training "
                         "data; permutation importance and SHAP on held-out rows.")
ui.chart(plots.kendall_heatmap(result.tau_methods, result.kendall_tau), container=rankings_tab, draw=rankings_tab.open)
if rankings_tab.open and result.correlated:
    pairs = "; ".join(f"**{a}**–**{b}** (ρ = {rho:+.2f})" for a, b, rho in result.correlated[:5])
    rankings_tab.markdown(f"**Correlated features split importance.** {pairs}. A model can use either feature of a "
                          "pair, so the credit is shared between them and each looks less important than the pair is; "
                          "permuting one alone also creates combinations never seen in the data.")
elif rankings_tab.open:
    rankings_tab.markdown(f"No pair of features has |Spearman ρ| ≥ {importance.CORRELATED:g}, so no importance is "
                          "split between look-alikes.")

ui.chart(plots.permutation_forms(names, perm, error_name), container=permutation_tab, draw=permutation_tab.open)
if permutation_tab.open:
    permutation_tab.caption(f"e_orig = {perm.error_original:.4g} ({error_name} on {result.n_test} held-out rows); "
                            f"error bars: ± 1 standard deviation over {repeats} shuffles. Both forms give the same "
                            "order.")

if shap_tab.open:
    shap_tab.caption(f"{result.explainer}, {len(result.shap_values)} held-out rows, {config.background_size} background "
                     f"rows from the training set; base value E[f] = {result.shap_base_value:.4g}; efficiency check: "
                     f"max |E[f] + Σφ − f(x)| = {result.shap_efficiency_gap:.2e}.")
ui.chart(lean(plots.shap_beeswarm(names, result.shap_values, result.explained_rows, output_name, units=units)),
         container=shap_tab, draw=shap_tab.open)
j = result.top_shap_feature  # the dependence plot's feature: the selectbox's, when its tab is open
if shap_tab.open:
    j = names.index(shap_tab.selectbox("Dependence plot for", names, index=result.top_shap_feature,
                                       help="A plot option: never retrains."))
ui.chart(plots.shap_dependence(names, result.shap_values, result.explained_rows, j, int(result.interaction_partner[j]),
                               output_name, units=units), container=shap_tab, draw=shap_tab.open)
ui.chart(plots.shap_waterfall(names, result.shap_values[event], result.explained_rows[event], result.shap_base_value,
                              output_name, units=units), container=shap_tab, draw=shap_tab.open)
if shap_tab.open:
    shap_tab.caption(f"Event {event}: the model's output is {result.explained_outputs[event]:.5g}; the base value plus "
                     f"the contributions is {result.shap_base_value + result.shap_values[event].sum():.5g}.")

if exact_tab.open:
    exact_tab.caption(result.exact_note)
if result.exact is not None:
    ui.chart(plots.exact_vs_shap(names, result.exact.values, result.shap_values[event], result.explainer.split(" ")[0]),
             container=exact_tab, draw=exact_tab.open)
    if exact_tab.open:
        largest = float(np.abs(result.exact.values).max())
        exact_tab.markdown(f"Largest difference between exact and shap: **{result.exact_vs_shap_gap:.2e}** against a "
                           f"largest exact contribution of {largest:.3g} (exact Σφ + base = "
                           f"{result.exact.base_value + result.exact.values.sum():.6g} = f(x) = "
                           f"{result.exact.prediction:.6g}).")

st.subheader("What to notice")
notes = []
order = np.argsort(-perm.ratio_mean, kind="stable")
top = int(order[0])
notes.append(f"**{names[top]}** matters most to the held-out error: shuffling it multiplies the {error_name} by "
             f"{plots.plus_minus(perm.ratio_mean[top], perm.ratio_std[top])} (mean ± s.d. over {repeats} shuffles)"
             + (f", then **{names[order[1]]}** ({plots.plus_minus(perm.ratio_mean[order[1]], perm.ratio_std[order[1]])})."
                if len(names) > 1 else "."))
if result.irrelevant:
    ok = result.methods_ranking_irrelevant_last()
    ratios = ", ".join(f"{name} {plots.plus_minus(perm.ratio_mean[names.index(name)], perm.ratio_std[names.index(name)])}"
                       for name in result.irrelevant)
    notes.append(f"The irrelevant features ({', '.join(result.irrelevant)}) rank last under {len(ok)} of "
                 f"{len(result.rankings)} methods" + (f" (not under: {', '.join(m for m in result.rankings if m not in ok)})"
                                                      if len(ok) < len(result.rankings) else "")
                 + f"; their permutation ratios: {ratios} (1 = no effect).")
if result.builtin is not None:
    notes.append("Trees' built-in importance favours features with many distinct values and is computed on training "
                 "data, so a useless feature can still get a small share; permutation importance of a useless feature "
                 "scatters around ratio 1 (difference 0).")
notes.append("SHAP explains the model, not the world: a feature that is correlated with a useful one can carry "
             "credit the model happens to give it.")
if result.exact is not None:
    notes.append(f"On event {event} the exact enumeration and {result.explainer} differ by at most "
                 f"{result.exact_vs_shap_gap:.1e}. TreeExplainer (interventional) is exact "
                 "in theory, KernelExplainer an approximation; a large gap here flags a problem with the estimate.")
st.markdown("\n".join(f"- {n}" for n in notes))

frame = plots.results_frame(result, units)
ui.download_csv(frame, "feature_ranking.csv")
ui.download_all("feature_ranking", tables={"feature_ranking.csv": frame, "data.csv": table.frame()})
ui.show_cli(command)
