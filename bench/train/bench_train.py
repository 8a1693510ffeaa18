"""Training throughput (images/s per GPU) of models/train.py's step vs a baseline configuration.

    python bench/train/bench_train.py --rosinality .baseline --only ours --batches 512 \
        --graph-batches 256,512,1024 --steps 10 --profile profile.txt   # GPU (bench/train/RESULTS.md)
    /usr/bin/python3 bench/train/bench_train.py --device cpu --steps 3 --image-size 16 --levels 2 \
        --flow-steps 2 --hidden 32 --batch 8                             # smoke run on a CPU

"ours":     the training configuration (default 64px, K=32, L=4, hidden 512, affine coupling,
            Adamax, bf16 autocast + TF32 + channels-last on CUDA, optional coupling
            checkpointing), for each --compile mode (train.py's), stepped
            by models/train.py's own TrainStep (linear LR
            warm-up, grad clipping, non-finite skip), eager at --batches and replayed from a CUDA graph
            (train.py's default on one GPU) at --graph-batches. The first graph row is also
            checked against an eager step on the same batch (loss and gradients).
"baseline": K=32, L=4, 512 hidden, additive coupling, batch 64, Adam lr 1e-4, fp32
            (TF32 off, contiguous NCHW, no compile): our Glow in the baseline's configuration.
"rosinality": with --rosinality DIR, rosinality/glow-pytorch's own model.py imported from DIR
            (kept outside the repository, never committed) and its training step: Glow(3, K, L,
            affine=False, conv_lu=True), batch 64, Adam lr 1e-4, its calc_loss, torch's default
            precision flags, as its train.py runs it.
Inputs are synthetic uint8 images already on the device, so the number is the model's step
time, not data loading (which favours the baselines: their loaders are slower than ours).
Each configuration runs in its own process, so its memory, compiled code and CUDA graph go with
it. Timed after --warmup steps, with CUDA synchronisation. A row says how many of its steps had a
non-finite gradient and so ran without their optimizer update. The ratio column is against
the rosinality row when present, else "baseline".
"""
from __future__ import annotations

import argparse
import itertools
import json
import math
import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "models"))
from glow import Glow, GlowConfig, preprocess  # noqa: E402
from cuda_graph import GraphedLoss  # noqa: E402
from train import (COMPILE_MODES, TrainStep, resolve_precision, set_tf32, skip_actnorm_init_check, training_model,  # noqa: E402
                   uncompiled)


def time_steps(step, warmup: int, steps: int, cuda: bool):
    """(seconds for `steps` calls of step() after `warmup` untimed ones, the last loss)."""
    for _ in range(warmup):
        step()
    if cuda:
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(steps):
        loss = step()
    final = float(loss.detach())  # synchronises
    if cuda:
        torch.cuda.synchronize()
    return time.perf_counter() - t0, final


def graph_vs_eager(graphed: GraphedLoss, model, params, x: torch.Tensor, autocast, chunk: int = 64) -> dict:
    """The captured step against the plain eager one (compiled code run eagerly too) on the same
    batch and weights: |loss difference| and the relative difference of the gradients (all
    parameters as one vector). The eager pass runs in chunks of `chunk` images, accumulating, so
    that it fits beside the graph's memory pool at a large batch (chunks of 256 did not, with
    --conv-taps at batch 1024 on an H200: 105 GB of pool)."""
    g_loss = float(graphed(x))
    g_grads = [p.grad.clone() for p in params]
    buffers = [p.grad for p in params]  # the graph's own output buffers: put back afterwards
    for p in params:
        p.grad = None
    e_loss = 0.0
    with uncompiled():
        for part in x.split(chunk):
            with autocast():
                loss = model(part).float().sum() / len(x)
            loss.backward()
            e_loss += float(loss)
    diff = torch.sqrt(sum(((p.grad.float() - g.float()) ** 2).sum() for p, g in zip(params, g_grads)))
    norm = torch.sqrt(sum((g.float() ** 2).sum() for g in g_grads))
    for p, b in zip(params, buffers):
        p.grad = b
    return {"loss_diff": abs(g_loss - e_loss), "grad_rel_diff": float(diff / norm)}


