"""Export a Glow model to a studio bundle: encoder.onnx, decoder.onnx and manifest.json.

    python models/export.py --checkpoint runs/face-64/last.pt --out models/bundles/face-64

The encoder maps an image (N x 3 x S x S, values in [-0.5, 0.5]) to standardised eps
(N x 3*S*S) and gives, as a second output, the model's bits/dim of each image (the studio's
check that a face crop is not upside down); the decoder maps eps back. Neither graph holds a
random op; the 1x1 convolutions and their inverses are computed in float64 here and baked in
as plain weights. The batch dimension is dynamic.

Both graphs keep their large weights in one shared file, weights.bin (ONNX external data):
the coupling networks, which are most of the model, are stored once for encoder and decoder,
and a weight whose values are all exact float16 numbers is stored as float16 behind a Cast
node (lossless by construction; models/round_fp16.py makes a checkpoint's weights so).
onnxruntime folds the Casts when it loads a session, so inference still runs in float32.
"""
from __future__ import annotations

import argparse
import copy
import hashlib
import inspect
import json
import os
import sys
from pathlib import Path
from typing import Optional

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from glow import Glow, GlowConfig, GlowMethod, InvConv2dLU  # noqa: E402

FORMAT = "glow-studio-bundle"
FORMAT_VERSION = 1
OPSET = 17
PIXEL_ENCODING = "(p + 0.5) / 256 - 0.5"


def frozen_copy(model: Glow) -> Glow:
    """An eval-mode float32 CPU copy with every 1x1 convolution's weight and inverse baked in."""
    frozen = copy.deepcopy(model).float().cpu().eval()
    for module in frozen.modules():
        if isinstance(module, InvConv2dLU):
            module.freeze()
    return frozen


def _onnx_export(module: nn.Module, example: torch.Tensor, path: Path, input_name: str, output_names: list) -> None:
    kwargs = dict(
        input_names=[input_name],
        output_names=output_names,
        dynamic_axes={name: {0: "batch"} for name in [input_name, *output_names]},
        opset_version=OPSET,
        do_constant_folding=True,
    )
    # torch >= 2.5 defaults to (or offers) the dynamo exporter; the TorchScript exporter is
    # the one both torch 1.13 and 2.x share, so results match across the two.
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kwargs["dynamo"] = False
    with torch.no_grad():
        torch.onnx.export(module, (example,), str(path), **kwargs)


WEIGHTS_FILE = "weights.bin"
SHARED_MIN_ELEMENTS = 1024  # smaller tensors stay inside their graph
_ALIGN = 64


def share_weights(out: Path, graph_files: list, weights_file: str = WEIGHTS_FILE) -> None:
    """Move the graphs' large float32 initializers into one external file, each distinct
    tensor once, as float16 where every value is exactly a float16."""
    import onnx
    from onnx import helper, numpy_helper
    from onnx.external_data_helper import set_external_data

    blob = bytearray()
    offsets: dict = {}  # (dtype, shape, bytes) -> offset
    for name in graph_files:
        model = onnx.load(str(out / name))
        casts = []
        for tensor in model.graph.initializer:
            array = numpy_helper.to_array(tensor)
            if array.dtype != np.float32 or array.size < SHARED_MIN_ELEMENTS:
                continue
            half = array.astype(np.float16)
            if np.array_equal(half.astype(np.float32), array):
                # The graph's uses keep the float32 name; the stored tensor is float16.
                casts.append(helper.make_node("Cast", [tensor.name + "_fp16"], [tensor.name],
                                              to=onnx.TensorProto.FLOAT))
                stored = numpy_helper.from_array(half, tensor.name + "_fp16")
                tensor.CopyFrom(stored)
                array = half
            data = array.tobytes()
            key = (str(array.dtype), array.shape, data)
            if key not in offsets:
                blob.extend(b"\0" * (-len(blob) % _ALIGN))
                offsets[key] = len(blob)
                blob.extend(data)
            set_external_data(tensor, weights_file, offset=offsets[key], length=len(data))
            tensor.ClearField("raw_data")
            tensor.data_location = onnx.TensorProto.EXTERNAL
        for node in reversed(casts):
            model.graph.node.insert(0, node)
        onnx.save(model, str(out / name))
    (out / weights_file).write_bytes(bytes(blob))


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def weights_sha256(model: nn.Module) -> str:
    """A fingerprint of a model's weights (names, shapes and values): evaluate.py records it and
    finish_bundle.py checks that it ships the weights that were evaluated."""
    h = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        t = tensor.detach().cpu().contiguous()
        h.update(f"{name} {t.dtype} {tuple(t.shape)}\n".encode())
        h.update(t.numpy().tobytes())
    return h.hexdigest()


