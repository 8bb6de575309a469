package io.glassbox.server;

import com.google.common.base.Throwables;
import com.google.common.util.concurrent.Uninterruptibles;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.exporter.common.PrometheusScrapeHandler;
import io.prometheus.metrics.exporter.httpserver.HttpExchangeAdapter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A server's metrics port: Prometheus {@code /metrics} and, on every other path, the plain-HTTP
 * probes, on one JDK HTTP server whose exchanges run under {@link TimeLimitedExchanges}.
 *
 * <p>The scrape is the exporter's own ({@link PrometheusScrapeHandler}), served here rather than by
 * the exporter's {@code HTTPServer}, because that one logs a scraper that resets its connection
 * while its answer is on the way as SEVERE with a full stack trace (one or two per request: 50
 * such requests left about a thousand lines in the log). A reset is the client's doing, not the
 * server's: it is one DEBUG line here. Any other failure is the exporter's to log and answer, as before.
 */
final class MetricsPort implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MetricsPort.class);
  static final String METRICS_PATH = "/metrics";
  /** How the JDK words a connection the peer reset or closed under a write (Linux, macOS, Windows). */
  private static final Pattern CLIENT_GONE =
      Pattern.compile("connection reset|broken pipe|connection was aborted", Pattern.CASE_INSENSITIVE);

  private final HttpServer server;
  private final TimeLimitedExchanges exchanges;

  private MetricsPort(HttpServer server, TimeLimitedExchanges exchanges) {
    this.server = server;
    this.exchanges = exchanges;
  }

  /**
   * Listens on {@code address} (port 0 picks a free one), serving {@code registry} at {@value
   * #METRICS_PATH} and {@code probes} on every other path, each exchange on {@code exchanges}
   * (closed with this port, or at once when the port cannot be bound).
   */
  static MetricsPort start(InetSocketAddress address, PrometheusRegistry registry, HttpHandler probes,
      TimeLimitedExchanges exchanges) throws IOException {
    HttpServer server;
    try {
      server = HttpServer.create(address, 0);
    } catch (IOException e) {
      exchanges.close();
      throw e;
    }
    server.setExecutor(exchanges);
    PrometheusScrapeHandler scrape = new PrometheusScrapeHandler(registry);
    server.createContext(METRICS_PATH, exchange -> scrape.handleRequest(new Scrape(exchange)));
    server.createContext("/", probes);
    startAsDaemon(server);
    return new MetricsPort(server, exchanges);
  }

  /**
   * Starts {@code server} from a daemon thread: the JDK's dispatcher thread takes whether it is a
   * daemon from the thread that starts it, and one that is not kept the JVM alive for a server
   * never closed (the exporter's HTTPServer started it from a daemon thread of its pool).
   */
  private static void startAsDaemon(HttpServer server) {
    FutureTask<Void> start = new FutureTask<>(server::start, null);
    Thread starter = new Thread(start, "metrics-http-start");
    starter.setDaemon(true);
    starter.start();
    try {
      Uninterruptibles.getUninterruptibly(start);
    } catch (ExecutionException e) {
      Throwables.throwIfUnchecked(e.getCause());
      throw new IllegalStateException(e.getCause());
    }
  }

  /** The port it listens on. */
  int port() {
    return server.getAddress().getPort();
  }

  /** Stops listening; exchanges in progress run on under their limits. */
  @Override
  public void close() {
    server.stop(0);
    exchanges.shutdown();
  }

  /** Whether {@code e} says the client reset or closed its connection while it was written to. */
  static boolean clientGone(IOException e) {
    return e.getMessage() != null && CLIENT_GONE.matcher(e.getMessage()).find();
  }

  /** One scrape's exchange: a client that went away is logged at DEBUG, in one line. */
  private static final class Scrape extends HttpExchangeAdapter {
    Scrape(HttpExchange exchange) {
      super(exchange);
    }

    @Override
    public void handleException(IOException e) throws IOException {
      if (clientGone(e)) {
        log.debug("metrics: the client closed its connection before its answer was sent ({})", e.getMessage());
        return;
      }
      super.handleException(e);
    }
  }
}
