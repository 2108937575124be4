"""Autoencoder ROC: unsupervised top tagging by reconstruction error."""

import shlex

import streamlit as st

from ganplify_core import params, ui
from ganplify_core.anomaly import onnx_autoencoder, plots, roc, user_tagger
from ganplify_core.anomaly.experiment import (
    CURVE,
    CURVE_PAGE_FIXED,
    ONNX_SCORING,
    TOP_TAGGING,
    CurveToyConfig,
    OnnxScoringConfig,
    TopTaggingConfig,
)
from ganplify_core.jets import available_sources, files
from ganplify_core.plots import remembered

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
        "repeats": {"hi": 5, "widget": "slider",
                    "help": "train and score with seeds seed, seed + 1, …: the table gives the spread of the AUC and "
                            f"of the rejection over runs; each run costs as much as one ({SMALL_PAGE})"},
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
        "view": ui.tab_param({"mass": "The score and the jet mass", "jets": "Example jets and their reconstructions"}),
    },
)

settings = ui.start_page("autoencoder_roc", PARAMS)

st.title("Autoencoder ROC")
ui.prose(
    "An **autoencoder** is a network trained to be the identity, with a compression (the *bottleneck*) in the "
    "middle. To pass its input through a few numbers it must learn what its training data have in common, "
    "so inputs unlike them come out badly: the **reconstruction error is an anomaly score**. A cut on the score "
    "gives a true and a false positive rate, the ROC curve collects them, and AUC = ∫ tpr d(fpr). Part 1 shows the "
    "idea on points on a curve; Part 2 trains the autoencoder on QCD jets only and asks it to find top jets "
    "(Heimel, Kasieczka, Plehn, Thompson, *QCD or What?*, arXiv:1808.08979; Farina, Nakai, Shih, arXiv:1808.08992); "
    "Part 3 takes your own tagger. Trained the other way round, on top jets, the autoencoder fails to find QCD "
    "jets: the reconstruction error measures how complex a jet is more than how new it is. Heimel et al. found "
    "this asymmetry; Finke, Krämer, Morandini, Mück, Oleksiyuk (*Autoencoders for unsupervised anomaly detection "
    "in high energy physics*, arXiv:2104.09051) studied it in depth."
)

