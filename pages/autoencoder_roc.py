"""Autoencoder ROC: unsupervised top tagging by reconstruction error."""

import streamlit as st

from ganplify_core import cli, ui
from ganplify_core.anomaly import plots, roc
from ganplify_core.anomaly.curve_toy import CURVES
from ganplify_core.anomaly.experiment import (INTENSITIES, TRAIN_CLASSES, CurveToyConfig, TopTaggingConfig,
                                              is_curve_toy_cached, is_top_tagging_cached, run_curve_toy,
                                              run_top_tagging)
from ganplify_core.anomaly.models import AUTOENCODER_KINDS
from ganplify_core.anomaly.scores import SCORE_KINDS
from ganplify_core.jets import available_sources

SIZES = (1000, 2000, 5000, 10_000, 20_000, 40_000)
DEFAULTS = TopTaggingConfig()
FIELDS = {
    "curve": ui.Choice(tuple(CURVES), "sine"),
    "noise": ui.Float(0.0, 0.2, 0.03, step=0.01),
    "n_anomalies": ui.Int(10, 1000, 100, step=10),
    "distance": ui.Float(0.05, 1.0, 0.3, step=0.05),
    "dataset": ui.Choice(available_sources(), "toy", widget="radio"),
    "model": ui.Choice(AUTOENCODER_KINDS, DEFAULTS.model, widget="radio"),
    "bottleneck": ui.Int(2, 64, DEFAULTS.bottleneck),
    "train_on": ui.Choice(TRAIN_CLASSES, DEFAULTS.train_on, widget="radio"),
    "score": ui.Choice(SCORE_KINDS, DEFAULTS.score, widget="radio"),
    "intensity": ui.Choice(INTENSITIES, DEFAULTS.intensity, widget="radio"),
    "n_train": ui.Choice(SIZES, DEFAULTS.n_train, widget="select_slider"),
    "n_test": ui.Choice(SIZES, DEFAULTS.n_test, widget="select_slider"),
    "epochs": ui.Int(1, 30, DEFAULTS.epochs),
    "cut_percent": ui.Float(1.0, 99.9, 90.0, step=0.1),
    "log_fpr": ui.Bool(False),
}


# The in-memory caches only read results the disk cache holds: a computation that draws a progress bar
# runs outside them, since Streamlit would replay its elements into a later run's layout.
@st.cache_resource(show_spinner=False)
def curve_toy_result(config: CurveToyConfig):
    return run_curve_toy(config)


@st.cache_resource(show_spinner=False, max_entries=8)
def top_tagging_result(config: TopTaggingConfig):
    return run_top_tagging(config)


settings = ui.start_page("autoencoder_roc", FIELDS)
values = settings.values()

st.title("Autoencoder ROC")
st.markdown(
    "An **autoencoder** is a network trained to be the identity, with a compression (the *bottleneck*) in the "
    "middle. To pass its input through a few numbers it must learn what its training data have in common, "
    "so inputs unlike them come out badly: the **reconstruction error is an anomaly score**. A cut on the score "
    "gives a true and a false positive rate, the ROC curve collects them, and AUC = ∫ tpr d(fpr). Part 1 shows the "
    "idea on points on a curve; Part 2 trains the autoencoder on QCD jets only and asks it to find top jets "
    "(Heimel, Kasieczka, Plehn, Thompson, *QCD or What?*, arXiv:1808.08979; Farina, Nakai, Shih, arXiv:1808.08992)."
)

