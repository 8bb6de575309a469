package io.glassbox.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link FolderHeapCheck.WholeHeap#ofThisJvm()} in JVMs of their own, under the collectors and
 * flags a service may run with. R113's review: under {@code -XX:+DisableExplicitGC} the check's own
 * {@code System.gc()} ran nothing, garbage counted as in use, and a G1 heap that never ran out was
 * refused; and G1's young collections were read as full ones.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class WholeHeapOfThisJvmTest {
  @Test
  void explicitCollectionDisabled_readsNothing_soNothingIsRefused() throws Exception {
    for (String collector : List.of("-XX:+UseG1GC", "-XX:+UseSerialGC", "-XX:+UseParallelGC")) {
      assertEquals("after collection 0.0", probe(collector, "-XX:+DisableExplicitGC").get(1), collector);
    }
  }

  @Test
  void fullCollectionRun_readsTheHeapItLeft() throws Exception {
    for (String collector : List.of("-XX:+UseG1GC", "-XX:+UseSerialGC", "-XX:+UseParallelGC")) {
      List<String> said = probe(collector);
      double afterCollection = Double.parseDouble(said.get(1).substring("after collection ".length()));
      assertTrue(afterCollection > 0 && afterCollection < 0.5, collector + ": " + said);
      // The collection just run is the latest full one: read alike by the cheap reading.
      assertTrue(Double.parseDouble(said.get(0).substring("after latest ".length())) > 0, collector + ": " + said);
    }
  }

  /** Every name of the full collectors is one a JVM of this JDK gives its collector. */
  @Test
  void fullCollectorNames_areThisJdksNames() throws Exception {
    List<String> seen = new ArrayList<>();
    for (String collector : List.of("-XX:+UseG1GC", "-XX:+UseSerialGC", "-XX:+UseParallelGC")) {
      seen.addAll(probe(collector).subList(2, probe(collector).size()));
    }
    assertTrue(seen.containsAll(FolderHeapCheck.WholeHeap.FULL_COLLECTORS), seen.toString());
  }

  /** The probe's lines: "after latest X", "after collection Y", then its collectors' names. */
  private static List<String> probe(String... flags) throws Exception {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx64m"));
    command.addAll(List.of(flags));
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), Probe.class.getName()));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().remove("JDK_JAVA_OPTIONS");
    builder.environment().remove("JAVA_TOOL_OPTIONS");
    Process process = builder.start();
    String out = new String(process.getInputStream().readAllBytes());
    assertTrue(process.waitFor(120, TimeUnit.SECONDS), out);
    assertEquals(0, process.exitValue(), out);
    return out.lines().toList();
  }

  /** Makes garbage, then prints the two readings and the names of its collectors. */
  public static final class Probe {
    public static void main(String[] args) {
      List<byte[]> kept = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        byte[] chunk = new byte[256 * 1024];
        if (i % 10 == 0) {
          kept.add(chunk);
        }
      }
      FolderHeapCheck.WholeHeap heap = FolderHeapCheck.WholeHeap.ofThisJvm();
      double afterCollection = heap.afterCollection().getAsDouble();
      System.out.println("after latest " + heap.afterLatest().getAsDouble());
      System.out.println("after collection " + afterCollection);
      for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
        System.out.println(collector.getName());
      }
      System.out.println(kept.size() > 0 ? "" : "none kept");
    }
  }
}
