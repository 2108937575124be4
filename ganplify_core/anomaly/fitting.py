"""Mini-batch training: an autoencoder on unlabelled inputs, the supervised CNN on labelled jet images.

Both minimise a mean loss with Adam over shuffled mini-batches (a fresh permutation per epoch from a
seeded generator), with the learning rate halved for the last quarter of the steps:

* autoencoder: ``L = (1/n) Σ_i (1/P) Σ_p (x_ip − D(E(x_i))_p)²`` (mean squared reconstruction error);
* classifier: binary cross-entropy ``L = −(1/n) Σ_i [y_i log σ(f(x_i)) + (1 − y_i) log(1 − σ(f(x_i)))]``.

On a GPU the inputs are copied to it once; each epoch's permutation goes over once (pinned, without
blocking) and the batches are indexed on the device. The forward passes run under bfloat16 autocast
(:func:`ganplify_core.device.autocast`); the losses are taken in float32. On the CPU nothing of this
changes a number.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from ganplify_core.device import autocast, to_device
from ganplify_core.seeding import torch_generator
from ganplify_core.training import Progress, run_training

LOGGED_STEPS = 200


def log_every(steps_per_epoch: int, n_steps: int) -> int:
    """Steps between logged losses: four per epoch, and at most about :data:`LOGGED_STEPS` in a run.

    Reading a loss (``float(loss)``, ``loss.item()``) waits for the device to finish the step; the steps
    in between queue without waiting.
    """
    return max(1, steps_per_epoch // 4, math.ceil(n_steps / LOGGED_STEPS))


def _minibatch_training(model: nn.Module, loss_of_batch: Callable[[torch.Tensor], torch.Tensor], n: int,
                        epochs: int, batch_size: int, learning_rate: float, seed: int,
                        progress: Progress | None, label: str,
                        device: torch.device | str = "cpu") -> dict[str, np.ndarray]:
    """Adam on ``loss_of_batch(index)`` (``index``: batch indices on ``device``), run under autocast."""
    device = torch.device(device)
    steps_per_epoch = max(1, math.ceil(n / batch_size))
    n_steps = epochs * steps_per_epoch
    optimiser = torch.optim.Adam(model.parameters(), lr=learning_rate)
    scheduler = torch.optim.lr_scheduler.MultiStepLR(optimiser, milestones=[int(0.75 * n_steps)], gamma=0.5)
    generator = torch_generator(seed)
    order = torch.arange(n)
    model.train()

    def step(i: int) -> dict[str, torch.Tensor]:
        nonlocal order
        position = i % steps_per_epoch
        if position == 0:
            # drawn on the CPU (the same permutations as ever) and copied to the device once per epoch
            order = to_device(torch.randperm(n, generator=generator), device)
        with autocast(device):
            loss = loss_of_batch(order[position * batch_size:(position + 1) * batch_size])
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()
        scheduler.step()
        # the loss stays a tensor: run_training reads it (a host sync on a GPU) only on the steps it logs
        return {"loss": loss.detach()}

    history = run_training(step, n_steps, progress, log_every=log_every(steps_per_epoch, n_steps), label=label)
    model.eval()
    return history


def fit_autoencoder(model: nn.Module, inputs: np.ndarray, epochs: int, batch_size: int = 128,
                    learning_rate: float = 1e-3, seed: int = 0, device: torch.device | str = "cpu",
                    progress: Progress | None = None) -> dict[str, np.ndarray]:
    """Train ``model`` in place to reproduce ``inputs`` (MSE); return the loss history."""
    torch.manual_seed(seed)
    data = torch.as_tensor(inputs, device=device)
    model.to(device)

    def loss_of_batch(index: torch.Tensor) -> torch.Tensor:
        batch = data[index]
        return torch.mean((model(batch).float() - batch) ** 2)  # float32 loss (autocast: bfloat16 output)

    return _minibatch_training(model, loss_of_batch, len(data), epochs, batch_size, learning_rate, seed,
                               progress, "autoencoder", device)


def fit_classifier(model: nn.Module, inputs: np.ndarray, labels: np.ndarray, epochs: int, batch_size: int = 128,
                   learning_rate: float = 1e-3, seed: int = 0, device: torch.device | str = "cpu",
                   progress: Progress | None = None) -> dict[str, np.ndarray]:
    """Train the one-logit ``model`` in place on ``labels`` (0/1) with binary cross-entropy."""
    torch.manual_seed(seed)
    data = torch.as_tensor(inputs, device=device)
    targets = torch.as_tensor(labels, dtype=torch.float32, device=device)
    model.to(device)

    def loss_of_batch(index: torch.Tensor) -> torch.Tensor:
        return nn.functional.binary_cross_entropy_with_logits(model(data[index]).float(), targets[index])

    return _minibatch_training(model, loss_of_batch, len(data), epochs, batch_size, learning_rate, seed,
                               progress, "supervised CNN", device)


@torch.no_grad()
def classifier_probability(model: nn.Module, inputs: np.ndarray, batch_size: int = 4096,
                           device: torch.device | str = "cpu") -> np.ndarray:
    """``σ(f(x))`` for every input (float64 ``(n,)``), batched."""
    model.eval()
    if len(inputs) == 0:
        return np.empty(0)
    # the batches go over pinned without waiting; the probabilities come back in one piece
    out = [torch.sigmoid(model(to_device(torch.as_tensor(inputs[s:s + batch_size]), device))).double()
           for s in range(0, len(inputs), batch_size)]
    return torch.cat(out).cpu().numpy()
