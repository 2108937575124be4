"""Feature ranking: permutation importance, SHAP and exact Shapley values."""

import json

import pandas as pd
import streamlit as st

from ganplify_core import cli, ui
from ganplify_core.ranking import datasets, experiment, games, models, plots

DATA_CHOICES = datasets.DATASETS + ("upload",)
DATA_LABELS = {
    "calibration": "Electron energy calibration (synthetic, known truth)",
    "height": "Height at 20 from height at 10 and socks (lecture toy)",
    "diabetes": "Diabetes progression (scikit-learn)",
    "breast_cancer": "Breast cancer, benign vs malignant (scikit-learn)",
    "jets": "Top vs QCD jets from jet observables",
    "upload": "Your own CSV",
}
FIELDS = {
    "game": ui.Choice(tuple(games.PRESETS), "two_friends"),
    "missing": ui.Choice(games.MISSING_RULES, "zero", widget="radio"),
    "dataset": ui.Choice(DATA_CHOICES, "calibration"),
    "model": ui.Choice(models.MODELS, "gbt", widget="radio"),
    "n_rows": ui.Int(200, 20_000, 4000, step=100, widget="number"),
    "n_repeats": ui.Int(1, 20, 5),
    "shap_rows": ui.Int(20, 5000, 200, step=10, widget="number"),
    "background_size": ui.Int(10, 300, 50, step=10),
    "event": ui.Int(0, 4999, 0, widget="number"),
}

settings = ui.start_page("feature_ranking", FIELDS)
st.title("Feature ranking")
st.markdown(
    "Which inputs does a model actually use? This page ranks a model's input features four ways, side "
    "by side: the model's **built-in** importance (impurity decrease in trees), **permutation importance** "
    "(how much worse the held-out error gets when one feature is shuffled), **SHAP** values (each "
    "prediction split fairly into one contribution per feature) and, to see what SHAP approximates, "
    "**exact Shapley values** by enumerating every coalition. It starts with the definition itself: "
    "a small coalition game you can edit."
)

# -- 1. Shapley values by hand ----------------------------------------------------------------------------
st.header("1 · Shapley values of a coalition game")
st.markdown(
    "Players cooperate and a coalition S earns v(S). The Shapley value φᵢ is player i's marginal "
    "contribution v(S ∪ {i}) − v(S), averaged (1) over subsets S with weights |S|!(n−|S|−1)!/n!, or "
    "equivalently (2) over all n! orders in which the coalition can form. Edit the worths as JSON "
    "(comma-joined players → worth, up to 8 players)."
)
left, right = st.columns([2, 3])
with left:
    settings.widget("game", "Preset game", format_func=games.PRESET_LABELS.get)
    settings.widget("missing", "Coalitions not listed are worth",
                    format_func={"zero": "0", "additive": "the sum of their members' single worths"}.get,
                    help="The lecture's convention is 0 (a friend alone earns nothing unless stated).")
    preset = settings.values()["game"]
    game_text = st.text_area("Worths v(S)", json.dumps(games.PRESETS[preset]), key=f"feature_ranking.game_text.{preset}", height=110)
with right, ui.user_errors():
    game = games.parse_game_json(game_text, missing=settings.values()["missing"])
    solved = games.solve_game(game)
    st.plotly_chart(plots.shapley_bars(solved), width="stretch")
    gap = solved.efficiency_gap
    st.caption(f"Efficiency: Σφ − v(N) = {gap:.2e}. The two formulas differ by at most "
               f"{abs(solved.by_subsets - solved.by_orderings).max():.1e} (rounding).")
if game.n_players <= 4:
    with st.expander("Every order and each player's marginal contribution (formula 2)"):
        st.dataframe(pd.DataFrame(games.marginal_contribution_table(game)), hide_index=True)
ui.show_cli(cli.format_command("shapley", {"game": game_text.replace("\n", " "), "missing": settings.values()["missing"]}))

# -- 2. the data --------------------------------------------------------------------------------------------
@st.cache_data(show_spinner=False, max_entries=4)
def parsed_upload(content: bytes, target: str | None, name: str) -> datasets.FeatureTable:
    return datasets.parse_feature_csv(content, target, name=name)



