"""GAN amplification: can a GAN trained on 100 points be worth more than 100 points?"""

import streamlit as st

from ganplify_core import params, ui
from ganplify_core.amplify import experiment, plots, samples
from ganplify_core.amplify.distributions import FIXED_DIMS
from ganplify_core.amplify.experiment import AMPLIFY, AmplifyConfig
from ganplify_core.plots import remembered

SMALL_PAGE = "the page keeps to what trains in minutes on a shared server; the CLI takes more"
PARAMS = ui.page_params(
    AmplifyConfig, exclude=("dim", "methods"),
    narrow={
        "n_train": {"hi": 10_000, "help": f"training points per training set ({SMALL_PAGE})"},
        "n_quant": {"choices": (10, 20, 50), "widget": "radio"},
        "width": {"choices": (16, 32, 64, 128), "widget": "select_slider"},
        "depth": {"hi": 5, "widget": "slider"},
        "latent": {"hi": 16, "widget": "slider"},
        "lr": {"choices": (3e-5, 1e-4, 3e-4, 1e-3), "widget": "select_slider"},
        "r1_gamma": {"choices": (0.0, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0), "widget": "select_slider"},
        "steps": {"lo": 500, "hi": 20_000, "step": 500, "widget": "slider"},
        "gans_per_set": {"hi": 4, "widget": "slider"},
        "n_seeds": {"hi": 20, "widget": "slider"},
        "max_generated": {"choices": (100_000, 1_000_000, 10_000_000), "widget": "select_slider"},
    },
    extra={"shell_dim": params.params_of(AmplifyConfig)["dim"].narrowed(
        lo=3, default=3, widget="slider", label="Shell dimension D", help="used only for the spherical shell")},
)

settings = ui.start_page("gan_amplification", PARAMS)

st.title("GAN amplification")
ui.prose(
    "Draw *n* points from a known distribution and train a GAN on them. Can the GAN's samples describe the "
    "distribution **better than the n points themselves**? We count the fraction of points in *N* cells of "
    "equal true probability and score the **quantile MSE** = (1/N) Σⱼ (xⱼ − 1/N)². *n* true points have "
    "expected MSE (N−1)/(N²n), so any MSE converts into a number of *equivalent true points*; divided by *n* "
    "that is the **amplification factor**. The GAN is compared with a maximum-likelihood fit of the right "
    "family (it knows the shape) and a kernel density estimate (plain smoothing). After Butter, "
    "Diefenbacher, Kasieczka, Nachman, Plehn, *GANplifying event samples*, arXiv:2008.06545."
)

ui.preset_buttons(settings, AMPLIFY)
headline = st.container()  # the answer first: filled below, once the settings are known

with st.form("amplify-settings"):
    left, middle, right = st.columns(3)
    with left:
        for name in ("distribution", "shell_dim", "n_train"):
            settings.widget(name)
        settings.widget("n_quant", horizontal=True)
    with middle:
        for name in ("width", "depth", "latent", "lr", "r1_gamma"):
            settings.widget(name)
    with right:
        for name in ("steps", "gans_per_set", "n_seeds", "max_generated"):
            settings.widget(name)
    pressed = st.form_submit_button("Train and compare", type="primary")

distribution = settings.value("distribution")
config = settings.config(AmplifyConfig, dim=FIXED_DIMS.get(distribution, settings.value("shell_dim")))
result = ui.result_of(AMPLIFY, config, pressed)

if result is None:
    with ui.user_errors():
        ui.chart(plots.preview_figure(config, experiment.training_set(config, 0)), container=headline)
    ui.press_prompt(AMPLIFY, config, "Train and compare", "These settings have not been trained yet")
    ui.show_cli(params.command_line("amplify", config))
    st.stop()

summary = remembered(AMPLIFY.to_json, result)  # the bootstrap intervals: once per result
headline.markdown(plots.headline_markdown(summary, "gan" if "gan" in config.methods else config.methods[-1]))
headline.caption(f"Amplification per training set, mean (± std) over the {config.n_seeds} sets (the sentence above: "
                 "the amplification of the mean MSE, a different average)")
columns = headline.columns(4)
columns[0].metric("Training sample", f"{summary['train_amplification']['mean']:.2f}",
                  help="its own MSE vs the expectation for n true points (the mean of ratios is above 1 on average, "
                       "by Jensen's inequality); from the mean MSE: "
                       f"{summary['train_amplification_of_mean_mse']:.2f}")
for column, method in zip(columns[1:], ("fit", "kde", "gan")):
    if method in summary:
        amp = summary[method]["amplification"]
        lo, hi = summary[method]["amplification_ci95"]
        column.metric(experiment.METHOD_LABELS[method], f"{amp['mean']:.2f} ± {amp['std']:.2f}",
                      help=f"mean ± std over {config.n_seeds} training sets, at {int(result.generated[-1]):,} generated "
                           f"points; bootstrap 95 % interval of the mean [{lo:.2f}, {hi:.2f}]")
