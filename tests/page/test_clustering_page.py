"""Page tests for Clustering & UMAP: first load, a heavy link that waits for its press, sections, CSV uploads."""

from __future__ import annotations

from app_pages import terminal_lines
from streamlit.testing.v1 import AppTest

from ganplify_core import experiments, jobs
from ganplify_core.clustering.experiment import CLUSTER, COMPARE, ELBOW, EMBED, ClusterConfig, ElbowConfig, embed_config

TIMEOUT = 240


def _press(at: AppTest, label: str) -> AppTest:
    [button] = [b for b in at.button if b.label == label]
    return button.click().run()


def _charts(at: AppTest) -> int:
    return len(at.get("plotly_chart"))


def _wait(experiment, config) -> None:
    job = jobs.find(experiment, config)
    assert job is not None, f"no {experiment.name} job was started"
    assert job.wait(TIMEOUT) and job.state == jobs.DONE, job.error


def _settle(at: AppTest) -> AppTest:
    """Let the quick jobs the page started finish and rerun, until it starts no more (on a busy machine a
    quick job can take longer than the page waits for it, and the sections below it then start on the rerun)."""
    for _ in range(6):
        for job in jobs.active():
            assert job.wait(TIMEOUT) and job.state == jobs.DONE, job.error
        at.run()  # also when the jobs ended before we looked: the last run may not have seen their results
        if not jobs.active():
            break
    return at


def test_first_load_clusters_default_blobs_and_shows_charts(app_path, tmp_cache):
    at = _settle(AppTest.from_file(app_path("views/clustering.py"), default_timeout=TIMEOUT).run())
    assert not at.exception, at.exception
    assert _charts(at) >= 4  # clusters, true classes, elbow, silhouette
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["clusters"] == "3" and float(metrics["ARI vs truth ↑"]) > 0.95
    assert any("k = 3" in c.value for c in at.caption)  # the elbow finder's answer
    assert any("given **k = 3**" in c.value for c in at.caption), ([c.value for c in at.caption], [i.value for i in at.info])
    assert at.query_params["dataset"] == "blobs"
    # a map estimated above 5 s waits for its press, with its estimate (UMAP compiles its code on a first run)
    for method, title in (("tsne", "t-SNE"), ("umap", "UMAP")):
        config = embed_config(ClusterConfig(), method)
        if EMBED.estimate_seconds(config) > experiments.QUICK_SECONDS and not experiments.is_cached(EMBED, config):
            assert any(f"{title} map has not been computed yet" in i.value and "on this server" in i.value
                       for i in at.info)
            assert jobs.find(EMBED, config) is None


def test_the_heavy_link_of_issue_12_shows_an_estimate_and_computes_nothing(app_path, tmp_cache):
    """The link that ran past 300 s with no click: now it is refused with the reason (100 000 jet images),
    and at the largest size allowed it waits for a press."""
    at = AppTest.from_file(app_path("views/clustering.py"), default_timeout=TIMEOUT)
    at.query_params.update({"dataset": "jets", "n_samples": "100000", "jet_features": "images", "k_max": "20"})
    at.run()
    assert not at.exception, at.exception
    assert any("use at most 10,000 points" in e.value for e in at.error)
    at = AppTest.from_file(app_path("views/clustering.py"), default_timeout=TIMEOUT)
    at.query_params.update({"dataset": "jets", "n_samples": "10000", "jet_features": "images", "k_max": "20"})
    at.run()
    assert not at.exception, at.exception
    config = ClusterConfig("jets", n_samples=10_000, jet_features="images")
    assert any("press **Cluster**" in i.value for i in at.info)
    assert jobs.find(CLUSTER, config) is None and jobs.find(ELBOW, ElbowConfig("jets", n_samples=10_000,
                                                                                jet_features="images", k_max=20)) is None
    assert not experiments.is_cached(CLUSTER, config), "nothing computed without a press"


