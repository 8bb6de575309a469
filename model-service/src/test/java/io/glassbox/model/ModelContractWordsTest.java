package io.glassbox.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A graph port of the wrong type or rank is refused in plain words, as the contract's own ports are
 * described ("int64 with 2 dimensions"), not with ONNX Runtime's {@code TensorInfo(javaType=…)}.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ModelContractWordsTest {
  @Test
  void found_aTensorOfAnotherTypeAndRank_isItsTypeRankAndShapeInWords() throws OrtException {
    OrtEnvironment environment = OnnxRuntimeLibraries.environment();
    try (OnnxTensor tensor = OnnxTensor.createTensor(environment, new int[][][] {{{1, 2, 3, 4}}, {{5, 6, 7, 8}}})) {
      assertEquals("int32 with 3 dimensions [2, 1, 4]", ModelContract.found(tensor.getInfo()));
    }
  }
}
