package io.glassbox.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.glassbox.api.v1.GetModelInfoRequest;
import io.glassbox.api.v1.ModelServiceGrpc;
import io.glassbox.server.GrpcServer;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The start sequence the launcher uses: Guice wiring, model load, readiness. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ModelMainTest {
  @TempDir Path modelDirectory;

  @Test
  void start_loadsTheNewestVersionAndReportsServing() {
    ModelFolders.addToyVersion(modelDirectory, "v1");
    ModelFolders.addToyVersion(modelDirectory, "v2");
    String name = "model-main-test-" + UUID.randomUUID();
    GrpcServer server = ModelMain.start(
        ModelServiceUnderTest.cpuConfig(modelDirectory, ModelFolders.TOY_NAME),
        GrpcServer.inProcess(ModelMain.SERVER_NAME, name));
    ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    try {
      ServingStatus status = HealthGrpc.newBlockingStub(channel)
          .check(HealthCheckRequest.newBuilder().setService("glassbox.v1.ModelService").build())
          .getStatus();
      String version = ModelServiceGrpc.newBlockingStub(channel)
          .getModelInfo(GetModelInfoRequest.getDefaultInstance()).getVersion();

      assertEquals(ServingStatus.SERVING, status);
      assertEquals("v2", version);
    } finally {
      channel.shutdownNow();
      server.close();
    }
  }

  @Test
  void start_withABrokenModel_failsInsteadOfServing() {
    ModelFolders.addCorruptVersion(modelDirectory, "v1");

    assertThrows(ModelLoadException.class, () -> ModelMain.start(
        ModelServiceUnderTest.cpuConfig(modelDirectory, ModelFolders.TOY_NAME),
        GrpcServer.inProcess(ModelMain.SERVER_NAME, "model-main-test-" + UUID.randomUUID())));
  }
}
