package io.glassbox.feature;

import static io.glassbox.server.MetricsText.scrape;
import static io.glassbox.server.MetricsText.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.glassbox.api.v1.FeatureAdminGrpc;
import io.glassbox.api.v1.FeatureServiceGrpc;
import io.glassbox.api.v1.GetItemsRequest;
import io.glassbox.api.v1.GetUserHistoryRequest;
import io.glassbox.api.v1.GetUserHistoryResponse;
import io.glassbox.api.v1.ImportChunk;
import io.glassbox.api.v1.ImportResponse;
import io.glassbox.server.ConfigException;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.GrpcServer;
import io.glassbox.server.ServerSettings;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The real start-up path: config, injector, TCP server, data load, readiness. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FeatureMainTest {
  @Test
  void start_loadsTheDataAndReportsServing() throws IOException {
    ConfigSource source = onFreePorts(Map.of(FeatureConfig.DATA_DIR_KEY, TestData.realDataDir().toString()));

    try (GrpcServer server = start(source)) {
      ManagedChannel channel = NettyChannelBuilder.forAddress("localhost", server.port()).usePlaintext().build();
      try {
        HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel);
        assertEquals(ServingStatus.SERVING, health.check(HealthCheckRequest.getDefaultInstance()).getStatus());
        assertEquals(ServingStatus.SERVING, health.check(HealthCheckRequest.newBuilder()
            .setService(FeatureServiceGrpc.SERVICE_NAME).build()).getStatus());
        assertEquals("WHITE HANGING HEART T-LIGHT HOLDER", FeatureServiceGrpc.newBlockingStub(channel)
            .getItems(GetItemsRequest.newBuilder().addItemIds("85123A").build()).getItems(0).getTitle());
        assertEquals("", FeatureServiceGrpc.newBlockingStub(channel)
            .getUserHistory(GetUserHistoryRequest.newBuilder().setUserId("12347").build()).getTimeZone(),
            "no zone named: the shop's days are UTC days");
        // The in-memory store's evictions, and calls refused for a full store, are on /metrics from 0.
        String metrics = scrape(server);
        assertEquals(0, value(metrics, EvictedUsersMetric.NAME + "_total{segment=\"probation\"}"), metrics);
        assertEquals(0, value(metrics, EvictedUsersMetric.NAME + "_total{segment=\"protected\"}"), metrics);
        assertEquals(0, value(metrics, EvictedUsersMetric.NAME + "_total{segment=\"demoted\"}"), metrics);
        assertEquals(0, value(metrics, StoreCalls.FULL_REFUSALS + "_total"), metrics);
      } finally {
        channel.shutdownNow();
      }
    }
  }

  /**
   * GLASSBOX_DATA_TIME_ZONE names the shop's zone: a folder without invoices has one order per
   * customer and day of the shop's (3 and 5 March in Los Angeles; 3, 4 and 5 March in UTC, whose
   * midnight falls at 16:00 there), and GetUserHistory names the zone the gateway states days in.
   */
  @Test
  void start_dataTimeZone_ordersAreTheShopsDaysAndHistoryNamesTheZone(@TempDir Path data) throws IOException {
    Files.writeString(data.resolve("items.csv"), "item_id,title\nA,Mug\nB,Plate\n");
    Files.writeString(data.resolve("interactions.csv"), "user_id,item_id,timestamp\n"
        + "u1,A,2011-03-03 09:00:00\nu1,A,2011-03-03 20:00:00\nu1,B,2011-03-03 20:00:00\nu1,A,2011-03-05 10:00:00\n");
    ConfigSource source = onFreePorts(Map.of(
        FeatureConfig.DATA_DIR_KEY, data.toString(),
        LocalTimeZone.DATA_FOLDER_SETTING, "America/Los_Angeles"));

    try (GrpcServer server = start(source)) {
      ManagedChannel channel = NettyChannelBuilder.forAddress("localhost", server.port()).usePlaintext().build();
      try {
        GetUserHistoryResponse history = FeatureServiceGrpc.newBlockingStub(channel)
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .getUserHistory(GetUserHistoryRequest.newBuilder().setUserId("u1").setRegularItemsMinBaskets(2).build());
        assertEquals("America/Los_Angeles", history.getTimeZone());
        assertEquals(2, history.getOrders());
        assertEquals("A", history.getRegularItems(0).getItemId());
        assertEquals(2, history.getRegularItems(0).getBaskets());
      } finally {
        channel.shutdownNow();
      }
    }
  }

  @Test
  void start_missingDataFolder_failsNamingTheSetting(@TempDir Path empty) {
    ConfigSource source = onFreePorts(Map.of(FeatureConfig.DATA_DIR_KEY, empty.resolve("absent").toString()));

    DatasetException e = assertThrows(DatasetException.class, () -> start(source));
    assertTrue(e.getMessage().contains(FeatureConfig.DATA_DIR_KEY), e.getMessage());
  }

  /** The admin service is the one configured: an import past GLASSBOX_FEATURE_IMPORT_MAX_MIB is refused naming it. */
  @Test
  void start_adminServiceAnswersOnItsOwnLoopbackPort_holdsImportsToTheSetting_andClosesWithTheServer() throws Exception {
    GrpcServer server = FeatureMain.start(onFreePorts(Map.of(
        FeatureConfig.IMPORT_MAX_MIB_KEY, "1",
        FeatureConfig.DATA_DIR_KEY, TestData.realDataDir().toString())));
    int adminPort = server.adminPort();
    try {
      assertNotEquals(server.port(), adminPort);
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", adminPort)
          .usePlaintext().build();
      try {
        CompletableFuture<Status> done = new CompletableFuture<>();
        StreamObserver<ImportChunk> chunks = FeatureAdminGrpc.newStub(channel)
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .importItems(new StreamObserver<ImportResponse>() {
              @Override
              public void onNext(ImportResponse response) {}

              @Override
              public void onError(Throwable t) {
                done.complete(Status.fromThrowable(t));
              }

              @Override
              public void onCompleted() {
                done.complete(Status.OK);
              }
            });
        ImportChunk twoThirds = ImportChunk.newBuilder()
            .setCsv(ByteString.copyFromUtf8("x\n".repeat(1 << 19).substring(0, 700 << 10))).build();
        chunks.onNext(twoThirds);
        chunks.onNext(twoThirds);
        chunks.onCompleted();
        Status refused = done.get(15, TimeUnit.SECONDS);
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused.getCode());
        assertEquals("items CSV is larger than 1 MiB, the most this service spools (GLASSBOX_FEATURE_IMPORT_MAX_MIB);"
            + " split it", refused.getDescription());
      } finally {
        channel.shutdownNow();
      }
    } finally {
      server.close();
    }
    // Closing the server closed the admin port with it.
    assertThrows(IOException.class, () -> new Socket("127.0.0.1", adminPort).close());
  }

  @Test
  void start_onARedisNothingAnswersAt_failsNamingItsSetting() throws IOException {
    int unused = unusedPort();
    ConfigSource source = onFreePorts(Map.of(FeatureConfig.DATA_DIR_KEY, TestData.realDataDir().toString(),
        FeatureConfig.STORE_KEY, "redis", FeatureConfig.REDIS_URI_KEY, "redis://127.0.0.1:" + unused));

    StoreUnavailableException e = assertThrows(StoreUnavailableException.class, () -> start(source));

    // It said "Redis redis://127.0.0.1:P cannot be reached", and not where that came from.
    assertEquals("Redis at redis://127.0.0.1:" + unused + " (GLASSBOX_REDIS_URI) cannot be reached", e.getMessage());
  }

  @Test
  void start_badConfig_failsBeforeListening() {
    assertThrows(ConfigException.class,
        () -> start(onFreePorts(Map.of(FeatureConfig.PORT_KEY, "not-a-port"))));
  }

  /**
   * {@code settings} with the gRPC, admin and /metrics ports picked free (unless {@code settings}
   * set them), never a default that a suite running on this machine ({@code bin/glassbox up}) may hold.
   */
  static ConfigSource onFreePorts(Map<String, String> settings) {
    return ConfigSource.of(Map.of(
        FeatureConfig.PORT_KEY, "0",
        FeatureConfig.ADMIN_PORT_KEY, "0",
        ServerSettings.METRICS_PORT_KEY, "0")).with(settings);
  }

  /** A loopback port of the block these tests may use that nothing listens on now. */
  private static int unusedPort() throws IOException {
    for (int port = 53850; port <= 53899; port++) {
      try (ServerSocket probe = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
        return probe.getLocalPort();
      } catch (IOException taken) {
        // someone listens there: the next one
      }
    }
    throw new IOException("every port of 53850-53899 is taken");
  }

  private static GrpcServer start(ConfigSource source) {
    return FeatureMain.start(source);
  }
}
