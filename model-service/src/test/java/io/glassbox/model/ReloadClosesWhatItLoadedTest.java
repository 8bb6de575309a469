package io.glassbox.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A version a reload has loaded but does not swap in is closed, whatever stops the swap: its
 * ONNX Runtime session is native memory nobody else would free.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReloadClosesWhatItLoadedTest {
  @TempDir Path modelDirectory;
  private final AtomicReference<LoadedModel> loadedV2 = new AtomicReference<>();
  private ModelRegistry registry;

  @AfterEach
  void stop() {
    registry.close();
  }

  @Test
  void reload_whoseWarmUpThrows_closesTheLoadedVersionAndKeepsTheActiveOne() {
    startWithV1(loaded -> {
      throw new IllegalStateException("warm-up broke");
    });

    assertThrows(IllegalStateException.class, () -> registry.reload("v2"));

    assertEquals("v1", registry.active().orElseThrow().version());
    assertFalse(loadedV2.get().tryAcquire(), "the version that failed its warm-up was closed");
  }

  @Test
  void reload_finishingAfterTheRegistryClosed_isNotSwappedInAndClosesItsVersion() {
    startWithV1(loaded -> registry.close());

    StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> registry.reload("v2"));

    assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode());

    assertEquals(Optional.empty(), registry.active());
    assertFalse(loadedV2.get().tryAcquire(), "the version loaded during close was closed");
  }

  /** Starts with v1 active; {@code beforeV2Swap} runs when v2 has loaded, before it may be swapped in. */
  private void startWithV1(Consumer<LoadedModel> beforeV2Swap) {
    ModelFolders.addToyVersion(modelDirectory, "v1");
    ModelFolders.addToyVersion(modelDirectory, "v2");
    ModelConfig config = ModelServiceUnderTest.cpuConfig(modelDirectory, ModelFolders.TOY_NAME);
    OrtEnvironment environment = OnnxRuntimeLibraries.environment();
    registry = new ModelRegistry(
        new ModelLoader(environment, new SessionFactory(environment, config, ModelServiceUnderTest.NO_GPU)),
        config, Optional.empty(), loaded -> {
          if (loaded.version().equals("v2")) {
            loadedV2.set(loaded);
            beforeV2Swap.accept(loaded);
          }
        });
    registry.reload("v1");
    assertTrue(registry.active().isPresent());
  }
}
