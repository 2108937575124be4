"""The data sets whose features the page ranks: a table of features, a target, and the task.

- ``calibration``: a synthetic electron-energy calibration in the spirit of the lecture's example
  (the regression that corrects a calorimeter cluster's raw energy to the electron's true energy).
  The generating formula is known (see :func:`electron_calibration`), so the true relevance of each
  feature is known too.
- ``height``: the lecture's toy, height at age 20 from height at age 10 and socks owned at age 10.
- ``diabetes`` and ``breast_cancer``: scikit-learn's bundled data sets (offline).
- ``jets``: top vs QCD jets from the shared jet module's observables.
- an uploaded CSV (:func:`parse_feature_csv`): numeric columns only, never unpickled.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from ganplify_core.errors import InputError
from ganplify_core.seeding import make_rng

DATASETS = ("calibration", "height", "diabetes", "breast_cancer", "jets")
MIN_CSV_ROWS = 50
MAX_ROWS = 100_000
MAX_FEATURES = 50  # an uploaded table's features: SHAP interactions and the kernel explainer grow as d²
# Features of each built-in data set and the rows it has (None: as many as asked), for time estimates.
N_FEATURES = {"calibration": 10, "height": 2, "diabetes": 10, "breast_cancer": 30, "jets": 8}
ROWS_AVAILABLE = {"calibration": None, "height": None, "diabetes": 442, "breast_cancer": 569, "jets": None}


@dataclasses.dataclass(frozen=True)
class FeatureTable:
    """Features ``X`` (n, d), target ``y`` (n,), and what they mean.

    ``task`` is ``"regression"`` or ``"classification"`` (binary, ``y`` in {0, 1}).
    ``true_relevance`` maps each feature to its role in the generating formula, when it is known;
    ``units`` maps a feature (or the target) to its unit, where the data set knows it ("" for a pure
    number such as a fraction or a count).
    """

    name: str
    X: np.ndarray
    y: np.ndarray
    feature_names: tuple[str, ...]
    target_name: str
    task: str
    description: str
    true_relevance: dict | None = None
    units: dict | None = None

    def label(self, name: str) -> str:
        """``"E_raw [GeV]"``: a feature's (or the target's) name with its unit, where one is known."""
        return with_unit(name, (self.units or {}).get(name))

    @property
    def irrelevant_features(self) -> tuple[str, ...]:
        """Features the generating formula does not use (empty when the formula is unknown)."""
        if not self.true_relevance:
            return ()
        return tuple(f for f, role in self.true_relevance.items() if role.startswith("irrelevant"))

    def frame(self) -> pd.DataFrame:
        """Features and target as one DataFrame (for previews and downloads)."""
        frame = pd.DataFrame(self.X, columns=list(self.feature_names))
        frame[self.target_name] = self.y
        return frame


# -- synthetic electron-energy calibration -----------------------------------------------------------

CALIBRATION_RELEVANCE = {
    "E_raw": "relevant: the energy dependence of upstream loss, leakage and the pile-up share",
    "eta": "relevant: material in front of the calorimeter grows with |η| and so does the energy lost in it",
    "f_presampler": "relevant: measures, event by event, the energy lost upstream",
    "f_strips": "relevant: the strip layer samples energy differently, so the response depends on the strip fraction",
    "f_back": "relevant: the back-layer fraction measures longitudinal leakage",
    "mu": "relevant: the expected pile-up adds energy; shares this with n_vertices",
    "n_vertices": "relevant: counts the actual pile-up interactions; correlated with mu",
    "phi": "irrelevant: the detector is symmetric in azimuth",
    "socks_owned_at_10": "irrelevant: the lecture's favourite useless feature",
    "day_of_week": "irrelevant: nothing in the generator depends on it",
}


CALIBRATION_UNITS = {"E_raw": "GeV", "eta": "", "f_presampler": "", "f_strips": "", "f_back": "", "mu": "",
                     "n_vertices": "", "phi": "rad", "socks_owned_at_10": "", "day_of_week": "", "E_true/E_raw": ""}
HEIGHT_UNITS = {"height_at_10_cm": "cm", "socks_owned_at_10": "", "height_at_20_cm": "cm"}
JET_UNITS = {"mass": "GeV", "pt": "GeV", "n_constituents": "", "tau1": "", "tau2": "", "tau3": "", "tau21": "", "tau32": ""}


def with_unit(name: str, unit: str | None) -> str:
    """``"E_raw [GeV]"``; the bare name for a pure number or an unknown unit."""
    return f"{name} [{unit}]" if unit else name


def electron_calibration(n: int, seed: int = 0) -> FeatureTable:
    """Synthetic electron clusters: predict the calibration factor :math:`c = E_{true}/E_{raw}`.

    Generating formula (per electron; all random draws independent unless stated):

    - :math:`E_{true}` log-uniform in [10, 300] GeV; :math:`\\eta \\sim U(-2.4, 2.4)`,
      :math:`\\phi \\sim U(-\\pi, \\pi)`.
    - Upstream material :math:`X(\\eta) = 0.5 + 2\\,(|\\eta|/2.4)^2` radiation lengths; the fraction lost in
      it :math:`f_{lost} = 0.04\\,X\\,(E_{true}/50)^{-0.2}\\,(1 + 0.25 z_1)`, :math:`z_1 \\sim N(0,1)`
      (shower-to-shower fluctuation).
    - Presampler fraction :math:`f_{ps} = 0.6 f_{lost} (1 + 0.15 z_2) + 0.005 z_3` (it samples the
      upstream shower: an event-by-event measurement of the loss).
    - Longitudinal leakage :math:`f_{leak} = 0.02\\,(E_{true}/100)^{0.5}(1 + 0.3 z_4)`; back-layer
      fraction :math:`f_{back} = 0.5 f_{leak} + 0.01 + 0.002 z_5`.
    - Strip fraction :math:`f_{strips} = 0.28 - 0.03\\ln(E_{true}/10) + 0.5 f_{lost} + 0.02 z_6`.
    - Pile-up: :math:`\\mu \\sim U(10, 70)`, actual interactions :math:`n_{int} \\sim
      \\mathrm{Poisson}(\\mu)`, reconstructed vertices :math:`n_{vtx} \\sim \\mathrm{Binomial}(n_{int},
      0.6)`; pile-up energy in the cluster :math:`E_{pu} = 0.05\\,n_{int}` GeV.
    - Raw energy :math:`E_{raw} = E_{true}(1 - f_{lost})(1 - f_{leak})\\,r\\,(1 + \\sigma z_7) + E_{pu}` with
      the layer response :math:`r = 1 - 0.3 (f_{strips} - 0.25)` (the strips sample differently) and
      sampling resolution :math:`\\sigma = 0.10/\\sqrt{E_{true}} \\oplus 0.005`.
    - Irrelevant: ``phi``, ``socks_owned_at_10`` ~ Poisson(12), ``day_of_week`` uniform in 0..6.

    Target: :math:`c = E_{true} / E_{raw}`; a model's calibrated energy is :math:`c\\,E_{raw}`.
    The numbers are illustrative (ATLAS-like orders of magnitude), not a detector description.

    Source: the lecture's example of an ML energy calibration (seed 002); ATLAS Collaboration,
    "Electron and photon energy calibration", JINST 14 (2019) P03017 (for the ingredients).
    """
    rng = make_rng(seed)
    z = rng.standard_normal((7, n))
    e_true = np.exp(rng.uniform(np.log(10.0), np.log(300.0), n))
    eta = rng.uniform(-2.4, 2.4, n)
    phi = rng.uniform(-np.pi, np.pi, n)
    material = 0.5 + 2.0 * (np.abs(eta) / 2.4) ** 2
    f_lost = np.clip(0.04 * material * (e_true / 50.0) ** -0.2 * (1 + 0.25 * z[0]), 0.0, 0.6)
    f_presampler = 0.6 * f_lost * (1 + 0.15 * z[1]) + 0.005 * z[2]
    f_leak = np.clip(0.02 * np.sqrt(e_true / 100.0) * (1 + 0.3 * z[3]), 0.0, 0.3)
    f_back = 0.5 * f_leak + 0.01 + 0.002 * z[4]
    f_strips = 0.28 - 0.03 * np.log(e_true / 10.0) + 0.5 * f_lost + 0.02 * z[5]
    mu = rng.uniform(10.0, 70.0, n)
    n_interactions = rng.poisson(mu)
    n_vertices = rng.binomial(n_interactions, 0.6)
    e_pileup = 0.05 * n_interactions
    resolution = np.hypot(0.10 / np.sqrt(e_true), 0.005)
    layer_response = 1 - 0.3 * (f_strips - 0.25)
    e_raw = e_true * (1 - f_lost) * (1 - f_leak) * layer_response * (1 + resolution * z[6]) + e_pileup
    socks = rng.poisson(12.0, n)
    day = rng.integers(0, 7, n)
    columns = {
        "E_raw": e_raw, "eta": eta, "f_presampler": f_presampler, "f_strips": f_strips, "f_back": f_back,
        "mu": mu, "n_vertices": n_vertices, "phi": phi, "socks_owned_at_10": socks, "day_of_week": day,
    }
    return FeatureTable(
        name="calibration",
        X=np.column_stack([np.asarray(v, dtype=np.float64) for v in columns.values()]),
        y=e_true / e_raw,
        feature_names=tuple(columns),
        target_name="E_true/E_raw",
        task="regression",
        description="Synthetic electron clusters: predict the calibration factor E_true/E_raw from detector "
                    "features; the generating formula is known, so is each feature's true relevance.",
        true_relevance=dict(CALIBRATION_RELEVANCE),
        units=dict(CALIBRATION_UNITS),
    )


def height_and_socks(n: int, seed: int = 0) -> FeatureTable:
    """The lecture's toy: height at age 20 (cm) from height at age 10 (cm) and socks owned at age 10.

    :math:`h_{10} \\sim N(140, 7^2)`, :math:`h_{20} = 1.25\\,h_{10} + N(0, 4^2)` cm, socks ~ Poisson(12)
    independent of both: socks are irrelevant by construction.
    """
    rng = make_rng(seed)
    height_10 = rng.normal(140.0, 7.0, n)
    socks = rng.poisson(12.0, n).astype(np.float64)
    height_20 = 1.25 * height_10 + rng.normal(0.0, 4.0, n)
    return FeatureTable(
        name="height", X=np.column_stack([height_10, socks]), y=height_20,
        feature_names=("height_at_10_cm", "socks_owned_at_10"), target_name="height_at_20_cm",
        task="regression",
        description="The lecture's toy: height at 20 from height at 10 (relevant) and socks owned at 10 (irrelevant).",
        true_relevance={"height_at_10_cm": "relevant: h20 = 1.25 h10 + noise",
                        "socks_owned_at_10": "irrelevant: drawn independently"},
        units=dict(HEIGHT_UNITS),
    )


def sklearn_table(name: str, n: int, seed: int = 0) -> FeatureTable:
    """scikit-learn's bundled ``diabetes`` (regression) or ``breast_cancer`` (binary) data, up to ``n`` rows."""
    from sklearn import datasets

    if name == "diabetes":
        bunch = datasets.load_diabetes()
        task, target, text = "regression", "disease_progression", "scikit-learn diabetes: disease progression after one year (442 patients, 10 features)."
    else:
        bunch = datasets.load_breast_cancer()
        task, target, text = "classification", "benign", "scikit-learn breast cancer: benign (1) or malignant (0) from 30 cell-nucleus measurements (569 samples)."
    rows = make_rng(seed).permutation(len(bunch.target))[:n]
    return FeatureTable(name, np.asarray(bunch.data, dtype=np.float64)[rows], np.asarray(bunch.target, dtype=np.float64)[rows],
                        tuple(str(f).replace(" ", "_") for f in bunch.feature_names), target, task, text)


