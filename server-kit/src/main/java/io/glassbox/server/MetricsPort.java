package io.glassbox.server;

import com.sun.net.httpserver.HttpHandler;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.exporter.common.PrometheusScrapeHandler;
import io.prometheus.metrics.exporter.httpserver.HttpExchangeAdapter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * A server's metrics port: Prometheus {@code /metrics} and, on every other path, the plain-HTTP
 * probes, on a {@link HeadFirstHttpServer}, so that clients that send a byte and stall do not keep
 * the kubelet's probes from their answers; nor do scrapes, which the workers run while the
 * selector answers the probes itself.
 *
 * <p>The scrape is the exporter's own ({@link PrometheusScrapeHandler}), served here rather than by
 * the exporter's {@code HTTPServer}, because that one logs a scraper that resets its connection
 * while its answer is on the way as SEVERE with a full stack trace (one or two per request: 50
 * such requests left about a thousand lines in the log). A reset is the client's doing, not the
 * server's: it is one DEBUG line here (the answer is written by the {@link HeadFirstHttpServer}, which
 * logs it). Any other failure is the exporter's to log and answer, as before.
 */
final class MetricsPort implements AutoCloseable {
  static final String METRICS_PATH = "/metrics";
  static final String DROPPED_COUNTER = "glassbox_http_answers_dropped";
  /** The {@code port} label of its metrics, beside the gRPC ports' {@code client} and {@code admin}. */
  static final String PORT_LABEL = "metrics";

  private final HeadFirstHttpServer server;

  private MetricsPort(HeadFirstHttpServer server) {
    this.server = server;
  }

  /**
   * Listens on {@code address} (port 0 picks a free one), serving {@code registry} at {@value
   * #METRICS_PATH} (and below it, as the JDK's server matched the path) and {@code probes} on
   * every other path, within {@code limits}; {@value #DROPPED_COUNTER}{@code _total} on {@code /metrics}
   * counts the answers it dropped for {@link HeadFirstHttpServer.Limits#heldBytes}.
   */
  static MetricsPort start(InetSocketAddress address, PrometheusRegistry registry, HttpHandler probes,
      HeadFirstHttpServer.Limits limits) throws IOException {
    HeadFirstHttpServer server =
        HeadFirstHttpServer.start("metrics", address, handler(registry, probes), MetricsPort::isProbe, limits);
    try {
      CounterWithCallback.builder().name(DROPPED_COUNTER)
          .help("Answers dropped unsent, their connections closed, because the answers waiting for their clients"
              + " to read them held the port's bound of bytes, by port")
          .labelNames("port")
          .callback(counter -> counter.call(server.answersDropped(), PORT_LABEL))
          .register(registry);
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
    return new MetricsPort(server);
  }

  /** What the port answers: {@code registry}'s scrape at {@value #METRICS_PATH}, {@code probes} elsewhere. */
  static HttpHandler handler(PrometheusRegistry registry, HttpHandler probes) {
    PrometheusScrapeHandler scrape = new PrometheusScrapeHandler(registry);
    return exchange -> {
      if (exchange.getRequestURI().getPath().startsWith(METRICS_PATH)) {
        scrape.handleRequest(new HttpExchangeAdapter(exchange));
      } else {
        probes.handle(exchange);
      }
    };
  }

  /**
   * Whether {@code request} is for the probes, which the selector answers at once, never behind the
   * scrapes queued for the workers (a kubelet waits 1 s by default): {@link ProbeEndpoints} reads two
   * flags and writes a line, it never blocks.
   */
  private static boolean isProbe(RequestHead request) {
    String path = request.uri().getPath();
    return path != null && !path.startsWith(METRICS_PATH);
  }

  /** The port it listens on. */
  int port() {
    return server.port();
  }

  /** Stops listening and closes its connections. */
  @Override
  public void close() {
    server.close();
  }
}
