"""Glow (Kingma & Dhariwal, 2018) in one readable file.

Layout follows the multi-scale architecture: each level squeezes the image (C, H, W) ->
(4C, H/2, W/2), runs K flow steps (actnorm -> invertible 1x1 conv -> coupling) and, except
for the last level, splits off half of the channels as that level's latent z with a learned
Gaussian prior conditioned on the half that continues. The last level has a learned prior
of its own (per channel and position).

The studio's latent convention (DESIGN.md): eps is every level's z standardized by its prior,
(z - mean) / std, flattened and concatenated finest level first. `encode_eps` / `decode_eps`
implement that convention; the exported decoder is decode_eps, and the encoder is
encode_with_density: encode_eps plus the model's bits/dim of the image.

Works on torch 1.13 (Debian, CPU) and torch 2.x.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import List, Optional, Tuple

import torch
from torch import nn
from torch.nn import functional as F
from torch.utils.checkpoint import checkpoint

LOG_2PI = math.log(2 * math.pi)


@dataclass(frozen=True)
class GlowConfig:
    image_size: int = 64
    channels: int = 3
    levels: int = 4  # L
    steps: int = 32  # K flow steps per level
    hidden: int = 512  # coupling network width
    affine: bool = True  # affine coupling (False: additive)
    n_bits: int = 5
    checkpoint_couplings: bool = False  # gradient checkpointing of coupling networks

    def to_dict(self) -> dict:
        return asdict(self)

    def latent_shapes(self) -> List[Tuple[int, int, int]]:
        """Shape (C, H, W) of each level's latent, finest level first."""
        shapes = []
        c, s = self.channels, self.image_size
        for level in range(self.levels):
            c, s = c * 4, s // 2
            if level < self.levels - 1:
                c //= 2  # half is split off as this level's latent, half continues
            shapes.append((c, s, s))
        return shapes


def gaussian_log_p(x: torch.Tensor, mean: torch.Tensor, log_std: torch.Tensor) -> torch.Tensor:
    return -0.5 * LOG_2PI - log_std - 0.5 * (x - mean) ** 2 * torch.exp(-2 * log_std)


