"""Pack a training folder compactly, to send it to a GPU machine with a size limit.

    python models/pack_dataset.py data/aligned-64 --out .traindata/face64.tar.gz

The train split becomes lossy WebP (quality --quality; at 5 bits the mean error, about 2 of
256 levels, is well inside one 8-level bin); the validation split becomes lossless WebP of the
--n-bits-quantised pixels, so validation bits/dim is measured on exact data. labels.csv is
rewritten with the new names. Unpack with `tar xf` and train on the folder as usual.
"""
from __future__ import annotations

import argparse
import csv
import io
import sys
import tarfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image


def encode(job: tuple) -> tuple:
    path, split, quality, n_bits = job
    with Image.open(path) as im:
        im = im.convert("RGB")
        buf = io.BytesIO()
        if split == "val":
            step = 2 ** (8 - n_bits)
            pixels = np.asarray(im, dtype=np.uint8) // step * step
            Image.fromarray(pixels).save(buf, "WEBP", lossless=True, quality=100, method=6)
        else:
            im.save(buf, "WEBP", quality=quality, method=6)
    return Path(path).stem + ".webp", buf.getvalue()


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("folder", help="a training folder with labels.csv (models/prepare_aligned.py)")
    p.add_argument("--out", required=True, help="the .tar to write")
    p.add_argument("--quality", type=int, default=88)
    p.add_argument("--n-bits", type=int, default=5)
    p.add_argument("--workers", type=int, default=2)
    args = p.parse_args(argv)
    root = Path(args.folder)
    with open(root / "labels.csv", newline="") as f:
        reader = csv.DictReader(f)
        fields, rows = reader.fieldnames, list(reader)
    if not fields or "split" not in fields:
        raise SystemExit(f"{root / 'labels.csv'}: needs `file` and `split` columns")
    jobs = [(str(root / r["file"]), r["split"], args.quality, args.n_bits) for r in rows]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    name = out.name.split(".")[0]  # the folder inside the archive
    total = 0
    # gzip: WebP does not shrink, but the 512-byte tar header and padding of each file do.
    with tarfile.open(out, "w:gz", compresslevel=6) as tar, ProcessPoolExecutor(args.workers) as pool:
        for row, (new_name, data) in zip(rows, pool.map(encode, jobs, chunksize=64)):
            row["file"] = new_name
            info = tarfile.TarInfo(f"{name}/{new_name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
            total += len(data)
        labels = io.StringIO()
        writer = csv.DictWriter(labels, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
        data = labels.getvalue().encode()
        info = tarfile.TarInfo(f"{name}/labels.csv")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    print(f"packed {len(rows)} images ({total / 2 ** 20:.1f} MiB of WebP) into {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
