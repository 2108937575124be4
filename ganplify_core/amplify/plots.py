"""Figures and tables of an :class:`~ganplify_core.amplify.experiment.AmplifyResult` (Plotly, pandas)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ganplify_core.amplify.experiment import METHOD_LABELS, AmplifyResult
from ganplify_core.amplify.metrics import amplification, equivalent_true_samples, expected_mse_of_true_samples
from ganplify_core.amplify.uncertainty import format_p
from ganplify_core.plotstyle import COLORS, rgba, styled

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _power_text(value: float) -> str:
    exponent = int(np.floor(np.log10(value) + 1e-9))
    mantissa = round(value / 10.0**exponent)
    power = f"10{str(exponent).translate(_SUPERSCRIPT)}"
    return power if mantissa == 1 else f"{mantissa}·{power}"


def log_ticks(lo: float, hi: float, plain: bool = False) -> dict:
    """Axis settings for a log axis from ``lo`` to ``hi`` with readable labels only: the decades when the
    range spans two or more, else 1, 2 and 5 per decade (never Plotly's small unlabelled-looking minor digits).
    ``plain`` writes 0.5, 1, 2 instead of powers of ten (for factors near 1)."""
    lo, hi = float(lo), float(hi)
    first, last = int(np.floor(np.log10(lo))), int(np.ceil(np.log10(hi)))
    mantissas = (1,) if last - first >= 3 else (1, 2, 5)
    values = [m * 10.0**e for e in range(first, last + 1) for m in mantissas if lo <= m * 10.0**e <= hi]
    text = [f"{v:g}" if plain else _power_text(v) for v in values]
    return dict(type="log", range=[np.log10(lo), np.log10(hi)], tickmode="array", tickvals=values, ticktext=text,
                minor=dict(showgrid=False, ticks=""))


def legend_under(fig: go.Figure, rows: int = 2) -> go.Figure:
    """The legend below the plot and below the x-axis title, with room made for it (it never covers a curve)."""
    fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-0.2, xanchor="left", x=0),
                      margin=dict(b=70 + 24 * rows))
    return fig


def density_figure(result: AmplifyResult, seed_index: int = 0) -> go.Figure:
    """Training points over the true density, with the fit, KDE and GAN densities (x, or radius ρ)."""
    config = result.config
    centres = 0.5 * (result.profile_x[1:] + result.profile_x[:-1])
    one_d = config.distribution == "camelback"
    points = result.train_points[seed_index]
    coordinate = points[:, 0] if one_d else np.linalg.norm(points, axis=1)
    fig = go.Figure()
    counts, edges = np.histogram(coordinate, result.profile_x[::4])
    fig.add_bar(x=0.5 * (edges[1:] + edges[:-1]), y=counts / (len(coordinate) * np.diff(edges)),
                width=np.diff(edges), name=f"training sample (n = {config.n_train})",
                marker_color=rgba(COLORS["data"], 0.45), hovertemplate="%{y:.3f}<extra>training sample</extra>")
    fig.add_scatter(x=coordinate, y=np.full(len(coordinate), -0.01), mode="markers", name="training points",
                    marker=dict(symbol="line-ns-open", size=10, color=COLORS["data"]), showlegend=False,
                    hovertemplate="%{x:.2f}<extra>training point</extra>")
    fig.add_scatter(x=centres, y=result.profiles["truth"][seed_index], name="true density",
                    line=dict(color=COLORS["truth"], width=3))
    for method in config.methods:
        fig.add_scatter(x=centres, y=result.profiles[method][seed_index], name=METHOD_LABELS[method],
                        line=dict(color=COLORS[method], width=2, dash="dot" if method != "gan" else "solid"))
    xlabel = "x" if one_d else "radius ρ = ‖x‖"
    fig.update_xaxes(title=xlabel)
    fig.update_yaxes(title="probability density" + ("" if one_d else " of ρ"))
    fig.update_layout(barmode="overlay")
    title = "Training set and the densities learned from it" + ("" if one_d else f" (radial profile, D = {config.dim})")
    return styled(fig, title)


def ring_scatter_figure(result: AmplifyResult, seed_index: int = 0) -> go.Figure:
    """The ring in the plane: training points, GAN points, and the true radius 4."""
    fig = go.Figure()
    phi = np.linspace(0, 2 * np.pi, 200)
    for radius, dash in ((4.0, "solid"), (3.0, "dot"), (5.0, "dot")):
        fig.add_scatter(x=radius * np.cos(phi), y=radius * np.sin(phi), mode="lines", showlegend=radius == 4.0,
                        name="true mean radius (±1σ dotted)", line=dict(color=COLORS["truth"], dash=dash, width=1),
                        hoverinfo="skip")
    if "gan" in result.scatter:
        gan = result.scatter["gan"][seed_index]
        fig.add_scatter(x=gan[:, 0], y=gan[:, 1], mode="markers", name="GAN samples",
                        marker=dict(color=COLORS["gan"], size=3, opacity=0.35))
    data = result.train_points[seed_index]
    fig.add_scatter(x=data[:, 0], y=data[:, 1], mode="markers", name="training points",
                    marker=dict(color=COLORS["data"], size=7, line=dict(color="black", width=0.5)))
    fig.update_xaxes(title="x₁", scaleanchor="y", scaleratio=1)
    fig.update_yaxes(title="x₂")
    return styled(fig, "The ring: training points and GAN samples", height=480)


def mse_figure(result: AmplifyResult, own=None) -> go.Figure:
    """Quantile MSE against the number of generated points (log–log), mean over seeds with the spread;
    ``own`` (a :class:`~ganplify_core.amplify.samples.SampleScore`) adds the curve of uploaded samples."""
    config = result.config
    g = result.generated.astype(float)
    fig = go.Figure()
    fig.add_scatter(x=g, y=expected_mse_of_true_samples(g, config.n_quant), name="true samples: (N−1)/(N² n)",
                    line=dict(color=COLORS["reference"], dash="dash"),
                    hovertemplate="n = %{x:.3g}: %{y:.3g}<extra>expected MSE of n true samples</extra>")
    # Horizontal references as traces: add_hline's annotations land at the wrong height on log axes.
    for y, name, color, dash in ((float(expected_mse_of_true_samples(config.n_train, config.n_quant)),
                                  f"expected for {config.n_train} true points", COLORS["reference"], "dot"),
                                 (float(result.train_mse.mean()), "training sample (mean over sets)", COLORS["data"], "solid")):
        fig.add_scatter(x=[g[0], g[-1]], y=[y, y], mode="lines", name=name, line=dict(color=color, dash=dash, width=2),
                        hovertemplate=f"{y:.3g}<extra>{name}</extra>")
    for method in config.methods:
        curves = result.mse[method]
        low, high = np.percentile(curves, [16, 84], axis=0)
        color = COLORS[method]
        fig.add_scatter(x=np.r_[g, g[::-1]], y=np.r_[high, low[::-1]], fill="toself", line=dict(width=0),
                        fillcolor=rgba(color, 0.15), hoverinfo="skip", showlegend=False)
        fig.add_scatter(x=g, y=curves.mean(axis=0), name=METHOD_LABELS[method], line=dict(color=color, width=2.5),
                        hovertemplate="%{x:.3g} generated: MSE %{y:.3g}<extra>" + METHOD_LABELS[method] + "</extra>")
    floor = min(float(np.min(result.mse[m])) for m in config.methods)  # validate() requires a method
    top = max(float(np.max(result.mse[m])) for m in config.methods)
    if own is not None:
        fig.add_scatter(x=own.generated, y=own.mse_curve, name=f"your samples ({own.n_samples:,})",
                        mode="lines+markers", marker=dict(size=5),
                        line=dict(color=COLORS["accent"], width=2.5, dash="dash"),
                        hovertemplate="%{x:.3g} of your points: MSE %{y:.3g}<extra>your samples</extra>")
        positive = own.mse_curve[own.mse_curve > 0]
        if len(positive):
            floor, top = min(floor, float(positive.min())), max(top, float(positive.max()))
    x_hi = float(max(g[-1], own.generated[-1] if own is not None else 0))
    fig.update_xaxes(title="number of generated points", **log_ticks(g[0] / 1.2, x_hi * 1.2))
    fig.update_yaxes(title="quantile MSE", **log_ticks(floor / 3, max(top, float(result.train_mse.max())) * 1.5))
    return legend_under(styled(fig, f"Quantile MSE vs points generated ({config.n_quant} cells, {config.n_seeds} "
                                    "training sets; bands 16–84 %)", height=520), rows=2)


def amplification_table(result: AmplifyResult) -> pd.DataFrame:
    """Per method: MSE and amplification (mean ± std over seeds), and the amplification of the mean MSE."""
    config = result.config
    summary = result.summary()
    rows = []
    for method in ("train", *config.methods):
        mse = summary["train_mse"] if method == "train" else summary[method]["mse"]
        amp = summary["train_amplification"] if method == "train" else summary[method]["amplification"]
        rows.append({
            "method": METHOD_LABELS[method],
            "points used": config.n_train if method == "train" else int(result.generated[-1]),
            "quantile MSE": f"{mse['mean']:.3g} ± {mse['std']:.2g}",
            "amplification (mean ± std)": f"{amp['mean']:.2f} ± {amp['std']:.2f}",
            "amplification of mean MSE": round(float(amplification(mse["mean"], config.n_quant, config.n_train)), 2),
            "equivalent true points": int(round(float(equivalent_true_samples(mse["mean"], config.n_quant)))),
        })
    return pd.DataFrame(rows)


def loss_figure(result: AmplifyResult) -> go.Figure:
    """GAN losses against training step, mean over seeds."""
    fig = go.Figure()
    names = {"d_loss": "discriminator loss (without R1)", "g_loss": "generator loss", "r1": "R1: ‖∇D‖² on data"}
    colors = {"d_loss": COLORS["qcd"], "g_loss": COLORS["gan"], "r1": COLORS["accent"]}
    for name, label in names.items():
        if name in result.losses:
            y = result.losses[name].mean(axis=0)  # results made before the last step was logged: one fewer
            fig.add_scatter(x=result.loss_steps[:len(y)], y=y, name=label,
                            line=dict(color=colors[name]))
    fig.add_hline(y=2 * np.log(2), line=dict(color=COLORS["reference"], dash="dot"),
                  annotation_text="D loss at equilibrium: 2 ln 2")
    fig.update_xaxes(title="training step")
    fig.update_yaxes(title="loss (mean over training sets)")
    return legend_under(styled(fig, "GAN losses during training", height=460), rows=2)


def amplification_vs_step_figure(result: AmplifyResult) -> go.Figure:
    """The averaged generator's amplification (5·10⁴ points) at snapshots during training."""
    config = result.config
    amp = amplification(result.snapshot_mse, config.n_quant, config.n_train)
    fig = go.Figure()
    for k in range(amp.shape[0]):
        fig.add_scatter(x=result.snapshot_steps, y=amp[k], mode="lines", line=dict(color=COLORS["gan"], width=1),
                        opacity=0.3, showlegend=k == 0, name="one training set")
    fig.add_scatter(x=result.snapshot_steps, y=amp.mean(axis=0), name="mean", line=dict(color=COLORS["gan"], width=3))
    fig.add_scatter(x=result.snapshot_steps[[0, -1]], y=[1, 1], mode="lines", name="as good as n true points",
                    line=dict(color=COLORS["reference"], dash="dot"))
    fig.update_xaxes(title="training step")
    positive = amp[np.isfinite(amp) & (amp > 0)]
    lo, hi = (min(float(positive.min()), 1.0), max(float(positive.max()), 1.0)) if len(positive) else (0.1, 10.0)
    fig.update_yaxes(title="amplification", **log_ticks(lo / 1.3, hi * 1.3, plain=True))
    return legend_under(styled(fig, "Amplification during training (diagnostic)", height=460), rows=1)


def results_frame(result: AmplifyResult) -> pd.DataFrame:
    """Long table for CSV: one row per (seed, method, number generated)."""
    config = result.config
    frames = [pd.DataFrame({"seed_index": np.arange(config.n_seeds), "method": "train", "n_generated": config.n_train,
                            "quantile_mse": result.train_mse})]
    for method in config.methods:
        k, g = np.meshgrid(np.arange(config.n_seeds), result.generated, indexing="ij")
        frames.append(pd.DataFrame({"seed_index": k.ravel(), "method": method, "n_generated": g.ravel(),
                                    "quantile_mse": result.mse[method].ravel()}))
    frame = pd.concat(frames, ignore_index=True)
    frame["amplification"] = amplification(frame["quantile_mse"].to_numpy(), config.n_quant, config.n_train)
    for name in ("distribution", "dim", "n_train", "n_quant", "seed"):
        frame[name] = getattr(config, name)
    return frame


def preview_figure(config, data: np.ndarray) -> go.Figure:
    """Before training: one training set over the true density (x, or the radius ρ)."""
    from ganplify_core.amplify.distributions import folded_normal_pdf, get_distribution

    one_d = config.distribution == "camelback"
    coordinate = data[:, 0] if one_d else np.linalg.norm(data, axis=1)
    grid = np.linspace(-8, 8, 400) if one_d else np.linspace(0, 8, 400)
    truth = get_distribution(config.distribution, config.dim, config.n_quant).density(grid) if one_d \
        else folded_normal_pdf(grid)
    fig = go.Figure()
    fig.add_histogram(x=coordinate, histnorm="probability density", name=f"training sample (n = {config.n_train})",
                      marker_color=rgba(COLORS["data"], 0.5), nbinsx=40)
    fig.add_scatter(x=grid, y=truth, name="true density", line=dict(color=COLORS["truth"], width=3))
    fig.update_xaxes(title="x" if one_d else "radius ρ = ‖x‖")
    fig.update_yaxes(title="probability density")
    return styled(fig, "The first training set (press Train to fit, smooth and GANplify it)")


def _interval(ci: list[float]) -> str:
    return f"[{ci[0]:.2f}, {ci[1]:.2f}]"


def headline_markdown(summary: dict, method: str = "gan") -> str:
    """The answer in one sentence, every number read from ``summary`` (:meth:`AmplifyResult.summary`):
    the amplification of the mean MSE with its bootstrap interval, and the paired test against the sample."""
    entry = summary[method]
    test = entry["vs_sample"]
    label = METHOD_LABELS[method]
    return (f"**{label[0].upper() + label[1:]}: amplification {entry['amplification_of_mean_mse']:.2f} "
            f"(95 % CI {_interval(entry['amplification_of_mean_mse_ci95'])})** from the mean quantile MSE over "
            f"{summary['seeds']} training sets of n = {summary['n_train']}; better than its own training sample on "
            f"**{test['sets_better']} of {test['sets']} sets** (two-sided sign-test p = {format_p(test['p_sign'])}, "
            f"Wilcoxon signed-rank p = {format_p(test['p_wilcoxon'])}). The training samples themselves: "
            f"{summary['train_amplification_of_mean_mse']:.2f} "
            f"(95 % CI {_interval(summary['train_amplification_of_mean_mse_ci95'])}).")


def uncertainty_table(summary: dict, methods) -> pd.DataFrame:
    """Per method: the two amplifications with their bootstrap intervals and the paired test."""
    rows = [{"method": METHOD_LABELS["train"],
             "amplification of mean MSE": round(summary["train_amplification_of_mean_mse"], 2),
             "95 % CI (mean MSE)": _interval(summary["train_amplification_of_mean_mse_ci95"]),
             "mean amplification": round(summary["train_amplification"]["mean"], 2),
             "95 % CI (mean)": _interval(summary["train_amplification_ci95"]),
             "better than its sample": "—", "sign-test p": "—", "Wilcoxon p": "—"}]
    for method in methods:
        entry = summary[method]
        test = entry["vs_sample"]
        rows.append({"method": METHOD_LABELS[method],
                     "amplification of mean MSE": round(entry["amplification_of_mean_mse"], 2),
                     "95 % CI (mean MSE)": _interval(entry["amplification_of_mean_mse_ci95"]),
                     "mean amplification": round(entry["amplification"]["mean"], 2),
                     "95 % CI (mean)": _interval(entry["amplification_ci95"]),
                     "better than its sample": f"{test['sets_better']} of {test['sets']}",
                     "sign-test p": format_p(test["p_sign"]), "Wilcoxon p": format_p(test["p_wilcoxon"])})
    return pd.DataFrame(rows)


def _compare(a: float, b: float) -> str:
    return "better than" if a > b else "worse than" if a < b else "level with"


def what_to_notice(result: AmplifyResult) -> str:
    """The page's "What to notice" bullets (Markdown); every number is read from ``result``."""
    config = result.config
    summary = result.summary()
    k = config.n_seeds
    train_floor = float(result.train_mse.mean())
    bullets = []
    floors = ", ".join(f"{METHOD_LABELS[m]} {result.mse[m][:, -1].mean():.2e}" for m in config.methods)
    bullets.append(
        "**Curves flatten.** Every method's MSE falls as 1/(points generated) at first, like true samples, then "
        f"levels off at a floor set by what it learned from the n = {config.n_train} training points: at "
        f"{int(result.generated[-1]):,} points generated the mean MSE is {floors}, against {train_floor:.2e} for "
        "the training samples themselves. Below the training sample's line, the generated points are worth more "
        "than the n you started with.")
    if "gan" in config.methods:
        gan = summary["gan"]
        test = gan["vs_sample"]
        bullets.append(
            f"**The GAN against its own sample.** From the mean MSE the GAN is worth "
            f"{gan['amplification_of_mean_mse']:.2f} × n (95 % CI {_interval(gan['amplification_of_mean_mse_ci95'])}), "
            f"the training samples {summary['train_amplification_of_mean_mse']:.2f}; it is better than the sample "
            f"it was trained on in {test['sets_better']} of {test['sets']} sets (sign-test p = "
            f"{format_p(test['p_sign'])}, Wilcoxon p = {format_p(test['p_wilcoxon'])}). "
            + ("An interval that reaches below 1 does not rule out \"no gain\". "
               if gan["amplification_of_mean_mse_ci95"][0] < 1 else "")
            + (f"With {k} training sets a two-sided sign test reaches p < 0.05 only if at least "
               f"{threshold} of them agree." if (threshold := _sign_test_threshold(k)) else
               f"With {k} training sets no outcome of a two-sided sign test reaches p < 0.05."))
        for method, what in (("fit", "**The fit knows the family.** The ML fit of the right functional form"),
                             ("kde", "**Is it more than smoothing?** The kernel density (the honest baseline)")):
            if method not in config.methods:
                continue
            other = summary[method]
            wins = int((result.mse[method][:, -1] < result.mse["gan"][:, -1]).sum())
            bullets.append(
                f"{what} reaches {other['amplification_of_mean_mse']:.2f} "
                f"(95 % CI {_interval(other['amplification_of_mean_mse_ci95'])}): "
                f"{_compare(other['amplification_of_mean_mse'], gan['amplification_of_mean_mse'])} the GAN's "
                f"{gan['amplification_of_mean_mse']:.2f}, with a lower MSE than the GAN on {wins} of {k} sets."
                + (" If the GAN is not better than a kernel density with a cross-validated bandwidth, its gain is "
                   "what smoothing gives." if method == "kde" else ""))
    return "\n".join(f"* {b}" for b in bullets)


def _sign_test_threshold(k: int) -> int | None:
    """The fewest sets out of ``k`` that must agree for a two-sided sign test to give p < 0.05 (None: never)."""
    from scipy import stats

    for agree in range((k + 1) // 2, k + 1):
        if stats.binomtest(agree, k, 0.5).pvalue < 0.05:
            return agree
    return None


def has_replay(result: AmplifyResult) -> bool:
    """Whether ``result`` kept the generator's density during training (results made before it did not)."""
    return result.snapshot_profiles.ndim == 3 and result.snapshot_profiles.shape[1] > 0


def replay_figure(result: AmplifyResult, seed_index: int = 0) -> go.Figure:
    """The GAN's density during training, one frame per snapshot: a play button and a step slider.

    Frame s shows the pooled EMA generators' density (5·10⁴ points) at step ``snapshot_steps[s]`` over the
    truth and the training sample, with that snapshot's amplification in the title."""
    config = result.config
    centres = 0.5 * (result.profile_x[1:] + result.profile_x[:-1])
    one_d = config.distribution == "camelback"
    points = result.train_points[seed_index]
    coordinate = points[:, 0] if one_d else np.linalg.norm(points, axis=1)
    densities = result.snapshot_profiles[seed_index]
    steps = result.snapshot_steps
    amp = amplification(result.snapshot_mse[seed_index], config.n_quant, config.n_train)
    title = lambda s: (f"Training replay, set {seed_index + 1}: step {int(steps[s]):,} of {config.steps:,}, "
                       f"amplification {amp[s]:.2f}")
    fig = go.Figure()
    counts, edges = np.histogram(coordinate, result.profile_x[::4])
    fig.add_bar(x=0.5 * (edges[1:] + edges[:-1]), y=counts / (len(coordinate) * np.diff(edges)), width=np.diff(edges),
                name=f"training sample (n = {config.n_train})", marker_color=rgba(COLORS["data"], 0.45),
                hoverinfo="skip")
    fig.add_scatter(x=centres, y=result.profiles["truth"][seed_index], name="true density",
                    line=dict(color=COLORS["truth"], width=3), hoverinfo="skip")
    fig.add_scatter(x=centres, y=densities[0], name="GAN (averaged generator)", line=dict(color=COLORS["gan"], width=3),
                    hovertemplate="%{y:.3f}<extra>GAN</extra>")
    fig.frames = [go.Frame(data=[go.Scatter(x=centres, y=densities[s])], traces=[2], name=str(int(steps[s])),
                           layout=go.Layout(title_text=title(s))) for s in range(len(steps))]
    # Early generators can pile into a spike; the axis follows the truth, the sample and the trained density.
    top = max(float(densities[-1].max()), float(result.profiles["truth"][seed_index].max()),
              float((counts / (len(coordinate) * np.diff(edges))).max())) * 1.25
    fig.update_xaxes(title="x" if one_d else "radius ρ = ‖x‖")
    fig.update_yaxes(title="probability density" + ("" if one_d else " of ρ"), range=[0, top])
    frame_ms = 500
    fig.update_layout(
        barmode="overlay",
        updatemenus=[dict(type="buttons", direction="left", x=0, y=-0.14, xanchor="left", yanchor="top",
                          showactive=False, buttons=[
                              dict(label="▶ Play", method="animate",
                                   args=[None, dict(frame=dict(duration=frame_ms, redraw=True), fromcurrent=True,
                                                    transition=dict(duration=0))]),
                              dict(label="❚❚ Pause", method="animate",
                                   args=[[None], dict(frame=dict(duration=0, redraw=False), mode="immediate")])])],
        sliders=[dict(active=0, x=0.3, len=0.7, y=-0.12, yanchor="top", currentvalue=dict(prefix="training step "),
                      steps=[dict(label=f"{int(step):,}", method="animate",
                                  args=[[str(int(step))], dict(mode="immediate", frame=dict(duration=0, redraw=True),
                                                               transition=dict(duration=0))])
                             for step in steps])])
    fig = styled(fig, title(0), height=520)
    fig.update_layout(margin=dict(b=130))
    return fig


def replay_notice(result: AmplifyResult, seed_index: int = 0) -> str:
    """One sentence under the replay, its numbers read from the snapshots of training set ``seed_index``."""
    config = result.config
    amp = amplification(result.snapshot_mse[seed_index], config.n_quant, config.n_train)
    steps = result.snapshot_steps
    best = int(np.argmax(amp))
    sample = float(result.amplification["train"][seed_index])
    return (f"Set {seed_index + 1}: the averaged generator's amplification goes from {amp[0]:.2f} at step "
            f"{int(steps[0]):,} to {amp[-1]:.2f} at the last step ({int(steps[-1]):,}); its highest, {amp[best]:.2f}, "
            f"is at step {int(steps[best]):,}. The training sample itself scores {sample:.2f}. The stopping step is "
            "fixed in advance: reading the best step off this curve would use the true law.")