# The operators whose cost depends on the layer: broken down by input shape in the profile, to
# tell which convolution (first 3x3, middle 1x1, last 3x3; which level) takes the time.
SHAPE_OPS = ("aten::cudnn_convolution", "aten::convolution_backward", "aten::add_", "aten::clamp_min_",
             "aten::threshold_backward", "aten::sum")


def self_time_us(event, cuda: bool) -> float:
    names = ("self_device_time_total", "self_cuda_time_total") if cuda else ("self_cpu_time_total",)
    return next(float(getattr(event, n)) for n in names if hasattr(event, n))


def profile_table(step, cuda: bool, rows: int = 25, steps: int = 2) -> str:
    """torch.profiler over two eager steps: the kernels that take the GPU's time, then the
    layer-dependent operators per input shape (ms and calls per step)."""
    from torch.profiler import ProfilerActivity, profile
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if cuda else [])
    with profile(activities=activities, record_shapes=True) as prof:
        for _ in range(steps):
            step()
        if cuda:
            torch.cuda.synchronize()
    key = "cuda_time_total" if cuda else "cpu_time_total"
    try:
        table = prof.key_averages().table(sort_by=key, row_limit=rows, max_name_column_width=60)
    except Exception:  # newer torch names it device_time_total
        table = prof.key_averages().table(sort_by="device_time_total" if cuda else key, row_limit=rows,
                                          max_name_column_width=60)
    by_shape = sorted(((self_time_us(e, cuda) / steps / 1000, e.key, e.count // steps, e.input_shapes)
                       for e in prof.key_averages(group_by_input_shape=True) if e.key in SHAPE_OPS), reverse=True)
    lines = [f"{'self ms/step':>12} {'calls/step':>10}  {'operator':<28} input shapes"]
    lines += [f"{ms:>12.2f} {calls:>10}  {name:<28} {shapes}" for ms, name, calls, shapes in by_shape[:40]]
    return table + "\n" + "\n".join(lines)


def run_config(name: str, cfg: GlowConfig, batch: int, optimizer: str, lr: float, precision: str,
               channels_last: bool, compile_mode: str, device: torch.device, warmup: int, steps: int,
               cuda_graph: bool = False, graph_check: bool = False, profile_to: str = "",
               warmup_lr: int = 200, aligned: bool = False, taps: bool = False) -> dict:
    cuda = device.type == "cuda"
    if cuda:
        set_tf32(name != "baseline")  # ours: TF32 for the parts autocast leaves in fp32; baseline: strict fp32
        torch.backends.cudnn.benchmark = True
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
    torch.manual_seed(0)
    glow = Glow(cfg).to(device)
    images = torch.randint(0, 256, (batch, 3, cfg.image_size, cfg.image_size), dtype=torch.uint8, device=device)
    x0 = preprocess(images, cfg.n_bits)
    glow.initialize_actnorm(x0 + torch.rand_like(x0) / 2 ** cfg.n_bits)
    skip_actnorm_init_check(glow)
    if channels_last:
        glow = glow.to(memory_format=torch.channels_last)
    model = training_model(glow, compile_mode, aligned, taps=taps)
    opt = (torch.optim.Adamax if optimizer == "adamax" else torch.optim.Adam)(glow.parameters(), lr=lr)

    def batch_input() -> torch.Tensor:
        x = preprocess(images, cfg.n_bits)
        x = x + torch.rand_like(x) / 2 ** cfg.n_bits
        return x.contiguous(memory_format=torch.channels_last) if channels_last else x

    # train.py's step itself; its LR warm-up matters: without it the step can diverge on noise
    # and skip its update.
    train_step = TrainStep(model, glow.parameters(), opt, lr, warmup_lr, 50.0, device, precision,
                           graph="on" if cuda_graph else "off")
    check = None
    if cuda_graph:
        x = batch_input()
        train_step.capture(x)
        if graph_check:  # an eager pass beside the graph's memory pool: at one (small) batch only
            check = graph_vs_eager(train_step.graphed, model, train_step.params, x, train_step.graph_autocast)

    done = {"steps": 0, "skipped": 0}

    def step() -> torch.Tensor:
        loss, _, applied = train_step(batch_input(), done["steps"])
        done["steps"] += 1
        if not applied:
            done["skipped"] += 1  # a timed step without its optimizer update: reported, not hidden
        return loss

    elapsed, final = time_steps(step, warmup, steps, cuda)
    if profile_to and train_step.graphed is None:
        with open(profile_to, "a") as f:
            f.write(f"\n## {name}, batch {batch}, {cfg.to_dict()}\n{profile_table(step, cuda)}\n")
    return {"name": name, "config": cfg.to_dict(), "batch": batch, "optimizer": optimizer, "lr": lr,
            "precision": precision, "channels_last": channels_last, "compile": compile_mode, "aligned": aligned,
            "taps": taps,
            "cuda_graph": cuda_graph, "graph_check": check, "skipped_steps": done["skipped"],
            "img_per_s": batch * steps / elapsed, "step_ms": 1000 * elapsed / steps, "final_bpd": final,
            "peak_mem_gb": torch.cuda.max_memory_allocated() / 2 ** 30 if cuda else None}


def run_rosinality(code_dir: str, image_size: int, levels: int, flow_steps: int, batch: int,
                   device: torch.device, warmup: int, steps: int, n_bits: int = 5) -> dict:
    """rosinality/glow-pytorch's model and training step, as its train.py runs them."""
    sys.path.insert(0, str(Path(code_dir).resolve()))
    import model as rosinality  # noqa: E402  (their model.py; not part of this repository)
    cuda = device.type == "cuda"
    if cuda:  # their code sets no precision flags: torch's defaults
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = True
        torch.backends.cudnn.benchmark = False
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
    torch.manual_seed(0)
    net = rosinality.Glow(3, flow_steps, levels, affine=False, conv_lu=True).to(device)
    opt = torch.optim.Adam(net.parameters(), lr=1e-4)
    n_bins = 2.0 ** n_bits
    n_pixel = image_size * image_size * 3
    images = torch.randint(0, 256, (batch, 3, image_size, image_size), dtype=torch.uint8, device=device)

    def batch_input() -> torch.Tensor:  # their train.py: ToTensor, floor to n_bits, centre
        image = images.float()
        image = torch.floor(image / 2 ** (8 - n_bits))
        return image / n_bins - 0.5

    with torch.no_grad():  # their first batch initialises actnorm
        net(batch_input() + torch.rand_like(batch_input()) / n_bins)

    def step() -> torch.Tensor:
        image = batch_input()
        log_p, logdet, _ = net(image + torch.rand_like(image) / n_bins)
        logdet = logdet.mean()
        loss = -(-math.log(n_bins) * n_pixel + logdet + log_p) / (math.log(2) * n_pixel)
        loss = loss.mean()
        net.zero_grad()
        loss.backward()
        opt.step()
        return loss

    elapsed, final = time_steps(step, warmup, steps, cuda)
    cfg = GlowConfig(image_size=image_size, levels=levels, steps=flow_steps, hidden=512, affine=False)
    return {"name": "rosinality", "config": cfg.to_dict(), "batch": batch, "optimizer": "adam", "lr": 1e-4,
            "precision": "torch default", "channels_last": False, "compile": "off",
            "img_per_s": batch * steps / elapsed, "step_ms": 1000 * elapsed / steps, "final_bpd": final,
            "peak_mem_gb": torch.cuda.max_memory_allocated() / 2 ** 30 if cuda else None,
            "params_m": sum(p.numel() for p in net.parameters()) / 1e6}


def _run_with_threads(threads: int, fn, args: tuple, kwargs: dict) -> dict:
    if threads > 0:
        torch.set_num_threads(threads)
    return fn(*args, **kwargs)


def in_own_process(threads: int, fn, *args, **kwargs) -> dict:
    """fn(*args, **kwargs) in a fresh (spawned) process, its exception re-raised here. Why: each
    configuration's model, compiled code and CUDA graph pool go with its process. In one process,
    on 2026-11-27, a compiled row still held its graph pool when the next row started, and the
    rows after it ran out of memory."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(_run_with_threads, threads, fn, args, kwargs).result()


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="images/s per GPU: our training step vs a baseline Glow config")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--steps", type=int, default=30, help="timed steps per configuration")
    p.add_argument("--warmup", type=int, default=None, help="untimed steps first (default: 5 on CUDA, 1 on CPU; "
                   "+10 when compiling)")
    p.add_argument("--image-size", type=int, default=64)
    p.add_argument("--levels", type=int, default=4)
    p.add_argument("--flow-steps", type=int, default=32, help="K")
    p.add_argument("--hidden", type=int, default=512)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--aligned", default="off", help="comma-separated: off, on (train.py --align-channels: the "
                   "couplings' channel counts zero-padded to multiples of 8)")
    p.add_argument("--taps", default="off", help="comma-separated: off, on (train.py --conv-taps: the 3x3 "
                   "convolutions as 1x1 convolutions over their 9 taps)")
    p.add_argument("--couplings", default="affine", help="comma-separated coupling types for ours: affine (what "
                   "we train), additive (the baseline's)")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--lr-warmup-steps", type=int, default=200, help="ours: linear LR warm-up, as train.py's")
    p.add_argument("--precision", choices=("auto", "fp32", "bf16"), default="auto")
    p.add_argument("--compile", default="off", help="comma-separated train.py --compile modes for ours: "
                   "off, couplings, couplings-autotune (torch >= 2), model (torch >= 2; eager rows only); each gets "
                   "every batch")
    p.add_argument("--checkpoint-couplings", action="store_true")
    p.add_argument("--batches", default=None, help="comma-separated batch sizes for ours, eager (default: --batch;"
                   " '' for none)")
    p.add_argument("--graph-batches", default=None, help="comma-separated batch sizes for ours with the training "
                   "step replayed from a CUDA graph (models/cuda_graph.py, train.py's default on one GPU)")
    p.add_argument("--profile", default="", metavar="FILE",
                   help="append torch.profiler's table of two eager steps of each 'ours' row to FILE")
    p.add_argument("--rosinality", default=None, metavar="DIR",
                   help="folder holding rosinality/glow-pytorch's model.py: time it too, as the reference")
    p.add_argument("--only", choices=("ours", "baseline"), default=None)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--json", default=None, help="also write the results here")
    args = p.parse_args(argv)
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    cuda = device.type == "cuda"
    if cuda and not torch.cuda.is_available():
        print("bench_train: --device cuda but CUDA is not available", file=sys.stderr)
        return 2
    compile_modes = [m for m in args.compile.split(",") if m]
    unknown = sorted(set(compile_modes) - set(COMPILE_MODES))
    if unknown or not compile_modes:
        print(f"bench_train: --compile takes {', '.join(COMPILE_MODES)}, got {args.compile!r}", file=sys.stderr)
        return 2
    compiling = compile_modes != ["off"]
    couplings = [c for c in args.couplings.split(",") if c]
    alignments = [a == "on" for a in args.aligned.split(",") if a in ("off", "on")]
    if not alignments or len(alignments) != len(args.aligned.split(",")):
        print(f"bench_train: --aligned takes off and on, got {args.aligned!r}", file=sys.stderr)
        return 2
    taps_modes = [t == "on" for t in args.taps.split(",") if t in ("off", "on")]
    if not taps_modes or len(taps_modes) != len(args.taps.split(",")):
        print(f"bench_train: --taps takes off and on, got {args.taps!r}", file=sys.stderr)
        return 2
    if not couplings or set(couplings) - {"affine", "additive"}:
        print(f"bench_train: --couplings takes affine and additive, got {args.couplings!r}", file=sys.stderr)
        return 2
    warmup = args.warmup if args.warmup is not None else ((5 if cuda else 1) + (10 if compiling else 0))
    precision = resolve_precision(args.precision, device)
    shape = dict(image_size=args.image_size, levels=args.levels, steps=args.flow_steps, hidden=args.hidden)
    rows: list = []

    reference = "rosinality" if args.rosinality else "baseline"
    dev_name = torch.cuda.get_device_name(device) if cuda else f"cpu ({torch.get_num_threads()} threads)"
    title = (f"device: {dev_name}; torch {torch.__version__}; {args.image_size}px K={args.flow_steps} "
             f"L={args.levels} hidden={args.hidden}; {args.steps} timed steps; ratio vs {reference}")
    header = (f"{'config':<10} {'batch':>5} {'coupling':<8} {'opt':<7} {'precision':<9} {'ch_last':<7} {'compile':<18} "
              f"{'ckpt':<5} {'graph':<5} {'align':<5} {'taps':<5} {'img/s':>9} {'ms/step':>8} {'peak GB':>8} {'ratio':>6}")

    def line(r: dict) -> str:
        base = next((b["img_per_s"] for b in rows if b["name"] == reference), None)
        ratio = r["img_per_s"] / base if base else math.nan
        mem = f"{r['peak_mem_gb']:.1f}" if r["peak_mem_gb"] is not None else "-"
        check = r.get("graph_check")
        note = f"  graph vs eager: loss diff {check['loss_diff']:.1e}, gradient rel. diff {check['grad_rel_diff']:.1e}" \
            if check else ""
        if r.get("skipped_steps"):
            note += f"  {r['skipped_steps']} steps skipped (non-finite gradient): their optimizer update was not run"
        return (f"{r['name']:<10} {r['batch']:>5} {'affine' if r['config']['affine'] else 'additive':<8} "
                f"{r['optimizer']:<7} {r['precision']:<9} {str(r['channels_last']):<7} {r['compile']:<18} "
                f"{str(r['config']['checkpoint_couplings']):<5} {str(r.get('cuda_graph', False)):<5} "
                f"{str(r.get('aligned', False)):<5} {str(r.get('taps', False)):<5} "
                f"{r['img_per_s']:>9.1f} {r['step_ms']:>8.1f} {mem:>8} {ratio:>6.2f}{note}")

    def attempt(name: str, fn, *fn_args, **fn_kwargs) -> None:
        """fn(*fn_args, **fn_kwargs) in its own process (in_own_process). A configuration that
        fails (out of memory at a large batch, say) is reported, not fatal. Each row is printed
        (and the JSON rewritten) as soon as it is measured."""
        try:
            rows.append(in_own_process(args.threads, fn, *fn_args, **fn_kwargs))
            print(line(rows[-1]), flush=True)
            if args.json:
                Path(args.json).write_text(json.dumps({"device": dev_name, "torch": torch.__version__, "rows": rows},
                                                      indent=2))
        except (RuntimeError, ImportError, ValueError) as err:  # BrokenProcessPool is a RuntimeError
            print(f"bench_train: {name} failed: {(str(err) or type(err).__name__).splitlines()[0]}", flush=True)

    print(title + "\n" + header, flush=True)
    if args.rosinality:
        attempt("rosinality", run_rosinality, args.rosinality, args.image_size, args.levels, args.flow_steps, 64,
                device, warmup, args.steps)
    if args.only in (None, "baseline"):
        attempt("baseline", run_config, "baseline", GlowConfig(**shape, affine=False), args.batch, "adam", 1e-4,
                "fp32", False, "off", device, warmup, args.steps, warmup_lr=1)
    if args.only in (None, "ours"):
        eager = args.batches if args.batches is not None else str(args.batch)
        graphed = [] if not cuda else [int(b) for b in (args.graph_batches or "").split(",") if b]
        # compile mode, then alignment, taps, coupling: in the order given, so that under a time cap
        # (gpu_session.sh) the rows asked for first are measured first
        for mode, aligned, taps, coupling in itertools.product(compile_modes, alignments, taps_modes, couplings):
            cfg = GlowConfig(**shape, affine=coupling == "affine", checkpoint_couplings=args.checkpoint_couplings)
            runs = [(int(b), False) for b in eager.split(",") if b]
            runs += [(b, True) for b in graphed if mode != "model"]  # train.py: the graph takes no whole-model compile
            first_graph = next((i for i, run in enumerate(runs) if run[1]), None)
            for i, (batch, graph) in enumerate(runs):
                attempt(f"ours ({coupling}{', aligned' if aligned else ''}{', taps' if taps else ''}) at batch {batch}, "
                        f"compile {mode}"
                        f"{' (cuda graph)' if graph else ''}",
                        run_config, "ours", cfg, batch, "adamax", args.lr, precision, cuda, mode, device,
                        warmup, args.steps, cuda_graph=graph, graph_check=i == first_graph,
                        profile_to=args.profile, warmup_lr=args.lr_warmup_steps, aligned=aligned, taps=taps)
    print("\n" + title + "\n" + header)
    for r in rows:
        print(line(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
