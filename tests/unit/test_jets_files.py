"""Jets from the user's files (ganplify_core.jets.files): each format written here, read back, and compared with
the same jets through the built-in path (sample.assemble); every way a file can be wrong is one InputError."""

from __future__ import annotations

import io
import pickle

import h5py
import numpy as np
import pytest

from ganplify_core.errors import InputError
from ganplify_core.jets import files
from ganplify_core.jets.files import MAX_UPLOAD_BYTES, jets_to_npz, read_jets
from ganplify_core.jets.observables import OBSERVABLES, whole_jet_summary
from ganplify_core.jets.preprocessing import leading_constituents, wrap_phi
from ganplify_core.jets.sample import N_CONSTITUENTS, JetSample, assemble
from ganplify_core.jets.shower import ToyShowerConfig, eta_phi, generate_particles

N = 40  # jets per class


def _toy_jets(process: str, n: int = N, seed: int = 0, n_max: int = 200):
    """Padded (pt, Δη, Δφ, mask) of every particle within R of toy jets (up to n_max), and the built-in sample."""
    config = ToyShowerConfig()
    particles = generate_particles(process, n, config, np.random.default_rng(seed))
    pt, eta, phi = eta_phi(particles.p)
    inside = eta**2 + phi**2 < config.radius**2
    jet, pt, eta, phi = particles.jet[inside], pt[inside], eta[inside], phi[inside]
    whole = whole_jet_summary(jet, pt, eta, phi, n)
    everything = leading_constituents(jet, pt, eta, phi, n, n_max)
    assert everything[3].sum(1).max() < n_max, "every particle is written"
    builtin = assemble(*leading_constituents(jet, pt, eta, phi, n, N_CONSTITUENTS), process, "toy", whole)
    return everything, whole, builtin


@pytest.fixture(scope="module")
def toy():
    return {"qcd": _toy_jets("qcd", seed=1), "top": _toy_jets("top", seed=2)}


def _assert_same_jets(got: JetSample, expected: JetSample, rtol: float = 1e-4) -> None:
    assert len(got) == len(expected) and got.source == "file"
    np.testing.assert_array_equal(got.mask, expected.mask)
    for name in OBSERVABLES:
        np.testing.assert_allclose(got.observables[name], expected.observables[name], rtol=rtol, atol=1e-4 * (
            name.startswith("tau") or 1), err_msg=name)
    np.testing.assert_allclose(got.pt, expected.pt, rtol=rtol, atol=1e-4)
    for name in ("eta", "phi"):
        np.testing.assert_allclose(getattr(got, name), getattr(expected, name), atol=2e-4, err_msg=name)


def _absolute(pt, eta, phi, mask, seed: int):
    """The constituents placed around a random jet axis (η₀ ∈ [−2, 2], φ₀ anywhere), φ wrapped."""
    rng = np.random.default_rng(seed)
    eta0, phi0 = rng.uniform(-2, 2, (len(pt), 1)), rng.uniform(-np.pi, np.pi, (len(pt), 1))
    return np.where(mask, eta + eta0, 0.0), np.where(mask, wrap_phi(phi + phi0), 0.0)


def _four_momenta(toy_entry, seed: int, dtype=np.float64) -> np.ndarray:
    (pt, eta, phi, mask), _, _ = toy_entry
    eta, phi = _absolute(pt, eta, phi, mask, seed)
    p4 = np.stack([pt * np.cosh(eta), pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)], axis=2)
    return np.where(mask[:, :, None], p4, 0.0).astype(dtype)  # (n, P, 4) = E, PX, PY, PZ


def _toptagging_table(toy, dtype=np.float64, n_particles: int = 200):
    """(column names, float values (rows, 4P + 1), is_signal_new (rows,)): QCD rows then top rows."""
    rows = np.concatenate([_four_momenta(toy["qcd"], 11, dtype), _four_momenta(toy["top"], 12, dtype)])
    rows = rows[:, :n_particles].reshape(len(rows), -1)  # E_0, PX_0, PY_0, PZ_0, E_1, …
    names = [f"{k}_{i}" for i in range(n_particles) for k in ("E", "PX", "PY", "PZ")]
    truth = np.zeros((len(rows), 1), dtype=dtype)
    labels = np.repeat([0, 1], N)
    return names + ["truth_E"], np.concatenate([rows, truth], axis=1), labels


