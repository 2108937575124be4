"""Your own autoencoder as an ONNX file: checked, stored by the SHA-256 of its bytes, run with onnxruntime.

The model is never trained here; it reconstructs jet images, and its reconstruction error is the
anomaly score (:mod:`.scores`), scored on the built-in test jets (:data:`~.experiment.ONNX_SCORING`).

What is accepted (anything else is refused with one :class:`~ganplify_core.errors.InputError`):

- at most :data:`MAX_ONNX_BYTES` bytes that onnxruntime loads from memory (a file that is not ONNX, a
  truncated one, or one whose weights live in external files is refused: loaded from bytes, onnxruntime
  never opens another file);
- exactly one input, float32, holding a batch of 40 × 40 jet images: shape ``[batch, 1, 40, 40]``,
  ``[batch, 40, 40]`` or ``[batch, 1600]``, with a free batch dimension (``dynamic_axes``);
- a float output with 1600 numbers per image (the reconstruction; any layout of them).

Pixels are those of the page's images: the jet's pT fraction per pixel (unit-sum image), or its square
root (``intensity``), over ±0.8 in η and φ, the jet centred, rotated and flipped
(:func:`ganplify_core.jets.jet_images`). The bytes are kept by :mod:`ganplify_core.upload_store`
(memory and the cache directory, never pickled) and only ever handed to onnxruntime: nothing from a user
is unpickled.
"""

from __future__ import annotations

import dataclasses
import functools
import time

import numpy as np

from ganplify_core import onnx_session, upload_store
from ganplify_core.errors import InputError
from ganplify_core.onnx_session import load_session, short_error

UPLOAD = "the uploaded ONNX model"
IMAGE = 40
PIXELS = IMAGE * IMAGE
BATCH = 256
SHAPES = ("[batch, 1, 40, 40]", "[batch, 40, 40]", "[batch, 1600]")
HOW_TO = ("torch.onnx.export(model, torch.zeros(1, 1, 40, 40), 'ae.onnx', input_names=['images'], "
          "output_names=['reconstruction'], dynamic_axes={'images': {0: 'batch'}, 'reconstruction': {0: 'batch'}}, "
          "dynamo=False)")


digest_of = upload_store.digest_of
is_digest = upload_store.is_digest


MAX_ONNX_BYTES = onnx_session.MAX_ONNX_BYTES  # the server's upload limit (.streamlit/config.toml)


@dataclasses.dataclass(frozen=True, eq=False)
class OnnxAutoencoder:
    """A loaded model: the onnxruntime session, its input's layout, and its measured speed."""

    session: object
    input_name: str
    input_shape: tuple          # (1, 40, 40), (40, 40) or (1600,): one image as the model takes it
    name: str
    seconds_per_image: float

    def reconstruct(self, images: np.ndarray) -> np.ndarray:
        """Reconstructions ``(n, 40, 40)`` float32 of images ``(n, 40, 40)`` (or ``(n, 1, 40, 40)``), batched."""
        images = np.asarray(images, np.float32).reshape(len(images), PIXELS)
        out = np.empty((len(images), PIXELS), np.float32)
        for start in range(0, len(images), BATCH):
            batch = images[start:start + BATCH]
            out[start:start + len(batch)] = self._run(batch)
        return out.reshape(len(images), IMAGE, IMAGE)

    def _run(self, batch: np.ndarray) -> np.ndarray:
        try:
            (result,) = self.session.run(None, {self.input_name: batch.reshape(len(batch), *self.input_shape)})[:1]
        except Exception as exc:
            raise InputError(f"{self.name} failed on a batch of {len(batch)} jet images ({short_error(exc)})") from None
        result = np.asarray(result)
        if result.dtype.kind != "f" or result.size != len(batch) * PIXELS:
            raise InputError(f"{self.name} returned {result.dtype} of shape {list(result.shape)} for {len(batch)} "
                             f"images; a reconstruction has {PIXELS} floats per image")
        result = result.reshape(len(batch), PIXELS).astype(np.float32)
        if not np.isfinite(result).all():
            raise InputError(f"{self.name} returned NaN or infinite pixels")
        return result


def _input_shape(shape: list, name: str, input_name: str) -> tuple:
    dims = [d if isinstance(d, int) and d > 0 else None for d in shape]
    if dims and dims[0] is not None:
        raise InputError(f"{name}'s input '{input_name}' takes a fixed batch of {dims[0]}; export it with a free "
                         f"batch dimension: {HOW_TO}")
    rest = dims[1:]
    for layout in ((1, IMAGE, IMAGE), (IMAGE, IMAGE), (PIXELS,)):
        if len(rest) == len(layout) and all(d is None or d == want for d, want in zip(rest, layout)):
            return layout
    raise InputError(f"{name}'s input '{input_name}' has shape {shape}; a jet-image autoencoder takes one of "
                     f"{', '.join(SHAPES)}")


def parse(content: bytes, name: str = "the ONNX model") -> OnnxAutoencoder:
    """Load ``content`` with onnxruntime, check its interface on a few images, time it; InputError if unusable."""
    session = load_session(content, name, HOW_TO, MAX_ONNX_BYTES)
    inputs, outputs = session.get_inputs(), session.get_outputs()
    if len(inputs) != 1:
        raise InputError(f"{name} has {len(inputs)} inputs ({', '.join(i.name for i in inputs)[:120]}); a jet-image "
                         "autoencoder has one, the batch of images")
    spec = inputs[0]
    if spec.type != "tensor(float)":
        raise InputError(f"{name}'s input '{spec.name}' is {spec.type}; the jet images are float32")
    if not any(o.type.startswith("tensor(float") or o.type == "tensor(double)" for o in outputs[:1]):
        raise InputError(f"{name}'s first output is {outputs[0].type if outputs else 'missing'}; it must be the "
                         "reconstruction, float numbers")
    layout = _input_shape(list(spec.shape or []), name, spec.name)
    model = OnnxAutoencoder(session, spec.name, layout, name, 0.0)
    probe = np.random.default_rng(0).random((8, PIXELS), dtype=np.float32)
    probe /= probe.sum(axis=1, keepdims=True)
    model._run(probe[:1])                 # a batch of one and of eight: the batch dimension is really free
    started = time.perf_counter()
    model._run(probe)
    seconds = (time.perf_counter() - started) / len(probe)
    return dataclasses.replace(model, seconds_per_image=max(seconds, 1e-6))


def accept(content: bytes, name: str = "the ONNX model", digest: str | None = None) -> tuple[str, OnnxAutoencoder]:
    """Check an uploaded model (refusing what onnxruntime cannot use), store it, and return (digest, model).

    ``digest``: the content's SHA-256 when the caller already has it (``ui.uploaded``): a model already
    stored is then taken from memory, not loaded and timed again.
    """
    if digest is not None and is_digest(digest) and upload_store.exists(digest):
        return digest, dataclasses.replace(load(digest), name=name)
    model = parse(content, name)
    return upload_store.store(content, max_bytes=MAX_ONNX_BYTES, what=name, digest=digest), model


def content(digest: str) -> bytes:
    """The stored bytes of model ``digest`` (InputError if they are gone, e.g. after *Clear cache*)."""
    return upload_store.load(digest, UPLOAD)


@functools.lru_cache(maxsize=4)
def load(digest: str) -> OnnxAutoencoder:
    """The stored model ``digest``, loaded (the last few are kept in memory)."""
    return parse(content(digest), name="the uploaded ONNX model")
