"""Your own tagger on the Autoencoder ROC page: a label,score[,mass] CSV and an ONNX autoencoder, every bad file
refused with one message, the CLI's JSON, and the page's scores download read back as an upload."""

from __future__ import annotations

import io
import json
import warnings

import numpy as np
import pytest
import torch
from scipy.stats import norm
from sklearn.metrics import roc_auc_score

from ganplify_core import cli, experiments, ui
from ganplify_core.anomaly import onnx_autoencoder, plots, roc, user_tagger
from ganplify_core.anomaly.experiment import ONNX_SCORING, TOP_TAGGING, OnnxScoringConfig, TopTaggingConfig
from ganplify_core.anomaly.models import ConvJetAutoencoder, DenseJetAutoencoder
from ganplify_core.anomaly.scores import reconstruction_error
from ganplify_core.errors import InputError


def _gaussian_scores(n: int = 20_000, seed: int = 0, with_mass: bool = True) -> bytes:
    rng = np.random.default_rng(seed)
    labels = np.repeat([0, 1], n)
    scores = rng.normal(labels.astype(float), 1.0)
    mass = np.clip(rng.normal(60 + 110 * labels, 25), 0, None) if with_mass else None
    return user_tagger.scores_csv(labels, scores, mass)


def _exit_status(args: list[str]) -> int:
    """``cli.main``'s status, whether it returns it or argparse exits with it."""
    try:
        return cli.main(args)
    except SystemExit as exc:
        return exc.code


# -- scores CSV ---------------------------------------------------------------------------------------------

def test_scores_file_gives_sklearns_auc_and_the_gaussian_rejections():
    data = _gaussian_scores()
    parsed = user_tagger.parse_scores(data)
    report = user_tagger.evaluate(parsed)
    assert report.roc.auc == pytest.approx(roc_auc_score(parsed.labels, parsed.scores), abs=1e-12)
    assert report.roc.auc == pytest.approx(norm.cdf(1 / np.sqrt(2)), abs=0.01)
    for e in ("0.3", "0.5"):
        assert report.rejections[e] == pytest.approx(1 / norm.sf(1 + norm.isf(float(e))), rel=0.05)
    assert (report.n_signal, report.n_background) == (20_000, 20_000)
    # the mass baseline: heavier jets are the signal here
    assert report.mass_direction == "heavier" and report.mass_roc.auc > 0.95
    assert report.mass_roc.auc == pytest.approx(roc.auc(parsed.mass[parsed.labels == 0], parsed.mass[parsed.labels == 1]))
    assert abs(report.mass_spearman) < 0.05  # scores and masses were drawn independently


def test_scores_without_mass_and_with_extra_columns_and_spaces():
    text = "Label , Score,comment\n" + "".join(f"{i % 2}, {i * 0.1},jet {i}\n" for i in range(40))
    report = user_tagger.evaluate(user_tagger.parse_scores(text.encode()))
    assert report.mass_roc is None and report.roc.auc == pytest.approx(0.525)
    assert set(report.to_json()) == {"auc", "rejection", "n_signal", "n_background", "roc"}