# -- Part 1 ----------------------------------------------------------------------------------------------
st.header("Part 1: an autoencoder learns a curve")
ui.prose(
    "The training points (x, y) lie on a curve y = f(x) with a little noise. The autoencoder maps each point to "
    "**one number** z and back, 2 → 64 → 64 → **1** → 64 → 64 → 2, so the best it can do is learn the curve and "
    "project every point onto it. Points off the curve (moved up or down by a distance d) come back on the curve, "
    "far from where they started.", title="What Part 1 shows"
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
        ui.chart(remembered(plots.curve_toy_figure, toy), key="ae-curve-map")
    with right:
        ui.chart(plots.roc_figure({"off-curve points": roc.RocCurve(toy.roc_fpr, toy.roc_tpr, toy.auc)},
                                  title="Finding the off-curve points"), key="ae-curve-roc")
        st.metric("AUC, off-curve vs on-curve test points", f"{toy.auc:.3f}")
    ui.prose(
        "**What to notice.** The orange learned curve D(z) follows the dashed true one: the autoencoder has stored "
        "the relation between x and y, although it never predicts y from x. The error is small along the curve and "
        "grows with the distance from it, so the off-curve points score high. Lower d towards the noise σ and the "
        "AUC drops to 0.5; where the learned curve misses a bend, on-curve points there look anomalous too.",
        title="What to notice"
    )
ui.show_cli(params.command_line("ae-curve", curve_config))

# -- Part 2 ----------------------------------------------------------------------------------------------
st.header("Part 2: tagging top jets without labels")
ui.prose(
    "Jet images (40 × 40 pixels over ±0.8 in η and φ, each pixel the jet's pT fraction) of QCD jets are the "
    "background, hadronic top jets the signal. The autoencoder sees **only QCD jets** in training; its "
    "reconstruction error then ranks the test jets of both classes. On the same ROC plot: the jet mass alone, "
    "the N-subjettiness ratio τ32 alone, and a supervised CNN trained on labelled jets, the upper bound. "
    "Results are cached: the default settings and the presets show at once, and the two networks are reused "
    "when only the score changes.", title="What Part 2 shows"
)
ui.preset_buttons(settings, TOP_TAGGING)
with st.form("ae-roc-settings"):
    c1, c2, c3 = st.columns(3)
    with c1:
        for name in ("dataset", "model", "bottleneck"):
            settings.widget(name)
    with c2:
        for name in ("train_on", "score", "intensity"):
            settings.widget(name)
    with c3:
        for name in ("n_train", "n_test", "epochs", "repeats"):
            settings.widget(name)
    pressed = st.form_submit_button("Train and score", type="primary")

config = settings.config(TopTaggingConfig)
result = ui.result_of(TOP_TAGGING, config, pressed)
tables = {}
if result is None:
    ui.press_prompt(TOP_TAGGING, config, "Train and score", "These settings have not been trained yet")
else:
    normal, anomaly = plots.CLASS_LABELS[result.normal_class], plots.CLASS_LABELS[result.anomaly_class]
    st.subheader(f"Trained on {normal} jets, looking for {anomaly} jets")
    settings.widget("cut_percent")
    cut = roc.cut_at_quantile(result.normal_scores, result.anomaly_scores, settings.value("cut_percent") / 100)
    point = roc.working_point(result.normal_scores, result.anomaly_scores, cut)
    spread = result.auc_std()
    rejection = result.rejections["autoencoder"]
    m1, m2, m3, m4, m5 = st.columns(5)
    m1.metric("AUC (autoencoder)", f"{result.auc:.3f}" + ("" if spread is None else f" ± {spread:.3f}"),
              help=None if spread is None else f"± the standard deviation over {result.repeats} seeds")
    m2.metric("1/ε_B at ε_S = 0.3", plots.rejection_text(rejection["0.3"], len(result.normal_scores)),
              help=f"background rejection where the cut keeps 30 % of the {anomaly} jets (arXiv:1902.09914)")
    m3.metric("1/ε_B at ε_S = 0.5", plots.rejection_text(rejection["0.5"], len(result.normal_scores)))
    m4.metric(f"Your cut: {anomaly} flagged (TPR)", f"{point.tpr:.3f}")
    m5.metric(f"Your cut: {normal} flagged (FPR)", f"{point.fpr:.4f}",
              help="1/FPR = " + ("∞" if point.fpr == 0 else f"{point.rejection:.1f}"))

    left, right = st.columns(2)
    with left:
        ui.chart(plots.score_histograms(result.normal_scores, result.anomaly_scores, result.normal_class,
                                        f"{normal} (trained on)", f"{anomaly} (anomaly)", cut=cut,
                                        score_label=f"reconstruction error ({config.score})"), key="ae-hist")
    with right:
        settings.widget("log_fpr")
        ui.chart(plots.roc_figure(result.rocs, point, log_fpr=settings.value("log_fpr"), rejections=result.rejections,
                                  title=f"ROC: finding {anomaly} jets"), key="ae-roc")
    table = plots.auc_table(result)
    ui.table(table)
    st.caption("1/ε_B at ε_S: the background rejection (one over the fraction of the trained-on class that passes) "
               "of the cut that keeps a fraction ε_S of the anomaly class, read off the full ROC curve; ε_S = 0.3 is "
               "the working point of the top-tagging comparison of Kasieczka et al., arXiv:1902.09914. "
               + (f"± : the standard deviation over {result.repeats} seeds (new jets and initial weights each)."
                  if result.repeats > 1 else "Set **Training runs (seeds)** above 1 for the spread over seeds."))
    mass_tab, jets_tab = settings.tabs("view")
    mass = plots.mass_table(result)
    right = None  # the mass figure's column, when its tab is open
    if mass_tab.open:
        with mass_tab:
            rho, rho_after = result.mass_spearman["autoencoder"]["qcd"], result.mass_spearman["decorrelated"]["qcd"]
            st.markdown(
                f"Spearman's rank correlation of the reconstruction error with the jet mass, on the QCD test jets: "
                f"ρ = **{rho:.2f}**. A cut on a score that follows the mass keeps the heavy background jets and sculpts the "
                f"background's mass distribution (the figure: {normal} jets passing each cut). The **mass-decorrelated "
                f"score** replaces each jet's error by its quantile among the {normal} *training* jets of the same mass "
                f"(20 bins of equal count; no label needed): ρ = **{rho_after:.2f}**, and the AUC goes from "
                f"{result.auc:.3f} to **{result.rocs['decorrelated'].auc:.3f}**. What is left is how unusual a jet is "
                f"*for its mass*."
            )
            # on a projector the table's four columns did not fit beside the chart (the last was cut): stacked there
            left, right = (st.container(), st.container()) if ui.lecture_mode() else st.columns([2, 3])
            ui.table(mass, left)
    ui.chart(remembered(plots.mass_sculpting, result), key="ae-mass", container=right, draw=mass_tab.open)
    ui.chart(plots.jet_image_grid(result.example_images, result.example_reconstructions, result.example_classes,
                                  result.example_scores, pixel_label=plots.PIXEL_LABELS[config.intensity]),
             key="ae-jets", container=jets_tab, draw=jets_tab.open)
    scores = remembered(plots.scores_frame, result)
    ui.download_csv(scores, "autoencoder_scores.csv",
                    "Download the test jets' scores (CSV: label, score, mass, class; Part 3 reads it back)")
    tables = {"autoencoder_scores.csv": scores, "taggers.csv": table, "mass_decorrelation.csv": mass}
    ui.prose(
        f"""
- The supervised CNN, which saw labels, is the upper bound; the autoencoder never saw a top jet, and the jet
  mass alone is a strong physics baseline.
- The working point: a cut that flags {point.tpr:.0%} of the {anomaly} jets also flags {point.fpr:.1%} of the
  {normal} jets. Physicists quote the rejection 1/ε_B at a fixed signal efficiency ε_S.
- Switch **Train the autoencoder on** to top jets (or press **Where it fails**): looking for QCD among tops
  works much worse. A top jet has three prongs and more structure than a QCD jet; an autoencoder that learned
  tops reconstructs the simpler QCD jets well. It flags *complexity*, not *novelty*: found by Heimel et al.
  (arXiv:1808.08979), studied in depth by Finke et al. (arXiv:2104.09051).
- With the pT fraction as pixel intensity and plain MSE, the error is dominated by the hardest pixel, which is
  largest in QCD jets; the relative score or the √ intensity weights the whole image.
""", title="What to notice")
ui.show_cli(params.command_line("ae-roc", config))

# -- Part 3 ----------------------------------------------------------------------------------------------
st.header("Part 3: your own tagger")
ui.prose(
    f"**Scores.** Upload a CSV with {user_tagger.FORMAT}, and optionally a column mass (GeV) for the mass "
    f"baseline (at most {user_tagger.MAX_MB} MB, {user_tagger.MAX_ROWS:,} rows; other columns are ignored, so "
    "Part 2's download reads back as it is). **Autoencoder.** Or upload your autoencoder as an ONNX file: input a "
    f"batch of 40 × 40 jet images ({', '.join(onnx_autoencoder.SHAPES)}, float32, free batch dimension), output "
    f"their reconstruction (at most {onnx_autoencoder.MAX_ONNX_BYTES // 2**20} MB). It is scored on Part 2's test "
    "jets, pixel intensity and score (the settings above), against the jet mass, or on your own jets file (QCD and "
    "top jets: the top-tagging layout, JetNet arrays with class names qcd and top, or a ROOT tree; the first "
    "*Test jets per class* of each class). Export from PyTorch with "
    f"`{onnx_autoencoder.HOW_TO}`.", title="What Part 3 takes"
)
score_tab, onnx_tab = st.tabs(["Your scores (CSV)", "Your autoencoder (ONNX)"])
with score_tab:
    upload = st.file_uploader("label,score[,mass] CSV", type=["csv"], key="autoencoder_roc.scores_upload")
    if upload is not None:
        with ui.user_errors():
            report = user_tagger.evaluate_bytes(upload.getvalue(), name=upload.name)
        s1, s2, s3, s4 = st.columns(4)
        s1.metric("AUC (your scores)", f"{report.roc.auc:.3f}")
        s2.metric("1/ε_B at ε_S = 0.3 (yours)", plots.rejection_text(report.rejections["0.3"], report.n_background))
        s3.metric("1/ε_B at ε_S = 0.5 (yours)", plots.rejection_text(report.rejections["0.5"], report.n_background))
        s4.metric("Signal / background rows", f"{report.n_signal:,} / {report.n_background:,}")
        ui.chart(plots.roc_figure(report.rocs(), log_fpr=settings.value("log_fpr"),
                                  rejections={report.name: report.rejections,
                                              **({"mass": report.mass_rejections} if report.mass_roc else {})},
                                  title=f"ROC of {upload.name}"), key="ae-user-roc")
        ui.table(plots.report_table(report))
        if report.mass_roc is not None:
            st.caption(f"Mass baseline: the {report.mass_direction} jets called signal. Spearman ρ of your score "
                       f"with the mass on the background: {report.mass_spearman:.2f}.")
        ui.show_cli(f"python -m ganplify_core ae-roc --scores {shlex.quote(upload.name)} --json")
with onnx_tab:
    model_file = st.file_uploader("Your autoencoder (ONNX)", type=["onnx"], key="autoencoder_roc.onnx_upload")
    if model_file is not None:
        format_column, jets_column = st.columns([1, 2])
        jets_format = format_column.selectbox("Format of your jets file", files.FORMATS, format_func=files.FORMAT_LABELS.get,
                                              key="autoencoder_roc.jets_format")
        jets_file = jets_column.file_uploader(
            f"Your jets (optional; QCD and top jets, at most {files.MAX_UPLOAD_BYTES // 2**20} MB): scored instead "
            "of the built-in ones", type=["h5", "hdf5", "npz", "root"], key="autoencoder_roc.jets_upload")
        with ui.user_errors():
            digest, _ = onnx_autoencoder.accept(model_file.getvalue(), name=model_file.name)
            own_jets = {}
            if jets_file is not None:
                jets_digest, jets_data = ui.uploaded(jets_file)
                own_jets = {"jets_format": jets_format,
                            "jets_sha256": files.store_upload(jets_data, jets_format, name=jets_file.name,
                                                              digest=jets_digest)}
            onnx_config = settings.config(OnnxScoringConfig, onnx_sha256=digest, **own_jets).validate()
        onnx_pressed = st.button("Score the test jets with your autoencoder", type="primary")
        yours = ui.result_of(ONNX_SCORING, onnx_config, onnx_pressed)
        if yours is None:
            ui.press_prompt(ONNX_SCORING, onnx_config, "Score the test jets with your autoencoder",
                            f"{model_file.name} is accepted")
        else:
            o1, o2, o3 = st.columns(3)
            o1.metric("AUC (your autoencoder)", f"{yours.auc:.3f}")
            o2.metric("1/ε_B at ε_S = 0.3 (your autoencoder)",
                      plots.rejection_text(yours.rejections["yours"]["0.3"], len(yours.normal_scores)))
            o3.metric("1/ε_B at ε_S = 0.5 (your autoencoder)",
                      plots.rejection_text(yours.rejections["yours"]["0.5"], len(yours.normal_scores)))
            left, right = st.columns(2)
            with left:
                ui.chart(plots.score_histograms(
                    yours.normal_scores, yours.anomaly_scores, yours.normal_class,
                    plots.CLASS_LABELS[yours.normal_class], plots.CLASS_LABELS[yours.anomaly_class],
                    score_label=f"reconstruction error ({onnx_config.score})"), key="ae-onnx-hist")
            with right:
                ui.chart(plots.roc_figure(yours.rocs, log_fpr=settings.value("log_fpr"), rejections=yours.rejections,
                                          title=f"ROC of {model_file.name}"), key="ae-onnx-roc")
            ui.table(plots.auc_table(yours))
            ui.chart(plots.jet_image_grid(yours.example_images, yours.example_reconstructions, yours.example_classes,
                                          yours.example_scores, pixel_label=plots.PIXEL_LABELS[onnx_config.intensity]),
                     key="ae-onnx-jets")
        own_file = {"--jets": jets_file.name, "--jets-format": jets_format} if jets_file is not None else {}
        ui.show_cli(params.command_line("ae-onnx", onnx_config, extra={"--onnx": model_file.name, **own_file}))

ui.download_all("autoencoder_roc", tables=tables)
