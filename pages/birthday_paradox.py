"""Birthday paradox: support size of a generator from its duplicate rate."""

import streamlit as st

from ganplify_core import cli, ui
from ganplify_core.birthday import experiment, plots
from ganplify_core.birthday.cli import command_args
from ganplify_core.birthday.duplicates import ALPHAS, FEATURE_SETS
from ganplify_core.birthday.experiment import BirthdayConfig
from ganplify_core.birthday.sources import SOURCE_LABELS, SOURCES

D = BirthdayConfig()
ENERGIES = {"100 GeV": (100.0, 100.0), "50 GeV": (50.0, 50.0), "200 GeV": (200.0, 200.0), "10–500 GeV": (10.0, 500.0)}

FIELDS = {
    "sources": ui.MultiChoice(SOURCES, D.sources),
    "energy": ui.Choice(tuple(ENERGIES), "100 GeV", widget="radio"),
    "features": ui.Choice(tuple(FEATURE_SETS), D.features, widget="radio"),
    "alpha": ui.Choice(ALPHAS, D.alpha, widget="radio"),
    "pool": ui.Int(100, 5000, D.pool_size, step=100),
    "replications": ui.Int(100, 5000, D.replications, step=100),
    "grid_points": ui.Int(5, 100, D.grid_points),
    "grid_scale": ui.Choice(("log", "linear"), D.grid_scale, widget="radio"),
    "templates": ui.Int(10, 1_000_000, D.templates, widget="number"),
    "support": ui.Int(10, 1_000_000, D.support, widget="number"),
    "gan_steps": ui.Int(50, 5000, 300, step=50),
}

settings = ui.start_page("birthday_paradox", FIELDS)

st.title("Birthday paradox: how many different showers can a generator make?")
intro, textbook = st.columns([3, 2])
textbook.plotly_chart(plots.textbook_curves(), width="stretch")
intro.markdown(
    "Among 23 people two share a birthday more often than not, because 23 people make 253 pairs; with *d* "
    "equally likely days it takes about √d people. Turned around, this measures the **support size** of a "
    "generator: draw *s* samples, look for a duplicate pair, and find the *s\\** at which one turns up half "
    "of the time; the support is about *s\\**² (Arora & Zhang, arXiv:1706.08224). Here the generators are a "
    "toy calorimeter (our stand-in for GEANT4), a 3D GAN trained on it, and two generators whose support we "
    "know, to check the method. As in Jaruskova & Vallecorsa (CERN openlab, IML 2020), two showers are "
    "*duplicates* when their shower shapes along x, y and z (Jensen–Shannon divergence), their total energy "
    "and their 3D structure (SSIM) are all closer than the closest α = 2 % of pairs of training showers."
)

with st.form("birthday-settings"):
    left, middle, right = st.columns(3)
    with left:
        settings.widget("sources", "Generators to compare",
                        format_func=lambda s: SOURCE_LABELS[s],
                        help="Toy simulator: the training sample (thresholds come from it) and an independent held-out "
                             "sample. K templates: K fixed showers plus 0.1 % noise. Uniform: d fixed showers, exact repeats.")
        settings.widget("energy", "Primary energy", horizontal=True, help="a fixed energy bin, or uniform in 10–500 GeV")
        settings.widget("templates", "K (templates: true support)")
        settings.widget("support", "d (uniform: true support)")
    with middle:
        settings.widget("features", "Duplicate = close in", help="the seed's three definitions, (a) to (c)")
        settings.widget("alpha", "Threshold quantile α", horizontal=True,
                        help="a pair is close in a feature when its distance is below the α-quantile of training pairs "
                             "(SSIM: above the (1 − α)-quantile)")
    with right:
        settings.widget("pool", "Pool size M (showers per generator)")
        settings.widget("replications", "Replications R (random orderings)")
        settings.widget("grid_points", "Subset sizes shown")
        settings.widget("grid_scale", "Subset-size grid", horizontal=True)
    use_retrained = st.toggle("Use the GAN retrained below", value=False, disabled="birthday.gan_config" not in st.session_state,
                              help="otherwise the shipped checkpoint assets/calo_gan.pt")
    pressed = st.form_submit_button("Estimate the supports", type="primary")

values = settings.values()
config = BirthdayConfig(
    sources=tuple(values["sources"]), energy=ENERGIES[values["energy"]], features=values["features"],
    alpha=values["alpha"], pool_size=values["pool"], replications=values["replications"],
    grid_points=values["grid_points"], grid_scale=values["grid_scale"], templates=values["templates"],
    support=values["support"], seed=settings.seed,
    gan=st.session_state.get("birthday.gan_config") if use_retrained else None,
)


@st.cache_resource(show_spinner=False, max_entries=8)
def birthday_result(config: BirthdayConfig, _progress=None):
    """Disk cache or a fresh run (keyed by the frozen config)."""
    return experiment.run_birthday(config, _progress)


