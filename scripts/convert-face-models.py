#!/usr/bin/python3
"""Converts the MediaPipe BlazeFace and FaceMesh tfjs graph models shipped in the npm
package @vladmandic/human (models/*.json + *.bin) to ONNX for onnxruntime-node.

Reproducible and offline: reads only node_modules/@vladmandic/human/models and writes
app/faces/models/{blazeface,facemesh}.onnx plus NOTICE.md. Run with Debian's python3
(numpy + onnx):  /usr/bin/python3 scripts/convert-face-models.py

tf2onnx is not available, so this is a small converter for exactly the ops these two
graphs use: Placeholder, Const, Identity, _FusedConv2D (BiasAdd [+ Relu | Prelu]),
DepthwiseConv2dNative, AddV2, Relu, Prelu, MaxPool, Pad, Reshape, Sigmoid. Anything else
fails loudly. The ONNX graphs take NCHW input (the tfjs graphs are NHWC); every tensor is
kept NCHW inside and transposed back to NHWC only before a Reshape, so the outputs have
exactly the tfjs shapes and element order.

Input conventions (unchanged from the tfjs models):
  blazeface  input [N, 3, H, W] (trained at 256 x 256; any multiple of 32 works, the graph is
             fully convolutional), RGB scaled to [-1, 1] (x / 127.5 - 1)
             outputs scores_16 [N,A16,1] logits, boxes_16 [N,A16,16] (A16 = H/16 * W/16 * 2),
                     scores_32 [N,A32,1] logits, boxes_32 [N,A32,16] (A32 = H/32 * W/32 * 6)
  facemesh   input [N, 3, 192, 192], RGB scaled to [0, 1]
             outputs mesh [N,1404] (468 x (x, y, z) in 192-px crop units),
                     face_flag [N,1] (probability, sigmoid applied), contours [N,266]
"""
import base64
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(ROOT, 'node_modules', '@vladmandic', 'human')
OUT = os.path.join(ROOT, 'app', 'faces', 'models')
OPSET = 13

# tfjs output tensor -> ONNX output name (the tfjs names are meaningless Identity_N).
MODELS = {
    'blazeface': {
        'outputs': {'Identity': ('scores_16', ['N', 'A16', 1]), 'Identity_2': ('boxes_16', ['N', 'A16', 16]),
                    'Identity_1': ('scores_32', ['N', 'A32', 1]), 'Identity_3': ('boxes_32', ['N', 'A32', 16])},
        'batch': 'N',
        # Fully convolutional: any H, W that are multiples of 32 work (anchors scale with the grid).
        'spatial': ('H', 'W'),
    },
    'facemesh': {
        'outputs': {'Identity_2': ('mesh', ['N', 1404]), 'Identity_1': ('face_flag', ['N', 1]), 'Identity': ('contours', ['N', 266])},
        'batch': 'N',
    },
}


def fail(msg):
    sys.exit(f'convert-face-models: {msg}')


def load_weights(model_json, bin_dir):
    weights = {}
    for group in model_json['weightsManifest']:
        data = b''.join(open(os.path.join(bin_dir, p), 'rb').read() for p in group['paths'])
        offset = 0
        for w in group['weights']:
            shape = w['shape']
            count = int(np.prod(shape)) if shape else 1
            q = w.get('quantization')
            if q:
                if q.get('dtype') == 'float16':
                    arr = np.frombuffer(data, np.float16, count, offset).astype(np.float32)
                    offset += 2 * count
                elif q.get('dtype') in ('uint8', 'uint16'):
                    dt = np.uint8 if q['dtype'] == 'uint8' else np.uint16
                    raw = np.frombuffer(data, dt, count, offset).astype(np.float32)
                    offset += np.dtype(dt).itemsize * count
                    arr = raw * q['scale'] + q['min']
                else:
                    fail(f"{w['name']}: unsupported quantization {q}")
            else:
                dt = {'float32': np.float32, 'int32': np.int32}.get(w['dtype'])
                if dt is None:
                    fail(f"{w['name']}: unsupported dtype {w['dtype']}")
                arr = np.frombuffer(data, dt, count, offset)
                offset += 4 * count
            weights[w['name']] = arr.reshape(shape).copy()
        if offset != len(data):
            fail(f"{group['paths']}: manifest covers {offset} bytes, file has {len(data)}")
    return weights


def attr(node, key, default=None):
    a = node.get('attr', {}).get(key)
    if a is None:
        return default
    if 's' in a:
        return base64.b64decode(a['s']).decode()
    if 'list' in a:
        lst = a['list']
        if 'i' in lst:
            return [int(v) for v in lst['i']]
        if 's' in lst:
            return [base64.b64decode(v).decode() for v in lst['s']]
        return []
    if 'i' in a:
        return int(a['i'])
    if 'f' in a:
        return float(a['f'])
    if 'b' in a:
        return bool(a['b'])
    return a


