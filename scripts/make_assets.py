"""Make the shipped results: each experiment's ``ship`` configs, computed with the current code.

Every page's default is shipped so that its first view shows the answer with nothing pressed. Each result
goes to ``assets/shipped/<experiment>-<key>.npz`` (the cache's npz format: no pickle) and
``assets/shipped/manifest.json`` records its config, the code version (a hash of the topic's source), the
date and the seconds it took. A result whose code version is current is kept unless ``--force``.

    make assets                                     # what is missing or made by older code
    .venv/bin/python scripts/make_assets.py --only vae,birthday --force
    .venv/bin/python scripts/make_assets.py --check # exit 1 if a shipped result is missing or stale
"""

from __future__ import annotations

import argparse
import sys
import time

from ganplify_core import cli, experiments


def shipped_configs(only: set[str]) -> list[tuple[experiments.Experiment, object]]:
    cli.build_parser()  # imports every topic, which registers its experiments
    return [(experiment, config) for name, experiment in sorted(experiments.REGISTRY.items())
            if not only or name in only for config in experiment.ship]


def state(experiment: experiments.Experiment, config) -> str:
    if not experiments.shipped_path(experiment, config).exists():
        return "missing"
    manifest = experiments.shipped_manifest().get(experiments.shipped_path(experiment, config).name, {})
    return "current" if manifest.get("code_version") == experiments.code_version(experiment) else "stale"


def prune(keep: set[str]) -> list[str]:
    """Delete shipped files (and manifest entries) that no experiment ships any more."""
    removed = []
    manifest = experiments.shipped_manifest()
    for path in sorted(experiments.SHIPPED_DIR.glob("*.npz")):
        if path.name not in keep:
            path.unlink()
            manifest.pop(path.name, None)
            removed.append(path.name)
    for name in [name for name in manifest if name not in keep]:
        manifest.pop(name)
    if removed or manifest != experiments.shipped_manifest():
        import json
        (experiments.SHIPPED_DIR / experiments.MANIFEST_NAME).write_text(
            json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return removed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="comma-separated experiment names")
    parser.add_argument("--force", action="store_true", help="recompute current results too")
    parser.add_argument("--check", action="store_true", help="only report; exit 1 if any is missing or stale")
    args = parser.parse_args()
    only = {name for name in args.only.split(",") if name}
    todo = shipped_configs(only)
    bad = 0
    for experiment, config in todo:
        status = state(experiment, config)
        name = experiments.shipped_path(experiment, config).name
        if args.check:
            print(f"{status:8s} {name}")
            bad += status != "current"
            continue
        if status == "current" and not args.force:
            print(f"current  {name}")
            continue
        start = time.perf_counter()
        experiments.make_shipped(experiment, config)
        print(f"made     {name} in {time.perf_counter() - start:.1f} s", flush=True)
    if not only and not args.check:
        for name in prune({experiments.shipped_path(e, c).name for e, c in todo}):
            print(f"removed  {name} (no experiment ships it)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
