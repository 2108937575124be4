"""Clustering & UMAP: k-means, DBSCAN and friends; PCA, t-SNE and UMAP; Mapper."""

import streamlit as st

from ganplify_core import params, ui
from ganplify_core.clustering import csv_input, embedding, plots
from ganplify_core.clustering.algorithms import ALGORITHMS
from ganplify_core.clustering.cli import command_line
from ganplify_core.clustering.experiment import (
    CLUSTER,
    COMPARE,
    DATA,
    ELBOW,
    EMBED,
    MAPPER,
    SPACE_LABELS,
    TOPOLOGY,
    ClusterConfig,
    CompareConfig,
    ElbowConfig,
    MapperJobConfig,
    TopologyConfig,
    comparison_rows,
    embed_config,
    map_choices,
    refusal,
)
from ganplify_core.clustering.mapper import MapperConfig
from ganplify_core.jets import files as jet_files
from ganplify_core.plots import remembered

DECLARED = {**params.params_of(ElbowConfig), **params.params_of(CompareConfig), **params.params_of(MapperConfig),
            **params.params_of(TopologyConfig)}
PARAMS = ui.page_params(ClusterConfig, extra={
    **{name: DECLARED[name] for name in ("k_max", "compare", "compare_k") + tuple(params.params_of(MapperConfig))
       + ("tda_points", "homology_dim")},
    "maps": params.Param(embedding.METHODS, choices=embedding.METHODS, multiple=True, labels=embedding.METHOD_TITLES,
                         label="Maps", help="which maps to compute"),
    "colour_by": params.Param("cluster", choices=("cluster", "true label"), widget="radio", label="Colour points by",
                              help="a plot option: never recomputes"),
    "mapper_colour": params.Param("lens (first axis)", label="Colour nodes by the mean of",
                                  help="a plot option: never recomputes (kept in the link)"),
    "section": ui.tab_param({"compare": "3 · Algorithms side by side", "maps": "4 · Maps", "mapper": "5 · Mapper",
                             "topology": "6 · Persistent homology"}),
})

settings = ui.start_page("clustering", PARAMS)
st.title("Clustering & UMAP")
ui.prose(
    "Clustering is an art: every algorithm has its own idea of what a cluster is, and the data rarely says "
    "which one is right. This page runs scikit-learn's clusterers (k-means, DBSCAN, HDBSCAN, OPTICS, "
    "agglomerative, spectral, Gaussian mixture, BIRCH, mean shift) on toy shapes, handwritten digits, jets "
    "or your own CSV, scores them (elbow, silhouette, Davies–Bouldin, Calinski–Harabasz, and ARI/NMI "
    "against the true class when there is one), maps high-dimensional data to 2-D with PCA, t-SNE and "
    "UMAP, draws its Mapper graph, a topological summary of the data's shape, and counts its components, loops "
    "and voids with persistent homology."
)
ui.preset_buttons(settings, CLUSTER)


def shown(value, spec: str = ".3f") -> str:
    """A score as text; "—" where it is undefined (one cluster) or needs true labels."""
    return "—" if value is None or value != value else format(value, spec)


# -- 1. data and clusterer --------------------------------------------------------------------------------
st.header("1 · Data and clusterer")
top = st.columns(2)
with top[0]:
    settings.widget("name")
with top[1]:
    settings.widget("algorithm")
algorithm = ALGORITHMS[settings.value("algorithm")]
dataset = settings.value("name")
st.caption(f"**{algorithm.title}.** {algorithm.idea}")

upload = {}
if dataset == "upload":
    file = st.file_uploader(f"CSV with a header row (at most {csv_input.MAX_CSV_MB} MB, {csv_input.MAX_ROWS:,} rows, "
                            f"{csv_input.MAX_COLUMNS:,} columns)",
                            type=["csv"], key="clustering.upload")
    if file is None:
        st.info("Upload a CSV file: choose its numeric columns to cluster and, optionally, a column with the true "
                "class (used only for colouring and for ARI/NMI). Nothing in the file is ever executed or unpickled.")
        st.stop()
    digest, content = ui.uploaded(file)  # hashed once per upload, not on every rerun
    with ui.user_errors():
        table = csv_input.uploaded_table(csv_input.store_upload(content, file.name, digest), file.name)
    pick = st.columns(2)
    label_column = pick[1].selectbox("True-class column (optional)", ("(none)",) + table.columns,
                                     key="clustering.upload_label")
    label_column = None if label_column == "(none)" else label_column
    numeric = [c for c in table.numeric_columns if c != label_column]
    columns = pick[0].multiselect("Numeric columns to cluster", numeric, default=numeric, key="clustering.upload_columns")
    with ui.user_errors():  # check the choice now, not only when it is clustered
        upload = csv_input.upload_fields(content, file.name, columns, label_column, digest)
