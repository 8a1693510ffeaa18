"""Face-crop folders for training and evaluation, and the image-grid writer.

A folder holds square aligned crops (PNG / JPEG), optionally with a labels CSV written by the
studio's aligner or by models/quick_crop.py: a `file` column, optional `source` and `split`
columns, and label columns (CelebA attributes as 1 / -1, `age`, `gender`, ...; empty = unknown).

Validation split: the CSV's `split` column when present; otherwise the last 5% of each
`source` (or of the whole folder) by file name.
"""
from __future__ import annotations

import csv
import math
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from PIL import Image
from torch.utils.data import Dataset

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp"}
VAL_FRACTION = 0.05
SPLITS = ("train", "val", "all")


def _last_fraction(names: Sequence[str], fraction: float = VAL_FRACTION) -> set:
    ordered = sorted(names)
    n_val = max(1, int(round(len(ordered) * fraction))) if ordered else 0
    return set(ordered[len(ordered) - n_val:])


class FaceFolder(Dataset):
    """Square face crops in a folder, as uint8 tensors 3 x S x S (resized to `size` if given).

    preload=True decodes every image once into one uint8 tensor (`self.images`), which makes
    batches a single index operation; fine up to a few hundred thousand 64x64 crops.
    """

    def __init__(self, root: str | Path, split: str = "train", size: Optional[int] = None,
                 labels_csv: Optional[str] = "labels.csv", preload: bool = True, limit: Optional[int] = None):
        if split not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
        self.root = Path(root)
        if not self.root.is_dir():
            raise FileNotFoundError(f"face folder not found: {self.root}")
        on_disk = sorted(p.name for p in self.root.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not on_disk:
            raise ValueError(f"no PNG/JPEG images in {self.root}")
        self.rows: Dict[str, Dict[str, str]] = {}
        self.columns: List[str] = []
        csv_path = self.root / labels_csv if labels_csv else None
        if csv_path is not None and csv_path.is_file():
            with open(csv_path, newline="") as f:
                reader = csv.DictReader(f)
                if not reader.fieldnames or "file" not in reader.fieldnames:
                    raise ValueError(f"{csv_path}: no `file` column (columns: {reader.fieldnames})")
                self.columns = [c for c in reader.fieldnames if c not in ("file", "source", "split")]
                self.rows = {row["file"]: row for row in reader}
            missing = [name for name in self.rows if not (self.root / name).is_file()]
            if missing:
                raise FileNotFoundError(f"{csv_path}: {len(missing)} listed files are missing, e.g. {missing[0]!r}")
            on_disk = sorted(self.rows)
        self.files = [name for name in on_disk if split == "all" or self._split_of(name, on_disk) == split]
        if limit is not None:
            self.files = self.files[:limit]
        if not self.files:
            raise ValueError(f"{self.root}: the {split!r} split is empty")
        first = self._read(self.files[0], None)
        self.size = size or first.shape[1]
        self.images: Optional[torch.Tensor] = None
        if preload:
            self.images = torch.empty(len(self.files), 3, self.size, self.size, dtype=torch.uint8)
            # Decoding releases the GIL: threads make a 30k-image preload seconds, not minutes.
            with ThreadPoolExecutor(max(1, min(16, os.cpu_count() or 1))) as pool:
                for i, image in enumerate(pool.map(lambda name: self._read(name, self.size), self.files)):
                    self.images[i] = image

    def _split_of(self, name: str, all_names: Sequence[str]) -> str:
        if not hasattr(self, "_val"):
            if self.rows and all(r.get("split") for r in self.rows.values()):
                self._val = {n for n, r in self.rows.items() if r["split"] == "val"}
            else:
                by_source: Dict[str, List[str]] = {}
                for n in all_names:
                    by_source.setdefault(self.rows.get(n, {}).get("source") or "", []).append(n)
                self._val = set().union(*(_last_fraction(v) for v in by_source.values()))
        return "val" if name in self._val else "train"

    def _read(self, name: str, size: Optional[int]) -> torch.Tensor:
        path = self.root / name
        with Image.open(path) as im:
            im = im.convert("RGB")
            if im.width != im.height:
                raise ValueError(f"{path}: crops must be square, got {im.width}x{im.height}")
            if size is not None and im.width != size:
                im = im.resize((size, size), Image.BICUBIC)
            a = np.asarray(im, dtype=np.uint8)
        return torch.from_numpy(a.copy()).permute(2, 0, 1).contiguous()

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, i: int) -> torch.Tensor:
        if self.images is not None:
            return self.images[i]
        return self._read(self.files[i], self.size)

    def batch(self, indices: Sequence[int]) -> torch.Tensor:
        """uint8 N x 3 x S x S for the given dataset indices."""
        if self.images is not None:
            return self.images[torch.as_tensor(list(indices), dtype=torch.long, device=self.images.device)]
        return torch.stack([self[i] for i in indices])

    def subset(self, indices: Sequence[int]) -> "FaceFolder":
        """A view of some of this folder's images (same root, labels and size), preloaded."""
        sub = FaceFolder.__new__(FaceFolder)
        sub.__dict__.update(self.__dict__)
        sub.files = [self.files[i] for i in indices]
        sub.images = self.batch(indices)
        return sub

    def spread(self, n: int) -> "FaceFolder":
        """n images evenly spaced over the folder's order (all sources), or self if n covers it."""
        if n <= 0 or n >= len(self):
            return self
        return self.subset(np.linspace(0, len(self) - 1, n).round().astype(int).tolist())

    def label(self, column: str) -> np.ndarray:
        """Float values of a label column per image (NaN where empty or absent)."""
        if column not in self.columns:
            raise KeyError(f"no label column {column!r} in {self.root}; columns: {self.columns}")
        out = np.full(len(self.files), np.nan, dtype=np.float64)
        for i, name in enumerate(self.files):
            v = self.rows.get(name, {}).get(column, "")
            if v not in ("", None):
                out[i] = float(v)
        return out


