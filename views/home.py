"""Home: what GANplify Lab is, what each page teaches, and the jets three of the pages work on."""

import shlex
from pathlib import Path

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from ganplify_core import overview, params, ui
from ganplify_core.jets import files
from ganplify_core.jets import plots as jet_plots
from ganplify_core.jets.experiment import FILE_OVERVIEW, OVERVIEW, JetFileConfig, JetOverviewConfig, shown_jets_npz
from ganplify_core.jets.sample import available_sources
from ganplify_core.plots import remembered

PARAMS = ui.page_params(JetOverviewConfig, narrow={
    "source": {"choices": available_sources()},
    "n": {"choices": (1000, 2000, 5000, 10_000, 20_000, 50_000), "widget": "select_slider",
          "help": "jets of each class in the histograms and the average images (the page keeps to 50 000; the "
                  "reference sample holds 10 000 per class)"},
})
settings = ui.start_page("home", PARAMS)


def draw_jets(result, key: str) -> None:
    """The jets figures of an overview (built-in or the user's): mean masses, images, point clouds, observables."""
    for column, process in zip(st.columns(len(result.classes)), result.classes):
        mean, std = result.mean_and_std(process, "mass")
        column.metric(f"{jet_plots.class_name(process)} jets: mean mass", f"{mean:.1f} GeV",
                      help=f"standard deviation {std:.1f} GeV over {result.size(process):,} {result.config.source} jets")
    start = st.columns([1, 3])[0].selectbox("Example jets", (0, 3, 6), format_func=lambda s: f"jets {s + 1}–{s + 3}",
                                            help="A plot option: which of the stored example jets to show; never "
                                                 "regenerates.", key=f"{key}.examples")
    images_tab, clouds_tab, observables_tab = ui.lazy_tabs(
        ["Images", "Point clouds", "Observables"], key=f"{key}.view")
    ui.chart(remembered(jet_plots.example_images, result, start), key=f"{key}.images", container=images_tab,
             draw=images_tab.open)
    ui.chart(remembered(jet_plots.example_point_clouds, result, start), key=f"{key}.clouds", container=clouds_tab,
             draw=clouds_tab.open)
    ui.chart(remembered(jet_plots.observable_histograms, result), key=f"{key}.observables",
             container=observables_tab, draw=observables_tab.open)
    if observables_tab.open and result.compared_source:
        observables_tab.caption("Solid: the toy; dashed: Pythia 8 (the reference sample). Where they differ, the "
                                "toy is the simplification (see the README's Jets section).")
    st.download_button(f"Download these jets (.npz in JetNet's layout, at most {files.DOWNLOAD_MAX_JETS:,})",
                       data=lambda: shown_jets_npz(result.config), file_name=f"jets-{result.config.source}.npz",
                       mime="application/octet-stream", on_click="ignore", key=f"{key}.download",
                       icon=":material/download:",
                       help="particle_features (η, φ, pT/pT_jet, mask) of the 50 hardest constituents after "
                            "preprocessing, jet_features (type, pT, η, mass, constituents), labels and class_names; "
                            "upload it below with the format 'JetNet arrays' to get these jets back.")


st.title("GANplify Lab")
st.markdown(
    "Generative and unsupervised machine learning on particle-physics toy data, one question per page. "
    "Every number on these pages is computed by `ganplify_core`, and every page shows the terminal "
    "command that reproduces it."
)



def amplification_claim() -> str:
    """The GAN page's row: its claim with the 95 % interval of the shipped default run, or as a question."""
    summary = overview.amplify_default_summary()  # no torch while the shipped result is the one shown
    gan = (summary or {}).get("gan")
    interval = (gan or {}).get("amplification_of_mean_mse_ci95")
    how = "Quantile MSE against fit, kernel density and the sample itself; the amplification factor."
    n = overview.AMPLIFY_DEFAULT["n_train"]
    if not gan or not interval:
        return f"Can a GAN trained on {n} points be worth more than {n} points? {how}"
    low, high = interval
    verdict = ("more than its training points, because it interpolates" if low > 1 else
               "not clearly more than its training points (the interval includes 1)")
    return (f"A GAN trained on {n} points was worth {gan['amplification_of_mean_mse']:.2f} × {n} points (95 % CI "
            f"{low:.2f}–{high:.2f} over {summary['seeds']} training sets, the page's default run): {verdict}. "
            f"{how}")


left, right = st.columns([3, 2])
with left:
    for file, title, icon, teaches in overview.PAGE_GUIDE:
        try:
            st.page_link(file, label=title, icon=icon)
        except StreamlitPageNotFoundError:  # the page file run on its own (tests): a plain link to its URL path
            st.markdown(f"**[{title}](/{Path(file).stem})**")
        st.caption(amplification_claim() if file == "views/gan_amplification.py" else teaches)
