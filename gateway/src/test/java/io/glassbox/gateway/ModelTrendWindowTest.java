package io.glassbox.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Duration;
import io.glassbox.api.v1.GetModelInfoRequest;
import io.glassbox.api.v1.ModelInfo;
import io.glassbox.api.v1.ModelServiceGrpc;
import io.glassbox.api.v1.TrendTerm;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The trend window's first fetch, its fast retries while unknown and its slow refresh once known. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ModelTrendWindowTest {
  private static final Duration WINDOW = Duration.newBuilder().setSeconds(14 * 86_400).build();

  /** Answers UNAVAILABLE to the first {@code failures} GetModelInfo calls, then the window. */
  private static final class Model extends ModelServiceGrpc.ModelServiceImplBase {
    final AtomicInteger calls = new AtomicInteger();
    /** Calls refused from now on (counted down). */
    volatile int failures;

    @Override
    public void getModelInfo(GetModelInfoRequest request, StreamObserver<ModelInfo> replies) {
      calls.incrementAndGet();
      if (failures > 0) {
        failures--;
        replies.onError(Status.UNAVAILABLE.withDescription("loading").asRuntimeException());
        return;
      }
      replies.onNext(ModelInfo.newBuilder().setVersion("v")
          .setTrend(TrendTerm.newBuilder().setWindow(WINDOW).setWeight(1.0)).build());
      replies.onCompleted();
    }
  }

  private static final class ManualTicker extends Deadline.Ticker {
    volatile long nanos = 1_000_000_000L;

    @Override
    public long nanoTime() {
      return nanos;
    }

    void advanceMillis(long millis) {
      nanos += TimeUnit.MILLISECONDS.toNanos(millis);
    }
  }

  private final Model model = new Model();
  private final ManualTicker ticker = new ManualTicker();
  private Server server;
  private ManagedChannel channel;
  private ModelTrendWindow window;

  @BeforeEach
  void start() throws Exception {
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).directExecutor().addService(model).build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    window = new ModelTrendWindow(ModelServiceGrpc.newFutureStub(channel), ticker);
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
  }

  @Test
  void awaitFirst_modelUp_theFirstRequestSeesTheWindow() {
    assertTrue(window.awaitFirst(2_000));

    assertEquals(Optional.of(WINDOW), window.current());
    assertEquals(1, model.calls.get(), "no second fetch right after the first");
  }

  @Test
  void awaitFirst_modelRefusesAtFirst_asksAgainWithinItsWait() {
    model.failures = 2;

    assertTrue(window.awaitFirst(5_000));
    assertEquals(3, model.calls.get());
    assertEquals(Optional.of(WINDOW), window.current());
  }

  @Test
  void awaitFirst_modelNotReady_thenRequestsAskEverySecondUntilKnown_thenEvery30s() {
    model.failures = Integer.MAX_VALUE;
    assertFalse(window.awaitFirst(300));
    assertEquals(Optional.empty(), window.current());
    model.failures = 0;
    int asked = model.calls.get();

    ticker.advanceMillis(500);
    assertEquals(Optional.empty(), window.current());
    assertEquals(asked, model.calls.get(), "not again within a second");

    ticker.advanceMillis(600);
    window.current(); // fetches (answered at once: direct executors)
    assertEquals(asked + 1, model.calls.get());
    assertEquals(Optional.of(WINDOW), window.current());

    ticker.advanceMillis(2_000);
    window.current();
    assertEquals(asked + 1, model.calls.get(), "once known, not every second");
    ticker.advanceMillis(TimeUnit.NANOSECONDS.toMillis(ModelTrendWindow.REFRESH_NANOS));
    window.current();
    assertEquals(asked + 2, model.calls.get(), "refreshed after 30 s");
  }
}
