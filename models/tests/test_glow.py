"""Properties of the flow itself, on CPU, on small random models."""
import json
import math

import numpy as np

import pytest
import torch

from export import export_bundle, frozen_copy
from glow import (ActNorm, Glow, GlowConfig, InvConv2dLU, conv3x3_by_taps, randomize_for_tests, squeeze2d,
                  unsqueeze2d)


def random_model(seed=0, **overrides):
    cfg = GlowConfig(**{**dict(image_size=16, levels=2, steps=3, hidden=16), **overrides})
    torch.manual_seed(seed)
    model = Glow(cfg)
    model.initialize_actnorm(torch.rand(8, 3, cfg.image_size, cfg.image_size) - 0.5)
    return randomize_for_tests(model, scale=0.1, seed=seed).eval()


@pytest.mark.parametrize("affine", [True, False])
def test_encode_decode_is_invertible_fp32(affine):
    model = random_model(affine=affine)
    x = torch.rand(4, 3, 16, 16) - 0.5
    with torch.no_grad():
        eps = model.encode_eps(x)
        back = model.decode_eps(eps)
    assert eps.shape == (4, 3 * 16 * 16)
    assert (back - x).abs().max().item() < 1e-4


def test_frozen_export_copy_matches_the_trained_model():
    model = random_model()
    x = torch.rand(2, 3, 16, 16) - 0.5
    with torch.no_grad():
        assert torch.allclose(model.encode_eps(x), frozen_copy(model).encode_eps(x), atol=1e-5)


@pytest.mark.parametrize("affine", [True, False])
def test_checkpointed_couplings_give_the_same_gradients_and_keep_fewer_activations(affine):
    """--checkpoint-couplings recomputes each coupling network in the backward pass instead of
    keeping its hidden activations: the same loss and gradients, far fewer bytes held."""
    plain = random_model(affine=affine, hidden=64).train()
    checkpointed = Glow(GlowConfig(**{**plain.cfg.to_dict(), "checkpoint_couplings": True})).train()
    checkpointed.load_state_dict(plain.state_dict())
    x = torch.rand(4, 3, 16, 16) - 0.5

    def loss_gradients_and_saved_bytes(model):
        saved = []

        def pack(t):
            saved.append(t.numel() * t.element_size())
            return t

        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            loss = model.bits_per_dim(x).mean()
        loss.backward()
        return loss.item(), [p.grad for p in model.parameters()], sum(saved)

    loss, grads, held = loss_gradients_and_saved_bytes(plain)
    loss_ckpt, grads_ckpt, held_ckpt = loss_gradients_and_saved_bytes(checkpointed)
    assert loss_ckpt == loss
    for g, g_ckpt in zip(grads, grads_ckpt):
        assert torch.allclose(g, g_ckpt, rtol=1e-5, atol=1e-7)
    assert held_ckpt < held / 3, (held_ckpt, held)


@pytest.mark.parametrize("in_c,out_c,pad_to", [(6, 40, 1), (40, 12, 1), (12, 40, 8), (40, 6, 8)])
def test_a_3x3_convolution_by_taps_is_the_convolution(in_c, out_c, pad_to):
    """conv3x3_by_taps, both ways round (skinny input: im2col; skinny output: shifted sums), equals
    F.conv2d with zero padding 1, in values and in the gradients of input, weight and bias."""
    torch.manual_seed(0)
    x = torch.randn(3, in_c, 7, 5, requires_grad=True)
    w = torch.randn(out_c, in_c, 3, 3, requires_grad=True)
    b = torch.randn(out_c, requires_grad=True)
    g = torch.randn(3, out_c, 7, 5)
    results = []
    for conv in (lambda: torch.nn.functional.conv2d(x, w, b, padding=1), lambda: conv3x3_by_taps(x, w, b, pad_to)):
        y = conv()
        results.append((y.detach(), *torch.autograd.grad(y, (x, w, b), g)))
    for expected, got in zip(*results):
        assert got.shape == expected.shape
        assert torch.allclose(got, expected, rtol=1e-4, atol=1e-4), (got - expected).abs().max()


def test_squeeze_unsqueeze_are_inverse():
    x = torch.randn(2, 3, 8, 8)
    assert torch.equal(unsqueeze2d(squeeze2d(x)), x)


def test_logdet_equals_brute_force_jacobian():
    torch.manual_seed(1)
    model = random_model(seed=1, image_size=4, levels=2, steps=2, hidden=8).double()
    x = (torch.rand(1, 3, 4, 4, dtype=torch.float64) - 0.5)

    def to_z(flat):
        _, _, zs = model(flat.view(1, 3, 4, 4))
        return torch.cat([z.flatten() for z in zs])

    jac = torch.autograd.functional.jacobian(to_z, x.flatten())
    assert jac.shape == (48, 48)
    _, brute = torch.linalg.slogdet(jac)
    with torch.no_grad():
        _, logdet, _ = model(x)
    assert abs(logdet.item() - brute.item()) < 1e-6 * max(1.0, abs(brute.item()))


