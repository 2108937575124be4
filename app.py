"""GANplify Lab: ``streamlit run app.py``.

The app is a navigation over six pages; each page is a thin UI over ``ganplify_core``.
"""

# pandas is imported here, with an import statement, before any page runs: plotly picks pandas up from
# sys.modules, and when a class opens the app at once another session's first import of pandas may be
# half done there ("partially initialized module 'pandas' has no attribute 'Series'"). An import
# statement waits for the import in progress to finish.
import pandas  # noqa: F401
import streamlit as st

st.set_page_config(page_title="GANplify Lab", page_icon=":material/blur_on:", layout="wide")

PAGES = [
    st.Page("views/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("views/gan_amplification.py", title="GAN amplification", icon=":material/scatter_plot:"),
    st.Page("views/birthday_paradox.py", title="Birthday paradox", icon=":material/cake:"),
    st.Page("views/vae_latent.py", title="VAE latent explorer", icon=":material/hub:"),
    st.Page("views/clustering.py", title="Clustering & UMAP", icon=":material/bubble_chart:"),
    st.Page("views/feature_ranking.py", title="Feature ranking", icon=":material/leaderboard:"),
    st.Page("views/autoencoder_roc.py", title="Autoencoder ROC", icon=":material/show_chart:"),
]

# URL paths are the file names (the default): a custom url_path makes Streamlit show a spurious
# "Page not found" dialog when a shared link is opened cold (streamlit/streamlit#8860).
st.navigation(PAGES).run()
