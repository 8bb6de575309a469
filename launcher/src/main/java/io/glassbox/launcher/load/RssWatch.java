package io.glassbox.launcher.load;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * Follows the resident memory of named processes during a run: before, after and peak. A process
 * is given by its PID, or by a PID file that is read again at every sample, so a service that is
 * killed and restarted under the same name is followed into its new process (its peak is the
 * highest of all of them).
 */
public final class RssWatch {
  private final Map<String, Source> sources;
  private final Function<Long, Optional<ProcessMemory>> memoryOf;
  private final Map<String, Figures> figures = new LinkedHashMap<>();

  /** {@code specs}: {@code NAME=PID} or {@code NAME=@PIDFILE}. */
  public static RssWatch of(List<String> specs) {
    return new RssWatch(specs, ProcessMemory::of);
  }

  RssWatch(List<String> specs, Function<Long, Optional<ProcessMemory>> memoryOf) {
    this.memoryOf = requireNonNull(memoryOf, "memoryOf");
    this.sources = new LinkedHashMap<>();
    for (String spec : specs) {
      int eq = spec.indexOf('=');
      if (eq <= 0 || eq == spec.length() - 1) {
        throw new IllegalArgumentException("expected NAME=PID or NAME=@PIDFILE, got '" + spec + "'");
      }
      String name = spec.substring(0, eq);
      String value = spec.substring(eq + 1);
      Source source = value.startsWith("@") ? new Source(OptionalLong.empty(), Path.of(value.substring(1)))
          : new Source(OptionalLong.of(parsePid(value, spec)), null);
      if (sources.put(name, source) != null) {
        throw new IllegalArgumentException("process name '" + name + "' given twice");
      }
    }
  }

  private static long parsePid(String value, String spec) {
    try {
      long pid = Long.parseLong(value);
      if (pid > 0) {
        return pid;
      }
    } catch (NumberFormatException e) {
      // falls through to the message below
    }
    throw new IllegalArgumentException("expected a positive PID in '" + spec + "'");
  }

  public boolean isEmpty() {
    return sources.isEmpty();
  }

  /** Takes one sample of every process; the first sample is "before", the latest "after". */
  public synchronized void sample() {
    sources.forEach((name, source) -> {
      OptionalLong pid = source.pid();
      Optional<ProcessMemory> memory = pid.isPresent() ? memoryOf.apply(pid.getAsLong())
          : Optional.empty();
      Figures f = figures.computeIfAbsent(name, n -> new Figures());
      if (memory.isEmpty()) {
        f.after = -1;
        return;
      }
      long rss = memory.get().rssBytes();
      if (f.before < 0) {
        f.before = rss;
      }
      f.after = rss;
      f.peak = Math.max(f.peak, memory.get().peakRssBytes());
      if (f.lastPid != pid.getAsLong()) {
        f.processes++;
        f.lastPid = pid.getAsLong();
      }
    });
  }

  /** One line per process: before, after, peak in MiB, and how many processes it was. */
  public synchronized List<String> report() {
    List<String> lines = new ArrayList<>();
    figures.forEach((name, f) -> lines.add(String.format(Locale.ROOT,
        "rss %s: before %s, after %s, peak %s MiB (%d process%s)", name, mib(f.before), mib(f.after),
        mib(f.peak), f.processes, f.processes == 1 ? "" : "es")));
    return lines;
  }

  /** The figures of one process name; for tests and callers that format their own. */
  public synchronized Figures figures(String name) {
    Figures f = figures.get(name);
    return f == null ? new Figures() : f.copy();
  }

  private static String mib(long bytes) {
    return bytes < 0 ? "-" : String.format(Locale.ROOT, "%.0f", bytes / 1048576.0);
  }

  /** Bytes; -1 where no sample was taken (or the process was gone at the last sample). */
  public static final class Figures {
    long before = -1;
    long after = -1;
    long peak = -1;
    int processes;
    long lastPid = -1;

    public long before() {
      return before;
    }

    public long after() {
      return after;
    }

    public long peak() {
      return peak;
    }

    /** How many distinct processes were seen under this name (restarts add one each). */
    public int processes() {
      return processes;
    }

    Figures copy() {
      Figures f = new Figures();
      f.before = before;
      f.after = after;
      f.peak = peak;
      f.processes = processes;
      f.lastPid = lastPid;
      return f;
    }
  }

  private record Source(OptionalLong fixed, Path pidFile) {
    OptionalLong pid() {
      if (pidFile == null) {
        return fixed;
      }
      try {
        return OptionalLong.of(Long.parseLong(Files.readString(pidFile).trim()));
      } catch (IOException | NumberFormatException e) {
        return OptionalLong.empty();
      }
    }
  }
}
