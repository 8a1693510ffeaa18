"""Train the Glow face model on a folder of aligned square crops.

One GPU (how the shipped face-64 was trained) / the CPU:
    python models/train.py --data /work/data-aligned-64 --out runs/face-64 --levels 4 --steps 16 \
        --hidden 256 --batch 512 --warmup-steps 50 --budget-minutes 2
    /usr/bin/python3 models/train.py --data /work/data-aligned-32 --out /work/runs/cpu-face \
        --image-size 32 --levels 3 --steps 8 --hidden 128 --batch 32 --threads 2 --budget-minutes 50
Several GPUs or machines (torchrun sets LOCAL_RANK / RANK / WORLD_SIZE; rank 0 writes the run
folder on its machine and a resume hands its last.pt to every rank: no shared folder needed):
    torchrun --nproc_per_node 8 models/train.py --data /work/data-aligned-64 --out runs/face-64 --batch 128

Loss: bits/dim of the dequantised n-bit image (5 bits by default). Adamax (or Adam) with a
linear LR warm-up, gradient-norm clipping, and steps whose gradient is not finite skipped.
On CUDA: bf16 autocast for the coupling networks while the flow's own stream stays fp32
(validation always fp32), TF32 matmuls, channels-last; --compile couplings compiles the
coupling network once for all couplings (torch >= 2; couplings-autotune lets the compiler time
its own kernels against cuDNN's too), --compile model the whole model; --conv-taps runs the
3x3 convolutions as 1x1 ones over their 9 taps (wider matrix products). Actnorm is initialised from one batch
before DistributedDataParallel wraps the model (DDP then broadcasts rank 0's values).

Resumable and reproducible: the batch of every step is a pure function of (seed, epoch,
step) through DistributedSampler, and the dequantisation noise of every step is drawn from a
generator seeded with (seed, step, rank), so resuming from a checkpoint (`last.pt`: model,
optimizer, step, RNG states, config, args) continues the same loss curve. The checkpoint's
model config wins over the command line's model flags (a note names each one it overrides).
A run that starts over (--resume never, or a checkpoint from another folder) first moves
OUT's earlier run into OUT/previous-<date-time>/.
Every --ckpt-every steps and at the end: last.pt, samples-<step>.png (temperature 0.7) and
validation bits/dim (noise averaged over --val-draws draws), appended to metrics.jsonl, whose
elapsed_s counts the training time since the run's start, across resumes.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
import types
from contextlib import nullcontext
from pathlib import Path
from typing import Callable, ContextManager, Dict, List, Optional, Tuple

import numpy as np
import torch
import torch.distributed as dist
from torch import nn
from torch.utils.data.distributed import DistributedSampler

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from data import FaceFolder, output_folder_problem, save_grid  # noqa: E402
from cuda_graph import GraphedLoss  # noqa: E402
from glow import ActNorm, AlignedConv2d, Coupling, Glow, GlowConfig, GlowMethod, coupling_net, dequantize, preprocess  # noqa: E402

SAMPLE_TEMPERATURE = 0.7
# The flags that define the model, by GlowConfig field: a resumed run takes these from its
# checkpoint. (--checkpoint-couplings does not change the model: it comes from the command line.)
MODEL_FLAGS = {"image_size": "--image-size", "levels": "--levels", "steps": "--steps", "hidden": "--hidden",
               "affine": "--additive", "n_bits": "--n-bits"}
# What a run writes into its folder; starting over moves these aside (set_previous_run_aside).
RUN_FILES = ("last.pt", "last.pt.tmp", "metrics.jsonl", "samples-*.png", "final-rank*.pt")


# -- small helpers ---------------------------------------------------------------------------
def fail(message: str) -> None:
    """A problem with the command line (a path, a flag): one line on stderr, exit 2."""
    print(f"train: {message}", file=sys.stderr, flush=True)
    raise SystemExit(2)


def _actnorm_forward_initialized(self, x):
    y = (x + self.loc) * torch.exp(self.log_scale)
    return y, x.shape[2] * x.shape[3] * self.log_scale.sum()


def skip_actnorm_init_check(model: nn.Module) -> None:
    """After initialisation, drop ActNorm's `int(initialized)` test from forward: it forces a
    host sync per layer and a graph break under torch.compile."""
    for m in model.modules():
        if isinstance(m, ActNorm):
            if int(m.initialized) != 1:
                raise RuntimeError("skip_actnorm_init_check called before actnorm initialisation")
            m.forward = types.MethodType(_actnorm_forward_initialized, m)


class Dist:
    """torchrun's environment: LOCAL_RANK, RANK, WORLD_SIZE (absent: one process)."""

    def __init__(self, device_arg: str):
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        self.local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        if device_arg == "auto":
            device_arg = "cuda" if torch.cuda.is_available() else "cpu"
        if device_arg == "cuda":
            if not torch.cuda.is_available():
                raise SystemExit("train: --device cuda but CUDA is not available")
            torch.cuda.set_device(self.local_rank)
            self.device = torch.device("cuda", self.local_rank)
        else:
            self.device = torch.device(device_arg)
        if self.world > 1:
            dist.init_process_group("nccl" if self.device.type == "cuda" else "gloo")

    @property
    def main(self) -> bool:
        return self.rank == 0

    def barrier(self) -> None:
        if self.world > 1:
            dist.barrier()

    def close(self) -> None:
        if self.world > 1:
            dist.destroy_process_group()