elif dataset == "jet_file":
    pick = st.columns(2)
    jets_format = pick[0].selectbox("File format", jet_files.FORMATS, format_func=jet_files.FORMAT_LABELS.get,
                                    key="clustering.jets_format")
    jets_label = pick[1].text_input("Label column, array or branch (blank: the format's default)", max_chars=100,
                                    key="clustering.jets_label",
                                    help="the true class (used only for colouring and ARI/NMI): top-tagging "
                                         "is_signal_new; JetNet labels, else its type column; ROOT is_signal_new, "
                                         "label or labels")
    jets_upload = st.file_uploader(f"Jets file (at most {jet_files.MAX_UPLOAD_BYTES // 2**20} MB; its first jets, as "
                                   "many as Points below, are clustered)", type=["h5", "hdf5", "npz", "root"],
                                   key="clustering.jets_upload")
    if jets_upload is None:
        st.info("Upload jets as the top-tagging reference dataset (HDF5), JetNet's arrays (.npz or .h5) or a ROOT "
                "TTree of constituents: they go through the built-in jets' steps (the 50 hardest constituents, "
                "centring, rotation, flip) and are clustered as their 8 observables or their 40 × 40 images. "
                "Nothing in the file is ever unpickled.")
        st.stop()
    digest, content = ui.uploaded(jets_upload)
    with ui.user_errors():
        digest = jet_files.store_upload(content, jets_format, jets_label.strip() or None, name=jets_upload.name,
                                        digest=digest)
    upload = {"jets_digest": digest, "jets_name": jets_upload.name, "jets_format": jets_format,
              "jets_label": jets_label.strip()}

with st.form("clustering-form"):
    data_cols = st.columns(3)
    if dataset not in ("digits", "upload"):
        with data_cols[0]:
            settings.widget("n_samples")
        with data_cols[1]:
            if dataset in ("moons", "circles"):
                settings.widget("noise")
            elif dataset in ("blobs", "anisotropic", "varied"):
                settings.widget("cluster_std")
            elif dataset in ("jets", "jet_file"):
                settings.widget("jet_features")
        with data_cols[2]:
            if dataset in ("blobs", "anisotropic", "varied"):
                settings.widget("n_centers")
    settings.widget("standardise")
    st.caption("Standardising makes distances weigh every feature alike; without it the feature with the widest "
               "spread (jet mass in GeV next to τ21 in [0, 1]) decides the clusters, and DBSCAN's eps and BIRCH's "
               "threshold are in that feature's raw units.")
    param_cols = st.columns(max(1, len(algorithm.parameters)))
    for column, field in zip(param_cols, algorithm.fields.values()):
        with column:
            settings.widget(field)
    settings.widget("space", horizontal=True)
    settings.widget("k_max")
    pressed = st.form_submit_button("Cluster", type="primary")

cluster_config = settings.config(ClusterConfig, **upload)
elbow_config = settings.config(ElbowConfig, **upload)

# -- 2. clusters and their scores ---------------------------------------------------------------------------
st.header("2 · What it found")
prepared = ui.result_of(DATA, cluster_config.data_settings(), pressed)
outcome = ui.result_of(CLUSTER, cluster_config, pressed)
elbow = ui.result_of(ELBOW, elbow_config, pressed)
tables = {}  # what "Download all figures and data" adds to the figures
data = view = axis_names = result = None
if prepared is not None:
    data, view, axis_names = prepared.dataset, prepared.view, prepared.axis_names
if prepared is None or outcome is None:
    if prepared is not None:
        ui.chart(plots.data_preview(view, axis_names, data.true_labels, data.label_names))
    ui.press_prompt(CLUSTER, cluster_config, "Cluster", "These settings have not been clustered yet (pressing Cluster "
                    "also computes the sections below with their settings)")
    ui.show_cli(command_line("cluster", cluster_config))
