"""Attribute directions: mean differences in the exported eps space, written into the bundle."""
import hashlib
import json

import numpy as np
import pytest
import torch

from attributes import compute_attributes, read_attributes, write_attributes
from data import FaceFolder, make_synthetic_folder
from export import export_bundle, frozen_copy
from glow import Glow, GlowConfig, pixels_to_model, randomize_for_tests


def tiny_model():
    torch.manual_seed(0)
    model = Glow(GlowConfig(image_size=8, levels=2, steps=2, hidden=8))
    model.initialize_actnorm(torch.rand(16, 3, 8, 8) - 0.5)
    return randomize_for_tests(model, scale=0.05).eval()


def test_directions_are_mean_differences_of_exported_eps(tmp_path):
    data = FaceFolder(make_synthetic_folder(tmp_path / "faces", n=40, size=8), "all")
    model = tiny_model()
    infos, vectors = compute_attributes(model, data, min_count=3)
    names = [i["name"] for i in infos]
    assert names == ["Red", "Age"]
    red = data.label("Red")
    with torch.no_grad():
        eps = frozen_copy(model).encode_eps(pixels_to_model(data.batch(range(len(data))))).double().numpy()
    expected = eps[red == 1].mean(0) - eps[red == -1].mean(0)
    assert infos[0]["positives"] == int((red == 1).sum()) and infos[0]["negatives"] == int((red == -1).sum())
    assert np.abs(vectors[0] - expected).max() < 1e-5
    age = data.label("age")
    assert infos[1]["positives"] == int((age >= 50).sum())
    assert infos[1]["negatives"] == int(((age >= 18) & (age <= 35)).sum())


def test_attribute_files_are_listed_in_the_manifest_with_hashes(tmp_path):
    pytest.importorskip("onnx")
    data = FaceFolder(make_synthetic_folder(tmp_path / "faces", n=40, size=8), "all")
    model = tiny_model()
    infos, vectors = compute_attributes(model, data, min_count=3)
    bundle = tmp_path / "bundle"
    extra = write_attributes(bundle, "tiny", infos, vectors)
    manifest = export_bundle(model, bundle, "tiny", extra_files=extra)
    doc, back = read_attributes(bundle)
    assert doc["model_id"] == manifest["model_id"] and doc["eps_size"] == manifest["eps_size"] == 192
    assert np.array_equal(back, vectors.astype("<f4"))
    raw = (bundle / "attributes.bin").read_bytes()
    assert len(raw) == 4 * 192 * len(infos)
    for role, name in (("attributes", "attributes.json"), ("attribute_vectors", "attributes.bin")):
        entry = json.loads((bundle / "manifest.json").read_text())["files"][role]
        assert entry["path"] == name
        assert entry["sha256"] == hashlib.sha256((bundle / name).read_bytes()).hexdigest()
