"""A fast toy jet generator: boosted decays, an angular-ordered parton shower, hadronisation.

Every step is vectorised over all partons of all jets at once (NumPy); Python loops run only over
shower *generations* (each active parton branches at most once per generation) and over the trials of
the veto algorithm, both a small bounded number.

Physics
-------
Decays (``w``, ``top``) are two-body decays in the rest frame, isotropic, Lorentz-boosted to a resonance
with transverse momentum uniform in [550, 650] GeV at η = 0 (the jet is boost-invariant along the beam,
so one rapidity is enough):  W → q q̄ with m_W ~ Breit–Wigner(80.4, 2.1);  t → b W with
m_t ~ Breit–Wigner(173, 1.4).  A decay is kept only if every prong lies within R = 0.8 of the axis.
``qcd`` starts from one parton (a gluon with probability ``gluon_fraction``) of the same pT.

Each parton then showers with the angular-ordered emission density (Marchesini–Webber, coherent branching)

    dP = (α_s(k_T) / π) · P(x) dx · dθ² / θ²,     k_T = min(x, 1 − x) · E · θ > Q₀,

with the full leading-order splitting functions P_qq = C_F (1 + (1−x)²)/x (x = gluon fraction),
P_gg = C_A [x/(1−x) + (1−x)/x + x(1−x)] (with ½ for identical gluons), P_gq = T_R n_f [x² + (1−x)²], one-loop running
α_s(k_T) = 1 / (b₀ ln(k_T²/Λ²)) with α_s(m_Z) = ``alpha_s_mz``. The next emission angle below the
current maximum is drawn with the veto algorithm (Sjöstrand et al., JHEP 0605:026, §4.2) from the
overestimate (α_s(Q₀)/π) · K/min(x, 1−x); both daughters continue with the branching angle as their
maximum (angular ordering). The first angle of a W's quark is limited by its colour partner, the other
quark; a QCD parton's and a top's b (colour-connected outside the jet) by ``qcd_max_angle``. Hard
wide-angle splittings of QCD partons come out of the same shower: they are what makes a QCD jet
sometimes look two- or three-pronged. Recoil: the hadrons of a decay are finally boosted so that together
they carry the resonance's mass (:func:`restore_resonance_mass`); the few decays whose prongs came out
heavier than the resonance are drawn again.

Hadronisation: each final parton of energy E becomes 1 + Poisson(a · ln(1 + E / E₀)) hadrons, sharing its
energy with Dirichlet(k) fractions (a leading hadron and soft ones), each with a Gaussian transverse
momentum of width σ_⊥ relative to the parton. Colour flow, crudely: each colour line that leaves the
jet adds soft "string" hadrons uniform in the jet (:func:`string_hadrons`). Optional: a soft underlying
event uniform in the jet disk,
and detector smearing (energy resolution 50 %/√E ⊕ 5 %, threshold pT > 1 GeV).

References: G. Marchesini, B. Webber, Nucl. Phys. B 310 (1988) 461 (coherent branching);
R. K. Ellis, W. J. Stirling, B. R. Webber, *QCD and Collider Physics*, ch. 5;
T. Sjöstrand, S. Mrenna, P. Skands, JHEP 0605:026 (2006) (veto algorithm).
"""

from __future__ import annotations

import dataclasses

import numpy as np

C_F = 4.0 / 3.0
C_A = 3.0
T_R = 0.5
N_F = 5
M_Z = 91.1876
B0 = (33.0 - 2.0 * N_F) / (12.0 * np.pi)

W_MASS, W_WIDTH = 80.4, 2.1
TOP_MASS, TOP_WIDTH = 173.0, 1.4
B_MASS = 4.8

PROCESSES = ("qcd", "w", "top")