else:
    result, scores = outcome.result, outcome.scores
    st.caption(f"{data.name}: {data.n_samples:,} points, {data.n_features} features"
               + ("" if data.n_features == 2 else f"; drawn in {axis_names[0]} vs {axis_names[1]}")
               + f"; clustered on {SPACE_LABELS[cluster_config.space]}, "
               + ("standardised." if cluster_config.standardise else "not standardised."))
    # on a projector, seven columns broke "silhouette" inside the word: two rows of four there
    metric_cols = [*st.columns(4), *st.columns(4)[:3]] if ui.lecture_mode() else st.columns(7)
    metric_cols[0].metric("clusters", result.n_clusters, help=f"{result.n_noise} noise points" if result.n_noise else None)
    metric_cols[1].metric("fit time", f"{result.fit_seconds:.2f} s")
    undefined = "undefined with fewer than two clusters" if result.n_clusters < 2 else None
    metric_cols[2].metric("silhouette ↑", shown(scores.silhouette), help=undefined or "−1 … 1; on ≤ 4 000 clustered points")
    metric_cols[3].metric("Davies–Bouldin ↓", shown(scores.davies_bouldin), help=undefined)
    metric_cols[4].metric("CH index ↑", plots.compact(scores.calinski_harabasz),  # the full name did not fit a column
                          help=undefined or f"Calinski–Harabasz index {shown(scores.calinski_harabasz, ',.2f')}: "
                                            "between-cluster over within-cluster dispersion, each per degree of freedom; "
                                            "unbounded, higher is better")
    metric_cols[5].metric("ARI vs truth ↑", shown(scores.ari), help=None if data.true_labels is not None else "no true labels")
    metric_cols[6].metric("NMI vs truth ↑", shown(scores.nmi))

    left, right = st.columns(2)
    title = f"{algorithm.title}: {result.n_clusters} clusters"
    if result.algorithm == "dbscan":
        ui.chart(remembered(plots.dbscan_scatter, view, result.labels, result.core_mask, title, axis_names,
                            data.true_labels, data.label_names), container=left)
    else:
        ui.chart(remembered(plots.cluster_scatter, view, result.labels, title, axis_names, (), data.true_labels,
                            data.label_names), container=left)
    silhouette_chart = None
    if len(outcome.silhouette.values):
        silhouette_chart = remembered(plots.silhouette_figure, outcome.silhouette.values, outcome.silhouette.labels,
                                      scores.silhouette)
    if data.true_labels is not None:
        ui.chart(remembered(plots.cluster_scatter, view, data.true_labels, "True classes (not shown to the clusterer)",
                            axis_names, data.label_names, data.true_labels, data.label_names), container=right)
    elif silhouette_chart is not None:
        ui.chart(silhouette_chart, container=right)
    left, right = st.columns(2)
    with left:
        if elbow is not None:
            ui.chart(remembered(plots.elbow_figure, elbow.k_values, elbow.inertias, elbow.elbow_k))
            st.caption(f"The elbow, the point farthest from the dotted chord (Kneedle), is at **k = {elbow.elbow_k}**. "
                       f"k-means with each k took {ui.format_seconds(elbow.seconds.sum(), precise=True)} in all.")
        else:
            ui.press_prompt(ELBOW, elbow_config, "Cluster", "The elbow curve has not been computed yet")
    with right:
        if data.true_labels is not None and silhouette_chart is not None:
            ui.chart(silhouette_chart)
        elif silhouette_chart is None:
            st.info("The silhouette needs at least two clusters (noise excluded).")
    st.caption(f"Hover shows a point's index, cluster and true label on up to {plots.HOVER_MAX_POINTS:,} points "
               f"(a random subset above that; the rest are drawn without hover).")
    ui.show_cli(command_line("cluster", cluster_config))
    tables["clusters.csv"] = plots.labels_frame(view, result, data.true_labels, data.label_names)
    ui.download_csv(tables["clusters.csv"], "clusters.csv", "Download the cluster of every point (CSV)")

# -- 3-6. further views of the same data, one tab each. Only the open tab is drawn: a closed tab's forms, text and
# charts cost a page's first view about as much as the open tab's (measured). A closed tab's results are still
# computed (or waited for) as before, quietly, and its charts and tables go to the page's zip ------------------
compare_tab, maps_tab, mapper_tab, topology_tab = settings.tabs("section")

