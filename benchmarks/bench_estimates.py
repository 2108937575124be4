"""The time a page promises before the press, against the time it then takes.

For every registered experiment, each config in its ``calibration`` runs on an empty disk cache
(``experiments.run``, as the job runner does) and its wall time is compared with
``estimate_seconds(config)``. The issue's target: every ratio measured / estimated within [0.5, 2].
Run it on an idle machine (nothing else running); prints a Markdown table for ``RESULTS.md`` and exits
1 if a ratio is outside the target.

    .venv/bin/python benchmarks/bench_estimates.py [--only amplify,birthday]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ganplify_core import cli, experiments, params  # noqa: E402

TARGET = (0.5, 2.0)


def describe(config) -> str:
    """The settings that differ from the defaults, e.g. ``n_train=1000 steps=2000``."""
    default = type(config)()
    changed = [f"{name}={p.text(getattr(config, name))}" for name, p in params.params_of(config).items()
               if getattr(config, name) != getattr(default, name)]
    return " ".join(changed) or "defaults"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="comma-separated experiment names")
    args = parser.parse_args()
    cli.build_parser()  # imports every topic, which registers its experiments
    only = {name for name in args.only.split(",") if name}
    print(f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at start", flush=True)
    rows, bad = [], 0
    for name, experiment in sorted(experiments.REGISTRY.items()):
        if only and name not in only:
            continue
        for config in experiment.calibration:
            with tempfile.TemporaryDirectory() as cache_dir:
                os.environ["GANPLIFY_CACHE_DIR"] = cache_dir
                experiments.forget_memory()
                estimate = experiment.estimate_seconds(config)
                load = os.getloadavg()[0]
                start, cpu_start = time.perf_counter(), time.process_time()
                experiment.compute(config.validate(), lambda fraction, message: None)
                measured, cpu = time.perf_counter() - start, time.process_time() - cpu_start
            ratio = measured / estimate
            ok = TARGET[0] <= ratio <= TARGET[1]
            bad += not ok
            rows.append((name, describe(config), estimate, measured, ratio, ok, cpu, load))
            print(f"{name:24s} {describe(config)[:70]:70s} est {estimate:7.1f} s  measured {measured:7.1f} s  "
                  f"ratio {ratio:4.2f} {'ok' if ok else 'OUT'}  (CPU {cpu:.1f} s, load {load:.1f})", flush=True)
    print("\n| experiment | settings | estimate | measured | measured / estimate | CPU of this process | load before |\n"
          "|---|---|---|---|---|---|---|")
    for name, settings, estimate, measured, ratio, ok, cpu, load in rows:
        print(f"| {name} | {settings} | {estimate:.1f} s | {measured:.1f} s | {ratio:.2f}{'' if ok else ' (outside 0.5–2)'} "
              f"| {cpu:.1f} s | {load:.1f} |")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