def squeeze2d(x: torch.Tensor) -> torch.Tensor:
    n, c, h, w = x.shape
    x = x.reshape(n, c, h // 2, 2, w // 2, 2)
    return x.permute(0, 1, 3, 5, 2, 4).reshape(n, c * 4, h // 2, w // 2)


def unsqueeze2d(x: torch.Tensor) -> torch.Tensor:
    n, c, h, w = x.shape
    x = x.reshape(n, c // 4, 2, 2, h, w)
    return x.permute(0, 1, 4, 2, 5, 3).reshape(n, c // 4, h * 2, w * 2)


class ActNorm(nn.Module):
    """Per-channel affine normalisation with data-dependent initialisation.

    The `initialized` flag is a buffer, so it travels in the state dict: a reloaded model
    keeps its initialisation instead of re-initialising on the first batch it sees.
    """

    def __init__(self, channels: int):
        super().__init__()
        self.loc = nn.Parameter(torch.zeros(1, channels, 1, 1))
        self.log_scale = nn.Parameter(torch.zeros(1, channels, 1, 1))
        self.register_buffer("initialized", torch.tensor(0, dtype=torch.uint8))

    @torch.no_grad()
    def initialize(self, x: torch.Tensor) -> None:
        flat = x.transpose(0, 1).reshape(x.shape[1], -1).float()
        mean, std = flat.mean(1), flat.std(1)
        self.loc.copy_(-mean.view_as(self.loc))
        self.log_scale.copy_(torch.log(1.0 / (std + 1e-6)).view_as(self.log_scale))
        self.initialized.fill_(1)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        if self.training and int(self.initialized) == 0:
            self.initialize(x)
        h, w = x.shape[2], x.shape[3]
        y = (x + self.loc) * torch.exp(self.log_scale)
        return y, h * w * self.log_scale.sum()

    def reverse(self, y: torch.Tensor) -> torch.Tensor:
        return y * torch.exp(-self.log_scale) - self.loc


def full_precision(x: torch.Tensor):
    """Autocast off. Under bf16 autocast only the coupling networks run in bf16: the flow's own
    stream (actnorm, 1x1 convolutions, split priors) stays fp32, so 4 x K steps of rounding do
    not pile up in the latents and the log-determinants."""
    return torch.autocast(x.device.type, enabled=False)


def upcast(x: torch.Tensor) -> torch.Tensor:
    """bf16 / fp16 -> fp32; fp32 and fp64 (the Jacobian test) unchanged."""
    return x.float() if x.dtype in (torch.float16, torch.bfloat16) else x


def cpu_independent_normal(shape, generator: Optional[torch.Generator] = None) -> torch.Tensor:
    """Standard normal float32 values that a seed makes the same on every CPU: drawn in float64,
    whose sampler is plain scalar code, where float32's is vectorised per CPU (AVX2, AVX-512)
    and rounds differently. Keeps the committed fixture bundle a byte-exact rebuild anywhere."""
    return torch.randn(shape, generator=generator, dtype=torch.float64).float()


class InvConv2dLU(nn.Module):
    """Invertible 1x1 convolution, W = P L (U + diag(sign(s) exp(log|s|)))."""

    def __init__(self, channels: int):
        super().__init__()
        q, _ = torch.linalg.qr(torch.randn(channels, channels, dtype=torch.float64))
        p, lower, upper = torch.linalg.lu(q)
        s = torch.diag(upper)
        u_mask = torch.triu(torch.ones(channels, channels), 1)
        self.register_buffer("w_p", p.float())
        self.register_buffer("u_mask", u_mask)
        self.register_buffer("l_mask", u_mask.T.contiguous())
        self.register_buffer("s_sign", torch.sign(s).float())
        self.register_buffer("eye", torch.eye(channels))
        self.w_l = nn.Parameter(lower.float())
        self.w_u = nn.Parameter(torch.triu(upper, 1).float())
        self.log_s = nn.Parameter(torch.log(torch.abs(s)).float())

    def weight(self, dtype: torch.dtype = torch.float32) -> torch.Tensor:
        def cast(t):
            return t.to(dtype)

        lower = cast(self.w_l) * cast(self.l_mask) + cast(self.eye)
        upper = cast(self.w_u) * cast(self.u_mask) + torch.diag(cast(self.s_sign) * torch.exp(cast(self.log_s)))
        return cast(self.w_p) @ lower @ upper

    @torch.no_grad()
    def freeze(self) -> None:
        """Bake W and W^-1 (computed in float64) in as plain weights, for export: the graphs
        then hold no LU algebra and no matrix inverse. A frozen convolution stays as it is (a
        model rebuilt from a bundle has only its frozen weights: bundle_model.py)."""
        if hasattr(self, "frozen_w"):
            return
        w64 = self.weight(torch.float64)
        self.register_buffer("frozen_w", w64.float())
        self.register_buffer("frozen_w_inv", torch.inverse(w64).float())

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        w = self.frozen_w if hasattr(self, "frozen_w") else self.weight()
        with full_precision(x):
            x = upcast(x)
            y = F.conv2d(x, w.view(*w.shape, 1, 1).to(x.dtype))
        return y, x.shape[2] * x.shape[3] * self.log_s.sum()

    def reverse(self, y: torch.Tensor) -> torch.Tensor:
        if hasattr(self, "frozen_w_inv"):
            w_inv = self.frozen_w_inv
        else:
            w_inv = torch.inverse(self.weight(torch.float64)).float()
        with full_precision(y):
            y = upcast(y)
            return F.conv2d(y, w_inv.view(*w_inv.shape, 1, 1).to(y.dtype))


def aligned_conv2d(x: torch.Tensor, weight: torch.Tensor, bias: Optional[torch.Tensor], padding: int,
                   pad_to: int, taps: bool = False) -> torch.Tensor:
    """F.conv2d (stride 1) with the channel counts zero-padded to a multiple of `pad_to` on the fly,
    and a 3x3 one run as a 1x1 convolution over its 9 taps where `taps` (conv3x3_by_taps).

    Why: cuDNN's fast tensor-core kernels for channels-last bf16 want channel counts that are
    multiples of 8, and the couplings' first convolution reads 6 or 12 channels while their last
    one writes 12 (affine) or 6 (additive). Zero channels only add exact zeros, so the output is
    unchanged, and the weights keep their shape: checkpoints and the export are unaffected."""
    if taps and weight.shape[-1] == 3:
        return conv3x3_by_taps(x, weight, bias, pad_to)
    out_channels, in_channels = weight.shape[0], weight.shape[1]
    pad_in, pad_out = -in_channels % pad_to, -out_channels % pad_to
    if not (pad_in or pad_out):
        return F.conv2d(x, weight, bias, padding=padding)
    weight = F.pad(weight, (0, 0, 0, 0, 0, pad_in, 0, pad_out))
    bias = None if bias is None else F.pad(bias, (0, pad_out))
    y = F.conv2d(F.pad(x, (0, 0, 0, 0, 0, pad_in)), weight, bias, padding=padding)
    return y[:, :out_channels] if pad_out else y


def conv3x3_by_taps(x: torch.Tensor, weight: torch.Tensor, bias: Optional[torch.Tensor],
                    pad_to: int) -> torch.Tensor:
    """F.conv2d(x, weight, bias, padding=1) for a 3x3 weight, as one 1x1 convolution whose channels
    are the 9 taps: the same products and sums, in another order.

    Why: the couplings' 3x3 convolutions are skinny on one side (6 to 96 channels against 512),
    and as matrix products a side of 6 or 12 leaves most of a tensor-core tile idle, in the first
    one's input gradient and the last one's output. With the taps as channels that side is 9x
    wider. Reading few channels, the 9 shifted copies of the input are gathered first (im2col);
    writing few, the 1x1 convolution writes 9 x out channels and their 9 shifted slices are summed.
    The gathers and sums are cheap elementwise work that the compiled coupling network fuses."""
    out_c, in_c, height, width = weight.shape[0], weight.shape[1], x.shape[-2], x.shape[-1]
    shifts = [(ky, kx) for ky in range(3) for kx in range(3)]
    if in_c <= out_c:  # channel block i = 3 ky + kx of cols holds x shifted by (ky - 1, kx - 1)
        xp = F.pad(x, (1, 1, 1, 1))
        cols = torch.cat([xp[:, :, ky:ky + height, kx:kx + width] for ky, kx in shifts], 1)
        return aligned_conv2d(cols, weight.permute(0, 2, 3, 1).reshape(out_c, 9 * in_c, 1, 1), bias, 0, pad_to)
    t = aligned_conv2d(x, weight.permute(2, 3, 0, 1).reshape(9 * out_c, in_c, 1, 1), None, 0, pad_to)
    tp = F.pad(t, (1, 1, 1, 1))
    y = sum(tp[:, i * out_c:(i + 1) * out_c, ky:ky + height, kx:kx + width] for i, (ky, kx) in enumerate(shifts))
    return y if bias is None else y + bias.view(1, -1, 1, 1)


class AlignedConv2d(nn.Conv2d):
    """A 3x3 or 1x1 nn.Conv2d (stride 1) run through aligned_conv2d: pad_to = 1 and taps off (a
    plain convolution) unless training turns them on (train.align_channels, train.conv_taps)."""

    pad_to = 1
    taps = False

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return aligned_conv2d(x, self.weight, self.bias, self.padding[0], self.pad_to, self.taps)


def coupling_net(a: torch.Tensor, first_w: torch.Tensor, first_b: torch.Tensor, middle_w: torch.Tensor,
                 middle_b: torch.Tensor, last_w: torch.Tensor, last_b: torch.Tensor, last_scale: torch.Tensor,
                 pad_to: int, taps: bool = False) -> torch.Tensor:
    """A coupling's network as one function of its weights: 3x3 conv, ReLU, 1x1 conv, ReLU, then
    the zero-initialised 3x3 conv times exp(3 * scale) (ZeroConv2d).

    Why a function and not the modules' forward: train.compile_couplings compiles this once for
    all K x L couplings (one specialisation per level's shapes), where compiling each module
    would trace all of them again, one by one."""
    h = F.relu(aligned_conv2d(a, first_w, first_b, 1, pad_to, taps), inplace=True)
    h = F.relu(F.conv2d(h, middle_w, middle_b), inplace=True)
    return zero_conv(h, last_w, last_b, last_scale, pad_to, taps)


def zero_conv(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, scale: torch.Tensor,
              pad_to: int = 1, taps: bool = False) -> torch.Tensor:
    """ZeroConv2d's 3x3 convolution times its learned exp(3 * scale)."""
    return aligned_conv2d(x, weight, bias, 1, pad_to, taps) * torch.exp(scale * 3)


class ZeroConv2d(nn.Module):
    """3x3 convolution initialised to output zeros, with a learned log-scale (x3) on its output."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.conv = AlignedConv2d(in_channels, out_channels, 3, padding=1)
        self.conv.weight.data.zero_()
        self.conv.bias.data.zero_()
        self.scale = nn.Parameter(torch.zeros(1, out_channels, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return zero_conv(x, self.conv.weight, self.conv.bias, self.scale, self.conv.pad_to, self.conv.taps)


class Coupling(nn.Module):
    """Affine coupling: the first half of the channels parameterises shift and scale of the
    second half. scale = sigmoid(h + 2), so a fresh model starts close to the identity; the
    network's last layer is zero-initialised."""

    def __init__(self, channels: int, hidden: int, affine: bool = True, use_checkpoint: bool = False):
        super().__init__()
        self.affine = affine
        self.use_checkpoint = use_checkpoint
        half = channels // 2
        first = AlignedConv2d(half, hidden, 3, padding=1)
        middle = nn.Conv2d(hidden, hidden, 1)
        for conv in (first, middle):
            conv.weight.data.copy_(cpu_independent_normal(conv.weight.shape) * 0.05)
            conv.bias.data.zero_()
        self.net = nn.Sequential(
            first,
            nn.ReLU(inplace=True),
            middle,
            nn.ReLU(inplace=True),
            ZeroConv2d(hidden, channels if affine else half),
        )

    net_fn = staticmethod(coupling_net)  # train.compile_couplings sets the compiled one per instance

    def _net(self, a: torch.Tensor) -> torch.Tensor:
        """self.net's layers, run by net_fn (their parameters keep the names net.0, net.2, net.4)."""
        first, _, middle, _, last = self.net
        return self.net_fn(a, first.weight, first.bias, middle.weight, middle.bias, last.conv.weight,
                           last.conv.bias, last.scale, first.pad_to, first.taps)

    def _params(self, a: torch.Tensor) -> torch.Tensor:
        if self.use_checkpoint and self.training and torch.is_grad_enabled():
            return checkpoint(self._net, a, use_reentrant=False)
        return self._net(a)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        a, b = x.chunk(2, 1)
        h = upcast(self._params(a))  # bf16 under autocast: back to the fp32 stream
        if not self.affine:
            return torch.cat([a, b + h], 1), torch.zeros((), device=x.device)
        shift, raw_scale = h[:, 0::2], h[:, 1::2]
        b = (b + shift) * torch.sigmoid(raw_scale + 2)
        logdet = F.logsigmoid(raw_scale + 2).flatten(1).sum(1)
        return torch.cat([a, b], 1), logdet

    def reverse(self, y: torch.Tensor) -> torch.Tensor:
        a, b = y.chunk(2, 1)
        h = upcast(self._net(a))
        if not self.affine:
            return torch.cat([a, b - h], 1)
        shift, raw_scale = h[:, 0::2], h[:, 1::2]
        return torch.cat([a, b / torch.sigmoid(raw_scale + 2) - shift], 1)


class FlowStep(nn.Module):
    def __init__(self, channels: int, hidden: int, affine: bool, use_checkpoint: bool):
        super().__init__()
        self.actnorm = ActNorm(channels)
        self.invconv = InvConv2dLU(channels)
        self.coupling = Coupling(channels, hidden, affine, use_checkpoint)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        x, ld1 = self.actnorm(x)
        x, ld2 = self.invconv(x)
        x, ld3 = self.coupling(x)
        return x, ld1 + ld2 + ld3

    def reverse(self, y: torch.Tensor) -> torch.Tensor:
        return self.actnorm.reverse(self.invconv.reverse(self.coupling.reverse(y)))


class Level(nn.Module):
    """squeeze -> K flow steps -> split with a learned prior (or the learned top prior)."""

    def __init__(self, in_channels: int, size: int, cfg: GlowConfig, last: bool):
        super().__init__()
        c = in_channels * 4
        self.last = last
        self.steps = nn.ModuleList(
            FlowStep(c, cfg.hidden, cfg.affine, cfg.checkpoint_couplings) for _ in range(cfg.steps)
        )
        if last:
            self.top_mean = nn.Parameter(torch.zeros(1, c, size // 2, size // 2))
            self.top_log_std = nn.Parameter(torch.zeros(1, c, size // 2, size // 2))
        else:
            self.prior = ZeroConv2d(c // 2, c)

    def prior_of(self, kept: Optional[torch.Tensor], like: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        if self.last:
            n = like.shape[0]
            return self.top_mean.expand(n, -1, -1, -1), self.top_log_std.expand(n, -1, -1, -1)
        with full_precision(kept):
            h = self.prior(upcast(kept))
        return h[:, 0::2], h[:, 1::2]

    def forward(self, x: torch.Tensor):
        """Returns (kept half or None, z, z's prior mean, prior log std, logdet)."""
        x = squeeze2d(x)
        logdet = torch.zeros(x.shape[0], device=x.device)
        for step in self.steps:
            x, ld = step(x)
            logdet = logdet + ld
        if self.last:
            mean, log_std = self.prior_of(None, x)
            return None, x, mean, log_std, logdet
        kept, z = x.chunk(2, 1)
        mean, log_std = self.prior_of(kept, z)
        return kept, z, mean, log_std, logdet

    def reverse(self, kept: Optional[torch.Tensor], z: torch.Tensor) -> torch.Tensor:
        x = z if self.last else torch.cat([kept, z], 1)
        for step in reversed(self.steps):
            x = step.reverse(x)
        return unsqueeze2d(x)


class Glow(nn.Module):
    def __init__(self, cfg: GlowConfig):
        super().__init__()
        if cfg.image_size % (2 ** cfg.levels):
            raise ValueError(f"image_size {cfg.image_size} is not divisible by 2^levels ({2 ** cfg.levels})")
        self.cfg = cfg
        levels = []
        c, s = cfg.channels, cfg.image_size
        for i in range(cfg.levels):
            last = i == cfg.levels - 1
            levels.append(Level(c, s, cfg, last))
            c, s = c * 2, s // 2
        self.levels = nn.ModuleList(levels)

    # -- likelihood -------------------------------------------------------------------------
    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, List[torch.Tensor]]:
        """x: N x C x S x S in [-0.5, 0.5] (dequantised). Returns (log p(z), log|det J|, zs)."""
        log_p = torch.zeros(x.shape[0], device=x.device)
        logdet = torch.zeros(x.shape[0], device=x.device)
        zs = []
        for level in self.levels:
            x, z, mean, log_std, ld = level(x)
            log_p = log_p + gaussian_log_p(z.float(), mean.float(), log_std.float()).flatten(1).sum(1)
            logdet = logdet + ld
            zs.append(z)
        return log_p, logdet, zs

    def bits_per_dim(self, x: torch.Tensor) -> torch.Tensor:
        """Negative log-likelihood of the dequantised batch x, in bits per dimension (per image)."""
        log_p, logdet, _ = self(x)
        return self._bits_per_dim(log_p, logdet, x[0].numel())

    def _bits_per_dim(self, log_p: torch.Tensor, logdet: torch.Tensor, n_dims: int) -> torch.Tensor:
        """-log2 of the n_bits-quantised likelihood per dimension, from the continuous log density."""
        log_likelihood = log_p + logdet - math.log(2 ** self.cfg.n_bits) * n_dims
        return -log_likelihood / (math.log(2) * n_dims)

    # -- the studio's latent convention -----------------------------------------------------
    def encode_eps(self, x: torch.Tensor) -> torch.Tensor:
        """Image N x C x S x S in [-0.5, 0.5] -> eps, N x C*S*S (standardised, finest level first)."""
        parts = []
        for level in self.levels:
            x, z, mean, log_std, _ = level(x)
            parts.append(((z - mean) * torch.exp(-log_std)).flatten(1))
        return torch.cat(parts, 1)

    def encode_with_density(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """encode_eps(x), and the model's bits/dim at x (no dequantisation noise), per image.

        The studio compares the second between a face crop and the crop turned half a turn: a
        face the face finder read upright while it is upside down costs the model more bits
        than the same crop turned (the exported encoder's second output)."""
        parts = []
        log_p = torch.zeros(x.shape[0], device=x.device)
        logdet = torch.zeros(x.shape[0], device=x.device)
        n_dims = x[0].numel()
        for level in self.levels:
            x, z, mean, log_std, ld = level(x)
            parts.append(((z - mean) * torch.exp(-log_std)).flatten(1))
            log_p = log_p + gaussian_log_p(z, mean, log_std).flatten(1).sum(1)
            logdet = logdet + ld
        return torch.cat(parts, 1), self._bits_per_dim(log_p, logdet, n_dims)

    def decode_eps(self, eps: torch.Tensor) -> torch.Tensor:
        """eps, N x C*S*S -> image N x C x S x S (inverse of encode_eps)."""
        shapes = self.cfg.latent_shapes()
        offsets = [0]
        for c, h, w in shapes:
            offsets.append(offsets[-1] + c * h * w)
        x = None
        for i in reversed(range(len(self.levels))):
            level = self.levels[i]
            c, h, w = shapes[i]
            e = eps[:, offsets[i] : offsets[i + 1]].reshape(-1, c, h, w)
            mean, log_std = level.prior_of(x, e)
            z = mean + torch.exp(log_std) * e
            x = level.reverse(x, z)
        return x

    @torch.no_grad()
    def initialize_actnorm(self, x: torch.Tensor) -> None:
        """Data-dependent actnorm initialisation from one batch (call before wrapping in DDP)."""
        was_training = self.training
        self.train()
        self(x)
        self.train(was_training)


class GlowMethod(nn.Module):
    """One of Glow's methods as a module's forward, for what wraps modules: DDP and
    torch.compile (bits_per_dim), the ONNX exporter (encode_eps, decode_eps)."""

    def __init__(self, glow: "Glow", method: str):
        super().__init__()
        self.glow = glow
        self.method = method

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return getattr(self.glow, self.method)(x)


def preprocess(images_uint8: torch.Tensor, n_bits: int) -> torch.Tensor:
    """uint8 N x C x H x W -> quantised to n_bits, in [-0.5, 0.5) (bin lower edges)."""
    x = torch.floor(images_uint8.float() / 2 ** (8 - n_bits))
    return x / 2 ** n_bits - 0.5


def dequantize(x: torch.Tensor, n_bits: int) -> torch.Tensor:
    """Uniform dequantisation noise within each bin."""
    return x + torch.rand_like(x) / 2 ** n_bits


def pixels_to_model(images_uint8: torch.Tensor) -> torch.Tensor:
    """The app's pixel encoding: the centre of each 8-bit bin, (p + 0.5) / 256 - 0.5.
    It lies inside the n-bit dequantisation support for any n_bits <= 8."""
    return (images_uint8.float() + 0.5) / 256 - 0.5


def model_to_pixels(x: torch.Tensor) -> torch.Tensor:
    return torch.clamp(torch.round((x + 0.5) * 256 - 0.5), 0, 255).to(torch.uint8)


def randomize_for_tests(model: Glow, scale: float = 0.05, seed: int = 0) -> Glow:
    """Perturb the zero-initialised layers and priors so a random model is a non-trivial,
    still well-conditioned flow (fresh Glow couplings are the identity). For tests and
    the fixture bundle only."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, ZeroConv2d):
                module.conv.weight.copy_(cpu_independent_normal(module.conv.weight.shape, gen) * scale)
                module.conv.bias.copy_(cpu_independent_normal(module.conv.bias.shape, gen) * scale)
            if isinstance(module, Level) and module.last:
                module.top_mean.copy_(cpu_independent_normal(module.top_mean.shape, gen) * scale)
                module.top_log_std.copy_(cpu_independent_normal(module.top_log_std.shape, gen) * scale)
    return model