def rng_states() -> dict:
    """RNG states as tensors / tuples / ints only, so the checkpoint loads with
    torch.load(weights_only=True), torch >= 2.6's default."""
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    state = {"torch": torch.get_rng_state(),
             "numpy": {"kind": kind, "keys": torch.from_numpy(keys.astype(np.int64)), "pos": int(pos),
                       "has_gauss": int(has_gauss), "cached_gaussian": float(cached)},
             "python": random.getstate()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_states(state: dict) -> None:
    torch.set_rng_state(state["torch"])
    n = state["numpy"]
    if isinstance(n, dict):
        n = (n["kind"], n["keys"].numpy().astype(np.uint32), n["pos"], n["has_gauss"], n["cached_gaussian"])
    np.random.set_state(n)  # (a tuple: checkpoints written before states became plain types)
    random.setstate(state["python"])
    if "cuda" in state and torch.cuda.is_available() and len(state["cuda"]) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(state["cuda"])


def step_generator(seed: int, step: int, rank: int, device: torch.device) -> torch.Generator:
    gen = torch.Generator(device=device)
    gen.manual_seed((seed * 1_000_003 + step * 1_009 + rank) % (2 ** 63))
    return gen


def dequantize_with(x: torch.Tensor, n_bits: int, gen: torch.Generator) -> torch.Tensor:
    return x + torch.rand(x.shape, generator=gen, device=x.device, dtype=x.dtype) / 2 ** n_bits


def set_tf32(enabled: bool) -> None:
    """TF32 for fp32 matmuls/convolutions on CUDA. torch <= 2.8 has allow_tf32 flags; newer
    torch prefers fp32_precision ("tf32" / "ieee") and may refuse mixing the two APIs."""
    try:
        torch.backends.cuda.matmul.allow_tf32 = enabled
        torch.backends.cudnn.allow_tf32 = enabled
        return
    except (AttributeError, RuntimeError):
        pass
    value = "tf32" if enabled else "ieee"
    for owner in (getattr(torch.backends.cuda, "matmul", None), getattr(torch.backends.cudnn, "conv", None)):
        try:
            owner.fp32_precision = value
        except (AttributeError, RuntimeError):
            pass


def resolve_precision(requested: str, device: torch.device) -> str:
    """auto: bf16 autocast on CUDA GPUs that support it, fp32 elsewhere."""
    if requested == "auto":
        bf16_ok = device.type == "cuda" and getattr(torch.cuda, "is_bf16_supported", lambda: False)()
        return "bf16" if bf16_ok else "fp32"
    if requested == "bf16" and device.type != "cuda":
        return "fp32"  # autocast bf16 on CPU is slow and not what we validate: fp32 on CPU
    return requested


def autocast_context(device: torch.device, precision: str, cache: bool = True):
    """cache=False for CUDA graph capture: autocast's cache of cast weights must not outlive
    the captured region."""
    if precision == "bf16" and device.type == "cuda":
        return torch.autocast(device_type="cuda", dtype=torch.bfloat16, cache_enabled=cache)
    return nullcontext()


def resolve_cuda_graph(requested: str, device: torch.device, world: int, compile_model: bool,
                       checkpoint_couplings: bool) -> bool:
    """auto: on for one CUDA process without --compile model or --checkpoint-couplings, else
    eager; on: the same, but a conflict is an error. (--compile couplings combines with it.)"""
    conflicts = [why for why, bad in (("it needs CUDA", device.type != "cuda"),
                                      ("DDP's all-reduce is not captured: use one process", world > 1),
                                      ("not combined with --compile model", compile_model),
                                      ("not combined with --checkpoint-couplings", checkpoint_couplings)) if bad]
    if requested == "on" and conflicts:
        raise SystemExit(f"train: --cuda-graph on: {conflicts[0]}")
    return requested != "off" and not conflicts


COUPLING_COMPILE_MODES = ("couplings", "couplings-autotune")
COMPILE_MODES = ("off", *COUPLING_COMPILE_MODES, "model")


def compile_couplings(glow: Glow, autotune: bool = False) -> int:
    """Compile the coupling network (glow.coupling_net) once and run every coupling through it;
    returns how many couplings use it.

    Why these alone: they hold nearly all of the step's GPU time, and in eager mode their bias
    additions, ReLUs and bias-gradient reductions run as separate memory-bound kernels over the
    hidden activations (37% of the step in bench/train/RESULTS.md's profile), which the compiler
    fuses. One compiled function of the weights, specialised per level's shapes (dynamic=False),
    instead of nn.Module.compile per coupling, which would trace each of the K x L networks
    again. Parameter names and checkpoints are unchanged; the flow's own stream stays eager,
    and the CUDA graph still captures the whole step. autotune: Inductor also times its own
    Triton kernels for the convolutions (the skinny first and last ones may gain) at a longer
    compile (mode max-autotune-no-cudagraphs: the CUDA graph is ours)."""
    if not hasattr(torch, "compile"):
        raise SystemExit(f"train: --compile couplings needs torch >= 2 (torch.compile); "
                         f"this is torch {torch.__version__}")
    import torch._dynamo as dynamo
    # Entries per level x (training, no-grad validation) x coupling type x alignment: more than
    # dynamo's default of 8, past which it would fall back to eager without a word.
    limit = "recompile_limit" if hasattr(dynamo.config, "recompile_limit") else "cache_size_limit"
    setattr(dynamo.config, limit, max(getattr(dynamo.config, limit), 64))
    compiled = torch.compile(coupling_net, dynamic=False,
                             mode="max-autotune-no-cudagraphs" if autotune else None)
    couplings = [m for m in glow.modules() if isinstance(m, Coupling)]
    for coupling in couplings:
        coupling.net_fn = compiled
    return len(couplings)


def align_channels(glow: Glow, multiple: int = 8) -> int:
    """Run the coupling networks' convolutions with channel counts zero-padded to `multiple`
    (glow.AlignedConv2d: the same results, for cuDNN's tensor-core kernels); returns how many
    convolutions pad."""
    convs = [m for m in glow.modules() if isinstance(m, AlignedConv2d)]
    for conv in convs:
        conv.pad_to = multiple
    return sum(1 for c in convs if c.in_channels % multiple or c.out_channels % multiple)


def conv_taps(glow: Glow) -> int:
    """Run the 3x3 convolutions as 1x1 convolutions over their 9 taps (glow.conv3x3_by_taps: the
    same weights and results, wider matrix products); returns how many convolutions do."""
    convs = [m for m in glow.modules() if isinstance(m, AlignedConv2d) and m.kernel_size == (3, 3)]
    for conv in convs:
        conv.taps = True
    return len(convs)


def training_model(glow: Glow, compile_mode: str = "off", aligned: bool = False,
                   wrap: Callable[[nn.Module], nn.Module] = lambda m: m, taps: bool = False) -> nn.Module:
    """The initialised model with the speed options applied, as TrainStep steps it: channels
    aligned, 3x3 convolutions by taps, coupling networks compiled, GlowMethod's bits/dim, wrapped
    by `wrap` (DDP), and compiled whole for compile_mode "model". The one place train.py and
    bench/train set it up."""
    if aligned:
        align_channels(glow)
    if taps:
        conv_taps(glow)
    if compile_mode in COUPLING_COMPILE_MODES:  # after the actnorm init, which runs eagerly
        compile_couplings(glow, autotune=compile_mode == "couplings-autotune")
    model = wrap(GlowMethod(glow, "bits_per_dim"))
    if compile_mode == "model":
        if not hasattr(torch, "compile"):
            raise SystemExit(f"train: --compile model needs torch >= 2; this is torch {torch.__version__}")
        model = torch.compile(model)
    return model


class TrainStep:
    """One optimisation step, as train.py runs it and bench/train times it: the linear LR
    warm-up, forward and backward (replayed from a CUDA graph unless `graph` is "off"),
    gradient-norm clipping, and the optimizer update unless the gradient is not finite.
    graph "auto" falls back to eager when the capture fails; "on" raises."""

    def __init__(self, model: nn.Module, params, optimizer: torch.optim.Optimizer, lr: float, warmup_steps: int,
                 clip: float, device: torch.device, precision: str, graph: str = "off"):
        self.model, self.params, self.optimizer = model, list(params), optimizer
        self.lr, self.warmup_steps, self.clip = lr, warmup_steps, clip
        self.device, self.precision, self.graph = device, precision, graph
        self.graphed: Optional[GraphedLoss] = None

    def lr_at(self, step: int) -> float:
        return self.lr * min(1.0, (step + 1) / max(1, self.warmup_steps))

    def graph_autocast(self):
        return autocast_context(self.device, self.precision, cache=False)

    def capture(self, x: torch.Tensor) -> None:
        try:
            self.graphed = GraphedLoss(self.model, self.params, x, self.graph_autocast)
        except RuntimeError as err:
            if self.graph == "on":
                raise
            self.graph = "off"
            self.optimizer.zero_grad(set_to_none=True)
            print(f"train: CUDA graph capture failed ({str(err).splitlines()[0]}); training eagerly", flush=True)

    def __call__(self, x: torch.Tensor, step: int):
        """(loss, gradient norm, whether the update was applied) for batch x at `step`."""
        for group in self.optimizer.param_groups:
            group["lr"] = self.lr_at(step)
        if self.graph != "off" and self.graphed is None:
            self.capture(x)  # on the first batch
        if self.graphed is not None:
            loss = self.graphed(x)  # .grad now holds this batch's gradients (never set them to None)
        else:
            with autocast_context(self.device, self.precision):
                loss = self.model(x).float().mean()
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
        # With DDP the gradients are all-reduced by now, so every rank sees the same norm and
        # takes the same skip decision.
        grad_norm = torch.nn.utils.clip_grad_norm_(self.params, self.clip if self.clip > 0 else math.inf)
        applied = bool(torch.isfinite(grad_norm))
        if applied:
            self.optimizer.step()
        return loss, grad_norm, applied


def save_atomic(obj, path: Path) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def fmt_time(seconds: float) -> str:
    seconds = max(0, int(seconds))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}h{m:02d}m" if h else f"{m}m{s:02d}s"