def test_invconv_logdet_matches_weight_determinant():
    conv = InvConv2dLU(6).double()
    _, logabsdet = torch.linalg.slogdet(conv.weight(torch.float64))
    assert torch.allclose(conv.log_s.double().sum(), logabsdet)


def test_actnorm_init_gives_zero_mean_unit_variance_per_channel():
    norm = ActNorm(4).train()
    x = torch.randn(64, 4, 8, 8) * torch.tensor([0.1, 2.0, 5.0, 0.5]).view(1, 4, 1, 1) + 3.0
    y, _ = norm(x)
    per_channel = y.transpose(0, 1).reshape(4, -1)
    assert per_channel.mean(1).abs().max().item() < 1e-4
    assert (per_channel.std(1) - 1).abs().max().item() < 1e-3
    assert int(norm.initialized) == 1
    y2, _ = norm(x * 10)  # a second batch must not re-initialise
    assert not torch.allclose(y2, y)


def test_reloaded_model_keeps_actnorm_init(tmp_path):
    model = random_model(seed=2)
    state = model.state_dict()
    assert any(k.endswith("initialized") for k in state)
    torch.save(state, tmp_path / "m.pt")
    torch.manual_seed(99)
    fresh = Glow(model.cfg)
    fresh.load_state_dict(torch.load(tmp_path / "m.pt"))
    fresh.train()  # training mode: an uninitialised actnorm would re-initialise here
    x = torch.rand(4, 3, 16, 16) - 0.5
    with torch.no_grad():
        assert torch.allclose(fresh(x)[0], model(x)[0], atol=1e-5)


def test_bits_per_dim_of_a_fresh_model_is_finite_and_plausible():
    model = random_model()
    x = torch.rand(8, 3, 16, 16) - 0.5
    bpd = model.bits_per_dim(x)
    assert torch.isfinite(bpd).all()
    # A 5-bit uniform model codes at 5 bits/dim; a fresh flow is in that neighbourhood.
    assert 2 < bpd.mean().item() < 20


def test_latent_shapes_cover_every_dimension():
    for cfg in (GlowConfig(image_size=64, levels=4), GlowConfig(image_size=32, levels=3)):
        total = sum(c * h * w for c, h, w in cfg.latent_shapes())
        assert total == cfg.channels * cfg.image_size ** 2


def test_export_shares_weights_between_the_graphs_as_float16(tmp_path):
    onnx = pytest.importorskip("onnx")
    from onnx import numpy_helper
    from round_fp16 import round_state

    model = random_model()
    model.load_state_dict(round_state(model.state_dict()))
    manifest = export_bundle(model, tmp_path, "unit-test")
    assert manifest["files"]["weights"]["path"] == "weights.bin"
    external = {}
    for role in ("encoder", "decoder"):
        graph = onnx.load(str(tmp_path / manifest["files"][role]["path"]), load_external_data=False)
        for t in graph.graph.initializer:
            if t.data_location == onnx.TensorProto.EXTERNAL:
                entry = {e.key: e.value for e in t.external_data}
                assert entry["location"] == "weights.bin"
                external.setdefault(role, {})[(entry["offset"], entry["length"])] = t.data_type
        assert onnx.TensorProto.FLOAT16 in external[role].values()
        assert "Cast" in {node.op_type for node in graph.graph.node}
    # The coupling networks are stored once for both graphs.
    shared = set(external["encoder"]) & set(external["decoder"])
    assert len(shared) >= 2 * len(model.levels)
    # Loading resolves the external file and gives exact float16 values back.
    graph = onnx.load(str(tmp_path / "decoder.onnx"))
    onnx.checker.check_model(graph)
    halves = [numpy_helper.to_array(t) for t in graph.graph.initializer if t.data_type == onnx.TensorProto.FLOAT16]
    assert halves and all(np.isfinite(h).all() for h in halves)


def test_rejects_sizes_the_levels_cannot_squeeze():
    with pytest.raises(ValueError, match="divisible"):
        Glow(GlowConfig(image_size=20, levels=3))


def test_export_writes_a_valid_bundle(tmp_path):
    onnx = pytest.importorskip("onnx")
    model = random_model()
    manifest = export_bundle(model, tmp_path, "unit-test")
    on_disk = json.loads((tmp_path / "manifest.json").read_text())
    assert on_disk == manifest
    assert manifest["eps_size"] == 768
    assert [lvl["shape"] for lvl in manifest["levels"]] == [[6, 8, 8], [24, 4, 4]]
    for role in ("encoder", "decoder"):
        graph = onnx.load(str(tmp_path / manifest["files"][role]["path"]))
        onnx.checker.check_model(graph)
        ops = {node.op_type for node in graph.graph.node}
        assert not ops & {"RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Inverse"}
        batch = graph.graph.input[0].type.tensor_type.shape.dim[0]
        assert batch.dim_param == "batch"
        assert len(manifest["files"][role]["sha256"]) == 64