with right:
    ui.chart(overview.camelback_teaser(seed=settings.seed), key="home.teaser")
    st.caption("100 points from ½N(−4, 1) + ½N(4, 1). How many *true* points is a GAN trained on them worth? "
               "The GAN amplification page answers.")

st.divider()
st.header("Jets")
ui.prose(
    "The VAE latent explorer, the clustering page and the autoencoder ROC page work on **jets**: the spray "
    "of particles a quark, a gluon or a boosted heavy particle leaves in the detector, at pT ≈ 600 GeV. "
    "*QCD* jets come from one quark or gluon; *W* jets from W → q q̄ (two prongs, mass 80 GeV); *top* jets "
    "from t → b q q̄ (three prongs, mass 173 GeV). Each jet is a point cloud of up to 50 particles "
    "(pT, η, φ), centred, rotated and flipped, or a 40 × 40 image of it. The *toy* source is a fast parton "
    "shower written for this app; *reference*, where present, is a Pythia 8 sample.",
    "What jets are",
)
ui.preset_buttons(settings, OVERVIEW)
# On a projector a sixth of the row cut the button's label ("Generat…").
source_column, size_column, button_column = st.columns([2, 3, 2 if ui.lecture_mode() else 1],
                                                       vertical_alignment="bottom")
with source_column:
    settings.widget("source", horizontal=True)
with size_column:
    settings.widget("n")
with button_column:
    pressed = st.button("Generate jets", type="primary", key="home.generate")
config = settings.config(JetOverviewConfig)
result = ui.result_of(OVERVIEW, config, pressed)

if result is None:
    ui.press_prompt(OVERVIEW, config, "Generate jets", "These jets have not been generated yet")
else:
    draw_jets(result, "home")
    st.markdown(
        "**What to notice.** A single jet image is sparse; the class averages are not. Top jets have a mass "
        "peak near 173 GeV and three prongs (low τ₃₂ = τ₃/τ₂), W jets a peak near 80 GeV and two prongs (low "
        "τ₂₁); QCD jets have a broad mass spectrum with a tail that reaches the top, and sometimes split hard "
        "into two or three prongs themselves, which is why no tagger on these pages is perfect."
    )
ui.show_cli(params.command_line("jets", config.jets_config("top")))

st.subheader("Your own jets")
ui.prose(
    "Upload jets in the layout of the **top-tagging reference dataset** (HDF5, key `table`: columns `E_i, PX_i, "
    "PY_i, PZ_i` and `is_signal_new`), **JetNet's arrays** (`particle_features` (N, P, ≥ 3) = η_rel, φ_rel, pT or "
    "pT_rel [, mask], optional `jet_features`; `.npz` or `.h5`) or a **ROOT TTree** of constituent branches "
    "(pt/eta/phi or px/py/pz/E). They go through exactly the built-in jets' steps: the 50 hardest constituents, "
    "the observables, centring, rotation and flip.",
    "The file formats",
)
format_column, label_column = st.columns(2)
file_format = format_column.selectbox("File format", files.FORMATS, format_func=files.FORMAT_LABELS.get,
                                      key="home.upload_format")
file_label = label_column.text_input("Label column, array or branch (blank: the format's default)", max_chars=100,
                                     key="home.upload_label",
                                     help="top-tagging: is_signal_new (1 = top, 0 = QCD); JetNet: labels, else the "
                                          "type column of jet_features; ROOT: is_signal_new, label or labels")
upload = st.file_uploader(f"Jets file (at most {files.MAX_UPLOAD_BYTES // 2**20} MB; the first "
                          f"{files.PAGE_MAX_JETS:,} jets are read)", type=["h5", "hdf5", "npz", "root"],
                          key="home.upload")
if upload is not None:
    digest, data = ui.uploaded(upload)
    with ui.user_errors():
        digest = files.store_upload(data, file_format, file_label.strip() or None, name=upload.name, digest=digest)
    file_config = JetFileConfig(digest=digest, file_name=upload.name, format=file_format, label=file_label.strip())
    file_result = ui.result_of(FILE_OVERVIEW, file_config, pressed=False)
    if file_result is not None:
        draw_jets(file_result, "home.file")
    label_option = f" --label {shlex.quote(file_config.label)}" if file_config.label else ""
    ui.show_cli(f"python -m ganplify_core jets --input {shlex.quote(upload.name)} --format {file_format}{label_option} "
                f"--max-jets {file_config.n} --json")
ui.download_all("home")