def test_moons_dbscan_then_compare_maps_and_mapper(app_path, tmp_cache):
    at = AppTest.from_file(app_path("views/clustering.py"), default_timeout=TIMEOUT)
    at.query_params.update({"dataset": "moons", "algorithm": "dbscan", "n_samples": "400", "compare_k": "2",
                            "compare": "kmeans,dbscan", "maps": "pca,tsne"})
    at = _settle(at.run())
    assert not at.exception, at.exception
    assert float({m.label: m.value for m in at.metric}["ARI vs truth ↑"]) > 0.9
    table = at.table[0].value  # the comparison is quick: shown without a press
    ari = dict(zip(table["algorithm"], table["ARI"]))
    assert ari["DBSCAN"] > 0.9 > ari["k-means (k-means++)"]
    assert experiments.is_cached(COMPARE, COMPARE.config_type("moons", n_samples=400, compare=("kmeans", "dbscan"),
                                                               compare_k=2))
    tsne = embed_config(ClusterConfig("moons", n_samples=400, algorithm="dbscan"), "tsne")
    if not experiments.is_cached(EMBED, tsne) and EMBED.estimate_seconds(tsne) > experiments.QUICK_SECONDS:
        at = _press(at, "Compute maps")
        _wait(EMBED, tsne)
        at.run()
    assert not at.exception, at.exception
    assert not any("t-SNE" in str(c.proto.spec) for c in at.get("plotly_chart")), "the maps' tab is closed"
    at.session_state["clustering.section"] = "maps"  # what choosing the tab sets
    at.run()
    assert at.query_params["section"] == "maps"
    assert any("trustworthiness" in str(c.proto.spec) and "t-SNE" in str(c.proto.spec) for c in at.get("plotly_chart"))
    at = _settle(at.radio(key="clustering.colour_by").set_value("true label").run())  # a plot option
    assert not at.exception, at.exception
    at.session_state["clustering.section"] = "mapper"
    at.run()
    assert any("Mapper graph" in str(c.proto.spec) for c in at.get("plotly_chart"))


def test_a_link_opens_its_section_tab_and_draws_only_that_tab(app_path, tmp_cache):
    at = AppTest.from_file(app_path("views/clustering.py"), default_timeout=TIMEOUT)
    at.query_params["section"] = "topology"
    at = _settle(at.run())
    assert not at.exception, at.exception
    specs = [str(c.proto.spec) for c in at.get("plotly_chart")]
    assert any("Betti" in spec for spec in specs), "the link's tab draws its charts"
    assert not any("Mapper graph" in spec for spec in specs), "the other tabs draw nothing"
    assert at.session_state["_tabs.clustering.section"] == "6 · Persistent homology"
    assert any(m.label.startswith("b1") for m in at.metric)
    buttons = {b.label for b in at.button}
    assert "Compute persistent homology" in buttons
    assert not buttons & {"Compare", "Compute maps", "Build Mapper graph"}, "nor their forms"
    assert not any("look at the data through a **lens**" in m.value for m in at.markdown), "nor their text"
    assert [c.value for c in terminal_lines(at) if "topology" in c.value], "the open tab's terminal line"


BAD_UPLOADS = [
    ("image.csv", b"\x89PNG\r\n\x1a\n\x00\x00", "is not a valid CSV file: it is binary"),
    ("ragged.csv", b"a,b\n1,2\n3,4,5,6\n", "is not a valid CSV file"),
    ("words.csv", b"name,colour\n" + b"x,red\n" * 20, "has no numeric columns"),
    ("holes.csv", b"a,b\n" + b"1,2\n" * 15 + b"3,\n", "NaN (empty or non-numeric cells)"),
    ("inf.csv", b"a,b\n" + b"1,2\n" * 15 + b"inf,2\n", "infinities"),
    ("short.csv", b"a,b\n1,2\n3,4\n", "has 2 rows; at least 10 are needed"),
    ("huge.csv", b"a\n" + b"1\n" * (21 * 1024 * 512), "larger than the 20 MB limit"),
]


