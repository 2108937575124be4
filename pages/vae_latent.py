"""VAE latent explorer: β as a distance resolution, and the dimensionality of data measured two ways."""

import dataclasses

import numpy as np
import pandas as pd
import streamlit as st

from ganplify_core import cli, ui
from ganplify_core.vae import explorer, plots
from ganplify_core.vae.experiment import (DATASETS, JET_PROCESSES, DatasetConfig, SweepSettings, flattest_half_decade,
                                          held_out, is_corrdim_cached, is_sweep_cached, load_dataset, load_model,
                                          run_beta_sweep, run_correlation_dimension)
from ganplify_core.vae.manifolds import MANIFOLDS

FIELDS = {
    "dataset": ui.Choice(DATASETS, "manifold", widget="radio"),
    "manifold": ui.Choice(MANIFOLDS, "sheet"),
    "intrinsic_dim": ui.Int(1, 5, 2),
    "noise": ui.Float(0.001, 0.2, 0.01, step=0.001, format="%.3f"),
    "process": ui.Choice(JET_PROCESSES, "w", widget="radio"),
    "n": ui.Int(300, 5000, 2500, step=100),
    "n_corrdim": ui.Int(100, 2000, 1000, step=50),
    "beta_min": ui.Float(0.001, 1.0, 0.01, widget="number", format="%.4f"),
    "beta_max": ui.Float(0.01, 10.0, 2.0, widget="number", format="%.3f"),
    "n_betas": ui.Int(3, 20, 10),
    "steps_per_beta": ui.Int(20, 2000, 250, step=10),
    "latent_dim": ui.Int(2, 8, 5),
}

settings = ui.start_page("vae_latent", FIELDS)

st.title("VAE latent explorer: what does β resolve?")
st.markdown(
    "A variational autoencoder pays for every nat of information it puts in its latent space: its loss is "
    "|x_out − x_in|²/β² + KL. So **β is a resolution** (with the unit of the distance): the encoder keeps a "
    "direction of the data only if the data spread along it by more than about β. Lowering β opens one latent "
    "dimension per direction of the data manifold, and each open dimension costs ln(1/β) more nats, so "
    "**D(β) = −dKL/d ln β counts the dimensions the data have at resolution β**. The correlation dimension "
    "dim(Q) = Q d ln N(d_ij < Q)/dQ measures the same thing straight from pairwise distances. Toy manifolds of "
    "known dimension check both; jets (distance: energy mover's distance, ΔR units) ask what they find in QCD "
    "(J. Collins, *Representation learning of collider events*; arXiv:2109.10919; Komiske, Metodiev & Thaler, "
    "arXiv:1902.02346)."
)

with st.form("vae-settings"):
    left, middle, right = st.columns(3)
    with left:
        settings.widget("dataset", "Data", horizontal=True)
        settings.widget("manifold", "Toy manifold", help="sheet: a curved d-manifold; circle: S¹ (periodic, d = 1); "
                        "mixed: a curve (d = 1) plus a surface (d = 2)")
        settings.widget("intrinsic_dim", "Intrinsic dimension d (sheet)")
        settings.widget("noise", "Noise per ambient direction (16 dims)")
        settings.widget("process", "Jets", horizontal=True, help="W: two prongs; QCD: one; top: three")
    with middle:
        settings.widget("n", "Points / jets for the VAE (80 % train, 20 % held out)")
        settings.widget("n_corrdim", "Points / jets for the correlation dimension",
                        help="jets need n(n−1)/2 exact EMDs: 1 000 jets ≈ 500 000 of them")
        settings.widget("latent_dim", "Latent dimensions")
    with right:
        settings.widget("beta_min", "Smallest β", help="manifolds: 0.01 (below the noise scale 0.04); jets: 0.005 ΔR")
        settings.widget("beta_max", "Largest β", help="manifolds: 2 (above the sheet's size ≈ 1); jets: 0.2 ΔR")
        settings.widget("n_betas", "β values (log grid)")
        settings.widget("steps_per_beta", "Training steps per β (annealed)")
    pressed = st.form_submit_button("Train the β sweep", type="primary")

values = settings.values()
with ui.user_errors():
    data = DatasetConfig(dataset=values["dataset"], manifold=values["manifold"], intrinsic_dim=values["intrinsic_dim"],
                         noise=values["noise"], process=values["process"], n=values["n"], seed=settings.seed)
    corrdim_data = dataclasses.replace(data, n=values["n_corrdim"])
    sweep = SweepSettings(beta_min=values["beta_min"], beta_max=values["beta_max"], n_betas=values["n_betas"],
                          latent_dim=values["latent_dim"], steps_per_beta=values["steps_per_beta"])

