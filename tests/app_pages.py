"""Every page of the app, as (file, URL path): the page tests and the browser test iterate over it."""

PAGES = [
    ("pages/home.py", ""),
    ("pages/gan_amplification.py", "gan_amplification"),
    ("pages/birthday_paradox.py", "birthday_paradox"),
    ("pages/vae_latent.py", "vae_latent"),
    ("pages/clustering.py", "clustering"),
    ("pages/feature_ranking.py", "feature_ranking"),
    ("pages/autoencoder_roc.py", "autoencoder_roc"),
]
PAGE_FILES = [file for file, _ in PAGES]
