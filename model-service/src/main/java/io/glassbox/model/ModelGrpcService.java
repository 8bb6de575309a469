package io.glassbox.model;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Timestamp;
import io.glassbox.api.v1.CandidateEvidence;
import io.glassbox.api.v1.ExecutionProvider;
import io.glassbox.api.v1.GetModelInfoRequest;
import io.glassbox.api.v1.GetSimilarTitlesRequest;
import io.glassbox.api.v1.GetSimilarTitlesResponse;
import io.glassbox.api.v1.ModelInfo;
import io.glassbox.api.v1.ModelServiceGrpc;
import io.glassbox.api.v1.ScoreRequest;
import io.glassbox.api.v1.ScoreResponse;
import io.glassbox.api.v1.ScoreRow;
import io.glassbox.api.v1.ScoreRowResult;
import io.glassbox.api.v1.ServingInfo;
import io.glassbox.api.v1.SharedCandidates;
import io.glassbox.api.v1.TitleSimilarityTerm;
import io.glassbox.api.v1.UnknownItemPolicy;
import io.glassbox.server.ModelVersionRefusal;
import io.glassbox.server.RequestChecks;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code glassbox.v1.ModelService}: translates proto to one domain call and back. */
public final class ModelGrpcService extends ModelServiceGrpc.ModelServiceImplBase {
  private static final Logger log = LoggerFactory.getLogger(ModelGrpcService.class);
  /** Most items GetSimilarTitles returns, and its default. */
  static final int MAX_SIMILAR_TITLES = 200;
  static final int DEFAULT_SIMILAR_TITLES = 20;

  private final Scorer scorer;
  private final ModelRegistry registry;
  private final int intraOpThreads;

  @Inject
  public ModelGrpcService(Scorer scorer, ModelRegistry registry, ModelConfig config) {
    this.scorer = requireNonNull(scorer, "scorer");
    this.registry = requireNonNull(registry, "registry");
    this.intraOpThreads = config.effectiveIntraOpThreads();
  }

  @Override
  public void score(ScoreRequest request, StreamObserver<ScoreResponse> responses) {
    Optional<Deadline> deadline = Optional.ofNullable(Context.current().getDeadline());
    if (!scorer.engineSettings().batching()) {
      respond(responses, () -> toProto(scorer.score(toQuery(request), deadline), request));
      return;
    }
    // With batching the call is queued and answered from the batching worker: no thread waits
    // for it, and the handler can run on the transport's thread (ModelMain).
    ServerCallStreamObserver<ScoreResponse> call = (ServerCallStreamObserver<ScoreResponse>) responses;
    CompletableFuture<ScoredBatch> scored;
    try {
      checkStillWanted();
      scored = scorer.scoreAsync(toQuery(request), deadline);
    } catch (RuntimeException e) {
      responses.onError(status(e));
      return;
    }
    call.setOnCancelHandler(() -> scored.cancel(false));     // a queued call is dropped
    scored.whenComplete((batch, failure) -> {
      if (call.isCancelled()) {
        return;
      }
      if (failure != null) {
        responses.onError(status(Scorer.failureOf(failure)));
        return;
      }
      try {
        responses.onNext(toProto(batch, request));
        responses.onCompleted();
      } catch (RuntimeException e) {
        // Nothing else would answer the call: the worker running this must not swallow it.
        responses.onError(status(e));
      }
    });
  }

  @Override
  public void getModelInfo(GetModelInfoRequest request, StreamObserver<ModelInfo> responses) {
    respond(responses, () -> describe(registry.active().orElseThrow(ModelNotLoadedException::new)));
  }

  @Override
  public void getSimilarTitles(GetSimilarTitlesRequest request, StreamObserver<GetSimilarTitlesResponse> responses) {
    respond(responses, () -> similarTitles(request));
  }

  private GetSimilarTitlesResponse similarTitles(GetSimilarTitlesRequest request) {
    String itemId = RequestChecks.requireId("item_id", request.getItemId());
    int limit = RequestChecks.limitOrDefault("limit", request.getLimit(), DEFAULT_SIMILAR_TITLES, MAX_SIMILAR_TITLES);
    LoadedModel model = registry.active().orElseThrow(ModelNotLoadedException::new);
    model.requireVersion(Optional.of(request.getModelVersion()).filter(v -> !v.isEmpty()));
    int index = model.vocabulary().indexOf(itemId);
    GetSimilarTitlesResponse.Builder response = GetSimilarTitlesResponse.newBuilder()
        .setKnownItem(index > 0)
        .setTitleTerm(model.titleTerm().isPresent())
        .setModelVersion(model.version());
    if (index > 0) {
      model.titleTerm().ifPresent(title -> title.similar(index, limit).forEach(similar ->
          response.addItemsBuilder().setItemId(model.vocabulary().idAt(similar.index())).setCosine(similar.cosine())));
    }
    return response.build();
  }

