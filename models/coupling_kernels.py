"""Faster kernels for the coupling network on CUDA, computing exactly the same function.

The coupling network is conv3x3 -> ReLU -> conv1x1 -> ReLU -> zero-init conv3x3, with biases.
torch.profiler on one H200 (bench/train/RESULTS.md) put a sixth of the eager step's GPU time in
`add_` (cuDNN convolutions add their bias in a separate pass over the 512-channel output) and
more in the ReLU passes. Two changes remove passes over those large hidden activations:

- "gemm": on channels-last input the 1x1 convolution is a matrix product over the channel
  axis, F.linear, whose cuBLASLt kernel adds the bias in its epilogue;
- "fused": also the first 3x3 convolution, its bias and its ReLU in one cuDNN call
  (cudnn_convolution_relu), with its backward written out below.

"conv" is the plain nn.Sequential path: the CPU, ONNX export and torch 1.13 always use it, and
the weights (state dict) are the same for all three.
"""
from __future__ import annotations

from typing import List

import torch
from torch import nn
from torch.nn import functional as F

KERNELS = ("conv", "gemm", "fused")


def autocast_dtype(x: torch.Tensor) -> torch.dtype:
    """The dtype autocast would compute a convolution in here (x's own dtype when it is off)."""
    if x.device.type != "cuda":
        return x.dtype
    try:  # torch >= 2.4
        enabled, dtype = torch.is_autocast_enabled("cuda"), torch.get_autocast_dtype("cuda")
    except TypeError:
        enabled, dtype = torch.is_autocast_enabled(), torch.get_autocast_gpu_dtype()
    return dtype if enabled else x.dtype


class _ConvBiasReLU(torch.autograd.Function):
    """relu(conv2d(x, weight, bias)), stride 1, forward in one cuDNN call; backward masks the
    gradient with the saved output (as ReLU's own backward does) and calls the convolution's
    backward for all three gradients."""

    @staticmethod
    def forward(ctx, x, weight, bias, padding: int):
        y = torch.ops.aten.cudnn_convolution_relu(x, weight, bias, [1, 1], [padding, padding], [1, 1], 1)
        ctx.save_for_backward(x, weight, y)
        ctx.padding = padding
        return y

    @staticmethod
    def backward(ctx, grad_y):
        x, weight, y = ctx.saved_tensors
        grad = torch.ops.aten.threshold_backward(grad_y, y, 0)
        need: List[bool] = list(ctx.needs_input_grad[:3])
        grad_x, grad_w, grad_b = torch.ops.aten.convolution_backward(
            grad, x, weight, [weight.shape[0]], [1, 1], [ctx.padding, ctx.padding], [1, 1], False, [0, 0], 1, need)
        return grad_x, grad_w, grad_b, None


def conv_bias_relu(conv: nn.Conv2d, x: torch.Tensor) -> torch.Tensor:
    dtype = autocast_dtype(x)
    with torch.autocast("cuda", enabled=False):  # cast here, as autocast would, then run as is
        return _ConvBiasReLU.apply(x.to(dtype), conv.weight.to(dtype), conv.bias.to(dtype), conv.padding[0])


def pointwise_as_linear(conv: nn.Conv2d, x: torch.Tensor) -> torch.Tensor:
    """A 1x1 convolution of channels-last x as one matrix product (bias in the GEMM epilogue).
    The result is the same N x C x H x W tensor, channels-last."""
    n, c, h, w = x.shape
    rows = x.permute(0, 2, 3, 1).reshape(n * h * w, c)  # a view: x is channels-last contiguous
    out = F.linear(rows, conv.weight.view(conv.out_channels, c), conv.bias)
    return out.view(n, h, w, conv.out_channels).permute(0, 3, 1, 2)


def hidden_path(net: nn.Sequential, a: torch.Tensor, kernels: str) -> torch.Tensor:
    """net(a) for the coupling's Sequential(conv3x3, ReLU, conv1x1, ReLU, ZeroConv2d)."""
    first, relu1, middle, relu2, last = net
    fast = kernels != "conv" and a.is_cuda
    if fast and kernels == "fused":
        h = conv_bias_relu(first, a)
    else:
        h = relu1(first(a))
    if fast and h.is_contiguous(memory_format=torch.channels_last):
        h = F.relu(pointwise_as_linear(middle, h), inplace=True)
    else:
        h = relu2(middle(h))
    return last(h)