ui.show_cli(cli.format_command("vae", {
    "dataset": data.dataset, "manifold": data.manifold if data.dataset == "manifold" else None,
    "intrinsic_dim": data.intrinsic_dim if data.dataset == "manifold" else None,
    "noise": data.noise if data.dataset == "manifold" else None,
    "process": data.process if data.dataset == "jets" else None, "n": data.n, "seed": data.seed,
    "betas": f"{sweep.beta_min}:{sweep.beta_max}:{sweep.n_betas}", "latent_dim": sweep.latent_dim,
    "steps_per_beta": sweep.steps_per_beta}))


@st.cache_resource(show_spinner=False, max_entries=4)
def dataset_of(data: DatasetConfig):
    return load_dataset(data)


@st.cache_resource(show_spinner=False, max_entries=8)
def correlation_dimension_of(data: DatasetConfig, _progress=None):
    return run_correlation_dimension(data, progress=_progress)


@st.cache_resource(show_spinner=False, max_entries=4)
def beta_sweep_of(data: DatasetConfig, sweep: SweepSettings, _progress=None):
    return run_beta_sweep(data, sweep, _progress)


@st.cache_resource(show_spinner=False, max_entries=16)
def model_at(data: DatasetConfig, sweep: SweepSettings, beta_index: int, _state_dict: dict):
    return load_model(data, sweep, _state_dict)


is_jets = data.dataset == "jets"
unit = data.distance_unit
sweep_cached = is_sweep_cached(data, sweep)
corrdim_cached = is_corrdim_cached(corrdim_data)
sweep_ready = pressed or sweep_cached
# Euclidean pairs are cheap; exact EMDs between jets wait for the button.
corrdim_ready = not is_jets or pressed or corrdim_cached

with ui.user_errors():
    dataset = dataset_of(data)
    inputs, properties = held_out(data, dataset)
    colour_names = list(properties)

st.subheader("The data")
colour_name = st.selectbox("Colour by", colour_names, help="a plot option: computes nothing")
if is_jets:
    st.plotly_chart(plots.jet_clouds(inputs[:5], [f"m = {m:.0f} GeV" for m in properties["jet mass [GeV]"][:5]],
                                     f"Five {data.process.upper()} jets: marker area ∝ pT fraction"), width="stretch")
else:
    projection = explorer.Projection.fit(dataset.inputs)
    st.plotly_chart(plots.manifold_preview(projection(inputs)[:, :2], properties[colour_name], colour_name,
                                           f"Held-out points, first two principal components (of {dataset.inputs.shape[1]})"),
                    width="stretch")

with ui.user_errors():
    corrdim = None
    if corrdim_ready:
        if is_jets and not corrdim_cached:
            with ui.progress_bar(f"Exact EMDs between {corrdim_data.n} jets") as progress:
                corrdim = correlation_dimension_of(corrdim_data, progress)
        else:
            corrdim = correlation_dimension_of(corrdim_data)
    result = None
    if sweep_ready:
        if sweep_cached:
            result = beta_sweep_of(data, sweep)
        else:
            with ui.progress_bar("Annealing the VAE from large to small β") as progress:
                result = beta_sweep_of(data, sweep, progress)

st.subheader("Dimensionality, measured two ways")
if corrdim is not None:
    st.plotly_chart(plots.dimensionality_two_ways(result, corrdim, unit, data.expected_dimension), width="stretch")
    text = flattest_half_decade("dim(Q)", "Q", corrdim.dim, corrdim.q)
    if result is not None:
        text += " " + flattest_half_decade("D(β)", "β", result.dimensionality, result.betas)
    st.markdown(text)
else:
    st.info("Press **Train the β sweep** to compute the exact EMDs between jets and the correlation dimension.",
            icon=":material/play_arrow:")

if result is None:
    st.info("Press **Train the β sweep** to train the VAE (annealed: one model carried from the largest β to the "
            "smallest, a snapshot kept at each β). The default toy sheet takes well under a minute; jets take "
            "minutes on a CPU (each step solves a Sinkhorn transport per jet).", icon=":material/play_arrow:")
    if not is_jets:
        st.markdown("**What to notice.** Between the noise (σ√16, 0.04 by default) and the size of the sheet (≈ 1), "
                    "dim(Q) sits at d; below the noise it rises towards 16, above the sheet it falls to 0.")
    st.stop()