def top_vs_qcd_jets(n: int, seed: int = 0) -> FeatureTable:
    """Top (1) vs QCD (0) jets, ``n // 2`` of each, described by the jet module's observables."""
    try:
        from ganplify_core.jets import OBSERVABLES, get_jets
    except ImportError:
        raise InputError("the jets data set needs the shared jet module (ganplify_core.jets), which is not installed yet") from None
    half = max(n // 2, 1)
    top = get_jets("top", half, seed=seed)
    qcd = get_jets("qcd", half, seed=seed + 1)
    X = np.vstack([np.column_stack([np.asarray(j.observables[o], dtype=np.float64) for o in OBSERVABLES]) for j in (top, qcd)])
    y = np.concatenate([np.ones(half), np.zeros(half)])
    order = make_rng(seed).permutation(len(y))
    return FeatureTable("jets", X[order], y[order], tuple(OBSERVABLES), "is_top", "classification",
                        "Toy jets: top (1) vs QCD (0) from jet observables (mass, pT, constituent count, N-subjettiness τ1..τ3 and ratios).",
                        units=dict(JET_UNITS))


def load_dataset(name: str, n: int = 5000, seed: int = 0) -> FeatureTable:
    """The named data set with (up to) ``n`` rows."""
    if name == "calibration":
        return electron_calibration(n, seed)
    if name == "height":
        return height_and_socks(n, seed)
    if name in ("diabetes", "breast_cancer"):
        return sklearn_table(name, n, seed)
    if name == "jets":
        return top_vs_qcd_jets(n, seed)
    raise InputError(f"unknown data set '{name}'; choose one of {', '.join(DATASETS)} (or upload a CSV on the page)")


# -- bring your own CSV -----------------------------------------------------------------------------

def parse_feature_csv(content: bytes, target: str | None = None, name: str = "upload") -> FeatureTable:
    """Features and target from CSV bytes: numeric columns only, the target last unless named.

    The file is read by the clustering page's safe reader
    (:func:`ganplify_core.clustering.csv_input.parse_csv`: text only, never unpickled; at most 20 MB
    and 100 000 rows; binary, non-UTF-8, ragged or empty files refused). A target with exactly two
    distinct values is a binary classification (mapped to 0/1 in sorted order); any other target is
    a regression.

    Raises
    ------
    InputError
        What the reader refuses, and: fewer than two or more than ``MAX_FEATURES + 1`` numeric columns, a NaN or infinite value in a
        numeric column, fewer than 50 rows, an unknown target column.
    """
    from ganplify_core.clustering.csv_input import parse_csv

    try:
        parsed = parse_csv(content, name)
    except InputError as exc:  # the shared reader speaks of clustering; say what ranking needs
        message = str(exc)
        if "Clustering needs" in message:
            message = message.split("Clustering needs")[0] + ("Feature ranking needs at least two numeric columns "
                                                              "(one or more features and a target).")
        raise InputError(message) from None
    columns = list(parsed.numeric_columns)
    numeric = set(columns)  # a set: `in` on the list made this quadratic in the columns
    dropped = [c for c in parsed.columns if c not in numeric]
    if len(columns) < 2:
        raise InputError(f"{name} needs at least two numeric columns (one or more features and a target); "
                         f"found {len(columns)}" + (f" (not numeric: {', '.join(dropped[:5])})" if dropped else ""))
    if len(columns) > MAX_FEATURES + 1:
        raise InputError(f"{name} has {len(columns)} numeric columns; at most {MAX_FEATURES} features and a target "
                         "can be ranked here (SHAP interactions grow as the square of the features): keep the "
                         "columns you want ranked")
    values = parsed.frame[columns].to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values)
    if bad.any():
        column = columns[int(np.argmax(bad.any(axis=0)))]
        raise InputError(f"{name} has {int(bad.sum())} missing or infinite value(s) (first in column '{column}'); "
                         "remove or fill them before uploading")
    if len(values) < MIN_CSV_ROWS:
        raise InputError(f"{name} has {len(values)} rows; at least {MIN_CSV_ROWS} are needed to train and test a model")
    target = columns[-1] if target in (None, "") else target
    if target not in columns:
        raise InputError(f"target column '{str(target)[:40]}' is not a numeric column of {name}; numeric columns: {', '.join(columns)}")
    t = columns.index(target)
    y = values[:, t]
    classes = np.unique(y)
    task = "classification" if len(classes) == 2 else "regression"
    if task == "classification":
        y = (y == classes[1]).astype(np.float64)
    features = tuple(c for i, c in enumerate(columns) if i != t)
    return FeatureTable(name, np.delete(values, t, axis=1), y, features, target, task,
                        f"Uploaded CSV: {len(y)} rows, {len(features)} numeric features, target '{target}' ({task})."
                        + (f" Ignored non-numeric column(s): {', '.join(dropped[:10])}"
                           f"{f' and {len(dropped) - 10} more' if len(dropped) > 10 else ''}." if dropped else ""))