def uncompiled() -> ContextManager:
    """Inside, compiled code runs eagerly (torch >= 2.6; else nothing changes). For validation,
    sample grids and checks: a few no-grad batches, where compiling their new shapes would
    cost more time than it saves."""
    set_stance = getattr(getattr(torch, "compiler", None), "set_stance", None)
    return set_stance("force_eager") if set_stance else nullcontext()


@torch.no_grad()
def validation_bpd(glow: Glow, val: FaceFolder, device, batch: int, draws: int, seed: int,
                   channels_last: bool) -> float:
    """Mean bits/dim on the validation images, fp32, dequantisation noise averaged over draws."""
    was_training = glow.training
    glow.eval()
    total, count = 0.0, 0
    gen = torch.Generator(device=device)
    gen.manual_seed(seed + 12345)
    with uncompiled():
        for start in range(0, len(val), batch):
            x = preprocess(val.batch(range(start, min(start + batch, len(val)))).to(device), glow.cfg.n_bits)
            per_image = torch.zeros(x.shape[0], device=device)
            for _ in range(draws):
                xd = dequantize_with(x, glow.cfg.n_bits, gen)
                if channels_last:
                    xd = xd.contiguous(memory_format=torch.channels_last)
                per_image += glow.bits_per_dim(xd).float()
            total += (per_image / draws).sum().item()
            count += x.shape[0]
    glow.train(was_training)
    return total / count


