package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.api.v1.GatewayGrpc;
import io.glassbox.api.v1.RecommendRequest;
import io.glassbox.api.v1.RecommendResponse;
import io.grpc.HandlerRegistry;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerMethodDefinition;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * On a loaded machine connecting alone can take seconds: a command's deadline counts the answer
 * from the connection made, and running out of it is said as such. Before, health's single try
 * had 1 s for both and printed "is DEADLINE_EXCEEDED" for a server that was up.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SlowServerTest {
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  private final ExecutorService threads = Executors.newCachedThreadPool();
  private Server server;
  private ServerSocket relaying;

  @AfterEach
  void stop() throws InterruptedException, IOException {
    if (relaying != null) {
      relaying.close();
    }
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    threads.shutdownNow();
  }

  @Test
  void health_serverAnsweringInOneAndAHalfSeconds_isServingOnASingleTry() throws IOException {
    server = start(new HealthGrpc.HealthImplBase() {
      @Override
      public void check(HealthCheckRequest request, StreamObserver<HealthCheckResponse> reply) {
        CompletableFuture.delayedExecutor(1500, TimeUnit.MILLISECONDS).execute(() -> {
          reply.onNext(HealthCheckResponse.newBuilder().setStatus(ServingStatus.SERVING).build());
          reply.onCompleted();
        });
      }
    });
    String target = "localhost:" + server.getPort();

    CliRun run = CliRun.of("health", "--target", target);

    assertEquals(0, run.exit(), run.err());
    assertEquals(target + " is SERVING\n", run.out());
  }

  @Test
  void recommend_connectionSlowerThanTheTimeout_getsItsAnswer() throws IOException {
    server = start(new GatewayGrpc.GatewayImplBase() {
      @Override
      public void recommend(RecommendRequest request, StreamObserver<RecommendResponse> reply) {
        reply.onNext(RecommendResponse.newBuilder().setModelVersion("slow-1").build());
        reply.onCompleted();
      }
    });
    int slow = relay(server.getPort(), Duration.ofSeconds(1));

    CliRun run = CliRun.of("recommend", "--user", "12348", "--json", "--timeout-ms", "500",
        "--target", "localhost:" + slow);

    assertEquals(0, run.exit(), run.err());
    assertTrue(run.out().contains("\"model_version\": \"slow-1\""), run.out());
  }

  /** A server that takes every call and answers none: health and recommend say they had no answer in time. */
  @Test
  void commands_serverNeverAnswering_sayNoAnswerWithinTheirLimit() throws IOException {
    server = NettyServerBuilder.forAddress(new InetSocketAddress(LOOPBACK, 0))
        .fallbackHandlerRegistry(new HandlerRegistry() {
          @Override
          public ServerMethodDefinition<?, ?> lookupMethod(String method, String authority) {
            // Any method: its request is never read, so the descriptor's messages do not matter.
            return ServerMethodDefinition.create(HealthGrpc.getCheckMethod(),
                (call, headers) -> new ServerCall.Listener<>() {});   // held: never answered
          }
        }).build().start();
    String target = "localhost:" + server.getPort();

    CliRun health = CliRun.of("health", "--target", target);
    CliRun recommend = CliRun.of("recommend", "--user", "12348", "--timeout-ms", "300", "--target", target);

    assertEquals(1, health.exit(), health.err());
    assertEquals("glassbox health: no answer from " + target + " within 5 s\n", health.err());
    assertEquals(1, recommend.exit(), recommend.err());
    assertTrue(recommend.err().startsWith("glassbox: DEADLINE_EXCEEDED: "), recommend.err());
    assertTrue(recommend.err().endsWith("\nglassbox: no answer from " + target + " within the command's deadline"
        + " (its --timeout option): the server is busy or slow; a longer one may do.\n"), recommend.err());
  }

  private static Server start(io.grpc.BindableService service) throws IOException {
    return NettyServerBuilder.forAddress(new InetSocketAddress(LOOPBACK, 0)).addService(service).build().start();
  }

  /** A loopback port whose connections reach {@code port} only after {@code delay}: a slow connect. */
  private int relay(int port, Duration delay) throws IOException {
    relaying = new ServerSocket(0, 50, LOOPBACK);
    threads.execute(() -> {
      try {
        while (true) {
          Socket client = relaying.accept();
          threads.execute(() -> {
            try (client; Socket upstream = connectAfter(delay, port)) {
              threads.execute(() -> copy(upstream, client));
              copy(client, upstream);
            } catch (IOException | InterruptedException e) {
              // the test ended: its server or the client closed
            }
          });
        }
      } catch (IOException e) {
        // closed: the test ended
      }
    });
    return relaying.getLocalPort();
  }

  private static Socket connectAfter(Duration delay, int port) throws IOException, InterruptedException {
    TimeUnit.NANOSECONDS.sleep(delay.toNanos());   // the slowness being imitated, not a wait for a condition
    return new Socket(LOOPBACK, port);
  }

  private static void copy(Socket from, Socket to) {
    try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
      in.transferTo(out);
    } catch (IOException e) {
      // one side closed: the call is over
    }
  }
}
