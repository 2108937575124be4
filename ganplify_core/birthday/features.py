"""Per-shower features that define a duplicate: shower shapes, total energy, the 3D image.

For a shower image :math:`E_{ijk}` (deposited energy in cell x=i, y=j, z=k) the shower shapes are the
energy profiles along each axis, summed over the other two and normalised to unit sum,

.. math:: P^{(x)}_i = \\frac{\\sum_{jk} E_{ijk}}{\\sum_{ijk} E_{ijk}},\\quad
          P^{(y)}_j = \\frac{\\sum_{ik} E_{ijk}}{\\sum_{ijk} E_{ijk}},\\quad
          P^{(z)}_k = \\frac{\\sum_{ij} E_{ijk}}{\\sum_{ijk} E_{ijk}},

and the total deposited energy is :math:`\\sum_{ijk} E_{ijk}` (GeV, visible energy).

Source: K. Jaruskova and S. Vallecorsa, "Estimating Support Size of the 3DGAN", 4th IML Machine
Learning Workshop, CERN, October 2020 (slides "Definition of duplicates" and "Shower shapes").
"""

from __future__ import annotations

import dataclasses

import numpy as np
import torch


@dataclasses.dataclass(frozen=True)
class ShowerFeatures:
    """The features of ``n`` showers.

    Attributes
    ----------
    shapes : tuple of torch.Tensor
        float64 (n, X), (n, Y), (n, Z): the normalised shower shapes along x, y and z (each row sums to
        1; an empty shower has an all-zero shape). Any grid: 25 × 25 × 25, the seed's 51 × 51 × 25, or a
        user's.
    energy : torch.Tensor
        float64 (n,): total deposited energy in GeV.
    images : torch.Tensor
        float32 (n, X, Y, Z): the images themselves (for SSIM).
    """

    shapes: tuple[torch.Tensor, torch.Tensor, torch.Tensor]
    energy: torch.Tensor
    images: torch.Tensor

    def __len__(self) -> int:
        return int(self.energy.shape[0])


def shower_shapes(images: torch.Tensor | np.ndarray) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Normalised energy profiles along x, y and z, on any grid (X, Y, Z need not be equal).

    Parameters
    ----------
    images : array (n, X, Y, Z)
        Deposited energy per cell.

    Returns
    -------
    tuple of torch.Tensor
        float64 (n, X), (n, Y), (n, Z): profiles along x, y, z, each summing to 1 (all zero for an
        empty shower).
    """
    images = torch.as_tensor(images)
    if images.ndim != 4:
        raise ValueError(f"images must have shape (n, X, Y, Z), got {tuple(images.shape)}")
    profiles = [images.sum(dim=(2, 3)).double(), images.sum(dim=(1, 3)).double(), images.sum(dim=(1, 2)).double()]
    total = profiles[0].sum(dim=1, keepdim=True)
    total = torch.where(total > 0, total, torch.ones_like(total))
    return tuple(p / total for p in profiles)


def shower_features(images: torch.Tensor | np.ndarray, device: torch.device | str = "cpu") -> ShowerFeatures:
    """Shapes, total energy and the images of a batch of showers, on ``device``.

    Parameters
    ----------
    images : array (n, X, Y, Z)
        Deposited energy per cell in GeV (any grid).
    device : torch.device or str
        Where the features live (the pairwise distances run there).
    """
    images = torch.as_tensor(np.asarray(images, dtype=np.float32) if isinstance(images, np.ndarray) else images)
    images = images.to(device=device, dtype=torch.float32)
    return ShowerFeatures(shapes=shower_shapes(images), energy=images.sum(dim=(1, 2, 3)).double(), images=images)
