"""The coupling network's CUDA kernels (coupling_kernels.py) compute the plain path's function."""
import pytest
import torch
from torch import nn

import train
from coupling_kernels import pointwise_as_linear
from glow import Glow, GlowConfig, GlowMethod, randomize_for_tests, set_coupling_kernels


def test_pointwise_conv_as_a_matrix_product():
    torch.manual_seed(0)
    conv = nn.Conv2d(16, 24, 1)
    x = torch.randn(3, 16, 5, 7).contiguous(memory_format=torch.channels_last)
    y = pointwise_as_linear(conv, x)
    assert y.shape == (3, 24, 5, 7) and y.is_contiguous(memory_format=torch.channels_last)
    assert torch.allclose(y, conv(x), atol=1e-5)


def test_unknown_kernels_are_refused():
    with pytest.raises(ValueError, match="conv, gemm, fused"):
        set_coupling_kernels(Glow(GlowConfig(image_size=8, levels=2, steps=1, hidden=8)), "cudnn")


def test_the_cpu_always_runs_the_plain_path():
    glow = randomize_for_tests(Glow(GlowConfig(image_size=8, levels=2, steps=2, hidden=8)))
    x = torch.rand(2, 3, 8, 8) - 0.5
    plain = glow.bits_per_dim(x)
    set_coupling_kernels(glow, "fused")
    assert torch.equal(glow.bits_per_dim(x), plain)


def _loss_and_grads(kernels: str, x: torch.Tensor, bf16: bool):
    torch.manual_seed(0)
    glow = Glow(GlowConfig(image_size=16, levels=2, steps=2, hidden=64))
    randomize_for_tests(glow, scale=0.05)
    glow = glow.cuda().to(memory_format=torch.channels_last)
    set_coupling_kernels(glow, kernels)
    with torch.autocast("cuda", dtype=torch.bfloat16, enabled=bf16):
        loss = GlowMethod(glow, "bits_per_dim")(x).float().mean()
    loss.backward()
    return float(loss), torch.cat([p.grad.flatten().float() for p in glow.parameters()])


@pytest.mark.skipif(not torch.cuda.is_available(), reason="the fast kernels run on CUDA only (GPU machine)")
@pytest.mark.parametrize("bf16", [False, True])
@pytest.mark.parametrize("kernels", ["gemm", "fused"])
def test_fast_kernels_match_the_plain_path_on_cuda(kernels, bf16):
    train.set_tf32(False)
    x = (torch.rand(8, 3, 16, 16, device="cuda") - 0.5).contiguous(memory_format=torch.channels_last)
    ref_loss, ref_grads = _loss_and_grads("conv", x, bf16)
    loss, grads = _loss_and_grads(kernels, x, bf16)
    tol = 2e-2 if bf16 else 1e-4  # bf16: products rounded in another order
    assert loss == pytest.approx(ref_loss, rel=tol / 10)
    assert float((grads - ref_grads).norm() / ref_grads.norm()) < tol