@torch.no_grad()
def sample_grid(glow: Glow, path: Path, device, n: int = 64, temperature: float = SAMPLE_TEMPERATURE,
                seed: int = 0) -> None:
    was_training = glow.training
    glow.eval()
    gen = torch.Generator(device=device)
    gen.manual_seed(seed + 777)
    cfg = glow.cfg
    eps = torch.randn(n, cfg.channels * cfg.image_size ** 2, generator=gen, device=device) * temperature
    with uncompiled():
        save_grid(glow.decode_eps(eps).float().clamp(-0.5, 0.5), path)
    glow.train(was_training)


# -- arguments -------------------------------------------------------------------------------
def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Train the Glow face model (see the module docstring).")
    p.add_argument("--data", required=True, help="folder of square crops (+ optional labels.csv)")
    p.add_argument("--out", required=True, help="run folder: last.pt, metrics.jsonl, samples-*.png")
    g = p.add_argument_group("model")
    g.add_argument("--image-size", type=int, default=64)
    g.add_argument("--levels", type=int, default=4, help="L")
    g.add_argument("--steps", type=int, default=32, help="K flow steps per level")
    g.add_argument("--hidden", type=int, default=512)
    g.add_argument("--additive", action="store_true", help="additive instead of affine coupling")
    g.add_argument("--n-bits", type=int, default=5)
    g.add_argument("--checkpoint-couplings", action="store_true", help="gradient checkpointing of coupling nets")
    g = p.add_argument_group("optimisation")
    g.add_argument("--batch", type=int, default=64, help="images per process per step")
    g.add_argument("--optimizer", choices=("adamax", "adam"), default="adamax")
    g.add_argument("--lr", type=float, default=1e-3)
    g.add_argument("--warmup-steps", type=int, default=500)
    g.add_argument("--clip-grad", type=float, default=50.0, help="max gradient norm (0: off)")
    g.add_argument("--max-steps", type=int, default=1_000_000)
    g.add_argument("--budget-minutes", type=float, default=0, help="stop (with a checkpoint) after this wall time")
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--init-batch", type=int, default=256, help="images for the data-dependent actnorm init")
    g = p.add_argument_group("runtime")
    g.add_argument("--device", default="auto", help="auto, cpu, cuda")
    g.add_argument("--precision", choices=("auto", "fp32", "bf16"), default="auto",
                   help="auto: bf16 autocast + TF32 on CUDA, fp32 on CPU")
    g.add_argument("--channels-last", choices=("auto", "on", "off"), default="auto")
    g.add_argument("--compile", choices=COMPILE_MODES, default="off",
                   help="torch.compile the coupling networks (combines with the CUDA graph; torch >= 2; "
                        "couplings-autotune: a longer compile that also tries the compiler's own kernels) "
                        "or the whole model (eager only; torch >= 2)")
    g.add_argument("--align-channels", action="store_true",
                   help="zero-pad the coupling networks' channel counts to multiples of 8 (same results; for "
                        "tensor cores)")
    g.add_argument("--conv-taps", action="store_true",
                   help="run the 3x3 convolutions as 1x1 convolutions over their 9 taps (same results; wider "
                        "matrix products for the skinny first and last convolutions; meant with --compile couplings)")
    g.add_argument("--cuda-graph", choices=("auto", "on", "off"), default="auto",
                   help="replay forward+backward from a CUDA graph (auto: on for one CUDA process)")
    g.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    g.add_argument("--data-on-device-gb", type=float, default=4.0,
                   help="on CUDA, keep the uint8 training set on the GPU when smaller than this")
    g.add_argument("--resume", default="auto", help="auto (OUT/last.pt if present), never, or a checkpoint path")
    g = p.add_argument_group("logging")
    g.add_argument("--log-every", type=int, default=20)
    g.add_argument("--ckpt-every", type=int, default=1000)
    g.add_argument("--val-images", type=int, default=1024, help="validation images used, evenly spread over the split (0: all)")
    g.add_argument("--val-draws", type=int, default=2, help="dequantisation noise draws averaged")
    g.add_argument("--val-batch", type=int, default=128)
    g.add_argument("--no-samples", action="store_true")
    g.add_argument("--save-every-rank", action="store_true",
                   help="each rank also writes final-rank<r>.pt (to check DDP keeps ranks in sync)")
    args = p.parse_args(argv)
    for name in ("batch", "lr", "image_size", "levels", "steps", "hidden", "log_every", "ckpt_every"):
        if getattr(args, name) <= 0:
            p.error(f"--{name.replace('_', '-')} must be positive, got {getattr(args, name)}")
    if not 1 <= args.n_bits <= 8:
        p.error(f"--n-bits must be in 1..8, got {args.n_bits}")
    return args


