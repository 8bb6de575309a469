package io.glassbox.model;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.TensorInfo.OnnxTensorType;
import ai.onnxruntime.ValueInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The graph interface every Glassbox model exports (DESIGN.md section 3). Checked against the
 * session's own metadata when a version loads, so a model exported with other names or types is
 * refused with a clear message instead of failing on the first request.
 */
public final class ModelContract {
  /** int64 [B, L]: item indices, oldest first, left-padded with 0. */
  public static final String HISTORY = "history";
  /** int64 [B, C]: candidate item indices. */
  public static final String CANDIDATES = "candidates";
  /** float [B, C]: relevance of each candidate. */
  public static final String SCORES = "scores";
  /** float [B, C, L]: target attention from each candidate over the history. */
  public static final String ATTENTION = "attention";
  /** float [B, C, L]: each history item's additive share of the candidate's score. */
  public static final String CONTRIBUTION = "contribution";

  private record Port(String name, OnnxTensorType type, int rank) {
    String describe() {
      return name + " " + (type == OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64 ? "int64" : "float")
          + " with " + rank + " dimensions";
    }
  }

  private static final List<Port> INPUTS = List.of(
      new Port(HISTORY, OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64, 2),
      new Port(CANDIDATES, OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64, 2));
  private static final List<Port> OUTPUTS = List.of(
      new Port(SCORES, OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, 2),
      new Port(ATTENTION, OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, 3),
      new Port(CONTRIBUTION, OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, 3));

  private ModelContract() {}

  /** Throws a {@link ModelLoadException} listing every way {@code session} departs from the contract. */
  static void check(OrtSession session) throws OrtException {
    List<String> problems = new ArrayList<>();
    Map<String, NodeInfo> inputs = session.getInputInfo();
    Map<String, NodeInfo> outputs = session.getOutputInfo();
    checkPorts("input", INPUTS, inputs, problems);
    checkPorts("output", OUTPUTS, outputs, problems);
    Set<String> extraInputs = new TreeSet<>(inputs.keySet());
    INPUTS.forEach(port -> extraInputs.remove(port.name()));
    if (!extraInputs.isEmpty()) {
      problems.add("unexpected inputs " + extraInputs + " (the service feeds only history and candidates)");
    }
    if (!problems.isEmpty()) {
      throw new ModelLoadException("model.onnx does not match the model contract: "
          + String.join("; ", problems) + " (model inputs " + new TreeSet<>(inputs.keySet())
          + ", outputs " + new TreeSet<>(outputs.keySet()) + ")");
    }
  }

  private static void checkPorts(
      String kind, List<Port> expected, Map<String, NodeInfo> actual, List<String> problems) {
    for (Port port : expected) {
      NodeInfo node = actual.get(port.name());
      if (node == null) {
        problems.add("missing " + kind + " " + port.describe());
        continue;
      }
      ValueInfo info = node.getInfo();
      if (!(info instanceof TensorInfo tensor)
          || tensor.onnxType != port.type()
          || tensor.getShape().length != port.rank()) {
        problems.add(kind + " " + port.name() + " must be " + port.describe() + ", got " + found(info));
      }
    }
  }

  /**
   * What the graph declares, in the words of {@link Port#describe}: "int32 with 3 dimensions [?, ?,
   * 4]" (? for a dynamic one), or the kind of value that is not a tensor ("a sequence", "a map").
   */
  static String found(ValueInfo info) {
    if (!(info instanceof TensorInfo tensor)) {
      return "a " + info.getClass().getSimpleName().replace("Info", "").toLowerCase(Locale.ROOT)
          + ", not a tensor";
    }
    List<String> dimensions = new ArrayList<>();
    for (long dimension : tensor.getShape()) {
      dimensions.add(dimension < 0 ? "?" : Long.toString(dimension));
    }
    return tensor.onnxType.name().replace("ONNX_TENSOR_ELEMENT_DATA_TYPE_", "").toLowerCase(Locale.ROOT)
        + " with " + dimensions.size() + " dimensions " + dimensions;
  }
}
