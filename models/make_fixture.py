"""Build the tiny random-weight fixture bundle the TypeScript tests run on.

    python models/make_fixture.py                       # rewrites models/fixtures/tiny-32
    python models/make_fixture.py --out /tmp/x --reference /tmp/ref

Deterministic: the same seed gives the same weights, rounded to float16 values as the shipped
bundle's are (models/round_fp16.py), so the tests cover the float16 weights.bin path. With --reference, also writes
PyTorch's own outputs on a fixed input (float32, little-endian, row-major) so the Node
tests can compare onnxruntime against PyTorch:
  input.bin  (N x 3 x 32 x 32 image)   eps.bin (encoder output)   decoded.bin (decoder of eps)
  bits.bin   (the encoder's bits/dim of each image)
  meta.json  (shapes)
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export import export_bundle, frozen_copy  # noqa: E402
from glow import Glow, GlowConfig, randomize_for_tests  # noqa: E402
from round_fp16 import round_state  # noqa: E402

FIXTURE_CONFIG = GlowConfig(image_size=32, channels=3, levels=3, steps=4, hidden=32, affine=True, n_bits=5)
SEED = 20261126
DEFAULT_OUT = Path(__file__).resolve().parent / "fixtures" / "tiny-32"


def build_fixture_model(seed: int = SEED) -> Glow:
    torch.manual_seed(seed)
    model = Glow(FIXTURE_CONFIG)
    # Initialise actnorm on inputs drawn like the reference input, so eps stays O(1). In float64:
    # float32 convolutions round differently on different CPUs (AVX2, AVX-512), and the few
    # values that landed on another float16 value changed the committed bytes from machine to
    # machine; float64 rounded to float32, then to float16, gives the same values everywhere.
    model.double()
    model.initialize_actnorm(reference_input(seed + 1, n=32).double())
    model.float()
    randomize_for_tests(model, scale=0.05, seed=seed + 2)
    # -0.0 and 0.0 alike: an actnorm shift that rounds to zero keeps the sign of the CPU's noise.
    model.load_state_dict({k: v + 0.0 if v.is_floating_point() else v for k, v in round_state(model.state_dict()).items()})
    return model.eval()


def reference_input(seed: int = SEED, n: int = 3) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed + 3)
    pixels = torch.randint(0, 256, (n, 3, 32, 32), generator=gen, dtype=torch.uint8)
    return (pixels.float() + 0.5) / 256 - 0.5


def write_reference(model: Glow, ref_dir: Path) -> None:
    ref_dir.mkdir(parents=True, exist_ok=True)
    frozen = frozen_copy(model)
    x = reference_input()
    with torch.no_grad():
        eps, bits = frozen.encode_with_density(x)
        decoded = frozen.decode_eps(eps)
    for name, t in (("input", x), ("eps", eps), ("decoded", decoded), ("bits", bits)):
        (ref_dir / f"{name}.bin").write_bytes(t.contiguous().numpy().astype("<f4").tobytes())
    meta = {"input": list(x.shape), "eps": list(eps.shape), "decoded": list(decoded.shape)}
    (ref_dir / "meta.json").write_text(json.dumps(meta) + "\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Build the tiny fixture bundle.")
    parser.add_argument("--out", default=str(DEFAULT_OUT))
    parser.add_argument("--reference", default=None, help="also write PyTorch reference outputs here")
    args = parser.parse_args(argv)
    model = build_fixture_model()
    export_bundle(
        model,
        args.out,
        "fixture-tiny-32",
        training={"data": "none: random weights for tests", "seed": SEED},
    )
    if args.reference:
        write_reference(model, Path(args.reference))
    print(f"fixture bundle written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
