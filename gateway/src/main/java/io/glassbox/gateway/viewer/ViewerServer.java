package io.glassbox.gateway.viewer;

import static java.util.Objects.requireNonNull;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.glassbox.server.ApiKeys;
import io.glassbox.server.CannotListenException;
import io.glassbox.server.HeadFirstHttpServer;
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
 * The explanation viewer: one HTTP listener serving a static page and the JSON endpoints it calls.
 * Plain HTTP is server-kit's {@link HeadFirstHttpServer}: one selector thread reads every request's
 * head without blocking and workers run only complete requests, so clients that send a byte and
 * stall hold a connection each, never a worker. HTTPS is still the JDK's {@code HttpsServer}, which
 * reads each request (and the handshake before it) on the thread that runs it. The endpoints are thin: each is one call of the
 * public Gateway API through {@link ViewerApi}, so the page shows exactly what an RPC client gets.
 * With the gateway's TLS files the page is HTTPS with the same certificate, and requires a client
 * certificate signed by the same CA when the gateway does (mutual TLS): the page is as closed as
 * the API it calls, which it calls with the gateway's own client certificate.
 */
public final class ViewerServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ViewerServer.class);
  /**
   * The bounds of the listener. {@code threads} requests are handled at once (each handler may wait
   * for a gateway call up to its deadline). Over HTTP: {@code queued} complete requests wait for a
   * thread (beyond, 503 saying every worker is busy), at most {@code connections} are open (beyond,
   * the oldest still waiting for its request is closed), a connection has {@code read} for its
   * request's head from when it opens or its last answer is sent, and the call's deadline plus
   * {@code answerGrace} to be handled, queued time included, then that again for its answer to be
   * written. Over HTTPS (the JDK's server) a thread reads each request: a connection holds one from
   * its first byte, {@code read} for the TLS handshake and the request's head, then the deadline
   * plus {@code answerGrace} to answer; with every thread taken, a new connection is closed.
   */
  record ExchangeLimits(int threads, int queued, int connections, Duration read, Duration answerGrace) {
    /** The page answers beside hundreds of stalled connections, and closes them within 5 s. */
    static final ExchangeLimits DEFAULT =
        new ExchangeLimits(128, 256, 1024, Duration.ofSeconds(5), Duration.ofSeconds(10));
  }

  private static final String STATIC_ROOT = "/io/glassbox/gateway/viewer/static/";
  private static final Map<String, String> STATIC_FILES = Map.of(
      "/", "index.html",
      "/viewer.js", "viewer.js",
      "/viewer.css", "viewer.css");

  /** How long {@link #close} lets requests in progress finish. */
  private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(2);

  private final URI uri;
  /** Lets the requests in progress finish, for up to {@link #DRAIN_TIMEOUT}, then stops listening. */
  private final Runnable drainAndStop;
  private boolean closed;

  private ViewerServer(URI uri, Runnable drainAndStop) {
    this.uri = uri;
    this.drainAndStop = drainAndStop;
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
    HttpHandler handler = exchange -> handle(exchange, api, files);
    Duration answerLimit = deadline.plus(limits.answerGrace());
    try {
      return https.isPresent()
          ? https(address, https.get(), handler, limits, answerLimit)
          : http(address, handler, limits, answerLimit);
    } catch (IOException e) {
      // Said as a gRPC port is, with the settings to change (the JDK says only "Address already in use").
      BindException why = CannotListenException.of(e, address.getAddress().getHostAddress(),
          ViewerConfig.BIND_ADDRESS_KEY, address.getPort(), Optional.of(ViewerConfig.PORT_KEY));
      throw new ListenFailed((why instanceof PortInUseException ? "the viewer's " : "the viewer ") + why.getMessage(),
          why);
    }
  }

  private static ViewerServer http(InetSocketAddress address, HttpHandler handler, ExchangeLimits limits,
      Duration answerLimit) throws IOException {
    HttpHandler logged = exchange -> {
      try {
        handler.handle(exchange);
      } finally {
        // The request line, at DEBUG, as the JDK's server logs it (its query names the customer).
        log.debug("{} {} {} [{}]", exchange.getRequestMethod(), exchange.getRequestURI(), exchange.getProtocol(),
            exchange.getResponseCode());
      }
    };
    HeadFirstHttpServer server = HeadFirstHttpServer.start("viewer", address, logged,
        new HeadFirstHttpServer.Limits(limits.connections(), limits.read(), MessageLimits.MAX_HTTP_HEADER_BYTES,
            answerLimit, limits.threads(), limits.queued()));
    return started("http", new InetSocketAddress(address.getAddress(), server.port()),
        () -> server.close(DRAIN_TIMEOUT));
  }

  private static ViewerServer https(InetSocketAddress address, Https https, HttpHandler handler,
      ExchangeLimits limits, Duration answerLimit) throws IOException {
    TimeLimitedExchanges exchanges = new TimeLimitedExchanges("viewer", limits.threads(), limits.read(), answerLimit);
    MessageLimits.limitHttpHeaders();
    HttpsServer server;
    try {
      server = HttpsServer.create(address, 0);
    } catch (IOException e) {
      exchanges.close();
      throw e;
    }
    server.setHttpsConfigurator(new HttpsConfigurator(https.context()) {
      @Override
      public void configure(HttpsParameters params) {
        SSLParameters parameters = getSSLContext().getDefaultSSLParameters();
        parameters.setNeedClientAuth(https.clientCertificates());
        params.setSSLParameters(parameters);
      }
    });
    server.setExecutor(exchanges);
    InFlight inFlight = new InFlight();
    server.createContext("/", exchange -> {
      // The request is read (the handler is only called then): the answer's limit applies now.
      exchanges.answering();
      inFlight.begin();
      try {
        handler.handle(exchange);
      } finally {
        inFlight.end();
      }
    });
    server.start();
    return started("https", server.getAddress(), () -> {
      // HttpServer.stop(delay) waits the whole delay unless a request happens to end meanwhile,
      // so the drain is awaited here and the server stopped without delay.
      inFlight.awaitIdle(DRAIN_TIMEOUT);
      server.stop(0);
      exchanges.close();
    });
  }

  private static ViewerServer started(String scheme, InetSocketAddress bound, Runnable drainAndStop) {
    URI uri = URI.create(scheme + "://" + hostForUri(bound) + ":" + bound.getPort() + "/");
    log.info("viewer listening on {}", uri);
    return new ViewerServer(uri, drainAndStop);
  }

  /** Where the page is served, e.g. {@code http://127.0.0.1:8080/}. */
  public URI uri() {
    return uri;
  }

  /**
   * Lets requests in progress finish, for up to two seconds, then stops listening (over HTTP it stops
   * taking new connections and requests at once).
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    drainAndStop.run();
    log.info("viewer stopped");
  }

  /** Counts the HTTPS requests being handled, so that {@link #close} can wait for them. */
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
