package io.glassbox.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Plain-HTTP probes on the metrics port, for probers that cannot speak the gRPC health protocol
 * over TLS (the kubelet's gRPC probe is plaintext only): {@code GET /ready} answers 200
 * {@code SERVING} exactly while the gRPC health service reports the server's services SERVING and
 * 503 {@code NOT_SERVING} otherwise (before start-up finished, while a backend they need is down,
 * while draining, and for good once the served certificate has expired: then {@code NOT_SERVING:}
 * and why, on one line); {@code GET /started} answers 200 {@code SERVING} exactly while the overall gRPC
 * health status (service {@code ""}) is SERVING: once start-up has finished, whether or not a
 * backend answers, which is what a startup probe must ask (a Redis outage at start must not hold
 * the start back until the kubelet kills the pod); {@code GET /live} answers 200 while the process
 * serves HTTP at all (a draining server is alive: restarting it would cut the drain short; nor
 * would a restart bring a backend back). Anything else is 404; a method other than GET or HEAD is
 * 405.
 */
final class ProbeEndpoints implements HttpHandler {
  static final String READY_PATH = "/ready";
  static final String STARTED_PATH = "/started";
  static final String LIVE_PATH = "/live";

  private volatile boolean serving;
  private volatile boolean started;
  private volatile Optional<String> notServingBecause = Optional.empty();

  /** Whether the server's services answer: {@code /ready}. */
  void serving(boolean serving) {
    this.serving = serving;
  }

  /**
   * Why {@code /ready} and {@code /started} answer NOT_SERVING, when that is known here (a served
   * certificate that expired): said after it on the same line.
   */
  void notServingBecause(Optional<String> reason) {
    this.notServingBecause = reason;
  }

  /** Whether the overall health status is SERVING: {@code /started}. */
  void started(boolean started) {
    this.started = started;
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      if (!"GET".equals(method) && !"HEAD".equals(method)) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        respond(exchange, 405, "use GET\n");
        return;
      }
      switch (exchange.getRequestURI().getPath()) {
        case READY_PATH -> status(exchange, serving);
        case STARTED_PATH -> status(exchange, started);
        case LIVE_PATH -> respond(exchange, 200, "alive\n");
        default -> respond(exchange, 404,
            "probes: " + READY_PATH + ", " + STARTED_PATH + ", " + LIVE_PATH + "; metrics: /metrics\n");
      }
    }
  }

  private void status(HttpExchange exchange, boolean serving) throws IOException {
    if (serving) {
      respond(exchange, 200, "SERVING\n");
    } else {
      respond(exchange, 503, notServingBecause.map(reason -> "NOT_SERVING: " + reason + "\n").orElse("NOT_SERVING\n"));
    }
  }

  private static void respond(HttpExchange exchange, int code, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    boolean head = "HEAD".equals(exchange.getRequestMethod());
    exchange.sendResponseHeaders(code, head ? -1 : bytes.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }
}
