package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.glassbox.model.ModelConfig;
import io.glassbox.server.ConfigSource;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The model's thread settings when the four services share one process's cores. */
class SuiteThreadsTest {
  private static final String THREADS = ModelConfig.THREADS_KEY;
  private static final String RUNS = ModelConfig.PARALLEL_RUNS_KEY;

  private static Map<String, String> threads(Map<String, String> set, int cores) {
    return Suite.sharedModelThreads(ConfigSource.of(set), cores);
  }

  @Test
  void unset_halfTheCoresPerInference_andBatchesSplitToFillThem() {
    assertEquals(Map.of(THREADS, "1", RUNS, "2"), threads(Map.of(), 2));
    assertEquals(Map.of(THREADS, "1", RUNS, "1"), threads(Map.of(), 1));
    assertEquals(Map.of(THREADS, "8", RUNS, "2"), threads(Map.of(), 16));
  }

  @Test
  void whatTheOperatorSet_isKept_andTheRestFollowsIt() {
    assertEquals(Map.of(RUNS, "4"), threads(Map.of(THREADS, "4"), 16));
    assertEquals(Map.of(RUNS, "1"), threads(Map.of(THREADS, "0"), 8), "0: every core per inference");
    assertEquals(Map.of(THREADS, "1"), threads(Map.of(RUNS, "1"), 2));
    assertEquals(Map.of(), threads(Map.of(THREADS, "many"), 2), "the model service refuses it itself");
  }
}
