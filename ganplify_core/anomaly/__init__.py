"""Anomaly detection with autoencoders: the loss of an identity map with a bottleneck as an anomaly score.

An autoencoder ``x -> D(E(x))`` is trained to reproduce its input through a compression (the
bottleneck). It learns the structure of its training data; inputs that do not share that structure
reconstruct badly, so the reconstruction error is an anomaly score. A cut on the score gives true and
false positive rates; the ROC curve collects them and ``AUC = ∫ tpr d(fpr)`` summarises it.

Modules
-------
curve_toy   points on a curve y = f(x), and points pushed off it (Part 1 of the page)
models      the autoencoders (curve, dense and convolutional jet-image) and the supervised CNN
scores      reconstruction-error anomaly scores (MSE, relative error)
roc         ROC curve, AUC and the working point of a cut (scikit-learn underneath)
fitting     mini-batch training of autoencoders and the supervised classifier
experiment  the two experiments the page and the CLI run: the curve toy and top tagging on jets
plots       Plotly figures
cli         ``python -m ganplify_core ae-roc``

References
----------
T. Heimel, G. Kasieczka, T. Plehn, J. Thompson, "QCD or What?", SciPost Phys. 6 (2019) 030,
arXiv:1808.08979.
M. Farina, Y. Nakai, D. Shih, "Searching for New Physics with Deep Autoencoders",
Phys. Rev. D 101 (2020) 075021, arXiv:1808.08992.
"""
