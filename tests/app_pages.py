"""Every page of the app, as (file, URL path): the page tests and the browser test iterate over it."""

PAGES = [
    ("pages/home.py", ""),
    ("pages/gan_amplification.py", "gan-amplification"),
    ("pages/birthday_paradox.py", "birthday-paradox"),
    ("pages/vae_latent.py", "vae-latent-explorer"),
    ("pages/clustering.py", "clustering-umap"),
    ("pages/feature_ranking.py", "feature-ranking"),
    ("pages/autoencoder_roc.py", "autoencoder-roc"),
]
PAGE_FILES = [file for file, _ in PAGES]
