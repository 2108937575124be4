"""Clustering and dimensionality reduction: k-means, DBSCAN & co.; PCA, t-SNE, UMAP; Mapper.

One module per concept:

- :mod:`~ganplify_core.clustering.datasets` — synthetic sets, digits, jets (generated or the user's file), and the
  :class:`Dataset` they give;
- :mod:`~ganplify_core.clustering.csv_input` — a user's CSV file, parsed safely into a :class:`Dataset`;
- :mod:`~ganplify_core.clustering.algorithms` — the scikit-learn clusterers, their parameters and size limits;
- :mod:`~ganplify_core.clustering.evaluation` — elbow curve and its knee, silhouette, DB, CH, ARI, NMI;
- :mod:`~ganplify_core.clustering.embedding` — PCA, t-SNE, UMAP with trustworthiness and timing, and their
  large-data choices (parallel, fit on a subsample and place the rest);
- :mod:`~ganplify_core.clustering.mapper` — the Mapper graph of topological data analysis;
- :mod:`~ganplify_core.clustering.topology` — persistent homology (ripser): diagrams, Betti numbers at the
  most persistent scale;
- :mod:`~ganplify_core.clustering.experiment` — cached entry points the page and the CLI call;
- :mod:`~ganplify_core.clustering.plots` — Plotly figures;
- :mod:`~ganplify_core.clustering.cli` — ``cluster``, ``embed`` and ``topology`` commands.

Source: lecture "Unsupervised learning" (clustering is an art; elbow method; k-means/k-means++; DBSCAN
core, reachable and noise points; scikit-learn's table of clustering algorithms; standardise first; PCA,
t-SNE, UMAP) and the TDA talk (Mapper; "data has shape": topological signatures), in ``shared/seeds``
(000_27f5270739209609.txt).
"""
