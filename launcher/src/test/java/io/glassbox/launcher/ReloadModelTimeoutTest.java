package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.api.v1.ModelAdminGrpc;
import io.glassbox.api.v1.ReloadModelRequest;
import io.glassbox.api.v1.ReloadModelResponse;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * reload-model whose --timeout-ms runs out after the reload went out does not say only "a larger
 * --timeout-ms may do": the model service may have swapped the version in all the same, and the
 * command says so and where to read the active version. The model admin here takes the reload and
 * answers only when its caller has gone, as a model service whose load outlasts the timeout does,
 * however fast the machine.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReloadModelTimeoutTest {
  private final CountDownLatch reloadReceived = new CountDownLatch(1);
  private final CountDownLatch callerGone = new CountDownLatch(1);
  private Server server;

  @BeforeEach
  void startAModelAdminThatHoldsReloads() throws IOException {
    server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .addService(new ModelAdminGrpc.ModelAdminImplBase() {
          @Override
          public void reloadModel(ReloadModelRequest request, StreamObserver<ReloadModelResponse> responses) {
            ((ServerCallStreamObserver<ReloadModelResponse>) responses).setOnCancelHandler(callerGone::countDown);
            reloadReceived.countDown();
          }
        })
        .build().start();
  }

  @AfterEach
  void stop() {
    server.shutdownNow();
  }

  @Test
  void reloadModel_timeoutRunsOutWhileTheVersionLoads_saysItMayHaveTakenEffectAndWhereToLook() throws Exception {
    // Long enough for the request to go out on a loaded machine; the answer never comes in time.
    CliRun run = CliRun.of("reload-model", "--version", "v2", "--timeout-ms", "2000",
        "--target", "127.0.0.1:" + server.getPort());

    assertEquals(1, run.exit(), run.err());
    assertTrue(run.err().contains("DEADLINE_EXCEEDED"), run.err());
    assertTrue(run.err().contains("glassbox: the reload was sent and may or may not have taken effect"), run.err());
    // The host is the target's; the port is only up's default for the model service's metrics.
    assertTrue(run.err().contains("on its metrics port (9453 with bin/glassbox up's defaults: `curl -s"
        + " 127.0.0.1:9453/metrics | grep glassbox_model_info`)"), run.err());
    assertTrue(reloadReceived.await(0, TimeUnit.SECONDS), "the reload reached the model admin");
    assertTrue(callerGone.await(30, TimeUnit.SECONDS), "the command hung up without an answer");
  }
}
