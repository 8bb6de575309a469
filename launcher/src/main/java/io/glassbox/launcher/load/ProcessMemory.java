package io.glassbox.launcher.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A process's resident memory as Linux reports it in {@code /proc/PID/status}: {@code VmRSS} (now)
 * and {@code VmHWM} (the highest it has been since the process started).
 *
 * @param rssBytes resident set size now
 * @param peakRssBytes the process's own high-water mark
 */
public record ProcessMemory(long rssBytes, long peakRssBytes) {
  private static final Pattern FIELD = Pattern.compile("^(VmRSS|VmHWM):\\s+(\\d+)\\s+kB$", Pattern.MULTILINE);

  /** The memory of {@code pid}, or empty when there is no such process (or it is not readable). */
  public static Optional<ProcessMemory> of(long pid) {
    return read(Path.of("/proc", Long.toString(pid), "status"));
  }

  static Optional<ProcessMemory> read(Path status) {
    String text;
    try {
      text = Files.readString(status);
    } catch (IOException e) {
      return Optional.empty();
    }
    return parse(text);
  }

  /** Reads the two fields from the text of a {@code /proc/PID/status} file. */
  static Optional<ProcessMemory> parse(String status) {
    long rss = -1;
    long hwm = -1;
    Matcher m = FIELD.matcher(status);
    while (m.find()) {
      long bytes = Long.parseLong(m.group(2)) * 1024;
      if (m.group(1).equals("VmRSS")) {
        rss = bytes;
      } else {
        hwm = bytes;
      }
    }
    // Kernel threads and zombies have no Vm* lines.
    return rss < 0 ? Optional.empty() : Optional.of(new ProcessMemory(rss, Math.max(rss, hwm)));
  }
}
