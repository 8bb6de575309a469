package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.api.v1.FeatureServiceGrpc;
import io.grpc.BindableService;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** ReflectedServices against real in-process servers: with reflection, without, and one that never answers. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ReflectedServicesTest {
  private Server server;
  private ManagedChannel channel;

  @AfterEach
  void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void list_serverWithReflection_listsItsServices() throws Exception {
    start(new HealthStatusManager().getHealthService(), ProtoReflectionServiceV1.newInstance(),
        new FeatureServiceGrpc.FeatureServiceImplBase() {});

    Optional<List<String>> services = new ReflectedServices(channel, in(Duration.ofSeconds(5))).list();

    assertEquals(List.of(FeatureServiceGrpc.SERVICE_NAME, "grpc.health.v1.Health", ServerReflectionGrpc.SERVICE_NAME),
        services.orElseThrow().stream().sorted().toList());
  }

  @Test
  void list_serverWithoutReflection_isEmpty() throws Exception {
    start(new HealthStatusManager().getHealthService());

    assertEquals(Optional.empty(), new ReflectedServices(channel, in(Duration.ofSeconds(5))).list());
  }

  @Test
  void list_reflectionNeverAnswers_failsByTheDeadlineAndEndsTheStream() throws Exception {
    CountDownLatch cancelled = new CountDownLatch(1);
    start(SuiteAnswer.silentReflection(cancelled::countDown));
    long start = System.nanoTime();

    StatusRuntimeException failure = assertThrows(StatusRuntimeException.class,
        () -> new ReflectedServices(channel, in(Duration.ofSeconds(1))).list());

    assertEquals(Status.Code.DEADLINE_EXCEEDED, failure.getStatus().getCode());
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertTrue(took.compareTo(Duration.ofMillis(1500)) < 0, "took " + took.toMillis() + " ms");
    assertTrue(cancelled.await(5, TimeUnit.SECONDS), "the stream was not ended");
  }

  private void start(BindableService... services) throws Exception {
    String name = InProcessServerBuilder.generateName();
    InProcessServerBuilder builder = InProcessServerBuilder.forName(name).directExecutor();
    for (BindableService service : services) {
      builder.addService(service);
    }
    server = builder.build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  private static Deadline in(Duration duration) {
    return Deadline.after(duration.toNanos(), TimeUnit.NANOSECONDS);
  }
}
