#!/usr/bin/env bash
# One GPU session, end to end, from one packed file (what ran on the device machines):
#   0. the CUDA-graph unit test (models/tests/test_train.py -k graph), where pytest is installed;
#   1. bench/train: rosinality/glow-pytorch (its own code, from .baseline/) vs ours, eager and
#      replayed from a CUDA graph, for each compile mode x coupling type x channel alignment
#      asked for, images/s, plus a torch.profiler table of each eager row (also the smoke test:
#      a broken torch / GPU path fails here in seconds);
#   2. optional (RACE=1): the 330 s race at the baseline's size (K=32, L=4, hidden 512), with the
#      graph / compile / alignment of step 1's fastest row;
#   3. optional (SHIP=1, the default): the shipped model (K=16, L=4, hidden 256) for the time
#      left; its fp32 weights come back in five parts (a returned file may hold at most 16 MiB).
# Needs: .traindata/face64.tar.gz (models/pack_dataset.py), .baseline/model.py (optional).
# Writes everything to $OUT (default /tmp/gpu-out). Usage: bash models/gpu_session.sh [total_seconds]
# Knobs (environment), bench: BATCHES (eager batches, default 512), GRAPH_BATCHES (256,512,1024),
#   COMPILE (off | couplings | couplings-autotune | model, comma-separated; default off), COUPLINGS (affine,additive;
#   default affine), ALIGNED (off,on; default off), TAPS (off,on: --conv-taps; default off), BENCH_STEPS (10),
#   BENCH_SECONDS (300), BENCH (1; 0 skips the bench: training then uses TRAIN_COMPILE, default off,
#   TRAIN_ALIGN=1 for --align-channels and TRAIN_TAPS=1 for --conv-taps);
# race: RACE (0), RACE_BATCH (256), RACE_ABOVE (images/s the bench's fastest row must beat for the
#   race to run; default none); CKPT (0; 1, or a race not run: eager rows at CKPT_BATCHES, 256,512, with
#   and without --checkpoint-couplings, into ckpt.txt); shipped model: SHIP (1), SHIP_BATCH (512),
#   SHIP_WARMUP (200).
#   PYTEST (1; 0 skips step 0), WARMUP (bench warm-up steps; the bench's default otherwise);
#   BATCHES="" runs no eager rows. Logs, bench.txt/.json and race.log go straight to $OUT, so a
#   run stopped at its limit still brings them back.
# 2026-11-27 (#4: the compiled coupling network and the race on the H200; bench/train/RESULTS.md):
#   PYTEST=0 SHIP=0 RACE=1 BATCHES= GRAPH_BATCHES=1024 COMPILE=couplings,off ALIGNED=on,off \
#     COUPLINGS=affine,additive WARMUP=3 BENCH_SECONDS=170 bash models/gpu_session.sh 590
# 2026-11-28 (#4: the 3x3 convolutions by taps, --conv-taps; bench/train/RESULTS.md), four calls on
# one machine: the first ran out of memory in the taps row's eager check at batch 1024, and timed
# the checkpointing instead of racing; the next two measured taps at 512 (beside the same row
# without) and at 768 and 1024 (the check at 768 only); the last ran the GPU tests and train.py:
#   PYTEST=0 SHIP=0 RACE=1 RACE_ABOVE=1750 BATCHES= GRAPH_BATCHES=1024 COMPILE=couplings ALIGNED=on \
#     TAPS=off,on WARMUP=3 BENCH_SECONDS=190 bash models/gpu_session.sh 575
#   PYTEST=0 SHIP=0 BATCHES= GRAPH_BATCHES=512 COMPILE=couplings ALIGNED=on TAPS=on,off WARMUP=3 \
#     BENCH_SECONDS=230 bash models/gpu_session.sh 260
#   (the same with GRAPH_BATCHES=768,1024 TAPS=on BENCH_SECONDS=240)
# Next: the 330 s race with taps at batch 1024 (RACE=1 RACE_BATCH=1024 BENCH=0 TRAIN_COMPILE=couplings
#   TRAIN_ALIGN=1 TRAIN_TAPS=1), and the shipped model retrained with them (SHIP=1).
set -u -o pipefail
export PYTHONUNBUFFERED=1
TOTAL=${1:-540}
T0=$(date +%s)
OUT=${OUT:-/tmp/gpu-out}
WORK=/tmp/glow-session
rm -rf "$WORK"  # a warm machine keeps /tmp between calls
mkdir -p "$OUT" "$WORK"
left() { echo $((T0 + TOTAL - $(date +%s))); }
log() { echo "[$(( $(date +%s) - T0 ))s] $*" | tee -a "$OUT/session.log"; }

{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
  python3 -c "import torch; print('torch', torch.__version__, torch.cuda.get_device_name(0))"
  nproc; } 2>&1 | tee "$WORK/env.txt"
tar xzf .traindata/face64.tar.gz -C "$WORK" || { log "no training data"; exit 2; }
DATA="$WORK/face64"
log "data: $(ls "$DATA" | wc -l) files"

RACE_MODEL=(--levels 4 --steps 32 --hidden 512)
SHIP_MODEL=(--levels 4 --steps 16 --hidden 256)
COMMON=(--data "$DATA" --n-bits 5 --optimizer adamax --lr 1e-3 --log-every 50 --ckpt-every 1000000000)

if [ "${PYTEST:-1}" = 1 ] && python3 -c "import pytest" 2>/dev/null; then
  log "0. CUDA graph test"
  timeout 150 python3 -m pytest -q -p no:cacheprovider models/tests/test_train.py -k "graph or compile" 2>&1 | tee "$WORK/pytest.txt"
