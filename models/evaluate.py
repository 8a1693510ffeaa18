"""Evaluate a trained checkpoint (and its exported bundle) on validation faces.

    /usr/bin/python3 models/evaluate.py --checkpoint /work/runs/cpu-face/last.pt \
        --data /work/data-quick/faces-32 --bundle /work/runs/cpu-face/bundle --out /work/runs/cpu-face/eval

Without --checkpoint, the bundle itself is evaluated: its model rebuilt from its graphs
(bundle_model.py), as shipped (a shipped bundle's checkpoint may be gone).

Writes into --out:
  report.json              validation bits/dim (fp32, dequantisation noise averaged over --draws),
                           reconstruction error, ONNX-vs-PyTorch error (or why it was skipped),
                           the checkpoint and its weights' fingerprint (checked by finish_bundle.py)
  samples-t0.5.png, samples-t0.7.png, samples-t1.0.png      64 samples per temperature
  edits.png                8 validation faces (rows): the face, then for each attribute
                           alpha = -1, 0, +1 (columns), using the bundle's attributes.bin
  onnx-reference/          input.bin, eps.bin, decoded.bin, bits.bin (float32 LE) + meta.json: PyTorch's
                           outputs on validation faces, for the Node engine's onnxruntime check

ONNX check: onnx 1.12 (Debian) has no Python reference evaluator and onnxruntime is not
installed for Python here, so the bundle's graphs are compared with PyTorch when either is
available (onnxruntime, or onnx >= 1.13's onnx.reference); otherwise the report says so and
the reference files above let the Node side (onnxruntime-node) run the same comparison.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import List, Optional

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from attributes import read_attributes  # noqa: E402
from data import FaceFolder, output_folder_problem, save_grid  # noqa: E402
from bundle_model import load_bundle_model  # noqa: E402
from export import frozen_copy, load_checkpoint, weights_sha256  # noqa: E402
from glow import pixels_to_model  # noqa: E402
from train import validation_bpd  # noqa: E402

TEMPERATURES = (0.5, 0.7, 1.0)
DEFAULT_EDIT_ATTRIBUTES = ("Smiling", "Male", "Eyeglasses", "Blond_Hair", "Young", "Age")


def onnx_runner(path: Path):
    """A function numpy -> numpy running an ONNX graph, or (None, reason)."""
    try:
        import onnxruntime as ort  # type: ignore

        sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        name = sess.get_inputs()[0].name
        return (lambda a: sess.run(None, {name: a})[0]), "onnxruntime"
    except ImportError:
        pass
    try:
        import onnx
        from onnx.reference import ReferenceEvaluator  # type: ignore  # onnx >= 1.13

        ev = ReferenceEvaluator(onnx.load(str(path)))
        return (lambda a: ev.run(None, {ev.input_names[0]: a})[0]), "onnx.reference"
    except ImportError:
        return None, "no Python ONNX evaluator (onnx 1.12 lacks onnx.reference, no onnxruntime); the Node engine checks the bundle with onnxruntime-node against onnx-reference/"


def check_same_architecture(manifest: dict, cfg, bundle: str, checkpoint: str) -> None:
    """The bundle's network must be the checkpoint's: the ONNX check and the edit sheet would
    otherwise compare two different models. ValueError naming both, before anything runs."""
    keys = ("image_size", "levels", "steps", "hidden", "affine", "n_bits")
    theirs, ours = manifest.get("architecture", {}), cfg.to_dict()
    differ = [f"{k} {theirs.get(k)} vs {ours[k]}" for k in keys if theirs.get(k) != ours[k]]
    if differ:
        raise ValueError(f"--bundle {bundle} holds another model than {checkpoint} "
                         f"({', '.join(differ)}; bundle vs checkpoint): export this checkpoint with "
                         f"models/attributes.py first")


@torch.no_grad()
def evaluate(checkpoint: Optional[str], data: str, out: str, bundle: Optional[str] = None, val_images: int = 1024,
             draws: int = 4, batch: int = 128, edit_attributes=DEFAULT_EDIT_ATTRIBUTES, seed: int = 0) -> dict:
    """checkpoint None: the bundle's own model (bundle_model.load_bundle_model)."""
    # The bundle's manifest and the data are read before the (slow) validation and any writing.
    manifest = json.loads((Path(bundle) / "manifest.json").read_text()) if bundle else None
    model = load_checkpoint(checkpoint) if checkpoint else load_bundle_model(bundle)
    cfg = model.cfg
    if manifest is not None and checkpoint:
        check_same_architecture(manifest, cfg, bundle, checkpoint)
    frozen = frozen_copy(model)
    val = FaceFolder(data, "val", size=cfg.image_size).spread(val_images)
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    report = {"checkpoint": str(checkpoint) if checkpoint else None, "bundle": str(bundle) if bundle else None,
              "weights_sha256": weights_sha256(model), "data": str(data),
              "val_images": len(val), "draws": draws, "config": cfg.to_dict()}
    report["val_bpd"] = validation_bpd(model, val, torch.device("cpu"), batch, draws, seed, channels_last=False)
    sources = sorted({val.rows.get(f, {}).get("source") or "" for f in val.files})
    if len(sources) > 1:  # per source: the sets differ in framing and, by the split rule, in age
        report["val_bpd_by_source"] = {}
        for source in sources:
            idx = [i for i, f in enumerate(val.files) if (val.rows.get(f, {}).get("source") or "") == source]
            sub = val.subset(idx)
            report["val_bpd_by_source"][source] = {
                "images": len(idx),
                "bpd": validation_bpd(model, sub, torch.device("cpu"), batch, draws, seed, channels_last=False)}

    # Reconstruction through the exported convention (app pixel encoding, frozen weights).
    x = pixels_to_model(val.batch(range(min(len(val), 64))))
    eps = frozen.encode_eps(x)
    report["reconstruction_max_abs_error"] = float((frozen.decode_eps(eps) - x).abs().max())
    report["frozen_vs_trained_eps_max_abs_error"] = float((model.encode_eps(x) - eps).abs().max())

    # ONNX bundle vs PyTorch.
    ref = out_dir / "onnx-reference"
    ref.mkdir(exist_ok=True)
    xs = x[:8].contiguous()
    eps8, bits8 = frozen.encode_with_density(xs)
    dec8 = frozen.decode_eps(eps8)
    for name, t in (("input", xs), ("eps", eps8), ("decoded", dec8), ("bits", bits8)):
        (ref / f"{name}.bin").write_bytes(t.numpy().astype("<f4").tobytes())
    (ref / "meta.json").write_text(json.dumps({"input": list(xs.shape), "eps": list(eps8.shape),
                                               "decoded": list(dec8.shape)}) + "\n")
    onnx_report = {"checked": False}
    if manifest is not None:
        enc, how = onnx_runner(Path(bundle) / manifest["files"]["encoder"]["path"])
        dec, _ = onnx_runner(Path(bundle) / manifest["files"]["decoder"]["path"])
        onnx_report["evaluator"] = how
        if enc is not None:
            onnx_report.update(checked=True,
                               encoder_max_abs_error=float(np.abs(enc(xs.numpy()) - eps8.numpy()).max()),
                               decoder_max_abs_error=float(np.abs(dec(eps8.numpy()) - dec8.numpy()).max()))
    else:
        onnx_report["evaluator"] = "no --bundle given"
    report["onnx"] = onnx_report

    # Samples at several temperatures (same noise, scaled).
    gen = torch.Generator().manual_seed(seed + 777)
    noise = torch.randn(64, cfg.channels * cfg.image_size ** 2, generator=gen)
    for t in TEMPERATURES:
        save_grid(frozen.decode_eps(noise * t).clamp(-0.5, 0.5), out_dir / f"samples-t{t}.png", nrow=8)

    # Edit sheet from the bundle's attribute vectors.
    if bundle and (Path(bundle) / "attributes.json").is_file():
        doc, vectors = read_attributes(bundle)
        names = [a["name"] for a in doc["attributes"]]
        chosen = [n for n in edit_attributes if n in names] or names[:6]
        faces = x[:8]
        face_eps = frozen.encode_eps(faces)
        tiles: List[torch.Tensor] = []
        non_finite = []  # edits the (weak) model cannot invert: shown black in the sheet
        for i in range(faces.shape[0]):
            tiles.append(faces[i:i + 1])
            for n in chosen:
                d = torch.from_numpy(vectors[names.index(n)].copy())
                for alpha in (-1.0, 0.0, 1.0):
                    img = frozen.decode_eps(face_eps[i:i + 1] + alpha * d)
                    if not torch.isfinite(img).all():
                        non_finite.append(f"face {i} {n} {alpha:+g}")
                    tiles.append(torch.nan_to_num(img, nan=-0.5).clamp(-0.5, 0.5))
        save_grid(torch.cat(tiles), out_dir / "edits.png", nrow=1 + 3 * len(chosen))
        report["edit_sheet"] = {"file": "edits.png", "rows": int(faces.shape[0]),
                                "columns": ["original"] + [f"{n} {a:+g}" for n in chosen for a in (-1, 0, 1)],
                                "non_finite": non_finite}
    (out_dir / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    return report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Evaluate a Glow checkpoint and its bundle.")
    parser.add_argument("--checkpoint", default=None, help="training checkpoint; without it, --bundle's own model")
    parser.add_argument("--data", required=True, help="face folder (its validation split is used)")
    parser.add_argument("--out", required=True, help="folder for report.json and images")
    parser.add_argument("--bundle", default=None, help="exported bundle folder (ONNX check, attribute edits)")
    parser.add_argument("--val-images", type=int, default=1024, help="evenly spread over the split; 0: the whole validation split")
    parser.add_argument("--draws", type=int, default=4, help="dequantisation noise draws averaged")
    parser.add_argument("--attributes", default=",".join(DEFAULT_EDIT_ATTRIBUTES))
    parser.add_argument("--threads", type=int, default=0)
    args = parser.parse_args(argv)
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    # Everything named on the command line is checked before the validation runs.
    problem = None
    if not args.checkpoint and not args.bundle:
        problem = "give --checkpoint, --bundle, or both"
    elif args.checkpoint and not Path(args.checkpoint).is_file():
        problem = f"checkpoint not found: {args.checkpoint}"
    elif args.bundle and not (Path(args.bundle) / "manifest.json").is_file():
        problem = f"--bundle: no manifest.json in {args.bundle} (attributes.py or export.py writes the bundle)"
    elif output_folder_problem(args.out):
        problem = f"--out: {output_folder_problem(args.out)}"
    if problem:
        print(f"evaluate: {problem}", file=sys.stderr)
        return 2
    try:
        report = evaluate(args.checkpoint, args.data, args.out, args.bundle, args.val_images, args.draws,
                          edit_attributes=tuple(a for a in args.attributes.split(",") if a))
    except (FileNotFoundError, ValueError) as err:  # e.g. a --data folder without validation images
        print(f"evaluate: {err}", file=sys.stderr)
        return 2
    print(json.dumps({k: report.get(k) for k in ("val_bpd", "val_bpd_by_source", "reconstruction_max_abs_error", "onnx")},
                     indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