def write_fixed(path, names, values, labels, label_name: str = "is_signal_new") -> None:
    """pandas' "fixed" layout (DataFrame.to_hdf(key="table")), written with h5py: one block per dtype."""
    with h5py.File(path, "w") as f:
        g = f.create_group("table")
        g.attrs.update({"pandas_type": b"frame", "pandas_version": b"0.15.2", "ndim": 2, "nblocks": 2})
        g["axis0"] = np.array(names + [label_name], dtype="S")
        g["axis1"] = np.arange(len(values), dtype=np.int64)
        g["block0_items"] = np.array(names, dtype="S")
        g["block0_values"] = values
        g["block1_items"] = np.array([label_name], dtype="S")
        g["block1_values"] = np.asarray(labels)[:, None]  # int64 as pandas writes it (a float label in a test)


def write_table(path, names, values, labels, protocol: int | str = 0) -> None:
    """pandas' "table" layout (format="table"): a compound dataset whose column names are pickled attributes."""
    dtype = np.dtype([("index", np.int64), ("values_block_0", values.dtype, (values.shape[1],)),
                      ("values_block_1", np.int64, (1,))])
    rows = np.zeros(len(values), dtype=dtype)
    rows["index"] = np.arange(len(values))
    rows["values_block_0"] = values
    rows["values_block_1"] = labels[:, None]
    with h5py.File(path, "w") as f:
        g = f.create_group("table")
        g.attrs["pandas_type"] = b"frame_table"
        table = g.create_dataset("table", data=rows)
        for field, kind in (("values_block_0", names), ("values_block_1", ["is_signal_new"])):
            if protocol == "strings":  # names as an array of strings (not pickled)
                table.attrs[f"{field}_kind"] = np.array(kind, dtype="S")
            elif protocol == 0:  # ASCII text: stored as a string attribute
                table.attrs[f"{field}_kind"] = np.bytes_(pickle.dumps(kind, protocol=0))
            else:
                table.attrs[f"{field}_kind"] = np.void(pickle.dumps(kind, protocol=protocol))


@pytest.mark.parametrize("layout", ["fixed", "table", "table-strings"])
def test_toptagging_layout_gives_the_builtin_observables(toy, tmp_path, layout):
    names, values, labels = _toptagging_table(toy)
    path = tmp_path / "top.h5"
    if layout == "fixed":
        write_fixed(path, names, values, labels)
    else:
        write_table(path, names, values, labels, protocol="strings" if layout == "table-strings" else 0)
    classes = read_jets(path, "toptagging")
    assert list(classes) == ["qcd", "top"]
    for process in classes:
        _assert_same_jets(classes[process], toy[process][2])


def test_toptagging_float32_as_published_is_close(toy, tmp_path):
    names, values, labels = _toptagging_table(toy, np.float32)
    write_table(tmp_path / "t.h5", names, values, labels, protocol=2)
    top = read_jets((tmp_path / "t.h5").read_bytes(), "toptagging")["top"]  # bytes, as an upload
    expected = toy["top"][2]
    np.testing.assert_allclose(top.observables["mass"], expected.observables["mass"], rtol=1e-3)
    assert np.median(np.abs(top.observables["tau32"] - expected.observables["tau32"])) < 1e-3
    np.testing.assert_array_equal(top.observables["n_constituents"], expected.observables["n_constituents"])


def test_max_jets_reads_the_first_jets(toy, tmp_path):
    names, values, labels = _toptagging_table(toy)
    write_fixed(tmp_path / "t.h5", names, values, labels)
    classes = read_jets(tmp_path / "t.h5", "toptagging", max_jets=15)
    assert list(classes) == ["qcd"] and len(classes["qcd"]) == 15
    np.testing.assert_allclose(classes["qcd"].observables["mass"], toy["qcd"][2].observables["mass"][:15], rtol=1e-6)


