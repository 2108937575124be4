"""Anomaly scores from an autoencoder's reconstruction.

For an input ``x`` with ``P`` components (pixels, or the two coordinates of a point) and its
reconstruction ``x̂ = D(E(x))``:

* ``mse``      — ``s(x) = (1/P) Σ_p (x_p − x̂_p)²``, the training loss itself (Heimel et al.,
  arXiv:1808.08979; Farina et al., arXiv:1808.08992).
* ``relative`` — ``s(x) = Σ_p (x_p − x̂_p)² / Σ_p x_p²``, the fraction of the input's squared intensity
  the autoencoder fails to reproduce. It does not change when an image is scaled, so it rewards a poor
  reconstruction of an image's *shape* rather than the number and spread of its lit pixels, which is what
  a plain MSE on unit-sum jet images mostly measures (a top jet spreads its pT over more pixels).
"""

from __future__ import annotations

import numpy as np
import torch

from ganplify_core.errors import InputError

SCORE_KINDS = ("mse", "relative")


def reconstruction_error(inputs: torch.Tensor, reconstructions: torch.Tensor, kind: str = "mse") -> torch.Tensor:
    """Per-sample anomaly score (see the module docstring); shape ``(n,)``."""
    if kind not in SCORE_KINDS:
        raise InputError(f"score={kind!r} is unknown; choose one of {', '.join(SCORE_KINDS)}")
    flat_in = inputs.reshape(len(inputs), -1)
    squared = (flat_in - reconstructions.reshape(len(reconstructions), -1)) ** 2
    if kind == "mse":
        return squared.mean(dim=1)
    return squared.sum(dim=1) / flat_in.pow(2).sum(dim=1).clamp_min(torch.finfo(flat_in.dtype).tiny)


@torch.no_grad()
def score_in_batches(model: torch.nn.Module, inputs: np.ndarray, kind: str = "mse", batch_size: int = 2048,
                     device: torch.device | str = "cpu") -> np.ndarray:
    """Anomaly score of every input (float64 array ``(n,)``), batched with bounded memory."""
    model.eval()
    scores = np.empty(len(inputs), dtype=np.float64)
    for start in range(0, len(inputs), batch_size):
        batch = torch.as_tensor(inputs[start:start + batch_size], device=device)
        scores[start:start + len(batch)] = reconstruction_error(batch, model(batch), kind).double().cpu().numpy()
    return scores


@torch.no_grad()
def reconstruct(model: torch.nn.Module, inputs: np.ndarray, device: torch.device | str = "cpu") -> np.ndarray:
    """``D(E(x))`` for a few inputs (float32, same shape as ``inputs``)."""
    model.eval()
    return model(torch.as_tensor(inputs, device=device)).cpu().numpy()
