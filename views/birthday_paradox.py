"""Birthday paradox: support size of a generator from its duplicate rate."""

import streamlit as st

from ganplify_core import params, ui
from ganplify_core.birthday import experiment, plots, uploads
from ganplify_core.birthday.duplicates import ALPHAS
from ganplify_core.birthday.experiment import BIRTHDAY, PAGE_DEFAULT, BirthdayConfig
from ganplify_core.birthday.sources import SOURCE_LABELS, UPLOADED
from ganplify_core.calorimeter.gan import CALO_GAN, CaloGanConfig
from ganplify_core.plots import remembered

SMALL_PAGE = "the page keeps to what runs in minutes on a shared server; the CLI takes more"
DECLARED = params.params_of(BirthdayConfig)
PARAMS = ui.page_params(
    BirthdayConfig, exclude=("threshold_showers", "gan_steps"),
    narrow={
        "sources": {"default": PAGE_DEFAULT.sources,
                    "help": "Toy simulator: the training sample (thresholds come from it) and an independent held-out "
                            "sample. K templates: K fixed showers plus 0.1 % noise. Uniform: d fixed showers, exact "
                            "repeats. Your showers / reference: the files uploaded below."},
        # Links have always written the energy as "100 GeV" or "10–500 GeV"; the CLI takes 100 or 10-500.
        "energy": {"choices": ("100", "50", "200", "10-500"), "widget": "radio",
                   "names": {"100": "100 GeV", "50": "50 GeV", "200": "200 GeV", "10-500": "10–500 GeV"},
                   "help": "a fixed energy bin, or uniform in 10–500 GeV"},
        "features": {"default": PAGE_DEFAULT.features},
        "alpha": {"choices": ALPHAS, "widget": "radio", "default": PAGE_DEFAULT.alpha,
                  "help": "a pair is close in a feature when its distance is below the α-quantile of training pairs "
                          "(SSIM: above the (1 − α)-quantile); the seed's two values"},
        "pool_size": {"lo": 100, "hi": 5000, "step": 100, "widget": "slider", "default": PAGE_DEFAULT.pool_size,
                      "help": f"M, showers per generator ({SMALL_PAGE}); with your showers, at most their number"},
        "replications": {"lo": 100, "hi": 5000, "step": 100, "widget": "slider", "default": PAGE_DEFAULT.replications,
                         "help": f"R, random orderings of each pool ({SMALL_PAGE})"},
        "grid_points": {"lo": 5, "hi": 100, "widget": "slider"},
        "templates": {"lo": 10, "hi": 1_000_000, "help": f"K, the template generator's true support ({SMALL_PAGE})"},
        "support": {"lo": 10, "hi": 1_000_000, "help": f"d, the uniform generator's true support ({SMALL_PAGE})"},
        "grid": {"widget": "radio"},
    },
    extra={
        "gan_steps": DECLARED["gan_steps"].narrowed(
            lo=50, hi=5000, default=300, step=50, widget="slider", label="Training steps",
            help=f"steps of the retrained GAN; a few hundred take minutes ({SMALL_PAGE})"),
        "retrained": params.Param(False, label="Use the GAN retrained below",
                                  help="otherwise the shipped checkpoint assets/calo_gan.pt. If this GAN is not trained "
                                       "yet, *Estimate the supports* trains it first (the time estimate includes it)."),
        "view": ui.tab_param({"shapes": "Shape distributions", "showers": "Example showers",
                              "pairs": "Most similar pairs"}),
    },
)

settings = ui.start_page("birthday_paradox", PARAMS)

