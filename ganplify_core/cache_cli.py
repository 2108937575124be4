"""``python -m ganplify_core cache info|clear [--json]``: what the disk cache holds, and emptying it.

``info`` prints ``{"dir", "entries", "bytes", "cap_bytes", "disk_cache"}``; ``clear`` removes the cache's
own entries (never other files in the directory, never an entry being computed) and prints
``{"removed", "entries", "bytes"}``.
"""

from __future__ import annotations

import argparse

from ganplify_core import cache, cli


def handle(args: argparse.Namespace) -> dict:
    if args.action == "clear":
        removed = cache.clear_cache()
        left = cache.info()
        return {"removed": removed, "entries": left["entries"], "bytes": left["bytes"]}
    return cache.info()


def register(subparsers) -> None:
    parser = cli.add_command(subparsers, "cache", "the disk cache: info (entries, bytes, cap) or clear", handle)
    parser.add_argument("action", choices=("info", "clear"), help="info: entries, bytes and cap; clear: remove entries")
