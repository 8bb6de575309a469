package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.server.ConfigSource;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The operator's report: a misspelled setting was ignored without a word. {@code bin/glassbox serve}
 * (each service's main) and {@code bin/glassbox up} now warn of it at start, in a JVM of their own
 * with the real environment; a config file that is not there then stops the start before anything
 * listens, so the run ends (and up is given free ports all the same).
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class UnknownSettingsAtStartTest {
  private static final Map<String, String> TYPOS = Map.of(
      "GLASSBOX_FEATURE_STOR", "redis",
      "GLASSBOX_REDIS_URL", "redis://localhost:53702",
      ConfigSource.CONFIG_FILE_KEY, "no-such.conf");

  @Test
  void serve_misspelledSettings_warnsOfEachOnceWithTheNearestName() throws Exception {
    String output = glassbox(TYPOS, "serve", "feature-service");

    assertWarnedOnceEach(output);
  }

  @Test
  void up_misspelledSettings_warnsOfEachOnceWithTheNearestName() throws Exception {
    String output = glassbox(TYPOS, "up", "--no-metrics", "--http-port", "0", "--gateway-port", "0",
        "--feature-port", "0", "--feature-admin-port", "0", "--model-port", "0",
        "--explain-port", "0", "--model-admin-port", "0");

    assertWarnedOnceEach(output);
  }

  /**
   * With the misspelled name really in up's environment and no file to stop it, the suite starts
   * and warns: once, so a second warning from up's own environment (as before 1f7fc350) fails here.
   * A held feature port then stops it.
   */
  @Test
  void up_aMisspelledSettingOfTheEnvironment_isWarnedOfOnce() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      String output = glassbox(Map.of("GLASSBOX_MODEL_DIRR", "mine"), "up", "--no-metrics", "--http-port", "0",
          "--gateway-port", "0", "--feature-port", String.valueOf(taken.getLocalPort()), "--feature-admin-port", "0",
          "--model-port", "0", "--explain-port", "0", "--model-admin-port", "0");

      assertEquals(1, CliRun.timesSaid(output,
          "GLASSBOX_MODEL_DIRR is no setting of Glassbox: did you mean GLASSBOX_MODEL_DIR?"), output);
    }
  }

  private static void assertWarnedOnceEach(String output) {
    assertEquals(1, CliRun.timesSaid(output,
        "GLASSBOX_FEATURE_STOR is no setting of Glassbox: did you mean GLASSBOX_FEATURE_STORE?"), output);
    assertEquals(1, CliRun.timesSaid(output,
        "GLASSBOX_REDIS_URL is no setting of Glassbox: did you mean GLASSBOX_REDIS_URI?"), output);
    assertTrue(output.contains("GLASSBOX_CONFIG_FILE=no-such.conf cannot be read"), output);
  }

  /** {@code glassbox args} in a JVM of its own with {@code environment} added; its output, once it exits. */
  private static String glassbox(Map<String, String> environment, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), GlassboxCli.class.getName()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().keySet().removeIf(name -> name.startsWith("GLASSBOX_"));
    builder.environment().putAll(environment);
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(60, TimeUnit.SECONDS), output);
    assertEquals(1, process.exitValue(), output);
    return output;
  }
}