# -- run folder and resuming ----------------------------------------------------------------
def command_line_config(args: argparse.Namespace) -> GlowConfig:
    return GlowConfig(image_size=args.image_size, levels=args.levels, steps=args.steps, hidden=args.hidden,
                      affine=not args.additive, n_bits=args.n_bits, checkpoint_couplings=args.checkpoint_couplings)


def _as_flag(field: str, value) -> str:
    if field == "affine":
        return "affine coupling (no --additive)" if value else "--additive"
    return f"{MODEL_FLAGS[field]} {value}"


def resumed_config(args: argparse.Namespace, saved: dict) -> Tuple[GlowConfig, List[str]]:
    """(the checkpoint's model config, a note for each model flag of the command line it
    overrides). args takes the checkpoint's values, so the checkpoint's training.args (and the
    bundle manifest made from it) record the model that was trained."""
    cfg = GlowConfig(**{**saved, "checkpoint_couplings": args.checkpoint_couplings})
    wanted = command_line_config(args)
    notes = [f"the checkpoint's {_as_flag(field, getattr(cfg, field))} is used, "
             f"not {_as_flag(field, getattr(wanted, field))}"
             for field in MODEL_FLAGS if getattr(cfg, field) != getattr(wanted, field)]
    args.image_size, args.levels, args.steps, args.hidden = cfg.image_size, cfg.levels, cfg.steps, cfg.hidden
    args.additive, args.n_bits = not cfg.affine, cfg.n_bits
    return cfg, notes


def load_face_folders(args: argparse.Namespace, size: int,
                      with_val: bool) -> Tuple[FaceFolder, Optional[FaceFolder]]:
    """(train split, validation split or None); a bad --data is a one-line error."""
    try:
        train_set = FaceFolder(args.data, "train", size=size)
        val_set = FaceFolder(args.data, "val", size=size).spread(args.val_images) if with_val else None
    except (FileNotFoundError, ValueError) as err:
        hint = ""
        if any(Path(args.data).glob("*/faces.csv")):
            hint = (f" ({args.data} is `glow-studio align` output: make a training folder from it with "
                    f"models/prepare_aligned.py {args.data} --size {size} --out DIR, then --data DIR)")
        fail(f"--data: {err}{hint}")
    return train_set, val_set


