"""VAE latent explorer: beta as a distance resolution and the dimensionality of data."""

import streamlit as st

from ganplify_core import ui

ui.start_page("vae_latent", {})
st.title("VAE latent explorer")
ui.coming_next("This page (beta as a distance resolution and the dimensionality of data) is being built.")
