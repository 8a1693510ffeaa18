"""PyTorch-eager half of bench/engine: builds the benchmark model (random weights, seeded),
exports it as a bundle for onnxruntime, times PyTorch eager encode/decode on the CPU and
prints one JSON object. Run by bench-engine.ts; not meant to be run alone."""
import argparse
import json
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "models"))
from export import export_bundle, frozen_copy  # noqa: E402
from glow import Glow, GlowConfig, randomize_for_tests  # noqa: E402


def conv_flops_per_image(cfg: GlowConfig) -> int:
    """Multiply-adds x 2 of every convolution in one encode (decode runs the same convolutions)."""
    macs = 0
    c, s = cfg.channels, cfg.image_size
    for level in range(cfg.levels):
        c, s = c * 4, s // 2
        px = s * s
        half = c // 2
        out = c if cfg.affine else half
        per_step = c * c + half * cfg.hidden * 9 + cfg.hidden * cfg.hidden + cfg.hidden * out * 9
        macs += cfg.steps * per_step * px
        if level < cfg.levels - 1:
            macs += half * c * 9 * px  # split prior
            c = half
    return 2 * macs


def time_call(fn, x, repeats):
    with torch.no_grad():
        for _ in range(2):
            fn(x)
        samples = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            fn(x)
            samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--levels", type=int, default=4)
    p.add_argument("--steps", type=int, default=16)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--repeats", type=int, default=5)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    cfg = GlowConfig(image_size=args.size, levels=args.levels, steps=args.steps, hidden=args.hidden)
    torch.manual_seed(0)
    model = Glow(cfg)
    model.initialize_actnorm(torch.rand(16, 3, args.size, args.size) - 0.5)
    randomize_for_tests(model, scale=0.02)
    export_bundle(model, args.out, f"bench-{args.size}-K{args.steps}-L{args.levels}-h{args.hidden}")
    model = frozen_copy(model)
    results = []
    for batch in (1, 16):
        x = torch.rand(batch, 3, args.size, args.size) - 0.5
        eps = model.encode_eps(x).detach()
        results.append({"op": "encode", "batch": batch, "ms": time_call(model.encode_eps, x, args.repeats)})
        results.append({"op": "decode", "batch": batch, "ms": time_call(model.decode_eps, eps, args.repeats)})
    print(json.dumps({
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "config": cfg.to_dict(),
        "params": sum(p.numel() for p in model.parameters()),
        "flops_per_image": conv_flops_per_image(cfg),
        "results": results,
    }))


if __name__ == "__main__":
    main()
