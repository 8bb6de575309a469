package io.glassbox.model;

import static io.glassbox.server.MetricsText.scrape;
import static io.glassbox.server.MetricsText.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.google.common.util.concurrent.ListenableFuture;
import io.glassbox.api.v1.GetModelInfoRequest;
import io.glassbox.api.v1.ModelAdminGrpc;
import io.glassbox.api.v1.ModelServiceGrpc;
import io.glassbox.api.v1.ReloadModelRequest;
import io.glassbox.api.v1.ReloadModelResponse;
import io.glassbox.server.GrpcServer;
import io.glassbox.server.LogCapture;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reload whose caller gave up (its deadline passed) while it waited behind another reload, or
 * while its version loaded, is not swapped in: the caller was told it failed and may have rolled
 * back since. The model service runs as {@code ModelMain} starts it, on real ports, and a version
 * whose inferences are slow (a real ONNX graph, see make_toy_model.py) holds a reload long enough.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OverlappingReloadsTest {
  private static final String BATCHES = "glassbox_model_batches_total";
  /**
   * Far shorter than the slow version's load and warm-up (six inferences of tenths of a second
   * each, 1.5-2.5 s on a loaded 2-core machine), longer than a call takes to reach the server.
   */
  private static final long SHORT_DEADLINE_MS = 400;

  @TempDir Path modelDirectory;
  private GrpcServer server;
  private ManagedChannel adminChannel;
  private ManagedChannel channel;
  private ModelAdminGrpc.ModelAdminBlockingStub admin;

  @BeforeEach
  void startWithV1() {
    ModelFolders.addToyVersion(modelDirectory, "v1");
    server = ToyModelMain.start(modelDirectory);
    adminChannel = ToyModelMain.channelTo(server.adminPort());
    channel = ToyModelMain.channelTo(server.port());
    admin = ModelAdminGrpc.newBlockingStub(adminChannel);
    // Connected before the calls with short deadlines, which then reach the server at once.
    assertReloadOfAMissingVersionAnswered();
  }

  @AfterEach
  void stop() {
    adminChannel.shutdownNow();
    channel.shutdownNow();
    server.close();
  }

  @Test
  void reloadQueuedBehindASlowOne_whoseDeadlinePassesWhileItWaits_isNeitherLoadedNorSwappedIn() throws Exception {
    ModelFolders.addSlowVersion(modelDirectory, "v2-slow");
    ModelFolders.addToyVersion(modelDirectory, "v3");
    double before = value(scrape(server), BATCHES);
    try (LogCapture loads = LogCapture.of(ModelLoader.class, Level.INFO)) {
      ListenableFuture<ReloadModelResponse> slow = ModelAdminGrpc.newFutureStub(adminChannel)
          .reloadModel(ReloadModelRequest.newBuilder().setVersion("v2-slow").build());
      // Its warm-up has begun: the slow reload holds the registry, with warm-up inferences to go.
      awaitBatchesAbove(before);
      StatusRuntimeException queued = assertThrows(StatusRuntimeException.class, () -> admin
          .withDeadlineAfter(SHORT_DEADLINE_MS, TimeUnit.MILLISECONDS)
          .reloadModel(ReloadModelRequest.newBuilder().setVersion("v3").build()));
      assertEquals(Status.Code.DEADLINE_EXCEEDED, queued.getStatus().getCode());
      assertEquals("v2-slow", slow.get(60, TimeUnit.SECONDS).getActive().getVersion());
      // Reloads run in the order they came: once this one is answered, the queued one has had its turn.
      assertReloadOfAMissingVersionAnswered();

      assertEquals("v2-slow", activeVersion(), "the queued reload's caller had given up");
      assertEquals(List.of(), loads.lines().stream().map(ILoggingEvent::getFormattedMessage)
          .filter(line -> line.contains("v3")).toList(), "the queued version was not even loaded");
    }
  }

  @Test
  void reloadWhoseDeadlinePassesWhileItsVersionLoads_isNotSwappedIn() throws Exception {
    ModelFolders.addSlowVersion(modelDirectory, "v2-slow");

    StatusRuntimeException failed = assertThrows(StatusRuntimeException.class, () -> admin
        .withDeadlineAfter(SHORT_DEADLINE_MS, TimeUnit.MILLISECONDS)
        .reloadModel(ReloadModelRequest.newBuilder().setVersion("v2-slow").build()));
    assertEquals(Status.Code.DEADLINE_EXCEEDED, failed.getStatus().getCode());
    // Queued behind the slow load: answered once it has finished.
    assertReloadOfAMissingVersionAnswered();

    assertEquals("v1", activeVersion());
  }

  private void assertReloadOfAMissingVersionAnswered() {
    StatusRuntimeException missing = assertThrows(StatusRuntimeException.class,
        () -> admin.reloadModel(ReloadModelRequest.newBuilder().setVersion("v9").build()));
    assertEquals(Status.Code.NOT_FOUND, missing.getStatus().getCode());
  }

  private String activeVersion() {
    return ModelServiceGrpc.newBlockingStub(channel).getModelInfo(GetModelInfoRequest.getDefaultInstance()).getVersion();
  }

  private void awaitBatchesAbove(double before) throws IOException, InterruptedException {
    while (value(scrape(server), BATCHES) <= before) {
      Thread.sleep(5);
    }
  }
}
