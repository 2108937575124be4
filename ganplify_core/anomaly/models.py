"""The networks: autoencoders for points and for jet images, and the supervised jet-image CNN.

An autoencoder is an encoder ``E: R^d -> R^B`` and a decoder ``D: R^B -> R^d`` trained so that
``D(E(x)) ≈ x``; the bottleneck ``B < d`` forces it to keep only what the training data have in common.

* :class:`CurveAutoencoder` — ``2 -> 64 -> 64 -> 1 -> 64 -> 64 -> 2`` (tanh), the lecture's toy.
* :class:`DenseJetAutoencoder` — ``1600 -> 256 -> 64 -> B -> 64 -> 256 -> 1600`` on flattened 40×40 images.
* :class:`ConvJetAutoencoder` — three stride-2 4×4 convolutions (40 → 20 → 10 → 5 pixels, 8/16/32
  channels), a dense bottleneck of size ``B``, and the mirror image with transposed convolutions. A lean
  version of the image autoencoders of Heimel et al. (arXiv:1808.08979) and Farina et al.
  (arXiv:1808.08992), who use bottlenecks of 6–40 and a few convolutional layers, sized to train on
  20 000 images in about a minute on two CPU cores.
* :class:`JetImageCNN` — the same convolutional encoder with a one-logit head: the supervised classifier
  trained on labelled QCD and top jets, the upper bound an unsupervised tagger is compared with.
"""

from __future__ import annotations

import torch
from torch import nn

IMAGE_SIZE = 40
AUTOENCODER_KINDS = ("conv", "dense")


class CurveAutoencoder(nn.Module):
    """A point ``(x, y)`` through a one-dimensional code ``z`` and back."""

    def __init__(self, hidden: int = 64, bottleneck: int = 1):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(2, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh(),
                                     nn.Linear(hidden, bottleneck))
        self.decoder = nn.Sequential(nn.Linear(bottleneck, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh(),
                                     nn.Linear(hidden, 2))

    def forward(self, points: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(points))


class DenseJetAutoencoder(nn.Module):
    """Flattened 40×40 jet image → ``bottleneck`` numbers → image (fully connected, ELU)."""

    def __init__(self, bottleneck: int = 20):
        super().__init__()
        d = IMAGE_SIZE * IMAGE_SIZE
        self.encoder = nn.Sequential(nn.Flatten(), nn.Linear(d, 256), nn.ELU(), nn.Linear(256, 64), nn.ELU(),
                                     nn.Linear(64, bottleneck))
        self.decoder = nn.Sequential(nn.Linear(bottleneck, 64), nn.ELU(), nn.Linear(64, 256), nn.ELU(),
                                     nn.Linear(256, d), nn.Unflatten(1, (1, IMAGE_SIZE, IMAGE_SIZE)))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(images))


def _conv_encoder() -> nn.Sequential:
    """(n, 1, 40, 40) → (n, 800): three stride-2 4×4 convolutions with ELU."""
    return nn.Sequential(
        nn.Conv2d(1, 8, 4, stride=2, padding=1), nn.ELU(),    # 20×20
        nn.Conv2d(8, 16, 4, stride=2, padding=1), nn.ELU(),   # 10×10
        nn.Conv2d(16, 32, 4, stride=2, padding=1), nn.ELU(),  # 5×5
        nn.Flatten(),
    )


class ConvJetAutoencoder(nn.Module):
    """40×40 jet image → convolutions → ``bottleneck`` numbers → transposed convolutions → image."""

    def __init__(self, bottleneck: int = 20):
        super().__init__()
        self.encoder = nn.Sequential(_conv_encoder(), nn.Linear(800, 128), nn.ELU(), nn.Linear(128, bottleneck))
        self.decoder = nn.Sequential(
            nn.Linear(bottleneck, 128), nn.ELU(), nn.Linear(128, 800), nn.ELU(), nn.Unflatten(1, (32, 5, 5)),
            nn.ConvTranspose2d(32, 16, 4, stride=2, padding=1), nn.ELU(),   # 10×10
            nn.ConvTranspose2d(16, 8, 4, stride=2, padding=1), nn.ELU(),    # 20×20
            nn.ConvTranspose2d(8, 1, 4, stride=2, padding=1),               # 40×40
        )

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(images))


class JetImageCNN(nn.Module):
    """Supervised top tagger: the convolutional encoder and a dense head giving one logit (top vs QCD)."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(_conv_encoder(), nn.Linear(800, 64), nn.ELU(), nn.Linear(64, 1))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.net(images).squeeze(1)


def build_jet_autoencoder(kind: str, bottleneck: int) -> nn.Module:
    """A fresh jet-image autoencoder of ``kind`` ("conv" or "dense") with a ``bottleneck``-number code.

    The allowed kinds and sizes are declared on :class:`ganplify_core.anomaly.experiment.TopTaggingConfig`.
    """
    if kind not in AUTOENCODER_KINDS:
        raise ValueError(f"unknown autoencoder kind {kind!r}; one of {', '.join(AUTOENCODER_KINDS)}")
    return ConvJetAutoencoder(int(bottleneck)) if kind == "conv" else DenseJetAutoencoder(int(bottleneck))