# -- Part 1 ----------------------------------------------------------------------------------------------
st.header("Part 1: an autoencoder learns a curve")
st.markdown(
    "The training points (x, y) lie on a curve y = f(x) with a little noise. The autoencoder maps each point to "
    "**one number** z and back, 2 → 64 → 64 → **1** → 64 → 64 → 2, so the best it can do is learn the curve and "
    "project every point onto it. Points off the curve (moved up or down by a distance d) come back on the curve, "
    "far from where they started."
)
with st.form("ae-curve-settings"):
    left, right = st.columns(2)
    with left:
        settings.widget("curve", "Curve y = f(x)", format_func=lambda c: f"{c}: {CURVES[c][1]}")
        settings.widget("noise", "Noise σ on y")
    with right:
        settings.widget("n_anomalies", "Off-curve points injected")
        settings.widget("distance", "Their distance d from the curve (vertical)")
    st.form_submit_button("Train the curve autoencoder")

curve_config = CurveToyConfig(curve=values["curve"], noise=values["noise"], n_anomalies=values["n_anomalies"],
                              distance=values["distance"], seed=settings.seed)
with ui.user_errors():
    if not is_curve_toy_cached(curve_config):
        with ui.progress_bar("Training the curve autoencoder") as progress:
            run_curve_toy(curve_config, progress)
    toy = curve_toy_result(curve_config)

left, right = st.columns([3, 2])
with left:
    st.plotly_chart(plots.curve_toy_figure(toy), width="stretch")
with right:
    st.plotly_chart(plots.roc_figure({"off-curve points": roc.RocCurve(toy.roc_fpr, toy.roc_tpr, toy.auc)},
                                     title="Finding the off-curve points"), width="stretch")
    st.metric("AUC, off-curve vs on-curve test points", f"{toy.auc:.3f}")
st.caption(
    "**What to notice.** The orange learned curve D(z) follows the true one: the autoencoder has stored the relation "
    "between x and y, although it never predicts y from x. The error is small along the curve and grows with the "
    "distance from it, so the off-curve points score high. Lower d towards the noise σ and the AUC drops to 0.5; "
    "where the learned curve misses a bend, on-curve points there look anomalous too."
)
ui.show_cli(cli.format_command("ae-curve", {k: getattr(curve_config, k) for k in
                                            ("curve", "noise", "n_anomalies", "distance", "seed")}))

# -- Part 2 ----------------------------------------------------------------------------------------------
st.header("Part 2: tagging top jets without labels")
st.markdown(
    "Jet images (40 × 40 pixels over ±0.8 in η and φ, each pixel the jet's pT fraction) of QCD jets are the "
    "background, hadronic top jets the signal. The autoencoder sees **only QCD jets** in training; its "
    "reconstruction error then ranks the test jets of both classes. On the same ROC plot: the jet mass alone, "
    "the N-subjettiness ratio τ32 alone, and a supervised CNN trained on labelled jets, the upper bound. "
    "Training takes a minute or two on two CPU cores; results are cached."
)
with st.form("ae-roc-settings"):
    c1, c2, c3 = st.columns(3)
    with c1:
        settings.widget("dataset", "Jets", format_func=lambda d: {"toy": "toy shower", "reference": "Pythia reference"}[d],
                        help="The Pythia reference sample appears once assets/reference_jets.npz exists.")
        settings.widget("model", "Autoencoder", format_func=lambda m: {"conv": "convolutional", "dense": "dense"}[m])
        settings.widget("bottleneck", "Bottleneck size B", help="The literature uses 6–40 numbers for jet images.")
    with c2:
        settings.widget("train_on", "Train the autoencoder on", format_func=lambda c: f"{plots.CLASS_LABELS[c]} jets",
                        help="Training on top and asking for QCD shows the asymmetry: the autoencoder flags "
                             "complexity, not novelty.")
        settings.widget("score", "Anomaly score", format_func=lambda s: {
            "mse": "MSE: mean of (x − x̂)²", "relative": "relative: Σ(x − x̂)² / Σx²"}[s])
        settings.widget("intensity", "Pixel intensity", format_func=lambda i: {
            "linear": "pT fraction", "sqrt": "√(pT fraction)"}[i],
            help="√ lifts the soft, wide-angle radiation against the hardest pixel.")
    with c3:
        settings.widget("n_train", "Training jets per class")
        settings.widget("n_test", "Test jets per class")
        settings.widget("epochs", "Autoencoder epochs")
    pressed = st.form_submit_button("Train and score", type="primary")