# -- 3. several algorithms side by side ------------------------------------------------------------------
with compare_tab:
    shown_now = compare_tab.open
    compare_pressed = False
    if shown_now:
        ui.prose(title="How the comparison works", markdown="scikit-learn's clustering comparison, on your data: each algorithm with its default parameters "
                    "and the k set here where it takes one. Titles give the fit time and the ARI against the true classes "
                    "(or the silhouette). Algorithms that do not scale are refused above their limit, with the reason.")
        with st.form("clustering-compare"):
            settings.widget("compare")
            settings.widget("compare_k")
            compare_pressed = st.form_submit_button("Compare")
    compare_config = settings.config(CompareConfig, **upload)
    comparison = ui.result_of(COMPARE, compare_config, compare_pressed or pressed, quiet=not shown_now)
    if comparison is None or prepared is None:
        if shown_now:
            ui.press_prompt(COMPARE, compare_config, "Compare", "These algorithms have not been compared on this data yet")
    else:
        if shown_now:
            st.caption(f"Algorithms that take a number of clusters were given **k = {comparison.k}**; the others found "
                       "their own.")
        # two panels a row on a projector, where four cut each other's titles at a readable size
        ui.chart(remembered(plots.comparison_figure, comparison, view, data.true_labels, compare_config.seed,
                            2 if ui.lecture_mode() else 4), draw=shown_now)
        frame = tables["comparison.csv"] = plots.comparison_frame(comparison_rows(comparison))
        if shown_now:
            ui.table(frame)
            ui.download_csv(frame, "comparison.csv", "Download the comparison (CSV)")

# -- 4. maps: PCA, t-SNE, UMAP -----------------------------------------------------------------------------
with maps_tab:
    shown_now = maps_tab.open
    maps_pressed = False
    if shown_now:
        ui.prose(title="How the maps work", markdown="PCA projects on the two directions of largest variance (linear). t-SNE and UMAP place points so "
                    "that neighbours stay neighbours (non-linear): t-SNE's cost grows quickly with n, UMAP scales and keeps "
                    "more of the global layout. **Trustworthiness** (1 = best) measures how many of each point's 5 nearest "
                    f"neighbours in the map were not its neighbours in the data (on ≤ {embedding.TRUSTWORTHINESS_MAX_POINTS:,} "
                    "points). Maps are cached by data and parameters: recolouring never recomputes. UMAP's first run in a "
                    "fresh server compiles its numba code (seconds to half a minute).")
        ui.prose(title="Large data: the three choices", markdown=f"**Large data.** *Reproducible* is the plain seeded method on one thread; t-SNE is refused above "
                    f"{embedding.TSNE_MAX:,} points. *Parallel* runs UMAP on every core, unseeded (its layout changes from run "
                    f"to run), and t-SNE's neighbour search on every core. *Fit on a subsample* fits the map on a random "
                    f"subsample (at most {embedding.TSNE_MAX:,} points) and places every other point at the weighted mean of "
                    f"its {embedding.PLACE_NEIGHBOURS} nearest fitted points' positions: t-SNE then maps up to "
                    f"{csv_input.MAX_ROWS:,} points. The last two first reduce more than {embedding.PRE_PCA_DIMENSIONS} features "
                    "to their principal components. What a choice costs in quality is its trustworthiness, in the table below "
                    "the maps for every choice already computed on this data.")
        with st.form("clustering-maps"):
            settings.widget("maps")
            map_cols = st.columns(3)
            with map_cols[0]:
                for name in ("perplexity", "tsne_method", "max_iter"):
                    settings.widget(name, **({"horizontal": True} if name == "tsne_method" else {}))
            with map_cols[1]:
                settings.widget("n_neighbors")
                settings.widget("min_dist")
            with map_cols[2]:
                settings.widget("metric")
            # On a projector a third of the form cuts the large-data choices' labels; half holds them.
            large_data_cols = st.columns(2, vertical_alignment="bottom") if ui.lecture_mode() else [map_cols[2]] * 2
            with large_data_cols[0]:
                settings.widget("map_mode")
            with large_data_cols[1]:
                settings.widget("map_fit_points")
            maps_pressed = st.form_submit_button("Compute maps")
    maps, map_configs = [], []
    for method in settings.value("maps"):
        config = embed_config(cluster_config, method)
        problem = refusal(EMBED, config)
        if problem:  # a refused map (t-SNE on too many points) says why; the others still show
            if shown_now:
                st.error(problem, icon=":material/error:")
            continue
        data_map = ui.result_of(EMBED, config, maps_pressed or pressed, quiet=not shown_now)
        if data_map is None:
            if shown_now:
                ui.press_prompt(EMBED, config, "Compute maps",
                                f"The {embedding.METHOD_TITLES[method]} map has not been computed yet")
        else:
            maps.append(data_map.embedding)
            map_configs.append(config)
    if maps and prepared is not None:
        if shown_now:
            settings.widget("colour_by", horizontal=True)
        colours, colour_names, colour_note = plots.map_colours(data, result, settings.value("colour_by"))
        if colour_note and shown_now:
            st.caption(colour_note)
        ui.chart(plots.embeddings_figure(maps, colours, colour_names, data.true_labels, data.label_names),
                 draw=shown_now)
        pca_maps = [m for m in maps if m.method == "pca"]
        if pca_maps and len(pca_maps[0].explained_variance_ratio) > 2:
            ui.chart(plots.explained_variance_figure(pca_maps[0].explained_variance_ratio), draw=shown_now)
        choices = map_choices(cluster_config)
        if choices and shown_now:
            ui.table(plots.comparison_frame(choices))
            st.caption("t-SNE and UMAP maps of this data computed so far, one row per large-data choice: the time each "
                       "took and the trustworthiness it kept.")
        if shown_now:
            ui.show_cli(command_line("embed", map_configs[-1], map_configs[-1].method), key="maps")

