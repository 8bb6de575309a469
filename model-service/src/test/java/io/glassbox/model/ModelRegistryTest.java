package io.glassbox.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Version swaps and session lifetimes, without gRPC. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ModelRegistryTest {
  private static final ScoreQuery ONE_CELL = new ScoreQuery(
      List.of(new ScoreQuery.Row(List.of("item-01"), List.of("item-02"))),
      true, true, ScoreQuery.UnknownItems.REJECT, Optional.empty());

  @TempDir Path modelDirectory;
  private ModelRegistry registry;
  private Scorer scorer;

  @BeforeEach
  void setUp() {
    ModelFolders.addToyVersion(modelDirectory, "v1");
    ModelConfig config = ModelServiceUnderTest.cpuConfig(modelDirectory, ModelFolders.TOY_NAME);
    OrtEnvironment environment = OnnxRuntimeLibraries.environment();
    registry = new ModelRegistry(
        new ModelLoader(environment, new SessionFactory(environment, config, ModelServiceUnderTest.NO_GPU)), config);
    scorer = new Scorer(registry);
  }

  @AfterEach
  void tearDown() {
    registry.close();
  }

  @Test
  void reload_modelWhoseOutputsDependOnThePaddingAmount_isAlwaysGivenTheWholeWindow() throws Exception {
    registry.reload("v1");
    try (ModelRegistry.Lease lease = registry.lease()) {
      assertTrue(lease.model().trimsPadding(), "the toy model reads only non-padding positions");
    }
    ModelFolders.addPositionalVersion(modelDirectory, "v2");
    registry.reload("v2");
    try (ModelRegistry.Lease lease = registry.lease()) {
      assertFalse(lease.model().trimsPadding());
      assertEquals(4, lease.model().paddedLength(1));
    }
    // score = candidate index + contribution + L / 100, with L the whole window (4):
    // 2 + 1 * 2 / 100 + 4 / 100.
    assertEquals(2.06f, scorer.score(ONE_CELL).rows().get(0).scores()[0], 1e-6f);
  }

  @Test
  void lease_keepsTheOldVersionUsableAcrossASwapAndClosesItAfterTheLastLease() throws Exception {
    registry.reload("v1");
    ModelRegistry.Lease lease = registry.lease();
    LoadedModel v1 = lease.model();
    ModelFolders.addToyVersion(modelDirectory, "v2");

    registry.reload("v2");

    // The request that started on v1 still finishes on v1 ...
    ModelOutputs outputs = v1.run(new long[] {0, 0, 0, 1}, new long[] {2}, 1, 4, 1, false, false);
    assertEquals(2.02f, outputs.score(0, 0), 1e-6f);
    assertEquals("v2", scorer.score(ONE_CELL).modelVersion());
    // ... and once it is done, v1's session is closed.
    lease.close();
    assertThrows(IllegalStateException.class,
        () -> v1.run(new long[] {0, 0, 0, 1}, new long[] {2}, 1, 4, 1, false, false));
    assertTrue(!v1.tryAcquire(), "a retired, closed version cannot be leased again");
  }

  @Test
  void swap_withoutLeases_closesTheOldVersionAtOnce() {
    LoadedModel v1 = registry.reload("v1").active();
    ModelFolders.addToyVersion(modelDirectory, "v2");

    registry.reload("v2");

    assertThrows(IllegalStateException.class,
        () -> v1.run(new long[] {0, 0, 0, 1}, new long[] {2}, 1, 4, 1, false, false));
  }

  @Test
  void failedReload_leavesTheActiveVersionAndItsSessionUntouched() {
    LoadedModel v1 = registry.reload("v1").active();
    ModelFolders.addCorruptVersion(modelDirectory, "v2");

    assertThrows(ModelLoadException.class, () -> registry.reload("v2"));

    assertEquals(v1, registry.active().orElseThrow());
    assertEquals("v1", scorer.score(ONE_CELL).modelVersion());
  }

  @Test
  void scoring_whileVersionsAreSwappedRepeatedly_neverFailsAndClosesEveryRetiredVersion() throws Exception {
    registry.reload("v1");
    ModelFolders.addToyVersion(modelDirectory, "v2");
    int scorers = 4;
    ExecutorService pool = Executors.newFixedThreadPool(scorers);
    AtomicBoolean swapping = new AtomicBoolean(true);
    CountDownLatch started = new CountDownLatch(scorers);
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (int i = 0; i < scorers; i++) {
        results.add(pool.submit(() -> {
          started.countDown();
          int calls = 0;
          while (swapping.get() || calls == 0) {
            ScoredBatch batch = scorer.score(ONE_CELL);
            assertEquals(2.02f, batch.rows().get(0).scores()[0], 1e-6f);
            calls++;
          }
          return calls;
        }));
      }
      assertTrue(started.await(10, TimeUnit.SECONDS));
      List<LoadedModel> retired = new ArrayList<>();
      for (int swap = 0; swap < 20; swap++) {
        retired.add(registry.active().orElseThrow());
        registry.reload(swap % 2 == 0 ? "v2" : "v1");
      }
      swapping.set(false);
      for (Future<Integer> result : results) {
        assertTrue(result.get(30, TimeUnit.SECONDS) > 0);
      }
      for (LoadedModel model : retired) {
        assertTrue(!model.tryAcquire(), "retired version " + model.version() + " was not closed");
      }
    } finally {
      swapping.set(false);
      pool.shutdownNow();
    }
  }

  @Test
  void lease_beforeAnyLoad_throwsModelNotLoaded() {
    assertThrows(ModelNotLoadedException.class, registry::lease);
  }

  @Test
  void close_retiresTheActiveVersion() {
    registry.reload("v1");

    registry.close();

    assertThrows(ModelNotLoadedException.class, registry::lease);
    assertTrue(registry.active().isEmpty());
  }

  @Test
  void loadConfiguredVersion_withNoVersionFolders_throwsNotFound(@TempDir Path emptyDirectory) {
    ModelConfig config = ModelServiceUnderTest.cpuConfig(emptyDirectory, ModelFolders.TOY_NAME);
    OrtEnvironment environment = OnnxRuntimeLibraries.environment();
    try (ModelRegistry empty = new ModelRegistry(
        new ModelLoader(environment, new SessionFactory(environment, config, ModelServiceUnderTest.NO_GPU)), config)) {
      ModelVersionNotFoundException error =
          assertThrows(ModelVersionNotFoundException.class, empty::loadConfiguredVersion);
      assertEquals("model toy has no folder in the model directory (" + emptyDirectory.resolve("toy").toAbsolutePath()
          + " does not exist; GLASSBOX_MODEL_DIR names the directory)", error.getMessage());
    }
  }
}
