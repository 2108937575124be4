"""Uploaded CSV files under adversarial input (issue 16): wide, header-only and UTF-16 files get a fast, clear
message; labels that a spreadsheet would run as formulas are quoted in every CSV the app offers for download."""

from __future__ import annotations

import csv
import io
import time
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from ganplify_core import ui
from ganplify_core.clustering import csv_input, plots
from ganplify_core.errors import InputError
from ganplify_core.ranking import datasets
from ganplify_core.ranking import plots as ranking_plots

READERS = {
    "clustering": lambda data: csv_input.read_csv_dataset(data, "upload.csv"),
    "ranking": lambda data: datasets.parse_feature_csv(data, None, name="upload.csv"),
}


def _wide_csv(columns: int, rows: int = 20) -> bytes:
    header = ",".join(f"c{i}" for i in range(columns))
    row = ",".join(str(i % 7) for i in range(columns))
    return ("\n".join([header] + [row] * rows) + "\n").encode()


@pytest.mark.parametrize("reader", list(READERS))
def test_a_csv_of_100_000_columns_is_refused_fast_with_the_limit(reader):
    data = _wide_csv(100_000)  # 4.7 MB: under the 20 MB limit
    assert len(data) < csv_input.MAX_CSV_BYTES
    started = time.perf_counter()
    with pytest.raises(InputError) as error:
        READERS[reader](data)
    assert time.perf_counter() - started < 5
    message = str(error.value)
    assert f"{csv_input.MAX_COLUMNS:,}-column limit" in message and "100,000 columns" in message
    assert len(message) < 300


def test_the_column_limit_itself_is_accepted():
    data = csv_input.read_csv_dataset(_wide_csv(csv_input.MAX_COLUMNS), "upload.csv")
    assert data.points.shape == (20, csv_input.MAX_COLUMNS)
    with pytest.raises(InputError, match="column limit"):
        csv_input.parse_csv(_wide_csv(csv_input.MAX_COLUMNS + 1), "upload.csv")


def test_choosing_many_columns_is_not_quadratic():
    """Checking 100 000 chosen columns against the numeric ones: a set, not ``in`` on a tuple (minutes before)."""
    names = [f"c{i}" for i in range(100_000)]
    frame = pd.DataFrame(np.ones((20, len(names))), columns=names)
    table = csv_input.CsvTable(frame, tuple(names), "wide.csv")
    started = time.perf_counter()
    assert csv_input.table_to_dataset(table, names).points.shape == (20, 100_000)
    with pytest.raises(InputError) as error:
        csv_input.table_to_dataset(table, names + ["text"])
    assert time.perf_counter() - started < 5
    assert "'text'" in str(error.value) and "and 99,990 more" in str(error.value) and len(str(error.value)) < 800


@pytest.mark.parametrize("reader", list(READERS))
@pytest.mark.parametrize("content", [b"a,b,c\n", b"a,b,c", b"\xef\xbb\xbfx,y\r\n"])
def test_a_header_only_csv_says_it_has_no_data_rows(reader, content):
    with pytest.raises(InputError) as error:
        READERS[reader](content)
    assert "no data rows" in str(error.value) and "numeric" not in str(error.value)


@pytest.mark.parametrize("reader", list(READERS))
@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_utf16_csv_says_it_is_utf16_and_to_save_it_as_utf8(reader, encoding):
    content = ("a,b,label\n" + "".join(f"{i},{i * i},é{i % 2}\n" for i in range(60))).encode(encoding)
    with pytest.raises(InputError) as error:
        READERS[reader](content)
    message = str(error.value)
    assert "UTF-16" in message and "UTF-8" in message and "binary" not in message


def test_binary_and_latin1_files_keep_their_messages():
    with pytest.raises(InputError, match="it is binary"):
        csv_input.parse_csv(b"\x89PNG\r\n\x1a\n\x00\x00\x12\x00\x00\x00binary", "image.csv")
    with pytest.raises(InputError, match="not UTF-8"):
        csv_input.parse_csv("é".encode("latin-1") * 20, "latin.csv")


FORMULAS = ["=cmd|' /C calc'!A0", '=HYPERLINK("http://evil.example/login","Log in")', "+1+2", "-2+3", "@SUM(A1:A2)"]


def _downloaded(frame: pd.DataFrame) -> list[dict]:
    """The rows of the CSV that ``ui.download_csv`` offers for ``frame``, as a spreadsheet would read the file."""
    text = ui.spreadsheet_safe(frame).to_csv(index=False)
    return list(csv.DictReader(io.StringIO(text)))


def test_formula_labels_of_an_upload_are_quoted_in_the_clusters_csv():
    labels = FORMULAS + ["top", "qcd"]
    content = "x,y,kind\n" + "".join(f"{i},{i % 3},\"{labels[i % len(labels)].replace(chr(34), 2 * chr(34))}\"\n"
                                     for i in range(70))
    data = csv_input.read_csv_dataset(content.encode(), "upload.csv", label_column="kind")
    assert set(data.label_names) == set(labels)  # read as they are: quoted only where they leave the app
    result = SimpleNamespace(labels=np.zeros(data.n_samples, dtype=np.int64), core_mask=np.ones(data.n_samples, bool))
    rows = _downloaded(plots.labels_frame(data.points, result, data.true_labels, data.label_names))
    assert len(rows) == 70
    for row, i in zip(rows, range(70)):
        label = labels[i % len(labels)]
        assert row["true_label"] == ("'" + label if label in FORMULAS else label)
        assert row["true_label"][:1] not in ("=", "+", "-", "@")
        assert float(row["view_x"]) == i  # numbers stay numbers


def test_formula_column_names_of_an_upload_are_quoted_in_the_ranking_csv():
    names = ['=HYPERLINK("http://evil.example")', "@cmd", "height"]
    content = ",".join(f'"{n.replace(chr(34), 2 * chr(34))}"' for n in names) + ",target\n"
    content += "".join(f"{i},{i % 5},{i % 3},{i % 2}\n" for i in range(60))
    table = datasets.parse_feature_csv(content.encode(), "target", name="upload.csv")
    assert table.feature_names == tuple(names)
    scores = np.array([0.5, -0.25, 0.125])
    result = SimpleNamespace(feature_names=table.feature_names, rankings={"permutation": scores},
                             permutation=SimpleNamespace(difference_mean=scores, ratio_std=np.abs(scores),
                                                            difference_std=np.abs(scores)))
    rows = _downloaded(ranking_plots.results_frame(result))
    assert [row["feature"] for row in rows] == ["'" + names[0], "'" + names[1], "height"]
    assert [float(row["permutation"]) for row in rows] == scores.tolist()  # a negative score is not quoted