def latent_layout(cfg: GlowConfig) -> list:
    layout, offset = [], 0
    for i, shape in enumerate(cfg.latent_shapes()):
        size = shape[0] * shape[1] * shape[2]
        layout.append({"level": i, "shape": list(shape), "offset": offset, "size": size})
        offset += size
    return layout


GRAPH_INPUTS = {"encoder": "image", "decoder": "eps"}
# The encoder's second output, bits_per_dim, is the model's bits/dim of each input image
# (Glow.encode_with_density); bundles exported before it have only eps.
GRAPH_OUTPUTS = {"encoder": "eps", "decoder": "image", "encoder_bits_per_dim": "bits_per_dim"}


def _export_graphs(frozen: Glow, out: Path) -> dict:
    """encoder.onnx, decoder.onnx and their shared weights.bin; returns their manifest entries."""
    cfg = frozen.cfg
    s = cfg.image_size
    _onnx_export(GlowMethod(frozen, "encode_with_density"), torch.zeros(2, cfg.channels, s, s), out / "encoder.onnx",
                 "image", [GRAPH_OUTPUTS["encoder"], GRAPH_OUTPUTS["encoder_bits_per_dim"]])
    _onnx_export(GlowMethod(frozen, "decode_eps"), torch.zeros(2, cfg.channels * s * s), out / "decoder.onnx",
                 "eps", [GRAPH_OUTPUTS["decoder"]])
    share_weights(out, ["encoder.onnx", "decoder.onnx"])
    return {
        "encoder": {"path": "encoder.onnx", "sha256": _sha256(out / "encoder.onnx")},
        "decoder": {"path": "decoder.onnx", "sha256": _sha256(out / "decoder.onnx")},
        "weights": {"path": WEIGHTS_FILE, "sha256": _sha256(out / WEIGHTS_FILE)},
    }


def reexport_bundle(model: Glow, bundle_dir: str | Path) -> dict:
    """Export the network graphs of an existing bundle again (bundle_model.load_bundle_model's
    model), keeping the rest of its manifest; returns the manifest."""
    out = Path(bundle_dir)
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["files"].update(_export_graphs(frozen_copy(model), out))  # frozen_copy keeps frozen weights
    manifest["inputs"], manifest["outputs"] = GRAPH_INPUTS, GRAPH_OUTPUTS
    manifest["exported_with"] = {"torch": torch.__version__}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def export_bundle(
    model: Glow,
    out_dir: str | Path,
    model_id: str,
    training: Optional[dict] = None,
    metrics: Optional[dict] = None,
    extra_files: Optional[dict] = None,
) -> dict:
    """Write encoder.onnx, decoder.onnx and manifest.json into out_dir; returns the manifest.
    extra_files: {role: filename} of files already in out_dir to list (with hashes)."""
    cfg = model.cfg
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    frozen = frozen_copy(model)
    s = cfg.image_size
    eps_size = cfg.channels * s * s
    files = _export_graphs(frozen, out)
    for role, name in (extra_files or {}).items():
        files[role] = {"path": name, "sha256": _sha256(out / name)}
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "model_id": model_id,
        "image_size": s,
        "channels": cfg.channels,
        "n_bits": cfg.n_bits,
        "pixel_encoding": PIXEL_ENCODING,
        "eps_size": eps_size,
        "levels": latent_layout(cfg),
        "architecture": cfg.to_dict(),
        "inputs": GRAPH_INPUTS,
        "outputs": GRAPH_OUTPUTS,
        "opset": OPSET,
        "exported_with": {"torch": torch.__version__},
        "files": files,
        "training": training,
        "metrics": metrics or {},
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def load_checkpoint(path: str | Path) -> Glow:
    state = torch.load(str(path), map_location="cpu")
    cfg = GlowConfig(**{**state["config"], "checkpoint_couplings": False})
    model = Glow(cfg)
    model.load_state_dict(state["model"])
    return model.eval()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkpoint", required=True, help="training checkpoint (.pt) written by models/train.py")
    parser.add_argument("--out", required=True, help="bundle folder to write")
    parser.add_argument("--model-id", default=None, help="model id (default: the folder name)")
    args = parser.parse_args(argv)
    if not Path(args.checkpoint).is_file():
        print(f"export: checkpoint not found: {args.checkpoint}", file=sys.stderr)
        return 2
    model = load_checkpoint(args.checkpoint)
    state = torch.load(args.checkpoint, map_location="cpu")
    manifest = export_bundle(
        model,
        args.out,
        args.model_id or Path(args.out).name,
        training=state.get("training"),
        metrics=state.get("metrics"),
    )
    print(json.dumps({k: manifest[k] for k in ("model_id", "image_size", "eps_size")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
