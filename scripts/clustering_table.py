"""The README's clustering table: ARI and NMI against the true classes, computed by the page's own experiment.

    .venv/bin/python scripts/clustering_table.py          # prints the Markdown table (with its markers)

Every row is one ``experiments.run(CLUSTER, ClusterConfig(...))``, the computation the page and the
``cluster`` command run for the same settings, so the table cannot drift from the code:
``tests/unit/test_clustering_table.py`` recomputes it and compares it with the table in README.md between
the markers ``<!-- clustering-table:start -->`` and ``<!-- clustering-table:end -->``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ganplify_core import experiments  # noqa: E402
from ganplify_core.clustering.algorithms import ALGORITHMS  # noqa: E402
from ganplify_core.clustering.datasets import DATA_LABELS  # noqa: E402
from ganplify_core.clustering.experiment import CLUSTER, ClusterConfig  # noqa: E402

START = "<!-- clustering-table:start -->"
END = "<!-- clustering-table:end -->"
SEED = 0

# (data set settings, algorithm settings, what the row shows); seed 0 throughout.
ROWS = (
    (dict(name="blobs", n_samples=1500), dict(algorithm="kmeans", n_clusters=3), "k = true number of blobs"),
    (dict(name="moons", n_samples=1500), dict(algorithm="dbscan"), "eps 0.3, min_samples 5 (defaults)"),
    (dict(name="moons", n_samples=1500), dict(algorithm="kmeans", n_clusters=2), "k = 2"),
    (dict(name="circles", n_samples=1500), dict(algorithm="kmeans", n_clusters=3), "k = 3"),
    (dict(name="circles", n_samples=1500), dict(algorithm="dbscan"), "eps 0.3, min_samples 5 (defaults)"),
    (dict(name="digits"), dict(algorithm="kmeans", n_clusters=10), "k = 10"),
    (dict(name="jets", n_samples=3000), dict(algorithm="gaussian_mixture", n_clusters=3), "3 components, full covariance"),
    (dict(name="jets", n_samples=3000), dict(algorithm="kmeans", n_clusters=3), "k = 3"),
    (dict(name="jets", n_samples=3000, standardise=False), dict(algorithm="kmeans", n_clusters=3), "k = 3"),
)


def configs() -> list[tuple[ClusterConfig, str]]:
    return [(ClusterConfig(**data, **algorithm, seed=SEED), note) for data, algorithm, note in ROWS]


def _score(value: float) -> str:
    return f"{round(value, 2) + 0.0:.2f}"  # + 0.0: no "-0.00"


def table() -> str:
    """The Markdown table, one row per configuration of :data:`ROWS`, between the README markers."""
    lines = [START,
             "| data set | points | standardised | algorithm | settings | ARI | NMI |",
             "|---|---:|---|---|---|---:|---:|"]
    for config, note in configs():
        outcome = experiments.run(CLUSTER, config)
        name = DATA_LABELS[config.name].split(" (")[0] + (" (observables)" if config.name == "jets" else "")
        lines.append(f"| {name} | {outcome.n_samples:,} | {'yes' if config.standardise else 'no'} | "
                     f"{ALGORITHMS[config.algorithm].title} | {note} | {_score(outcome.scores.ari)} | "
                     f"{_score(outcome.scores.nmi)} |")
    lines.append(f"\nSeed {SEED}; made by `scripts/clustering_table.py` (the page's own `cluster` experiment).")
    lines.append(END)
    return "\n".join(lines)


def table_in(text: str) -> str | None:
    """The table between the markers in ``text`` (markers included), or None when they are missing."""
    start, end = text.find(START), text.find(END)
    if start < 0 or end < start:
        return None
    return text[start:end + len(END)]


if __name__ == "__main__":
    print(table())
