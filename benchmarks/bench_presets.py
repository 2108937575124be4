"""The measured time of every page preset, for the time in its button's label.

Each preset's config is computed on an empty disk cache (as the job runner would) and its wall time is
written to ``assets/preset_times.json`` (merged: presets not measured keep their earlier time). Run it on an
idle machine of the 2-core class the app is served from:

    .venv/bin/python benchmarks/bench_presets.py [--only amplify,birthday] [--skip-over 600]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time

from ganplify_core import cli, experiments, ui


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="comma-separated experiment names")
    parser.add_argument("--skip-over", type=float, default=900.0,
                        help="skip presets estimated above this many seconds (keep their earlier time)")
    args = parser.parse_args()
    cli.build_parser()
    only = {name for name in args.only.split(",") if name}
    try:
        times = json.loads(ui.PRESET_TIMES.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        times = {}
    print(f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at start")
    print("| experiment | preset | estimate (s) | measured (s) |\n|---|---|---:|---:|")
    for name, experiment in sorted(experiments.REGISTRY.items()):
        if only and name not in only:
            continue
        for preset in experiment.presets:
            with tempfile.TemporaryDirectory() as cache_dir:
                os.environ["GANPLIFY_CACHE_DIR"] = cache_dir
                experiments.forget_memory()
                estimate = experiment.estimate_seconds(preset.config)  # on the empty cache too: nothing trained yet
                if estimate > args.skip_over:
                    print(f"| {name} | {preset.key} | {estimate:.0f} | skipped |")
                    continue
                start = time.perf_counter()
                experiment.compute(preset.config.validate(), lambda fraction, message: None)
                measured = time.perf_counter() - start
            times.setdefault(name, {})[preset.key] = round(measured, 1)
            print(f"| {name} | {preset.key} | {estimate:.1f} | {measured:.1f} |", flush=True)
            ui.PRESET_TIMES.write_text(json.dumps(times, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
