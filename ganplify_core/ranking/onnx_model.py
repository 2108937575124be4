"""A user's own model as an ONNX file: checked, stored by the SHA-256 of its bytes, run with onnxruntime.

The feature-ranking page and ``rank --onnx FILE`` rank the inputs of a model trained elsewhere (a
scikit-learn model converted with ``skl2onnx``, a network exported with ``torch.onnx.export``, ...).
The model is never trained here: permutation importance, KernelSHAP and the exact Shapley values only
evaluate it, through :meth:`OnnxModel.predict` / :meth:`OnnxModel.predict_proba`, the same interface as
a scikit-learn estimator.

What is accepted (anything else is refused with one :class:`~ganplify_core.errors.InputError`):

- at most :data:`MAX_ONNX_BYTES` bytes that onnxruntime loads from memory (a file that is not ONNX,
  a truncated one, or one whose weights live in external files is refused: loaded from bytes,
  onnxruntime never opens another file);
- exactly one input, of rank 2 ``[batch, features]``, float32 or float64, with a free batch
  dimension; its feature count, when the file fixes it, must equal the table's;
- a float output: one number per row for a regression; for a two-class target the probabilities of
  both classes (``skl2onnx`` with ``zipmap=False``: ``probabilities [N, 2]``, column 1 = the larger
  class value), a ``ZipMap`` output (skl2onnx's default: a list of ``{class: probability}``; slower,
  converted row by row), or one probability of class 1 in [0, 1] per row.

The bytes are kept by :mod:`ganplify_core.upload_store` (memory and the cache directory, never pickled)
and only ever handed to onnxruntime: nothing from a user is unpickled.
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
CHECK_ROWS = 256                    # rows of the table run through the model when it is accepted
FLOAT_INPUTS = {"tensor(float)": np.float32, "tensor(double)": np.float64}
FLOAT_OUTPUTS = ("tensor(float)", "tensor(double)", "tensor(float16)")
HOW_TO = "skl2onnx.to_onnx(model, X[:1].astype(numpy.float32)) or torch.onnx.export (README: 'Use your own model')"


digest_of = upload_store.digest_of
is_digest = upload_store.is_digest


MAX_ONNX_BYTES = onnx_session.MAX_ONNX_BYTES  # the server's upload limit (.streamlit/config.toml)


@dataclasses.dataclass(frozen=True)
class OnnxModel:
    """A loaded model: the onnxruntime session and how its input and output are read."""

    session: object
    input_name: str
    input_dtype: type
    n_features: int | None      # None: the file leaves the feature dimension free
    output_name: str
    zipmap: bool                # the output is a list of {class: probability} per row
    name: str

    @property
    def description(self) -> str:
        width = self.n_features if self.n_features is not None else "any number of"
        kind = "ZipMap probabilities" if self.zipmap else f"output '{self.output_name}'"
        return f"{self.name}: {width} input features, {kind}"

    def check_features(self, d: int, where: str = "the table") -> None:
        if self.n_features is not None and self.n_features != d:
            raise InputError(f"{self.name} expects {self.n_features} input features but {where} has {d} "
                             "(the target column is not a feature): upload the CSV the model was trained on, "
                             "or name the right --target")

    def raw(self, X: np.ndarray) -> np.ndarray:
        """The model's output for rows ``X`` as a float64 array (n, k)."""
        X = np.ascontiguousarray(X, dtype=self.input_dtype)
        if X.ndim != 2:
            raise InputError("the model is evaluated on a table of rows × features")
        self.check_features(X.shape[1])
        try:
            out = self.session.run([self.output_name], {self.input_name: X})[0]
        except Exception as exc:  # onnxruntime's own errors: a shape or type the graph cannot take
            raise InputError(f"{self.name} failed on {X.shape[0]} rows × {X.shape[1]} features: {short_error(exc)}") from None
        if self.zipmap:
            if not isinstance(out, list) or len(out) != len(X) or (out and not isinstance(out[0], dict)):
                raise InputError(f"{self.name}: its output '{self.output_name}' is not one {{class: probability}} per row")
            keys = sorted(out[0]) if out else []
            values = np.empty((len(out), len(keys)))
            for column, key in enumerate(keys):  # one pass per class: about twice as fast as a row-by-row array
                values[:, column] = np.fromiter((row[key] for row in out), dtype=np.float64, count=len(out))
        else:
            values = np.asarray(out, dtype=np.float64)
            if values.ndim == 1:
                values = values[:, None]
            if values.ndim != 2 or values.shape[0] != len(X):
                raise InputError(f"{self.name}: output '{self.output_name}' has shape {values.shape} for {len(X)} rows; "
                                 "expected one row of numbers per input row")
        return values

    def predict(self, X: np.ndarray) -> np.ndarray:
        """The regression output: one number per row."""
        values = self.raw(X)
        if values.shape[1] != 1:
            raise InputError(f"{self.name} gives {values.shape[1]} numbers per row; a regression needs one "
                             "(a target with exactly two distinct values is ranked as a classification)")
        return values[:, 0]

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Probabilities of class 0 and class 1, shape (n, 2) (class 1: the larger target value)."""
        values = self.raw(X)
        if values.shape[1] == 2:
            p = values[:, 1]
        elif values.shape[1] == 1:
            p = values[:, 0]
            finite = p[np.isfinite(p)]
            if finite.size and (finite.min() < -1e-6 or finite.max() > 1 + 1e-6):
                raise InputError(f"{self.name} outputs values from {finite.min():.4g} to {finite.max():.4g}, but the "
                                 "target has two values (a classification): the model must output the probability "
                                 "of the larger class value, in [0, 1] (add a sigmoid or softmax before exporting)")
        else:
            raise InputError(f"{self.name} gives {values.shape[1]} numbers per row: a multi-class model, but the "
                             "target has two values; ranking handles regressions and two-class classifications")
        p = np.clip(p, 0.0, 1.0)
        return np.column_stack([1.0 - p, p])

    def output(self, X: np.ndarray, task: str) -> np.ndarray:
        """The explained output: prediction (regression) or probability of class 1 (classification)."""
        return self.predict_proba(X)[:, 1] if task == "classification" else self.predict(X)

    def check_table(self, X: np.ndarray, task: str) -> None:
        """Refuse a model that cannot rank this table: wrong feature count, wrong output, non-finite values."""
        self.check_features(X.shape[1])
        out = self.output(X[:CHECK_ROWS], task)
        if not np.all(np.isfinite(out)):
            raise InputError(f"{self.name} returned NaN or infinite values on the table's first rows")

    @functools.cached_property
    def seconds_per_row(self) -> float:
        """Measured time of one row in a batch of 2 048, output conversion included (for time estimates).

        Rows of standard-normal values of the input's width (a tree ensemble's paths depend on them).
        """
        X = np.random.default_rng(0).standard_normal((2048, self.n_features or 10))
        try:
            self.raw(X[:8])  # warm-up
            start = time.perf_counter()
            self.raw(X)
            return (time.perf_counter() - start) / len(X)
        except InputError:  # a free feature count and the wrong width: fall back to a network's rate
            return 5e-6


def _dimension(value) -> int | None:
    return value if isinstance(value, int) and value > 0 else None


def parse(content: bytes, name: str = "the ONNX model") -> OnnxModel:
    """Load ``content`` with onnxruntime and read its interface; InputError for anything unusable."""
    session = load_session(content, name, HOW_TO, MAX_ONNX_BYTES)
    inputs, outputs = session.get_inputs(), session.get_outputs()
    if len(inputs) != 1:
        raise InputError(f"{name} has {len(inputs)} inputs ({', '.join(i.name for i in inputs)[:120]}); ranking needs "
                         "one input holding all features as [rows, features]")
    spec = inputs[0]
    if spec.type not in FLOAT_INPUTS:
        raise InputError(f"{name}'s input '{spec.name}' is {spec.type}; ranking needs float or double features")
    shape = list(spec.shape or [])
    if len(shape) != 2:
        raise InputError(f"{name}'s input '{spec.name}' has shape {shape}; ranking needs [rows, features]")
    if _dimension(shape[0]) is not None:
        raise InputError(f"{name}'s input '{spec.name}' takes a fixed batch of {shape[0]} rows; export it with a free "
                         "batch dimension (torch: dynamic_axes={'input': {0: 'batch'}}; skl2onnx: None)")
    tensors = [o for o in outputs if o.type in FLOAT_OUTPUTS]
    zipmaps = [o for o in outputs if o.type.startswith("seq(map(")]
    chosen = tensors[0] if tensors else (zipmaps[0] if zipmaps else None)
    if chosen is None:
        kinds = ", ".join(f"{o.name} {o.type}" for o in outputs)[:160]
        raise InputError(f"{name} has no float output ({kinds}); ranking needs a prediction or class probabilities")
    return OnnxModel(session, spec.name, FLOAT_INPUTS[spec.type], _dimension(shape[1]), chosen.name,
                     chosen not in tensors, name)


def accept(content: bytes, name: str = "the ONNX model", digest: str | None = None) -> tuple[str, OnnxModel]:
    """Check an uploaded model (refusing what onnxruntime cannot use), store it, and return (digest, model).

    ``digest``: the content's SHA-256 when the caller already has it (a page rerun with the same upload):
    a model already stored is then taken from memory, not loaded again.
    """
    if digest is not None and is_digest(digest) and upload_store.exists(digest):
        return digest, dataclasses.replace(load(digest), name=name)
    model = parse(content, name)
    return store(content, digest, name), model


def store(content: bytes, digest: str | None = None, name: str = UPLOAD) -> str:
    """Keep an already-checked model's bytes under their digest and return it (``digest``: when already known)."""
    return upload_store.store(content, max_bytes=MAX_ONNX_BYTES, what=name, digest=digest)


def content(digest: str) -> bytes:
    """The stored bytes of model ``digest`` (InputError if they are gone, e.g. after *Clear cache*)."""
    return upload_store.load(digest, UPLOAD)


@functools.lru_cache(maxsize=4)
def load(digest: str) -> OnnxModel:
    """The stored model ``digest``, loaded (the last few are kept in memory)."""
    return parse(content(digest), name="the uploaded ONNX model")
