package io.glassbox.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.server.ConfigException;
import io.glassbox.server.ConfigSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ModelConfigTest {

  @Test
  void load_withNothingSet_usesTheDefaults() {
    ModelConfig config = ModelConfig.load(ConfigSource.of(Map.of()));

    assertEquals(50053, config.port());
    assertEquals(50063, config.adminPort());
    assertEquals(Path.of("models"), config.modelDirectory());
    assertEquals("uci-online-retail", config.modelName());
    assertEquals(Optional.empty(), config.version());
    assertEquals(ExecutionProviderSetting.AUTO, config.executionProvider());
    assertEquals(0, config.intraOpThreads());
    assertEquals(0, config.cudaDeviceId());
    assertEquals(Path.of("models/uci-online-retail"), config.modelRoot());
    assertTrue(config.batching());
    assertEquals(8, config.maxBatchCalls());
    assertEquals(Duration.ZERO, config.maxQueueDelay());
    assertEquals(1024, config.maxQueuedCalls());
    assertEquals(Runtime.getRuntime().availableProcessors(), config.effectiveIntraOpThreads());
  }

  @Test
  void load_installationNamed_defaultModelsAreInsideIt_aDirectorySetStaysAsGiven() {
    ConfigSource launched = ConfigSource.of(Map.of(ConfigSource.HOME_KEY, "/opt/glassbox"));

    assertEquals(Path.of("/opt/glassbox/models"), ModelConfig.load(launched).modelDirectory());
    assertEquals(Path.of("mine"), ModelConfig.load(launched.with(Map.of("GLASSBOX_MODEL_DIR", "mine"))).modelDirectory());
  }

  @Test
  void load_readsTheServingEngineKeys() {
    ModelConfig config = ModelConfig.load(ConfigSource.of(Map.of(
        "GLASSBOX_MODEL_BATCHING", "false",
        "GLASSBOX_MODEL_MAX_BATCH_CALLS", "16",
        "GLASSBOX_MODEL_MAX_QUEUE_DELAY_MS", "3",
        "GLASSBOX_MODEL_MAX_QUEUED_CALLS", "100",
        "GLASSBOX_MODEL_INTRA_OP_THREADS", "3",
        "GLASSBOX_MODEL_THREAD_SPINNING", "true",
        "GLASSBOX_MODEL_BATCHER_SPIN_US", "250")));

    assertEquals(false, config.batching());
    assertTrue(config.threadSpinning());
    assertEquals(16, config.maxBatchCalls());
    assertEquals(Duration.ofMillis(3), config.maxQueueDelay());
    assertEquals(Duration.ofNanos(250_000), config.batcherSpin());
    assertEquals(100, config.maxQueuedCalls());
    assertEquals(3, config.effectiveIntraOpThreads());
  }

  @Test
  void load_readsEveryKey() {
    ModelConfig config = ModelConfig.load(ConfigSource.of(Map.of(
        "GLASSBOX_MODEL_PORT", "6000",
        "GLASSBOX_MODEL_ADMIN_PORT", "6001",
        "GLASSBOX_MODEL_DIR", "/srv/models",
        "GLASSBOX_MODEL_NAME", "amazon-beauty",
        "GLASSBOX_MODEL_VERSION", "20261122-0400",
        "GLASSBOX_EXECUTION_PROVIDER", "CUDA",
        "GLASSBOX_MODEL_INTRA_OP_THREADS", "2",
        "GLASSBOX_MODEL_CUDA_DEVICE", "1")));

    assertEquals(new ModelConfig(6000, 6001, Path.of("/srv/models"), "amazon-beauty", Optional.of("20261122-0400"),
        ExecutionProviderSetting.CUDA, 2, 1), config);
  }

  @Test
  void load_onnxRuntimeDirectory_isTheNamedFolderMadeAbsolute_andNoneUnlessSet() {
    assertEquals(Optional.of(Path.of("/tmp")),
        ModelConfig.load(ConfigSource.of(Map.of("GLASSBOX_MODEL_ONNXRUNTIME_DIR", "/tmp"))).onnxRuntimeDirectory());
    // The tests run in the module's folder, which holds src/.
    assertEquals(Optional.of(Path.of("src").toAbsolutePath()),
        ModelConfig.load(ConfigSource.of(Map.of("GLASSBOX_MODEL_ONNXRUNTIME_DIR", "src"))).onnxRuntimeDirectory());
    assertEquals(Optional.empty(), ModelConfig.load(ConfigSource.of(Map.of())).onnxRuntimeDirectory());
  }

  /** ONNX Runtime would unpack its own copy into java.io.tmpdir instead, with a WARN not naming the setting. */
  @Test
  void load_onnxRuntimeDirectoryMissingOrAFile_isRefusedNamingTheSettingAndHowToMakeIt(@TempDir Path dir)
      throws Exception {
    Path missing = dir.resolve("missing");
    Path file = Files.writeString(dir.resolve("file"), "");

    assertEquals("GLASSBOX_MODEL_ONNXRUNTIME_DIR=" + missing + " does not exist: make it a folder for the model"
        + " service alone, owned by its user (mkdir -m 700 " + missing + "), or unset GLASSBOX_MODEL_ONNXRUNTIME_DIR",
        assertThrows(ConfigException.class, () -> ModelConfig.load(ConfigSource.of(
            Map.of("GLASSBOX_MODEL_ONNXRUNTIME_DIR", missing.toString())))).getMessage());
    assertEquals("GLASSBOX_MODEL_ONNXRUNTIME_DIR=" + file + " is not a directory: make it a folder for the model"
        + " service alone, owned by its user (mkdir -m 700 " + file + "), or unset GLASSBOX_MODEL_ONNXRUNTIME_DIR",
        assertThrows(ConfigException.class, () -> ModelConfig.load(ConfigSource.of(
            Map.of("GLASSBOX_MODEL_ONNXRUNTIME_DIR", file.toString())))).getMessage());
    assertFalse(Files.exists(missing));
  }

  @Test
  void load_batcherSpin_isOffWhenAskedAndOtherwiseSetByTheProcessors() {
    assertEquals(Duration.ZERO,
        ModelConfig.load(ConfigSource.of(Map.of("GLASSBOX_MODEL_BATCHER_SPIN_US", "0"))).batcherSpin());
    assertEquals(Runtime.getRuntime().availableProcessors() >= 2 ? Duration.ofNanos(300_000) : Duration.ZERO,
        ModelConfig.load(ConfigSource.of(Map.of())).batcherSpin());
  }

  @Test
  void load_threadSpinning_isOffUnlessAsked() {
    assertFalse(ModelConfig.load(ConfigSource.of(Map.of())).threadSpinning());
  }

  @Test
  void load_blankVersion_meansNewest() {
    assertEquals(Optional.empty(), ModelConfig.load(ConfigSource.of(Map.of("GLASSBOX_MODEL_VERSION", " "))).version());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "GLASSBOX_EXECUTION_PROVIDER|gpu|GLASSBOX_EXECUTION_PROVIDER must be auto, cpu or cuda, got \"gpu\"",
      "GLASSBOX_MODEL_PORT|70000|GLASSBOX_MODEL_PORT must be 0..65535, got 70000",
      "GLASSBOX_MODEL_INTRA_OP_THREADS|-1|GLASSBOX_MODEL_INTRA_OP_THREADS must be 0..256, got -1",
      "GLASSBOX_MODEL_INTRA_OP_THREADS|many|GLASSBOX_MODEL_INTRA_OP_THREADS must be an integer, got \"many\"",
      "GLASSBOX_MODEL_VERSION|..|GLASSBOX_MODEL_VERSION must be empty (newest) or 1..64 characters",
      "GLASSBOX_MODEL_VERSION|v1/../../etc|GLASSBOX_MODEL_VERSION must be empty (newest) or 1..64 characters",
      "GLASSBOX_MODEL_NAME|../other|GLASSBOX_MODEL_NAME must be 1..64 characters",
      "GLASSBOX_MODEL_BATCHING|maybe|GLASSBOX_MODEL_BATCHING must be true or false",
      "GLASSBOX_MODEL_MAX_BATCH_CALLS|0|GLASSBOX_MODEL_MAX_BATCH_CALLS must be 1..1024, got 0",
      "GLASSBOX_MODEL_MAX_QUEUE_DELAY_MS|1001|GLASSBOX_MODEL_MAX_QUEUE_DELAY_MS must be 0..1000, got 1001",
      "GLASSBOX_MODEL_MAX_QUEUED_CALLS|0|GLASSBOX_MODEL_MAX_QUEUED_CALLS must be 1..100000, got 0",
      "GLASSBOX_MODEL_PARALLEL_RUNS|0|GLASSBOX_MODEL_PARALLEL_RUNS must be 1..64, got 0",
      "GLASSBOX_MODEL_PARALLEL_RUNS|65|GLASSBOX_MODEL_PARALLEL_RUNS must be 1..64, got 65",
      "GLASSBOX_MODEL_BATCHER_SPIN_US|10001|GLASSBOX_MODEL_BATCHER_SPIN_US must be 0..10000, got 10001",
      "GLASSBOX_MODEL_BATCHER_SPIN_US|-1|GLASSBOX_MODEL_BATCHER_SPIN_US must be 0..10000, got -1",
      "GLASSBOX_MODEL_THREAD_SPINNING|sometimes|GLASSBOX_MODEL_THREAD_SPINNING must be true or false",
  })
  void load_badValue_failsNamingTheKey(String key, String value, String expectedMessage) {
    ConfigException error = assertThrows(ConfigException.class,
        () -> ModelConfig.load(ConfigSource.of(Map.of(key, value))));

    assertTrue(error.getMessage().startsWith(expectedMessage), error.getMessage());
  }
}
