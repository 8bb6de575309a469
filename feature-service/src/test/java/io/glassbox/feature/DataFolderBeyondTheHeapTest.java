package io.glassbox.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.server.ServerSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data folder larger than the heap, in a feature-service JVM of its own with a small heap and the
 * deployed collector flags (deploy/kubernetes/base/feature-service.yaml), or G1 (bin/glassbox up's):
 * the start stops with one ERROR line and exit 1, rather than collect without end, never ready, or
 * run out of memory; a folder just under the heap still starts.
 */
@Timeout(value = 480, unit = TimeUnit.SECONDS)
class DataFolderBeyondTheHeapTest {
  private static final List<String> FLAGS = List.of("-Xms64m", "-Xmx64m", "-XX:+UseSerialGC",
      "-XX:+AlwaysPreTouch", "-XX:+ExitOnOutOfMemoryError", "-XX:TieredStopAtLevel=1");
  /**
   * G1: what {@code bin/glassbox up} runs (the JVM's default on a machine of two CPUs or more) and
   * the Dockerfile's default, in the same heap; out of memory exits 3, not 1.
   */
  private static final List<String> G1_FLAGS = List.of("-Xms64m", "-Xmx64m", "-XX:+UseG1GC",
      "-XX:+ExitOnOutOfMemoryError", "-XX:TieredStopAtLevel=1");

  @Test
  void start_dataFolderBeyondTheHeap_stopsWithOneErrorLineAndExit1(@TempDir Path dir) throws Exception {
    // 640,000 rows: about 120 MiB of heap loaded, twice what this JVM has.
    Path data = Files.createDirectory(dir.resolve("shop"));
    GeneratedShop.write(data, 20_000, 80_000, 8);

    String error = refusal(dir, data, FLAGS);

    assertTrue(error.contains("reading interactions.csv stopped at row "), error);
  }

  /**
   * 360,000 rows: read within this heap (the reader looks at its old generation up to row
   * 350,000), then past all of it while loaded into the store, where the JVM ran out of memory
   * (exit 3, after 50 full collections) before the check went on past the read.
   */
  @Test
  void start_dataFolderThatReadsButDoesNotIndex_stopsWithOneErrorLineAndExit1(@TempDir Path dir) throws Exception {
    Path data = Files.createDirectory(dir.resolve("shop"));
    GeneratedShop.write(data, 20_000, 45_000, 8);

    String error = refusal(dir, data, FLAGS);

    assertTrue(error.contains(" stopped at ") && error.contains(" with "), error);
    assertTrue(error.contains("% of the whole heap in use after a full collection"), error);
    assertFalse(error.contains("reading interactions.csv"), error);
  }

  /**
   * 320,000 rows: the whole heap up to about 90% in use after a collection while loaded into the
   * store, the old generation full: it starts, about 30 MiB in use once ready.
   */
  @Test
  void start_dataFolderJustUnderTheHeap_becomesReady(@TempDir Path dir) throws Exception {
    Path data = Files.createDirectory(dir.resolve("shop"));
    GeneratedShop.write(data, 20_000, 40_000, 8);

    assertReady(dir, data, FLAGS);
  }

  /**
   * G1 at 64 MiB, 400,000 rows: read within the heap, then G1 runs full collections back to back
   * while the store loads, each leaving 95% of the heap in use, never 97%, and runs out of memory
   * (measured: after 7 to 15 of them). The reviewer saw it at 880,000 rows in 128 MiB.
   */
  @Test
  void start_g1DataFolderThatDoesNotIndex_stopsWithOneErrorLineNotOutOfMemory(@TempDir Path dir) throws Exception {
    Path data = Files.createDirectory(dir.resolve("shop"));
    GeneratedShop.write(data, 20_000, 50_000, 8);

    String error = refusal(dir, data, G1_FLAGS);

    assertTrue(error.contains(" stopped at ") && error.contains(" with "), error);
    assertTrue(error.contains("% of the whole heap in use after a full collection"), error);
  }

  /** G1 at 64 MiB, 320,000 rows: full collections while the store loads leave up to 92% in use; it starts. */
  @Test
  void start_g1DataFolderThatFits_becomesReady(@TempDir Path dir) throws Exception {
    Path data = Files.createDirectory(dir.resolve("shop"));
    GeneratedShop.write(data, 20_000, 40_000, 8);

    assertReady(dir, data, G1_FLAGS);
  }

  private static void assertReady(Path dir, Path data, List<String> flags) throws Exception {
    Path log = dir.resolve("feature-service.log");
    Process service = start(data, log, flags);
    try {
      while (service.isAlive() && !Files.readString(log).contains(" ready in ")) {
        Thread.sleep(200);
      }
      assertTrue(service.isAlive(), () -> read(log));
    } finally {
      service.destroyForcibly();
    }
    assertFalse(read(log).contains("ERROR"), () -> read(log));
  }

  /** Starts the service on {@code data} and returns its one ERROR line, once it exited with 1. */
  private static String refusal(Path dir, Path data, List<String> flags) throws Exception {
    Path log = dir.resolve("feature-service.log");
    Process service = start(data, log, flags);
    try {
      assertTrue(service.waitFor(240, TimeUnit.SECONDS), "the service neither started nor stopped");
    } finally {
      service.destroyForcibly();
    }

    List<String> lines = Files.readAllLines(log);
    assertEquals(1, service.exitValue(), () -> String.join("\n", lines));
    List<String> errors = lines.stream().filter(line -> line.contains("ERROR")).toList();
    assertEquals(1, errors.size(), () -> String.join("\n", lines));
    String error = errors.get(0);
    assertTrue(error.contains("feature-service cannot start: data folder " + data.toAbsolutePath()
        + " does not fit in the heap"), error);
    assertTrue(error.contains("MiB of heap per million rows"), error);
    assertTrue(error.contains("MaxRAMPercentage"), error);
    return error;
  }

  private static Process start(Path data, Path log, List<String> flags) throws IOException {
    ProcessBuilder builder = new ProcessBuilder(command(flags)).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().remove("JDK_JAVA_OPTIONS");
    builder.environment().remove("JAVA_TOOL_OPTIONS");
    builder.environment().put(FeatureConfig.DATA_DIR_KEY, data.toString());
    builder.environment().put(FeatureConfig.PORT_KEY, "0");
    builder.environment().put(FeatureConfig.ADMIN_PORT_KEY, "0");
    builder.environment().put(ServerSettings.METRICS_PORT_KEY, "0");
    return builder.start();
  }

  private static String read(Path log) {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> command(List<String> flags) {
    List<String> command = new java.util.ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(flags);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), FeatureMain.class.getName()));
    return command;
  }
}
