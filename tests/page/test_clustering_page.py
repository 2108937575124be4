"""Page tests for Clustering & UMAP: first load, buttons at small settings, and CSV uploads."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

TIMEOUT = 180


def _press(at: AppTest, label: str) -> AppTest:
    [button] = [b for b in at.button if b.label == label]
    return button.click().run()


def _charts(at: AppTest) -> int:
    return len(at.get("plotly_chart"))


def test_first_load_clusters_default_blobs_and_shows_charts(app_path, tmp_cache):
    at = AppTest.from_file(app_path("pages/clustering.py"), default_timeout=TIMEOUT).run()
    assert not at.exception, at.exception
    assert _charts(at) >= 4  # clusters, true classes, elbow, silhouette
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["clusters"] == "3" and float(metrics["ARI vs truth ↑"]) > 0.95
    assert any("k = 3" in c.value for c in at.caption)  # the elbow finder's answer
    assert at.query_params["dataset"] == "blobs"


def test_moons_dbscan_then_compare_maps_and_mapper(app_path, tmp_cache):
    at = AppTest.from_file(app_path("pages/clustering.py"), default_timeout=TIMEOUT)
    at.query_params.update({"dataset": "moons", "algorithm": "dbscan", "n_samples": "400", "n_clusters": "2",
                            "compare": "kmeans,dbscan", "maps": "pca"})
    at.run()
    assert not at.exception, at.exception
    assert float({m.label: m.value for m in at.metric}["ARI vs truth ↑"]) > 0.9
    before = _charts(at)
    at = _press(at, "Compare")
    assert not at.exception, at.exception
    assert _charts(at) == before + 1
    table = at.dataframe[0].value
    ari = dict(zip(table["algorithm"], table["ARI"]))
    assert ari["DBSCAN"] > 0.9 > ari["k-means (k-means++)"]
    at = _press(at, "Compute maps")
    assert not at.exception, at.exception
    assert any("trustworthiness" in str(c.proto.spec) for c in at.get("plotly_chart"))
    at = _press(at, "Build Mapper graph")
    assert not at.exception, at.exception
    assert any("Mapper graph" in str(c.proto.spec) for c in at.get("plotly_chart"))


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
    at = AppTest.from_file(app_path("pages/clustering.py"), default_timeout=TIMEOUT)
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
    at = _press(at, "Cluster")
    assert not at.exception, at.exception
    assert not at.error
    assert any("mine.csv: 20 points, 2 features" in c.value for c in at.caption)
    assert _charts(at) >= 2
