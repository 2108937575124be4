"""Every page of the app, as (file, URL path): the page tests and the browser test iterate over it."""

PAGES = [
    ("views/home.py", ""),
    ("views/gan_amplification.py", "gan_amplification"),
    ("views/birthday_paradox.py", "birthday_paradox"),
    ("views/vae_latent.py", "vae_latent"),
    ("views/clustering.py", "clustering"),
    ("views/feature_ranking.py", "feature_ranking"),
    ("views/autoencoder_roc.py", "autoencoder_roc"),
]
PAGE_FILES = [file for file, _ in PAGES]


def terminal_lines(at) -> list:
    """The code blocks of an AppTest's page once its *Reproduce in a terminal* expanders are open.

    ``ui.show_cli`` draws a terminal line only when its expander is opened (keys ``cli.1``, ``cli.2``, … in page
    order); this opens every one and reruns the page.
    """
    count = sum(expander.label == "Reproduce in a terminal" for expander in at.expander)
    for n in range(1, count + 1):
        at.session_state[f"cli.{n}"] = True
    at.run()
    return list(at.code)
