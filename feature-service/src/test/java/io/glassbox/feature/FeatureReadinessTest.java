package io.glassbox.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.glassbox.api.v1.FeatureServiceGrpc;
import io.glassbox.api.v1.GetUserHistoryRequest;
import io.glassbox.server.GrpcServer;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Before the data is loaded the service says so: health NOT_SERVING, calls UNAVAILABLE. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class FeatureReadinessTest {
  @Test
  void beforeLoad_notServingAndUnavailable_afterLoad_servingAndAnswering() {
    InMemoryEventStore store = TestData.memoryStore();
    String name = "feature-readiness-" + UUID.randomUUID();
    try (GrpcServer server = GrpcServer.inProcess("feature-service", name)
        .addService(new FeatureGrpcService(store, new CandidateRetriever(store, 20), TestData.TIME_LIMIT,
            TestData.NO_ZONE))
        .start()) {
      ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
      try {
        HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel);
        FeatureServiceGrpc.FeatureServiceBlockingStub stub = FeatureServiceGrpc.newBlockingStub(channel);
        GetUserHistoryRequest request = GetUserHistoryRequest.newBuilder().setUserId("u1").build();

        assertEquals(ServingStatus.NOT_SERVING,
            health.check(HealthCheckRequest.getDefaultInstance()).getStatus());
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub.getUserHistory(request));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());

        store.load(TestData.small());
        server.setServing(true);

        assertEquals(ServingStatus.SERVING, health.check(HealthCheckRequest.getDefaultInstance()).getStatus());
        assertEquals(5, stub.getUserHistory(request).getEventsCount());
      } finally {
        channel.shutdownNow();
      }
    }
  }
}