st.title("Birthday paradox: how many different showers can a generator make?")
intro, textbook = st.columns([3, 2])
ui.chart(plots.textbook_curves(), container=textbook)
with intro:
    ui.prose(
        "Among 23 people two share a birthday more often than not, because 23 people make 253 pairs; with *d* "
        "equally likely days it takes about √d people. Turned around, this measures the **support size** of a "
        "generator: draw *s* samples, look for a duplicate pair, and find the *s\\** at which one turns up half "
        "of the time; the support is about *s\\**² (Arora & Zhang, arXiv:1706.08224). Here the generators are a "
        "toy calorimeter (our stand-in for GEANT4), a 3D GAN trained on it, two generators whose support we "
        "know, to check the method, and your own showers. As in Jaruskova & Vallecorsa (CERN openlab, IML 2020), "
        "two showers are *duplicates* when they are closer than the closest α of pairs of training showers in "
        "every feature of a definition: (a) the shower shapes along x, y and z (Jensen–Shannon divergence); "
        "(b) also the *relative difference* of their deposited energies, |E₁ − E₂| / ½(E₁ + E₂); (c) also their "
        "3D structure (SSIM). Every run computes all three definitions on the same pools.")

ui.preset_buttons(settings, BIRTHDAY)

upload = {}
with st.expander("Use your own showers (.npz)", expanded=bool(settings.value("sources")
                                                               and {"upload", "reference"} & set(settings.value("sources")))):
    st.markdown(
        "A `.npz` with an array **`showers`** of shape (m, X, Y, Z) in GeV (any grid, each side at least 11 cells) "
        "and optionally **`energy`** (m,): `np.savez_compressed('mine.npz', showers=images, energy=energies)`. "
        f"At most 20 MB here (the CLI takes {uploads.MAX_FILE_BYTES // 2**20} MB), {uploads.MIN_SHOWERS} to "
        f"{uploads.MAX_SHOWERS:,} showers; nothing in it is unpickled. The pool M is then at most your number of "
        "showers. With a **reference sample** the thresholds are fitted on it instead of on the toy simulator "
        "(needed when your grid is not one of the simulator's, 25×25×25 or 51×51×25).")
    left, right = st.columns(2)
    mine = left.file_uploader("Your showers", type=["npz"], key="birthday.showers")
    reference = right.file_uploader("Reference sample (optional)", type=["npz"], key="birthday.reference")
    for file, field in ((mine, "showers_sha256"), (reference, "reference_sha256")):
        if file is not None:
            with ui.user_errors():
                digest, content = ui.uploaded(file)
                _, held = uploads.accept(content, name=file.name[:60])
            upload[field] = digest
            st.caption(f"{file.name[:60]}: {len(held):,} showers of {uploads.grid_text(held.grid)} cells"
                       + ("" if held.energy is None else ", with primary energies") + ".")

with st.form("birthday-settings"):
    settings.widget("sources")  # the whole width: the generators' names are long
    left, middle, right = st.columns(3)
    with left:
        settings.widget("energy", horizontal=True)
        settings.widget("grid")
        settings.widget("templates")
        settings.widget("support")
    with middle:
        settings.widget("features")
        settings.widget("alpha", horizontal=True)
        settings.widget("retrained")
    with right:
        for name in ("pool_size", "replications", "grid_points"):
            settings.widget(name)
        settings.widget("grid_scale", horizontal=True)
    pressed = st.form_submit_button("Estimate the supports", type="primary")

with ui.user_errors():
    config = experiment.page_config(settings.config(BirthdayConfig, gan_steps=settings.value("gan_steps")
                                                    if settings.value("retrained") else 0), **upload)
gan_config = CaloGanConfig(seed=settings.seed, steps=settings.value("gan_steps"))


def retrain_section() -> None:
    """The expander that trains the GAN again (a job like any other: shared, cached, survives the tab).

    Drawn once opened (open already when the link asks for the retrained GAN), like the terminal lines.
    """
    with st.expander("Retrain the GAN", expanded=bool(settings.value("retrained")), key="birthday_paradox.retrain",
                     on_change="rerun") as box:
        if not box.open:
            return
        st.markdown("Train the conditional 3D GAN again (seed from the sidebar), then switch on *Use the GAN "
                    "retrained below* and press **Estimate the supports**. Trained models are cached and shared "
                    "by every session, and a link with the switch on reproduces the same GAN.")
        with st.form("birthday-retrain"):
            settings.widget("gan_steps")
            retrain = st.form_submit_button("Retrain")
        trained = ui.result_of(CALO_GAN, gan_config, retrain)
        if trained is None:
            ui.press_prompt(CALO_GAN, gan_config, "Retrain", "This GAN has not been trained yet")
        else:
            st.success(f"Trained: {gan_config.steps} steps, seed {gan_config.seed} ({trained.train_seconds:.0f} s). "
                       "Switch on *Use the GAN retrained below* and press **Estimate the supports**.",
                       icon=":material/check_circle:")
        st.caption("In a terminal:")
        st.code(params.command_line("train-calo-gan", gan_config, extra={"--out": "calo_gan.pt"},
                                    exclude=[n for n in params.params_of(CaloGanConfig) if n not in ("seed", "steps")]),
                language="bash")


