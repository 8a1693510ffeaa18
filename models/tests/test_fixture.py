"""The fixture bundle the TypeScript tests run on is rebuilt byte for byte on any x86 CPU:
app/engine/export-parity.test.ts compares a rebuild with the committed files, so its bytes must
not depend on the SIMD the CPU has (float32 sampling and convolutions round differently with
AVX2 and AVX-512). ATEN_CPU_CAPABILITY picks PyTorch's kernels; a CPU without AVX-512 runs
AVX2 for both, and the test then cannot tell them apart."""
import hashlib
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "make_fixture.py"


def build(out: Path, capability: str) -> str:
    env = {**os.environ, "ATEN_CPU_CAPABILITY": capability}
    subprocess.run([sys.executable, str(SCRIPT), "--out", str(out)], env=env, check=True, capture_output=True)
    digest = hashlib.sha256()
    for name in ("encoder.onnx", "decoder.onnx", "weights.bin", "manifest.json"):
        digest.update((out / name).read_bytes())
    return digest.hexdigest()


def test_the_fixture_is_the_same_with_avx2_and_avx512_kernels(tmp_path):
    assert build(tmp_path / "avx2", "avx2") == build(tmp_path / "avx512", "avx512")
