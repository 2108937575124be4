"""Home: what GANplify Lab is, and what each page teaches."""

import streamlit as st

from ganplify_core import cli, overview, ui
from ganplify_core.jets import available_sources, get_classes, jet_images
from ganplify_core.jets import plots as jet_plots

JET_PREVIEW_SIZE = 2000  # jets per class: enough for smooth histograms, a few seconds cold

settings = ui.start_page("home", {"jet_source": ui.Choice(available_sources(), "toy", widget="radio")})

st.title("GANplify Lab")
st.markdown(
    "Generative and unsupervised machine learning on particle-physics toy data, one question per page. "
    "Every number on these pages is computed by `ganplify_core`, and every page shows the terminal "
    "command that reproduces it."
)

left, right = st.columns([3, 2])
with left:
    st.markdown(
        """
| Page | What it teaches |
|---|---|
| **GAN amplification** | A GAN trained on 100 points can be worth *more* than 100 points: it interpolates. Quantile MSE against fit, kernel density and the sample itself; the amplification factor. |
| **Birthday paradox** | How many distinct showers can a generator make? If *s* samples hold a duplicate pair half the time, the support is about *s*². Simulator vs GAN vs generators of known support. |
| **VAE latent explorer** | β in a VAE is a distance resolution: the KL it pays counts the dimensions it resolves, D = dKL/d log β. Compared with the correlation dimension of the data. |
| **Clustering & UMAP** | Clustering is an art: k-means, DBSCAN and the rest, the elbow and silhouette, and what PCA, t-SNE and UMAP keep of the geometry. |
| **Feature ranking** | Which inputs matter? Permutation importance, SHAP, and exact Shapley values from their definition. |
| **Autoencoder ROC** | An autoencoder trained on QCD jets flags top jets by their reconstruction error: unsupervised tagging, its ROC curve, and its limits. |
"""
    )
with right:
    st.plotly_chart(overview.camelback_teaser(seed=st.session_state[ui.SEED_KEY]), width="stretch")
    st.caption("100 points from ½N(−4, 1) + ½N(4, 1). How many *true* points is a GAN trained on them worth? "
               "The GAN amplification page answers.")


@st.cache_resource(show_spinner="Generating jets…")
def jet_preview(source: str, seed: int) -> tuple[dict, dict]:
    """Jets of every class and their images (disk-cached underneath; read-only)."""
    jets = get_classes(JET_PREVIEW_SIZE, seed=seed, source=source)
    return jets, {name: jet_images(sample) for name, sample in jets.items()}


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
with ui.user_errors():
    source = settings.widget("jet_source", "Jet source", horizontal=True,
                             help="toy: the app's fast shower (any number of jets); reference: Pythia 8 + FastJet jets shipped in assets/.")
    jets_by_class, images_by_class = jet_preview(source, settings.seed)
images_tab, clouds_tab, observables_tab = st.tabs(["Images", "Point clouds", "Observables"])
with images_tab:
    st.plotly_chart(jet_plots.example_images(images_by_class), width="stretch")
with clouds_tab:
    st.plotly_chart(jet_plots.example_point_clouds(jets_by_class), width="stretch")
with observables_tab:
    if "reference" in available_sources():
        toy_jets, reference_jets = jet_preview("toy", settings.seed)[0], jet_preview("reference", settings.seed)[0]
        st.plotly_chart(jet_plots.observable_histograms(toy_jets, reference_by_class=reference_jets), width="stretch")
        st.caption("Solid: the toy; dashed: Pythia 8 (the reference sample). Where they differ, the toy is the "
                   "simplification (see the README's Jets section).")
    else:
        st.plotly_chart(jet_plots.observable_histograms(jets_by_class), width="stretch")
st.markdown(
    "**What to notice.** A single jet image is sparse; the class averages are not. Top jets have a mass "
    "peak near 173 GeV and three prongs (low τ₃₂ = τ₃/τ₂), W jets a peak near 80 GeV and two prongs (low "
    "τ₂₁); QCD jets have a broad mass spectrum with a tail that reaches the top, and sometimes split hard "
    "into two or three prongs themselves, which is why no tagger on these pages is perfect."
)
ui.show_cli(cli.format_command("jets", {"process": "top", "n": JET_PREVIEW_SIZE, "seed": settings.seed, "source": source}))