def test_a_label_column_of_other_values_names_its_classes(toy, tmp_path):
    names, values, _ = _toptagging_table(toy)
    write_fixed(tmp_path / "t.h5", names, values, np.arange(2 * N) % 3, label_name="ttv")
    classes = read_jets(tmp_path / "t.h5", "toptagging", label="ttv")
    assert list(classes) == ["ttv=0", "ttv=1", "ttv=2"] and sum(map(len, classes.values())) == 2 * N


# -- JetNet ---------------------------------------------------------------------------------------------------

def _jetnet_arrays(toy, relative: bool = True, jet_features: bool = True):
    particles, jets, types = [], [], []
    for type_code, process in ((0, "qcd"), (2, "top")):
        _, whole, builtin = toy[process]
        (pt, eta, phi, mask) = leading_constituents_of(toy[process])
        scale = whole["pt"][:, None] if relative else 1.0
        particles.append(np.stack([eta, phi, np.where(mask, pt / scale, 0.0), mask], axis=2))
        jets.append(np.stack([np.full(N, type_code), whole["pt"], np.zeros(N), whole["mass"], whole["n_constituents"]], 1))
        types.append(type_code)
    out = {"particle_features": np.concatenate(particles)}
    if jet_features:
        out["jet_features"] = np.concatenate(jets)
    return out


def leading_constituents_of(entry):
    (pt, eta, phi, mask), _, _ = entry
    return pt[:, :N_CONSTITUENTS], eta[:, :N_CONSTITUENTS], phi[:, :N_CONSTITUENTS], mask[:, :N_CONSTITUENTS]


@pytest.mark.parametrize("container", ["npz", "h5"])
def test_jetnet_arrays_with_jet_features_give_the_builtin_observables(toy, tmp_path, container):
    arrays = _jetnet_arrays(toy)
    path = tmp_path / f"jets.{container}"
    if container == "npz":
        np.savez(path, **arrays)
    else:
        with h5py.File(path, "w") as f:
            for key, value in arrays.items():
                f[key] = value
    classes = read_jets(path, "jetnet")
    assert list(classes) == ["gluon", "top"]  # JetNet's type codes 0 and 2
    _assert_same_jets(classes["gluon"], toy["qcd"][2])
    _assert_same_jets(classes["top"], toy["top"][2])


def test_jetnet_absolute_pt_without_jet_features_uses_the_given_particles(toy):
    arrays = _jetnet_arrays(toy, relative=False, jet_features=False)
    arrays["particle_features"] = arrays["particle_features"][:, :, :3]  # no mask feature: pT > 0
    buffer = io.BytesIO()
    np.savez(buffer, **arrays, is_top=np.repeat([0, 1], N))
    classes = read_jets(buffer.getvalue(), "jetnet", label="is_top")
    assert list(classes) == ["is_top=0", "is_top=1"]
    pt, eta, phi, mask = leading_constituents_of(toy["top"])
    _assert_same_jets(classes["is_top=1"], assemble(pt, eta, phi, mask, "top", "toy"))


def test_download_in_the_jetnet_layout_loads_back_as_the_same_jets(toy):
    shown = {p: toy[p][2] for p in ("qcd", "top")}
    data = jets_to_npz(shown)
    assert len(data) < MAX_UPLOAD_BYTES
    back = read_jets(data, "jetnet", name="jets.npz")
    assert list(back) == ["qcd", "top"]
    for process in back:
        _assert_same_jets(back[process], shown[process], rtol=2e-4)
    assert len(read_jets(jets_to_npz(shown, max_per_class=12), "jetnet")["top"]) == 12


# -- ROOT -----------------------------------------------------------------------------------------------------