fi

if [ "${BENCH:-1}" = 1 ]; then
log "1. bench (also the smoke test: a broken torch / GPU path fails here in seconds)"
ROS=(); [ -f .baseline/model.py ] && ROS=(--rosinality .baseline)
WARM=(); [ -n "${WARMUP:-}" ] && WARM=(--warmup "$WARMUP")
timeout "${BENCH_SECONDS:-300}" python3 bench/train/bench_train.py "${ROS[@]}" "${WARM[@]}" --only ours --batches "${BATCHES-512}" \
  --graph-batches "${GRAPH_BATCHES:-256,512,1024}" --compile "${COMPILE:-off}" --couplings "${COUPLINGS:-affine}" --aligned "${ALIGNED:-off}" --taps "${TAPS:-off}" --steps "${BENCH_STEPS:-10}" \
  --profile "$WORK/profile.txt" --json "$OUT/bench.json" 2>&1 | tee "$OUT/bench.txt" || log "bench failed"
pkill -f multiprocessing.spawn 2>/dev/null  # a row's process left by the time limit would hold the GPU
# no row at all: torch / the GPU path is broken here (then the training below fails at once and
# stops the session), or the first row outlasted BENCH_SECONDS (compiling): train with the defaults
[ -f "$OUT/bench.json" ] || log "no bench rows: training with the CUDA graph, no compile, no alignment"
read -r GRAPH COMPILED ALIGN TAPS1 BEST <<<"$(python3 -c "
import json
rows = [r for r in json.load(open('$OUT/bench.json'))['rows'] if r['name'] == 'ours']
best = max(rows, key=lambda r: r['img_per_s'])
print('auto' if best.get('cuda_graph') else 'off', best.get('compile', 'off'), int(best.get('aligned', False)),
      int(best.get('taps', False)), int(best['img_per_s']))
" 2>/dev/null || echo auto off 0 0 0)"
log "fastest bench row: cuda graph $GRAPH, compile $COMPILED, aligned channels $ALIGN, conv taps $TAPS1, $BEST images/s"
else
GRAPH=auto COMPILED=${TRAIN_COMPILE:-off} ALIGN=${TRAIN_ALIGN:-0} TAPS1=${TRAIN_TAPS:-0} BEST=0
fi
COMMON+=(--cuda-graph "$GRAPH" --compile "$COMPILED")
[ "$ALIGN" = 1 ] && COMMON+=(--align-channels)
[ "$TAPS1" = 1 ] && COMMON+=(--conv-taps)
# RACE_ABOVE: race only when the bench's fastest row beat this many images/s (a race at a speed
# already raced says nothing new); otherwise time the gradient checkpointing instead (CKPT=1)
if [ "${RACE:-0}" = 1 ] && [ "$BEST" -le "${RACE_ABOVE:--1}" ]; then
  log "fastest row $BEST <= RACE_ABOVE $RACE_ABOVE images/s: no race"; RACE=0; CKPT=1
fi
if [ "${CKPT:-0}" = 1 ]; then
  log "gradient checkpointing of the coupling networks, eager, against the same rows without"
  for ckpt in "" --checkpoint-couplings; do
    timeout 150 python3 bench/train/bench_train.py --only ours --batches "${CKPT_BATCHES:-256,512}" --graph-batches "" \
      --steps 5 --warmup 2 $ckpt 2>&1 | tee -a "$OUT/ckpt.txt" || log "checkpointing bench failed"
  done
fi

if [ "${RACE:-0}" = 1 ]; then
log "2. race: 330 s at the baseline's size"
RACE_T0=$(date +%s)
timeout 420 python3 models/train.py "${COMMON[@]}" "${RACE_MODEL[@]}" --out "$WORK/race" --batch "${RACE_BATCH:-256}" \
  --warmup-steps 200 --budget-minutes 5.5 --val-images 0 2>&1 | tee "$OUT/race.log" || {
  log "race failed"
  # failing at once means train.py itself is broken here: stop, so the session can be rerun
  [ $(( $(date +%s) - RACE_T0 )) -lt 90 ] && exit 3; }
fi

if [ "${SHIP:-1}" = 1 ]; then
SHIP_MIN=$(python3 -c "print(max(0.5, ($(left) - 45) / 60))")
log "3. shipped model: ${SHIP_MIN} min"
timeout $(( $(left) + 20 )) python3 models/train.py "${COMMON[@]}" "${SHIP_MODEL[@]}" --out "$WORK/ship" --batch "${SHIP_BATCH:-512}" \
  --warmup-steps "${SHIP_WARMUP:-200}" --budget-minutes "$SHIP_MIN" --val-images 0 2>&1 | tee "$WORK/ship.log" || log "ship failed"
python3 - "$WORK/ship/last.pt" "$OUT" <<'EOF' || log "weights not saved"
import sys, torch
ckpt = torch.load(sys.argv[1], map_location="cpu", weights_only=False)
model = ckpt["model"]
keys = sorted(model)
for part in range(5):  # five files: each under the 16 MiB a returned file may have
    torch.save({"config": ckpt["config"], "step": ckpt["step"], "metrics": ckpt["metrics"],
                "training": ckpt["training"], "model": {k: model[k] for k in keys[part::5]}},
               f"{sys.argv[2]}/ship.part{part}.pt")
EOF
fi
rm -f "$WORK"/*/last.pt
tar czf "$OUT/logs.tar.gz" -C "$WORK" $(cd "$WORK" && ls env.txt pytest.txt profile.txt ship.log \
  race/*.png race/metrics.jsonl ship/*.png ship/metrics.jsonl 2>/dev/null)
log "done"
