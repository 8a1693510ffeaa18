"""Turn the studio aligner's output into a training folder for models/train.py.

    glow-studio align ../shared/data/faces/celeba ../shared/data/faces/utkface --size 64 --out aligned-64
    python models/prepare_aligned.py aligned-64 --size 32 --out data/aligned-32

`glow-studio align` writes one folder per source with crops and a faces.csv (source, face,
crop, score, transform, labels: CelebA attributes as 1/0, UTKFace age/gender/race). This
writes flat PNGs named <source>_<crop> at --size plus labels.csv in data.py's format: CelebA
attributes as 1 / -1, age / gender / race as numbers, and the split (the last 5% of each
source by file name is validation). Rerunning into the same --out keeps the crops already
there (they must have the same --size).
"""
from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from PIL import Image

NUMERIC = {"age", "gender", "race"}
SKIP = {"source", "face", "crop", "score", "detector_score", "roll", "a", "b", "c", "d", "e", "f"}


class InputError(Exception):
    """A problem with the command's input, reported in one line (exit 2)."""


def read_faces_csv(csv_path: Path) -> list:
    """The rows of one faces.csv as dicts, refusing a row whose field count is not the header's
    (csv.DictReader would silently pad or shift its labels)."""
    with open(csv_path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if not header or "crop" not in header:
            raise InputError(f"{csv_path}: no header with a `crop` column (got {header})")
        rows = []
        for fields in reader:
            if len(fields) != len(header):
                raise InputError(f"{csv_path}:{reader.line_num}: {len(fields)} fields, the header has {len(header)}")
            rows.append(dict(zip(header, fields)))
    return rows


def find_faces_csvs(root: Path) -> list:
    if not root.is_dir():
        raise InputError(f"no such folder: {root}")
    csvs = sorted(root.glob("*/faces.csv"))
    if not csvs:
        hint = (f"; {root} is one source's folder, give its parent (the `glow-studio align --out` folder)"
                if (root / "faces.csv").is_file() else "; give the folder `glow-studio align --out` wrote")
        raise InputError(f"no */faces.csv under {root}{hint}")
    return csvs


def check_existing_size(target: Path, size: int) -> None:
    """Existing crops are kept on a rerun: refuse an --out whose crops have another size."""
    with Image.open(target) as im:
        if im.size != (size, size):
            raise InputError(f"{target} is {im.width}x{im.height}, not --size {size}: "
                             f"give another --out (or empty this one)")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("aligned", help="the folder `glow-studio align --out` wrote (the parent of its per-source folders)")
    p.add_argument("--out", required=True)
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--val-fraction", type=float, default=0.05)
    args = p.parse_args(argv)
    root, out = Path(args.aligned), Path(args.out)
    try:
        if out.exists() and not out.is_dir():
            raise InputError(f"--out {out} is a file, not a folder")
        # Read and check everything before writing anything.
        sources = [(path, sorted(read_faces_csv(path), key=lambda r: r["crop"])) for path in find_faces_csvs(root)]
        if not any(r["crop"] for _, entries in sources for r in entries):
            raise InputError(f"no faces in the */faces.csv under {root}")
        for csv_path, entries in sources:
            for r in entries:
                target = out / f"{csv_path.parent.name}_{Path(r['crop']).stem}.png"
                if r["crop"] and target.is_file():
                    check_existing_size(target, args.size)
    except InputError as err:
        print(f"prepare_aligned: {err}", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    rows, columns, written = [], [], 0
    for csv_path, entries in sources:
        source = csv_path.parent.name
        # Rows without a face (empty crop) count here, as they always have: the split of an
        # existing folder stays the same.
        n_val = max(1, int(len(entries) * args.val_fraction))
        faces = missing = 0
        for i, r in enumerate(entries):
            if not r["crop"]:
                continue  # a photo in which the aligner found no face
            faces += 1
            crop = csv_path.parent / r["crop"]
            if not crop.is_file():
                missing += 1
                continue
            name = f"{source}_{Path(r['crop']).stem}.png"
            target = out / name
            if not target.exists():
                Image.open(crop).convert("RGB").resize((args.size, args.size), Image.LANCZOS).save(target)
                written += 1
            labels = {}
            for k, v in r.items():
                if k in SKIP or v in (None, ""):
                    continue
                labels[k] = v if k in NUMERIC else ("1" if v == "1" else "-1")
                if k not in columns:
                    columns.append(k)
            split = "val" if i >= len(entries) - n_val else "train"
            rows.append({"file": name, "source": source, "split": split, **labels})
        print(f"{source}: {faces} faces ({len(entries) - faces} photos without a face"
              f"{f', {missing} crops missing in {csv_path.parent}' if missing else ''})")
    with open(out / "labels.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["file", "source", "split", *columns], restval="")
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows)} crops of {args.size}px ({written} written, {len(rows) - written} already there) "
          f"and labels.csv in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