@dataclasses.dataclass(frozen=True)
class ToyShowerConfig:
    """Settings of the toy generator (all energies in GeV, angles in radians).

    ``alpha_s_mz``, ``cutoff_kt`` (Q₀) and ``qcd_max_angle`` set the shower; ``hadrons_per_log`` (a),
    ``hadron_scale`` (E₀), ``dirichlet_shape`` (k) and ``hadron_kt`` (σ_⊥) the hadronisation;
    ``string_hadrons_per_line`` and ``string_hadron_mean_pt`` the soft hadrons of each colour line that
    leaves the jet (:func:`string_hadrons`); ``ue_density`` (particles per unit η-φ area) and
    ``ue_mean_pt`` the optional underlying event.
    """

    pt_min: float = 550.0
    pt_max: float = 650.0
    radius: float = 0.8
    gluon_fraction: float = 0.6
    alpha_s_mz: float = 0.095
    cutoff_kt: float = 1.0
    qcd_max_angle: float = 0.8
    max_generations: int = 14
    hadrons_per_log: float = 2.0
    hadron_scale: float = 2.0
    dirichlet_shape: float = 1.0
    hadron_kt: float = 0.2
    string_hadrons_per_line: float = 12.0
    string_hadron_mean_pt: float = 0.4
    underlying_event: bool = False
    ue_density: float = 4.0
    ue_mean_pt: float = 0.8
    detector: bool = False


@dataclasses.dataclass
class Particles:
    """Flat list of massless particles of many jets: ``jet`` index, 3-momentum (GeV), prong of origin
    (−1 for the underlying event)."""

    jet: np.ndarray
    p: np.ndarray  # (k, 3)
    prong: np.ndarray


# -- kinematics ------------------------------------------------------------------------------------------

def alpha_s(kt: np.ndarray, alpha_s_mz: float) -> np.ndarray:
    """One-loop running coupling α_s(k_T) = 1 / (b₀ ln(k_T²/Λ²)), Λ fixed by α_s(m_Z)."""
    log_lambda2 = np.log(M_Z**2) - 1.0 / (B0 * alpha_s_mz)
    return 1.0 / (B0 * (np.log(kt**2) - log_lambda2))


