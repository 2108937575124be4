"""Feature ranking: permutation importance, SHAP and exact Shapley values."""

import streamlit as st

from ganplify_core import ui

ui.start_page("feature_ranking", {})
st.title("Feature ranking")
ui.coming_next("This page (permutation importance, SHAP and exact Shapley values) is being built.")
