#!/usr/bin/env bash
# The CUDA checks, in one run on a machine with an NVIDIA GPU (its own python3 with torch and CUDA):
# the unit tests of the code that runs on the device, with GANPLIFY_DEVICE=cuda, then the GPU timings:
# each heavy metric on the CPU and on CUDA in one run (bench_gpu.py), the birthday duplicate search, the
# autoencoder page's default run, the VAE and birthday shipped configs. Pure-Python wheels in .whl/
# (plotly) are installed first. Logs go to $OUT (default /tmp/gpu-checks); each step has its own limit.
#
#     OUT=/tmp/gpu-checks bash benchmarks/gpu_checks.sh
set -uo pipefail
OUT=${OUT:-/tmp/gpu-checks}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 GANPLIFY_DEVICE=cuda GANPLIFY_CACHE_DIR=/tmp/ganplify-gpu-cache PYTHONPATH=$PWD
PY=${PYTHON:-python3}
if compgen -G ".whl/*.whl" >/dev/null; then  # pure-Python wheels the machine lacks (plotly), carried along
    $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site .whl/*.whl || exit
    export PYTHONPATH=$PWD:/tmp/site
fi
step() {  # step NAME SECONDS COMMAND...: run with a limit, keep its log, print its status and wall time
    local name=$1 limit=$2; shift 2
    local start=$SECONDS
    timeout "$limit" "$@" >"$OUT/$name.log" 2>&1
    local rc=$?
    echo "== $name: exit $rc after $((SECONDS - start)) s" | tee -a "$OUT/summary.txt"
    tail -n 25 "$OUT/$name.log"
}
{ nvidia-smi -L; $PY -c "import torch; print('torch', torch.__version__, torch.cuda.get_device_name())"; nproc; } \
    | tee "$OUT/summary.txt"
step tests 200 $PY -m pytest -q -p no:cacheprovider -n 8 --timeout 180 \
    tests/unit/test_amplify.py tests/unit/test_amplify_device.py tests/unit/test_amplify_samples.py \
    tests/unit/test_anomaly.py tests/unit/test_birthday.py tests/unit/test_calorimeter_gan.py \
    tests/unit/test_calorimeter_showers.py tests/unit/test_loop_syncs.py tests/unit/test_vae_latents.py \
    tests/unit/test_jobs.py tests/unit/test_cache.py
step bench_gpu 240 $PY benchmarks/bench_gpu.py
step bench_birthday 90 $PY benchmarks/bench_birthday.py
step bench_autoencoder 150 $PY benchmarks/bench_autoencoder.py
step make_assets 90 $PY scripts/make_assets.py --only vae,birthday,corrdim --force