def set_previous_run_aside(out: Path) -> Optional[Path]:
    """Starting over in a folder that holds a run: move that run's files into
    OUT/previous-<date-time>/ (nothing is deleted), so last.pt, metrics.jsonl and the sample
    grids in OUT are the new run's alone. Returns that folder, or None if there was no run."""
    files = sorted({f for pattern in RUN_FILES for f in out.glob(pattern)})
    if not files:
        return None
    stamp = time.strftime("%Y%m%d-%H%M%S")
    aside, n = out / f"previous-{stamp}", 1
    while aside.exists():
        n += 1
        aside = out / f"previous-{stamp}-{n}"
    aside.mkdir()
    for f in files:
        f.rename(aside / f.name)
    return aside


def trim_metrics_after(path: Path, step: int) -> None:
    """Resuming at a checkpoint's `step`: drop the lines of metrics.jsonl after it (written
    before a crash or a kill, and about to be trained again) and a line cut off mid-write, so
    the file holds one curve."""
    def line_step(line: str) -> float:
        try:
            return int(json.loads(line).get("step", 0))
        except (ValueError, AttributeError):
            return math.inf  # cut off mid-write
    if not path.is_file():
        return
    lines = path.read_text().splitlines()
    kept = [line for line in lines if line_step(line) <= step]
    if len(kept) < len(lines):
        tmp = path.with_suffix(".jsonl.tmp")
        tmp.write_text("".join(line + "\n" for line in kept))
        os.replace(tmp, path)


def read_resume_checkpoint(args: argparse.Namespace, out: Path, env: Dist) -> Tuple[Optional[dict], Optional[Path]]:
    """The checkpoint to resume from and its path, as rank 0 reads them (None, None: a fresh run).

    Why rank 0's: rank 0 writes the checkpoints. On several machines without a shared folder the
    other machines' OUT holds no last.pt; a rank that started afresh there would take more steps
    than rank 0 and hang in a collective, so every rank resumes from rank 0's copy."""
    found: Tuple[Optional[dict], Optional[str], Optional[str]] = (None, None, None)  # checkpoint, path, problem
    if env.main:
        path = out / "last.pt" if args.resume == "auto" else (None if args.resume == "never" else Path(args.resume))
        if path is not None and path.is_file():
            found = (torch.load(str(path), map_location="cpu"), str(path), None)  # plain types: weights_only is fine
        elif args.resume not in ("auto", "never"):
            found = (None, None, f"--resume checkpoint not found: {args.resume}")
    if env.world > 1:
        box = [found]
        dist.broadcast_object_list(box, src=0)
        found = box[0]
    ckpt, where, problem = found
    if problem:
        if env.main:
            fail(problem)
        raise SystemExit(2)
    return ckpt, None if where is None else Path(where)


