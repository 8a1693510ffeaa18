"""The training step's forward and backward, captured once in a CUDA graph and replayed.

Why: an eager Glow step launches some 15,000 small kernels from Python (about 40 per flow
step forward, twice that backward, times 4 levels x K steps). On the GPU machines here that
launch cost, not the GPU, set the step time: about 410 to 500 ms at every batch size from 64
to 256 (bench/train/RESULTS.md). A replayed graph launches them all in one call.

What stays outside the graph, eager, so it behaves exactly as in eager training: the input
(copied into a static buffer, dequantisation noise included), gradient clipping, the
non-finite skip (it needs the norm on the host) and the optimizer step with its LR warm-up.

Rules the captured model obeys (models/glow.py): no host syncs (ActNorm's init test is
dropped by train.skip_actnorm_init_check first), no randomness, static shapes. After capture
each parameter's .grad IS the graph's output buffer, rewritten by every replay: never set the
gradients to None (optimizer.zero_grad()) while the graph is in use.
"""
from __future__ import annotations

from typing import Callable, ContextManager

import torch
from torch import nn


class GraphedLoss:
    """loss(x) -> mean loss; on return every parameter's .grad holds this batch's gradient."""

    def __init__(self, model: nn.Module, params, example_x: torch.Tensor,
                 autocast: Callable[[], ContextManager], warmup: int = 3):
        if example_x.device.type != "cuda":
            raise ValueError(f"CUDA graphs need a CUDA tensor, got one on {example_x.device}")
        self.params = list(params)
        self.static_x = example_x.detach().clone()
        self.model, self.autocast = model, autocast
        # Warm-up on the capture stream itself: cuDNN's algorithm search, cuBLAS handles and
        # the allocator's first blocks must all happen before capture, where they are illegal.
        self.stream = torch.cuda.Stream(device=example_x.device)
        self.stream.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(self.stream):
            for _ in range(warmup):
                self._set_grads_to_none()
                self._forward_backward()
        torch.cuda.current_stream().wait_stream(self.stream)
        self._set_grads_to_none()  # so the captured backward allocates .grad in the graph's pool
        self.graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(self.graph, stream=self.stream):
            self.static_loss = self._forward_backward()
        missing = [i for i, p in enumerate(self.params) if p.grad is None]
        if missing:
            raise RuntimeError(f"CUDA graph capture left {len(missing)} parameters without a gradient")

    def _set_grads_to_none(self) -> None:
        for p in self.params:
            p.grad = None

    def _forward_backward(self) -> torch.Tensor:
        with self.autocast():
            loss = self.model(self.static_x).float().mean()
        loss.backward()
        return loss.detach()

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape != self.static_x.shape:
            raise ValueError(f"CUDA graph was captured for input {tuple(self.static_x.shape)}, got {tuple(x.shape)}")
        self.static_x.copy_(x)
        self.graph.replay()
        return self.static_loss
