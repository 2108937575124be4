"""GAN amplification (arXiv:2008.06545): is a generator trained on n points worth more than n points?

Modules: :mod:`.distributions` (true laws, exact quantile cells), :mod:`.metrics` (quantile MSE,
amplification), :mod:`.baselines` (ML fit, kernel density), :mod:`.gan` (the GAN and its training),
:mod:`.experiment` (config → result over seeds), :mod:`.plots`, :mod:`.cli`.
"""
