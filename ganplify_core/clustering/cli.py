"""``cluster`` and ``embed`` commands: the clustering page, headless.

    python -m ganplify_core cluster --dataset moons --algorithm dbscan --param eps=0.3 --json
    python -m ganplify_core embed --dataset digits --method umap --param n_neighbors=15 --out map.csv --json
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from ganplify_core import cli
from ganplify_core.clustering.algorithms import ALGORITHM_NAMES
from ganplify_core.clustering.csv_input import MAX_CSV_BYTES, read_csv_dataset
from ganplify_core.clustering.datasets import DATASETS, Dataset, DatasetConfig, make_dataset
from ganplify_core.clustering.embedding import METHODS
from ganplify_core.clustering.experiment import ClusteringConfig, EmbeddingConfig, run_clustering, run_embedding
from ganplify_core.errors import InputError


def parse_param_pairs(items: list | None) -> tuple:
    """``["k=3", "eps=0.2,min_samples=5"]`` → sorted ``(("eps", "0.2"), ("k", "3"), ("min_samples", "5"))``."""
    pairs = {}
    for item in items or []:
        for part in filter(None, item.split(",")):
            key, sep, value = part.partition("=")
            if not sep or not key.strip():
                raise InputError(f"--param must look like name=value, not {part!r}")
            pairs[key.strip()] = value.strip()
    return tuple(sorted(pairs.items()))


def load_dataset(args: argparse.Namespace) -> Dataset:
    """The data set named by ``--dataset`` (a built-in name, or ``csv:PATH``)."""
    if args.dataset.startswith("csv:"):
        path = Path(args.dataset[4:])
        if not path.is_file():
            raise InputError(f"--dataset csv:{path}: no such file")
        if path.stat().st_size > MAX_CSV_BYTES:
            raise InputError(f"--dataset csv:{path} is larger than the {MAX_CSV_BYTES // 2**20} MB limit")
        columns = [c for c in (args.columns or "").split(",") if c] or None
        return read_csv_dataset(path.read_bytes(), path.name, columns, args.label_column)
    return make_dataset(DatasetConfig(args.dataset, n_samples=args.n_samples, noise=args.noise,
                                      cluster_std=args.cluster_std, n_centers=args.n_centers,
                                      jet_features=args.jet_features, seed=args.seed))


def _add_data_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dataset", default="blobs", help=f"{'|'.join(DATASETS)} or csv:PATH")
    parser.add_argument("--n-samples", type=int, default=1500, help="points (synthetic sets, jets)")
    parser.add_argument("--noise", type=float, default=0.05, help="jitter of moons and circles")
    parser.add_argument("--cluster-std", type=float, default=1.0, help="width of each blob")
    parser.add_argument("--n-centers", type=int, default=3, help="true number of blobs (blobs, anisotropic, varied)")
    parser.add_argument("--jet-features", default="observables", choices=("observables", "images"))
    parser.add_argument("--columns", default="", help="CSV: comma-separated numeric columns (default: all numeric)")
    parser.add_argument("--label-column", default=None, help="CSV: column with the true class (scoring only)")
    parser.add_argument("--no-standardise", action="store_true", help="cluster raw features (default: mean 0, std 1)")
    parser.add_argument("--param", action="append", default=[], help="name=value (repeat, or comma-separate)")
    parser.add_argument("--seed", type=int, default=0)


def cluster_command(args: argparse.Namespace) -> dict:
    dataset = load_dataset(args)
    config = ClusteringConfig(args.algorithm, parse_param_pairs(args.param), not args.no_standardise, args.space,
                              EmbeddingConfig(seed=args.seed), args.seed)
    outcome = run_clustering(dataset, config)
    result, scores = outcome.result, outcome.scores
    summary = {
        "dataset": dataset.name, "n_samples": dataset.n_samples, "n_features": dataset.n_features,
        "algorithm": result.algorithm, "params": result.params, "space": args.space,
        "labels_summary": result.sizes(), "n_clusters": result.n_clusters, "n_noise": result.n_noise,
        "silhouette": scores.silhouette, "davies_bouldin": scores.davies_bouldin,
        "calinski_harabasz": scores.calinski_harabasz, "fit_seconds": result.fit_seconds,
    }
    if dataset.true_labels is not None:
        summary.update(ari=scores.ari, nmi=scores.nmi)
    return summary


def embed_command(args: argparse.Namespace) -> dict:
    dataset = load_dataset(args)
    embedding = run_embedding(dataset, EmbeddingConfig(args.method, parse_param_pairs(args.param),
                                                       not args.no_standardise, args.seed))
    summary = {"dataset": dataset.name, "method": args.method, "params": embedding.params,
               "shape": list(embedding.coords.shape), "trustworthiness": embedding.trustworthiness,
               "trustworthiness_points": embedding.trust_points, "seconds": embedding.seconds}
    if args.method == "pca":
        summary["explained_variance_ratio"] = embedding.explained_variance_ratio[:5]
    if args.out:
        out = Path(args.out)
        if out.suffix == ".npy":
            np.save(out, embedding.coords, allow_pickle=False)
        else:
            columns = [embedding.coords[:, 0], embedding.coords[:, 1]]
            header = "axis1,axis2"
            if dataset.true_labels is not None:
                columns.append(dataset.true_labels)
                header += ",true_label"
            np.savetxt(out, np.column_stack(columns), delimiter=",", header=header, comments="", fmt="%.6g")
        summary["out"] = str(out)
    return summary


def register(subparsers) -> None:
    parser = cli.add_command(subparsers, "cluster", "Cluster a data set and score the clusters.", cluster_command)
    _add_data_arguments(parser)
    parser.add_argument("--algorithm", default="kmeans", choices=ALGORITHM_NAMES)
    parser.add_argument("--space", default="features", choices=("features",) + METHODS,
                        help="cluster the features, or a 2-D map of them")
    parser = cli.add_command(subparsers, "embed", "Map a data set to 2-D (PCA, t-SNE, UMAP) and score the map.", embed_command)
    _add_data_arguments(parser)
    parser.add_argument("--method", default="pca", choices=METHODS)
    parser.add_argument("--out", default=None, help="write the map to this file (.csv, or .npy)")
