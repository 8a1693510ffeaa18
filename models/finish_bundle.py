"""The last step of a shipped bundle: its figures, its evaluation and its card, in one manifest.

    /usr/bin/python3 models/finish_bundle.py --checkpoint runs/face-64/shipped.pt \
        --bundle models/bundles/face-64 --eval runs/face-64/eval --card runs/face-64/MODEL_CARD.md \
        --training device="NVIDIA H200" --training data="/work/data-aligned-64 (CelebA + UTKFace)"

Run after attributes.py (which exports the bundle with its attributes) and evaluate.py (which
writes report.json and the figures into --eval). This copies the sample grids and the edit
sheet into BUNDLE/figures/, the hand-written model card (--card) over the generated one,
records the evaluation of the shipped (rounded) weights as the manifest's metrics (the
checkpoint's own validation figure stays, as val_bpd_fp32_weights), overrides training facts
that the checkpoint cannot know (--training KEY=VALUE), and exports the graphs again so the
manifest lists every file with its hash.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from attributes import MANIFEST_ROLES  # noqa: E402
from export import export_bundle, load_checkpoint  # noqa: E402

FIGURES = ("edits.png", "samples-t0.5.png", "samples-t0.7.png", "samples-t1.0.png")
CARD = "MODEL_CARD.md"


def shipped_metrics(checkpoint_metrics: dict, report: dict) -> dict:
    """The checkpoint's metrics, with validation bits/dim replaced by the evaluation's."""
    metrics = dict(checkpoint_metrics)
    if "val_bpd" in metrics:
        metrics["val_bpd_fp32_weights"] = metrics.pop("val_bpd")
    metrics["val_bpd"] = report["val_bpd"]
    metrics["val_bpd_by_source"] = {k: v["bpd"] for k, v in report.get("val_bpd_by_source", {}).items()}
    metrics["val_images"] = report["val_images"]
    return metrics


def parse_pairs(pairs: list) -> dict:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise SystemExit(f"finish_bundle: --training wants KEY=VALUE, got {pair!r}")
        out[key] = value
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--checkpoint", required=True, help="the checkpoint the bundle was exported from")
    p.add_argument("--bundle", required=True, help="the bundle folder attributes.py wrote")
    p.add_argument("--eval", required=True, help="evaluate.py's --out folder (report.json and figures)")
    p.add_argument("--card", default=None, help="a model card to ship instead of the generated one")
    p.add_argument("--training", action="append", default=[], metavar="KEY=VALUE",
                   help="a training fact for the manifest (repeatable), e.g. device=\"NVIDIA H200\"")
    args = p.parse_args(argv)
    bundle, evaluation = Path(args.bundle), Path(args.eval)
    for path in (Path(args.checkpoint), bundle / MANIFEST_ROLES["attributes"], evaluation / "report.json",
                 *(evaluation / f for f in FIGURES), *([Path(args.card)] if args.card else [])):
        if not path.is_file():
            print(f"finish_bundle: missing {path}", file=sys.stderr)
            return 2
    (bundle / "figures").mkdir(exist_ok=True)
    for name in FIGURES:
        shutil.copy(evaluation / name, bundle / "figures" / name)
    if args.card:
        shutil.copy(args.card, bundle / CARD)
    state = torch.load(args.checkpoint, map_location="cpu")
    manifest = json.loads((bundle / "manifest.json").read_text())
    training = {**(manifest.get("training") or state.get("training") or {}), **parse_pairs(args.training)}
    metrics = shipped_metrics(state.get("metrics") or {}, json.loads((evaluation / "report.json").read_text()))
    extra = {**MANIFEST_ROLES, **({"model_card": CARD} if (bundle / CARD).is_file() else {})}
    export_bundle(load_checkpoint(args.checkpoint), bundle, manifest["model_id"], training=training,
                  metrics=metrics, extra_files=extra)
    print(f"finish_bundle: {bundle}: val bits/dim {metrics['val_bpd']:.4f} on {metrics['val_images']} faces; "
          f"figures, card and manifest written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
