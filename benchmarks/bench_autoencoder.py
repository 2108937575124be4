"""Autoencoder ROC: the default page run (conv AE on 20 000 QCD jets, 20 000 jets per class scored), cold and cached.

Times, in one run (torch on one thread inside the computation, as in the app's jobs): the cold computation (empty disk cache: jets, images, autoencoder, supervised CNN,
scoring), its stages (the autoencoder's share against the supervised CNN's), and the cached call (disk
cache, a fresh in-process read). Prints the ratios; RESULTS.md records what it printed and on which machine.

    .venv/bin/python benchmarks/bench_autoencoder.py [--n-train 20000 --n-test 20000 --epochs 4] [--threads]

It also prints the background rejections, the mass correlation and the decorrelated AUC of the run, and
with ``--threads`` the 1-vs-2-thread step time (``python -m ganplify_core.anomaly.threads`` does only that).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-train", type=int, default=None)
    parser.add_argument("--n-test", type=int, default=None)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--threads", action="store_true",
                        help="also time a training step on 1 and on 2 torch threads (the choice of threads.py)")
    args = parser.parse_args()
    os.environ["GANPLIFY_CACHE_DIR"] = tempfile.mkdtemp(prefix="bench-autoencoder-")

    import torch

    from ganplify_core import experiments
    from ganplify_core.anomaly.experiment import TOP_TAGGING, TopTaggingConfig
    from ganplify_core.device import device_label

    overrides = {k: v for k, v in vars(args).items() if v is not None and k != "threads"}
    config = TopTaggingConfig(**overrides).validate()
    print(f"config: {config}")
    print(f"estimate: {TOP_TAGGING.estimate_seconds(config):.1f} s (the page shows it before the press)")
    print(f"device: {device_label()}, torch threads {torch.get_num_threads()}, os.cpu_count {os.cpu_count()}, "
          f"load average {os.getloadavg()[0]:.1f}")

    last = [-1.0]

    def progress(fraction: float, message: str) -> None:
        if fraction - last[0] >= 0.1 or fraction >= 1.0:
            last[0] = fraction
            print(f"  {100 * fraction:5.1f} %  {message}", flush=True)

    start = time.perf_counter()
    result = experiments.run(TOP_TAGGING, config, progress, use_shipped=False)  # computed, not the shipped default
    cold = time.perf_counter() - start
    experiments.forget_memory()
    start = time.perf_counter()
    again = experiments.run(TOP_TAGGING, config)
    cached = time.perf_counter() - start
    assert again.auc == result.auc

    s = result.seconds
    print(f"cold run: {cold:.1f} s  (jets+images {s['jets']:.1f} s, autoencoder {s['autoencoder']:.1f} s, "
          f"supervised CNN {s['supervised']:.1f} s, scoring {s['scoring']:.1f} s)")
    print(f"autoencoder / supervised CNN training time: {s['autoencoder'] / s['supervised']:.2f}")
    print(f"cached run (disk): {cached:.3f} s  = {cached / cold:.5f} of the cold run")
    print(f"AUC: autoencoder {result.auc:.3f}, mass {result.rocs['mass'].auc:.3f}, tau32 {result.rocs['tau32'].auc:.3f}, "
          f"supervised {result.rocs['supervised'].auc:.3f}, mass-decorrelated autoencoder "
          f"{result.rocs['decorrelated'].auc:.3f}")
    for name, values in result.rejections.items():
        print(f"1/eps_B of {name}: " + ", ".join(f"{r:.1f} at eps_S = {e}" for e, r in values.items()))
    rho = result.mass_spearman
    print(f"Spearman rho with the jet mass (QCD, top): autoencoder {rho['autoencoder']['qcd']:.2f}, "
          f"{rho['autoencoder']['top']:.2f}; decorrelated {rho['decorrelated']['qcd']:.2f}, {rho['decorrelated']['top']:.2f}")
    if args.threads:
        from ganplify_core.anomaly import threads

        best = {n: min(threads.seconds_per_step(n) for _ in range(3)) for n in (1, 2)}
        print(f"conv autoencoder training step: 1 thread {1000 * best[1]:.1f} ms, 2 threads {1000 * best[2]:.1f} ms "
              f"(2 / 1 = {best[2] / best[1]:.2f}); the experiments use {threads.TORCH_THREADS}")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
