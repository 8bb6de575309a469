package io.glassbox.gateway;

import io.glassbox.api.v1.GatewayGrpc;
import io.glassbox.explain.ExplainConfig;
import io.glassbox.explain.ExplainMain;
import io.glassbox.server.ApiKeys;
import io.glassbox.server.ClientSettings;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.GrpcServer;
import io.glassbox.server.RequestIds;
import io.glassbox.server.ServerSettings;
import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The real gateway on an in-process server, wired through real channels to fake feature, model
 * and explain services on in-process servers of their own. A fake left out is "down": its
 * target names no server. With {@link #withRealExplainService} the explain service is the real
 * one (on a loopback port), calling the fake feature and model services.
 */
final class GatewayHarness implements AutoCloseable {
  final FakeFeatureService feature = TestCatalogue.featureService();
  final FakeModelService model;
  final FakeExplainService explain = new FakeExplainService();

  private final List<GrpcServer> servers = new ArrayList<>();
  private final Map<String, String> settings = new HashMap<>();
  private final String id = UUID.randomUUID().toString();
  private boolean featureUp = true;
  private boolean realExplain;
  private ServerSettings modelSettings = ServerSettings.defaults();
  private ManagedChannel channel;
  private GrpcServer gateway;

  /** Over {@link TestCatalogue}'s model. */
  GatewayHarness() {
    this(TestCatalogue.modelService());
  }

  GatewayHarness(FakeModelService model) {
    this.model = model;
  }

  /** Overrides a gateway setting (see {@link GatewayConfig}). */
  GatewayHarness with(String key, String value) {
    settings.put(key, value);
    return this;
  }

  GatewayHarness withoutFeatureService() {
    featureUp = false;
    return this;
  }

  /** The real explain service in place of {@link #explain}, scoring with {@link #model}. */
  GatewayHarness withRealExplainService() {
    realExplain = true;
    return this;
  }

  /** The model service under the API keys of {@code keysFile} (see {@link ApiKeys}). */
  GatewayHarness withModelServiceKeys(Path keysFile) {
    modelSettings = ServerSettings.load(ConfigSource.of(Map.of(ApiKeys.FILE_KEY, keysFile.toString())), 0);
    return this;
  }

  GatewayHarness start() {
    if (featureUp) {
      serve("feature", feature, ServerSettings.defaults());
    }
    serve("model", model, modelSettings);
    String explainTarget = "in-process:" + name("explain");
    if (realExplain) {
      GrpcServer real = ExplainMain.start(ConfigSource.of(Map.of(
          ExplainConfig.PORT_KEY, "0", "GLASSBOX_METRICS_PORT", "0",
          ExplainConfig.MODEL_TARGET_KEY, "in-process:" + name("model"),
          ExplainConfig.FEATURE_TARGET_KEY, "in-process:" + name("feature"))));
      servers.add(real);
      explainTarget = "localhost:" + real.port();
    } else {
      serve("explain", explain, ServerSettings.defaults());
    }
    Map<String, String> config = new HashMap<>(Map.of(
        GatewayConfig.FEATURE_TARGET_KEY, "in-process:" + name("feature"),
        GatewayConfig.MODEL_TARGET_KEY, "in-process:" + name("model"),
        GatewayConfig.EXPLAIN_TARGET_KEY, explainTarget,
        // Generous budgets, so a busy test machine never degrades a test that expects no
        // degradation; the tests about budgets set their own.
        GatewayConfig.MODEL_TIMEOUT_KEY, "10s",
        GatewayConfig.EXPLAIN_TIMEOUT_KEY, "10s"));
    config.putAll(settings);
    gateway = GatewayMain.start(GatewayConfig.load(ConfigSource.of(config)), ClientSettings.plaintext(),
        GrpcServer.inProcess("gateway", name("gateway")));
    servers.add(gateway);
    channel = InProcessChannelBuilder.forName(name("gateway")).build();
    return this;
  }

  /**
   * A loopback port nothing listens on: the OS picked it free and it was closed again. A target
   * there refuses connections; a server may bind it.
   */
  static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** The gateway's server (its metrics, its state). */
  GrpcServer gateway() {
    return gateway;
  }

  GatewayGrpc.GatewayBlockingStub client() {
    return GatewayGrpc.newBlockingStub(channel);
  }

  /** {@link #client()}, its calls sent under the request id {@code requestId} (x-request-id). */
  GatewayGrpc.GatewayBlockingStub client(String requestId) {
    Metadata headers = new Metadata();
    headers.put(RequestIds.HEADER, requestId);
    return client().withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  private void serve(String role, BindableService service, ServerSettings serverSettings) {
    GrpcServer server = GrpcServer.inProcess(role, name(role), serverSettings).addService(service).start();
    server.setServing(true);
    servers.add(server);
  }

  private String name(String role) {
    return role + "-" + id;
  }

  @Override
  public void close() {
    if (channel != null) {
      channel.shutdownNow();
    }
    // Gateway first (it was started last), so it drains before what it calls goes away.
    for (int i = servers.size() - 1; i >= 0; i--) {
      servers.get(i).close();
    }
  }
}