def test_upload_bad_csv_files_show_their_message_and_a_good_one_clusters(app_path, tmp_cache):
    at = AppTest.from_file(app_path("views/clustering.py"), default_timeout=TIMEOUT)
    at.query_params["dataset"] = "upload"
    at.run()
    assert not at.exception, at.exception
    assert any("Upload a CSV file" in i.value for i in at.info)
    for name, content, message in BAD_UPLOADS:
        at.file_uploader[0].set_value((name, content, "text/csv")).run()
        assert not at.exception, (name, at.exception)
        errors = " ".join(e.value for e in at.error)
        assert message in errors, (name, errors)
    rows = "\n".join(f"{x},{y},{'ab'[x > 5]}" for x, y in [(i % 3, i // 3) for i in range(15)] + [(9, 9), (10, 9), (9, 10), (10, 10), (11, 11)])
    at.file_uploader[0].set_value(("mine.csv", f"x,y,kind\n{rows}\n".encode(), "text/csv")).run()
    at.selectbox(key="clustering.upload_label").set_value("kind").run()
    at = _settle(_press(at, "Cluster"))
    assert not at.exception, at.exception
    assert not at.error, "the maps' tab, closed, says nothing yet"
    assert any("mine.csv: 20 points, 2 features" in c.value for c in at.caption)
    assert _charts(at) >= 2
    at.session_state["clustering.section"] = "maps"  # what choosing the tab sets
    at.run()
    # only t-SNE is refused on 20 points (its perplexity must be below the number of points), and says so
    assert [e.value for e in at.error] == ["perplexity (30) must be smaller than the number of points (20)"]


def test_persistent_homology_of_two_rings_and_its_limits(app_path, tmp_cache):
    at = AppTest.from_file(app_path("views/clustering.py"), default_timeout=TIMEOUT)
    at.query_params.update({"dataset": "circles", "noise": "0.03", "tda_points": "500", "compare": "kmeans",
                            "maps": "pca", "section": "topology"})
    at = _settle(at.run())
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["b0 (components)"] == "2" and metrics["b1 (loops)"] == "2", metrics
    assert any("random subsample of **500** of the 1,500 points" in c.value for c in at.caption)
    specs = " ".join(str(c.proto.spec) for c in at.get("plotly_chart"))
    assert "Persistence diagram" in specs and "Barcode" in specs and "Betti numbers against scale" in specs
    assert any("ganplify_core topology --dataset circles" in c.value for c in terminal_lines(at))
    # H2 on more points than it allows: the reason, and the rest of the page still shows
    at = AppTest.from_file(app_path("views/clustering.py"), default_timeout=TIMEOUT)
    at.query_params.update({"dataset": "circles", "homology_dim": "2", "tda_points": "1000", "section": "topology"})
    at = _settle(at.run())
    assert not at.exception, at.exception
    assert any("limited to 400 points" in e.value for e in at.error)
    assert any(h.value.startswith("What to notice") for h in at.header)


def test_one_press_on_a_shared_link_restores_every_section_and_the_link_keeps_the_plot_options(app_path, tmp_cache):
    """Every experiment estimated as slow (so none starts by itself): the link's one press on Cluster computes
    sections 2-6 with the link's settings, and the same link in a fresh session shows them all."""
    from ganplify_core.clustering.experiment import DATA, MAPPER, TOPOLOGY

    slow = (DATA, CLUSTER, ELBOW, COMPARE, EMBED, MAPPER, TOPOLOGY)
    saved = [e.estimate_seconds for e in slow]
    for e in slow:
        object.__setattr__(e, "estimate_seconds", lambda config: 60.0)
    try:
        link = {"dataset": "moons", "n_samples": "300", "algorithm": "dbscan", "compare": "kmeans,dbscan",
                "compare_k": "2", "maps": "pca", "n_cubes": "5", "tda_points": "200", "mapper_colour": "feature: x2"}
        at = AppTest.from_file(app_path("views/clustering.py"), default_timeout=TIMEOUT)
        at.query_params.update(link)
        at.run()
        assert not at.exception, at.exception
        assert not jobs.active() and not at.table, "nothing starts without a press"
        assert any("pressing Cluster also computes the sections below" in i.value for i in at.info)
        at = _settle(_press(at, "Cluster"))
        assert not at.exception, at.exception

        def check(at: AppTest) -> None:
            # each section's tab draws its own result (the comparison's titles say the k they used)
            for section, text in (("compare", "(k = 2)"), ("maps", "trustworthiness"), ("mapper", "Mapper graph"),
                                  ("topology", "Persistence diagram")):
                at.session_state["clustering.section"] = section
                at.run()
                assert not at.exception, at.exception
                assert text in " ".join(str(c.proto.spec) for c in at.get("plotly_chart")), section
                if section == "compare":
                    table = at.table[0].value
                    assert list(table["algorithm"]) == ["k-means (k-means++)", "DBSCAN"] and table["k given"][0] == 2
                if section == "mapper":  # the link's plot option, kept while its tab was closed
                    assert at.selectbox(key="clustering.mapper_colour").value == "feature: x2"
            assert {m.label for m in at.metric} >= {"clusters", "b0 (components)", "b1 (loops)"}

        check(at)
        fresh = AppTest.from_file(app_path("views/clustering.py"), default_timeout=TIMEOUT)
        fresh.query_params.update(at.query_params)
        fresh.run()
        assert not fresh.exception, fresh.exception
        assert not jobs.active(), "the link reads every section from the cache"
        check(fresh)
    finally:
        for e, estimate in zip(slow, saved):
            object.__setattr__(e, "estimate_seconds", estimate)


def test_a_jets_file_is_clustered_on_the_page(app_path, tmp_cache):
    from ganplify_core.jets import files, get_jets

    data = files.jets_to_npz({"qcd": get_jets("qcd", 60, seed=1), "top": get_jets("top", 60, seed=2)})
    at = AppTest.from_file(app_path("views/clustering.py"), default_timeout=TIMEOUT)
    at.query_params.update({"dataset": "jet_file", "n_samples": "100", "compare": "kmeans", "maps": "pca"})
    at.run()
    assert not at.exception, at.exception
    assert any("Upload jets as the top-tagging reference dataset" in i.value for i in at.info)
    at.file_uploader(key="clustering.jets_upload").set_value(("bad.npz", b"PK\x03\x04 not a zip", "application/zip")).run()
    assert not at.exception and at.error, "a broken file is one message"
    at.selectbox(key="clustering.jets_format").set_value("jetnet")
    at.file_uploader(key="clustering.jets_upload").set_value(("mine.npz", data, "application/zip")).run()
    at = _settle(at)
    assert not at.exception, at.exception
    assert any("mine.npz (observables): 100 points, 8 features" in c.value for c in at.caption)
    assert {m.label: m.value for m in at.metric}["clusters"] == "3"
    assert any("--dataset jets:mine.npz --jets-format jetnet" in c.value for c in terminal_lines(at))


def test_each_large_data_choice_of_a_map_is_listed_with_its_trustworthiness(app_path, tmp_cache):
    link = {"dataset": "blobs", "n_samples": "1500", "maps": "tsne", "max_iter": "250", "compare": "kmeans",
            "section": "maps"}
    at = AppTest.from_file(app_path("views/clustering.py"), default_timeout=TIMEOUT)
    at.query_params.update(link)
    at = _settle(at.run())
    if not any(d.value is not None and "choice" in d.value.columns for d in at.table):
        at = _settle(_press(at, "Compute maps"))
    assert not at.exception, at.exception
    at.selectbox(key="clustering.map_mode").set_value("subsample")
    at.number_input(key="clustering.map_fit_points").set_value(1000)
    at = _settle(_press(at, "Compute maps"))
    assert not at.exception, at.exception
    [table] = [d.value for d in at.table if "choice" in d.value.columns]
    table = table[table["map"] == "t-SNE"]  # a shipped UMAP of the same data may be listed too
    assert list(table["fitted on (points)"]) == [1500, 1000]
    assert all(0.5 < t <= 1 for t in table["trustworthiness"])
    assert any("t-SNE (fitted on 1,000)" in str(c.proto.spec) for c in at.get("plotly_chart"))
    assert at.query_params["map_mode"] == "subsample"
