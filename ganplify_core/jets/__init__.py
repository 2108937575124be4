"""Jets shared by the VAE, clustering and autoencoder pages: a fast toy shower and a Pythia reference.

    from ganplify_core.jets import get_jets, jet_images, OBSERVABLES, available_sources
    jets = get_jets("top", 1000, seed=0, source="toy")   # JetSample: pt, eta, phi, mask (n, 50), observables
    images = jet_images(jets, normalise=True)            # float32 (n, 40, 40) over [-0.8, 0.8]^2 in (eta, phi)
    classes = read_jets("test.h5", "toptagging")         # the user's jets: {"qcd": JetSample, "top": JetSample}

Modules: :mod:`~ganplify_core.jets.shower` (toy generator), :mod:`~ganplify_core.jets.preprocessing`,
:mod:`~ganplify_core.jets.observables`, :mod:`~ganplify_core.jets.images`, :mod:`~ganplify_core.jets.sample`
(the API), :mod:`~ganplify_core.jets.experiment` (the registered ``jets`` and ``jet-overview`` experiments),
:mod:`~ganplify_core.jets.plots`, :mod:`~ganplify_core.jets.cli`, :mod:`~ganplify_core.jets.files` (the user's
files: the top-tagging HDF5 layout, JetNet arrays, ROOT trees).
"""

from ganplify_core.jets.files import FORMATS, read_jets
from ganplify_core.jets.images import jet_images
from ganplify_core.jets.observables import OBSERVABLES
from ganplify_core.jets.sample import JetSample, available_sources, get_classes, get_jets
from ganplify_core.jets.shower import PROCESSES, ToyShowerConfig

__all__ = ["get_jets", "jet_images", "OBSERVABLES", "available_sources", "get_classes", "JetSample", "PROCESSES",
           "ToyShowerConfig", "read_jets", "FORMATS"]
