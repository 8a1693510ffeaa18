"""quick_crop's label parsing and crop geometry; evaluate.py and the training benchmark end to end on a tiny model."""
import json
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import train
from attributes import GENERATED_CARD_MARK
from attributes import main as attributes_main
from data import FaceFolder, make_synthetic_folder
from evaluate import evaluate
from evaluate import main as evaluate_main
from finish_bundle import FIGURES
from finish_bundle import main as finish_bundle_main
from round_fp16 import main as round_fp16_main
from quick_crop import build, crop_box, parse_utk_name, read_celeba_attributes

ROOT = Path(__file__).resolve().parents[2]


def test_utk_names_and_celeba_attribute_file(tmp_path):
    assert parse_utk_name("26_1_3_20170119180346813.jpg.chip.jpg") == (26, 1, 3)
    assert parse_utk_name("39_1_20170116174525125.jpg.chip.jpg") == (39, 1, None)  # the files lacking race
    assert parse_utk_name("notes.txt") is None
    attr = tmp_path / "list_attr_celeba.txt"
    attr.write_text("2\nSmiling Male\n000001.jpg  1 -1\n000002.jpg -1  1\n")
    names, rows = read_celeba_attributes(attr)
    assert names == ["Smiling", "Male"] and rows["000002.jpg"] == [-1, 1]


def test_crop_box_outside_the_image_is_padded_not_black():
    img = Image.new("RGB", (20, 20), (200, 100, 50))
    out = np.asarray(crop_box(img, (-10, -10, 30, 30), 8))
    assert out.shape == (8, 8, 3)
    assert np.abs(out.astype(int) - [200, 100, 50]).max() <= 2


def test_build_writes_crops_labels_and_a_per_source_split(tmp_path):
    shared = tmp_path / "faces"
    (shared / "celeba").mkdir(parents=True)
    (shared / "utkface").mkdir()
    lines = ["20", "Smiling Male"]
    for i in range(1, 21):
        Image.new("RGB", (89, 109), (i * 10, 0, 0)).save(shared / "celeba" / f"{i:06d}.jpg")
        lines.append(f"{i:06d}.jpg {1 if i % 2 else -1} -1")
    (shared / "celeba" / "list_attr_celeba.txt").write_text("\n".join(lines) + "\n")
    for i in range(20):
        Image.new("RGB", (200, 200), (0, i * 10, 0)).save(shared / "utkface" / f"{20 + i}_{i % 2}_0_2017{i:04d}.jpg.chip.jpg")
    out = tmp_path / "crops"
    assert build(shared, out, 16) == 40
    val = FaceFolder(out, "val")
    assert val.files == ["celeba_000020.png", "utk_39_1_0_20170019.png"]
    everything = FaceFolder(out, "all")
    assert everything[0].shape == (3, 16, 16)
    assert np.nansum(everything.label("Smiling") == 1) == 10
    assert sorted(x for x in everything.label("age") if np.isfinite(x)) == list(range(20, 40))
    sub = everything.subset([0, 39])
    assert sub.files == ["celeba_000001.png", "utk_39_1_0_20170019.png"] and sub.label("age")[1] == 39
    assert torch.equal(sub[1], everything[39])
    assert everything.spread(3).files == ["celeba_000001.png", "utk_20_0_0_20170000.png", "utk_39_1_0_20170019.png"]


