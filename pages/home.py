"""Home: what GANplify Lab is, what each page teaches, and the jets three of the pages work on."""

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from ganplify_core import overview, params, ui
from ganplify_core.jets import plots as jet_plots
from ganplify_core.jets.experiment import OVERVIEW, JetOverviewConfig
from ganplify_core.jets.sample import available_sources

PARAMS = ui.page_params(JetOverviewConfig, narrow={
    "source": {"choices": available_sources()},
    "n": {"choices": (1000, 2000, 5000, 10_000, 20_000, 50_000), "widget": "select_slider",
          "help": "jets of each class in the histograms and the average images (the page keeps to 50 000; the "
                  "reference sample holds 10 000 per class)"},
})
settings = ui.start_page("home", PARAMS)

st.title("GANplify Lab")
st.markdown(
    "Generative and unsupervised machine learning on particle-physics toy data, one question per page. "
    "Every number on these pages is computed by `ganplify_core`, and every page shows the terminal "
    "command that reproduces it."
)

left, right = st.columns([3, 2])
with left:
    for file, title, icon, teaches in overview.PAGE_GUIDE:
        try:
            st.page_link(file, label=title, icon=icon)
        except StreamlitPageNotFoundError:  # the page file run on its own (tests): no navigation to link to
            st.markdown(f"**{title}**")
        st.caption(teaches)
with right:
    st.plotly_chart(overview.camelback_teaser(seed=settings.seed), width="stretch")
    st.caption("100 points from ½N(−4, 1) + ½N(4, 1). How many *true* points is a GAN trained on them worth? "
               "The GAN amplification page answers.")

st.divider()
st.header("Jets")
st.markdown(
    "The VAE latent explorer, the clustering page and the autoencoder ROC page work on **jets**: the spray "
    "of particles a quark, a gluon or a boosted heavy particle leaves in the detector, at pT ≈ 600 GeV. "
    "*QCD* jets come from one quark or gluon; *W* jets from W → q q̄ (two prongs, mass 80 GeV); *top* jets "
    "from t → b q q̄ (three prongs, mass 173 GeV). Each jet is a point cloud of up to 50 particles "
    "(pT, η, φ), centred, rotated and flipped, or a 40 × 40 image of it. The *toy* source is a fast parton "
    "shower written for this app; *reference*, where present, is a Pythia 8 sample."
)
source_column, size_column, button_column = st.columns([2, 3, 1], vertical_alignment="bottom")
with source_column:
    settings.widget("source", horizontal=True)
with size_column:
    settings.widget("n")
with button_column:
    pressed = st.button("Generate jets", type="primary", key="home.generate")
config = settings.config(JetOverviewConfig)
result = ui.result_of(OVERVIEW, config, pressed)

if result is None:
    ui.press_prompt(OVERVIEW, config, "Generate jets", "These jets have not been generated yet")
else:
    for column, process in zip(st.columns(len(result.classes)), result.classes):
        mean, std = result.mean_and_std(process, "mass")
        column.metric(f"{jet_plots.CLASS_NAMES[process]} jets: mean mass", f"{mean:.1f} GeV",
                      help=f"standard deviation {std:.1f} GeV over {config.n:,} {config.source} jets")
    start = st.columns([1, 3])[0].selectbox("Example jets", (0, 3, 6), format_func=lambda s: f"jets {s + 1}–{s + 3}",
                         help="A plot option: which of the stored example jets to show; never regenerates.", key="home.examples")
    images_tab, clouds_tab, observables_tab = st.tabs(["Images", "Point clouds", "Observables"])
    with images_tab:
        st.plotly_chart(jet_plots.example_images(result, start), width="stretch")
    with clouds_tab:
        st.plotly_chart(jet_plots.example_point_clouds(result, start), width="stretch")
    with observables_tab:
        st.plotly_chart(jet_plots.observable_histograms(result), width="stretch")
        if result.compared_source:
            st.caption("Solid: the toy; dashed: Pythia 8 (the reference sample). Where they differ, the toy is the "
                       "simplification (see the README's Jets section).")
    st.markdown(
        "**What to notice.** A single jet image is sparse; the class averages are not. Top jets have a mass "
        "peak near 173 GeV and three prongs (low τ₃₂ = τ₃/τ₂), W jets a peak near 80 GeV and two prongs (low "
        "τ₂₁); QCD jets have a broad mass spectrum with a tail that reaches the top, and sometimes split hard "
        "into two or three prongs themselves, which is why no tagger on these pages is perfect."
    )
ui.show_cli(params.command_line("jets", config.jets_config("top")))
