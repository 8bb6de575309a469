package io.glassbox.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class GrpcServerTest {
  private static final String SERVICE = "test.Echo";
  private static final MethodDescriptor<String, String> ECHO = MethodDescriptor.<String, String>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY)
      .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Echo"))
      .setRequestMarshaller(new Utf8Marshaller())
      .setResponseMarshaller(new Utf8Marshaller())
      .build();

  private final String name = "grpc-server-test-" + UUID.randomUUID();
  private GrpcServer server;
  private ManagedChannel channel;

  @AfterEach
  void tearDown() {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void health_isNotServingUntilReady_thenServing_thenNotServingAfterClose() {
    start(echo());
    HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel);

    assertEquals(ServingStatus.NOT_SERVING, status(health, ""));
    assertEquals(ServingStatus.NOT_SERVING, status(health, SERVICE));
    server.setServing(true);
    assertEquals(ServingStatus.SERVING, status(health, ""));
    assertEquals(ServingStatus.SERVING, status(health, SERVICE));
    server.setServing(false);
    assertEquals(ServingStatus.NOT_SERVING, status(health, SERVICE));
  }

  @Test
  void servicesUnavailable_takesTheServicesOutOfServing_butNotTheServerOverall() {
    start(echo());
    HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel);
    server.setServing(true);

    server.setServicesAvailable(false);
    assertEquals(ServingStatus.NOT_SERVING, status(health, SERVICE));
    // The overall status is what liveness asks: a backend's outage must not restart the process.
    assertEquals(ServingStatus.SERVING, status(health, ""));
    server.setServicesAvailable(true);
    assertEquals(ServingStatus.SERVING, status(health, SERVICE));

    // Available again does not make a server that is not yet (or no longer) serving SERVING.
    server.setServing(false);
    server.setServicesAvailable(false);
    server.setServicesAvailable(true);
    assertEquals(ServingStatus.NOT_SERVING, status(health, SERVICE));
  }

  @Test
  void reflection_bothVersions_listTheServices() throws Exception {
    start(echo());

    // Reflection lists services described by proto files (the test's echo service has none).
    Set<String> expected = Set.of("grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection");
    assertTrue(listServicesV1().containsAll(expected), () -> "v1 lists " + expected);
    assertTrue(listServicesV1Alpha().containsAll(expected), () -> "v1alpha lists " + expected);
  }

  @Test
  void uncaughtException_reachesClientAsInternal_withoutDetails() {
    start(throwing(new IllegalStateException("secret internals")));

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> ClientCalls.blockingUnaryCall(channel, ECHO, io.grpc.CallOptions.DEFAULT, "hi"));
    assertEquals(Status.Code.INTERNAL, e.getStatus().getCode());
    assertEquals("internal error", e.getStatus().getDescription());
  }

  @Test
  void statusException_keepsItsCodeAndMessage() {
    start(throwing(RequestChecks.invalid("user_id must not be empty")));

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> ClientCalls.blockingUnaryCall(channel, ECHO, io.grpc.CallOptions.DEFAULT, "hi"));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertEquals("user_id must not be empty", e.getStatus().getDescription());
  }

  @Test
  void echo_answersWhileRunning() {
    start(echo());

    assertEquals("hi", ClientCalls.blockingUnaryCall(channel, ECHO, io.grpc.CallOptions.DEFAULT, "hi"));
  }

  @Test
  void close_closesRegisteredResourcesAfterDraining_lastFirst() {
    List<String> closed = new java.util.concurrent.CopyOnWriteArrayList<>();
    server = GrpcServer.inProcess("test", name)
        .addService(echo())
        .closeAfterDrain(() -> closed.add("channel"))
        .closeAfterDrain(() -> closed.add("session"))
        .start();

    server.close();
    server.close();

    assertEquals(List.of("session", "channel"), closed);
  }

  @Test
  void onPort_rejectsAnImpossiblePort() {
    assertThrows(IllegalArgumentException.class, () -> GrpcServer.onPort("x", 70000));
  }

  @Test
  void start_failingOnTheAdminServer_closesTheEventLoopsAlreadyBuilt() throws InterruptedException {
    // An admin server on 0.0.0.0 without API keys is refused after the main server's event loops exist.
    ServerSettings adminExposed = new ServerSettings("127.0.0.1", "0.0.0.0", ApiKeys.none(), TlsSettings.none(),
        0, 64, 100, 0);
    startRefused(adminExposed);
    long before = openFiles();
    for (int i = 0; i < 20; i++) {
      startRefused(adminExposed);
    }
    // Event loops close their files on their own threads, shortly after they are shut down; each
    // leaked start held at least one per event-loop thread.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (openFiles() > before + 10) {
      assertTrue(System.nanoTime() < deadline, "open files " + before + " before 20 failed starts, " + openFiles() + " after");
      Thread.sleep(50);
    }
  }

  private void startRefused(ServerSettings settings) {
    GrpcServer.Builder builder = GrpcServer.onPort(name, 0, settings).addService(EchoService.echo())
        .addAdminService(EchoService.named("test.Admin"), 0);
    assertThrows(ConfigException.class, builder::start);
  }

  private static long openFiles() {
    return ((com.sun.management.UnixOperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getOpenFileDescriptorCount();
  }

  private void start(BindableService service) {
    server = GrpcServer.inProcess("test", name).addService(service).start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  private static ServingStatus status(HealthGrpc.HealthBlockingStub health, String service) {
    return health.check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus();
  }

  private static BindableService echo() {
    return () -> ServerServiceDefinition.builder(SERVICE)
        .addMethod(ECHO, ServerCalls.asyncUnaryCall((String request, StreamObserver<String> out) -> {
          out.onNext(request);
          out.onCompleted();
        }))
        .build();
  }

  private static BindableService throwing(RuntimeException failure) {
    return () -> ServerServiceDefinition.builder(SERVICE)
        .addMethod(ECHO, ServerCalls.asyncUnaryCall((String request, StreamObserver<String> out) -> {
          throw failure;
        }))
        .build();
  }

  private Set<String> listServicesV1() throws Exception {
    CompletableFuture<Set<String>> result = new CompletableFuture<>();
    StreamObserver<io.grpc.reflection.v1.ServerReflectionRequest> requests =
        io.grpc.reflection.v1.ServerReflectionGrpc.newStub(channel).serverReflectionInfo(
            observer(result, r -> r.getListServicesResponse().getServiceList().stream()
                .map(io.grpc.reflection.v1.ServiceResponse::getName).collect(Collectors.toSet())));
    requests.onNext(io.grpc.reflection.v1.ServerReflectionRequest.newBuilder().setListServices("").build());
    requests.onCompleted();
    return result.get(5, TimeUnit.SECONDS);
  }

  private Set<String> listServicesV1Alpha() throws Exception {
    CompletableFuture<Set<String>> result = new CompletableFuture<>();
    StreamObserver<io.grpc.reflection.v1alpha.ServerReflectionRequest> requests =
        io.grpc.reflection.v1alpha.ServerReflectionGrpc.newStub(channel).serverReflectionInfo(
            observer(result, r -> r.getListServicesResponse().getServiceList().stream()
                .map(io.grpc.reflection.v1alpha.ServiceResponse::getName).collect(Collectors.toSet())));
    requests.onNext(io.grpc.reflection.v1alpha.ServerReflectionRequest.newBuilder().setListServices("").build());
    requests.onCompleted();
    return result.get(5, TimeUnit.SECONDS);
  }

  private static <R> StreamObserver<R> observer(
      CompletableFuture<Set<String>> result, java.util.function.Function<R, Set<String>> names) {
    return new StreamObserver<>() {
      @Override
      public void onNext(R response) {
        result.complete(names.apply(response));
      }

      @Override
      public void onError(Throwable t) {
        result.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {
        result.complete(Set.of());
      }
    };
  }

  /** Strings as UTF-8 bytes, so the test needs no protobuf message of its own. */
  private static final class Utf8Marshaller implements MethodDescriptor.Marshaller<String> {
    @Override
    public InputStream stream(String value) {
      return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String parse(InputStream stream) {
      try {
        return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
