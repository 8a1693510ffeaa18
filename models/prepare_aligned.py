"""Turn the studio aligner's output into a training folder for models/train.py.

    glow-studio align ../shared/data/faces/celeba ../shared/data/faces/utkface --size 64 --out aligned-64
    python models/prepare_aligned.py aligned-64 --size 32 --out data/aligned-32

`glow-studio align` writes one folder per source with crops and a faces.csv (source, face,
crop, score, transform, labels: CelebA attributes as 1/0, UTKFace age/gender/race). This
writes flat PNGs named <source>_<crop> at --size plus labels.csv in data.py's format: CelebA
attributes as 1 / -1, age / gender / race as numbers, and the split (the last 5% of each
source by file name is validation).
"""
from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from PIL import Image

NUMERIC = {"age", "gender", "race"}
SKIP = {"source", "face", "crop", "score", "detector_score", "roll", "a", "b", "c", "d", "e", "f"}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("aligned", help="the folder `glow-studio align --out` wrote")
    p.add_argument("--out", required=True)
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--val-fraction", type=float, default=0.05)
    args = p.parse_args(argv)
    root, out = Path(args.aligned), Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows, columns = [], []
    for csv_path in sorted(root.glob("*/faces.csv")):
        source = csv_path.parent.name
        with open(csv_path, newline="") as f:
            entries = sorted(csv.DictReader(f), key=lambda r: r["crop"])
        n_val = max(1, int(len(entries) * args.val_fraction))
        for i, r in enumerate(entries):
            crop = csv_path.parent / r["crop"]
            if not crop.is_file():
                continue
            name = f"{source}_{Path(r['crop']).stem}.png"
            target = out / name
            if not target.exists():
                Image.open(crop).convert("RGB").resize((args.size, args.size), Image.LANCZOS).save(target)
            labels = {}
            for k, v in r.items():
                if k in SKIP or v in (None, ""):
                    continue
                labels[k] = v if k in NUMERIC else ("1" if v == "1" else "-1")
                if k not in columns:
                    columns.append(k)
            split = "val" if i >= len(entries) - n_val else "train"
            rows.append({"file": name, "source": source, "split": split, **labels})
        print(f"{source}: {len(entries)} faces")
    with open(out / "labels.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["file", "source", "split", *columns], restval="")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} crops of {args.size}px and labels.csv to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