def test_evaluate_and_attributes_on_a_tiny_trained_model(tmp_path, capsys):
    pytest.importorskip("onnx")
    data = make_synthetic_folder(tmp_path / "faces", n=40, size=8)
    train.train(["--data", str(data), "--out", str(tmp_path / "run"), "--image-size", "8", "--levels", "2",
                 "--steps", "2", "--hidden", "8", "--batch", "8", "--max-steps", "3", "--threads", "1",
                 "--no-samples", "--log-every", "1"])
    ckpt, bundle = tmp_path / "run" / "last.pt", tmp_path / "bundle"
    (tmp_path / "a-file").write_text("")
    assert attributes_main(["--checkpoint", str(ckpt), "--data", str(data), "--bundle", str(tmp_path / "a-file")]) == 2
    assert "a-file is a file" in capsys.readouterr().err
    unlabelled = make_synthetic_folder(tmp_path / "unlabelled", n=40, size=8, labels=False)
    assert attributes_main(["--checkpoint", str(ckpt), "--data", str(unlabelled), "--bundle", str(bundle)]) == 2
    assert "labels.csv not found" in capsys.readouterr().err and not bundle.exists()
    assert evaluate_main(["--checkpoint", str(ckpt), "--data", str(data), "--bundle", str(bundle),
                          "--out", str(tmp_path / "eval")]) == 2  # no bundle yet: refused before validating
    assert not (tmp_path / "eval").exists()
    assert attributes_main(["--checkpoint", str(ckpt), "--data", str(data), "--bundle", str(bundle),
                            "--min-count", "2"]) == 0
    other = tmp_path / "other-bundle"  # a bundle of another model: refused, naming what differs
    other.mkdir()
    (other / "manifest.json").write_text(
        json.dumps({"architecture": {**json.loads((bundle / "manifest.json").read_text())["architecture"], "hidden": 16}}))
    assert evaluate_main(["--checkpoint", str(ckpt), "--data", str(data), "--bundle", str(other),
                          "--out", str(tmp_path / "eval")]) == 2
    assert "hidden 16 vs 8" in capsys.readouterr().err and not (tmp_path / "eval").exists()
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert set(manifest["files"]) == {"encoder", "decoder", "weights", "attributes", "attribute_vectors", "model_card"}
    assert "non-commercial" in (bundle / "MODEL_CARD.md").read_text()
    report = evaluate(str(ckpt), str(data), str(tmp_path / "eval"), str(bundle), draws=2,
                      edit_attributes=("Red", "Age"))
    assert 0 < report["val_bpd"] < 8
    assert report["reconstruction_max_abs_error"] < 1e-4
    for name in ("samples-t0.5.png", "samples-t0.7.png", "samples-t1.0.png", "edits.png"):
        assert (tmp_path / "eval" / name).is_file()
    # validation faces (2 of 40) on rows; columns: the face + 2 attributes x 3 alphas; 8px tiles, 2px padding
    assert report["edit_sheet"]["rows"] == 2 and len(report["edit_sheet"]["columns"]) == 7
    assert Image.open(tmp_path / "eval" / "edits.png").size == (7 * 10 + 2, 2 + 2 * 10)
    eps = np.frombuffer((tmp_path / "eval" / "onnx-reference" / "eps.bin").read_bytes(), dtype="<f4")
    assert eps.size == 2 * manifest["eps_size"]  # the reference faces: up to 8 validation faces
    # The bundle alone (its checkpoint gone): its model rebuilt from the graphs gives the same figures.
    assert evaluate_main(["--data", str(data), "--out", str(tmp_path / "eval-none")]) == 2
    assert "give --checkpoint, --bundle, or both" in capsys.readouterr().err
    alone = evaluate(None, str(data), str(tmp_path / "eval-bundle"), str(bundle), draws=2, edit_attributes=("Red",))
    assert alone["checkpoint"] is None and alone["bundle"] == str(bundle)
    assert abs(alone["val_bpd"] - report["val_bpd"]) < 1e-4

    # The last step: figures, the evaluation of the shipped weights and the card. Refused, with the
    # bundle untouched: a malformed --training, and weights other than the evaluated ones.
    finish = ["--bundle", str(bundle), "--eval", str(tmp_path / "eval")]
    with pytest.raises(SystemExit) as exit_info:
        finish_bundle_main(["--checkpoint", str(ckpt), *finish, "--training", "device"])
    assert exit_info.value.code == 2 and "KEY=VALUE" in capsys.readouterr().err
    assert round_fp16_main([str(ckpt), str(tmp_path / "run" / "shipped.pt")]) == 0
    assert finish_bundle_main(["--checkpoint", str(tmp_path / "run" / "shipped.pt"), *finish]) == 2
    assert "other weights than the evaluated" in capsys.readouterr().err
    assert not (bundle / "figures").exists()
    assert json.loads((bundle / "manifest.json").read_text()) == manifest

    # Without --card the generated card is written again, with the manifest's figures.
    assert finish_bundle_main(["--checkpoint", str(ckpt), *finish, "--training", "device=a test CPU"]) == 0
    generated = (bundle / "MODEL_CARD.md").read_text()
    assert f"Validation bits/dim: {report['val_bpd']:.4f} on 2 validation faces" in generated
    assert "(a test CPU)" in generated and GENERATED_CARD_MARK in generated
    finished = json.loads((bundle / "manifest.json").read_text())
    assert finished["metrics"]["val_bpd"] == report["val_bpd"]
    assert finished["metrics"]["val_bpd_fp32_weights"] == manifest["metrics"]["val_bpd"]
    assert finished["training"]["device"] == "a test CPU"
    assert sorted(p.name for p in (bundle / "figures").iterdir()) == sorted(FIGURES)

    # A hand-written card replaces it, and a later run without --card keeps it.
    card = tmp_path / "card.md"
    card.write_text("# tiny\n\nNon-commercial research use only.\n")
    assert finish_bundle_main(["--checkpoint", str(ckpt), *finish, "--card", str(card)]) == 0
    assert finish_bundle_main(["--checkpoint", str(ckpt), *finish]) == 0
    assert (bundle / "MODEL_CARD.md").read_text() == card.read_text()
    finished = json.loads((bundle / "manifest.json").read_text())
    assert finished["files"]["model_card"]["sha256"] != manifest["files"]["model_card"]["sha256"]
    assert finished["training"]["device"] == "a test CPU"  # kept from the manifest


def test_training_benchmark_runs_on_cpu(capsys):
    sys.path.insert(0, str(ROOT / "bench" / "train"))
    import bench_train

    assert bench_train.main(["--device", "cpu", "--steps", "2", "--image-size", "8", "--levels", "2",
                             "--flow-steps", "2", "--hidden", "8", "--batch", "4"]) == 0
    table = capsys.readouterr().out
    assert "baseline" in table and "ours" in table and "ratio" in table
