package io.glassbox.launcher;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Debian's {@code chromium} in headless mode, driven over the Chrome DevTools Protocol (a
 * WebSocket, JSON messages): open a page, evaluate JavaScript in it, take a screenshot. Enough of
 * the protocol for the viewer's browser tests, with no driver library.
 */
final class HeadlessChromium implements AutoCloseable {
  private static final Pattern DEVTOOLS_URL = Pattern.compile("DevTools listening on (ws://\\S+)");
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);

  private final Process process;
  private final WebSocket socket;
  private final AtomicInteger nextId = new AtomicInteger();
  private final Map<Integer, CompletableFuture<Struct>> pending = new ConcurrentHashMap<>();
  /** Waiters for the next event of a kind, keyed by session id and event name. */
  private final Map<String, CompletableFuture<Struct>> events = new ConcurrentHashMap<>();
  private final List<String> output;

  private HeadlessChromium(Process process, WebSocket socket, List<String> output) {
    this.process = process;
    this.socket = socket;
    this.output = output;
  }

  /** Starts chromium with a fresh profile in {@code profile} and connects to it. */
  static HeadlessChromium start(Path profile) throws Exception {
    Process process = new ProcessBuilder(
        "chromium", "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--hide-scrollbars",
        "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
        "--user-data-dir=" + profile, "about:blank")
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
    // Chromium prints its DevTools address on stderr; the reader keeps draining it afterwards so
    // that the browser never blocks on a full pipe.
    CompletableFuture<String> address = new CompletableFuture<>();
    List<String> output = java.util.Collections.synchronizedList(new ArrayList<>());
    Thread reader = new Thread(() -> {
      try (BufferedReader lines = new BufferedReader(
          new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
          if (output.size() < 200) {
            output.add(line);
          }
          Matcher match = DEVTOOLS_URL.matcher(line);
          if (match.find()) {
            address.complete(match.group(1));
          }
        }
        address.completeExceptionally(new IOException("chromium exited: " + output));
      } catch (IOException e) {
        address.completeExceptionally(e);
      }
    }, "chromium-stderr");
    reader.setDaemon(true);
    reader.start();
    try {
      String url = address.get(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      HeadlessChromium[] self = new HeadlessChromium[1];
      WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder()
          .buildAsync(URI.create(url), new WebSocket.Listener() {
            private final StringBuilder message = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
              message.append(data);
              if (last) {
                self[0].dispatch(message.toString());
                message.setLength(0);
              }
              webSocket.request(1);
              return null;
            }
          }).get(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      self[0] = new HeadlessChromium(process, socket, output);
      return self[0];
    } catch (Exception e) {
      process.destroyForcibly();
      throw e;
    }
  }

  /** A new tab of {@code width} x {@code height} CSS pixels (device scale 1). */
  Page newPage(int width, int height) throws Exception {
    String targetId = call(null, "Target.createTarget", Map.of("url", "about:blank"))
        .getFieldsOrThrow("targetId").getStringValue();
    String session = call(null, "Target.attachToTarget", Map.of("targetId", targetId, "flatten", true))
        .getFieldsOrThrow("sessionId").getStringValue();
    Page page = new Page(session);
    call(session, "Emulation.setDeviceMetricsOverride",
        Map.of("width", width, "height", height, "deviceScaleFactor", 1, "mobile", false));
    call(session, "Page.enable", Map.of());
    return page;
  }

  /** One tab. */
  final class Page {
    private final String session;

    private Page(String session) {
      this.session = session;
    }

    /**
     * Gives the tab's browser the languages {@code tags} (comma-separated, most preferred first,
     * as a browser's language settings list them): the page's {@code navigator.languages}.
     */
    void setBrowserLanguages(String tags) throws Exception {
      String userAgent = evaluate("navigator.userAgent").getStringValue();
      call(session, "Emulation.setUserAgentOverride", Map.of("userAgent", userAgent, "acceptLanguage", tags));
    }

    /** Opens {@code uri} and waits for its load event (scripts have run, fetches may not). */
    void navigate(URI uri) throws Exception {
      CompletableFuture<Struct> loaded = new CompletableFuture<>();
      events.put(session + " Page.loadEventFired", loaded);
      Struct result = call(session, "Page.navigate", Map.of("url", uri.toString()));
      if (result.containsFields("errorText")) {
        throw new IOException("navigation failed: " + result.getFieldsOrThrow("errorText").getStringValue());
      }
      loaded.get(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    /**
     * Evaluates {@code expression} in the page (a promise is awaited) and returns its value,
     * which must be JSON-serializable; a thrown exception fails the call.
     */
    Value evaluate(String expression) throws Exception {
      Struct result = call(session, "Runtime.evaluate",
          Map.of("expression", expression, "returnByValue", true, "awaitPromise", true));
      if (result.containsFields("exceptionDetails")) {
        throw new AssertionError("page script failed: " + JsonFormat.printer()
            .print(result.getFieldsOrThrow("exceptionDetails")));
      }
      return result.getFieldsOrThrow("result").getStructValue().getFieldsOrDefault("value",
          Value.getDefaultInstance());
    }

    /**
     * Waits, inside the page's own event loop, until {@code condition} (a JavaScript expression)
     * is true; fails after {@code timeout}.
     */
    void await(String condition, Duration timeout) throws Exception {
      boolean met = evaluate("new Promise(resolve => { const end = Date.now() + " + timeout.toMillis()
          + "; const check = () => { if (" + condition + ") resolve(true); "
          + "else if (Date.now() > end) resolve(false); else setTimeout(check, 20); }; check(); })")
          .getBoolValue();
      if (!met) {
        throw new AssertionError("not met within " + timeout + ": " + condition);
      }
    }

    /**
     * The accessible names Chromium computes, as a screen reader gets them, of the elements that
     * {@code selector} matches, in document order.
     */
    List<String> accessibleNames(String selector) throws Exception {
      double document = call(session, "DOM.getDocument", Map.of("depth", 0)).getFieldsOrThrow("root")
          .getStructValue().getFieldsOrThrow("nodeId").getNumberValue();
      List<String> names = new ArrayList<>();
      for (Value node : call(session, "DOM.querySelectorAll", Map.of("nodeId", document, "selector", selector))
          .getFieldsOrThrow("nodeIds").getListValue().getValuesList()) {
        Struct tree = call(session, "Accessibility.getPartialAXTree",
            Map.of("nodeId", node.getNumberValue(), "fetchRelatives", false));
        Struct name = tree.getFieldsOrThrow("nodes").getListValue().getValues(0).getStructValue()
            .getFieldsOrDefault("name", Value.getDefaultInstance()).getStructValue();
        names.add(name.getFieldsOrDefault("value", Value.getDefaultInstance()).getStringValue());
      }
      return names;
    }

    /** A PNG of the page region {@code x, y, width, height} (CSS pixels, page coordinates). */
    byte[] screenshot(double x, double y, double width, double height) throws Exception {
      Struct result = call(session, "Page.captureScreenshot", Map.of("format", "png",
          "captureBeyondViewport", true,
          "clip", Map.of("x", x, "y", y, "width", width, "height", height, "scale", 1)));
      return Base64.getDecoder().decode(result.getFieldsOrThrow("data").getStringValue());
    }
  }

  private Struct call(String session, String method, Map<String, ?> params) throws Exception {
    int id = nextId.incrementAndGet();
    CompletableFuture<Struct> reply = new CompletableFuture<>();
    pending.put(id, reply);
    Struct.Builder message = Struct.newBuilder()
        .putFields("id", number(id))
        .putFields("method", Value.newBuilder().setStringValue(method).build())
        .putFields("params", toValue(params));
    if (session != null) {
      message.putFields("sessionId", Value.newBuilder().setStringValue(session).build());
    }
    socket.sendText(JsonFormat.printer().omittingInsignificantWhitespace().print(message), true)
        .get(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    try {
      return reply.get(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new TimeoutException(method + " got no answer; chromium said: " + output);
    } catch (ExecutionException e) {
      throw new IOException(method + " failed: " + e.getCause().getMessage(), e.getCause());
    } finally {
      pending.remove(id);
    }
  }

  /** Routes a reply to its waiting command, and an event to its waiter, if any. */
  private void dispatch(String json) {
    Struct message;
    try {
      Struct.Builder builder = Struct.newBuilder();
      JsonFormat.parser().merge(json, builder);
      message = builder.build();
    } catch (InvalidProtocolBufferException e) {
      throw new UncheckedIOException(e);
    }
    if (!message.containsFields("id")) {
      String key = message.getFieldsOrDefault("sessionId", Value.getDefaultInstance()).getStringValue()
          + " " + message.getFieldsOrDefault("method", Value.getDefaultInstance()).getStringValue();
      CompletableFuture<Struct> waiter = events.remove(key);
      if (waiter != null) {
        waiter.complete(message.getFieldsOrDefault("params", Value.getDefaultInstance()).getStructValue());
      }
      return;
    }
    CompletableFuture<Struct> reply =
        pending.get((int) message.getFieldsOrThrow("id").getNumberValue());
    if (reply == null) {
      return;
    }
    if (message.containsFields("error")) {
      reply.completeExceptionally(new IOException(message.getFieldsOrThrow("error").toString()));
    } else {
      reply.complete(message.getFieldsOrThrow("result").getStructValue());
    }
  }

  private static Value number(double value) {
    return Value.newBuilder().setNumberValue(value).build();
  }

  private static Value toValue(Object object) {
    if (object instanceof Map<?, ?> map) {
      Struct.Builder struct = Struct.newBuilder();
      map.forEach((key, value) -> struct.putFields((String) key, toValue(value)));
      return Value.newBuilder().setStructValue(struct).build();
    }
    if (object instanceof Number number) {
      return number(number.doubleValue());
    }
    if (object instanceof Boolean bool) {
      return Value.newBuilder().setBoolValue(bool).build();
    }
    return Value.newBuilder().setStringValue(String.valueOf(object)).build();
  }

  @Override
  public void close() throws InterruptedException {
    socket.abort();
    // Its renderer and helper processes too, listed while they are still its children: one still
    // writing into the profile folder made the test's temporary folder fail to delete.
    List<ProcessHandle> children = process.descendants().toList();
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    for (ProcessHandle child : children) {
      child.destroy();
      try {
        child.onExit().get(10, TimeUnit.SECONDS);
      } catch (ExecutionException | TimeoutException e) {
        child.destroyForcibly();
      }
    }
  }
}