def command_line(config: BirthdayConfig) -> str:
    files = {"--showers": "mine.npz"} if config.showers_sha256 else {}
    if config.reference_sha256:
        files["--reference"] = "reference.npz"
    return params.command_line("birthday", config, extra=files)


result = ui.result_of(BIRTHDAY, config, pressed)
if result is None:
    quick = experiment.quick_look(config)
    result = ui.result_of(BIRTHDAY, quick, pressed=False) if quick != config else None
    if result is None:
        ui.press_prompt(BIRTHDAY, config, "Estimate the supports")
        ui.show_cli(command_line(config))
        retrain_section()
        st.stop()
    st.info(f"**Quick look** (shapes + energy, pools of {quick.pool_size} showers, {quick.replications} orderings"
            f"{'' if 'gan' in quick.sources or 'gan' not in config.sources else ', without the GAN'}).",
            icon=":material/bolt:")
    ui.press_prompt(BIRTHDAY, config, "Estimate the supports", "Your settings have not been computed yet")

st.subheader("Probability of a duplicate pair")
ui.chart(remembered(plots.duplicate_curves, result))
comparison = remembered(plots.support_comparison, result)
if comparison:
    st.markdown(comparison)
ui.table(plots.estimates_table(result))
ui.prose(
    "**Which estimate holds when.** If the support is *d* equally likely showers, p(s) ≈ 1 − exp(−s²/2d), so "
    "*s\\**² ≈ 2 ln 2 · d: the rough rule *s\\**² (the paper's) overestimates a uniform support by 1.39, and "
    "*s\\**²/(2 ln 2) is exact for it. The collision estimator N/D = C(M, 2)/D counts all D duplicate pairs in the "
    "pool: unbiased for 1/d under uniform support and the most precise when D is large (tens or more), "
    "undefined when D = 0. Then no *s\\** exists within the pool, and M²/(2 ln 2) is only a lower bound. For "
    "a non-uniform generator all three measure an *effective* support 1/Σp², smaller than the number of "
    "distinct outputs. **Intervals (95 %)**: on N/D, the wider of the exact Poisson interval of D and the one "
    "from the variance of D/N as a U-statistic (it covers pool-to-pool variation; duplicates that cluster on a few "
    "showers, as in mode collapse, vary far more than Poisson, and that variance sees it); on *s\\**, the "
    "order-statistic interval "
    "of the median over the R orderings (ordering noise of this pool only). The dotted lines are the exact "
    "birthday curves of the known supports.", title="Which estimate holds when")

st.subheader("The three definitions of a duplicate, side by side")
ui.chart(remembered(plots.definition_curves, result))
st.caption(f"D: duplicate pairs among the N = C(M, 2) = {result.sources[0].n_pairs:,} pairs of each pool; N/D: the "
           "collision support, with its 95 % interval (the wider of exact Poisson and the U-statistic variance's).")
ui.table(plots.definitions_table(result))
rates = remembered(plots.relative_rates_table, result)
if rates is not None:
    baseline = SOURCE_LABELS[experiment.baseline_source(result)].lower()
    st.markdown(f"**Relative duplicate rate**: how many times as often a source's pairs are duplicates as those of the "
                f"{baseline}, with its 95 % interval (the wider of the exact conditional binomial on the two counts and "
                "the one from the U-statistic variances, which see duplicates that cluster).")
    ui.table(rates)
