"""Runs ONNX's own checker (full check, with shape inference) on exported models.

    sudo apt-get install python3-onnx
    /usr/bin/python3 tests/deploy/check_onnx.py model.onnx [more.onnx ...]
Prints one line per model; exits non-zero if any model fails. The C# test OnnxCheckerTests calls it.
"""
import sys

import onnx

failed = 0
for path in sys.argv[1:]:
    try:
        model = onnx.load(path)
        onnx.checker.check_model(model, full_check=True)
        ops = sorted({node.op_type for node in model.graph.node})
        print(f"ok {path}: IR {model.ir_version}, opset {model.opset_import[0].version}, {len(model.graph.node)} nodes, ops {' '.join(ops)}")
    except Exception as error:  # the checker raises several exception types
        failed += 1
        print(f"FAILED {path}: {error}")
sys.exit(1 if failed else 0)
