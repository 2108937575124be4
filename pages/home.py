"""Home: what GANplify Lab is, and what each page teaches."""

import streamlit as st

from ganplify_core import overview, ui

ui.start_page("home", {})

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
