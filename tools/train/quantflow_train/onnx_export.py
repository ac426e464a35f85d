"""One ONNX graph per fold: the five converted TreeEnsembleRegressor nodes (onnxmltools) copied
onto one shared float32 input `features` [N, F], concatenated to [N, 5] and sorted ascending per
row (TopK, the rearrangement of crossed quantiles) into the output `quantiles` [N, 5].
onnx.compose.merge_models would keep five inputs; copying the nodes shares one."""
import onnx
import onnxmltools
from onnx import TensorProto, helper
from onnxmltools.convert.common.data_types import FloatTensorType

from . import QUANTILES

INPUT = "features"
OUTPUT = "quantiles"


def _tree_node(booster, n_features, tag):
    model = onnxmltools.convert_lightgbm(booster, initial_types=[(INPUT, FloatTensorType([None, n_features]))], zipmap=False)
    trees = [n for n in model.graph.node if n.op_type == "TreeEnsembleRegressor"]
    if len(trees) != 1:
        raise AssertionError(f"expected one TreeEnsembleRegressor from onnxmltools, got {[n.op_type for n in model.graph.node]}")
    ml = [o.version for o in model.opset_import if o.domain == "ai.onnx.ml"]
    node = onnx.NodeProto()
    node.CopyFrom(trees[0])
    del node.input[:]
    node.input.append(INPUT)
    del node.output[:]
    node.output.append(tag)
    node.name = f"tree_ensemble_{tag}"
    # nodes_hitrates is optional (profiling counts, all 1 here): dropped to keep the graphs small.
    kept = [a for a in node.attribute if a.name != "nodes_hitrates"]
    del node.attribute[:]
    node.attribute.extend(kept)
    return node, ml[0] if ml else 1


def fold_graph(boosters, n_features, metadata):
    """The fold's ONNX model (bytes are deterministic for the same boosters and metadata)."""
    nodes = []
    ml_version = 1
    tags = [f"q{int(round(q * 100)):02d}" for q in QUANTILES]
    for booster, tag in zip(boosters, tags):
        node, v = _tree_node(booster, n_features, tag)
        ml_version = max(ml_version, v)
        nodes.append(node)
    nodes.append(helper.make_node("Concat", tags, ["raw_quantiles"], axis=1, name="concat_quantiles"))
    nodes.append(helper.make_node("Constant", [], ["k"], value=helper.make_tensor("k_value", TensorProto.INT64, [1], [len(QUANTILES)]), name="k"))
    nodes.append(helper.make_node("TopK", ["raw_quantiles", "k"], [OUTPUT, "quantile_order"], axis=1, largest=0, sorted=1, name="rearrange"))
    graph = helper.make_graph(
        nodes,
        "quantflow_quantiles",
        [helper.make_tensor_value_info(INPUT, TensorProto.FLOAT, [None, n_features])],
        [helper.make_tensor_value_info(OUTPUT, TensorProto.FLOAT, [None, len(QUANTILES)])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", ml_version)], producer_name="quantflow_train", producer_version="1")
    model.ir_version = 9
    helper.set_model_props(model, metadata)
    onnx.checker.check_model(model)
    return model.SerializeToString()
