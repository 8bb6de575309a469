package io.glassbox.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Key files changed under running servers and clients, on a loopback port, as Kubernetes changes
 * a mounted Secret: the file is a symlink through {@code ..data}, which is swapped to a new folder.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KeyReloadTest {
  private static final String POLL = "100ms";
  /** Several polls: a change must count within one, and a loaded machine may run late. */
  private static final Duration WITHIN = Duration.ofSeconds(5);
  private static final String OLD_KEY = "old-key-" + UUID.randomUUID();
  private static final String NEW_KEY = "new-key-" + UUID.randomUUID();

  @TempDir Path dir;
  private final Closer closer = new Closer();
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
  private final Logger reloadLog = (Logger) LoggerFactory.getLogger(ReloadingFile.class);
  private int version;

  @BeforeEach
  void captureLogs() {
    logged.start();
    reloadLog.addAppender(logged);
  }

  @AfterEach
  void tearDown() throws Exception {
    reloadLog.detachAppender(logged);
    closer.close();
  }

  @Test
  void keyAddedToTheFile_isAccepted_withoutRestart() throws IOException, InterruptedException {
    Path keys = secret("api-keys", line(OLD_KEY, "glassbox-internal"));
    GrpcServer server = start(keys);
    ManagedChannel presentingNew = channel(server, ClientSettings.plaintext().withApiKey(NEW_KEY));
    assertEquals(Status.Code.UNAUTHENTICATED, refusal(presentingNew));

    update("api-keys", line(NEW_KEY, "glassbox-internal") + line(OLD_KEY, "glassbox-internal.retiring"));

    await("the added key is accepted", () -> answers(presentingNew));
    assertTrue(answers(channel(server, ClientSettings.plaintext().withApiKey(OLD_KEY))));
    assertTrue(said(Level.INFO, "api keys reloaded: 2 keys from " + keys), logged.list.toString());
  }

  @Test
  void keyRemovedFromTheFile_isRefused_withoutRestart() throws IOException, InterruptedException {
    GrpcServer server = start(secret("api-keys", line(NEW_KEY, "glassbox-internal")
        + line(OLD_KEY, "glassbox-internal.retiring")));
    ManagedChannel presentingOld = channel(server, ClientSettings.plaintext().withApiKey(OLD_KEY));
    assertTrue(answers(presentingOld));

    update("api-keys", line(NEW_KEY, "glassbox-internal"));

    await("the removed key is refused", () -> !answers(presentingOld));
    assertEquals(Status.Code.UNAUTHENTICATED, refusal(presentingOld));
    assertTrue(answers(channel(server, ClientSettings.plaintext().withApiKey(NEW_KEY))));
  }

  @Test
  void invalidFile_keepsTheKeysInForce_warnsOnce_andIsTakenOnceFixed() throws IOException, InterruptedException {
    Path keys = secret("api-keys", line(OLD_KEY, "glassbox-internal"));
    ServerSettings settings = settings(keys);
    GrpcServer server = start(settings);
    ManagedChannel presentingOld = channel(server, ClientSettings.plaintext().withApiKey(OLD_KEY));
    ManagedChannel presentingNew = channel(server, ClientSettings.plaintext().withApiKey(NEW_KEY));

    update("api-keys", line(NEW_KEY, "glassbox-internal") + "client not-a-hash shop\n");
    await("the change is refused", () -> reloadFailures(server) == 1);
    settings.apiKeys().check();
    settings.apiKeys().check();

    assertTrue(answers(presentingOld), "the keys in force stay");
    assertEquals(Status.Code.UNAUTHENTICATED, refusal(presentingNew));
    assertEquals(1, reloadFailures(server), "one failure per change");
    List<ILoggingEvent> warnings = logged.list.stream().filter(e -> e.getLevel() == Level.WARN).toList();
    assertEquals(1, warnings.size(), warnings.toString());
    assertTrue(warnings.get(0).getFormattedMessage().contains("keeping the 1 key in force")
        && warnings.get(0).getFormattedMessage().contains(
            "GLASSBOX_API_KEYS_FILE=" + keys + " line 2: the key hash must be 64 hex digits"),
        warnings.get(0).getFormattedMessage());

    update("api-keys", line(NEW_KEY, "glassbox-internal"));

    await("the fixed file is taken", () -> answers(presentingNew));
    assertEquals(Status.Code.UNAUTHENTICATED, refusal(presentingOld));
  }

  @Test
  void clientKeyFileChanged_everyChannelPresentsTheNewKey_readByOneThread() throws IOException, InterruptedException {
    Path clientKey = secret("client-key", OLD_KEY + "\n");
    ClientSettings client = ClientSettings.load(ConfigSource.of(Map.of(
        ClientSettings.KEY_FILE_KEY, clientKey.toString(), ReloadingFile.POLL_KEY, POLL)));
    // The server owns the client key, as the explain service does the key its channels present.
    GrpcServer server = closer.add(GrpcServer.onPort("reload-test", 0, settings(secret("api-keys",
        line(NEW_KEY, "glassbox-internal")))).addService(EchoService.echo()).watchClientKey(client).start());
    List<ManagedChannel> callers = List.of(channel(server, client), channel(server, client), channel(server, client));
    for (ManagedChannel caller : callers) {
      assertEquals(Status.Code.UNAUTHENTICATED, refusal(caller));
    }
    assertEquals(List.of("reload-test-client-key"), threadsReading("client-key"), "one thread reads the file");

    update("client-key", NEW_KEY + "\n");

    await("every channel presents the new key", () -> callers.stream().allMatch(KeyReloadTest::answers));
    // What make-secrets.sh prints for the key, and not the key's sha256 (an offline guess of a chosen key).
    assertEquals(ClientSettings.keyVersion(NEW_KEY), loadedVersion(server, "glassbox_client_key_loaded"));
    assertFalse(ApiKeys.sha256Hex(NEW_KEY).startsWith(loadedVersion(server, "glassbox_client_key_loaded")));
    assertFalse(ApiKeys.sha256Hex(NEW_KEY + "\n").startsWith(loadedVersion(server, "glassbox_client_key_loaded")));
    assertEquals(1, logged.list.stream().filter(e -> e.getFormattedMessage().startsWith("client key reloaded")).count(),
        logged.list.toString());
  }

  @Test
  void pollUnder100ms_isRefusedAtStart_namingTheSetting() {
    // 0.5 ms passed as a duration but was 0 ms to the scheduler: the server failed after binding its port.
    ConfigSource source = ConfigSource.of(Map.of(ApiKeys.FILE_KEY, "unread", ClientSettings.KEY_FILE_KEY, "unread",
        ReloadingFile.POLL_KEY, "PT0.0005S"));
    for (ConfigException e : List.of(assertThrows(ConfigException.class, () -> ServerSettings.load(source, 0)),
        assertThrows(ConfigException.class, () -> ClientSettings.load(source)))) {
      assertEquals("GLASSBOX_KEY_FILES_POLL must be from 100ms to 5 minutes, got \"PT0.0005S\"", e.getMessage());
    }
  }

  @Test
  void startFailingAfterItsPortIsBound_leavesThePortFree() throws IOException {
    ServerSettings settings = settings(secret("api-keys", line(OLD_KEY, "glassbox-internal")));
    start(settings);
    int port = freePort();

    // The keys file is read again by the first server already: the second's start fails once it listens.
    assertThrows(IllegalStateException.class,
        () -> GrpcServer.onPort("reload-test", port, settings).addService(EchoService.echo()).start());

    GrpcServer again = closer.add(GrpcServer.onPort("reload-test", port).addService(EchoService.echo()).start());
    assertEquals(port, again.port());
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  @Test
  void versions_areWhatMakeSecretsPrints() throws IOException {
    // deploy/make-secrets.sh: printf 'glassbox client key %s' "$key" | sha256sum | cut -c1-8
    assertEquals("1f8edb06", ClientSettings.keyVersion("example-key"));
    Path keys = secret("api-keys", line(OLD_KEY, "glassbox-internal"));
    // ... and sha256sum api-keys | cut -c1-16
    assertEquals(ApiKeys.sha256Hex(Files.readString(keys)).substring(0, 16),
        loadedVersion(start(keys), "glassbox_api_keys_loaded"));
  }

  /** The {@code version} label of a server's {@code name} gauge. */
  private static String loadedVersion(GrpcServer server, String name) {
    return server.metrics().scrape().stream()
        .filter(m -> m.getMetadata().getPrometheusName().equals(name))
        .flatMap(m -> ((GaugeSnapshot) m).getDataPoints().stream())
        .map(point -> point.getLabels().get("version"))
        .findFirst().orElseThrow();
  }

  /** The names of the live threads whose name holds {@code part}. */
  private static List<String> threadsReading(String part) {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
        .filter(name -> name.contains(part)).toList();
  }

  private static String line(String key, String name) {
    return "client " + ApiKeys.sha256Hex(key) + " " + name + "\n";
  }

  /**
   * Writes {@code name} as the kubelet mounts a Secret in a folder of its own:
   * {@code name-mount/name} is a symlink to {@code ..data/name}, and {@code ..data} a symlink to a
   * folder holding this version.
   */
  private Path secret(String name, String content) throws IOException {
    Path mount = Files.createDirectory(dir.resolve(name + "-mount"));
    update(name, content);
    return Files.createSymbolicLink(mount.resolve(name), Path.of("..data", name));
  }

  /** Changes {@code name} as the kubelet does: a new folder, and {@code ..data} swapped to it at once. */
  private void update(String name, String content) throws IOException {
    Path mount = dir.resolve(name + "-mount");
    Path folder = Files.createDirectory(mount.resolve("..version-" + ++version));
    Files.writeString(folder.resolve(name), content);
    Path next = Files.createSymbolicLink(mount.resolve("..data_tmp"), folder.getFileName());
    Files.move(next, mount.resolve("..data"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static ServerSettings settings(Path keys) {
    return ServerSettings.load(ConfigSource.of(Map.of(ApiKeys.FILE_KEY, keys.toString(), ReloadingFile.POLL_KEY, POLL)),
        0);
  }

  private GrpcServer start(Path keys) {
    return start(settings(keys));
  }

  private GrpcServer start(ServerSettings settings) {
    return closer.add(GrpcServer.onPort("reload-test", 0, settings).addService(EchoService.echo()).start());
  }

  private ManagedChannel channel(GrpcServer server, ClientSettings settings) {
    ManagedChannel channel = ClientChannels.forTarget("127.0.0.1:" + server.port(), settings, Retries.none());
    closer.add(channel::shutdownNow);
    return channel;
  }

  private static boolean answers(ManagedChannel channel) {
    try {
      return "hi".equals(EchoService.call(channel, "hi"));
    } catch (StatusRuntimeException e) {
      return false;
    }
  }

  private static Status.Code refusal(ManagedChannel channel) {
    return assertThrows(StatusRuntimeException.class, () -> EchoService.call(channel, "hi")).getStatus().getCode();
  }

  /** The server's {@code glassbox_api_keys_reload_failures_total}. */
  private static double reloadFailures(GrpcServer server) {
    return server.metrics().scrape().stream()
        .filter(m -> m.getMetadata().getPrometheusName().equals("glassbox_api_keys_reload_failures"))
        .map(m -> (CounterSnapshot) m)
        .flatMap(m -> m.getDataPoints().stream())
        .mapToDouble(CounterSnapshot.CounterDataPointSnapshot::getValue)
        .findFirst().orElseThrow();
  }

  private boolean said(Level level, String text) {
    return logged.list.stream().anyMatch(e -> e.getLevel() == level && e.getFormattedMessage().contains(text));
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + WITHIN.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        fail(what + " within " + WITHIN);
      }
      TimeUnit.MILLISECONDS.sleep(10);
    }
  }
}