st.header("2 · Data")
settings.widget("dataset", "Data set", format_func=DATA_LABELS.get)
values = settings.values()
upload, upload_digest = None, None
with ui.user_errors():
    if values["dataset"] == "upload":
        file = st.file_uploader("CSV with a header row; numeric columns only are used", type=["csv"])
        target = st.text_input("Target column (empty: the last numeric column)")
        if file is None:
            st.info("Upload a CSV to rank its features (at most 20 MB and 100 000 rows; "
                    "two distinct target values make it a classification).")
            st.stop()
        content = file.getvalue()
        upload, upload_digest = parsed_upload(content, target or None, file.name), experiment.upload_digest(content)
        table = upload
    else:
        table = datasets.load_dataset(values["dataset"], min(values["n_rows"], 2000), settings.seed)
st.caption(table.description)
st.plotly_chart(plots.feature_preview(table.feature_names, table.X, table.y, table.target_name), width="stretch")
if table.true_relevance:
    with st.expander("True relevance of each feature (from the generating formula)", expanded=values["dataset"] == "calibration"):
        st.dataframe(pd.DataFrame({"feature": list(table.true_relevance), "role in the generator": list(table.true_relevance.values())}),
                     hide_index=True, width="stretch")

# -- 3. train and rank ------------------------------------------------------------------------------------
st.header("3 · Train a model and rank its inputs")
with st.form("feature_ranking-settings"):
    c1, c2 = st.columns(2)
    with c1:
        settings.widget("model", "Model", format_func=models.MODEL_LABELS.get)
        settings.widget("n_rows", "Rows (70 % train, 30 % held out)")
        settings.widget("n_repeats", "Permutation repeats per feature")
    with c2:
        settings.widget("shap_rows", "Held-out rows explained with SHAP",
                        help="Trees: about 0.02 s per row; the network's model-agnostic KernelExplainer: about 0.3 s per row.")
        settings.widget("background_size", "Background rows (interventional expectation)")
        settings.widget("event", "Event to explain (index among the SHAP rows)")
    pressed = st.form_submit_button("Train and rank", type="primary")

values = settings.values()
config = experiment.RankingConfig(
    dataset=values["dataset"], model=values["model"], n_rows=values["n_rows"], n_repeats=values["n_repeats"],
    shap_rows=values["shap_rows"], background_size=values["background_size"], event=values["event"], seed=settings.seed,
    upload_sha256=upload_digest, upload_target=(target or None) if upload is not None else None)


@st.cache_resource(show_spinner=False, max_entries=20)  # a frozen result: shared, not copied per rerun
def ranking_result(config: experiment.RankingConfig, _table) -> experiment.RankingResult:
    return experiment.run_ranking(config, _table)


with ui.user_errors():
    config.validate()
    cached = experiment.is_ranking_cached(config)
    if not (pressed or cached):
        st.info("Press **Train and rank** (a few seconds for trees; the network's SHAP values take longer).")
        st.stop()
    if not cached:
        with ui.progress_bar("Training and ranking") as progress:
            experiment.run_ranking(config, upload, progress)
    result = ranking_result(config, upload)

names = result.feature_names
output_name = f"P({result.target_name} = 1)" if result.task == "classification" else result.target_name
score_columns = st.columns(len(result.test_score) + 1)
for column, (metric, value) in zip(score_columns, result.test_score.items()):
    column.metric(f"Test {metric}", f"{value:.4g}")
score_columns[-1].metric("Rows: train / held out", f"{result.n_train} / {result.n_test}")

st.subheader("Rankings side by side")
errors = {experiment.PERMUTATION: result.permutation.ratio_std}
st.plotly_chart(plots.importance_panels(names, result.rankings, errors, irrelevant=result.irrelevant), width="stretch")
st.caption("Features sorted by mean |SHAP|. ✗ marks a feature the generating formula does not use. "
           "Built-in importance is measured on training data; permutation importance and SHAP on held-out rows.")
tau_column, note_column = st.columns([2, 3])
with tau_column:
    st.plotly_chart(plots.kendall_heatmap(result.tau_methods, result.kendall_tau), width="stretch")
