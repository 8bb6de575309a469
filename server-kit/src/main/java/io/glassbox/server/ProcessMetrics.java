package io.glassbox.server;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.SummaryWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Quantiles;
import io.prometheus.metrics.model.snapshots.Unit;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.lang.management.OperatingSystemMXBean;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * The process and its JVM on {@code /metrics}, read from the platform MXBeans at each scrape,
 * under the names of Prometheus's own JVM instrumentation (so its dashboards and alerts work):
 * without them a restart showed only as counters that dropped, and nothing said how full the
 * heap was or how much time went to GC. A process of the one-process suite shows the same
 * numbers on each of its servers' ports.
 */
final class ProcessMetrics {
  /** Linux's view of this process's memory, where {@code VmRSS} is its resident set. */
  private static final Path PROC_STATUS = Path.of("/proc/self/status");
  private static final String RESIDENT = "VmRSS:";
  /** Bytes in the "kB" /proc counts in. */
  private static final double KIB = 1024;

  private ProcessMetrics() {}

  /** Registers the process's and the JVM's metrics in {@code registry}. */
  static void register(PrometheusRegistry registry) {
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    GaugeWithCallback.builder().name("process_start_time_seconds").unit(Unit.SECONDS)
        .help("Start time of the process since the Unix epoch")
        .callback(gauge -> gauge.call(Unit.millisToSeconds(ManagementFactory.getRuntimeMXBean().getStartTime())))
        .register(registry);
    if (os instanceof com.sun.management.OperatingSystemMXBean hotspot) {
      CounterWithCallback.builder().name("process_cpu_seconds").unit(Unit.SECONDS)
          .help("CPU time the process has used, user and system")
          .callback(counter -> {
            long nanos = hotspot.getProcessCpuTime();
            if (nanos >= 0) {
              counter.call(Unit.nanosToSeconds(nanos));
            }
          })
          .register(registry);
    }
    if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
      gauge(registry, "process_open_fds", "Open file descriptors", unix::getOpenFileDescriptorCount);
      gauge(registry, "process_max_fds", "Most file descriptors the process may open", unix::getMaxFileDescriptorCount);
    }
    GaugeWithCallback.builder().name("process_resident_memory_bytes").unit(Unit.BYTES)
        .help("Resident memory of the process (Linux only)")
        .callback(gauge -> residentBytes().ifPresent(bytes -> gauge.call(bytes)))
        .register(registry);
    registerMemory(registry);
    registerGc(registry);
    registerThreads(registry);
  }

  private static void registerMemory(PrometheusRegistry registry) {
    memoryGauge(registry, "jvm_memory_used_bytes", "Memory in use, by area", MemoryUsage::getUsed);
    memoryGauge(registry, "jvm_memory_committed_bytes", "Memory the JVM has from the system, by area",
        MemoryUsage::getCommitted);
    memoryGauge(registry, "jvm_memory_max_bytes", "Most memory the area may grow to; -1 when unbounded",
        MemoryUsage::getMax);
  }

  private static void memoryGauge(PrometheusRegistry registry, String name, String help,
      ToLongFunction<MemoryUsage> value) {
    GaugeWithCallback.builder().name(name).unit(Unit.BYTES).help(help).labelNames("area")
        .callback(gauge -> {
          gauge.call(value.applyAsLong(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage()), "heap");
          gauge.call(value.applyAsLong(ManagementFactory.getMemoryMXBean().getNonHeapMemoryUsage()), "nonheap");
        })
        .register(registry);
  }

  private static void registerGc(PrometheusRegistry registry) {
    SummaryWithCallback.builder().name("jvm_gc_collection_seconds").unit(Unit.SECONDS)
        .help("Time spent in a given JVM garbage collector")
        .labelNames("gc")
        .callback(summary -> {
          for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            long count = gc.getCollectionCount();
            long millis = gc.getCollectionTime();
            if (count >= 0 && millis >= 0) {
              summary.call(count, Unit.millisToSeconds(millis), Quantiles.EMPTY, gc.getName());
            }
          }
        })
        .register(registry);
  }

  private static void registerThreads(PrometheusRegistry registry) {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    gauge(registry, "jvm_threads_current", "Live threads, daemon and not", threads::getThreadCount);
    gauge(registry, "jvm_threads_daemon", "Live daemon threads", threads::getDaemonThreadCount);
    gauge(registry, "jvm_threads_peak", "Most live threads at once since the JVM started", threads::getPeakThreadCount);
  }

  private static void gauge(PrometheusRegistry registry, String name, String help, Supplier<? extends Number> value) {
    GaugeWithCallback.builder().name(name).help(help)
        .callback(gauge -> gauge.call(value.get().doubleValue()))
        .register(registry);
  }

  /** The process's resident set in bytes, where {@code /proc} says it (Linux). */
  private static Optional<Double> residentBytes() {
    try {
      return Files.readAllLines(PROC_STATUS).stream()
          .filter(line -> line.startsWith(RESIDENT))
          .findFirst()
          .map(line -> KIB * Double.parseDouble(line.substring(RESIDENT.length()).trim().split("\\s+")[0]));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();   // not Linux, or /proc not mounted: the sample is left out
    }
  }
}