# -- training --------------------------------------------------------------------------------
def train(argv=None) -> Dict[str, List]:
    """Run training; returns {"steps": [...], "losses": [...]} of this process (for tests)."""
    args = parse_args(argv)
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    env = Dist(args.device)
    device = env.device
    cuda = device.type == "cuda"
    precision = resolve_precision(args.precision, device)
    channels_last = args.channels_last == "on" or (args.channels_last == "auto" and cuda)
    if cuda:
        set_tf32(True)
        torch.backends.cudnn.benchmark = True
    # Everything the command line names is checked before anything is written.
    out = Path(args.out)
    problem = output_folder_problem(out)
    if problem:
        fail(f"--out: {problem}")

    # Checkpoint to resume from (its config wins over the command line's model flags).
    ckpt, resume_path = read_resume_checkpoint(args, out, env)
    if ckpt is not None:
        cfg, notes = resumed_config(args, ckpt["config"])
        for note in notes if env.main else []:
            print(f"train: resuming {resume_path}: {note}", flush=True)
    else:
        cfg = command_line_config(args)

    train_set, val_set = load_face_folders(args, cfg.image_size, with_val=env.main)
    sampler = DistributedSampler(train_set, num_replicas=env.world, rank=env.rank, shuffle=True,
                                 seed=args.seed, drop_last=True)
    steps_per_epoch = len(sampler) // args.batch
    if steps_per_epoch == 0:
        fail(f"{len(sampler)} images per process in {args.data} is less than --batch {args.batch}")
    if cuda and train_set.images is not None and train_set.images.numel() < args.data_on_device_gb * 2 ** 30:
        train_set.images = train_set.images.to(device)  # uint8 on the GPU: no host copies per step

    # A run that does not continue OUT/last.pt starts over: the folder's earlier run is set aside
    # instead of being overwritten (last.pt) and appended to (metrics.jsonl).
    continuing = ckpt is not None and resume_path.resolve() == (out / "last.pt").resolve()
    if env.main:
        out.mkdir(parents=True, exist_ok=True)
        aside = None if continuing else set_previous_run_aside(out)
        if aside is not None:
            print(f"train: starting over in {out}: the previous run's files moved to {aside}", flush=True)
        if continuing:
            trim_metrics_after(out / "metrics.jsonl", int(ckpt["step"]))
    env.barrier()

    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    random.seed(args.seed)
    glow = Glow(cfg).to(device)
    step = 0
    if ckpt is not None:
        glow.load_state_dict(ckpt["model"])
        step = int(ckpt["step"])
    else:
        # Data-dependent actnorm init on one batch, before DDP (which broadcasts rank 0's values).
        gen = torch.Generator().manual_seed(args.seed)
        idx = torch.randperm(len(train_set), generator=gen)[: args.init_batch].tolist()
        x = preprocess(train_set.batch(idx).cpu(), cfg.n_bits)  # CPU generator: noise drawn on the CPU
        glow.initialize_actnorm(dequantize_with(x, cfg.n_bits, gen).to(device))
    skip_actnorm_init_check(glow)
    if channels_last:
        glow = glow.to(memory_format=torch.channels_last)

    opt_cls = torch.optim.Adamax if args.optimizer == "adamax" else torch.optim.Adam
    optimizer = opt_cls(glow.parameters(), lr=args.lr)
    if ckpt is not None:
        optimizer.load_state_dict(ckpt["optimizer"])
        set_rng_states(ckpt["rng"])

    ddp = (lambda m: nn.parallel.DistributedDataParallel(m, device_ids=[env.local_rank] if cuda else None)) \
        if env.world > 1 else (lambda m: m)
    model = training_model(glow, args.compile, args.align_channels, ddp, taps=args.conv_taps)

    use_graph = resolve_cuda_graph(args.cuda_graph, device, env.world, args.compile == "model",
                                   cfg.checkpoint_couplings)
    train_step = TrainStep(model, glow.parameters(), optimizer, args.lr, args.warmup_steps, args.clip_grad, device,
                           precision, graph=args.cuda_graph if use_graph else "off")

    params = sum(p.numel() for p in glow.parameters())
    if env.main:
        print(f"train: {len(train_set)} train / {len(val_set)} val images of {cfg.image_size}px from {args.data}; "
              f"{params / 1e6:.2f}M params; {env.world} process(es) on {device}; precision {precision}; "
              f"channels_last {channels_last}; compile {args.compile}; aligned channels {args.align_channels}; "
              f"conv taps {args.conv_taps}; cuda graph {use_graph}; "
              f"{'resumed at step ' + str(step) if ckpt else 'fresh'}", flush=True)

    history: Dict[str, List] = {"steps": [], "losses": []}
    metrics_file = out / "metrics.jsonl"
    t_start = time.time()
    t_window, img_window = time.time(), 0
    budget_s = args.budget_minutes * 60 if args.budget_minutes > 0 else math.inf
    global_batch = args.batch * env.world
    stop = torch.zeros(1, device=device)
    last_metrics: dict = ckpt.get("metrics", {}) if ckpt else {}
    skipped = int(ckpt["training"].get("skipped_steps", 0)) if ckpt else 0
    # Training time before this resume: elapsed_s and train_seconds count from the run's start.
    earlier_seconds = float(ckpt["training"].get("train_seconds", 0)) if ckpt else 0.0
    epoch_loaded, indices = -1, []

    def checkpoint(final: bool) -> None:
        nonlocal last_metrics
        if env.main:
            metrics = {"step": step, "images_seen": step * global_batch,
                       "train_bpd": history["losses"][-1] if history["losses"] else None}
            if val_set is not None:
                metrics["val_bpd"] = validation_bpd(glow, val_set, device, args.val_batch, args.val_draws,
                                                    args.seed, channels_last)
            last_metrics = metrics
            state = {
                "config": cfg.to_dict(),
                "model": glow.state_dict(),
                "optimizer": optimizer.state_dict(),
                "step": step,
                "rng": rng_states(),
                "training": {"args": vars(args), "data": str(args.data), "train_images": len(train_set),
                             "world_size": env.world, "global_batch": global_batch,
                             "skipped_steps": skipped, "torch": str(torch.__version__), "cuda_graph": train_step.graph != "off",
                             "compile": args.compile, "align_channels": args.align_channels,
                             "conv_taps": args.conv_taps,
                             "device": torch.cuda.get_device_name(device) if cuda else "cpu",
                             "train_seconds": round(earlier_seconds + time.time() - t_start, 1)},
                "metrics": metrics,
            }
            save_atomic(state, out / "last.pt")
            if not args.no_samples:
                sample_grid(glow, out / f"samples-{step:07d}.png", device, seed=args.seed)
            with open(metrics_file, "a") as f:
                elapsed = earlier_seconds + time.time() - t_start
                f.write(json.dumps({"event": "checkpoint", "elapsed_s": round(elapsed, 1), **metrics}) + "\n")
            print(f"checkpoint step {step}: val bits/dim {metrics.get('val_bpd', float('nan')):.4f} -> {out / 'last.pt'}",
                  flush=True)
        env.barrier()

    glow.train()
    while step < args.max_steps:
        epoch, within = divmod(step, steps_per_epoch)
        if epoch != epoch_loaded:
            sampler.set_epoch(epoch)
            indices, epoch_loaded = list(sampler), epoch
        batch_idx = indices[within * args.batch:(within + 1) * args.batch]
        gen = step_generator(args.seed, step, env.rank, device)
        x = preprocess(train_set.batch(batch_idx).to(device, non_blocking=True), cfg.n_bits)
        x = dequantize_with(x, cfg.n_bits, gen)
        if channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        loss, grad_norm, applied = train_step(x, step)
        if not applied:
            skipped += 1
            if env.main:
                print(f"step {step}: non-finite gradient (loss {loss.item():.4f}), step skipped", flush=True)
        step += 1
        loss_value = loss.item()
        history["steps"].append(step)
        history["losses"].append(loss_value)
        img_window += global_batch

        if env.main and (step % args.log_every == 0 or step == 1):
            now = time.time()
            rate = img_window / max(1e-9, now - t_window)
            session = now - t_start  # --budget-minutes counts this session's time
            elapsed = earlier_seconds + session
            remaining_steps = args.max_steps - step
            eta = min(remaining_steps * global_batch / max(rate, 1e-9), budget_s - session)
            line = {"event": "step", "step": step, "epoch": epoch, "bpd": round(loss_value, 5),
                    "img_per_s": round(rate, 1), "img_per_s_per_proc": round(rate / env.world, 1),
                    "lr": train_step.lr_at(step - 1),
                    "grad_norm": round(float(grad_norm), 3), "elapsed_s": round(elapsed, 1)}
            print(f"step {step:>7} | epoch {epoch} | bits/dim {loss_value:.4f} | {rate:,.1f} img/s "
                  f"({rate / env.world:,.1f}/proc) | lr {line['lr']:.2e} | grad {float(grad_norm):.2f} | "
                  f"elapsed {fmt_time(elapsed)} | eta {fmt_time(eta)}", flush=True)
            with open(metrics_file, "a") as f:
                f.write(json.dumps(line) + "\n")
            t_window, img_window = now, 0

        # Every rank must agree on stopping: rank 0 decides, everyone follows (with several
        # processes, checked every --log-every steps, the same steps on every rank, to keep the
        # collective off most steps; alone, every step, so the budget is kept to the step).
        check_every = args.log_every if env.world > 1 else 1
        if budget_s < math.inf and (step % check_every == 0 or step == args.max_steps):
            stop.fill_(1.0 if (env.main and time.time() - t_start >= budget_s) else 0.0)
            if env.world > 1:
                dist.broadcast(stop, 0)
        if step % args.ckpt_every == 0 and step < args.max_steps and not stop.item():
            checkpoint(final=False)
        if stop.item():
            if env.main:
                print(f"train: wall-clock budget of {args.budget_minutes} min reached at step {step}", flush=True)
            break

    checkpoint(final=True)
    if args.save_every_rank:
        out.mkdir(parents=True, exist_ok=True)  # another machine's OUT, where rank 0 writes nothing
        torch.save(glow.state_dict(), out / f"final-rank{env.rank}.pt")
    env.barrier()
    env.close()
    history["metrics"] = [last_metrics]
    return history