  /**
   * Runs one call, mapping domain failures to the status codes the proto promises. A call whose
   * caller has gone or whose deadline has passed is not started.
   */
  static <T> void respond(StreamObserver<T> responses, Supplier<T> call) {
    T response;
    try {
      checkStillWanted();
      response = call.get();
    } catch (RuntimeException e) {
      responses.onError(status(e));
      return;
    }
    responses.onNext(response);
    responses.onCompleted();
  }

  private static void checkStillWanted() {
    if (Context.current().getDeadline() != null && Context.current().getDeadline().isExpired()) {
      throw Status.DEADLINE_EXCEEDED.withDescription("deadline expired before the call started").asRuntimeException();
    }
    if (Context.current().isCancelled()) {
      throw Status.CANCELLED.withDescription("the caller cancelled before the call started").asRuntimeException();
    }
  }

  /**
   * The status the proto promises for a domain failure; anything unexpected is logged and
   * answered INTERNAL with a generic message, as the server's interceptor would.
   */
  private static StatusRuntimeException status(RuntimeException e) {
    if (e instanceof StatusRuntimeException status) {
      return status;
    }
    if (e instanceof ModelNotLoadedException) {
      return Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException();
    }
    if (e instanceof ScoreQueueFullException) {
      return Status.RESOURCE_EXHAUSTED.withDescription(e.getMessage()).asRuntimeException();
    }
    if (e instanceof CancellationException) {
      // Queued calls are cancelled when the engine closes (as BatchingInference#run answers).
      return Status.RESOURCE_EXHAUSTED.withDescription("the model service is shutting down").asRuntimeException();
    }
    if (e instanceof ScoreDeadlineExceededException) {
      return Status.DEADLINE_EXCEEDED.withDescription(e.getMessage()).asRuntimeException();
    }
    if (e instanceof ModelVersionMismatchException) {
      // Marked, so that callers tell it from the other FAILED_PRECONDITIONs without the words.
      return Status.FAILED_PRECONDITION.withDescription(e.getMessage())
          .asRuntimeException(ModelVersionRefusal.trailers());
    }
    if (e instanceof ModelLoadException || e instanceof TrendWindowMismatchException) {
      return Status.FAILED_PRECONDITION.withDescription(e.getMessage()).asRuntimeException();
    }
    if (e instanceof ModelVersionNotFoundException) {
      return Status.NOT_FOUND.withDescription(e.getMessage()).asRuntimeException();
    }
    if (e instanceof ModelInferenceException) {
      log.error("{}", e.getMessage(), e);
      return Status.INTERNAL.withDescription("model inference failed").asRuntimeException();
    }
    log.error("a call failed", e);
    return Status.INTERNAL.withDescription("internal error").asRuntimeException();
  }

  private static ScoreQuery toQuery(ScoreRequest request) {
    Optional<ScoreQuery.Row> shared = sharedCandidates(request);
    List<ScoreQuery.Row> rows = new ArrayList<>(request.getRowsCount());
    for (int r = 0; r < request.getRowsCount(); r++) {
      ScoreRow row = request.getRows(r);
      if (row.getCandidateItemIdsCount() > 0 || shared.isEmpty()) {
        rows.add(new ScoreQuery.Row(row.getHistoryItemIdsList(), row.getCandidateItemIdsList(),
            row.getCandidateRecentPurchasesList()));
        continue;
      }
      // The same list objects for every such row: the scorer checks and maps them once. A row
      // may bring its own counts for them (e.g. the trend set to 0).
      rows.add(new ScoreQuery.Row(row.getHistoryItemIdsList(), shared.get().candidateItemIds(),
          row.getCandidateRecentPurchasesCount() > 0 ? row.getCandidateRecentPurchasesList()
              : shared.get().candidateRecentPurchases()));
    }
    Optional<java.time.Duration> window = Optional.empty();
    if (request.hasRecentPurchasesWindow()) {
      com.google.protobuf.Duration proto = request.getRecentPurchasesWindow();
      if (proto.getNanos() < 0 || proto.getNanos() > 999_999_999) {
        throw RequestChecks.invalid("recent_purchases_window.nanos must be 0..999999999");
      }
      window = Optional.of(java.time.Duration.ofSeconds(proto.getSeconds(), proto.getNanos()));
    }
    return new ScoreQuery(
        rows,
        request.getIncludeAttention(),
        request.getIncludeContribution(),
        toPolicy(request.getUnknownItems()),
        request.getModelVersion().isEmpty() ? Optional.empty() : Optional.of(request.getModelVersion()),
        window);
  }

  /** The request's shared candidates (as a row without history), checked; empty when not sent. */
  private static Optional<ScoreQuery.Row> sharedCandidates(ScoreRequest request) {
    if (!request.hasSharedCandidates()) {
      return Optional.empty();
    }
    SharedCandidates shared = request.getSharedCandidates();
    String field = "shared_candidates.candidate_item_ids";
    RequestChecks.requireCount(field, shared.getCandidateItemIdsCount(), 1, Scorer.MAX_CANDIDATES);
    RequestChecks.requireIds(field, shared.getCandidateItemIdsList());
    if (shared.getCandidateRecentPurchasesCount() > 0) {
      Scorer.requireCounts("shared_candidates.candidate_recent_purchases",
          shared.getCandidateRecentPurchasesList(), shared.getCandidateItemIdsCount());
    }
    return Optional.of(new ScoreQuery.Row(List.of(), shared.getCandidateItemIdsList(),
        shared.getCandidateRecentPurchasesList()));
  }

