"""GAN amplification: can a GAN trained on 100 points be worth more than 100 points."""

import streamlit as st

from ganplify_core import ui

ui.start_page("gan_amplification", {})
st.title("GAN amplification")
ui.coming_next("This page (can a GAN trained on 100 points be worth more than 100 points) is being built.")
