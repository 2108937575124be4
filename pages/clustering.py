"""Clustering & UMAP: k-means, DBSCAN and friends; PCA, t-SNE and UMAP."""

import streamlit as st

from ganplify_core import ui

ui.start_page("clustering", {})
st.title("Clustering & UMAP")
ui.coming_next("This page (k-means, DBSCAN and friends; PCA, t-SNE and UMAP) is being built.")
