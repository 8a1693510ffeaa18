"""prepare_aligned.py: the aligner's per-source faces.csv folders into one training folder."""
import csv

from PIL import Image

from data import FaceFolder
from prepare_aligned import main as prepare_main

HEADER = ["source", "face", "crop", "score", "detector_score", "roll", "a", "b", "c", "d", "e", "f", "Smiling"]


def aligned_folder(root, n=20, size=16):
    """`glow-studio align` output: celeba/ with n crops and a photo without a face."""
    source = root / "celeba"
    source.mkdir(parents=True)
    rows = [[f"{i:06d}.jpg", 0, f"{i:06d}.png", 1, 0.9, 0, 1, 0, 0, 0, 1, 0, i % 2] for i in range(n)]
    rows.append(["999999.jpg", -1, *[""] * (len(HEADER) - 2)])  # no face found: no crop
    for i in range(n):
        Image.new("RGB", (size, size), (i * 10, 0, 0)).save(source / f"{i:06d}.png")
    with open(source / "faces.csv", "w", newline="") as f:
        csv.writer(f).writerows([HEADER, *rows])
    return root


def test_writes_crops_labels_and_counts_faces_only(tmp_path, capsys):
    aligned = aligned_folder(tmp_path / "aligned")
    assert prepare_main([str(aligned), "--size", "8", "--out", str(tmp_path / "data")]) == 0
    out = capsys.readouterr().out
    assert "celeba: 20 faces (1 photos without a face)" in out and "20 crops of 8px" in out
    faces = FaceFolder(tmp_path / "data", "all")
    assert len(faces) == 20 and faces[0].shape == (3, 8, 8)
    assert sorted(faces.label("Smiling").tolist()) == [-1.0] * 10 + [1.0] * 10
    # A rerun keeps the crops of the same size, and refuses another size.
    assert prepare_main([str(aligned), "--size", "8", "--out", str(tmp_path / "data")]) == 0
    assert "0 written, 20 already there" in capsys.readouterr().out
    assert prepare_main([str(aligned), "--size", "4", "--out", str(tmp_path / "data")]) == 2
    assert "celeba_000000.png is 8x8, not --size 4" in capsys.readouterr().err


def test_wrong_input_folders_are_refused_before_writing(tmp_path, capsys):
    aligned = aligned_folder(tmp_path / "aligned")
    out = tmp_path / "data"
    assert prepare_main([str(tmp_path / "nowhere"), "--out", str(out)]) == 2
    assert "no such folder" in capsys.readouterr().err
    assert prepare_main([str(aligned / "celeba"), "--out", str(out)]) == 2  # one source, not its parent
    err = capsys.readouterr().err
    assert f"no */faces.csv under {aligned / 'celeba'}" in err and "give its parent" in err
    with open(aligned / "celeba" / "faces.csv", "a") as f:
        f.write("000100.jpg,0,000100.png,1\n")  # 4 fields on line 23
    assert prepare_main([str(aligned), "--out", str(out)]) == 2
    assert f"{aligned / 'celeba' / 'faces.csv'}:23: 4 fields, the header has {len(HEADER)}" in capsys.readouterr().err
    assert not out.exists()
