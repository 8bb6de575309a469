package io.glassbox.server;

import static java.util.Objects.requireNonNull;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot.InfoDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * Which build a process runs: the Maven version and the git commit of the tree it was built from,
 * with {@value #MODIFIED} appended when that tree had uncommitted changes, or {@value #UNKNOWN}
 * when the build had no git (a source tarball, a Docker build without GLASSBOX_BUILD_COMMIT).
 * Written at build time by server-kit/build-info.sh into {@value #RESOURCE}. Every server logs it
 * at start and exposes it as {@value #METRIC}{service, version, commit} 1, so an operator can tell
 * which replicas a rolling upgrade has reached.
 */
public record BuildInfo(String version, String commit) {
  static final String METRIC = "glassbox_build_info";
  static final String RESOURCE = "/io/glassbox/server/build.properties";
  static final String UNKNOWN = "unknown";
  static final String MODIFIED = "-modified";

  public BuildInfo {
    requireNonNull(version, "version");
    requireNonNull(commit, "commit");
  }

  /** This process's build, from {@value #RESOURCE}; "unknown" for what it does not hold. */
  public static BuildInfo current() {
    Properties properties = new Properties();
    try (InputStream in = BuildInfo.class.getResourceAsStream(RESOURCE)) {
      if (in != null) {
        properties.load(in);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
    return new BuildInfo(valueOrUnknown(properties, "version"), valueOrUnknown(properties, "commit"));
  }

  private static String valueOrUnknown(Properties properties, String key) {
    String value = properties.getProperty(key, "").strip();
    return value.isEmpty() ? UNKNOWN : value;
  }

  /** As the start-up line says it: "version 0.1.0-SNAPSHOT, commit 1a2b…". */
  @Override
  public String toString() {
    return "version " + version + ", commit " + commit;
  }

  /** Registers {@value #METRIC}{service, version, commit} 1 in {@code registry}. */
  void register(PrometheusRegistry registry, String service) {
    InfoSnapshot snapshot = InfoSnapshot.builder()
        // The exposition adds the _info suffix to an info metric's name.
        .name(METRIC.substring(0, METRIC.length() - "_info".length()))
        .help("The build this replica runs: its version and git commit (always 1)")
        .dataPoint(InfoDataPointSnapshot.builder()
            .labels(Labels.of("service", service, "version", version, "commit", commit))
            .build())
        .build();
    registry.register(() -> snapshot);
  }
}
