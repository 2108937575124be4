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
    order, or its own key in a tab); this opens every one drawn and reruns the page.
    """
    from streamlit.runtime.state.common import user_key_from_element_id

    for expander in at.expander:
        if expander.label == "Reproduce in a terminal":
            at.session_state[user_key_from_element_id(expander.proto.id)] = True
    at.run()
    return list(at.code)
