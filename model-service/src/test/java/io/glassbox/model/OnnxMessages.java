package io.glassbox.model;

import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Writes onnx.proto messages field by field (field numbers as in onnx.proto), for tests that need
 * model bytes the toy model script does not make, such as tensors with hostile external data.
 */
final class OnnxMessages {
  static final int MODEL_GRAPH = 7;
  static final int MODEL_TRAINING_INFO = 20;
  static final int MODEL_FUNCTIONS = 25;
  static final int TRAINING_INFO_ALGORITHM = 2;
  static final int FUNCTION_NODE = 7;
  static final int GRAPH_NODE = 1;
  static final int GRAPH_INITIALIZER = 5;
  static final int GRAPH_SPARSE_INITIALIZER = 15;
  static final int NODE_ATTRIBUTE = 5;
  static final int ATTRIBUTE_T = 5;
  static final int ATTRIBUTE_G = 6;
  static final int ATTRIBUTE_TENSORS = 10;
  static final int ATTRIBUTE_GRAPHS = 11;
  static final int ATTRIBUTE_SPARSE_TENSOR = 22;
  static final int SPARSE_TENSOR_VALUES = 1;
  private static final int TENSOR_DIMS = 1;
  private static final int TENSOR_DATA_TYPE = 2;
  private static final int TENSOR_NAME = 8;
  private static final int TENSOR_RAW_DATA = 9;
  private static final int TENSOR_EXTERNAL_DATA = 13;
  private static final int TENSOR_DATA_LOCATION = 14;
  private static final int FLOAT = 1;
  private static final int EXTERNAL = 1;

  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final CodedOutputStream out = CodedOutputStream.newInstance(bytes);

  /** A float tensor of one element named {@code name} whose 4 bytes are at {@code location}. */
  static OnnxMessages externalTensor(String name, String location) {
    return new OnnxMessages()
        .number(TENSOR_DIMS, 1)
        .number(TENSOR_DATA_TYPE, FLOAT)
        .text(TENSOR_NAME, name)
        .message(TENSOR_EXTERNAL_DATA, entry("location", location))
        .message(TENSOR_EXTERNAL_DATA, entry("offset", "0"))
        .message(TENSOR_EXTERNAL_DATA, entry("length", "4"))
        .number(TENSOR_DATA_LOCATION, EXTERNAL);
  }

  /** A float tensor of {@code count} zeros named {@code name}, its data inline ({@code raw_data}). */
  static OnnxMessages inlineZeros(String name, int count) {
    return new OnnxMessages()
        .number(TENSOR_DIMS, count)
        .number(TENSOR_DATA_TYPE, FLOAT)
        .text(TENSOR_NAME, name)
        .bytes(TENSOR_RAW_DATA, new byte[Math.multiplyExact(count, Float.BYTES)]);
  }

  /**
   * {@code model} followed by a graph holding only {@code initializer}: protobuf merges the two
   * graphs, so this is {@code model} with one more (unused) initializer, which ONNX Runtime loads.
   */
  static byte[] withInitializer(byte[] model, OnnxMessages initializer) {
    byte[] extra = new OnnxMessages()
        .message(MODEL_GRAPH, new OnnxMessages().message(GRAPH_INITIALIZER, initializer)).toByteArray();
    byte[] joined = new byte[model.length + extra.length];
    System.arraycopy(model, 0, joined, 0, model.length);
    System.arraycopy(extra, 0, joined, model.length, extra.length);
    return joined;
  }

  private static OnnxMessages entry(String key, String value) {
    return new OnnxMessages().text(1, key).text(2, value);
  }

  OnnxMessages message(int field, OnnxMessages nested) {
    return write(() -> out.writeByteArray(field, nested.toByteArray()));
  }

  OnnxMessages text(int field, String value) {
    return write(() -> out.writeString(field, value));
  }

  OnnxMessages number(int field, long value) {
    return write(() -> out.writeInt64(field, value));
  }

  OnnxMessages bytes(int field, byte[] value) {
    return write(() -> out.writeByteArray(field, value));
  }

  byte[] toByteArray() {
    write(out::flush);
    return bytes.toByteArray();
  }

  private interface Write {
    void run() throws IOException;
  }

  private OnnxMessages write(Write write) {
    try {
      write.run();
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
