package io.glassbox.launcher.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RssWatchTest {
  private static final long MIB = 1 << 20;

  @Test
  void parse_readsResidentAndPeakFromProcStatus() {
    String status = "Name:\tjava\nVmPeak:\t 9000000 kB\nVmHWM:\t  524288 kB\nVmRSS:\t  262144 kB\nThreads:\t40\n";

    assertEquals(Optional.of(new ProcessMemory(256 * MIB, 512 * MIB)), ProcessMemory.parse(status));
    assertEquals(Optional.empty(), ProcessMemory.parse("Name:\tkthreadd\nState:\tS (sleeping)\n"));
  }

  @Test
  void of_thisProcess_isResident_andAMissingProcessIsEmpty() {
    ProcessMemory self = ProcessMemory.of(ProcessHandle.current().pid()).orElseThrow();

    assertTrue(self.rssBytes() > 10 * MIB, "a JVM is resident: " + self);
    assertTrue(self.peakRssBytes() >= self.rssBytes());
    assertEquals(Optional.empty(), ProcessMemory.of(Integer.MAX_VALUE));
  }

  @Test
  void watch_followsAPidFileAcrossARestart(@TempDir Path dir) throws IOException {
    Map<Long, ProcessMemory> memory = new HashMap<>();
    Path pidFile = dir.resolve("model.pid");
    RssWatch watch = new RssWatch(List.of("model=@" + pidFile), pid -> Optional.ofNullable(memory.get(pid)));

    Files.writeString(pidFile, "100\n");
    memory.put(100L, new ProcessMemory(300 * MIB, 300 * MIB));
    watch.sample();
    memory.put(100L, new ProcessMemory(350 * MIB, 420 * MIB));
    watch.sample();
    memory.remove(100L); // killed; its restart not written yet
    watch.sample();
    Files.writeString(pidFile, "200\n");
    memory.put(200L, new ProcessMemory(250 * MIB, 260 * MIB));
    watch.sample();

    RssWatch.Figures figures = watch.figures("model");
    assertEquals(300 * MIB, figures.before());
    assertEquals(250 * MIB, figures.after());
    assertEquals(420 * MIB, figures.peak());
    assertEquals(2, figures.processes());
    assertEquals(List.of("rss model: before 300, after 250, peak 420 MiB (2 processes)"), watch.report());
  }

  @Test
  void watch_givenAGoneProcess_saysSoInsteadOfAFigure() {
    RssWatch watch = new RssWatch(List.of("gone=7"), pid -> Optional.empty());
    watch.sample();

    assertEquals(List.of("rss gone: before -, after -, peak - MiB (0 processes)"), watch.report());
  }

  @Test
  void watch_refusesMalformedSpecs() {
    assertThrows(IllegalArgumentException.class, () -> RssWatch.of(List.of("gateway")));
    assertThrows(IllegalArgumentException.class, () -> RssWatch.of(List.of("gateway=abc")));
    assertThrows(IllegalArgumentException.class, () -> RssWatch.of(List.of("gateway=-3")));
    assertThrows(IllegalArgumentException.class, () -> RssWatch.of(List.of("a=1", "a=2")));
  }
}