# -- 5. Mapper ---------------------------------------------------------------------------------------------
with mapper_tab:
    shown_now = mapper_tab.open
    mapper_pressed = False
    if shown_now:
        ui.prose(title="How Mapper works", markdown="Topological data analysis: look at the data through a **lens** (the first principal component, the "
                    "first two, or the UMAP map), cover the lens' range with overlapping intervals, cluster (DBSCAN) the "
                    "points in each interval. Every cluster is a node; nodes that share points are joined. Loops and "
                    "branches in the graph are loops and branches in the data; separate pieces are separate clusters.")
        with st.form("clustering-mapper"):
            mapper_cols = st.columns(5)
            for column, name in zip(mapper_cols, params.params_of(MapperConfig)):
                with column:
                    settings.widget(name)
            mapper_pressed = st.form_submit_button("Build Mapper graph")
    mapper_config = settings.config(MapperJobConfig, **upload)
    problem = refusal(MAPPER, mapper_config)
    graph = None if problem else ui.result_of(MAPPER, mapper_config, mapper_pressed or pressed, quiet=not shown_now)
    if problem or graph is None or prepared is None:
        if shown_now and problem:
            st.error(problem, icon=":material/error:")
        elif shown_now:
            ui.press_prompt(MAPPER, mapper_config, "Build Mapper graph", "The Mapper graph has not been built for these settings")
    else:
        options = plots.mapper_colour_options(graph, data, None if result is None else result.labels)
        colour_key = settings.key("mapper_colour")
        if st.session_state.get(colour_key) not in options:  # a link's choice this data set does not have
            st.session_state[colour_key] = next(iter(options))
        if shown_now:
            st.selectbox(PARAMS["mapper_colour"].label, list(options), key=colour_key, help=PARAMS["mapper_colour"].help)
        chosen = st.session_state[colour_key]
        ui.chart(plots.mapper_figure(graph.members, graph.edges, plots.node_means(graph.members, options[chosen]),
                                     chosen, seed=mapper_config.seed), draw=shown_now)