# one column per method (eight measures side by side ran past the page's width, the tests' p-values hidden)
ui.table(plots.uncertainty_table(summary, config.methods).set_index("method").T.astype(str), headline, row_labels=True)
headline.caption("Intervals: percentile bootstrap over the training sets (10 000 resamples, seeded by the config). "
                 "Tests: two-sided, paired by training set, on log(sample MSE / method MSE). With few training "
                 "sets the bootstrap interval is too narrow rather than too wide.")
with headline.expander("How the GAN's settings were chosen (a selection the fit and the KDE did not get)"):
    st.markdown(
        f"The GAN's default R1 weight γ = {experiment.DEFAULT_CONFIG.r1_gamma:g} and its "
        f"{experiment.DEFAULT_CONFIG.steps:,} training steps were **chosen after the first result was seen**, by "
        "the true-law metric (the amplification of the mean quantile MSE, which needs the true distribution), out "
        "of about 12 configurations (γ from 0.3 to 100, 1 500 to 10 000 steps, one or two GANs per training set; "
        "the table is in docs/amplify.md). The selection ran on other training sets (config seeds 1 and 2) than "
        "the ones shown by default (seed 0), so these sets were not fitted to; but the recipe was still picked "
        "with knowledge of the truth, which a real analysis does not have. **The ML fit and the kernel density "
        "got no such selection**: the fit's family is fixed, and the KDE's bandwidth comes from a cross-validated "
        "likelihood on the training points alone. Read the GAN's numbers as its best case over those settings.\n\n"
        "The recipe: the R1 penalty on the discriminator's slope at the data (it limits how steeply the "
        "discriminator may rise at a training point, so the generator learns a smoothed sample, much as a "
        "kernel's bandwidth does), Adam with β = (0, 0.99), data scaled to O(1), the whole training set in every "
        "batch, and sampling from an exponential moving average of the generator's weights. A plain GAN, a "
        "cosine learning-rate schedule, small batches and WGAN-GP were tried first and were worse than the "
        "training sample.")

st.subheader("Score your own generator's samples")
upload = st.file_uploader(
    "Points from your generator, trained on n true points of this law (.npy, .npz or .csv)", type=["npy", "npz", "csv"],
    key="gan_amplification.upload",
    help=f"shape (points, D) with D = {config.dim}; a .npz holds one array or one named 'samples'; a .csv has numbers "
         f"separated by commas, one point per line, an optional header; {samples.LIMITS}. Scored with this page's "
         f"law, N = {config.n_quant} cells and n = {config.n_train}.")
own, own_error = samples.score_upload(upload.getvalue(), upload.name, config) if upload is not None else (None, None)
if own_error:
    st.error(own_error, icon=":material/error:")
elif own is not None:
    st.markdown(
        f"**Your {own.n_samples:,} points**: quantile MSE {own.mse:.3g}"
        + (f", worth {own.equivalent_points:,.0f} true points: amplification **{own.amplification:.2f}** for "
           f"n = {config.n_train} (the GAN's, from the mean MSE: {summary['gan']['amplification_of_mean_mse']:.2f})"
           if own.amplification is not None and "gan" in summary else "")
        + ". Drawn on the MSE plot above as *your samples*.")
    st.caption(f"Reproduce: `python -m ganplify_core score-samples --dataset {config.distribution} --dim {config.dim} "
               f"--n-train {config.n_train} --quantiles {config.n_quant} --samples {upload.name} --json`")
ui.chart(remembered(plots.mse_figure, result, own), container=headline)

st.subheader("One training set")
show = st.selectbox("Training set to show", range(config.n_seeds), format_func=lambda k: f"training set {k + 1}",
                    help="A plot option: never retrains.")
ui.chart(remembered(plots.density_figure, result, show))
if config.distribution == "ring":
    ui.chart(remembered(plots.ring_scatter_figure, result, show))
if "gan" in config.methods and plots.has_replay(result):
    ui.chart(remembered(plots.replay_figure, result, show))
    st.caption(plots.replay_notice(result, show))
ui.table(remembered(plots.amplification_table, result))
st.caption("Amplification = equivalent true points / n. The mean of ratios favours lucky training sets "
           f"(even the training samples average {summary['train_amplification']['mean']:.2f} here, against "
           f"{summary['train_amplification_of_mean_mse']:.2f} from their mean MSE); the amplification of the "
           "mean MSE is the stricter number.")

if "gan" in config.methods:
    left, right = st.columns(2)
    ui.chart(remembered(plots.amplification_vs_step_figure, result), container=left)
    ui.chart(remembered(plots.loss_figure, result), container=right)
    st.caption(f"Left: the averaged generator's amplification at {len(result.snapshot_steps)} points during training, "
               "scored with the true distribution: an illustration only; the stopping step is fixed in advance.")

frame = remembered(plots.results_frame, result)
ui.download_csv(frame, "gan_amplification.csv")
ui.download_all("gan_amplification", tables={"gan_amplification.csv": frame,
                                             "uncertainty.csv": plots.uncertainty_table(summary, config.methods)})
ui.show_cli(params.command_line("amplify", config))

st.subheader("What to notice")
ui.prose(remembered(plots.what_to_notice, result), title="What to notice")
