package io.glassbox.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.api.v1.ModelAdminGrpc;
import io.glassbox.api.v1.ReloadModelRequest;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A main class run in a JVM of its own with a fixed heap (a small one, or the deployed one) and the
 * deployed collector flags (deploy/kubernetes/base/model-service.yaml), so that what fills the
 * heap, or exhausts it, is known.
 * The main prints its outcomes with {@link #result}; an exhausted heap ends that JVM with exit 3.
 */
final class ServiceJvm {
  /** 128 MiB of heap, 16 MiB of it young; the quick compiler only, for a JVM that lives a few seconds. */
  static final List<String> FLAGS =
      List.of("-Xmx128m", "-Xmn16m", "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError", "-XX:TieredStopAtLevel=1");
  /**
   * The deployed model service's heap (384 MiB: MaxRAMPercentage of the memory limit in
   * deploy/kubernetes/base/model-service.yaml and deploy/docker-compose.yml), all of it committed
   * from the start as there, and the deployed collector flags.
   */
  static final List<String> DEPLOYED_FLAGS =
      List.of("-Xms384m", "-Xmx384m", "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError", "-XX:TieredStopAtLevel=1");
  private static final String RESULT = "RESULT ";

  private ServiceJvm() {}

  /**
   * Runs {@code main} with {@code args}, its output in {@code logs}; once it exited 0, the values
   * it printed with {@link #result}, by key, {@code expected} of them.
   */
  static Map<String, String> run(Path logs, Class<?> main, int expected, String... args) throws Exception {
    return run(logs, FLAGS, main, expected, args);
  }

  /** {@link #run(Path, Class, int, String...)} with the JVM flags {@code flags}. */
  static Map<String, String> run(Path logs, List<String> flags, Class<?> main, int expected, String... args)
      throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(flags);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
    command.addAll(List.of(args));
    Path log = logs.resolve(main.getSimpleName() + ".log");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    // The flags above are the deployed ones: options from the test's own environment (another
    // collector, -XX:+DisableExplicitGC) would start another JVM than the one the test means.
    builder.environment().remove("JDK_JAVA_OPTIONS");
    builder.environment().remove("JAVA_TOOL_OPTIONS");
    Process service = builder.start();
    try {
      assertTrue(service.waitFor(150, TimeUnit.SECONDS), "the service JVM did not finish");
    } finally {
      service.destroyForcibly();
    }
    List<String> lines = Files.readAllLines(log);
    assertEquals(0, service.exitValue(), () -> String.join("\n", lines));
    Map<String, String> results = new HashMap<>();
    for (String line : lines) {
      if (line.startsWith(RESULT)) {
        String[] keyAndValue = line.substring(RESULT.length()).split(" ", 2);
        results.put(keyAndValue[0], keyAndValue[1]);
      }
    }
    assertEquals(expected, results.size(), () -> String.join("\n", lines));
    return results;
  }

  /** Prints {@code value} under {@code key} for {@link #run}. */
  static void result(String key, Object value) {
    System.out.println(RESULT + key + " " + value);
  }

  /** "loaded VERSION", or "refused " and the refusal's description. */
  static String reload(ModelAdminGrpc.ModelAdminBlockingStub admin, String version) {
    try {
      return "loaded " + admin.withDeadlineAfter(20, TimeUnit.SECONDS)
          .reloadModel(ReloadModelRequest.newBuilder().setVersion(version).build()).getActive().getVersion();
    } catch (StatusRuntimeException e) {
      return "refused " + e.getStatus().getDescription();
    }
  }
}