with ui.user_errors():
    config.validate()
    if pressed:
        with ui.progress_bar("Pools, duplicate pairs and curves") as progress:
            result = birthday_result(config, progress)
    elif experiment.is_available(config):
        result = birthday_result(config)
    else:
        result = birthday_result(experiment.quick_look(config))
        st.info(f"**Quick look** (shapes + energy, pools of {result.config.pool_size} showers, "
                f"{result.config.replications} orderings). Press **Estimate the supports** for your settings.",
                icon=":material/bolt:")

st.subheader("Probability of a duplicate pair")
st.plotly_chart(plots.duplicate_curves(result), width="stretch")
comparison = plots.support_comparison(result)
if comparison:
    st.markdown(comparison)
st.dataframe(plots.estimates_table(result), hide_index=True, width="stretch")
st.caption(
    "**Which estimate holds when.** If the support is *d* equally likely showers, p(s) ≈ 1 − exp(−s²/2d), so "
    "*s\\**² ≈ 2 ln 2 · d: the rough rule *s\\**² (the paper's) overestimates a uniform support by 1.39, and "
    "*s\\**²/(2 ln 2) is exact for it. The collision estimator C(M, 2)/D counts all D duplicate pairs in the "
    "pool: unbiased for 1/d under uniform support and the most precise when D is large (tens or more), "
    "undefined when D = 0. Then no *s\\** exists within the pool, and M²/(2 ln 2) is only a lower bound. For "
    "a non-uniform generator all three measure an *effective* support 1/Σp², smaller than the number of "
    "distinct outputs. The dotted lines are the exact birthday curves of the known supports."
)

st.subheader("What the generators make")
st.plotly_chart(plots.example_showers(result), width="stretch")
st.plotly_chart(plots.shape_distributions(result), width="stretch")

st.subheader("Most similar pairs: the visual check")
shown = st.selectbox("Generator", [s.source for s in result.sources], format_func=lambda s: SOURCE_LABELS[s],
                     help="A plot option: computes nothing.")
pairs_figure = plots.similar_pairs(result, shown)
if pairs_figure is None:
    st.write("No pair of this pool comes within 1.5 times every threshold.")
else:
    st.plotly_chart(pairs_figure, width="stretch")
    st.caption(plots.similar_pairs_caption(result, shown) + " Score: the largest distance of a pair in units of its "
               "threshold (SSIM: 1 − SSIM in units of 1 − threshold); a duplicate passes every threshold, score ≤ 1.")

st.subheader("How it is computed")
st.markdown(
    "1. **Thresholds** from pairs of training showers: the α-quantile of each distance (SSIM: (1 − α)).\n"
    "2. **Duplicate graph of a pool, once.** All M(M − 1)/2 pairs are screened by the exact energy difference "
    "and a lower bound of each JS divergence (¼ of the squared Hellinger distance, a matrix product); exact JS "
    "divergences run on the survivors; SSIM, the expensive feature, only on pairs that passed everything else, "
    "with each image's filtered means and variances computed once.\n"
    "3. **The whole curve from R orderings.** A random subset of the pool is a fresh sample, so subset *s* of "
    "an ordering is its first *s* showers, and it holds a duplicate iff the ordering's *first* duplicate came "
    "at size ≤ *s*: one number per ordering gives p(s) for every *s*. The band is the 95 % Wilson interval "
    "over orderings of this pool (it does not include pool-to-pool variation)."
)
st.caption(
    "What the toy leaves out: real GEANT4 showers have more structure (and 51 × 51 × 25 cells); the GAN here is "
    "small and trained for minutes on CPU. The answer depends strongly on the duplicate definition, as the "
    "seed stresses: change the features or α and watch the estimates move."
)
ui.download_csv(plots.curves_frame(result), "birthday_curves.csv", "Download the curves (CSV)")
ui.show_cli(cli.format_command("birthday", command_args(result.config)))
if result.config.gan is not None:
    st.caption("This run uses the GAN retrained on this page; the command above uses the shipped checkpoint.")

with st.expander("Retrain the GAN"):
    st.markdown("Train the conditional 3D GAN again (seed from the sidebar) and use it above with the toggle. "
                "A few hundred steps take minutes on two CPU cores; trained models are cached.")
    with st.form("birthday-retrain"):
        settings.widget("gan_steps", "Training steps")
        retrain = st.form_submit_button("Retrain")
    if retrain:
        with ui.user_errors(), ui.progress_bar("Training the GAN") as progress:
            gan_config = experiment.retrain_gan(values["gan_steps"], settings.seed, progress)
        st.session_state["birthday.gan_config"] = gan_config
        st.success("Retrained: switch on *Use the GAN retrained below* and press **Estimate the supports**.")