notice = remembered(plots.what_to_notice, result)
if notice:
    st.markdown("**What to notice**\n\n" + notice)

st.subheader("What the generators make")
# The shower grids (twelve heatmaps each) are the page's slowest charts to draw: they wait in tabs of their own.
shapes_tab, showers_tab, pairs_tab = settings.tabs("view")
ui.chart(remembered(plots.shape_distributions, result), container=shapes_tab, draw=shapes_tab.open)
ui.chart(remembered(plots.example_showers, result), container=showers_tab, draw=showers_tab.open)
with pairs_tab:  # the visual check; its generator is also the one *Download showers* offers
    shown = st.selectbox("Generator", [s.source for s in result.sources], format_func=lambda s: SOURCE_LABELS[s],
                         help="A plot option: computes nothing.")
    pairs_figure = remembered(plots.similar_pairs, result, shown)
    if pairs_figure is None:
        st.write("No pair of this pool comes within 1.5 times every threshold.")
    else:
        ui.chart(pairs_figure, draw=pairs_tab.open)
        st.caption(plots.similar_pairs_caption(result, shown) + " Score: the largest distance of a pair in units of "
                   "its threshold (SSIM: 1 − SSIM in units of 1 − threshold); a duplicate passes every threshold, "
                   "score ≤ 1.")

st.subheader("How it is computed")
ui.prose(
    "1. **Thresholds** from pairs of training showers (the simulator's, or your reference sample's): the "
    "α-quantile of each distance (SSIM: (1 − α)). The energy distance is the relative difference of deposited "
    "energies, |E₁ − E₂| / ½(E₁ + E₂), so one threshold serves every primary energy.\n"
    "2. **Duplicate graph of a pool, once per definition.** All M(M − 1)/2 pairs are screened by the exact energy "
    "difference and a lower bound of each JS divergence (¼ of the squared Hellinger distance, a matrix product); "
    "exact JS divergences run on the survivors; SSIM, the expensive feature, only on pairs that passed everything "
    "else, with each image's filtered means and variances computed once. The three definitions share their "
    "thresholds, so they are nested: every (c) duplicate is a (b) duplicate is an (a) duplicate.\n"
    "3. **The whole curve from R orderings.** A random subset of the pool is a fresh sample, so subset *s* of "
    "an ordering is its first *s* showers, and it holds a duplicate iff the ordering's *first* duplicate came "
    "at size ≤ *s*: one number per ordering gives p(s) for every *s*. The band is the 95 % Wilson interval "
    "over orderings of this pool (it does not include pool-to-pool variation). The three definitions use the "
    "same orderings.", title="How it is computed")
st.caption(
    "What the toy leaves out: real GEANT4 showers have more structure; the seed's 51 × 51 × 25 grid is an option "
    "for the simulator and for your showers, while the GAN here is small, 25 × 25 × 25 and trained for minutes on "
    "CPU. The answer depends strongly on the duplicate definition, as the seed stresses: compare the three panels.")

with st.expander("Download showers (.npz, loads back in *Use your own showers*)"):
    if shown in UPLOADED:
        st.caption("Pick a generator in the *Most similar pairs* tab to download its showers.")
    else:
        count = min(result.config.pool_size, experiment.MAX_EXPORT)
        st.download_button(f"Download {SOURCE_LABELS[shown]}: the first {count:,} showers of this pool (.npz)",
                           data=lambda config=result.config, source=shown: experiment.export_showers(config, source),
                           file_name=f"birthday-{shown}-{count}.npz", mime="application/octet-stream",
                           on_click="ignore", icon=":material/download:",
                           help="The showers of the generator picked in the *Most similar pairs* tab: the very showers of "
                                "this run's pool (same seed), made again when you press (a few seconds).")
curves = plots.curves_frame(result)
ui.download_csv(curves, "birthday_curves.csv", "Download the curves (CSV)")
ui.download_all("birthday_paradox", tables={"birthday_curves.csv": curves,
                                            "birthday_estimates.csv": plots.estimates_frame(result)})
ui.show_cli(command_line(result.config))
retrain_section()
