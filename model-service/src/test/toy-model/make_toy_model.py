"""Writes the toy model folders the model-service tests load (run with /usr/bin/python3).

The toy model honours the Glassbox model contract (DESIGN.md section 3) with arithmetic simple
enough that a test can compute every expected number by hand:

  n            = number of non-padding history items in the row (at least 1 in the divisor)
  attention    = 1/n on every non-padding history position, 0 on padding
  contribution = attention * history_index * candidate_index / 100
  scores       = candidate_index + sum over history of contribution

Outputs:
  v1/           a loadable version folder (model.onnx, vocabulary.tsv, metadata.json)
  wrong-names/  model.onnx whose first input is called "items" instead of "history"
  positional/   model.onnx that also adds L / 100 (L = the padded history length) to every
                score: a model whose outputs change with the amount of left padding
  external-data/ model.onnx with v1's outputs whose constant zero_f_like is an initializer with
                its 4 bytes in weights.bin next to it (ONNX external data): a version whose
                scores are right only when ONNX Runtime reads that file
"""
import json
import os
import struct

import onnx
from onnx import TensorProto, helper

HERE = os.path.dirname(os.path.abspath(__file__))
VOCABULARY_SIZE = 12
MAX_HISTORY_LENGTH = 4


def build(history_name, positional=False):
    def const(name, value, dtype=TensorProto.FLOAT):
        return helper.make_node("Constant", [], [name], value=helper.make_tensor(
            name + "_value", dtype, [len(value)] if isinstance(value, list) else [],
            value if isinstance(value, list) else [value]))

    nodes = [
        const("zero_i64", 0, TensorProto.INT64),
        const("one_f", 1.0),
        const("hundredth", 0.01),
        const("axis1", [1], TensorProto.INT64),
        const("axis2", [2], TensorProto.INT64),
        helper.make_node("Equal", [history_name, "zero_i64"], ["is_pad"]),
        helper.make_node("Not", ["is_pad"], ["is_item"]),
        helper.make_node("Cast", ["is_item"], ["mask"], to=TensorProto.FLOAT),
        helper.make_node("ReduceSum", ["mask", "axis1"], ["count"], keepdims=1),
        helper.make_node("Max", ["count", "one_f"], ["denominator"]),
        helper.make_node("Div", ["mask", "denominator"], ["weights"]),
        helper.make_node("Cast", [history_name], ["history_f"], to=TensorProto.FLOAT),
        helper.make_node("Cast", ["candidates"], ["candidates_f"], to=TensorProto.FLOAT),
        helper.make_node("Mul", ["candidates_f", "zero_f_like"], ["zeros_bc"]),
        helper.make_node("Add", ["zeros_bc", "one_f"], ["ones_bc"]),
        helper.make_node("Unsqueeze", ["ones_bc", "axis2"], ["ones_bc1"]),
        helper.make_node("Unsqueeze", ["weights", "axis1"], ["weights_b1l"]),
        helper.make_node("Mul", ["weights_b1l", "ones_bc1"], ["attention"]),
        helper.make_node("Mul", ["history_f", "hundredth"], ["history_scaled"]),
        helper.make_node("Unsqueeze", ["history_scaled", "axis1"], ["history_b1l"]),
        helper.make_node("Unsqueeze", ["candidates_f", "axis2"], ["candidates_bc1"]),
        helper.make_node("Mul", ["attention", "history_b1l"], ["weighted_history"]),
        helper.make_node("Mul", ["weighted_history", "candidates_bc1"], ["contribution"]),
        helper.make_node("ReduceSum", ["contribution", "axis2"], ["evidence"], keepdims=0),
        helper.make_node("Add", ["candidates_f", "evidence"],
                         ["base_scores" if positional else "scores"]),
    ]
    if positional:
        nodes += [
            const("one_i64", 1, TensorProto.INT64),
            helper.make_node("Shape", [history_name], ["history_shape"]),
            helper.make_node("Gather", ["history_shape", "one_i64"], ["length"], axis=0),
            helper.make_node("Cast", ["length"], ["length_f"], to=TensorProto.FLOAT),
            helper.make_node("Mul", ["length_f", "hundredth"], ["length_term"]),
            helper.make_node("Add", ["base_scores", "length_term"], ["scores"]),
        ]
    nodes.insert(0, const("zero_f_like", 0.0))
    graph = helper.make_graph(
        nodes, "toy",
        [helper.make_tensor_value_info(history_name, TensorProto.INT64, ["B", "L"]),
         helper.make_tensor_value_info("candidates", TensorProto.INT64, ["B", "C"])],
        [helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["B", "C"]),
         helper.make_tensor_value_info("attention", TensorProto.FLOAT, ["B", "C", "L"]),
         helper.make_tensor_value_info("contribution", TensorProto.FLOAT, ["B", "C", "L"])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def build_external_data():
    model = build("history")
    constant = next(node for node in model.graph.node if node.output[0] == "zero_f_like")
    model.graph.node.remove(constant)
    model.graph.initializer.append(helper.make_tensor(
        "zero_f_like", TensorProto.FLOAT, [], struct.pack("<f", 0.0), raw=True))
    onnx.checker.check_model(model)
    return model


def main():
    version_dir = os.path.join(HERE, "v1")
    os.makedirs(version_dir, exist_ok=True)
    onnx.save(build("history"), os.path.join(version_dir, "model.onnx"))
    with open(os.path.join(version_dir, "vocabulary.tsv"), "w") as out:
        out.write("index\titem_id\n")
        for index in range(1, VOCABULARY_SIZE + 1):
            out.write(f"{index}\titem-{index:02d}\n")
    metadata = {
        "model_name": "toy",
        "version": "v1",
        "dataset": "toy",
        "trained_at": "2026-11-22T04:00:00Z",
        "max_history_length": MAX_HISTORY_LENGTH,
        "vocabulary_size": VOCABULARY_SIZE,
        "opset": 17,
        "inputs": {"history": "int64[B,L]", "candidates": "int64[B,C]"},
        "outputs": {"scores": "float[B,C]", "attention": "float[B,C,L]",
                    "contribution": "float[B,C,L]"},
        "metrics": {"test_hr@10": 0.5, "test_ndcg@10": 0.25},
        "settings": {"note": "hand-made test model, see make_toy_model.py"},
    }
    with open(os.path.join(version_dir, "metadata.json"), "w") as out:
        json.dump(metadata, out, indent=2)
        out.write("\n")
    wrong_dir = os.path.join(HERE, "wrong-names")
    os.makedirs(wrong_dir, exist_ok=True)
    onnx.save(build("items"), os.path.join(wrong_dir, "model.onnx"))
    positional_dir = os.path.join(HERE, "positional")
    os.makedirs(positional_dir, exist_ok=True)
    onnx.save(build("history", positional=True), os.path.join(positional_dir, "model.onnx"))
    external_dir = os.path.join(HERE, "external-data")
    os.makedirs(external_dir, exist_ok=True)
    weights = os.path.join(external_dir, "weights.bin")
    if os.path.exists(weights):
        os.remove(weights)  # onnx.save appends external data to an existing file
    onnx.save(build_external_data(), os.path.join(external_dir, "model.onnx"),
              save_as_external_data=True, all_tensors_to_one_file=True, location="weights.bin",
              size_threshold=0)


if __name__ == "__main__":
    main()
