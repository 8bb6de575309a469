package io.glassbox.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.util.concurrent.ListenableFuture;
import io.glassbox.api.v1.ExplainServiceGrpc;
import io.glassbox.api.v1.GetModelInfoRequest;
import io.glassbox.api.v1.GetModelInsightsRequest;
import io.glassbox.api.v1.GetModelInsightsResponse;
import io.glassbox.api.v1.ModelInfo;
import io.glassbox.api.v1.ModelServiceGrpc;
import io.glassbox.api.v1.ScoreRequest;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.GrpcServer;
import io.glassbox.server.RunningServers;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** GetModelInsights is background work: a bounded number of calls, scoring in small calls one at a time. */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class InsightsYieldTest {
  private static final GetModelInsightsRequest ONE_CUSTOMER =
      GetModelInsightsRequest.newBuilder().addUserIds("12347").build();

  @Test
  void getModelInsights_pastTheConcurrencyLimit_isResourceExhaustedSayingHowManyRun() throws Exception {
    HeldModelInfo model = new HeldModelInfo();
    try (RunningServers running = new RunningServers()) {
      String modelName = "model-" + UUID.randomUUID();
      running.keep(GrpcServer.inProcess("fake-model", modelName).addService(model).start());
      String featureName = "feature-" + UUID.randomUUID();
      running.keep(GrpcServer.inProcess("fake-feature", featureName).addService(new FakeFeatureService(Map.of()))
          .start());
      // On a real port, as ExplainMain serves it (default settings: one insights call at a time).
      GrpcServer explain = running.keep(ExplainMain.start(ConfigSource.of(Map.of(
          "GLASSBOX_EXPLAIN_PORT", "0", "GLASSBOX_METRICS_PORT", "0",
          "GLASSBOX_MODEL_TARGET", "in-process:" + modelName, "GLASSBOX_FEATURE_TARGET", "in-process:" + featureName))));
      ManagedChannel channel = running.channel("localhost:" + explain.port());
      ExplainServiceGrpc.ExplainServiceBlockingStub stub = ExplainServiceGrpc.newBlockingStub(channel);
      model.hold();
      ListenableFuture<GetModelInsightsResponse> first =
          ExplainServiceGrpc.newFutureStub(channel).getModelInsights(ONE_CUSTOMER);
      assertTrue(model.asked.await(30, TimeUnit.SECONDS), "the first call is running");

      StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
          () -> stub.withDeadlineAfter(3, TimeUnit.SECONDS).getModelInsights(ONE_CUSTOMER));

      assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused.getStatus().getCode(), refused.getStatus().toString());
      assertEquals("1 GetModelInsights call is running, the most GLASSBOX_EXPLAIN_INSIGHTS_CONCURRENCY allows at once"
          + " (insights are background work and yield to serving); retry later", refused.getStatus().getDescription());
      model.answer();
      // The fake feature service has no records: the first call fails, and gives its slot back.
      assertThrows(ExecutionException.class, () -> first.get(30, TimeUnit.SECONDS));
      StatusRuntimeException next = assertThrows(StatusRuntimeException.class,
          () -> stub.withDeadlineAfter(30, TimeUnit.SECONDS).getModelInsights(ONE_CUSTOMER));
      assertNotEquals(Status.Code.RESOURCE_EXHAUSTED, next.getStatus().getCode(), next.getStatus().toString());
    }
  }

  @Test
  void backgroundClient_splitsABatchIntoSmallScoreCallsSentOneAtATime() {
    List<String> candidates = IntStream.range(0, 500).mapToObj(i -> "c" + i).toList();
    AdditiveScorer scorer = new AdditiveScorer().know(candidates.toArray(String[]::new));
    List<List<String>> histories = IntStream.range(0, 40).mapToObj(i -> List.of("c" + i)).toList();
    FakeModelService fake = new FakeModelService(scorer, "v1");
    InFlight inFlight = new InFlight();
    try (RunningServers running = new RunningServers()) {
      // On a port, each call on a thread of its own: calls sent together are served together.
      GrpcServer server = running.keep(GrpcServer.onPort("fake-model", 0)
          .addService(() -> ServerInterceptors.intercept(fake, inFlight)).start());
      ModelClient serving = new ModelClient(running.channel("localhost:" + server.port()), Duration.ofSeconds(30));

      ModelClient.ScoredRows scored = serving.background()
          .scoreSlate(histories, candidates, RecentPurchases.NONE, ModelVersionPin.NONE);

      assertEquals(40, scored.rows().size());
      assertEquals(scorer.score(histories.get(39), candidates), scored.rows().get(39));
      List<ScoreRequest> calls = fake.requests();
      assertEquals(List.of(16, 16, 8), calls.stream().map(ScoreRequest::getRowsCount).toList());
      assertEquals(1, inFlight.most.get(), "one background call in flight at a time");
      serving.scoreSlate(histories, candidates, RecentPurchases.NONE, ModelVersionPin.NONE);
      assertEquals(40, fake.requests().get(3).getRowsCount(), "serving sends the batch in one call");
    }
  }

  /** A model service whose GetModelInfo answers only once {@link #answer} is called (at once after). */
  /**
   * Answers GetModelInfo at once until {@link #hold}, then holds each call until {@link #answer}:
   * the explain service's own start-up call (DependencyWarmup) is answered, not taken for the
   * first insights call.
   */
  private static final class HeldModelInfo extends ModelServiceGrpc.ModelServiceImplBase {
    final CountDownLatch asked = new CountDownLatch(1);
    private final List<StreamObserver<ModelInfo>> held = new ArrayList<>();
    private boolean holding;

    @Override
    public void getModelInfo(GetModelInfoRequest request, StreamObserver<ModelInfo> observer) {
      synchronized (held) {
        if (holding) {
          held.add(observer);
          asked.countDown();
          return;
        }
      }
      reply(observer);
    }

    void hold() {
      synchronized (held) {
        holding = true;
      }
    }

    void answer() {
      synchronized (held) {
        holding = false;
        held.forEach(HeldModelInfo::reply);
        held.clear();
      }
    }

    private static void reply(StreamObserver<ModelInfo> observer) {
      observer.onNext(ModelInfo.newBuilder().setVersion("v1").build());
      observer.onCompleted();
    }
  }

  /** Counts the calls running at once (arrived, not yet answered), and the most seen. */
  private static final class InFlight implements ServerInterceptor {
    final AtomicInteger now = new AtomicInteger();
    final AtomicInteger most = new AtomicInteger();

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
      most.accumulateAndGet(now.incrementAndGet(), Math::max);
      // Counted out before the answer leaves: a caller that waits for it cannot overlap.
      return next.startCall(new SimpleForwardingServerCall<>(call) {
        @Override
        public void close(Status status, Metadata trailers) {
          now.decrementAndGet();
          super.close(status, trailers);
        }
      }, headers);
    }
  }
}
