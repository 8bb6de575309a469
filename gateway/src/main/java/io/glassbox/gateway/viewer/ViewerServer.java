package io.glassbox.gateway.viewer;

import static java.util.Objects.requireNonNull;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.glassbox.server.ApiKeys;
import io.glassbox.server.CannotListenException;
import io.glassbox.server.MessageLimits;
import io.glassbox.server.PortInUseException;
import io.glassbox.server.TimeLimitedExchanges;
import io.glassbox.server.TlsSettings;
import io.grpc.Channel;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The explanation viewer: one HTTP listener (the JDK's {@code com.sun.net.httpserver}) serving a
 * static page and the JSON endpoints it calls. The endpoints are thin: each is one call of the
 * public Gateway API through {@link ViewerApi}, so the page shows exactly what an RPC client gets.
 * With the gateway's TLS files the page is HTTPS with the same certificate, and requires a client
 * certificate signed by the same CA when the gateway does (mutual TLS): the page is as closed as
 * the API it calls, which it calls with the gateway's own client certificate.
 */
public final class ViewerServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ViewerServer.class);
  /**
   * How many exchanges run at once, each on a thread ({@code threads}; beyond, a new connection is
   * closed), how long a connection has from its first byte to finish its request headers and, over
   * HTTPS, the TLS handshake before them ({@code read}), and how long past the gateway call's
   * deadline a client has to take its answer ({@code answerGrace}). The server reads each request
   * on the thread that runs it, so a connection that has sent part of its request holds a thread
   * until it finishes or the read limit closes it.
   */
  record ExchangeLimits(int threads, Duration read, Duration answerGrace) {
    /** The page answers beside a hundred stalled connections, and closes them within 5 s. */
    static final ExchangeLimits DEFAULT = new ExchangeLimits(128, Duration.ofSeconds(5), Duration.ofSeconds(10));
  }

  private static final String STATIC_ROOT = "/io/glassbox/gateway/viewer/static/";
  private static final Map<String, String> STATIC_FILES = Map.of(
      "/", "index.html",
      "/viewer.js", "viewer.js",
      "/viewer.css", "viewer.css");

  /** How long {@link #close} lets requests in progress finish. */
  private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(2);

  private final HttpServer server;
  private final TimeLimitedExchanges exchanges;
  private final URI uri;
  private final InFlight inFlight;
  private boolean closed;

  private ViewerServer(HttpServer server, TimeLimitedExchanges exchanges, URI uri, InFlight inFlight) {
    this.server = server;
    this.exchanges = exchanges;
    this.uri = uri;
    this.inFlight = inFlight;
  }

  /** The page's port could not be bound (in use, say): the gateway can run without the page. */
  public static final class ListenFailed extends UncheckedIOException {
    ListenFailed(String message, IOException cause) {
      super(message, cause);
    }
  }

  /**
   * The page's HTTPS: the gateway's certificate and key, and whether a client certificate signed
   * by its CA is required (mutual TLS).
   */
  public record Https(SSLContext context, boolean clientCertificates) {
    /** The HTTPS the gateway's TLS files ask for; empty without TLS. Fails on files it cannot use. */
    public static Optional<Https> of(TlsSettings tls) {
      return tls.enabled() ? tls.sslContext().map(context -> new Https(context, tls.mutual())) : Optional.empty();
    }
  }

  /**
   * Starts listening on {@code address} (port 0 picks a free one), over {@code https} when given,
   * else plain HTTP. {@code gateway} is a channel to the public Gateway service; {@code deadline}
   * bounds each call made on it; {@code exampleUsers} are offered on the page as one-click
   * examples, to callers with a key of {@code keys} (the gateway's, as they are now) when it has any.
   */
  public static ViewerServer start(InetSocketAddress address, Optional<Https> https, List<String> exampleUsers,
      Supplier<ApiKeys> keys, Channel gateway, Duration deadline) {
    return start(address, https, exampleUsers, keys, gateway, deadline, ExchangeLimits.DEFAULT);
  }

  static ViewerServer start(InetSocketAddress address, Optional<Https> https, List<String> exampleUsers,
      Supplier<ApiKeys> keys, Channel gateway, Duration deadline, ExchangeLimits limits) {
    ViewerApi api = new ViewerApi(requireNonNull(gateway, "gateway"), deadline, exampleUsers, keys);
    Map<String, StaticFile> files = loadStaticFiles();
    TimeLimitedExchanges exchanges =
        new TimeLimitedExchanges("viewer", limits.threads(), limits.read(), deadline.plus(limits.answerGrace()));
    MessageLimits.limitHttpHeaders();
    HttpServer server;
    try {
      server = https.isPresent() ? https(address, https.get()) : HttpServer.create(address, 0);
    } catch (IOException e) {
      exchanges.close();
      // Said as a gRPC port is, with the settings to change (the JDK says only "Address already in use").
      BindException why = CannotListenException.of(e, address.getAddress().getHostAddress(),
          ViewerConfig.BIND_ADDRESS_KEY, address.getPort(), Optional.of(ViewerConfig.PORT_KEY));
      throw new ListenFailed((why instanceof PortInUseException ? "the viewer's " : "the viewer ") + why.getMessage(),
          why);
    }
    server.setExecutor(exchanges);
    InFlight inFlight = new InFlight();
    server.createContext("/", exchange -> {
      // The request is read (the handler is only called then): the answer's limit applies now.
      exchanges.answering();
      inFlight.begin();
      try {
        handle(exchange, api, files);
      } finally {
        inFlight.end();
      }
    });
    server.start();
    InetSocketAddress bound = server.getAddress();
    URI uri = URI.create((https.isPresent() ? "https" : "http") + "://" + hostForUri(bound) + ":" + bound.getPort()
        + "/");
    log.info("viewer listening on {}", uri);
    return new ViewerServer(server, exchanges, uri, inFlight);
  }

  private static HttpsServer https(InetSocketAddress address, Https https) throws IOException {
    HttpsServer server = HttpsServer.create(address, 0);
    server.setHttpsConfigurator(new HttpsConfigurator(https.context()) {
      @Override
      public void configure(HttpsParameters params) {
        SSLParameters parameters = getSSLContext().getDefaultSSLParameters();
        parameters.setNeedClientAuth(https.clientCertificates());
        params.setSSLParameters(parameters);
      }
    });
    return server;
  }

  /** Where the page is served, e.g. {@code http://127.0.0.1:8080/}. */
  public URI uri() {
    return uri;
  }

  /** Lets requests in progress finish (for up to two seconds), then stops listening. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    // HttpServer.stop(delay) waits the whole delay unless a request happens to end meanwhile,
    // so the drain is awaited here and the server stopped without delay.
    inFlight.awaitIdle(DRAIN_TIMEOUT);
    server.stop(0);
    exchanges.close();
    log.info("viewer stopped");
  }

  /** Counts requests being handled, so that {@link #close} can wait for them. */
  private static final class InFlight {
    private int count;

    synchronized void begin() {
      count++;
    }

    synchronized void end() {
      count--;
      notifyAll();
    }

    synchronized void awaitIdle(Duration timeout) {
      long deadline = System.nanoTime() + timeout.toNanos();
      try {
        for (long left = timeout.toNanos(); count > 0 && left > 0; left = deadline - System.nanoTime()) {
          TimeUnit.NANOSECONDS.timedWait(this, left);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static void handle(HttpExchange exchange, ViewerApi api, Map<String, StaticFile> files)
      throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getRawPath();
      if (!"GET".equals(exchange.getRequestMethod()) && !isHead(exchange)) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        sendError(exchange, new ViewerException(405, "only GET and HEAD are supported"));
        return;
      }
      StaticFile file = files.get(path);
      if (file != null) {
        send(exchange, 200, file.contentType(), file.bytes());
        return;
      }
      if (!path.startsWith("/api/")) {
        sendError(exchange, new ViewerException(404, "no such page"));
        return;
      }
      try {
        String json = api.handle(path, exchange.getRequestURI().getRawQuery(),
            exchange.getRequestHeaders().getFirst("Authorization"));
        send(exchange, 200, "application/json; charset=utf-8",
            json.getBytes(StandardCharsets.UTF_8));
      } catch (ViewerException e) {
        sendError(exchange, e);
      } catch (RuntimeException e) {
        log.warn("viewer request failed", e);
        sendError(exchange, new ViewerException(500, "internal error"));
      }
    }
  }

  private static void sendError(HttpExchange exchange, ViewerException error) throws IOException {
    byte[] body = ViewerApi.errorJson(error).getBytes(StandardCharsets.UTF_8);
    send(exchange, error.httpStatus(), "application/json; charset=utf-8", body);
  }

  private static void send(HttpExchange exchange, int status, String contentType, byte[] body)
      throws IOException {
    Headers headers = exchange.getResponseHeaders();
    headers.set("Content-Type", contentType);
    headers.set("X-Content-Type-Options", "nosniff");
    headers.set("Referrer-Policy", "no-referrer");
    headers.set("Cache-Control", "no-store");
    // Everything the page needs comes from this server; it is never framed.
    headers.set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; "
        + "frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
    if (isHead(exchange)) {
      // The GET answer's headers without its body (a health check's HEAD /). The JDK sends no body
      // for HEAD and wants its length as a header, not as the argument (it warns otherwise).
      headers.set("Content-Length", Integer.toString(body.length));
      exchange.sendResponseHeaders(status, -1);
      return;
    }
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  private static boolean isHead(HttpExchange exchange) {
    return "HEAD".equals(exchange.getRequestMethod());
  }

  private record StaticFile(String contentType, byte[] bytes) {}

  private static Map<String, StaticFile> loadStaticFiles() {
    Map<String, StaticFile> files = new java.util.HashMap<>();
    STATIC_FILES.forEach((path, name) -> {
      try (InputStream in = ViewerServer.class.getResourceAsStream(STATIC_ROOT + name)) {
        if (in == null) {
          throw new IllegalStateException("viewer resource missing: " + name);
        }
        files.put(path, new StaticFile(contentType(name), in.readAllBytes()));
      } catch (IOException e) {
        throw new UncheckedIOException("viewer resource unreadable: " + name, e);
      }
    });
    return Map.copyOf(files);
  }

  private static String contentType(String name) {
    if (name.endsWith(".html")) {
      return "text/html; charset=utf-8";
    }
    if (name.endsWith(".js")) {
      return "text/javascript; charset=utf-8";
    }
    return "text/css; charset=utf-8";
  }

  private static String hostForUri(InetSocketAddress bound) {
    String host = bound.getAddress().isAnyLocalAddress()
        ? "localhost" : bound.getAddress().getHostAddress();
    return host.contains(":") ? "[" + host + "]" : host;
  }
}