def _spawned(rank: int, port: int, machines: List[List[str]], nproc_per_machine: int) -> None:
    machine, local_rank = divmod(rank, nproc_per_machine)
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank),
                      LOCAL_RANK=str(local_rank), WORLD_SIZE=str(len(machines) * nproc_per_machine))
    train(machines[machine])


def launch_local(machines: List[List[str]], nproc_per_machine: int = 1, timeout_s: float = 300) -> None:
    """Run training processes on this machine as torchrun would on len(machines) machines of
    nproc_per_machine processes each (the same RANK / LOCAL_RANK / WORLD_SIZE), machine m
    with the command line machines[m]; torch.multiprocessing spawns them. Used by the tests:
    Debian's torch 1.13 torchrun fails under Python 3.11 before starting any worker. Ranks out
    of step wait for each other for ever, so past timeout_s they are ended and this raises."""
    import socket

    import torch.multiprocessing as mp

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    processes = mp.spawn(_spawned, args=(port, [list(argv) for argv in machines], nproc_per_machine),
                         nprocs=len(machines) * nproc_per_machine, join=False)
    deadline = time.time() + timeout_s
    while not processes.join(timeout=max(0.0, deadline - time.time())):
        if time.time() >= deadline:
            for process in processes.processes:
                process.terminate()
            raise TimeoutError(f"launch_local: the training processes were still running after {timeout_s:.0f} s")


def main(argv=None) -> int:
    train(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