  private static ScoreQuery.UnknownItems toPolicy(UnknownItemPolicy policy) {
    return switch (policy) {
      case UNKNOWN_ITEM_POLICY_SKIP -> ScoreQuery.UnknownItems.SKIP;
      case UNKNOWN_ITEM_POLICY_UNSPECIFIED, UNKNOWN_ITEM_POLICY_REJECT -> ScoreQuery.UnknownItems.REJECT;
      default -> throw RequestChecks.invalid("unknown_items must be UNKNOWN_ITEM_POLICY_REJECT or "
          + "UNKNOWN_ITEM_POLICY_SKIP, got " + policy);
    };
  }

  private static ScoreResponse toProto(ScoredBatch batch, ScoreRequest request) {
    ScoreResponse.Builder response = ScoreResponse.newBuilder().setModelVersion(batch.modelVersion());
    for (int r = 0; r < batch.rows().size(); r++) {
      ScoredBatch.Row row = batch.rows().get(r);
      ScoreRowResult.Builder result = response.addRowsBuilder()
          .addAllHistoryItemIds(row.historyItemIds())
          .addAllSkippedItemIds(row.skippedItemIds());
      // Candidates are only ever left out, in order: the same count means the same ids.
      int sent = request.getRows(r).getCandidateItemIdsCount() > 0 ? request.getRows(r).getCandidateItemIdsCount()
          : request.getSharedCandidates().getCandidateItemIdsCount();
      boolean unchanged = row.candidateItemIds().size() == sent;
      if (!(request.getOmitUnchangedCandidateIds() && unchanged)) {
        result.addAllCandidateItemIds(row.candidateItemIds());
      }
      for (int c = 0; c < row.scores().length; c++) {
        result.addScores(row.scores()[c]);
        result.addTrendScores(row.trendScores()[c]);
      }
      if (row.attention() != null || row.contribution() != null) {
        for (int c = 0; c < row.scores().length; c++) {
          CandidateEvidence.Builder evidence = result.addEvidenceBuilder();
          if (row.attention() != null) {
            for (float value : row.attention()[c]) {
              evidence.addAttention(value);
            }
          }
          if (row.contribution() != null) {
            for (float value : row.contribution()[c]) {
              evidence.addContribution(value);
            }
          }
        }
      }
    }
    return response.build();
  }

  /** The proto description of {@code model} as this service serves it (also for ModelAdmin). */
  ModelInfo describe(LoadedModel model) {
    ModelMetadata metadata = model.metadata();
    Instant trainedAt = metadata.trainedAt();
    InferenceEngine.Settings engine = scorer.engineSettings();
    ModelInfo.Builder info = ModelInfo.newBuilder();
    metadata.trend().ifPresent(trend -> info.setTrend(io.glassbox.api.v1.TrendTerm.newBuilder()
        .setWindow(durationProto(trend.window()))
        .setWeight(trend.weight())));
    model.titleTerm().ifPresent(title -> info.setTitleSimilarity(TitleSimilarityTerm.newBuilder()
        .setWeight(title.weight())
        .setItemsWithTitles(title.itemsWithTitles())
        .setWords(title.wordCount())));
    metadata.testUsers().forEach((figures, tested) -> info.putTestUsers(figures,
        io.glassbox.api.v1.TestUsers.newBuilder().setCount(tested.count()).setSha256(tested.sha256()).build()));
    info.setServing(ServingInfo.newBuilder()
        .setBatching(engine.batching())
        .setMaxBatchCalls(engine.maxBatchCalls())
        .setMaxQueueDelay(durationProto(engine.maxQueueDelay()))
        .setMaxQueuedCalls(engine.maxQueuedCalls())
        .setIntraOpThreads(intraOpThreads)
        .setParallelRuns(engine.parallelRuns())
        .setBatcherSpin(durationProto(engine.batcherSpin()))
        .setExecutionProviderFallback(model.executionProviderFallback()));
    return info
        .setModelName(model.modelName())
        .setVersion(model.version())
        .setDataset(metadata.dataset())
        .setTrainedAt(Timestamp.newBuilder()
            .setSeconds(trainedAt.getEpochSecond())
            .setNanos(trainedAt.getNano()))
        .setMaxHistoryLength(metadata.maxHistoryLength())
        .setVocabularySize(model.vocabulary().size())
        .setExecutionProvider(model.device() == Device.CUDA
            ? ExecutionProvider.EXECUTION_PROVIDER_CUDA
            : ExecutionProvider.EXECUTION_PROVIDER_CPU)
        .putAllMetrics(metadata.metrics())
        .setOpset(metadata.opset())
        .build();
  }

  private static com.google.protobuf.Duration durationProto(java.time.Duration duration) {
    return com.google.protobuf.Duration.newBuilder()
        .setSeconds(duration.getSeconds())
        .setNanos(duration.getNano())
        .build();
  }
}