def _perpendicular_basis(n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two unit vectors orthogonal to the unit vectors ``n`` (k, 3) and to each other."""
    e1 = np.cross(n, np.array([0.0, 0.0, 1.0]))
    norm = np.linalg.norm(e1, axis=1, keepdims=True)
    fallback = norm[:, 0] < 1e-9
    if fallback.any():
        e1[fallback] = np.cross(n[fallback], np.array([1.0, 0.0, 0.0]))
        norm[fallback] = np.linalg.norm(e1[fallback], axis=1, keepdims=True)
    e1 /= norm
    return e1, np.cross(n, e1)


def _tilt(n: np.ndarray, e1: np.ndarray, e2: np.ndarray, angle: np.ndarray, azimuth: np.ndarray) -> np.ndarray:
    """Unit vectors at polar ``angle`` from ``n`` with ``azimuth`` in the (e1, e2) plane."""
    s = np.sin(angle)[:, None]
    return np.cos(angle)[:, None] * n + s * (np.cos(azimuth)[:, None] * e1 + np.sin(azimuth)[:, None] * e2)


def _boost(p4: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """Lorentz boost of four-vectors (E, px, py, pz) (k, 4) by velocity ``beta`` (k, 3)."""
    b2 = np.sum(beta**2, axis=1)
    gamma = 1.0 / np.sqrt(1.0 - b2)
    bp = np.sum(beta * p4[:, 1:], axis=1)
    gamma2 = np.where(b2 > 0, (gamma - 1.0) / np.where(b2 > 0, b2, 1.0), 0.0)
    energy = gamma * (p4[:, 0] + bp)
    momentum = p4[:, 1:] + (gamma2 * bp + gamma * p4[:, 0])[:, None] * beta
    return np.column_stack([energy, momentum])


def _two_body(parent: np.ndarray, m1: np.ndarray, m2: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Isotropic two-body decays of four-vectors ``parent`` (k, 4) into masses m1, m2 (lab frame)."""
    k = len(parent)
    mass = np.sqrt(np.maximum(parent[:, 0] ** 2 - np.sum(parent[:, 1:] ** 2, axis=1), 0.0))
    pstar = np.sqrt(np.maximum((mass**2 - (m1 + m2) ** 2) * (mass**2 - (m1 - m2) ** 2), 0.0)) / (2.0 * mass)
    cos_t = rng.uniform(-1.0, 1.0, k)
    sin_t = np.sqrt(1.0 - cos_t**2)
    ph = rng.uniform(0.0, 2.0 * np.pi, k)
    direction = np.column_stack([sin_t * np.cos(ph), sin_t * np.sin(ph), cos_t])
    d1 = np.column_stack([np.sqrt(pstar**2 + m1**2), pstar[:, None] * direction])
    d2 = np.column_stack([np.sqrt(pstar**2 + m2**2), -pstar[:, None] * direction])
    beta = parent[:, 1:] / parent[:, :1]
    return _boost(d1, beta), _boost(d2, beta)


def _breit_wigner(rng: np.random.Generator, mass: float, width: float, k: int, n_widths: float = 10.0) -> np.ndarray:
    """Non-relativistic Breit–Wigner (Cauchy) masses, truncated at ``n_widths`` widths."""
    lo, hi = np.arctan(-2 * n_widths), np.arctan(2 * n_widths)
    return mass + 0.5 * width * np.tan(rng.uniform(lo, hi, k))


def eta_phi(p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(pT, η, φ) of 3-momenta (k, 3)."""
    pt = np.hypot(p[:, 0], p[:, 1])
    return pt, np.arcsinh(p[:, 2] / np.maximum(pt, 1e-12)), np.arctan2(p[:, 1], p[:, 0])


def _angle(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    cos = np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    return np.arccos(np.clip(cos, -1.0, 1.0))


# -- hard process: the prongs ------------------------------------------------------------------------------

@dataclasses.dataclass
class Prongs:
    """Partons of a batch of jets: jet index, 3-momentum, gluon flag, maximum angle, prong of origin."""

    jet: np.ndarray
    p: np.ndarray
    gluon: np.ndarray
    max_angle: np.ndarray
    prong: np.ndarray


@dataclasses.dataclass
class HardProcess:
    """The prongs of ``n_jets`` jets (``n_prongs`` each), the resonance masses (0 for QCD) and the number
    of colour lines that connect each jet to the rest of the event (QCD quark 1, gluon 2, top 1, W 0)."""

    prongs: Prongs
    n_jets: int
    n_prongs: int
    mass: np.ndarray
    colour_lines: np.ndarray


def _resonance(mass: np.ndarray, pt: np.ndarray) -> np.ndarray:
    """Four-vectors of resonances with transverse momentum ``pt`` along +x at η = 0."""
    return np.column_stack([np.sqrt(pt**2 + mass**2), pt, np.zeros_like(pt), np.zeros_like(pt)])


def _within_radius(momenta: list[np.ndarray], radius: float) -> np.ndarray:
    """Whether every prong lies within ΔR < radius of the +x axis (η = 0, φ = 0)."""
    ok = np.ones(len(momenta[0]), dtype=bool)
    for p in momenta:
        _, eta, phi = eta_phi(p)
        ok &= eta**2 + phi**2 < radius**2
    return ok


def hard_process(process: str, n_jets: int, config: ToyShowerConfig, rng: np.random.Generator) -> HardProcess:
    """Draw ``n_jets`` hard processes and return their prongs (decays kept only if all prongs are in R)."""
    if process == "qcd":
        pt = rng.uniform(config.pt_min, config.pt_max, n_jets)
        p = np.column_stack([pt, np.zeros(n_jets), np.zeros(n_jets)])
        prongs = Prongs(np.arange(n_jets), p, rng.random(n_jets) < config.gluon_fraction,
                        np.full(n_jets, config.qcd_max_angle), np.arange(n_jets))
        return HardProcess(prongs, n_jets, 1, np.zeros(n_jets), np.where(prongs.gluon, 2, 1))
    batches: list[list[np.ndarray]] = []
    have = 0
    while have < n_jets:
        k = int(1.6 * (n_jets - have)) + 16
        pt = rng.uniform(config.pt_min, config.pt_max, k)
        if process == "w":
            w = _resonance(_breit_wigner(rng, W_MASS, W_WIDTH, k), pt)
            q1, q2 = _two_body(w, np.zeros(k), np.zeros(k), rng)
            momenta = [q1[:, 1:], q2[:, 1:]]
            theta12 = _angle(momenta[0], momenta[1])
            limits = [theta12, theta12]
            mass = np.sqrt(w[:, 0] ** 2 - np.sum(w[:, 1:] ** 2, 1))
        elif process == "top":
            top_mass = _breit_wigner(rng, TOP_MASS, TOP_WIDTH, k)
            w_mass = np.minimum(_breit_wigner(rng, W_MASS, W_WIDTH, k), top_mass - B_MASS - 1.0)
            top = _resonance(top_mass, pt)
            b, w = _two_body(top, np.full(k, B_MASS), w_mass, rng)
            q1, q2 = _two_body(w, np.zeros(k), np.zeros(k), rng)
            momenta = [b[:, 1:], q1[:, 1:], q2[:, 1:]]
            theta12 = _angle(momenta[1], momenta[2])
            limits = [np.full(k, config.qcd_max_angle), theta12, theta12]
            mass = top_mass
        else:
            raise ValueError(f"unknown process {process!r}")
        keep = _within_radius(momenta, config.radius)
        batches.append([np.stack([m[keep] for m in momenta], 1), np.stack([lim[keep] for lim in limits], 1), mass[keep]])
        have += int(keep.sum())
    p = np.concatenate([b[0] for b in batches])[:n_jets]          # (n, n_prongs, 3)
    limit = np.concatenate([b[1] for b in batches])[:n_jets]      # (n, n_prongs)
    mass = np.concatenate([b[2] for b in batches])[:n_jets]
    n_prongs = p.shape[1]
    prongs = Prongs(np.repeat(np.arange(n_jets), n_prongs), p.reshape(-1, 3),
                    np.zeros(n_jets * n_prongs, dtype=bool), limit.reshape(-1), np.arange(n_jets * n_prongs))
    return HardProcess(prongs, n_jets, n_prongs, mass, np.full(n_jets, 1 if process == "top" else 0))


# -- the parton shower -----------------------------------------------------------------------------------

def _splitting_weight(x: np.ndarray, gluon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Splitting function P(x) summed over channels, and the g → q q̄ share (0 for quarks)."""
    p_qq = C_F * (1.0 + (1.0 - x) ** 2) / x
    # ½ P_gg: x and 1 − x are the same two identical gluons, and both halves of x are sampled.
    p_gg = 0.5 * C_A * (x / (1.0 - x) + (1.0 - x) / x + x * (1.0 - x))
    p_gq = T_R * N_F * (x**2 + (1.0 - x) ** 2)
    total = np.where(gluon, p_gg + p_gq, p_qq)
    return total, np.where(gluon, p_gq / (p_gg + p_gq), 0.0)


# Overestimates K / min(x, 1-x) of the splitting functions (see _splitting_weight): K_q = 2 C_F for
# quarks; for gluons ½ P_gg ≤ 0.8125 C_A / ζ and T_R n_f (x² + (1−x)²) ≤ T_R n_f ≤ ½ T_R n_f / ζ.
K_QUARK = 2.0 * C_F
K_GLUON = 0.8125 * C_A + 0.5 * T_R * N_F


def _next_branching(energy: np.ndarray, theta_max: np.ndarray, gluon: np.ndarray, config: ToyShowerConfig,
                    rng: np.random.Generator, max_trials: int = 200) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The first branching below ``theta_max`` of each parton (veto algorithm).

    The overestimate (α_s(Q₀)/π) · 2K/ζ dζ dθ²/θ², with ζ = min(x, 1 − x) above ζ_min = Q₀/(Eθ) (so
    that k_T = ζEθ > Q₀), integrates in u = ln(Eθ / 2Q₀) to c (u_max² − u²), c = 2K α_s(Q₀)/π; the next
    trial is u² → u² + ln(r)/c (no branching once u² < 0), then ζ ~ 1/ζ on [e^(−u)/2, 1/2], and it is
    accepted with probability P(x)·ζ/K · α_s(k_T)/α_s(Q₀).

    Returns ``branches`` (bool), the branching angle θ, the fraction x of the emitted daughter, and
    whether a gluon splits to q q̄.
    """
    k = len(energy)
    q0 = config.cutoff_kt
    alpha_max = float(alpha_s(np.array([q0]), config.alpha_s_mz)[0])
    branches = np.zeros(k, dtype=bool)
    theta_out = np.zeros(k)
    x_out = np.zeros(k)
    to_quarks = np.zeros(k, dtype=bool)

    u_max = np.log(energy * theta_max / (2.0 * q0))
    todo = np.flatnonzero(u_max > 0)
    # Compact working arrays for the partons still looking for their branching.
    u2 = u_max[todo] ** 2
    e = energy[todo]
    g = gluon[todo]
    kk = np.where(g, K_GLUON, K_QUARK)
    inverse_c = np.pi / (2.0 * alpha_max * kk)
    for _ in range(max_trials):
        if todo.size == 0:
            break
        r = rng.random((4, todo.size))
        u2 = u2 + np.log(r[0]) * inverse_c
        alive = u2 > 0
        if not alive.all():
            todo, u2, e, g, kk, inverse_c, r = todo[alive], u2[alive], e[alive], g[alive], kk[alive], inverse_c[alive], r[:, alive]
        u = np.sqrt(u2)
        soft = 0.5 * np.exp(-u * r[1])
        x = np.where(r[2] < 0.5, soft, 1.0 - soft)
        theta = 2.0 * q0 * np.exp(u) / e
        kt = soft * e * theta
        weight, quark_share = _splitting_weight(x, g)
        accept = r[3] * kk < weight * soft * alpha_s(kt, config.alpha_s_mz) / alpha_max
        done = todo[accept]
        branches[done] = True
        theta_out[done] = theta[accept]
        x_out[done] = x[accept]
        to_quarks[done] = rng.random(done.size) < quark_share[accept]
        keep = ~accept
        todo, u2, e, g, kk, inverse_c = todo[keep], u2[keep], e[keep], g[keep], kk[keep], inverse_c[keep]
    return branches, theta_out, x_out, to_quarks


def shower(prongs: Prongs, config: ToyShowerConfig, rng: np.random.Generator) -> Prongs:
    """Shower the prongs; return the final partons (same layout, ``max_angle`` = last branching angle)."""
    jet, p, gluon, theta_max, prong = prongs.jet, prongs.p, prongs.gluon, prongs.max_angle, prongs.prong
    final: list[Prongs] = []
    for generation in range(config.max_generations):
        if jet.size == 0:
            break
        energy = np.linalg.norm(p, axis=1)
        if generation == config.max_generations - 1:
            final.append(Prongs(jet, p, gluon, theta_max, prong))
            break
        branches, theta, x, to_quarks = _next_branching(energy, theta_max, gluon, config, rng)
        stop = ~branches
        final.append(Prongs(jet[stop], p[stop], gluon[stop], theta_max[stop], prong[stop]))
        jet, p, gluon, theta, x, to_quarks, energy, prong = (
            jet[branches], p[branches], gluon[branches], theta[branches], x[branches], to_quarks[branches],
            energy[branches], prong[branches])
        n = p / energy[:, None]
        e1, e2 = _perpendicular_basis(n)
        azimuth = rng.uniform(0.0, 2.0 * np.pi, len(n))
        # Emitted daughter (fraction x) at angle (1 - x)θ, the other at xθ on the opposite side: the
        # momentum transverse to the parent balances.
        emitted = _tilt(n, e1, e2, (1.0 - x) * theta, azimuth) * (x * energy)[:, None]
        kept = _tilt(n, e1, e2, x * theta, azimuth + np.pi) * ((1.0 - x) * energy)[:, None]
        # q → q g: emitted is a gluon; g → g g: both gluons; g → q q̄: both quarks.
        emitted_gluon = ~to_quarks
        kept_gluon = gluon & ~to_quarks
        jet = np.concatenate([jet, jet])
        prong = np.concatenate([prong, prong])
        p = np.concatenate([emitted, kept])
        gluon = np.concatenate([emitted_gluon, kept_gluon])
        theta_max = np.concatenate([theta, theta])
    return Prongs(*(np.concatenate([getattr(f, name) for f in final]) for name in ("jet", "p", "gluon", "max_angle", "prong")))


def restore_resonance_mass(particles: Particles, hard: HardProcess, newton_steps: int = 30) -> tuple[Particles, np.ndarray]:
    """Reshuffle momenta between the prongs of a decay so that its products keep the resonance mass.

    Showering and hadronisation make each prong massive (mass m_i) while its energy is kept, which
    would raise the invariant mass of the decay products above M (the hadrons of a decay must add up
    to the resonance's four-momentum). As in a parton shower's recoil step, in the rest frame of the
    decay products each prong's momentum p_i* is scaled by one common k solving
    Σ_i √(m_i² + k² |p_i*|²) = M (Newton's method), i.e. each prong's particles are boosted along p_i*;
    then back to the lab with the same total momentum. Decays whose prong masses already exceed M
    (Σ m_i ≥ M) have no such solution (nor the rare ones where Newton has not converged): they are left as they are and flagged in the returned boolean array (True where
    the mass was restored, and for every QCD jet), for :func:`generate_particles` to reject them.
    """
    if not np.any(hard.mass > 0):
        return particles, np.ones(hard.n_jets, dtype=bool)
    n, k_prongs = hard.n_jets, hard.n_prongs
    energy = np.linalg.norm(particles.p, axis=1)
    p4 = np.column_stack([energy, particles.p])
    prong_p4 = np.stack([np.bincount(particles.prong, weights=p4[:, c], minlength=n * k_prongs) for c in range(4)], 1)
    total = prong_p4.reshape(n, k_prongs, 4).sum(axis=1)
    beta = total[:, 1:] / total[:, :1]
    rest = _boost(prong_p4, -np.repeat(beta, k_prongs, axis=0)).reshape(n, k_prongs, 4)
    q = np.linalg.norm(rest[:, :, 1:], axis=2)
    m2 = np.maximum(rest[:, :, 0] ** 2 - q**2, 0.0)
    fixable = np.sqrt(m2).sum(axis=1) < hard.mass
    scale = np.ones(n)
    for _ in range(newton_steps):
        e = np.sqrt(m2 + (scale[:, None] * q) ** 2)
        f = e.sum(axis=1) - hard.mass
        df = np.sum(scale[:, None] * q**2 / np.maximum(e, 1e-12), axis=1)
        scale = np.clip(scale - f / np.maximum(df, 1e-12), 1e-3, 1.0)
    residual = np.sqrt(m2 + (scale[:, None] * q) ** 2).sum(axis=1) - hard.mass
    fixable &= np.abs(residual) < 1e-9 * hard.mass + 1e-9
    scale = np.where(fixable, scale, 1.0)
    e_old = rest[:, :, 0]
    e_new = np.sqrt(m2 + (scale[:, None] * q) ** 2)
    d_rapidity = np.arctanh(np.clip(scale[:, None] * q / e_new, 0, 1 - 1e-12)) - np.arctanh(np.clip(q / e_old, 0, 1 - 1e-12))
    axis = rest[:, :, 1:] / np.maximum(q, 1e-12)[:, :, None]
    prong_beta = (np.tanh(d_rapidity)[:, :, None] * axis).reshape(n * k_prongs, 3)
    # Back to the lab with the same total momentum (the decay products lose energy, not momentum).
    momentum = total[:, 1:]
    mass_after = np.where(fixable, hard.mass, np.sqrt(np.maximum(total[:, 0] ** 2 - np.sum(momentum**2, 1), 0.0)))
    beta_back = momentum / np.sqrt(np.sum(momentum**2, 1) + mass_after**2)[:, None]
    moved = _boost(_boost(_boost(p4, -beta[particles.jet]), prong_beta[particles.prong]), beta_back[particles.jet])
    return Particles(particles.jet, moved[:, 1:], particles.prong), fixable


# -- hadronisation, underlying event, detector -------------------------------------------------------------

def hadronise(partons: Prongs, config: ToyShowerConfig, rng: np.random.Generator) -> Particles:
    """Split each parton into hadrons (log-growing multiplicity, Dirichlet energy shares, p_⊥ kicks)."""
    energy = np.linalg.norm(partons.p, axis=1)
    mean_extra = config.hadrons_per_log * np.log1p(energy / config.hadron_scale)
    count = 1 + rng.poisson(mean_extra)
    parent = np.repeat(np.arange(len(energy)), count)
    share = rng.gamma(config.dirichlet_shape, 1.0, parent.size)
    share /= np.bincount(parent, weights=share, minlength=len(energy))[parent]
    hadron_energy = share * energy[parent]
    n = partons.p[parent] / energy[parent][:, None]
    e1, e2 = _perpendicular_basis(n)
    kick = np.hypot(rng.normal(0.0, config.hadron_kt, parent.size), rng.normal(0.0, config.hadron_kt, parent.size))
    angle = np.minimum(kick / np.maximum(hadron_energy, 1e-9), 0.5 * np.pi)
    direction = _tilt(n, e1, e2, angle, rng.uniform(0.0, 2.0 * np.pi, parent.size))
    return Particles(partons.jet[parent], direction * hadron_energy[:, None], partons.prong[parent])


def _uniform_in_disk(jet: np.ndarray, mean_pt: float, radius: float, rng: np.random.Generator) -> np.ndarray:
    """Momenta of soft particles (exponential pT) uniform in the disk ΔR < radius around η = φ = 0."""
    r = radius * np.sqrt(rng.random(jet.size))
    ang = rng.uniform(0.0, 2.0 * np.pi, jet.size)
    eta, phi = r * np.cos(ang), r * np.sin(ang)
    pt = rng.exponential(mean_pt, jet.size)
    return np.column_stack([pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)])


def string_hadrons(colour_lines: np.ndarray, config: ToyShowerConfig, rng: np.random.Generator) -> Particles:
    """Soft hadrons from the colour strings that connect a jet to the rest of the event.

    A stand-in for colour flow, which the independent hadronisation of each parton lacks: a QCD quark
    (gluon) jet has one (two) colour lines to the beam or the recoiling jet, a top jet one (its b), a W
    jet none (a colour singlet). The string pieces along those lines fragment into soft hadrons, some of
    them inside the cone: Poisson(``string_hadrons_per_line`` × lines) per jet, uniform in the jet
    disk, exponential pT with mean ``string_hadron_mean_pt``. This is why QCD and top jets carry more
    constituents than W jets in Pythia.
    """
    count = rng.poisson(config.string_hadrons_per_line * colour_lines)
    jet = np.repeat(np.arange(len(colour_lines)), count)
    return Particles(jet, _uniform_in_disk(jet, config.string_hadron_mean_pt, config.radius, rng), np.full(jet.size, -2))


def underlying_event(n_jets: int, config: ToyShowerConfig, rng: np.random.Generator) -> Particles:
    """Soft particles uniform in the jet disk: Poisson(ρ·πR²) per jet, exponential pT."""
    count = rng.poisson(config.ue_density * np.pi * config.radius**2, n_jets)
    jet = np.repeat(np.arange(n_jets), count)
    return Particles(jet, _uniform_in_disk(jet, config.ue_mean_pt, config.radius, rng), np.full(jet.size, -1))


def detector_smearing(particles: Particles, rng: np.random.Generator, threshold: float = 1.0) -> Particles:
    """Energy resolution σ/E = 50 %/√E ⊕ 5 %, then drop particles with pT below ``threshold`` GeV."""
    energy = np.linalg.norm(particles.p, axis=1)
    resolution = np.sqrt(0.5**2 / np.maximum(energy, 1e-9) + 0.05**2)
    scale = np.maximum(1.0 + resolution * rng.standard_normal(energy.size), 0.0)
    p = particles.p * scale[:, None]
    keep = np.hypot(p[:, 0], p[:, 1]) > threshold
    return Particles(particles.jet[keep], p[keep], particles.prong[keep])


def generate_particles(process: str, n_jets: int, config: ToyShowerConfig, rng: np.random.Generator) -> Particles:
    """All final-state particles of ``n_jets`` toy jets (not yet clipped to the jet radius).

    Decays whose showered prongs came out heavier in total than the resonance (kinematically
    impossible; a few per cent of W and top decays) are rejected and drawn again.
    """
    pieces: list[Particles] = []
    have = 0
    while have < n_jets:
        want = n_jets - have
        trial = want if process == "qcd" else want + want // 4 + 8
        hard = hard_process(process, trial, config, rng)
        particles, valid = restore_resonance_mass(hadronise(shower(hard.prongs, config, rng), config, rng), hard)
        strings = string_hadrons(hard.colour_lines, config, rng)
        particles = Particles(*(np.concatenate([getattr(particles, f), getattr(strings, f)]) for f in ("jet", "p", "prong")))
        keep = np.flatnonzero(valid)[:want]
        new_index = np.full(trial, -1)
        new_index[keep] = have + np.arange(keep.size)
        jet = new_index[particles.jet]
        chosen = jet >= 0
        pieces.append(Particles(jet[chosen], particles.p[chosen], particles.prong[chosen]))
        have += keep.size
    particles = Particles(*(np.concatenate([getattr(p, f) for p in pieces]) for f in ("jet", "p", "prong")))
    if config.underlying_event:
        ue = underlying_event(n_jets, config, rng)
        particles = Particles(*(np.concatenate([getattr(particles, f), getattr(ue, f)]) for f in ("jet", "p", "prong")))
    if config.detector:
        particles = detector_smearing(particles, rng)
    return particles
