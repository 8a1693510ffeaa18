"""The last step of a shipped bundle: its figures, its evaluation and its card, in one manifest.

    /usr/bin/python3 models/finish_bundle.py --checkpoint runs/face-64/shipped.pt \
        --bundle models/bundles/face-64 --eval runs/face-64/eval --card runs/face-64/MODEL_CARD.md \
        --training device="NVIDIA H200" --training data="/work/data-aligned-64 (CelebA + UTKFace)"

Run after attributes.py (which exports the bundle with its attributes) and evaluate.py (which
writes report.json and the figures into --eval), with the checkpoint both used: it must be
the one evaluate.py evaluated (report.json's weights fingerprint, or its path in reports
written before the fingerprint). This copies the sample grids and the edit sheet into
BUNDLE/figures/, the hand-written model card (--card) over the generated one (without --card,
the generated card is written again with the final figures), records the evaluation of the
shipped (rounded) weights as the manifest's metrics (the checkpoint's own validation figure
stays, as val_bpd_fp32_weights), overrides training facts that the checkpoint cannot know
(--training KEY=VALUE), and exports the graphs again so the manifest lists every file the app
loads with its hash (figures/ is for people reading the bundle and is not listed).
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
from attributes import CARD_NAME, GENERATED_CARD_MARK, MANIFEST_ROLES, read_attributes, write_model_card  # noqa: E402
from export import export_bundle, load_checkpoint, weights_sha256  # noqa: E402

FIGURES = ("edits.png", "samples-t0.5.png", "samples-t0.7.png", "samples-t1.0.png")


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
            raise ValueError(f"--training wants KEY=VALUE, got {pair!r}")
        out[key] = value
    return out


def evaluated_other_weights(checkpoint: str, model, report: dict) -> bool:
    """Whether report.json evaluated other weights than `checkpoint`'s (e.g. last.pt where the
    rounded shipped.pt was evaluated)."""
    if "weights_sha256" in report:
        return report["weights_sha256"] != weights_sha256(model)
    return Path(report["checkpoint"]).resolve() != Path(checkpoint).resolve()  # a report from before the fingerprint


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--checkpoint", required=True, help="the checkpoint attributes.py and evaluate.py used")
    p.add_argument("--bundle", required=True, help="the bundle folder attributes.py wrote")
    p.add_argument("--eval", required=True, help="evaluate.py's --out folder (report.json and figures)")
    p.add_argument("--card", default=None,
                   help="a hand-written model card to ship instead of the generated one (optional)")
    p.add_argument("--training", action="append", default=[], metavar="KEY=VALUE",
                   help="a training fact for the manifest (repeatable), e.g. device=\"NVIDIA H200\"")
    args = p.parse_args(argv)
    try:
        facts = parse_pairs(args.training)
    except ValueError as err:
        p.error(str(err))
    # Everything is checked before the bundle is touched.
    bundle, evaluation = Path(args.bundle), Path(args.eval)
    for path in (Path(args.checkpoint), bundle / "manifest.json", bundle / MANIFEST_ROLES["attributes"],
                 evaluation / "report.json", *(evaluation / f for f in FIGURES),
                 *([Path(args.card)] if args.card else [])):
        if not path.is_file():
            print(f"finish_bundle: missing {path}", file=sys.stderr)
            return 2
    report = json.loads((evaluation / "report.json").read_text())
    model = load_checkpoint(args.checkpoint)
    if evaluated_other_weights(args.checkpoint, model, report):
        print(f"finish_bundle: --checkpoint {args.checkpoint} holds other weights than the evaluated "
              f"{report['checkpoint']} ({evaluation / 'report.json'}): give the checkpoint that attributes.py and "
              f"evaluate.py used (after round_fp16.py, the rounded one)", file=sys.stderr)
        return 2

    (bundle / "figures").mkdir(exist_ok=True)
    for name in FIGURES:
        shutil.copy(evaluation / name, bundle / "figures" / name)
    state = torch.load(args.checkpoint, map_location="cpu")
    manifest = json.loads((bundle / "manifest.json").read_text())
    training = {**(manifest.get("training") or state.get("training") or {}), **facts}
    metrics = shipped_metrics(state.get("metrics") or {}, report)
    card = bundle / CARD_NAME
    if args.card:
        shutil.copy(args.card, card)
    elif not card.is_file() or GENERATED_CARD_MARK in card.read_text():
        # The generated card again, with the manifest's figures (evaluated bits/dim, --training facts).
        doc, _ = read_attributes(bundle)
        write_model_card(bundle, manifest["model_id"], model, training, metrics, doc["attributes"])
    extra = {**MANIFEST_ROLES, **({"model_card": CARD_NAME} if card.is_file() else {})}
    export_bundle(model, bundle, manifest["model_id"], training=training, metrics=metrics, extra_files=extra)
    print(f"finish_bundle: {bundle}: val bits/dim {metrics['val_bpd']:.4f} on {metrics['val_images']} faces; "
          f"figures, card and manifest written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