BAD_FILES = {
    "too large": (b"label,score\n" + b"0,1.0\n" * (user_tagger.MAX_BYTES // 6 + 10), "MB limit"),
    "empty": (b"  \n", "empty"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 10, "binary"),
    "utf-16": ("label,score\n0,1\n1,2\n".encode("utf-16"), "UTF-16"),
    "not utf-8": (b"label,score\n0,\xff\xfe1\n", "UTF-8"),
    "no score column": (b"label,value\n0,1\n1,2\n", "no column score"),
    "no header": (b"0,1.5\n1,2.5\n", "no column label or score"),
    "ragged": (b"label,score\n0,1\n1,2,3,4\n", "not valid CSV"),
    "header only": (b"label,score\n", "no data rows"),
    "text score": (b"label,score\n0,1\n1,high\n", "row 3 has 'high'"),
    "empty score": (b"label,score\n0,1\n1,\n", "row 3 is empty"),
    "nan score": (b"label,score\n0,nan\n1,2\n", "finite number"),
    "infinite score": (b"label,score\n0,inf\n1,2\n", "finite number"),
    "label 2": (b"label,score\n0,1\n2,2\n", "label must be 0"),
    "one class": (b"label,score\n" + b"1,0.5\n" * 50, "at least 10 of each"),
    "negative mass": (b"label,score,mass\n" + b"0,1,50\n1,2,-3\n" * 10, "mass must be"),
    "wide": ((",".join(f"c{i}" for i in range(500)) + "\n").encode(), "column limit"),
}


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_every_bad_scores_file_gets_one_clear_message(kind):
    data, expected = BAD_FILES[kind]
    with pytest.raises(InputError) as error:
        user_tagger.parse_scores(data, "my.csv")
    message = str(error.value)
    assert expected in message and "my.csv" in message and "\n" not in message and len(message) < 400, message


def test_too_many_rows_is_refused(monkeypatch):
    monkeypatch.setattr(user_tagger, "MAX_ROWS", 100)
    with pytest.raises(InputError, match="more than 100 rows"):
        user_tagger.parse_scores(b"label,score\n" + b"0,1\n1,2\n" * 60)


def test_cli_scores_json_and_bad_files(tmp_path, capsys):
    path = tmp_path / "tagger.csv"
    path.write_bytes(_gaussian_scores(2000))
    assert cli.main(["ae-roc", "--scores", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"auc", "rejection", "n_signal", "n_background"} <= set(out) and set(out["rejection"]) == {"0.3", "0.5"}
    expected = user_tagger.evaluate(user_tagger.parse_scores(path.read_bytes()))
    assert out["auc"] == pytest.approx(expected.roc.auc) and out["n_signal"] == 2000 == out["n_background"]
    assert out["rejection"]["0.3"] == pytest.approx(expected.rejections["0.3"]) and "auc_mass" in out
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"label,score\n0,1\n3,2\n")
    for args in (["--scores", str(bad)], ["--scores", str(tmp_path / "missing.csv")],
                 ["--scores", str(path), "--save-asset"]):
        assert _exit_status(["ae-roc", *args, "--json"]) == 2
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err


def test_the_pages_scores_download_reads_back_as_an_upload(tmp_cache):
    result = experiments.run(TOP_TAGGING, TopTaggingConfig(n_train=300, n_test=300, epochs=1, classifier_epochs=1))
    frame = plots.scores_frame(result)
    data = ui.spreadsheet_safe(frame).to_csv(index=False).encode()   # exactly what ui.download_csv offers
    report = user_tagger.evaluate_bytes(data)
    assert report.roc.auc == pytest.approx(result.auc, abs=1e-12)
    assert report.rejections == pytest.approx(result.rejections["autoencoder"])
    assert (report.n_signal, report.n_background) == (300, 300)
    assert report.mass_direction == "heavier" and report.mass_roc.auc == pytest.approx(result.rocs["mass"].auc)


# -- ONNX autoencoder ---------------------------------------------------------------------------------------

def _export(model: torch.nn.Module, example: torch.Tensor, dynamic: bool = True) -> bytes:
    buffer = io.BytesIO()
    axes = {"images": {0: "batch"}, "reconstruction": {0: "batch"}} if dynamic else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # the TorchScript exporter, which users still have
        torch.onnx.export(model.eval(), example, buffer, input_names=["images"], output_names=["reconstruction"],
                          dynamic_axes=axes, dynamo=False)
    return buffer.getvalue()


class _Flat(torch.nn.Module):
    """A dense autoencoder on flattened images: [batch, 1600] in and out."""

    def __init__(self):
        super().__init__()
        self.inner = DenseJetAutoencoder(8)

    def forward(self, x):
        return self.inner(x.reshape(-1, 1, 40, 40)).reshape(-1, 1600)


def test_onnx_autoencoder_reconstructs_like_torch_in_each_layout():
    torch.manual_seed(0)
    images = np.random.default_rng(1).random((300, 40, 40), dtype=np.float32)
    conv = ConvJetAutoencoder(6)
    for model, example in ((conv, torch.zeros(1, 1, 40, 40)), (_Flat(), torch.zeros(1, 1600))):
        loaded = onnx_autoencoder.parse(_export(model, example), "ae.onnx")
        with torch.no_grad():
            expected = model(torch.as_tensor(images).reshape(len(images), *example.shape[1:])).reshape(-1, 40, 40)
        np.testing.assert_allclose(loaded.reconstruct(images), expected.numpy(), atol=1e-5)
        assert loaded.seconds_per_image > 0


def test_every_bad_onnx_file_gets_one_clear_message():
    torch.manual_seed(0)
    fixed_batch = _export(ConvJetAutoencoder(4), torch.zeros(2, 1, 40, 40), dynamic=False)
    wrong_size = _export(torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(28 * 28, 28 * 28)),
                         torch.zeros(1, 1, 28, 28))
    short_output = _export(torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(1600, 3)), torch.zeros(1, 1, 40, 40))
    cases = {
        "empty": (b"", "is empty"),
        "too large": (b"\x00" * (onnx_autoencoder.MAX_ONNX_BYTES + 1), "at most 20 MB"),
        "not onnx": (b"label,score\n0,1\n", "not a model onnxruntime can load"),
        "fixed batch": (fixed_batch, "fixed batch of 2"),
        "28x28 images": (wrong_size, "a jet-image autoencoder takes one of"),
        "3 outputs per image": (short_output, "1600 floats per image"),
    }
    for kind, (data, expected) in cases.items():
        with pytest.raises(InputError) as error:
            onnx_autoencoder.parse(data, "ae.onnx")
        message = str(error.value)
        assert expected in message and "\n" not in message and len(message) < 400, (kind, message)
    with pytest.raises(InputError, match="no longer stored"):
        onnx_autoencoder.content("0" * 64)


