"""Autoencoder ROC: unsupervised top tagging by reconstruction error."""

import streamlit as st

from ganplify_core import params, ui
from ganplify_core.anomaly import plots, roc
from ganplify_core.anomaly.experiment import CURVE, CURVE_PAGE_FIXED, TOP_TAGGING, CurveToyConfig, TopTaggingConfig
from ganplify_core.jets import available_sources

SMALL_PAGE = "the page keeps to what trains in minutes on a shared server; the CLI takes more"
SIZES = (1000, 2000, 5000, 10_000, 20_000, 40_000)
CURVE_PARAMS = params.params_of(CurveToyConfig)
PARAMS = ui.page_params(
    TopTaggingConfig, exclude=("classifier_epochs",),
    narrow={
        "dataset": {"choices": available_sources(),
                    "help": "Jets from the toy shower, or the Pythia reference sample (it appears once "
                            "assets/reference_jets.npz exists)."},
        "bottleneck": {"lo": 2, "hi": 64, "widget": "slider"},
        "n_train": {"choices": SIZES, "widget": "select_slider", "help": f"training jets per class ({SMALL_PAGE})"},
        "n_test": {"choices": SIZES, "widget": "select_slider", "help": f"test jets per class ({SMALL_PAGE})"},
        "epochs": {"widget": "slider"},
    },
    extra={
        "curve": CURVE_PARAMS["curve"],
        "noise": CURVE_PARAMS["noise"].narrowed(hi=0.2, step=0.01, widget="slider"),
        "n_anomalies": CURVE_PARAMS["n_anomalies"].narrowed(lo=10, hi=1000, step=10, widget="slider"),
        "distance": CURVE_PARAMS["distance"].narrowed(lo=0.05, hi=1.0, step=0.05, widget="slider"),
        # plot options: they never retrain
        "cut_percent": params.Param(90.0, lo=1.0, hi=99.9, step=0.1, widget="slider",
                                    label="Cut: percent of all test jets below it",
                                    help="Jets scoring above the cut are flagged as anomalous (signal). "
                                         "A plot option: never retrains."),
        "log_fpr": params.Param(False, widget="checkbox", label="Logarithmic FPR axis"),
    },
)

settings = ui.start_page("autoencoder_roc", PARAMS)

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
        settings.widget("curve")
        settings.widget("noise")
    with right:
        settings.widget("n_anomalies")
        settings.widget("distance")
    curve_pressed = st.form_submit_button("Train the curve autoencoder")

curve_config = settings.config(CurveToyConfig, **CURVE_PAGE_FIXED)
toy = ui.result_of(CURVE, curve_config, curve_pressed)
if toy is None:
    ui.press_prompt(CURVE, curve_config, "Train the curve autoencoder")
else:
    left, right = st.columns([3, 2])
    with left:
        st.plotly_chart(plots.curve_toy_figure(toy), width="stretch")
    with right:
        st.plotly_chart(plots.roc_figure({"off-curve points": roc.RocCurve(toy.roc_fpr, toy.roc_tpr, toy.auc)},
                                         title="Finding the off-curve points"), width="stretch")
        st.metric("AUC, off-curve vs on-curve test points", f"{toy.auc:.3f}")
    st.caption(
        "**What to notice.** The orange learned curve D(z) follows the true one: the autoencoder has stored the "
        "relation between x and y, although it never predicts y from x. The error is small along the curve and "
        "grows with the distance from it, so the off-curve points score high. Lower d towards the noise σ and the "
        "AUC drops to 0.5; where the learned curve misses a bend, on-curve points there look anomalous too."
    )
ui.show_cli(params.command_line("ae-curve", curve_config))

# -- Part 2 ----------------------------------------------------------------------------------------------
st.header("Part 2: tagging top jets without labels")
st.markdown(
    "Jet images (40 × 40 pixels over ±0.8 in η and φ, each pixel the jet's pT fraction) of QCD jets are the "
    "background, hadronic top jets the signal. The autoencoder sees **only QCD jets** in training; its "
    "reconstruction error then ranks the test jets of both classes. On the same ROC plot: the jet mass alone, "
    "the N-subjettiness ratio τ32 alone, and a supervised CNN trained on labelled jets, the upper bound. "
    "Results are cached: the default settings show at once, and the two networks are reused when only the "
    "score changes."
)
with st.form("ae-roc-settings"):
    c1, c2, c3 = st.columns(3)
    with c1:
        for name in ("dataset", "model", "bottleneck"):
            settings.widget(name)
    with c2:
        for name in ("train_on", "score", "intensity"):
            settings.widget(name)
    with c3:
        for name in ("n_train", "n_test", "epochs"):
            settings.widget(name)
    pressed = st.form_submit_button("Train and score", type="primary")

config = settings.config(TopTaggingConfig)
result = ui.result_of(TOP_TAGGING, config, pressed)
if result is None:
    ui.press_prompt(TOP_TAGGING, config, "Train and score", "These settings have not been trained yet")
    ui.show_cli(params.command_line("ae-roc", config))
    st.stop()

normal, anomaly = plots.CLASS_LABELS[result.normal_class], plots.CLASS_LABELS[result.anomaly_class]
st.subheader(f"Trained on {normal} jets, looking for {anomaly} jets")
settings.widget("cut_percent")
cut = roc.cut_at_quantile(result.normal_scores, result.anomaly_scores, settings.value("cut_percent") / 100)
point = roc.working_point(result.normal_scores, result.anomaly_scores, cut)
m1, m2, m3, m4 = st.columns(4)
m1.metric("AUC (autoencoder)", f"{result.auc:.3f}")
m2.metric(f"TPR: {anomaly} flagged", f"{point.tpr:.3f}")
m3.metric(f"FPR: {normal} flagged", f"{point.fpr:.4f}")
m4.metric("Background rejection 1/FPR", "∞" if point.fpr == 0 else f"{point.rejection:.1f}")

left, right = st.columns(2)
with left:
    st.plotly_chart(plots.score_histograms(result.normal_scores, result.anomaly_scores, result.normal_class,
                                           f"{normal} (trained on)", f"{anomaly} (anomaly)", cut=cut,
                                           score_label=f"reconstruction error ({config.score})"), width="stretch")
with right:
    settings.widget("log_fpr")
    st.plotly_chart(plots.roc_figure(result.rocs, point, log_fpr=settings.value("log_fpr"),
                                     title=f"ROC: finding {anomaly} jets"), width="stretch")
st.plotly_chart(plots.jet_image_grid(result.example_images, result.example_reconstructions, result.example_classes,
                                     result.example_scores), width="stretch")

st.dataframe(plots.auc_table(result), hide_index=True)
ui.download_csv(plots.scores_frame(result), "autoencoder_scores.csv", "Download the test jets' scores (CSV)")
ui.show_cli(params.command_line("ae-roc", config))

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
