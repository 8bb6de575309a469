package io.glassbox.server;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** A server's {@code /metrics} as its text, for tests that read counters and gauges from it. */
public final class MetricsText {
  private MetricsText() {}

  /** What {@code /metrics} of {@code server} would show now. */
  public static String scrape(GrpcServer server) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new PrometheusTextFormatWriter(false).write(out, server.metrics().scrape());
    return out.toString(StandardCharsets.UTF_8);
  }

  /** The value of the unlabelled sample {@code name} in a scrape. */
  public static double value(String metrics, String name) {
    return metrics.lines().filter(line -> line.startsWith(name + " ")).findFirst()
        .map(line -> Double.parseDouble(line.substring(name.length() + 1)))
        .orElseThrow(() -> new AssertionError(name + " not in " + metrics));
  }

  /** The value of the sample {@code name} whose labels include {@code label} ({@code certificate="ca"}) in a scrape. */
  public static double labelled(String metrics, String name, String label) {
    return metrics.lines().filter(line -> line.startsWith(name + "{") && line.contains(label)).findFirst()
        .map(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
        .orElseThrow(() -> new AssertionError(name + "{" + label + "} not in " + metrics));
  }

  /** Calls of {@code service}'s {@code method} (full service name) the server answered, whatever their status. */
  public static double calls(String metrics, String service, String method) {
    return metrics.lines()
        .filter(line -> line.startsWith("glassbox_grpc_server_handling_seconds_count{")
            && line.contains("method=\"" + method + "\"") && line.contains("service=\"" + service + "\""))
        .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
        .sum();
  }
}
