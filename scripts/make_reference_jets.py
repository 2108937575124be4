"""Make the Pythia 8 + FastJet reference jets in ``assets/reference_jets.npz`` (an optional extra).

Needs ``pip install -r requirements-reference.txt`` (``pythia8mc``, ``fastjet``); the app and the tests
never do: they only read the stored asset.

Settings (as in ``specs/toy-jets.md``): pp at √s = 14 TeV; QCD from ``HardQCD:all``, tops from
``Top:gg2ttbar`` + ``Top:qqbar2ttbar``, W from ``WeakBosonAndParton:qqbar2Wg`` + ``qg2Wq``; W decays to
quarks only; 500 < p̂T < 700 GeV; ``PartonLevel:MPI = off`` (ISR, FSR and hadronisation on); jets
anti-kT R = 0.8 on all visible final-state particles (no neutrinos), kept with 550 < pT < 650 GeV and
|η| < 2. A top (W) jet must lie within ΔR < 0.6 of a top (W) of the hard process with all its decay
quarks within ΔR < 0.8 of the jet axis (as the toy's acceptance). Stored per jet: its 50 hardest
constituents (pT, η − η_jet, Δφ) as float16, and the whole jet's mass (constituents taken massless,
as in the toy), pT and constituent count.

Usage::

    nice python scripts/make_reference_jets.py generate --process qcd --n 10000 --seed 1 --out /tmp/ref_qcd.npz
    nice python scripts/make_reference_jets.py generate --process top --n 10000 --seed 2 --out /tmp/ref_top.npz
    python scripts/make_reference_jets.py combine /tmp/ref_qcd.npz /tmp/ref_top.npz --out assets/reference_jets.npz
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from importlib import metadata
from pathlib import Path

import numpy as np

N_CONSTITUENTS = 50
R = 0.8
PT_RANGE = (550.0, 650.0)
ETA_MAX = 2.0
NEUTRINOS = {12, 14, 16}

COMMON = [
    "Beams:eCM = 14000.",
    "PhaseSpace:pTHatMin = 500.",
    "PhaseSpace:pTHatMax = 700.",
    "PartonLevel:MPI = off",
    "Next:numberCount = 0",
    "Print:quiet = on",
]
PROCESS_SETTINGS = {
    "qcd": ["HardQCD:all = on"],
    "top": ["Top:gg2ttbar = on", "Top:qqbar2ttbar = on", "24:onMode = off", "24:onIfAny = 1 2 3 4 5"],
    "w": ["WeakBosonAndParton:qqbar2Wg = on", "WeakBosonAndParton:qg2Wq = on", "24:onMode = off",
          "24:onIfAny = 1 2 3 4 5"],
}


def _delta_r(eta1, phi1, eta2, phi2):
    dphi = np.pi - np.abs(np.pi - np.abs(phi1 - phi2) % (2 * np.pi))
    return np.hypot(eta1 - eta2, dphi)


def _resonances(process_record, pdg: int) -> list[tuple[float, float, list[tuple[float, float]]]]:
    """(η, φ, [decay quarks' (η, φ)]) of each resonance |id| = pdg in the hard-process record."""
    found = []
    for i in range(process_record.size()):
        particle = process_record[i]
        if particle.idAbs() != pdg:
            continue
        daughters = [process_record[d] for d in (particle.daughter1(), particle.daughter2()) if d > 0]
        if not daughters or any(d.idAbs() == pdg for d in daughters):
            continue  # not the last copy
        quarks = []
        for d in daughters:
            if d.idAbs() == 24:
                quarks += [(process_record[k].eta(), process_record[k].phi())
                           for k in (d.daughter1(), d.daughter2()) if k > 0]
            elif d.idAbs() <= 5:
                quarks.append((d.eta(), d.phi()))
        found.append((particle.eta(), particle.phi(), quarks))
    return found


def generate(process: str, n_jets: int, seed: int, out: Path, checkpoint: int = 1000) -> None:
    import fastjet
    import pythia8mc

    pythia = pythia8mc.Pythia("", False)
    for line in COMMON + PROCESS_SETTINGS[process] + ["Random:setSeed = on", f"Random:seed = {seed}"]:
        pythia.readString(line)
    if not pythia.init():
        sys.exit("Pythia failed to initialise")
    jet_definition = fastjet.JetDefinition(fastjet.antikt_algorithm, R)
    pt = np.zeros((n_jets, N_CONSTITUENTS), np.float32)
    eta = np.zeros_like(pt)
    phi = np.zeros_like(pt)
    whole = np.zeros((n_jets, 3), np.float32)  # mass, pt, n_constituents
    have, events = 0, 0
    start = time.time()
    while have < n_jets:
        if not pythia.next():
            continue
        events += 1
        inputs = []
        for i in range(pythia.event.size()):
            p = pythia.event[i]
            if p.isFinal() and p.idAbs() not in NEUTRINOS:
                inputs.append(fastjet.PseudoJet(p.px(), p.py(), p.pz(), p.e()))
        sequence = fastjet.ClusterSequence(inputs, jet_definition)  # must outlive its jets
        jets = sequence.inclusive_jets(PT_RANGE[0])
        targets = None if process == "qcd" else _resonances(pythia.process, 6 if process == "top" else 24)
        for jet in jets:
            if not (PT_RANGE[0] < jet.pt() < PT_RANGE[1] and abs(jet.eta()) < ETA_MAX):
                continue
            if targets is not None and not any(
                    _delta_r(jet.eta(), jet.phi_std(), e, f) < 0.6
                    and all(_delta_r(jet.eta(), jet.phi_std(), qe, qf) < R for qe, qf in quarks)
                    for e, f, quarks in targets):
                continue
            constituents = jet.constituents()
            c_pt = np.array([c.pt() for c in constituents])
            c_eta = np.array([c.eta() for c in constituents]) - jet.eta()
            c_phi = np.array([c.phi_std() for c in constituents]) - jet.phi_std()
            c_phi = np.pi - np.mod(np.pi - c_phi, 2 * np.pi)
            e = np.sum(c_pt * np.cosh(c_eta))
            px, py, pz = np.sum(c_pt * np.cos(c_phi)), np.sum(c_pt * np.sin(c_phi)), np.sum(c_pt * np.sinh(c_eta))
            whole[have] = (np.sqrt(max(e**2 - px**2 - py**2 - pz**2, 0.0)), np.hypot(px, py), len(constituents))
            order = np.argsort(-c_pt)[:N_CONSTITUENTS]
            pt[have, :order.size], eta[have, :order.size], phi[have, :order.size] = c_pt[order], c_eta[order], c_phi[order]
            have += 1
            if have % checkpoint == 0 or have == n_jets:
                _save(out, process, have, events, seed, time.time() - start, pt, eta, phi, whole)
            if have == n_jets:
                break
        if events % 500 == 0:
            print(f"{process}: {have}/{n_jets} jets after {events} events, {time.time() - start:.0f} s", flush=True)


def _save(out: Path, process: str, n_jets: int, events: int, seed: int, seconds: float, pt, eta, phi, whole) -> None:
    """Write the first ``n_jets`` jets (called every ``--checkpoint`` jets, so a stopped run keeps its jets)."""
    info = {"process": process, "jets": n_jets, "events": events, "seed": seed, "seconds": round(seconds, 1),
            "settings": COMMON + PROCESS_SETTINGS[process],
            "pythia8mc": metadata.version("pythia8mc"), "fastjet": metadata.version("fastjet")}
    partial = out.with_name(out.stem + ".partial.npz")  # then a rename: a reader never sees half a file
    np.savez_compressed(partial, pt=pt[:n_jets], eta=eta[:n_jets], phi=phi[:n_jets], whole=whole[:n_jets], info=json.dumps(info))
    os.replace(partial, out)
    print(json.dumps(info), flush=True)


def combine(parts: list[Path], out: Path) -> None:
    arrays, infos = {}, []
    for part in parts:
        with np.load(part, allow_pickle=False) as data:
            info = json.loads(str(data["info"]))
            process = info["process"]
            for name in ("pt", "eta", "phi"):
                arrays[f"{process}_{name}"] = data[name].astype(np.float16)
            arrays[f"{process}_whole"] = data["whole"].astype(np.float32)
            infos.append(info)
    metadata = {
        "generator": f"Pythia {infos[0]['pythia8mc']} (pythia8mc), FastJet {infos[0]['fastjet']} (anti-kT R = {R})",
        "selection": f"{PT_RANGE[0]:.0f} < pT < {PT_RANGE[1]:.0f} GeV, |eta| < {ETA_MAX}; {N_CONSTITUENTS} hardest constituents",
        "python": platform.python_version(), "machine": platform.machine(),
        "samples": infos,
    }
    np.savez_compressed(out, metadata=json.dumps(metadata), **arrays)
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate", help="generate one class")
    gen.add_argument("--process", choices=sorted(PROCESS_SETTINGS), required=True)
    gen.add_argument("--n", type=int, default=10_000)
    gen.add_argument("--seed", type=int, default=1)
    gen.add_argument("--out", type=Path, required=True)
    gen.add_argument("--checkpoint", type=int, default=1000, help="save every this many jets")
    comb = sub.add_parser("combine", help="combine classes into the asset")
    comb.add_argument("parts", type=Path, nargs="+")
    comb.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "assets" / "reference_jets.npz")
    args = parser.parse_args()
    if args.command == "generate":
        generate(args.process, args.n, args.seed, args.out, args.checkpoint)
    else:
        combine(args.parts, args.out)


if __name__ == "__main__":
    main()
