"""GANplify Lab: ``streamlit run app.py``.

The app is a navigation over six pages; each page is a thin UI over ``ganplify_core``.
"""

import streamlit as st

st.set_page_config(page_title="GANplify Lab", page_icon=":material/blur_on:", layout="wide")

PAGES = [
    st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("pages/gan_amplification.py", title="GAN amplification", icon=":material/scatter_plot:", url_path="gan-amplification"),
    st.Page("pages/birthday_paradox.py", title="Birthday paradox", icon=":material/cake:", url_path="birthday-paradox"),
    st.Page("pages/vae_latent.py", title="VAE latent explorer", icon=":material/hub:", url_path="vae-latent-explorer"),
    st.Page("pages/clustering.py", title="Clustering & UMAP", icon=":material/bubble_chart:", url_path="clustering-umap"),
    st.Page("pages/feature_ranking.py", title="Feature ranking", icon=":material/leaderboard:", url_path="feature-ranking"),
    st.Page("pages/autoencoder_roc.py", title="Autoencoder ROC", icon=":material/show_chart:", url_path="autoencoder-roc"),
]

st.navigation(PAGES).run()
