"""``cluster``, ``embed`` and ``topology`` commands: the clustering page, headless.

    python -m ganplify_core cluster --dataset moons --algorithm dbscan --param eps=0.3 --json
    python -m ganplify_core embed --dataset digits --method umap --param n_neighbors=15 --out map.csv --json
    python -m ganplify_core topology --dataset circles --json       # {"betti": [2, 2], "diagram": ...}
    python -m ganplify_core topology --csv points.csv --homology-dim 2 --tda-points 300 --json

The options come from the configs' declared parameters (:mod:`ganplify_core.params`); an algorithm's or a
map's parameters are given as ``--param name=value`` (repeat, or comma-separate), checked by the same
declarations as on the page.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import numpy as np

from ganplify_core import cli, experiments, params, upload_store
from ganplify_core.clustering import csv_input
from ganplify_core.clustering.algorithms import ALGORITHM_PARAMS, ALGORITHMS, AlgorithmSettings, field_of
from ganplify_core.clustering.datasets import DATASETS, JET_FILE, UPLOAD
from ganplify_core.clustering.embedding import MAP_PARAMS, PARAMETERS, MapSettings, active_parameters
from ganplify_core.clustering.experiment import CLUSTER, EMBED, TOPOLOGY, ClusterConfig, EmbedConfig, TopologyConfig
from ganplify_core.errors import InputError

# Given by --param name=value, not as options of their own.
PARAM_FIELDS = tuple(params.params_of(AlgorithmSettings)) + tuple(params.params_of(MapSettings))


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


def param_fields(algorithm: str | None, method: str | None, pairs: tuple) -> dict:
    """The config fields that ``--param`` pairs set, parsed by their declarations.

    Names are the algorithm's parameters (``eps``, ``n_clusters``) and the map's (``perplexity``,
    ``n_neighbors``) of ``method`` (the map clustered on, or the one embedded).
    """
    known = {}
    if algorithm is not None:
        known.update({p: field_of(algorithm, p) for p in ALGORITHMS[algorithm].parameters})
    if method is not None:
        known.update({p: p for p in PARAMETERS[method]})
    declared = {**ALGORITHM_PARAMS, **MAP_PARAMS}
    fields = {}
    for name, text in pairs:
        if name not in known:
            owner = " and ".join(x for x in (algorithm, method) if x)
            raise InputError(f"{owner} has no parameter {name}; its parameters are {', '.join(known) or 'none'}")
        fields[known[name]] = dataclasses.replace(declared[known[name]], name=name).parse(text)
    return fields


def jets_file_fields(args: argparse.Namespace) -> dict:
    """``--dataset jets:PATH`` as config fields: the file checked and stored by its digest, as an upload is."""
    from ganplify_core.jets import files

    path = Path(args.dataset[5:])
    data = upload_store.read_file(path, files.MAX_UPLOAD_BYTES, f"--dataset jets:{path}",
                                  "write its first jets to a smaller file")
    label = (getattr(args, "jets_label", None) or "").strip()
    digest = files.store_upload(data, args.jets_format, label or None, name=path.name)
    return {"name": JET_FILE, "jets_digest": digest, "jets_name": path.name, "jets_format": args.jets_format,
            "jets_label": label}


def data_fields(args: argparse.Namespace) -> dict:
    """``--dataset`` as config fields: a built-in name, ``csv:PATH`` or ``jets:PATH`` (stored by its digest)."""
    if args.dataset.startswith("jets:"):
        return jets_file_fields(args)
    if not args.dataset.startswith("csv:"):
        if args.dataset in (UPLOAD, JET_FILE):
            raise InputError(f"--dataset {args.dataset} is the page's; give a file as --dataset csv:PATH or jets:PATH")
        return {"name": params.params_of(ClusterConfig)["name"].parse(args.dataset)}
    path = Path(args.dataset[4:])
    data = upload_store.read_file(path, csv_input.MAX_CSV_BYTES, f"--dataset csv:{path}")
    columns = [c for c in (args.columns or "").split(",") if c]
    return csv_input.upload_fields(data, path.name, columns or None, args.label_column or None)


def _add_jets_file_arguments(parser: argparse.ArgumentParser) -> None:
    from ganplify_core.jets.files import FORMATS

    parser.add_argument("--jets-format", default="jetnet", choices=FORMATS,
                        help="the layout of a --dataset jets:PATH file; default jetnet")
    parser.add_argument("--jets-label", default=None,
                        help="jets file: its label column, array or branch (default: the format's own)")


def _add_data_arguments(parser: argparse.ArgumentParser, config_type: type, exclude: tuple) -> None:
    parser.add_argument("--dataset", default="blobs", help=f"{'|'.join(DATASETS)}, csv:PATH or jets:PATH (a jets "
                                                           "file, with --jets-format); default blobs")
    _add_jets_file_arguments(parser)
    params.add_options(parser, config_type, exclude=("name",) + PARAM_FIELDS + exclude)
    parser.add_argument("--columns", default="", help="CSV: comma-separated numeric columns (default: all numeric)")
    parser.add_argument("--label-column", default=None, help="CSV: column with the true class (scoring only)")
    parser.add_argument("--param", action="append", default=[], help="name=value (repeat, or comma-separate)")


def cluster_config(args: argparse.Namespace) -> ClusterConfig:
    method = args.space if args.space != "features" else None
    fields = param_fields(args.algorithm, method, parse_param_pairs(args.param))
    return params.config_from_args(ClusterConfig, args, **data_fields(args), **fields)


def embed_config(args: argparse.Namespace) -> EmbedConfig:
    fields = param_fields(None, args.method, parse_param_pairs(args.param))
    return params.config_from_args(EmbedConfig, args, **data_fields(args), **fields)


def cluster_command(args: argparse.Namespace) -> dict:
    return CLUSTER.to_json(experiments.run(CLUSTER, cluster_config(args), cli.stderr_progress(args)))


def embed_command(args: argparse.Namespace) -> dict:
    config = embed_config(args)
    data_map = experiments.run(EMBED, config, cli.stderr_progress(args))
    summary = EMBED.to_json(data_map)
    if args.out:
        out = args.out  # checked by cli.output_file while the options were parsed, before the map is computed
        coords = data_map.embedding.coords
        if out.suffix == ".npy":
            np.save(out, coords, allow_pickle=False)
        else:
            from ganplify_core.clustering.experiment import load

            truth = load(config).dataset.true_labels
            columns, header = [coords[:, 0], coords[:, 1]], "axis1,axis2"
            if truth is not None:
                columns.append(truth)
                header += ",true_label"
            np.savetxt(out, np.column_stack(columns), delimiter=",", header=header, comments="", fmt="%.6g")
        summary["out"] = str(out)
    return summary


def topology_config(args: argparse.Namespace) -> TopologyConfig:
    if args.csv is not None:
        if args.dataset is not None:
            raise InputError("give either --dataset or --csv, not both")
        args.dataset = f"csv:{args.csv}"
    args.dataset = args.dataset or "blobs"
    return params.config_from_args(TopologyConfig, args, **data_fields(args))


def topology_command(args: argparse.Namespace) -> dict:
    return TOPOLOGY.to_json(experiments.run(TOPOLOGY, topology_config(args), cli.stderr_progress(args)))


def register(subparsers) -> None:
    parser = cli.add_command(subparsers, "cluster", "Cluster a data set and score the clusters.", cluster_command)
    _add_data_arguments(parser, ClusterConfig, exclude=())
    parser = cli.add_command(subparsers, "embed", "Map a data set to 2-D (PCA, t-SNE, UMAP) and score the map.", embed_command)
    _add_data_arguments(parser, EmbedConfig, exclude=())
    parser.add_argument("--out", default=None, type=cli.output_file(".csv", ".npy"),
                        help="write the map to this file (.csv, or .npy; its folder must exist)")
    parser = cli.add_command(subparsers, "topology", "Persistent homology (ripser): persistence diagrams and Betti "
                             "numbers of a data set's random subsample.", topology_command)
    parser.add_argument("--dataset", default=None, help=f"{'|'.join(DATASETS)} or csv:PATH; default blobs")
    parser.add_argument("--csv", default=None, metavar="FILE", help="a CSV file with a header row (as --dataset csv:FILE)")
    params.add_options(parser, TopologyConfig, exclude=("name",))
    parser.add_argument("--columns", default="", help="CSV: comma-separated numeric columns (default: all numeric)")
    parser.add_argument("--label-column", default=None, help="CSV: column with the true class (not used by the homology)")
    _add_jets_file_arguments(parser)


def command_line(command: str, config, method: str | None = None) -> str:
    """The shell line that reproduces ``config`` (``cluster`` or ``embed``), as the page shows it."""
    pairs = []
    if command == "cluster":
        pairs += [f"{k}={ALGORITHM_PARAMS[field_of(config.algorithm, k)].text(v)}" for k, v in config.algorithm_params]
        method = config.space if config.space != "features" else None
    if method is not None:
        pairs += [f"{k}={MAP_PARAMS[k].text(getattr(config, k))}" for k in active_parameters(method, config)]
    extra = {}
    exclude = PARAM_FIELDS
    if command == "topology":
        exclude = ()
    if config.name == JET_FILE:
        exclude += ("name", "noise", "cluster_std", "n_centers")
        extra = {"--dataset": f"jets:{config.jets_name}", "--jets-format": config.jets_format}
        if config.jets_label:
            extra["--jets-label"] = config.jets_label
    if config.name == UPLOAD:
        exclude += ("name", "n_samples", "noise", "cluster_std", "n_centers", "jet_features")
        extra = {"--dataset": f"csv:{config.csv_name}", "--columns": ",".join(config.columns)}
        if config.label_column:
            extra["--label-column"] = config.label_column
    if pairs:
        extra["--param"] = ",".join(pairs)
    return params.command_line(command, config, exclude=exclude, extra=extra)
