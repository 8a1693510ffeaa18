"""Build a square face-crop folder from the shared CelebA and UTKFace copies, with a labels CSV.

A stop-gap until the studio's own aligner produces the training set (see DESIGN.md): the
geometry here is fixed per dataset, not computed from landmarks.

    /usr/bin/python3 models/quick_crop.py --size 64 --out /work/data-quick/faces-64

Output (never inside the repository):
  <out>/celeba_000001.png ...      CelebA: 74x74 box at x=7, y=20 of the 89x109 image, resized
  <out>/utk_<original stem>.png    UTKFace: a box around the 200x200 chip chosen so that eyes and
                                   mouth land where CelebA's crop has them (see UTK_BOX); the part
                                   of the box outside the chip is filled by edge padding, blurred
  <out>/labels.csv                 file, source, split, CelebA's 40 attributes (1 / -1, empty for
                                   UTKFace), age, gender, race (empty for CelebA)

Validation split: the last 5% of each source, by original file name.

UTK_BOX was measured on mean faces of 400 images of each set: CelebA's crop puts the eyes at
y=0.47, x=0.365/0.635 and the mouth at y=0.76; the UTKFace chip has the eyes at (58, 56) and
(138, 56) and the mouth at y=137 of 200. Matching interocular distance and eye-mouth distance
gives a ~290 px box whose top-left corner is at (-47, -81).
"""
from __future__ import annotations

import argparse
import csv
import os
import sys
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np
from PIL import Image, ImageFilter

CELEBA_BOX = (7, 20, 81, 94)  # left, top, right, bottom on the 89x109 half-size aligned image
UTK_BOX = (-47, -81, 243, 209)  # may extend past the 200x200 chip
VAL_FRACTION = 0.05
DEFAULT_SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "faces"


def read_celeba_attributes(path: Path) -> Tuple[List[str], Dict[str, List[int]]]:
    """CelebA's list_attr_celeba.txt: a count line, a header line, then `file v1 ... v40`."""
    lines = path.read_text().splitlines()
    names = lines[1].split()
    rows = {}
    for line in lines[2:]:
        parts = line.split()
        if not parts:
            continue
        if len(parts) != len(names) + 1:
            raise ValueError(f"{path}: row {parts[0]!r} has {len(parts) - 1} values, expected {len(names)}")
        rows[parts[0]] = [int(v) for v in parts[1:]]
    return names, rows


def parse_utk_name(name: str) -> Optional[Tuple[int, int, Optional[int]]]:
    """`age_gender_race_date.jpg.chip.jpg` -> (age, gender, race or None); None if unparseable."""
    parts = name.split("_")
    try:
        age, gender = int(parts[0]), int(parts[1])
    except (ValueError, IndexError):
        return None
    try:
        race = int(parts[2]) if len(parts) > 3 else None
    except ValueError:
        race = None
    return age, gender, race


def crop_box(img: Image.Image, box: Tuple[int, int, int, int], size: int, blur_pad: bool = True) -> Image.Image:
    """Crop `box` (may exceed the image: the outside is edge-padded and blurred) and resize."""
    left, top, right, bottom = box
    w, h = img.size
    pad_l, pad_t = max(0, -left), max(0, -top)
    pad_r, pad_b = max(0, right - w), max(0, bottom - h)
    if pad_l or pad_t or pad_r or pad_b:
        a = np.asarray(img)
        padded = Image.fromarray(np.pad(a, ((pad_t, pad_b), (pad_l, pad_r), (0, 0)), mode="edge"))
        if blur_pad:
            blurred = padded.filter(ImageFilter.GaussianBlur(radius=max(w, h) / 6))
            inset = max(2, max(w, h) // 25)
            mask = Image.new("L", (w, h), 0)
            mask.paste(255, (inset, inset, w - inset, h - inset))
            blurred.paste(img, (pad_l, pad_t), mask.filter(ImageFilter.GaussianBlur(radius=inset / 2)))
            padded = blurred
        img = padded
        left, right, top, bottom = left + pad_l, right + pad_l, top + pad_t, bottom + pad_t
    return img.crop((left, top, right, bottom)).resize((size, size), Image.BICUBIC)


def split_of(index: int, total: int) -> str:
    n_val = max(1, int(round(total * VAL_FRACTION)))
    return "val" if index >= total - n_val else "train"


def build(shared: Path, out: Path, size: int, limit: Optional[int] = None, sources=("celeba", "utk")) -> int:
    out.mkdir(parents=True, exist_ok=True)
    attr_names, attrs = read_celeba_attributes(shared / "celeba" / "list_attr_celeba.txt")
    header = ["file", "source", "split"] + attr_names + ["age", "gender", "race"]
    rows = []
    if "celeba" in sources:
        files = sorted(f for f in os.listdir(shared / "celeba") if f.endswith(".jpg"))[:limit]
        for i, name in enumerate(files):
            dst = f"celeba_{Path(name).stem}.png"
            if not (out / dst).exists():
                with Image.open(shared / "celeba" / name) as im:
                    crop_box(im.convert("RGB"), CELEBA_BOX, size).save(out / dst)
            values = attrs.get(name)
            rows.append([dst, "celeba", split_of(i, len(files))] + (values or [""] * len(attr_names)) + ["", "", ""])
    if "utk" in sources:
        files = sorted(f for f in os.listdir(shared / "utkface") if f.endswith(".jpg"))[:limit]
        for i, name in enumerate(files):
            parsed = parse_utk_name(name)
            dst = "utk_" + name.split(".")[0] + ".png"
            if not (out / dst).exists():
                with Image.open(shared / "utkface" / name) as im:
                    crop_box(im.convert("RGB"), UTK_BOX, size).save(out / dst)
            age, gender, race = parsed if parsed else ("", "", "")
            rows.append([dst, "utk", split_of(i, len(files))] + [""] * len(attr_names)
                        + [age, gender, "" if race is None else race])
            if i % 5000 == 0:
                print(f"quick_crop: utk {i}/{len(files)}", flush=True)
    with open(out / "labels.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return len(rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Build a quick face-crop folder from CelebA + UTKFace.")
    parser.add_argument("--out", required=True, help="output folder (outside the repository)")
    parser.add_argument("--size", type=int, default=64, help="crop size in pixels (default 64)")
    parser.add_argument("--shared", default=str(DEFAULT_SHARED), help="folder holding celeba/ and utkface/")
    parser.add_argument("--limit", type=int, default=None, help="only the first N files of each source")
    parser.add_argument("--sources", default="celeba,utk", help="comma-separated: celeba, utk")
    args = parser.parse_args(argv)
    shared = Path(args.shared)
    for sub in ("celeba", "utkface"):
        if not (shared / sub).is_dir():
            print(f"quick_crop: {shared / sub} is not a folder (set --shared)", file=sys.stderr)
            return 2
    if args.size < 4:
        print(f"quick_crop: --size must be at least 4, got {args.size}", file=sys.stderr)
        return 2
    n = build(shared, Path(args.out), args.size, args.limit, tuple(args.sources.split(",")))
    print(f"quick_crop: {n} crops in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
