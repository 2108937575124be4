"""Birthday paradox: support size of a generator from its duplicate rate."""

import streamlit as st

from ganplify_core import ui

ui.start_page("birthday_paradox", {})
st.title("Birthday paradox")
ui.coming_next("This page (support size of a generator from its duplicate rate) is being built.")
