"""Round a checkpoint's weights to float16 values (kept as float32), for a bundle half the size.

    python models/round_fp16.py runs/face-64/last.pt runs/face-64/shipped.pt

export.py stores an ONNX weight as float16 only when every value is exactly a float16, so a
bundle exported from the rounded checkpoint computes exactly what the rounded PyTorch model
computes: attributes.py and evaluate.py run on the same rounded checkpoint, and evaluate.py's
bits/dim measures what the rounding cost. The 1x1 convolutions' W and W^-1 are computed from
the rounded LU factors at export, so encoder and decoder stay exact inverses.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch


def round_state(state: dict) -> dict:
    return {k: (v.half().float() if v.dtype == torch.float32 else v) for k, v in state.items()}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("checkpoint")
    p.add_argument("out")
    args = p.parse_args(argv)
    if not Path(args.checkpoint).is_file():
        print(f"round_fp16: checkpoint not found: {args.checkpoint}", file=sys.stderr)
        return 2
    ckpt = torch.load(args.checkpoint, map_location="cpu")
    rounded = {key: ckpt[key] for key in ("config", "step", "training", "metrics") if key in ckpt}
    rounded["model"] = round_state(ckpt["model"])
    rounded["weights_rounded_to_fp16"] = True
    torch.save(rounded, args.out)
    changed = max(float((a - ckpt["model"][k]).abs().max()) for k, a in rounded["model"].items()
                  if a.is_floating_point())
    print(f"round_fp16: wrote {args.out} (largest change of a weight {changed:.2e})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
