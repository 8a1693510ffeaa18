"""Built-in attribute directions in eps space, written into a model bundle.

    /usr/bin/python3 models/attributes.py --checkpoint /work/runs/cpu-face/last.pt \
        --data /work/data-quick/faces-32 --bundle /work/runs/cpu-face/bundle

Direction d = mean(eps of positives) - mean(eps of negatives), with eps from the frozen
(exported) model's encode_eps on images in the app's pixel encoding ((p + 0.5) / 256 - 0.5),
so the vectors live exactly in the space the studio's encoder produces. Attributes:
  - every CelebA attribute column of the labels CSV (1 positive, -1 negative);
  - Age:    UTKFace age >= 50 (positive) vs 18..35 (negative);
  - Female: UTKFace gender 1 (positive) vs 0 (negative).
Only the training split is used (validation faces stay unseen for the evaluation's edits).

Files (listed in manifest.json's files with their hashes, so the app verifies them):
  attributes.json  {"format", "version", "model_id", "eps_size", "dtype", "byte_order",
                    "attributes": [{"name", "positive", "negative", "positives", "negatives",
                    "source", "norm"}]}
  attributes.bin   float32 little-endian, one eps_size vector per attribute, in the json's order
With --bundle, the whole bundle (encoder/decoder ONNX + manifest) is (re)exported with them.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from data import FaceFolder  # noqa: E402
from export import export_bundle, frozen_copy, load_checkpoint  # noqa: E402
from glow import Glow, pixels_to_model  # noqa: E402

FORMAT = "glow-studio-attributes"
VERSION = 1
JSON_NAME, BIN_NAME = "attributes.json", "attributes.bin"
MANIFEST_ROLES = {"attributes": JSON_NAME, "attribute_vectors": BIN_NAME}
NON_ATTRIBUTE_COLUMNS = {"age", "gender", "race"}


def attribute_masks(dataset: FaceFolder) -> List[Tuple[dict, np.ndarray, np.ndarray]]:
    """[(description, positive mask, negative mask)] for every attribute the labels support."""
    out = []
    for column in dataset.columns:
        if column in NON_ATTRIBUTE_COLUMNS:
            continue
        v = dataset.label(column)
        if not np.isfinite(v).any():
            continue
        out.append(({"name": column, "positive": f"{column} = 1", "negative": f"{column} = -1", "source": "celeba"},
                    v == 1, v == -1))
    if "age" in dataset.columns:
        age = dataset.label("age")
        out.append(({"name": "Age", "positive": "UTKFace age >= 50", "negative": "UTKFace age 18..35",
                     "source": "utkface"}, age >= 50, (age >= 18) & (age <= 35)))
    if "gender" in dataset.columns:
        g = dataset.label("gender")
        out.append(({"name": "Female", "positive": "UTKFace gender 1 (female)", "negative": "UTKFace gender 0 (male)",
                     "source": "utkface"}, g == 1, g == 0))
    return out


@torch.no_grad()
def encode_dataset_sums(frozen: Glow, dataset: FaceFolder, masks: List[Tuple[dict, np.ndarray, np.ndarray]],
                        batch: int = 256, progress: bool = False) -> Tuple[torch.Tensor, torch.Tensor]:
    """Sums of eps over each attribute's positives and negatives (float64, A x eps_size each)."""
    pos = torch.from_numpy(np.stack([m[1] for m in masks], 1).astype(np.float64))  # N x A
    neg = torch.from_numpy(np.stack([m[2] for m in masks], 1).astype(np.float64))
    needed = (pos.sum(1) + neg.sum(1)) > 0
    eps_size = frozen.cfg.channels * frozen.cfg.image_size ** 2
    pos_sum = torch.zeros(len(masks), eps_size, dtype=torch.float64)
    neg_sum = torch.zeros(len(masks), eps_size, dtype=torch.float64)
    index = torch.nonzero(needed).flatten().tolist()
    for start in range(0, len(index), batch):
        idx = index[start:start + batch]
        eps = frozen.encode_eps(pixels_to_model(dataset.batch(idx))).double()
        pos_sum += pos[idx].T @ eps
        neg_sum += neg[idx].T @ eps
        if progress and (start // batch) % 20 == 0:
            print(f"attributes: encoded {start + len(idx)}/{len(index)}", flush=True)
    return pos_sum, neg_sum


def compute_attributes(model: Glow, dataset: FaceFolder, min_count: int = 10, batch: int = 256,
                       progress: bool = False) -> Tuple[List[dict], np.ndarray]:
    """(descriptions with counts, float32 array A x eps_size) of the supported attributes."""
    frozen = frozen_copy(model)
    masks = attribute_masks(dataset)
    kept = [m for m in masks if m[1].sum() >= min_count and m[2].sum() >= min_count]
    skipped = [m[0]["name"] for m in masks if m not in kept]
    if skipped and progress:
        print(f"attributes: skipped (fewer than {min_count} positives or negatives): {skipped}", flush=True)
    if not kept:
        raise ValueError(f"{dataset.root}: no attribute has {min_count}+ positives and negatives")
    pos_sum, neg_sum = encode_dataset_sums(frozen, dataset, kept, batch, progress)
    infos, vectors = [], []
    for i, (info, p, n) in enumerate(kept):
        d = pos_sum[i] / int(p.sum()) - neg_sum[i] / int(n.sum())
        infos.append({**info, "positives": int(p.sum()), "negatives": int(n.sum()), "norm": round(float(d.norm()), 4)})
        vectors.append(d.float().numpy())
    return infos, np.stack(vectors)


def write_attributes(out_dir: str | Path, model_id: str, infos: List[dict], vectors: np.ndarray) -> Dict[str, str]:
    """Write attributes.json + attributes.bin; returns export_bundle's extra_files mapping."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    vectors = np.ascontiguousarray(vectors, dtype="<f4")
    if vectors.shape[0] != len(infos):
        raise ValueError(f"{len(infos)} attribute descriptions but {vectors.shape[0]} vectors")
    (out / BIN_NAME).write_bytes(vectors.tobytes())
    doc = {"format": FORMAT, "version": VERSION, "model_id": model_id, "eps_size": int(vectors.shape[1]),
           "dtype": "float32", "byte_order": "little", "count": len(infos), "attributes": infos}
    (out / JSON_NAME).write_text(json.dumps(doc, indent=2) + "\n")
    return dict(MANIFEST_ROLES)


def write_model_card(out_dir: str | Path, model_id: str, model: Glow, training: dict, metrics: dict,
                     infos: List[dict]) -> str:
    """MODEL_CARD.md: what the model was trained on and under which terms (README of the data)."""
    cfg = model.cfg
    args = training.get("args") or {}
    lines = [
        f"# {model_id}", "",
        f"Glow normalizing flow, {cfg.image_size}x{cfg.image_size} RGB, {cfg.n_bits}-bit, L={cfg.levels}, "
        f"K={cfg.steps}, hidden {cfg.hidden}, {'affine' if cfg.affine else 'additive'} coupling.", "",
        "## Training data", "",
        f"Folder `{training.get('data', '?')}` ({training.get('train_images', '?')} training crops).",
        "CelebA (img_align_celeba, Liu et al., ICCV 2015) and UTKFace (aligned & cropped, Zhang et al.,",
        "CVPR 2017), aligned by the studio's own aligner (models/TRAINING.md) or cropped by",
        "models/quick_crop.py; the last 5% of each set by file name held out for validation.", "",
        "**Terms: both datasets are published for non-commercial research use only; so is this model.**", "",
        "## Training", "",
        f"{metrics.get('step', '?')} steps, {metrics.get('images_seen', '?')} images seen, global batch "
        f"{training.get('global_batch', '?')}, optimizer {args.get('optimizer', '?')} lr {args.get('lr', '?')}, "
        f"on {training.get('world_size', '?')} process(es) ({training.get('device', 'device not recorded')}), "
        f"torch {training.get('torch', '?')}, {training.get('train_seconds', '?')} s of training.", "",
        f"Validation bits/dim: {metrics.get('val_bpd', '?')}", "",
        "## Built-in attributes", "",
        "Mean-difference directions in eps space (attributes.json / attributes.bin):", "",
        "| name | positive | negative | + | - |", "|---|---|---|---|---|",
    ]
    lines += [f"| {a['name']} | {a['positive']} | {a['negative']} | {a['positives']} | {a['negatives']} |" for a in infos]
    lines += ["", "Directions inherit the datasets' label noise and biases (CelebA: celebrities; UTKFace ages,",
              "genders and races as annotated by the dataset authors); they are correlational, not causal.", ""]
    name = "MODEL_CARD.md"
    (Path(out_dir) / name).write_text("\n".join(lines))
    return name


def read_attributes(bundle_dir: str | Path) -> Tuple[dict, np.ndarray]:
    bundle = Path(bundle_dir)
    doc = json.loads((bundle / JSON_NAME).read_text())
    raw = np.frombuffer((bundle / BIN_NAME).read_bytes(), dtype="<f4")
    if raw.size != doc["count"] * doc["eps_size"]:
        raise ValueError(f"{bundle / BIN_NAME}: {raw.size} floats, expected {doc['count']} x {doc['eps_size']}")
    return doc, raw.reshape(doc["count"], doc["eps_size"])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Compute built-in attribute directions and write them into a bundle.")
    parser.add_argument("--checkpoint", required=True, help="training checkpoint (last.pt)")
    parser.add_argument("--data", required=True, help="face folder with labels.csv")
    parser.add_argument("--bundle", required=True, help="bundle folder (encoder/decoder/manifest re-exported)")
    parser.add_argument("--model-id", default=None, help="default: the bundle folder's name")
    parser.add_argument("--split", default="train", choices=("train", "val", "all"))
    parser.add_argument("--min-count", type=int, default=10)
    parser.add_argument("--limit", type=int, default=None, help="only the first N images of the split (dry runs)")
    parser.add_argument("--max-images", type=int, default=0,
                        help="use N images evenly spread over the split, all sources (0: all)")
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--no-export", action="store_true", help="only write the attribute files")
    args = parser.parse_args(argv)
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    if not Path(args.checkpoint).is_file():
        print(f"attributes: checkpoint not found: {args.checkpoint}", file=sys.stderr)
        return 2
    model = load_checkpoint(args.checkpoint)
    state = torch.load(args.checkpoint, map_location="cpu")
    dataset = FaceFolder(args.data, args.split, size=model.cfg.image_size, limit=args.limit).spread(args.max_images)
    model_id = args.model_id or Path(args.bundle).name
    infos, vectors = compute_attributes(model, dataset, args.min_count, args.batch, progress=True)
    extra = write_attributes(args.bundle, model_id, infos, vectors)
    for info in infos:
        print(f"  {info['name']:<22} +{info['positives']:<6} -{info['negatives']:<6} |d| {info['norm']}")
    if not args.no_export:
        training = {**(state.get("training") or {}), "attributes_from": str(args.data)}
        card = write_model_card(args.bundle, model_id, model, training, state.get("metrics") or {}, infos)
        export_bundle(model, args.bundle, model_id, training=training, metrics=state.get("metrics"),
                      extra_files={**extra, "model_card": card})
    print(f"attributes: {len(infos)} directions -> {Path(args.bundle) / JSON_NAME}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
