"""Rebuild the PyTorch model of an exported bundle from its graphs and weights.bin.

    python models/bundle_model.py --bundle models/bundles/face-64 --reexport

Why: a bundle is what ships, and its training checkpoint may be gone (the shipped face-64's
is not in the repository). With the model back in PyTorch, a bundle can be evaluated by evaluate.py's code or
exported again by a newer export.py (--reexport, in place: same weights, the current graph
outputs), without retraining.

What the graphs keep: every parameter under its own name (glow.<name>, float16 behind a Cast
where exact), except two kinds the exporter folds away:
- each 1x1 convolution's W and W^-1, baked in by export.frozen_copy; they come back as the
  frozen weights, and log_s as log|det W| spread evenly over the channels, which is all its
  sum (the log-determinant) needs;
- each ZeroConv2d's exp(3 * scale) input, 3 * scale, found by its Exp node's name.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from glow import Glow, GlowConfig, InvConv2dLU  # noqa: E402


def _graph_values(path: Path) -> tuple:
    """(value of a tensor name, list of nodes) for an ONNX graph with its external data."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(path))
    values = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    producers = {}
    for node in model.graph.node:
        if node.op_type == "Constant":
            values[node.output[0]] = numpy_helper.to_array(node.attribute[0].t)
        for out in node.output:
            producers[out] = node

    def value(name: str) -> np.ndarray:
        while name not in values:  # the exporter shares equal constants through Identity nodes
            node = producers.get(name)
            if node is None or node.op_type not in ("Identity", "Cast"):
                raise ValueError(f"{path}: {name} is not a constant of the graph")
            name = node.input[0]
        return values[name].astype(np.float32)

    return value, list(model.graph.node)


# Encoder node names are module scopes: '/levels.0/steps.3/invconv/Conv', and the coupling's
# exp(3 * scale) '/levels.0/steps.3/coupling/Exp' (or '.../coupling/net/net.4/Exp' from older
# exports, where ZeroConv2d ran as a module).
_STEP_NODE = re.compile(r"^/levels\.(?P<level>\d+)/steps\.(?P<step>\d+)/(?P<part>invconv|coupling)/(?:.*/)?(?:Conv|Exp)$")
_PRIOR_EXP = re.compile(r"^/levels\.(?P<level>\d+)/prior/(?:.*/)?Exp$")


def load_bundle_model(bundle_dir: str | Path) -> Glow:
    """The bundle's model, in eval mode, with its 1x1 convolutions frozen as exported."""
    try:
        return _load(Path(bundle_dir))
    except RuntimeError as err:  # a tensor of the wrong shape
        raise ValueError(f"{bundle_dir}: the graphs do not match manifest.json's architecture: {err}") from err


def _load(bundle: Path) -> Glow:
    manifest = json.loads((bundle / "manifest.json").read_text())
    cfg = GlowConfig(**{**manifest["architecture"], "checkpoint_couplings": False})
    model = Glow(cfg).eval()
    enc_value, enc_nodes = _graph_values(bundle / manifest["files"]["encoder"]["path"])
    dec_value, dec_nodes = _graph_values(bundle / manifest["files"]["decoder"]["path"])

    with torch.no_grad():
        state = model.state_dict()
        for name, tensor in state.items():
            try:
                tensor.copy_(torch.from_numpy(enc_value(f"glow.{name}")).reshape(tensor.shape))
            except ValueError:
                pass  # folded away: set below from the nodes that use it
        for module in model.modules():
            if hasattr(module, "initialized"):
                module.initialized.fill_(1)
        found = {"scale": 0, "w": 0, "w_inv": 0}
        for node in enc_nodes:  # the encoder's nodes are named by the module that ran them
            step = _STEP_NODE.match(node.name)
            prior = _PRIOR_EXP.match(node.name)
            if step and step["part"] == "invconv" and node.op_type == "Conv":
                module = model.levels[int(step["level"])].steps[int(step["step"])].invconv
                w = torch.from_numpy(enc_value(node.input[1])).reshape(module.eye.shape)
                module.register_buffer("frozen_w", w)
                _, log_abs_det = torch.linalg.slogdet(w.double())
                module.log_s.fill_(float(log_abs_det) / w.shape[0])
                found["w"] += 1
            elif (step and step["part"] == "coupling" and node.op_type == "Exp") or prior:
                level = model.levels[int((step or prior)["level"])]
                zero_conv = level.steps[int(step["step"])].coupling.net[4] if step else level.prior
                zero_conv.scale.copy_(torch.from_numpy(enc_value(node.input[0])).reshape(zero_conv.scale.shape) / 3)
                found["scale"] += 1
        # The decoder's are not (it runs Glow.decode_eps, not a module's forward), but its 1x1
        # convolutions are the only ones with unnamed weights, in reverse order of the flow.
        invconvs = [m for m in model.modules() if isinstance(m, InvConv2dLU)]
        unnamed = [n for n in dec_nodes if n.op_type == "Conv" and not n.input[1].startswith("glow.")]
        for module, node in zip(reversed(invconvs), unnamed):
            module.register_buffer("frozen_w_inv", torch.from_numpy(dec_value(node.input[1])).reshape(module.eye.shape))
            found["w_inv"] += 1
        if len(unnamed) != len(invconvs):
            found["w_inv"] = len(unnamed)
    n_steps = cfg.levels * cfg.steps
    expected = {"w": n_steps, "w_inv": n_steps, "scale": n_steps + cfg.levels - 1}
    if found != expected:
        raise ValueError(f"{bundle}: found {found} folded weights in the graphs, expected {expected}")
    return model


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bundle", required=True, help="bundle folder (manifest.json, encoder.onnx, decoder.onnx)")
    parser.add_argument("--reexport", action="store_true",
                        help="export the network graphs again in place with the current export.py; "
                             "the manifest's other entries (training, metrics, attributes, card) are kept")
    args = parser.parse_args(argv)
    model = load_bundle_model(args.bundle)
    print(f"{args.bundle}: {sum(p.numel() for p in model.parameters()):,} parameters")
    if args.reexport:
        from export import reexport_bundle

        reexport_bundle(model, args.bundle)
        print(f"{args.bundle}: graphs exported again")
    return 0


if __name__ == "__main__":
    sys.exit(main())