def _write_root(path, toy, kind: str = "ptetaphi", prefix: str = "part_", label: str | None = "is_signal_new",
                rntuple: bool = False):
    import awkward as ak
    import uproot

    branches = {}
    rows = []
    for process, seed in (("qcd", 21), ("top", 22)):
        (pt, eta, phi, mask), _, _ = toy[process]
        eta, phi = _absolute(pt, eta, phi, mask, seed)
        rows.append((pt, eta, phi, mask))
    pt, eta, phi, mask = (np.concatenate([r[i] for r in rows]) for i in range(4))
    counts = mask.sum(1)
    jag = lambda a: ak.unflatten(a[mask], counts)  # noqa: E731 - the rows of a padded array, unpadded
    if kind == "ptetaphi":
        branches = {f"{prefix}pt": jag(pt), f"{prefix}eta": jag(eta), f"{prefix}phi": jag(phi)}
    else:
        branches = {f"{prefix}px": jag(pt * np.cos(phi)), f"{prefix}py": jag(pt * np.sin(phi)),
                    f"{prefix}pz": jag(pt * np.sinh(eta)), f"{prefix}energy": jag(pt * np.cosh(eta))}
    if label:
        branches[label] = np.repeat([0, 1], N).astype(np.int32)
    with uproot.recreate(path) as f:
        if rntuple:  # uproot's default for a dict of arrays
            f["jets"] = branches
        else:
            f.mktree("jets", {k: "var * float64" if isinstance(v, ak.Array) else "int32" for k, v in branches.items()})
            f["jets"].extend(branches)


@pytest.mark.parametrize("kind, rntuple", [("ptetaphi", False), ("p4", False), ("ptetaphi", True)])
def test_root_tree_gives_the_builtin_observables(toy, tmp_path, kind, rntuple):
    _write_root(tmp_path / "jets.root", toy, kind, rntuple=rntuple)
    classes = read_jets(tmp_path / "jets.root", "root")
    assert list(classes) == ["qcd", "top"]
    for process in classes:
        _assert_same_jets(classes[process], toy[process][2])


def test_root_branches_and_label_can_be_named(toy, tmp_path):
    _write_root(tmp_path / "j.root", toy, prefix="c", label="truth")
    with pytest.raises(InputError, match="no constituent branches"):
        read_jets(tmp_path / "j.root", "root")  # cpt, ceta, cphi: not found by name
    branches = files.parse_branches("pt=cpt, eta=ceta ,phi=cphi")
    classes = read_jets((tmp_path / "j.root").read_bytes(), "root", label="truth", branches=branches)
    assert list(classes) == ["truth=0", "truth=1"]
    _assert_same_jets(classes["truth=1"], toy["top"][2])
    unlabelled = read_jets(tmp_path / "j.root", "root", branches=branches)
    assert list(unlabelled) == ["jets"] and len(unlabelled["jets"]) == 2 * N


# -- every way a file can be wrong ------------------------------------------------------------------------------

def _fixed_file(tmp_path, toy, **change):
    names, values, labels = _toptagging_table(toy, n_particles=60)
    values, labels = change.get("values", values), change.get("labels", labels)
    write_fixed(tmp_path / "t.h5", change.get("names", names), values, labels)
    return tmp_path / "t.h5"


