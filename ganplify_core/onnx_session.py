"""Loading a user's ONNX model with onnxruntime: bounded, from bytes, one clear message when it cannot be loaded.

Shared by the feature-ranking page (your own model) and the autoencoder page (your own autoencoder). The model is
read from memory, so onnxruntime refuses weights kept in external files; nothing is unpickled.
"""

from __future__ import annotations

from typing import Any

from ganplify_core.errors import InputError

MAX_ONNX_BYTES = 20 * 1024 * 1024  # the server's upload limit (.streamlit/config.toml maxUploadSize)


def short_error(exc: Exception, limit: int = 160) -> str:
    """onnxruntime's message without its ``[ONNXRuntimeError] : 7 : INVALID_PROTOBUF :`` prefix, one line."""
    text = " ".join(str(exc).split())
    if text.startswith("[ONNXRuntimeError]"):
        text = text.split(" : ", 3)[-1]
    return text if len(text) <= limit else text[:limit] + "…"


def load_session(content: bytes, name: str, how_to: str, max_bytes: int = MAX_ONNX_BYTES) -> Any:
    """An onnxruntime session of ``content`` on one CPU thread; InputError if empty, too large or not loadable."""
    if not isinstance(content, bytes | bytearray) or not content:
        raise InputError(f"{name} is empty")
    if len(content) > max_bytes:
        raise InputError(f"{name} is {len(content) / 2**20:.1f} MB; at most {max_bytes // 2**20} MB is accepted")
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1  # one job uses one core of the 2-core server
    options.inter_op_num_threads = 1
    options.log_severity_level = 4    # its refusals become InputErrors, not log lines
    try:
        return onnxruntime.InferenceSession(bytes(content), sess_options=options, providers=["CPUExecutionProvider"])
    except Exception as exc:
        raise InputError(f"{name} is not a model onnxruntime can load ({short_error(exc)}); export it with {how_to}") from None