st.plotly_chart(plots.kl_curves(result, unit), width="stretch")
table = pd.DataFrame({"beta": result.betas, "kl_total": result.kl_total, "D_from_kl": result.dimensionality,
                      "D_from_reconstruction": result.dimensionality_reconstruction,
                      "mean_distance2": result.distance2, "active_dims": result.active_dims,
                      **{f"kl_z{i + 1}": result.kl_per_dim[:, i] for i in range(result.kl_per_dim.shape[1])}})
ui.download_csv(table, "vae_beta_sweep.csv")
st.markdown(
    "**What to notice.** Each latent dimension's KL grows like ln(1/β) once it opens, so the total KL is a "
    "straight line in ln β with slope −D. Where D(β) is flat it counts the manifold's dimensions at that "
    "resolution; the dashed curve gets the same count from the reconstruction error (each open dimension "
    "leaves β²/2 of squared error). The circle needs two Gaussian latents at large β (the latent plane "
    "cannot close up into a loop) and one at small β, where the VAE cuts the circle open somewhere."
)

st.subheader("Latent explorer")
beta_index = st.select_slider("β of the model to explore", options=list(range(len(result.betas))),
                              value=explorer.representative_beta_index(result),
                              format_func=lambda i: f"{result.betas[i]:.3g}")
model = model_at(data, sweep, beta_index, result.state_dicts[beta_index])
kl_here = result.kl_per_dim[beta_index]
active = explorer.active_dimensions(kl_here)
dims = explorer.most_active(kl_here, 2)
means = explorer.encode_means(model, inputs)
st.caption(f"At β = {result.betas[beta_index]:.3g}: {len(active)} active latent dimension(s) "
           f"({', '.join(f'z{i + 1}: {kl_here[i]:.2f} nats' for i in active) or 'none'}).")
left, right = st.columns(2)
with left:
    st.plotly_chart(plots.latent_scatter(means, dims, properties[colour_name], colour_name), width="stretch")
with right:
    st.markdown("**Traversal**: move along each active latent dimension; the decoder draws the point live.")
    z = np.zeros(model.latent_dim, dtype=np.float32)
    for i in active[:4]:
        z[i] = st.slider(f"z{i + 1}", -2.5, 2.5, 0.0, 0.1, key=f"vae_latent.traverse.{i}")
    decoded = explorer.decode(model, z[None, :])
    if is_jets:
        st.plotly_chart(plots.jet_clouds(decoded, ["decoded"], "Decoded jet"), width="stretch")
if not is_jets:
    paths = explorer.traversal_paths(model, z, active[:4])
    st.plotly_chart(plots.manifold_view(projection(inputs), properties[colour_name], colour_name,
                                        "Decoded traversals (lines) and the decoded point (dot)",
                                        [projection(p) for p in paths], [f"along z{i + 1}" for i in active[:4]],
                                        projection(decoded), "decoded z"), width="stretch")

st.subheader("Prior samples and reconstructions")
samples = explorer.prior_samples(model, 500 if not is_jets else 5, seed=settings.seed)
recon = explorer.reconstructions(model, inputs[:200 if not is_jets else 5], seed=settings.seed)
if is_jets:
    st.plotly_chart(plots.jet_clouds(samples, [f"z ~ N(0, 1) #{k + 1}" for k in range(5)], "Jets decoded from the prior"),
                    width="stretch")
    st.plotly_chart(plots.jet_clouds(inputs[:5], [f"original {k + 1}" for k in range(5)], "Originals"), width="stretch")
    st.plotly_chart(plots.jet_clouds(recon, [f"reconstruction {k + 1}" for k in range(5)], "Reconstructions"),
                    width="stretch")
else:
    left, right = st.columns(2)
    with left:
        st.plotly_chart(plots.manifold_view(projection(inputs), properties[colour_name], colour_name,
                                            "Decoded prior samples z ~ N(0, 1)", highlight_3d=projection(samples),
                                            highlight_name="prior samples"), width="stretch")
    with right:
        st.plotly_chart(plots.reconstruction_pairs(projection(inputs[:200]), projection(recon)), width="stretch")
st.markdown(
    "**What the toy leaves out.** The sheets are smooth and uniformly sampled; real data have a density that "
    "varies along the manifold, which tilts D(β). The jet VAE decodes a fixed number of particles and its "
    "Sinkhorn distance has an entropic floor of order ε, so its smallest β values mean little."
)
