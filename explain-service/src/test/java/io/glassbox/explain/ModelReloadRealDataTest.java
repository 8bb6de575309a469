package io.glassbox.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.api.v1.Candidate;
import io.glassbox.api.v1.ExplainItemRequest;
import io.glassbox.api.v1.ExplainItemResponse;
import io.glassbox.api.v1.ExplainServiceGrpc;
import io.glassbox.api.v1.GetModelInfoRequest;
import io.glassbox.api.v1.GetModelInsightsRequest;
import io.glassbox.api.v1.GetModelInsightsResponse;
import io.glassbox.api.v1.ModelAdminGrpc;
import io.glassbox.api.v1.ModelInfo;
import io.glassbox.api.v1.ModelServiceGrpc;
import io.glassbox.api.v1.ReloadModelRequest;
import io.glassbox.api.v1.ScoreRequest;
import io.glassbox.api.v1.ScoreResponse;
import io.glassbox.api.v1.UserRanking;
import io.glassbox.server.GrpcServer;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real ReloadModel between two Score calls of one ExplainItem: the real model service (the
 * shipped model, and a copy of it as a newer version) refuses the explain service's own pin, and
 * the caller, who pinned nothing, gets UNAVAILABLE; its retry is answered by the new version. A
 * caller's own pin refused so stays FAILED_PRECONDITION. A reload right after GetModelInsights'
 * GetModelInfo, to a version with another trend window, is UNAVAILABLE too.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ModelReloadRealDataTest {
  private static final String SHIPPED = "20261122-050136";
  private static final String RETRAINED = "20261122-060000";
  private static final String WEEKLY = "20261122-070000";
  private static final String CUSTOMER = "12347";

  @TempDir Path models;

  @Test
  void explainItem_modelReloadedAfterItsFirstScore_isUnavailableToRetryUnlessTheCallerPinnedIt() throws IOException {
    try (Suite suite = Suite.start(models)) {
      ReloadingModel reloading = suite.reloading();
      ExplainServiceGrpc.ExplainServiceBlockingStub stub = suite.servers().explain;
      UserDataClient users = new UserDataClient(suite.servers().feature, Duration.ofSeconds(30));
      List<String> record = users.record(CUSTOMER, 200);
      List<String> candidates = users.candidates(CUSTOMER, 100, record, Optional.empty()).eligible().stream()
          .map(Candidate::getItemId).toList();
      ExplainItemRequest request = ExplainItemRequest.newBuilder().setItemId(candidates.get(0))
          .setRanking(UserRanking.newBuilder().addAllRecordItemIds(record).addAllCandidateItemIds(candidates))
          .build();

      reloading.reloadAfterNextScore(RETRAINED);
      StatusRuntimeException failed =
          assertThrows(StatusRuntimeException.class, () -> deadline(stub).explainItem(request));

      assertEquals(Status.Code.UNAVAILABLE, failed.getStatus().getCode(), failed.getStatus().getDescription());
      assertEquals("the model changed while answering; retry", failed.getStatus().getDescription());
      ExplainItemResponse retried = deadline(stub).explainItem(request);
      assertEquals(RETRAINED, retried.getModelVersion());
      assertTrue(retried.getRank() >= 1);

      // A caller who pinned the version that is swapped out learns that its pin no longer holds.
      reloading.reloadAfterNextScore(SHIPPED);
      StatusRuntimeException pinned = assertThrows(StatusRuntimeException.class, () -> deadline(stub).explainItem(
          request.toBuilder().setRanking(request.getRanking().toBuilder().setModelVersion(RETRAINED)).build()));

      assertEquals(Status.Code.FAILED_PRECONDITION, pinned.getStatus().getCode(), pinned.getStatus().getDescription());
      assertTrue(pinned.getStatus().getDescription().contains("is not the active version \"" + SHIPPED + "\""),
          pinned.getStatus().getDescription());
    }
  }

  /**
   * GetModelInsights reads the trend window with GetModelInfo before its first Score: a reload
   * between the two, to a version counting recent purchases over another window, is the model
   * changing while answering (UNAVAILABLE), not the model service's window refusal passed through;
   * the retry pairs the new version with its own window.
   */
  @Test
  void getModelInsights_modelReloadedToAnotherTrendWindowAfterGetModelInfo_isUnavailableToRetry()
      throws IOException {
    try (Suite suite = Suite.start(models)) {
      ExplainServiceGrpc.ExplainServiceBlockingStub stub = suite.servers().explain;
      GetModelInsightsRequest request = GetModelInsightsRequest.newBuilder().addUserIds(CUSTOMER).build();

      suite.reloading().reloadAfterNextModelInfo(WEEKLY);
      StatusRuntimeException failed =
          assertThrows(StatusRuntimeException.class, () -> deadline(stub).getModelInsights(request));

      assertEquals(Status.Code.UNAVAILABLE, failed.getStatus().getCode(), failed.getStatus().getDescription());
      assertEquals("the model changed while answering; retry", failed.getStatus().getDescription());
      GetModelInsightsResponse retried = deadline(stub).getModelInsights(request);
      assertEquals(WEEKLY, retried.getModelVersion());
      assertEquals(com.google.protobuf.Duration.newBuilder().setSeconds(7 * 24 * 3600).build(),
          retried.getRecentPurchasesWindow());
    }
  }

  /**
   * The faithfulness evaluation ranks, explains and re-scores with the version that told it the
   * trend window: a reload right after its first (ranking) Score fails the run, saying so, where
   * before it measured the old version's top-k against the new version's explanations.
   */
  @Test
  void faithfulnessEvaluation_modelReloadedAfterItsFirstScore_failsSayingTheModelChanged() throws IOException {
    try (Suite suite = Suite.start(models)) {
      FaithfulnessEvaluation evaluation = new FaithfulnessEvaluation(suite.servers().feature,
          suite.servers().model, suite.servers().explainChannel, FaithfulnessEvaluation.Settings.defaults());

      suite.reloading().reloadAfterNextScore(RETRAINED);
      StatusRuntimeException failed =
          assertThrows(StatusRuntimeException.class, () -> evaluation.run(List.of(CUSTOMER)));

      assertEquals(Status.Code.ABORTED, failed.getStatus().getCode(), failed.getStatus().getDescription());
      assertEquals("the model changed during the evaluation: the model service stopped serving uci-online-retail "
          + SHIPPED + ", the version it started with, so its figures would mix two models; run it again",
          failed.getStatus().getDescription());
      FaithfulnessEvaluation.Report again = evaluation.run(List.of(CUSTOMER));
      assertEquals(1, again.users());
      assertEquals(0, again.reasonsMismatched());
      assertEquals(RETRAINED, again.modelVersion());
    }
  }

  /**
   * The real feature and model services (the shipped model, a copy as a newer version, and a copy
   * whose trend window is 7 days instead of 14), the model reached through {@link ReloadingModel},
   * and a real explain service.
   */
  private record Suite(RealExplainSuite servers, ReloadingModel reloading) implements AutoCloseable {
    static Suite start(Path models) throws IOException {
      Path shipped = Path.of(System.getProperty("glassbox.repo.root"), "models", "uci-online-retail", SHIPPED);
      copy(shipped, models.resolve("uci-online-retail").resolve(SHIPPED));
      copy(shipped, models.resolve("uci-online-retail").resolve(RETRAINED));
      Path weekly = models.resolve("uci-online-retail").resolve(WEEKLY);
      copy(shipped, weekly);
      Path metadata = weekly.resolve("metadata.json");
      String text = Files.readString(metadata);
      String weeklyText = text.replace("\"window_days\": 14,", "\"window_days\": 7,");
      assertTrue(!weeklyText.equals(text), "the shipped model's trend window is 14 days");
      Files.writeString(metadata, weeklyText);
      AtomicReference<ReloadingModel> reloading = new AtomicReference<>();
      RealExplainSuite servers = new RealExplainSuite(
          Map.of("GLASSBOX_MODEL_DIR", models.toString(), "GLASSBOX_MODEL_VERSION", SHIPPED),
          (model, running) -> {
            reloading.set(new ReloadingModel(
                ModelServiceGrpc.newBlockingStub(running.channel("localhost:" + model.port())),
                ModelAdminGrpc.newBlockingStub(running.channel("localhost:" + model.adminPort()))));
            String reloadingName = "reloading-model-" + UUID.randomUUID();
            running.keep(GrpcServer.inProcess("reloading-model", reloadingName).addService(reloading.get()).start());
            return "in-process:" + reloadingName;
          });
      return new Suite(servers, reloading.get());
    }

    @Override
    public void close() {
      servers.close();
    }
  }

  /** {@code stub} with a deadline for its next call: a hung service fails the call, not the whole run. */
  private static <S extends AbstractStub<S>> S deadline(S stub) {
    return stub.withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  private static void copy(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    try (Stream<Path> files = Files.list(from)) {
      for (Path file : files.toList()) {
        Files.copy(file, to.resolve(file.getFileName()));
      }
    }
  }

  /**
   * The real model service's Score and GetModelInfo, passed through; once armed, it reloads the
   * real model service to another version right after answering the next Score (or GetModelInfo)
   * call, as an operator's ReloadModel landing between two calls of one answer.
   */
  private static final class ReloadingModel extends ModelServiceGrpc.ModelServiceImplBase {
    private final ModelServiceGrpc.ModelServiceBlockingStub model;
    private final ModelAdminGrpc.ModelAdminBlockingStub admin;
    private final AtomicReference<String> reloadAfterScore = new AtomicReference<>();
    private final AtomicReference<String> reloadAfterModelInfo = new AtomicReference<>();

    ReloadingModel(ModelServiceGrpc.ModelServiceBlockingStub model, ModelAdminGrpc.ModelAdminBlockingStub admin) {
      this.model = model;
      this.admin = admin;
    }

    void reloadAfterNextScore(String version) {
      reloadAfterScore.set(version);
    }

    void reloadAfterNextModelInfo(String version) {
      reloadAfterModelInfo.set(version);
    }

    @Override
    public void score(ScoreRequest request, StreamObserver<ScoreResponse> observer) {
      answerThenReload(() -> deadline(model).score(request), reloadAfterScore, observer);
    }

    @Override
    public void getModelInfo(GetModelInfoRequest request, StreamObserver<ModelInfo> observer) {
      answerThenReload(() -> deadline(model).getModelInfo(request), reloadAfterModelInfo, observer);
    }

    /** Passes {@code call}'s answer on, reloading to the {@code armed} version (once) before it goes. */
    private <T> void answerThenReload(Supplier<T> call, AtomicReference<String> armed, StreamObserver<T> observer) {
      T answer;
      try {
        answer = call.get();
      } catch (StatusRuntimeException e) {
        observer.onError(e);
        return;
      }
      String version = armed.getAndSet(null);
      if (version != null) {
        deadline(admin).reloadModel(ReloadModelRequest.newBuilder().setVersion(version).build());
      }
      observer.onNext(answer);
      observer.onCompleted();
    }
  }
}
