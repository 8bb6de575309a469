package io.glassbox.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.server.ServerSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data folder larger than the heap, in a feature-service JVM of its own with a small heap and the
 * deployed collector flags (deploy/kubernetes/base/feature-service.yaml): the start stops with one
 * ERROR line and exit 1, rather than collect without end, never ready.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class DataFolderBeyondTheHeapTest {
  private static final List<String> FLAGS = List.of("-Xms64m", "-Xmx64m", "-XX:+UseSerialGC",
      "-XX:+AlwaysPreTouch", "-XX:+ExitOnOutOfMemoryError", "-XX:TieredStopAtLevel=1");

  @Test
  void start_dataFolderBeyondTheHeap_stopsWithOneErrorLineAndExit1(@TempDir Path dir) throws Exception {
    // 640,000 rows: about 120 MiB of heap loaded, twice what this JVM has.
    Path data = Files.createDirectory(dir.resolve("shop"));
    GeneratedShop.write(data, 20_000, 80_000, 8);
    Path log = dir.resolve("feature-service.log");
    ProcessBuilder builder = new ProcessBuilder(command()).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().remove("JDK_JAVA_OPTIONS");
    builder.environment().remove("JAVA_TOOL_OPTIONS");
    builder.environment().put(FeatureConfig.DATA_DIR_KEY, data.toString());
    builder.environment().put(FeatureConfig.PORT_KEY, "0");
    builder.environment().put(FeatureConfig.ADMIN_PORT_KEY, "0");
    builder.environment().put(ServerSettings.METRICS_PORT_KEY, "0");
    Process service = builder.start();
    try {
      assertTrue(service.waitFor(120, TimeUnit.SECONDS), "the service neither started nor stopped");
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
    assertTrue(error.contains("reading interactions.csv stopped at row "), error);
    assertTrue(error.contains("MiB of heap per million rows"), error);
    assertTrue(error.contains("MaxRAMPercentage"), error);
  }

  private static List<String> command() {
    List<String> command = new java.util.ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(FLAGS);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), FeatureMain.class.getName()));
    return command;
  }
}
