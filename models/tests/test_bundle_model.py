"""A bundle's model rebuilt in PyTorch from its graphs (bundle_model.py), and the encoder's
bits/dim output."""
import json
import shutil

import pytest
import torch

from bundle_model import load_bundle_model
from export import export_bundle, frozen_copy, reexport_bundle
from glow import Glow, GlowConfig, randomize_for_tests
from round_fp16 import round_state


def trained_like_model(affine=True, seed=1):
    """A random model with float16-exact weights and non-zero ZeroConv scales, as a trained
    bundle's are (a fresh model's scales are all zero and would hide a mix-up)."""
    torch.manual_seed(seed)
    model = Glow(GlowConfig(image_size=16, levels=3, steps=2, hidden=16, affine=affine))
    model.initialize_actnorm(torch.rand(8, 3, 16, 16) - 0.5)
    randomize_for_tests(model, scale=0.1, seed=seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith(".scale"):
                p.uniform_(-0.3, 0.3)
    model.load_state_dict(round_state(model.state_dict()))
    return model.eval()


@pytest.mark.parametrize("affine", [True, False])
def test_a_bundle_gives_back_the_model_it_was_exported_from(tmp_path, affine):
    pytest.importorskip("onnx")
    model = trained_like_model(affine)
    export_bundle(model, tmp_path, "unit-test")
    rebuilt = load_bundle_model(tmp_path)
    x = torch.rand(3, 3, 16, 16) - 0.5
    frozen = frozen_copy(model)
    with torch.no_grad():
        eps = frozen.encode_eps(x)
        assert torch.equal(rebuilt.encode_eps(x), eps)
        assert torch.equal(rebuilt.decode_eps(eps), frozen.decode_eps(eps))
        # log_s comes back as log|det W| spread evenly: the log-determinant, so bits/dim, agree.
        assert torch.allclose(rebuilt.bits_per_dim(x), model.bits_per_dim(x), atol=1e-5)


def test_reexport_keeps_the_latents_and_the_rest_of_the_manifest(tmp_path):
    pytest.importorskip("onnx")
    model = trained_like_model()
    first = export_bundle(model, tmp_path / "a", "unit-test", metrics={"val_bpd": 1.5})
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    again = reexport_bundle(load_bundle_model(tmp_path / "b"), tmp_path / "b")
    assert again["metrics"] == {"val_bpd": 1.5} and again["model_id"] == "unit-test"
    assert json.loads((tmp_path / "b" / "manifest.json").read_text()) == again
    assert again["files"]["weights"] == first["files"]["weights"]  # the same weights, stored alike
    x = torch.rand(2, 3, 16, 16) - 0.5
    with torch.no_grad():
        assert torch.equal(load_bundle_model(tmp_path / "b").encode_eps(x), frozen_copy(model).encode_eps(x))


def test_encode_with_density_is_encode_eps_and_bits_per_dim():
    model = trained_like_model()
    x = torch.rand(4, 3, 16, 16) - 0.5
    with torch.no_grad():
        eps, bits = model.encode_with_density(x)
        assert torch.equal(eps, model.encode_eps(x))
        assert torch.allclose(bits, model.bits_per_dim(x))
    assert bits.shape == (4,)


def test_a_bundle_that_is_not_a_glow_export_is_refused(tmp_path):
    pytest.importorskip("onnx")
    model = trained_like_model()
    export_bundle(model, tmp_path, "unit-test")
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    manifest["architecture"]["steps"] = 3  # the graphs hold 2 steps per level
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ValueError, match="do not match|expected"):
        load_bundle_model(tmp_path)
