#!/usr/bin/python3
"""Writes the weight-free ONNX models that attnref's fast kernels are raced and checked against.

Run from anywhere with Debian's python3-onnx (1.12 is enough: the nodes are written by hand, the
schemas are not consulted, so no checker run):

    /usr/bin/python3 src/main/resources/dev/attnref/fast/onnx/make_models.py

Models (float32, every size symbolic except the head counts GroupQueryAttention needs as attributes):

* attention23_causal.onnx  ONNX Attention, opset 23, 4-D inputs Q [B,H,T,D], K [B,G,S,D], V [B,G,S,Dv],
                           is_causal = 1 (top-left, which is bottom-right when T = S), default scale
                           1/sqrt(D). Output Y [B,H,T,Dv].
* attention23.onnx         the same with is_causal = 0: decode (T = 1 sees the whole cache) and MLA/MFA.
* gqa_prefill_h{H}_g{G}.onnx   com.microsoft GroupQueryAttention, 3-D packed inputs query [B,T,H*D],
                           key [B,T,G*D], value [B,T,G*D], no past, seqlens_k [B] int32 (= T - 1),
                           total_sequence_length [1] int32 (= T). Causal by definition of the op.
                           Outputs output [B,T,H*D], present_key, present_value [B,G,T,D].
* gqa_decode_h{H}_g{G}.onnx    the same with past_key / past_value [B,G,P,D]: query, key, value carry
                           the new token (T = 1), seqlens_k = P, total_sequence_length = P + 1.

Head pairs (H, G): (32, 8) GQA as Llama-3-8B, (32, 32) MHA, (32, 1) MQA, (4, 2) for the unit test.
"""
import os
import onnx
from onnx import TensorProto, helper

HERE = os.path.dirname(os.path.abspath(__file__))
OPSET_AI_ONNX = 23
OPSET_MS = 1
IR_VERSION = 10
HEAD_PAIRS = [(32, 8), (32, 32), (32, 1), (4, 2)]


def tensor(name, elem, shape):
    return helper.make_tensor_value_info(name, elem, shape)


def save(graph, name, opsets):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid(d, v) for d, v in opsets],
                              producer_name="attnref make_models.py")
    model.ir_version = IR_VERSION
    onnx.save(model, os.path.join(HERE, name))
    print("wrote", name)


def attention23(causal):
    node = helper.make_node("Attention", ["Q", "K", "V"], ["Y"], is_causal=1 if causal else 0)
    graph = helper.make_graph(
        [node], "attention23" + ("_causal" if causal else ""),
        [tensor("Q", TensorProto.FLOAT, ["B", "H", "T", "D"]),
         tensor("K", TensorProto.FLOAT, ["B", "G", "S", "D"]),
         tensor("V", TensorProto.FLOAT, ["B", "G", "S", "Dv"])],
        [tensor("Y", TensorProto.FLOAT, ["B", "H", "T", "Dv"])])
    save(graph, "attention23_causal.onnx" if causal else "attention23.onnx", [("", OPSET_AI_ONNX)])


def gqa(num_heads, kv_heads, with_past):
    inputs = ["query", "key", "value", "past_key" if with_past else "", "past_value" if with_past else "",
              "seqlens_k", "total_sequence_length"]
    node = helper.make_node("GroupQueryAttention", inputs, ["output", "present_key", "present_value"],
                            domain="com.microsoft", num_heads=num_heads, kv_num_heads=kv_heads)
    graph_inputs = [tensor("query", TensorProto.FLOAT, ["B", "T", "HD"]),
                    tensor("key", TensorProto.FLOAT, ["B", "T", "GD"]),
                    tensor("value", TensorProto.FLOAT, ["B", "T", "GD"])]
    if with_past:
        graph_inputs += [tensor("past_key", TensorProto.FLOAT, ["B", kv_heads, "P", "D"]),
                         tensor("past_value", TensorProto.FLOAT, ["B", kv_heads, "P", "D"])]
    graph_inputs += [tensor("seqlens_k", TensorProto.INT32, ["B"]),
                     tensor("total_sequence_length", TensorProto.INT32, [1])]
    kind = "decode" if with_past else "prefill"
    graph = helper.make_graph(
        [node], "gqa_" + kind, graph_inputs,
        [tensor("output", TensorProto.FLOAT, ["B", "T", "HD"]),
         tensor("present_key", TensorProto.FLOAT, ["B", kv_heads, "S", "D"]),
         tensor("present_value", TensorProto.FLOAT, ["B", kv_heads, "S", "D"])])
    save(graph, "gqa_%s_h%d_g%d.onnx" % (kind, num_heads, kv_heads),
         [("", OPSET_AI_ONNX), ("com.microsoft", OPSET_MS)])


if __name__ == "__main__":
    attention23(True)
    attention23(False)
    for h, g in HEAD_PAIRS:
        gqa(h, g, False)
        gqa(h, g, True)
