"""Autoencoder ROC: unsupervised top tagging by reconstruction error."""

import streamlit as st

from ganplify_core import ui

ui.start_page("autoencoder_roc", {})
st.title("Autoencoder ROC")
ui.coming_next("This page (unsupervised top tagging by reconstruction error) is being built.")
