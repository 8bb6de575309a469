package io.glassbox.model;

import static io.glassbox.model.OnnxMessages.ATTRIBUTE_G;
import static io.glassbox.model.OnnxMessages.ATTRIBUTE_GRAPHS;
import static io.glassbox.model.OnnxMessages.ATTRIBUTE_SPARSE_TENSOR;
import static io.glassbox.model.OnnxMessages.ATTRIBUTE_T;
import static io.glassbox.model.OnnxMessages.ATTRIBUTE_TENSORS;
import static io.glassbox.model.OnnxMessages.FUNCTION_NODE;
import static io.glassbox.model.OnnxMessages.GRAPH_INITIALIZER;
import static io.glassbox.model.OnnxMessages.GRAPH_NODE;
import static io.glassbox.model.OnnxMessages.GRAPH_SPARSE_INITIALIZER;
import static io.glassbox.model.OnnxMessages.MODEL_FUNCTIONS;
import static io.glassbox.model.OnnxMessages.MODEL_GRAPH;
import static io.glassbox.model.OnnxMessages.MODEL_TRAINING_INFO;
import static io.glassbox.model.OnnxMessages.NODE_ATTRIBUTE;
import static io.glassbox.model.OnnxMessages.SPARSE_TENSOR_VALUES;
import static io.glassbox.model.OnnxMessages.TRAINING_INFO_ALGORITHM;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every place onnx.proto lets a tensor sit is scanned for external data, and refused outside the folder. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ModelExternalDataTest {
  private static final String OUTSIDE = "../../../../../../etc/passwd";

  @TempDir Path folder;

  static Stream<Arguments> tensorPlaces() {
    OnnxMessages tensor = OnnxMessages.externalTensor("hidden", OUTSIDE);
    return Stream.of(
        Arguments.of("graph initializer", nest(tensor, GRAPH_INITIALIZER, MODEL_GRAPH)),
        Arguments.of("sparse initializer values",
            nest(tensor, SPARSE_TENSOR_VALUES, GRAPH_SPARSE_INITIALIZER, MODEL_GRAPH)),
        Arguments.of("node attribute t", nest(tensor, ATTRIBUTE_T, NODE_ATTRIBUTE, GRAPH_NODE, MODEL_GRAPH)),
        Arguments.of("node attribute tensors",
            nest(tensor, ATTRIBUTE_TENSORS, NODE_ATTRIBUTE, GRAPH_NODE, MODEL_GRAPH)),
        Arguments.of("node attribute sparse_tensor",
            nest(tensor, SPARSE_TENSOR_VALUES, ATTRIBUTE_SPARSE_TENSOR, NODE_ATTRIBUTE, GRAPH_NODE, MODEL_GRAPH)),
        Arguments.of("initializer of an If branch (attribute g)", nest(tensor, GRAPH_INITIALIZER,
            ATTRIBUTE_G, NODE_ATTRIBUTE, GRAPH_NODE, MODEL_GRAPH)),
        Arguments.of("initializer of a subgraph in attribute graphs", nest(tensor, GRAPH_INITIALIZER,
            ATTRIBUTE_GRAPHS, NODE_ATTRIBUTE, GRAPH_NODE, MODEL_GRAPH)),
        Arguments.of("constant in a function", nest(tensor, ATTRIBUTE_T, NODE_ATTRIBUTE, FUNCTION_NODE,
            MODEL_FUNCTIONS)),
        Arguments.of("training algorithm graph", nest(tensor, GRAPH_INITIALIZER, TRAINING_INFO_ALGORITHM,
            MODEL_TRAINING_INFO)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("tensorPlaces")
  void requireInsideFolder_findsExternalDataWhereverATensorSits(String place, byte[] model) throws Exception {
    Path file = Files.write(folder.resolve(ModelLoader.MODEL_FILE), model);

    assertEquals(List.of(new ModelExternalData.Reference("hidden", OUTSIDE)), ModelExternalData.references(file));
    ModelLoadException refused = assertThrows(ModelLoadException.class,
        () -> ModelExternalData.requireInsideFolder(file));
    assertTrue(refused.getMessage().contains("a path that climbs out with \"..\""), refused.getMessage());
  }

  @Test
  void requireInsideFolder_modelWithoutExternalData_passes() throws Exception {
    Path file = ModelFolders.addToyVersion(folder, "v1").resolve(ModelLoader.MODEL_FILE);

    assertEquals(List.of(), ModelExternalData.references(file));
    ModelExternalData.requireInsideFolder(file);
  }

  @Test
  void requireInsideFolder_fileCutShortInsideATensor_isRefusedAsIncomplete() throws Exception {
    byte[] whole = nest(OnnxMessages.externalTensor("hidden", "weights.bin"), GRAPH_INITIALIZER, MODEL_GRAPH);
    Path file = Files.write(folder.resolve(ModelLoader.MODEL_FILE), Arrays.copyOf(whole, whole.length - 3));

    ModelLoadException refused = assertThrows(ModelLoadException.class,
        () -> ModelExternalData.requireInsideFolder(file));

    assertTrue(refused.getMessage().startsWith("model.onnx could not be loaded: it is not a valid ONNX protobuf "
        + "file ("), refused.getMessage());
  }

  @Test
  void privateCopy_holdsTheCheckedModelAndItsExternalData_ownerOnly_untilDeleted() throws Exception {
    Path version = ModelFolders.addExternalDataVersion(folder, "v2");
    byte[] model = Files.readAllBytes(version.resolve(ModelLoader.MODEL_FILE));
    List<ModelExternalData.Reference> references = ModelExternalData.requireInsideFolder(model, version);

    Path copy = ModelExternalData.privateCopy(model, version, references);
    try {
      assertEquals(List.of(new ModelExternalData.Reference("zero_f_like", "weights.bin")), references);
      assertEquals(PosixFilePermissions.fromString("rwx------"), Files.getPosixFilePermissions(copy));
      assertArrayEquals(model, Files.readAllBytes(copy.resolve(ModelLoader.MODEL_FILE)));
      assertArrayEquals(Files.readAllBytes(version.resolve("weights.bin")), Files.readAllBytes(copy.resolve("weights.bin")));
    } finally {
      ModelExternalData.deleteCopy(copy);
    }
    assertFalse(Files.exists(copy));
  }

  @Test
  void requireInsideFolder_locationThatIsNotUtf8_isRefusedAsAnUnreadableLocation() throws Exception {
    byte[] model = nest(OnnxMessages.externalTensor("hidden", "weights-#.bin"), GRAPH_INITIALIZER, MODEL_GRAPH);
    model[new String(model, StandardCharsets.ISO_8859_1).indexOf('#')] = (byte) 0xFF;
    Path file = Files.write(folder.resolve(ModelLoader.MODEL_FILE), model);

    ModelLoadException refused = assertThrows(ModelLoadException.class,
        () -> ModelExternalData.requireInsideFolder(file));

    assertTrue(refused.getMessage().startsWith("model.onnx tensor \"hidden\" names external data "
        + "\"weights-\uFFFD.bin\", an unreadable external data location (not UTF-8 text);"), refused.getMessage());
  }

  /** {@code tensor} inside messages of the given fields, innermost first, as a ModelProto. */
  private static byte[] nest(OnnxMessages tensor, int... fields) {
    OnnxMessages message = tensor;
    for (int field : fields) {
      message = new OnnxMessages().message(field, message);
    }
    return message.toByteArray();
  }
}