def test_onnx_autoencoder_scored_on_the_built_in_jets(tmp_cache, tmp_path, capsys):
    torch.manual_seed(3)
    model = ConvJetAutoencoder(10)
    data = _export(model, torch.zeros(1, 1, 40, 40))
    digest, _ = onnx_autoencoder.accept(data, "ae.onnx")
    config = OnnxScoringConfig(onnx_sha256=digest, n_test=400, seed=5)
    result = experiments.run(ONNX_SCORING, config)
    # the same images through the torch model give the same scores
    from ganplify_core.jets import get_jets, jet_images
    images = np.sqrt(jet_images(get_jets("top", 400, seed=5, source="toy"), normalise=True))[:, None]
    with torch.no_grad():
        expected = reconstruction_error(torch.as_tensor(images), model(torch.as_tensor(images))).numpy()
    np.testing.assert_allclose(result.anomaly_scores, expected, rtol=1e-4)
    assert result.auc == pytest.approx(roc.auc(result.normal_scores, result.anomaly_scores))
    assert result.rejections["yours"]["0.5"] == pytest.approx(roc.rejection_at(result.normal_scores,
                                                                               result.anomaly_scores, 0.5))
    assert plots.auc_table(result)["tagger"].tolist() == ["your autoencoder (ONNX)", "jet mass"]
    path = tmp_path / "ae.onnx"
    path.write_bytes(data)
    assert cli.main(["ae-onnx", "--onnx", str(path), "--n-test", "400", "--seed", "5", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["auc"] == pytest.approx(result.auc) and out["n_signal"] == 400 and set(out["rejection"]) == {"0.3", "0.5"}
    for args in (["--onnx", str(tmp_path / "none.onnx")], ["--onnx", str(path), "--n-test", "5"]):
        assert _exit_status(["ae-onnx", *args, "--json"]) == 2
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    with pytest.raises(InputError, match="upload your autoencoder"):
        OnnxScoringConfig(onnx_sha256="nope").validate()


def test_onnx_autoencoder_scored_on_an_uploaded_jets_file(tmp_cache, tmp_path, capsys):
    from ganplify_core.jets import files, get_jets

    torch.manual_seed(4)
    data = _export(ConvJetAutoencoder(10), torch.zeros(1, 1, 40, 40))
    digest, _ = onnx_autoencoder.accept(data, "ae.onnx")
    built_in = {c: get_jets(c, 300, seed=2, source="toy") for c in ("qcd", "top")}
    jets_file = files.jets_to_npz(built_in)   # JetNet's layout with class names qcd and top (the home page's download)
    jets_digest = files.store_upload(jets_file, "jetnet", name="jets.npz")
    config = OnnxScoringConfig(onnx_sha256=digest, jets_sha256=jets_digest, jets_format="jetnet", n_test=200)
    result = experiments.run(ONNX_SCORING, config)
    assert len(result.normal_scores) == len(result.anomaly_scores) == 200
    # the same jets as the built-in ones, read back: the same masses and nearly the same scores
    same = experiments.run(ONNX_SCORING, OnnxScoringConfig(onnx_sha256=digest, n_test=300, seed=2))
    np.testing.assert_allclose(result.normal_mass, same.normal_mass[:200], rtol=1e-3)
    np.testing.assert_allclose(result.anomaly_scores, same.anomaly_scores[:200], rtol=0.05)
    # a file without top jets is refused with one message
    only_qcd = files.store_upload(files.jets_to_npz({"qcd": built_in["qcd"]}), "jetnet", name="qcd.npz")
    with pytest.raises(InputError, match="scoring needs QCD and top jets"):
        experiments.run(ONNX_SCORING, config.replace(jets_sha256=only_qcd))
    with pytest.raises(InputError, match="jets_format"):
        config.replace(jets_format="csv").validate()
    model_path, jets_path = tmp_path / "ae.onnx", tmp_path / "jets.npz"
    model_path.write_bytes(data)
    jets_path.write_bytes(jets_file)
    args = ["ae-onnx", "--onnx", str(model_path), "--jets", str(jets_path), "--jets-format", "jetnet", "--n-test", "200",
            "--json"]
    assert cli.main(args) == 0
    assert json.loads(capsys.readouterr().out)["auc"] == pytest.approx(result.auc)
