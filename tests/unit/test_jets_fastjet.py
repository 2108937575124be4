"""Cross-check of N-subjettiness's axes against FastJet (issue 14.7); skipped where fastjet is not installed.

FastJet's Python bindings (the ``fastjet`` wheel, 3.5.2.0) carry no N-subjettiness: fjcontrib's
``Nsubjettiness`` is not among them (only ``RestFrameNSubjettinessTagger``, a different tool). So this
checks what our τ_N is built on, against ``fastjet.ClusterSequence(...).exclusive_jets(n)``:

1. :func:`~ganplify_core.jets.observables.exclusive_kt_axes` (exclusive kT on the 10 hardest constituents,
   d_ij = min(pT_i², pT_j²) ΔR², pT-weighted recombination in (η, φ)) equals FastJet's kT with R = 100
   (so the beam distance never wins) and ``pt_scheme`` recombination on the same constituents;
2. our minimised τ₁, τ₂, τ₃ against the τ_N of FastJet's exclusive-kT axes of *all* constituents with
   E-scheme recombination (N-subjettiness's ``KT_Axes``, before ``OnePass`` minimisation). A minimisation
   should not end above the standard axes it approximates; ours does for some jets, because its kT seeds
   use only the 10 hardest constituents. Measured (300 jets per class, seed 7): τ₁ at most FastJet's for
   99–100 % of jets, τ₂ for 92 % (QCD) to 98 % (W), τ₃ for 77 % (QCD), 84 % (W), 88 % (top), by up to 30–60 %
   in the worst 1 %. Seeding with kT on all 50 constituents makes it 100 % (at about 10× the kT cost); on the
   20 hardest, τ₃ 90 % (QCD) and 97 % (top). The test holds the present level so that it cannot get worse
   unnoticed; see docs/jets.md.

Install to run: ``pip install fastjet`` (not a dependency of the app).
"""

from __future__ import annotations

import numpy as np
import pytest

fastjet = pytest.importorskip("fastjet", reason="fastjet is not installed (pip install fastjet): the FastJet "
                                                "cross-check of the kT axes and τ_N is skipped")

from ganplify_core.jets import get_jets  # noqa: E402
from ganplify_core.jets.observables import exclusive_kt_axes, nsubjettiness  # noqa: E402
from ganplify_core.jets.preprocessing import wrap_phi  # noqa: E402

N_JETS = 150
R0 = 0.8


def _pseudojets(pt, eta, phi):
    return [fastjet.PseudoJet(float(p * np.cos(f)), float(p * np.sin(f)), float(p * np.sinh(e)), float(p * np.cosh(e)))
            for p, e, f in zip(pt, eta, phi) if p > 0]


def _axes(cluster, n: int) -> np.ndarray:
    jets = cluster.exclusive_jets(n)
    return np.array([[j.rap(), j.phi_std()] for j in jets])


def _match(ours: np.ndarray, theirs: np.ndarray) -> float:
    """The largest distance from one of FastJet's axes to the nearest of ours (sets of the same size)."""
    d_eta = theirs[:, None, 0] - ours[None, :, 0]
    d_phi = wrap_phi(theirs[:, None, 1] - ours[None, :, 1])
    return float(np.sqrt(d_eta**2 + d_phi**2).min(axis=1).max())


@pytest.fixture(scope="module", params=["qcd", "top"])
def jets(request):
    sample = get_jets(request.param, N_JETS, seed=7)
    return (sample.pt.astype(np.float64), sample.eta.astype(np.float64), sample.phi.astype(np.float64),
            sample.mask)


def test_exclusive_kt_axes_equal_fastjets_kt_with_pt_scheme(jets):
    pt, eta, phi, mask = jets
    ours = exclusive_kt_axes(pt, eta, phi, (1, 2, 3), n_leading=10)
    definition = fastjet.JetDefinition(fastjet.kt_algorithm, 100.0, fastjet.pt_scheme)
    worst = 0.0
    for i in range(len(pt)):
        hardest = np.argsort(-pt[i], kind="stable")[:10]
        cluster = fastjet.ClusterSequence(_pseudojets(pt[i, hardest], eta[i, hardest], phi[i, hardest]), definition)
        for n in (1, 2, 3):
            if mask[i].sum() < n:
                continue
            mine = np.stack([ours[n][0][i], ours[n][1][i]], axis=1)
            worst = max(worst, _match(mine, _axes(cluster, n)))
    assert worst < 1e-6, worst


def test_minimised_tau_is_not_above_tau_of_fastjets_kt_axes(jets):
    pt, eta, phi, mask = jets
    definition = fastjet.JetDefinition(fastjet.kt_algorithm, 100.0, fastjet.E_scheme)
    for n in (1, 2, 3):
        ours = nsubjettiness(pt, eta, phi, n, R0)
        theirs = np.zeros(len(pt))
        for i in range(len(pt)):
            cluster = fastjet.ClusterSequence(_pseudojets(pt[i], eta[i], phi[i]), definition)
            axes = _axes(cluster, min(n, int(mask[i].sum())))
            d = np.sqrt((eta[i][mask[i], None] - axes[None, :, 0]) ** 2
                        + wrap_phi(phi[i][mask[i], None] - axes[None, :, 1]) ** 2).min(axis=1)
            theirs[i] = (pt[i][mask[i]] * d).sum() / (pt[i][mask[i]].sum() * R0)
        not_above = np.mean(ours <= theirs * (1 + 1e-4) + 1e-9)
        assert not_above >= {1: 0.97, 2: 0.88, 3: 0.7}[n], (n, not_above)
        assert np.median(ours / np.maximum(theirs, 1e-12)) < 0.95, n  # the typical jet: well below the kT axes
