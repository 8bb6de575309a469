package io.glassbox.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.MetadataUtils;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** API keys, roles, admin services, rate limits and the loopback rule, over real servers. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SecurityTest {
  private static final String CLIENT_KEY = "client-key-" + UUID.randomUUID();
  private static final String ADMIN_KEY = "admin-key-" + UUID.randomUUID();
  private static final String INTERNAL_KEY = "internal-key-" + UUID.randomUUID();
  private static final String ADMIN_SERVICE = "test.EchoAdmin";
  /** A rate-limit refusal at 5 calls a second, as a pattern, after the key's name. */
  private static final String RATE_LIMIT_OF_5 = "this replica's rate limit of 5 calls per second \\(the limit is per"
      + " replica: each counts only the calls it receives\\); the call did not run, nothing was stored";
  /** The end of a rate-limit refusal, as a pattern whose group 1 is the milliseconds to wait. */
  private static final String RETRY_IN = ": retry in (\\d+) ms or later";

  @TempDir Path dir;
  private final String name = "security-test-" + UUID.randomUUID();
  private final Closer closer = new Closer();

  @AfterEach
  void tearDown() throws Exception {
    closer.close();
  }

  @Test
  void call_withoutKey_isUnauthenticated() {
    start(settings());

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> EchoService.call(channel(name, ClientSettings.plaintext()), "hi"));

    assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains("authorization: Bearer"), e.getStatus().getDescription());
  }

  @Test
  void call_withUnknownKey_isUnauthenticated() {
    start(settings());

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> EchoService.call(channel(name, ClientSettings.plaintext().withApiKey("guessed")), "hi"));

    assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
  }

  @Test
  void call_withTheBearerSchemeInAnyCase_isAnswered() {
    start(settings());

    for (String scheme : List.of("bearer", "BEARER", "bEaReR")) {
      assertEquals("hi", EchoService.call(withAuthorization(scheme + " " + CLIENT_KEY), "hi"), scheme);
    }
  }

  @Test
  void call_withAnotherScheme_isUnauthenticated_sayingTheSchemeIsWrong() {
    start(settings());

    StatusRuntimeException basic = assertThrows(StatusRuntimeException.class,
        () -> EchoService.call(withAuthorization("Basic " + CLIENT_KEY), "hi"));
    StatusRuntimeException bare = assertThrows(StatusRuntimeException.class,
        () -> EchoService.call(withAuthorization(CLIENT_KEY), "hi"));

    assertEquals(Status.Code.UNAUTHENTICATED, basic.getStatus().getCode());
    assertEquals("test.Echo/Echo takes an API key in the Bearer scheme; the authorization metadata has the scheme "
        + "\"Basic\": send metadata \"authorization: Bearer <key>\"", basic.getStatus().getDescription());
    // A value without a scheme may be the key itself: it is not quoted back.
    assertEquals(Status.Code.UNAUTHENTICATED, bare.getStatus().getCode());
    assertEquals("test.Echo/Echo takes an API key in the Bearer scheme; the authorization metadata has no scheme: "
        + "send metadata \"authorization: Bearer <key>\"", bare.getStatus().getDescription());
  }

  @Test
  void call_withClientKey_isAnswered_andAdminKeyToo() {
    start(settings());

    assertEquals("hi", EchoService.call(channel(name, ClientSettings.plaintext().withApiKey(CLIENT_KEY)), "hi"));
    assertEquals("hi", EchoService.call(channel(name, ClientSettings.plaintext().withApiKey(ADMIN_KEY)), "hi"));
  }

  @Test
  void adminService_withClientKey_isPermissionDenied_withAdminKeyAnswered() {
    start(settings());
    ManagedChannel client = channel(name + "-admin", ClientSettings.plaintext().withApiKey(CLIENT_KEY));
    ManagedChannel admin = channel(name + "-admin", ClientSettings.plaintext().withApiKey(ADMIN_KEY));

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> EchoService.call(client, EchoService.method(ADMIN_SERVICE), CallOptions.DEFAULT, "reload"));

    assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains("admin role"), e.getStatus().getDescription());
    assertEquals("reload", EchoService.call(admin, EchoService.method(ADMIN_SERVICE), CallOptions.DEFAULT, "reload"));
  }

  @Test
  void adminService_isNotServedOnTheMainPort() {
    start(settings());

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> EchoService.call(
        channel(name, ClientSettings.plaintext().withApiKey(ADMIN_KEY)),
        EchoService.method(ADMIN_SERVICE), CallOptions.DEFAULT, "reload"));

    assertEquals(Status.Code.UNIMPLEMENTED, e.getStatus().getCode());
  }

  @Test
  void health_staysOpenWithoutKey() {
    GrpcServer server = start(settings());
    server.setServing(true);

    ServingStatus status = HealthGrpc.newBlockingStub(channel(name, ClientSettings.plaintext()))
        .check(HealthCheckRequest.getDefaultInstance()).getStatus();

    assertEquals(ServingStatus.SERVING, status);
  }

  @Test
  void rateLimit_perKey_refusesTheCallsPastTheBurst_withResourceExhausted() {
    ServerSettings limited = settings();
    start(new ServerSettings(limited.bindAddress(), limited.adminBindAddress(), limited.apiKeys().current(),
        limited.tls(), 0, 64, 100, 5));
    ManagedChannel client = channel(name, ClientSettings.plaintext().withApiKey(CLIENT_KEY));

    int answered = 0;
    StatusRuntimeException refused = null;
    for (int i = 0; i < 50 && refused == null; i++) {
      try {
        EchoService.call(client, "hi");
        answered++;
      } catch (StatusRuntimeException e) {
        refused = e;
      }
    }

    assertTrue(refused != null, "50 calls in a burst must pass a limit of 5 per second");
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused.getStatus().getCode());
    assertTrue(refused.getStatus().getDescription().contains("rate limit of 5 calls per second"));
    assertTrue(answered >= 5 && answered < 50, "answered " + answered);
    // Another key has its own bucket.
    assertEquals("hi", EchoService.call(channel(name, ClientSettings.plaintext().withApiKey(ADMIN_KEY)), "hi"));
  }

  @Test
  void rateLimit_refusal_namesTheCallersKey_andSaysWhenItIsTheSuitesOwn() throws IOException {
    // The gateway's default: no key exempt, the suite's own (make-secrets.sh's client-key) included.
    Path keys = dir.resolve("keys-with-internal");
    Files.writeString(keys, Files.readString(keysFile()) + "client " + ApiKeys.sha256Hex(INTERNAL_KEY)
        + " glassbox-internal\n");
    start(ServerSettings.load(ConfigSource.of(Map.of(ApiKeys.FILE_KEY, keys.toString(),
        ServerSettings.RATE_LIMIT_KEY, "5")), 0, "none"));

    String shop = refusalOfABurst(CLIENT_KEY);
    String internal = refusalOfABurst(INTERNAL_KEY);

    assertTrue(shop.matches("API key shop is over " + RATE_LIMIT_OF_5 + RETRY_IN), shop);
    assertTrue(internal.matches("API key glassbox-internal is over " + RATE_LIMIT_OF_5 + RETRY_IN
        + " \\(glassbox-internal is the suite's own key, which its services present to each other: give each calling "
        + "application a key line of its own in the API keys file\\)"), internal);
    assertTrue(!internal.contains(INTERNAL_KEY) && !shop.contains(CLIENT_KEY), "never the secret");
  }

  /**
   * The limit is counted by each replica alone (two replicas let a key through at twice the rate),
   * the caller learns when its key's bucket allows a call again, and that the refused call did
   * nothing, so a resend cannot store an event twice.
   */
  @Test
  void rateLimit_refusal_saysTheLimitIsPerReplica_thatNothingWasStored_andWhenToRetry() throws IOException {
    start(ServerSettings.load(ConfigSource.of(Map.of(ApiKeys.FILE_KEY, keysFile().toString(),
        ServerSettings.RATE_LIMIT_KEY, "5")), 0, "none"));

    String refusal = refusalOfABurst(CLIENT_KEY);

    Matcher said = Pattern.compile("API key shop is over " + RATE_LIMIT_OF_5 + RETRY_IN).matcher(refusal);
    assertTrue(said.matches(), refusal);
    long retryMillis = Long.parseLong(said.group(1));
    assertTrue(retryMillis >= 1 && retryMillis <= 200, "a call each 200 ms at 5 a second, told " + retryMillis + " ms");
  }

  /**
   * A refusal for the rate limit is counted beside the admission refusals (reason rate_limit) under
   * the key's name, which the keys file bounds and which is no secret, and logged at WARN once a
   * minute naming the key and its limit: a tester found 351 of 602 RESOURCE_EXHAUSTED nowhere.
   */
  @Test
  void rateLimit_refusals_areCountedUnderTheKeysName_andWarnedOnceAMinute() throws IOException {
    try (LogCapture log = LogCapture.of(AuthInterceptor.class, Level.DEBUG)) {
      GrpcServer server = start(ServerSettings.load(ConfigSource.of(Map.of(ApiKeys.FILE_KEY, keysFile().toString(),
          ServerSettings.RATE_LIMIT_KEY, "5")), 0, "none"));
      ManagedChannel client = channel(name, ClientSettings.plaintext().withApiKey(CLIENT_KEY));
      assertEquals(List.of(0.0), refusalSeries(server, "client", "rate_limit", "shop"),
          "at 0 from the start, so that rate() sees the first refusal");
      int refused = 0;
      for (int i = 0; i < 30; i++) {
        try {
          EchoService.call(client, "hi");
        } catch (StatusRuntimeException e) {
          assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
          refused++;
        }
      }

      assertTrue(refused > 0, "30 calls in a burst must pass a limit of 5 per second");
      assertEquals(refused, refusals(server, "client", "rate_limit", "shop"));
      assertEquals(0, refusals(server, "client", "rate_limit", "operator"));
      List<String> warnings = log.lines().stream().filter(line -> line.getLevel() == Level.WARN)
          .map(ILoggingEvent::getFormattedMessage).toList();
      assertEquals(1, warnings.size(), warnings.toString());
      assertTrue(warnings.get(0).startsWith("refused a call with RESOURCE_EXHAUSTED: API key shop is over "
          + "this replica's rate limit of 5 calls per second"), warnings.toString());
      assertTrue(warnings.stream().noneMatch(line -> line.contains(CLIENT_KEY)), "never the secret");
      assertEquals(refused - 1, log.lines().stream().filter(line -> line.getLevel() == Level.DEBUG).count(),
          log.lines().toString());
    }
  }

  /**
   * Every series of the refusals is at 0 from the start, so that rate() sees each first refusal:
   * the admission's reasons under no key (they were counted under the caller's key, whose series
   * began at 1), rate_limit under each key that may call the port (a client key on the admin port
   * is refused PERMISSION_DENIED before its rate is checked, so its series would never move).
   */
  @Test
  void refusalSeries_withApiKeys_areEachOneThatCanMove_atZeroFromTheStart() throws IOException {
    GrpcServer server = start(ServerSettings.load(ConfigSource.of(Map.of(ApiKeys.FILE_KEY, keysFile().toString(),
        ServerSettings.RATE_LIMIT_KEY, "5")), 0, "none"));

    List<String> series = server.metrics().scrape(AdmissionInterceptor.REFUSED_COUNTER::equals).stream()
        .flatMap(snapshot -> snapshot.getDataPoints().stream())
        .map(point -> point.getLabels().get("port") + " " + point.getLabels().get("reason") + " "
            + point.getLabels().get("key") + " " + ((CounterSnapshot.CounterDataPointSnapshot) point).getValue())
        .sorted().toList();

    assertEquals(List.of("admin queue_full  0.0", "admin rate_limit operator 0.0", "admin shutting_down  0.0",
        "admin starting  0.0", "admin wait_expired  0.0", "client queue_full  0.0", "client rate_limit operator 0.0",
        "client rate_limit shop 0.0", "client shutting_down  0.0", "client starting  0.0", "client wait_expired  0.0"),
        series);
  }

  /** The refusals {@value AdmissionInterceptor#REFUSED_COUNTER} counted on {@code port} for {@code reason} and {@code key}. */
  private static double refusals(GrpcServer server, String port, String reason, String key) {
    return refusalSeries(server, port, reason, key).stream().mapToDouble(Double::doubleValue).sum();
  }

  /** The values of each series of {@value AdmissionInterceptor#REFUSED_COUNTER} with these labels: none, or one. */
  private static List<Double> refusalSeries(GrpcServer server, String port, String reason, String key) {
    return server.metrics().scrape(AdmissionInterceptor.REFUSED_COUNTER::equals).stream()
        .flatMap(snapshot -> snapshot.getDataPoints().stream())
        .filter(point -> port.equals(point.getLabels().get("port")) && reason.equals(point.getLabels().get("reason"))
            && key.equals(point.getLabels().get("key")))
        .map(point -> ((CounterSnapshot.CounterDataPointSnapshot) point).getValue())
        .toList();
  }

  /** The description of the RESOURCE_EXHAUSTED that 50 calls in a burst with {@code key} meet. */
  private String refusalOfABurst(String key) {
    ManagedChannel client = channel(name, ClientSettings.plaintext().withApiKey(key));
    StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> {
      for (int i = 0; i < 50; i++) {
        EchoService.call(client, "hi");
      }
    });
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused.getStatus().getCode());
    return refused.getStatus().getDescription();
  }

  @Test
  void rateLimit_doesNotApplyToTheKeysExemptFromIt_theSuitesOwn() throws IOException {
    Path keys = dir.resolve("keys-with-internal");
    // The old key keeps its exemption under the name make-secrets.sh --rotate-api-keys gives it.
    String retiring = "retiring-" + INTERNAL_KEY;
    Files.writeString(keys, Files.readString(keysFile()) + "client " + ApiKeys.sha256Hex(INTERNAL_KEY)
        + " glassbox-internal\nclient " + ApiKeys.sha256Hex(retiring) + " glassbox-internal.retiring\n");
    ServerSettings loaded = ServerSettings.load(ConfigSource.of(Map.of(ApiKeys.FILE_KEY, keys.toString(),
        ServerSettings.RATE_LIMIT_KEY, "5")), 0);
    assertEquals(Set.of("glassbox-internal", "glassbox-internal.retiring"), loaded.rateLimitExemptKeys());
    assertEquals(loaded.rateLimitExemptKeys(), ServerSettings.defaults().rateLimitExemptKeys());
    start(loaded);
    for (String key : List.of(INTERNAL_KEY, retiring)) {
      ManagedChannel internal = channel(name, ClientSettings.plaintext().withApiKey(key));
      for (int i = 0; i < 50; i++) {
        assertEquals("hi", EchoService.call(internal, "hi"));
      }
    }
    ManagedChannel client = channel(name, ClientSettings.plaintext().withApiKey(CLIENT_KEY));
    StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> {
      for (int i = 0; i < 50; i++) {
        EchoService.call(client, "hi");
      }
    });
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused.getStatus().getCode());
    assertEquals(Set.of("shop", "other"), ServerSettings.load(ConfigSource.of(Map.of(
        ServerSettings.RATE_LIMIT_EXEMPT_KEYS_KEY, " shop, other ,")), 0).rateLimitExemptKeys());
    assertEquals(Set.of(), ServerSettings.load(ConfigSource.of(Map.of(
        ServerSettings.RATE_LIMIT_EXEMPT_KEYS_KEY, "None")), 0).rateLimitExemptKeys());
    // The gateway's default: every key limited at the entry point; the setting still overrules it.
    assertEquals(Set.of(), ServerSettings.load(ConfigSource.of(Map.of()), 0, "none").rateLimitExemptKeys());
    assertEquals(Set.of("shop"), ServerSettings.load(ConfigSource.of(Map.of(
        ServerSettings.RATE_LIMIT_EXEMPT_KEYS_KEY, "shop")), 0, "none").rateLimitExemptKeys());
  }

  @Test
  void nonLoopbackAddress_withoutKeys_refusesToStart() {
    ServerSettings open = new ServerSettings("0.0.0.0", "127.0.0.1", ApiKeys.none(), TlsSettings.none(),
        0, 64, 100, 0);

    ConfigException e = assertThrows(ConfigException.class,
        () -> GrpcServer.onPort("exposed", 0, open).addService(EchoService.echo()).start());

    assertTrue(e.getMessage().contains("refuses to listen on GLASSBOX_BIND_ADDRESS=0.0.0.0 without API keys"),
        e.getMessage());
  }

  @Test
  void nonLoopbackAddress_withKeys_starts() {
    ServerSettings exposed = new ServerSettings("0.0.0.0", "127.0.0.1", settings().apiKeys().current(),
        TlsSettings.none(), 0, 64, 100, 0);
    GrpcServer server = GrpcServer.onPort("exposed", 0, exposed).addService(EchoService.echo()).start();
    closer.add(server);

    ManagedChannel channel = ClientChannels.forTarget("127.0.0.1:" + server.port(),
        ClientSettings.plaintext().withApiKey(CLIENT_KEY), Retries.none());
    closer.add(channel::shutdownNow);
    assertEquals("hi", EchoService.call(channel, "hi"));
  }

  /**
   * Keys over plaintext beyond loopback cross the network in clear: the server says so once at
   * start, naming the settings that turn TLS on.
   */
  @Test
  void nonLoopbackAddress_withKeysInPlaintext_warnsOnce_namingTheSettingsThatTurnTlsOn() {
    ServerSettings exposed = new ServerSettings("0.0.0.0", "0.0.0.0", settings().apiKeys().current(),
        TlsSettings.none(), 0, 64, 100, 0);
    try (LogCapture log = LogCapture.of(GrpcServer.class, Level.WARN)) {
      closer.add(GrpcServer.onPort("exposed", 0, exposed).addService(EchoService.echo())
          .addAdminService(EchoService.named(ADMIN_SERVICE), 0).start());

      assertEquals(List.of("exposed takes API keys in plaintext on GLASSBOX_BIND_ADDRESS=0.0.0.0 and "
          + "GLASSBOX_ADMIN_BIND_ADDRESS=0.0.0.0: the keys cross the network in clear, for anyone on the way to read "
          + "and use. Set GLASSBOX_TLS_CERT_FILE and GLASSBOX_TLS_KEY_FILE to turn TLS on (GLASSBOX_TLS_CA_FILE too "
          + "for mutual TLS), or bind 127.0.0.1"), messages(log));
    }
  }

  @Test
  void keysInPlaintext_onLoopback_orKeysOverTls_beyondLoopback_noWarning() throws Exception {
    TestCertificates authority = TestCertificates.authority("warning-test-ca");
    Path[] service = authority.issue(dir, "localhost");
    ServerSettings loopback = new ServerSettings("127.0.0.1", "127.0.0.1", settings().apiKeys().current(),
        TlsSettings.none(), 0, 64, 100, 0);
    ServerSettings tls = new ServerSettings("0.0.0.0", "0.0.0.0", settings().apiKeys().current(),
        new TlsSettings(Optional.of(service[0]), Optional.of(service[1]), Optional.empty()), 0, 64, 100, 0);
    try (LogCapture log = LogCapture.of(GrpcServer.class, Level.WARN)) {
      closer.add(GrpcServer.onPort("loopback", 0, loopback).addService(EchoService.echo())
          .addAdminService(EchoService.named(ADMIN_SERVICE), 0).start());
      closer.add(GrpcServer.onPort("tls", 0, tls).addService(EchoService.echo())
          .addAdminService(EchoService.named(ADMIN_SERVICE), 0).start());

      assertEquals(List.of(), messages(log));
    }
  }

  private static List<String> messages(LogCapture log) {
    return log.lines().stream().map(ILoggingEvent::getFormattedMessage).toList();
  }

  @Test
  void keysFile_malformedLine_failsNamingTheLine() throws IOException {
    Path file = dir.resolve("bad-keys");
    Files.writeString(file, "# keys\nclient " + ApiKeys.sha256Hex("a") + " shop\nroot abc x\n");

    ConfigException e = assertThrows(ConfigException.class, () -> ApiKeys.read(file));

    assertTrue(e.getMessage().contains("line 3: role must be client or admin"), e.getMessage());
  }

  @Test
  void keysFile_missing_failsSayingSoAndWhereItLooked() {
    Path absolute = dir.resolve("no-keys");

    ConfigException named = assertThrows(ConfigException.class, () -> ApiKeys.read(absolute));
    ConfigException relative = assertThrows(ConfigException.class, () -> ApiKeys.read(Path.of("no-keys")));

    assertEquals("GLASSBOX_API_KEYS_FILE=" + absolute + " cannot be read: " + absolute + ": no such file",
        named.getMessage());
    assertEquals("GLASSBOX_API_KEYS_FILE=no-keys cannot be read: no-keys: no such file in "
        + Path.of("").toAbsolutePath(), relative.getMessage());
  }

  @Test
  void settings_loadKeysFileAndClientKeyFile_fromConfig() throws IOException {
    Path keyFile = dir.resolve("client.key");
    Files.writeString(keyFile, CLIENT_KEY + "\n");
    ConfigSource source = ConfigSource.of(Map.of(
        ApiKeys.FILE_KEY, keysFile().toString(), ClientSettings.KEY_FILE_KEY, keyFile.toString()));

    ServerSettings server = ServerSettings.load(source, 9999);
    ClientSettings client = ClientSettings.load(source);

    assertEquals("shop", server.apiKeys().current().find(CLIENT_KEY).orElseThrow().name());
    assertEquals(Role.ADMIN, server.apiKeys().current().find(ADMIN_KEY).orElseThrow().role());
    assertEquals(CLIENT_KEY, client.apiKey().orElseThrow().current());
    assertEquals(9999, server.metricsPort());
  }

  private ServerSettings settings() {
    try {
      return ServerSettings.defaults().withApiKeys(ApiKeys.read(keysFile()));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private Path keysFile() throws IOException {
    Path file = dir.resolve("keys");
    Files.writeString(file, "client " + ApiKeys.sha256Hex(CLIENT_KEY) + " shop\n"
        + "admin " + ApiKeys.sha256Hex(ADMIN_KEY) + " operator\n");
    return file;
  }

  private GrpcServer start(ServerSettings settings) {
    GrpcServer server = GrpcServer.inProcess("secured", name, settings)
        .addService(EchoService.echo())
        .addAdminService(EchoService.named(ADMIN_SERVICE), 0)
        .start();
    closer.add(server);
    return server;
  }

  /** The main server, called with {@code authorization: <value>} as the caller wrote it. */
  private Channel withAuthorization(String value) {
    Metadata headers = new Metadata();
    headers.put(AuthInterceptor.AUTHORIZATION, value);
    return ClientInterceptors.intercept(channel(name, ClientSettings.plaintext()),
        MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  private ManagedChannel channel(String inProcessName, ClientSettings settings) {
    ManagedChannel channel = ClientChannels.forTarget("in-process:" + inProcessName, settings, Retries.none());
    closer.add(channel::shutdownNow);
    return channel;
  }
}