with note_column:
    if result.correlated:
        pairs = "; ".join(f"**{a}**–**{b}** (ρ = {rho:+.2f})" for a, b, rho in result.correlated[:5])
        st.markdown(f"**Correlated features split importance.** {pairs}. A model can use either feature of a "
                    "pair, so the credit is shared between them and each looks less important than the pair is; "
                    "permuting one alone also creates combinations never seen in the data.")
    else:
        st.markdown("No pair of features has |Spearman ρ| ≥ 0.5, so no importance is split between look-alikes.")

st.subheader("Permutation importance, both forms")
error_name = "log-loss" if result.task == "classification" else "MSE"
st.plotly_chart(plots.permutation_forms(names, result.permutation, error_name), width="stretch")
st.caption(f"e_orig = {result.permutation.error_original:.4g} ({error_name} on {result.n_test} held-out rows); "
           f"error bars: ± 1 standard deviation over {config.n_repeats} shuffles. Both forms give the same order.")

st.subheader("SHAP")
st.caption(f"{result.explainer}, {len(result.shap_values)} held-out rows, {config.background_size} background rows "
           f"from the training set; base value E[f] = {result.shap_base_value:.4g}; efficiency check: "
           f"max |E[f] + Σφ − f(x)| = {result.shap_efficiency_gap:.2e}.")
st.plotly_chart(plots.shap_beeswarm(names, result.shap_values, result.explained_rows, output_name), width="stretch")
dependence_feature = st.selectbox("Dependence plot for", names, index=result.top_shap_feature)
j = names.index(dependence_feature)
st.plotly_chart(plots.shap_dependence(names, result.shap_values, result.explained_rows, j, int(result.interaction_partner[j]), output_name),
                width="stretch")
event = result.event
st.plotly_chart(plots.shap_waterfall(names, result.shap_values[event], result.explained_rows[event], result.shap_base_value, output_name),
                width="stretch")
st.caption(f"Event {event}: the model's output is {result.explained_outputs[event]:.5g}; the base value plus the "
           f"contributions is {result.shap_base_value + result.shap_values[event].sum():.5g}.")

st.subheader("Exact Shapley values of the same prediction")
st.caption(result.exact_note)
if result.exact is not None:
    st.plotly_chart(plots.exact_vs_shap(names, result.exact.values, result.shap_values[event], result.explainer.split(" ")[0]),
                    width="stretch")
    st.markdown(f"Largest difference between exact and shap: **{result.exact_vs_shap_gap:.2e}** (exact Σφ + base = "
                f"{result.exact.base_value + result.exact.values.sum():.6g} = f(x) = {result.exact.prediction:.6g}).")

st.subheader("What to notice")
notes = []
if result.irrelevant:
    ok = result.methods_ranking_irrelevant_last()
    notes.append(f"The irrelevant features ({', '.join(result.irrelevant)}) rank last under {len(ok)} of "
                 f"{len(result.rankings)} methods" + (f" (not under: {', '.join(m for m in result.rankings if m not in ok)})."
                                                      if len(ok) < len(result.rankings) else "."))
notes.append("Trees' built-in importance favours features with many distinct values and is computed on training data, "
             "so noise features get a small but non-zero share; permutation importance of a useless feature scatters around "
             "ratio 1 (difference 0).")
notes.append("SHAP explains the model, not the world: a feature that is correlated with a useful one can carry "
             "credit the model happens to give it.")
if result.exact is not None:
    notes.append(f"On event {event} the exact enumeration and {result.explainer} differ by at most "
                 f"{result.exact_vs_shap_gap:.1e}. TreeExplainer (interventional) is exact "
                 "in theory, KernelExplainer an approximation; a large gap here flags a problem with the estimate.")
st.markdown("\n".join(f"- {n}" for n in notes))

frame = pd.DataFrame({"feature": names, **{method: scores for method, scores in result.rankings.items()},
                      "permutation difference": result.permutation.difference_mean,
                      "permutation ratio std": result.permutation.ratio_std})
ui.download_csv(frame, "feature_ranking.csv")
cli_args = {"dataset": config.dataset, "model": config.model, "n_rows": config.n_rows, "repeats": config.n_repeats,
            "shap_rows": config.shap_rows, "background": config.background_size, "event": config.event, "seed": config.seed}
if config.dataset == "upload":
    cli_args = {"csv": upload.name, "target": config.upload_target, **{k: v for k, v in cli_args.items() if k != "dataset"}}
ui.show_cli(cli.format_command("rank", cli_args))