def clean(name):
    return name.split(':')[0]


def convert(name, spec):
    with open(os.path.join(SRC, 'models', f'{name}.json')) as f:
        model_json = json.load(f)
    weights = load_weights(model_json, os.path.join(SRC, 'models'))
    nodes = model_json['modelTopology']['node']
    consts = {n['name']: weights[n['name']] for n in nodes if n['op'] == 'Const'}
    onnx_nodes, inits = [], []
    added = set()

    def const(arr, cname):
        if cname not in added:
            inits.append(numpy_helper.from_array(arr, cname))
            added.add(cname)
        return cname

    def conv_common(node, x, out, weight_onnx, bias, group, fused):
        strides = attr(node, 'strides')
        dil = attr(node, 'dilations', [1, 1, 1, 1])
        if attr(node, 'data_format', 'NHWC') != 'NHWC':
            fail(f"{node['name']}: data_format {attr(node, 'data_format')}")
        pad = attr(node, 'padding')
        conv_out = out if not fused else out + '__conv'
        onnx_nodes.append(helper.make_node(
            'Conv', [x, weight_onnx] + ([bias] if bias else []), [conv_out], name=out + '_Conv',
            strides=strides[1:3], dilations=dil[1:3], group=group,
            auto_pad={'SAME': 'SAME_UPPER', 'VALID': 'VALID'}[pad]))
        return conv_out

    def prelu_alpha(arr, cname):
        # tfjs stores alpha as [1, 1, C] (NHWC broadcast); ONNX PRelu on NCHW needs [C, 1, 1].
        # The const keeps its Keras name ".../Neg", but tfjs's fuse_prelu pass has already
        # negated it back, so it is alpha itself: prelu(x) = x if x > 0 else alpha * x.
        return const(arr.reshape(-1, 1, 1).astype(np.float32), cname + '__alpha')

    input_name = None
    for node in nodes:
        op, nm = node['op'], node['name']
        ins = [clean(i) for i in node.get('input', []) if not i.startswith('^')]
        if op == 'Const':
            continue
        if op == 'Placeholder':
            dims = [int(d['size']) for d in attr(node, 'shape')['shape']['dim']]
            input_name = nm
            batch = spec['batch']
            hw = spec.get('spatial', (dims[1], dims[2]))
            inp = helper.make_tensor_value_info(nm, TensorProto.FLOAT, [batch, dims[3], hw[0], hw[1]])
        elif op == '_FusedConv2D':
            fused = attr(node, 'fused_ops')
            if fused[0] != 'BiasAdd' or len(fused) > 2:
                fail(f'{nm}: fused ops {fused}')
            w = consts[ins[1]]  # HWIO
            wname = const(np.ascontiguousarray(w.transpose(3, 2, 0, 1)).astype(np.float32), ins[1] + '__oihw')
            bname = const(consts[ins[2]].astype(np.float32), ins[2])
            post = fused[1] if len(fused) > 1 else None
            conv_out = conv_common(node, ins[0], nm, wname, bname, 1, post is not None)
            if post == 'Relu':
                onnx_nodes.append(helper.make_node('Relu', [conv_out], [nm], name=nm + '_Relu'))
            elif post == 'Prelu':
                onnx_nodes.append(helper.make_node('PRelu', [conv_out, prelu_alpha(consts[ins[3]], ins[3])], [nm], name=nm + '_PRelu'))
            elif post is not None:
                fail(f'{nm}: fused op {post}')
        elif op == 'DepthwiseConv2dNative':
            w = consts[ins[1]]  # H, W, Cin, multiplier
            h, wd, cin, mult = w.shape
            wt = np.ascontiguousarray(w.transpose(2, 3, 0, 1).reshape(cin * mult, 1, h, wd)).astype(np.float32)
            conv_common(node, ins[0], nm, const(wt, ins[1] + '__dw'), None, cin, False)
        elif op == 'AddV2':
            onnx_nodes.append(helper.make_node('Add', ins, [nm], name=nm))
        elif op in ('Relu', 'Sigmoid', 'Identity'):
            onnx_nodes.append(helper.make_node(op, ins, [nm], name=nm))
        elif op == 'Prelu':
            onnx_nodes.append(helper.make_node('PRelu', [ins[0], prelu_alpha(consts[ins[1]], ins[1])], [nm], name=nm))
        elif op == 'MaxPool':
            k, s = attr(node, 'ksize'), attr(node, 'strides')
            pad = attr(node, 'padding')
            onnx_nodes.append(helper.make_node('MaxPool', ins, [nm], name=nm, kernel_shape=k[1:3], strides=s[1:3],
                                               auto_pad={'SAME': 'SAME_UPPER', 'VALID': 'VALID'}[pad]))
        elif op == 'Pad':
            p = consts[ins[1]].reshape(4, 2)  # NHWC [before, after]
            nchw = p[[0, 3, 1, 2]]
            pads = np.concatenate([nchw[:, 0], nchw[:, 1]]).astype(np.int64)
            onnx_nodes.append(helper.make_node('Pad', [ins[0], const(pads, nm + '__pads')], [nm], name=nm, mode='constant'))
        elif op == 'Reshape':
            shape = consts[ins[1]].astype(np.int64).copy()
            if 'spatial' in spec:
                shape = np.array([0, -1, shape[-1]], np.int64)  # keep batch, anchors follow the grid
            elif spec['batch'] != 1:
                shape[0] = -1
            onnx_nodes.append(helper.make_node('Transpose', [ins[0]], [nm + '__nhwc'], name=nm + '__nhwc', perm=[0, 2, 3, 1]))
            onnx_nodes.append(helper.make_node('Reshape', [nm + '__nhwc', const(shape, nm + '__shape')], [nm], name=nm))
        else:
            fail(f'{name}: op {op} ({nm}) is not supported by this converter')

    outputs = []
    for tf_name, (onnx_name, shape) in spec['outputs'].items():
        onnx_nodes.append(helper.make_node('Identity', [tf_name], [onnx_name], name=onnx_name))
        outputs.append(helper.make_tensor_value_info(onnx_name, TensorProto.FLOAT, shape))
    graph = helper.make_graph(onnx_nodes, name, [inp], outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', OPSET)],
                              producer_name='glow-studio scripts/convert-face-models.py')
    model.ir_version = 8
    onnx.checker.check_model(model)
    model = onnx.shape_inference.infer_shapes(model)
    if input_name is None:
        fail(f'{name}: no Placeholder input')
    return model