def output_folder_problem(path: str | Path) -> Optional[str]:
    """Why `path` cannot be (or become) a folder to write in, or None. The scripts check their
    output folders with it before any slow work, and before creating anything."""
    path = Path(path)
    existing = path
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    if not existing.is_dir():
        return f"{path} is a file, not a folder" if existing == path else f"{path}: {existing} is a file, not a folder"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"{path}: cannot write in {existing}"
    return None


def save_grid(images: torch.Tensor, path: str | Path, nrow: Optional[int] = None, pad: int = 2) -> None:
    """Write model-space images (N x 3 x S x S in [-0.5, 0.5]) or uint8 images as one PNG grid."""
    if images.dtype != torch.uint8:
        images = torch.clamp(torch.round((images.detach().float().cpu() + 0.5) * 255), 0, 255).to(torch.uint8)
    n, _, h, w = images.shape
    nrow = nrow or int(math.ceil(math.sqrt(n)))
    ncol = int(math.ceil(n / nrow))
    grid = np.full((ncol * (h + pad) + pad, nrow * (w + pad) + pad, 3), 255, dtype=np.uint8)
    for i in range(n):
        r, c = divmod(i, nrow)
        y, x = pad + r * (h + pad), pad + c * (w + pad)
        grid[y:y + h, x:x + w] = images[i].permute(1, 2, 0).cpu().numpy()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(grid).save(path)


def make_synthetic_folder(root: str | Path, n: int = 32, size: int = 8, seed: int = 0, labels: bool = True) -> Path:
    """A tiny folder of smooth random 'faces' (blobs) with a labels CSV, for tests."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size] / max(1, size - 1)
    rows = []
    for i in range(n):
        cy, cx, r = rng.uniform(0.3, 0.7), rng.uniform(0.3, 0.7), rng.uniform(0.2, 0.4)
        blob = np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * r * r))
        colour = rng.uniform(0.2, 1.0, size=3)
        img = (blob[..., None] * colour + rng.normal(0, 0.05, (size, size, 3))) * 255
        name = f"img_{i:04d}.png"
        Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(root / name)
        rows.append([name, "synthetic", "1" if colour[0] > 0.6 else "-1", int(rng.integers(1, 90))])
    if labels:
        with open(root / "labels.csv", "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["file", "source", "Red", "age"])
            writer.writerows(rows)
    return root