# -- 6. persistent homology ------------------------------------------------------------------------------
with topology_tab:
    shown_now = topology_tab.open
    topology_pressed = False
    if shown_now:
        ui.prose(title="How persistent homology works", markdown="Join every two points closer than a scale ε and fill in every set of points that are all joined "
                    "(the Vietoris–Rips complex). As ε grows, components merge (**H0**), loops open and close (**H1**), "
                    "voids open and close (**H2**). Each such feature is a bar from the scale it is born at to the scale it "
                    "dies at (the **barcode**), or a point (birth, death) of the **persistence diagram**: far from the "
                    "diagonal is shape, near it is noise. The **Betti numbers** b0, b1, b2 count the components, loops and "
                    "voids alive at a scale; they are read at the **most persistent scale**, the range of ε over which they "
                    "stay unchanged for longest (measured as the ratio of its end to its start). A circle has b0 = 1, b1 = 1; "
                    "a sphere b2 = 1; k separated blobs b0 = k. Computed with ripser on a random subsample, on the same "
                    "(standardised) features as the clustering.")
        with st.form("clustering-topology"):
            topology_cols = st.columns(2)
            with topology_cols[0]:
                settings.widget("tda_points")
            with topology_cols[1]:
                settings.widget("homology_dim")
            topology_pressed = st.form_submit_button("Compute persistent homology")
    topology_config = settings.config(TopologyConfig, **upload)
    problem = refusal(TOPOLOGY, topology_config)
    homology = None if problem else ui.result_of(TOPOLOGY, topology_config, topology_pressed or pressed,
                                                 quiet=not shown_now)
    if problem or homology is None:
        if shown_now and problem:
            st.error(problem, icon=":material/error:")
        elif shown_now:
            ui.press_prompt(TOPOLOGY, topology_config, "Compute persistent homology",
                            "Persistent homology has not been computed for these settings")
    else:
        ph = homology.persistence
        if shown_now:
            betti_cols = st.columns(len(ph.betti) + 1)
            for k, (column, b) in enumerate(zip(betti_cols, ph.betti)):
                column.metric(f"b{k} ({('components', 'loops', 'voids')[k]})", b)
            betti_cols[-1].metric("most persistent scale ε", f"{ph.scale[0]:.3g} – {ph.scale[1]:.3g}",
                                  help="the Betti numbers hold over this range of ε (in the units of the "
                                       + ("standardised " if topology_config.standardise else "") + "features)")
            subsample_text = (f"a random subsample of **{ph.n_points:,}** of the {ph.n_total:,} points"
                              if ph.subsampled else f"all **{ph.n_points:,}** points")
            runner_up = ""
            if ph.runner_up:
                lo, hi, ratio, betti = ph.runner_up
                runner_up = (f" The next longest range with other Betti numbers, ε = {lo:.3g} – {hi:.3g} (ratio {ratio:.2f}), has "
                             f"({', '.join(map(str, betti))})"
                             + ("; the two are close, so no single scale dominates: the answer depends on the scale."
                                if ratio > 0.8 * ph.scale_ratio else "."))
            st.caption(f"Homology up to H{ph.maxdim} of {subsample_text}, computed in {ph.seconds:.1f} s. The Betti numbers "
                       f"({', '.join(map(str, ph.betti))}) hold from ε = {ph.scale[0]:.3g} to {ph.scale[1]:.3g} "
                       f"(ratio {ph.scale_ratio:.2f}).{runner_up}")
        left, right = (st.columns(2) if shown_now else (None, None))
        ui.chart(plots.persistence_diagram_figure(ph.diagrams, ph.scale, ph.betti), container=left, draw=shown_now)
        ui.chart(plots.barcode_figure(ph.diagrams, ph.scale, ph.betti), container=right, draw=shown_now)
        ui.chart(plots.betti_curve_figure(ph.diagrams, ph.scale, ph.betti), draw=shown_now)
        tables["persistence.csv"] = plots.diagram_frame(ph.diagrams)
        if shown_now:
            st.caption("The shaded band is the most persistent scale: the bars crossing it, and the diagram's points in "
                       f"the shaded corner (born before it, dying after it), are the Betti numbers. The barcode shows the "
                       f"{plots.BARCODE_MAX_BARS} longest bars of each dimension.")
            ui.show_cli(command_line("topology", topology_config), key="topology")

st.header("What to notice")
ui.prose(title="What to notice", markdown=(
    "- On **blobs**, k-means finds the true clusters (ARI ≈ 1) and the elbow sits at the true k; on **moons** and "
    "**circles** it cuts straight lines through the shapes, while DBSCAN and HDBSCAN follow them (section 3).\n"
    "- On **no structure**, every algorithm still returns clusters: a clustering is not evidence of structure. "
    "Compare the silhouette with that of blobs.\n"
    "- **Standardisation** matters: on jet observables unstandardised k-means is ruled by the mass (tens of GeV, "
    "against τ21 between 0 and 1) and finds the processes less well than on standardised features (a lower ARI on "
    "3 000 toy jets); a Gaussian mixture, which learns each feature's spread, does better than both.\n"
    "- On **digits**, PCA's map overlaps the classes (its first two components explain about a fifth of the variance), "
    "while t-SNE and UMAP separate most digits; their trustworthiness is higher. Clustering on the UMAP map "
    "(\"Cluster on\") raises k-means' ARI, but the map's own choices then count as part of the result.\n"
    "- **Mapper** of circles with the PC1 lens shows loops; of separated blobs, separate components.\n"
    "- **Persistent homology** counts what Mapper draws: on circles with little noise (0.03) it finds b0 = 2, b1 = 2; "
    "raise the noise and the two rings blur into one annulus, the loops die young and no scale dominates.\n"
))

ui.download_all("clustering", tables=tables)