def test_bad_files_give_one_clear_message_each(toy, tmp_path):
    def fails(match, source, fmt="toptagging", **kw):
        with pytest.raises(InputError, match=match):
            read_jets(source, fmt, **kw)

    fails("not an HDF5 file", b"E_0,PX_0\n1,2\n" * 10)
    fails("is a ROOT file", b"root" + b"\0" * 100)
    fails("neither an .npz nor an HDF5", b"hello" * 10, "jetnet")
    fails("not a ROOT file.*choose 'jetnet'", b"PK\x03\x04" + b"\0" * 100, "root")
    fails("larger than the 20 MB upload limit", b"\0" * (MAX_UPLOAD_BYTES + 1))
    fails("is empty", b"")
    fails("no such file", tmp_path / "nothing.h5")
    fails("format must be one of", b"x", "csv")
    fails("max_jets must be", b"x", max_jets=0)
    fails("max_jets must be", b"x", max_jets=files.MAX_JETS + 1)
    fails("tree and branches apply", b"x", tree="t")
    with h5py.File(tmp_path / "other.h5", "w") as f:
        f["data"] = np.zeros(3)
    fails("no key 'table'", tmp_path / "other.h5")
    fails("no array 'particle_features'", tmp_path / "other.h5", "jetnet")
    names, values, labels = _toptagging_table(toy, n_particles=60)
    fails("column PY_7 is missing", _fixed_file(tmp_path, toy, names=[n if n != "PY_7" else "PQ_7" for n in names]))
    write_fixed(tmp_path / "nolabel.h5", names, values, labels, label_name="y")
    fails("no label column 'is_signal_new'.*--label", tmp_path / "nolabel.h5")
    nan = values.copy()
    nan[5, 9] = np.nan
    fails("jet 5 has a NaN or infinite PX_i", _fixed_file(tmp_path, toy, values=nan))
    fails("jet 2 has no constituents", _fixed_file(tmp_path, toy, values=np.where(np.arange(len(values))[:, None] == 2,
                                                                                  0.0, values)))
    fails("whole numbers", _fixed_file(tmp_path, toy, labels=np.full(len(labels), 0.5)))
    fails("holds 4 jets: at least 10", _fixed_file(tmp_path, toy, values=values[:4], labels=labels[:4]))
    with h5py.File(tmp_path / "grp.h5", "w") as f:
        f.create_group("table")["something"] = np.zeros(3)
    fails("not a pandas DataFrame", tmp_path / "grp.h5")

    # JetNet
    arrays = _jetnet_arrays(toy)

    def npz(**kw):
        buffer = io.BytesIO()
        np.savez(buffer, **{**arrays, **kw})
        return buffer.getvalue()
    fails("shape \\(80, 50\\)", npz(particle_features=arrays["particle_features"][:, :, 0]), "jetnet")
    fails("must hold numbers", npz(particle_features=arrays["particle_features"].astype(str)), "jetnet")
    fails("Python objects", npz(particle_features=np.array([None] * 20, dtype=object)), "jetnet")
    bad = arrays["particle_features"].copy()
    bad[7, 0, 0] = np.inf
    fails("jet 7 has a NaN or infinite η", npz(particle_features=bad), "jetnet")
    fails("jet_features has shape", npz(jet_features=arrays["jet_features"][:5]), "jetnet")
    no_jets = {k: v for k, v in arrays.items() if k != "jet_features"}
    buffer = io.BytesIO()
    np.savez(buffer, **no_jets)
    fails("look relative", buffer.getvalue(), "jetnet")
    fails("no label array 'y'", npz(), "jetnet", label="y")
    fails("label array 'labels' has shape", npz(labels=np.zeros(3)), "jetnet")

    # ROOT
    _write_root(tmp_path / "j.root", toy)
    fails("not a readable ROOT file", (tmp_path / "j.root").read_bytes()[:300], "root")
    fails("holds no TTree", b"root" + b"\0" * 100, "root")
    fails("no TTree 'events'", tmp_path / "j.root", "root", tree="events")
    fails("no label branch 'y'", tmp_path / "j.root", "root", label="y")
    fails("no branch 'nope'", tmp_path / "j.root", "root", branches={"pt": "nope", "eta": "part_eta", "phi": "part_phi"})
    fails("one number per entry", tmp_path / "j.root", "root",
          branches={"pt": "is_signal_new", "eta": "part_eta", "phi": "part_phi"})
    with pytest.raises(InputError, match="kind=branch"):
        files.parse_branches("pt,eta=b")


# -- the CLI ----------------------------------------------------------------------------------------------------