config = TopTaggingConfig(
    dataset=values["dataset"], model=values["model"], bottleneck=values["bottleneck"], train_on=values["train_on"],
    score=values["score"], intensity=values["intensity"], n_train=values["n_train"], n_test=values["n_test"],
    epochs=values["epochs"], seed=settings.seed,
)
ui.show_cli(cli.format_command("ae-roc", {k: getattr(config, k) for k in (
    "dataset", "model", "bottleneck", "train_on", "score", "intensity", "n_train", "n_test", "epochs", "seed")}))

result = None
with ui.user_errors():
    config.validate()
    if pressed and not is_top_tagging_cached(config):
        with ui.progress_bar("Generating jets, training the autoencoder and the supervised CNN") as progress:
            run_top_tagging(config, progress)
    if is_top_tagging_cached(config):
        result = top_tagging_result(config)

if result is None:
    st.info("Press **Train and score** to train the autoencoder with these settings.", icon=":material/play_arrow:")
    st.stop()

normal, anomaly = plots.CLASS_LABELS[result.normal_class], plots.CLASS_LABELS[result.anomaly_class]
st.subheader(f"Trained on {normal} jets, looking for {anomaly} jets")
settings.widget("cut_percent", "Cut: percent of all test jets below it",
                help="Jets scoring above the cut are flagged as anomalous (signal).")
cut = roc.cut_at_quantile(result.normal_scores, result.anomaly_scores, values["cut_percent"] / 100)
point = roc.working_point(result.normal_scores, result.anomaly_scores, cut)
m1, m2, m3, m4 = st.columns(4)
m1.metric("AUC (autoencoder)", f"{result.auc:.3f}")
m2.metric(f"TPR: {anomaly} flagged", f"{point.tpr:.3f}")
m3.metric(f"FPR: {normal} flagged", f"{point.fpr:.4f}")
m4.metric("Background rejection 1/FPR", "∞" if point.fpr == 0 else f"{point.rejection:.1f}")

left, right = st.columns(2)
with left:
    st.plotly_chart(plots.score_histograms(result.normal_scores, result.anomaly_scores, result.normal_class,
                                           f"{normal} (trained on)",
                                           f"{anomaly} (anomaly)", cut=cut,
                                           score_label=f"reconstruction error ({config.score})"), width="stretch")
with right:
    settings.widget("log_fpr", "Logarithmic FPR axis")
    st.plotly_chart(plots.roc_figure(result.rocs, point, log_fpr=values["log_fpr"],
                                     title=f"ROC: finding {anomaly} jets"), width="stretch")
st.plotly_chart(plots.jet_image_grid(result.example_images, result.example_reconstructions, result.example_classes,
                                     result.example_scores), width="stretch")

st.dataframe(plots.auc_table(result), hide_index=True)
ui.download_csv(plots.scores_frame(result), "autoencoder_scores.csv", "Download the test jets' scores (CSV)")

st.markdown(
    f"""
**What to notice.**
- The supervised CNN, which saw labels, is the upper bound; the autoencoder never saw a top jet, and the jet
  mass alone is a strong physics baseline.
- The working point: a cut that flags {point.tpr:.0%} of the {anomaly} jets also flags {point.fpr:.1%} of the
  {normal} jets. Physicists quote the rejection 1/FPR at a fixed signal efficiency.
- Switch **Train the autoencoder on** to top jets: looking for QCD among tops works much worse. A top jet has
  three prongs and more structure than a QCD jet; an autoencoder that learned tops reconstructs the simpler QCD
  jets well. It flags *complexity*, not *novelty* (Heimel et al., Sec. 3).
- With the pT fraction as pixel intensity and plain MSE, the error is dominated by the hardest pixel, which is
  largest in QCD jets; the relative score or the √ intensity weights the whole image.
"""
)