NOTICE = """# Face models: origin and licences

`blazeface.onnx` and `facemesh.onnx` are format conversions (tfjs graph model -> ONNX, no
retraining, weights unchanged except float16 -> float32 widening for FaceMesh) made by
`scripts/convert-face-models.py` from the npm package **@vladmandic/human {version}**
(`models/blazeface.json/.bin`, `models/facemesh.json/.bin`).

- @vladmandic/human: MIT licence, Copyright (c) Vladimir Mandic.
  Its models are converted from Google MediaPipe.
- MediaPipe BlazeFace (short/back-range face detector) and MediaPipe Face Mesh:
  Apache License 2.0, Copyright Google LLC. https://github.com/google/mediapipe
  Model cards: BlazeFace https://drive.google.com/file/d/1f39lSzU5Oq-j_OXgS67KfN5wNsoeAZ4V/view,
  Face Mesh https://drive.google.com/file/d/1VFC_wIpw4O7xBOiTgUldl79d9LA-LsnA/view

Regenerate with: `npm install && npm run faces:models` (or `/usr/bin/python3 scripts/convert-face-models.py`)

Input/output conventions:

| model | input | outputs |
|---|---|---|
| blazeface.onnx | `input` [N,3,H,W] RGB in [-1,1]; trained at 256x256, any multiple of 32 works | `scores_16` [N,H/16*W/16*2,1] logits, `boxes_16` [N,H/16*W/16*2,16], `scores_32` [N,H/32*W/32*6,1], `boxes_32` [N,H/32*W/32*6,16] (anchors row-major: stride 16 x2, stride 32 x6; box = dx, dy, w, h, then 6 keypoints dx, dy in input pixels) |
| facemesh.onnx | `input_1` [N,3,192,192] RGB in [0,1] | `mesh` [N,1404] (468 x,y,z in 192-px crop units), `face_flag` [N,1] probability, `contours` [N,266] |
"""


def main():
    with open(os.path.join(SRC, 'package.json')) as f:
        version = json.load(f)['version']
    os.makedirs(OUT, exist_ok=True)
    for name, spec in MODELS.items():
        model = convert(name, spec)
        path = os.path.join(OUT, f'{name}.onnx')
        onnx.save(model, path)
        print(f'wrote {os.path.relpath(path, ROOT)} ({os.path.getsize(path)} bytes, {len(model.graph.node)} nodes)')
    with open(os.path.join(OUT, 'NOTICE.md'), 'w') as f:
        f.write(NOTICE.format(version=version))
    print(f'wrote {os.path.relpath(os.path.join(OUT, "NOTICE.md"), ROOT)}')


if __name__ == '__main__':
    main()