def test_cli_reads_a_file_and_prints_the_keys_per_class(toy, tmp_path, capsys):
    import json

    from ganplify_core.cli import main

    names, values, labels = _toptagging_table(toy)
    write_fixed(tmp_path / "top.h5", names, values, labels)
    out = tmp_path / "back.npz"
    assert main(["jets", "--input", str(tmp_path / "top.h5"), "--format", "toptagging", "--out", str(out), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["n"] == 2 * N and set(result["classes"]) == {"qcd", "top"}
    for process, entry in result["classes"].items():
        expected = toy[process][2].observables
        assert entry["process"] == process and entry["n"] == N
        for name in ("mass", "tau21", "tau32", "n_constituents"):
            assert entry[name]["mean"] == pytest.approx(float(expected[name].mean()), rel=1e-4), name
            assert set(entry[name]) == {"mean", "std"}
    assert main(["jets", "--input", str(out), "--format", "jetnet", "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["classes"]["top"]["mass"]["mean"] == pytest.approx(result["classes"]["top"]["mass"]["mean"], rel=1e-5)


@pytest.mark.parametrize("args, message", [
    (["--input", "{tmp}/missing.h5"], "missing.h5: no such file"),
    (["--input", "{tmp}/top.h5", "--format", "root"], "not a ROOT file"),
    (["--input", "{tmp}/top.h5", "--label", "kind"], "no label column 'kind'"),
    (["--input", "{tmp}/top.h5", "--max-jets", "0"], "use between 1 and 200000 jets"),
    (["--input", "{tmp}/top.h5", "--format", "csv"], "invalid choice"),
    (["--input", "{tmp}/top.h5", "--format", "root", "--branches", "pt"], "kind=branch"),
])
def test_cli_bad_files_exit_2_with_one_line(toy, tmp_path, capsys, args, message):
    from ganplify_core.cli import main

    names, values, labels = _toptagging_table(toy, n_particles=40)
    write_fixed(tmp_path / "top.h5", names, values, labels)
    try:
        code = main(["jets", *[a.format(tmp=tmp_path) for a in args], "--json"])
    except SystemExit as exc:
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1, err


def test_the_largest_download_fits_the_upload_limit_even_incompressible():
    """DOWNLOAD_MAX_JETS jets of random (incompressible) values and full jets: still under the 20 MB upload limit."""
    rng = np.random.default_rng(0)
    n = files.download_per_class(2)
    full = lambda: rng.random((n, N_CONSTITUENTS)).astype(np.float32)  # noqa: E731
    observables = {name: rng.random(n).astype(np.float32) for name in OBSERVABLES}
    classes = {p: JetSample(full(), full(), full(), np.ones((n, N_CONSTITUENTS), bool), observables, p, "file")
               for p in ("qcd", "top")}
    assert 2 * n == files.DOWNLOAD_MAX_JETS
    assert len(jets_to_npz(classes, n)) < MAX_UPLOAD_BYTES


def test_uploads_are_checked_before_they_are_stored(toy, tmp_cache):
    data = jets_to_npz({p: toy[p][2] for p in ("qcd", "top")})
    with pytest.raises(InputError, match="not an HDF5 file"):
        files.store_upload(data, "toptagging", name="jets.npz")
    assert not list(tmp_cache.rglob("*.npz"))
    digest = files.store_upload(data, "jetnet", name="jets.npz")
    assert files.uploaded_bytes(digest) == data
    with pytest.raises(InputError, match="SHA-256"):
        files.uploaded_bytes("../../etc/passwd")


def test_arrays_are_bounded_before_they_are_decompressed():
    """An .npz member's header is read first: a member that would unpack past MAX_ARRAY_BYTES is refused unread."""
    import zipfile

    def npz_with_header(shape, dtype="<f8") -> bytes:
        member = io.BytesIO()
        np.lib.format.write_array_header_2_0(member, {"descr": dtype, "fortran_order": False, "shape": shape})
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("particle_features.npy", member.getvalue())  # the header alone: no data follows
        return buffer.getvalue()

    big = (files.MAX_ARRAY_BYTES // (1000 * 60 * 8)) + 10
    with pytest.raises(InputError, match="GB once decompressed"):
        read_jets(npz_with_header((big, 1000, 60)), "jetnet")
    with pytest.raises(InputError, match="features per particle, more than 64"):
        read_jets(npz_with_header((100, 30, 65)), "jetnet")
    with pytest.raises(InputError, match="Python objects"):
        read_jets(npz_with_header((100, 30, 4), "|O"), "jetnet")
    assert files._chunk_rows(1000 * 64 * 8) < files.READ_CHUNK  # wide rows: fewer jets at a time
