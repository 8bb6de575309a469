package io.glassbox.gateway.viewer;

import static java.util.Objects.requireNonNull;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.glassbox.server.ApiKeys;
import io.glassbox.server.CannotListenException;
import io.glassbox.server.HeadFirstHttpServer;
import io.glassbox.server.MessageLimits;
import io.glassbox.server.PortInUseException;
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
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The explanation viewer: one HTTP listener serving a static page and the JSON endpoints it calls.
 * The listener is server-kit's {@link HeadFirstHttpServer}, over plain HTTP or HTTPS alike: one
 * selector thread does every TLS handshake and reads every request's head without blocking, and
 * workers run only complete requests, so clients that send a byte (or half a handshake) and stall
 * hold a connection each, never a worker. The endpoints are thin: each is one call of the
 * public Gateway API through {@link ViewerApi}, so the page shows exactly what an RPC client gets.
 * With the gateway's TLS files the page is HTTPS with the same certificate, and requires a client
 * certificate signed by the same CA when the gateway does (mutual TLS): the page is as closed as
 * the API it calls, which it calls with the gateway's own client certificate.
 */
public final class ViewerServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ViewerServer.class);
  /**
   * The bounds of the listener. {@code threads} requests are handled at once (each handler may wait
   * for a gateway call up to its deadline); {@code queued} complete requests wait for a
   * thread (beyond, 503 saying every worker is busy), at most {@code connections} are open (beyond,
   * the oldest still waiting for its request is closed), a connection has {@code read} for its
   * request's head from when it opens or its last answer is sent, and the call's deadline plus
   * {@code answerGrace} to be handled, queued time included, then that again for its answer to be
   * written. Over HTTPS, {@code read} covers the TLS handshake too.
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

    /** Each connection's TLS: the context's defaults, with a client certificate needed when asked. */
    SSLParameters parameters() {
      SSLParameters parameters = context.getDefaultSSLParameters();
      parameters.setNeedClientAuth(clientCertificates);
      return parameters;
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
      return listen(address, https, handler, limits, answerLimit);
    } catch (IOException e) {
      // Said as a gRPC port is, with the settings to change (the JDK says only "Address already in use").
      BindException why = CannotListenException.of(e, address.getAddress().getHostAddress(),
          ViewerConfig.BIND_ADDRESS_KEY, address.getPort(), Optional.of(ViewerConfig.PORT_KEY));
      throw new ListenFailed((why instanceof PortInUseException ? "the viewer's " : "the viewer ") + why.getMessage(),
          why);
    }
  }

  private static ViewerServer listen(InetSocketAddress address, Optional<Https> https, HttpHandler handler,
      ExchangeLimits limits, Duration answerLimit) throws IOException {
    HttpHandler logged = exchange -> {
      try {
        handler.handle(exchange);
      } finally {
        // The request line, at DEBUG, as the JDK's server logs it (its query names the customer).
        log.debug("{} {} {} [{}]", exchange.getRequestMethod(), exchange.getRequestURI(), exchange.getProtocol(),
            exchange.getResponseCode());
      }
    };
    HeadFirstHttpServer.Limits bounds = new HeadFirstHttpServer.Limits(limits.connections(), limits.read(),
        MessageLimits.MAX_HTTP_HEADER_BYTES, answerLimit, limits.threads(), limits.queued());
    HeadFirstHttpServer server = https.isPresent()
        ? HeadFirstHttpServer.start("viewer", address, logged, bounds, https.get().context(), https.get().parameters())
        : HeadFirstHttpServer.start("viewer", address, logged, bounds);
    return started(https.isPresent() ? "https" : "http", new InetSocketAddress(address.getAddress(), server.port()),
        () -> server.close(DRAIN_TIMEOUT));
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
   * Stops taking new connections and requests at once, lets the requests in progress finish, for up
   * to two seconds, then closes every connection.
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
