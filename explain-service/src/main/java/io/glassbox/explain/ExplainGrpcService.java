package io.glassbox.explain;

import static java.util.Objects.requireNonNull;

import com.google.inject.Inject;
import io.glassbox.api.v1.ExplainRequest;
import io.glassbox.api.v1.ExplainResponse;
import io.glassbox.api.v1.ExplainItemRequest;
import io.glassbox.api.v1.ExplainItemResponse;
import io.glassbox.api.v1.ExplainServiceGrpc;
import io.glassbox.api.v1.GetModelInsightsRequest;
import io.glassbox.api.v1.GetModelInsightsResponse;
import io.glassbox.api.v1.WhatIfRequest;
import io.glassbox.api.v1.WhatIfResponse;
import io.glassbox.api.v1.WhyNotRequest;
import io.glassbox.api.v1.WhyNotResponse;
import io.glassbox.server.WarningLimiter;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/** glassbox.v1.ExplainService: validates each request, makes one domain call, answers. */
final class ExplainGrpcService extends ExplainServiceGrpc.ExplainServiceImplBase {
  private static final Logger log = LoggerFactory.getLogger(ExplainGrpcService.class);

  private final Explainer explainer;
  /** While a dependency is down every call fails alike: one warning a minute, the rest at DEBUG. */
  private final WarningLimiter failureWarnings = new WarningLimiter(Duration.ofMinutes(1));
  private final InteractiveExplainer interactive;
  private final ModelInsights insights;

  @Inject
  ExplainGrpcService(Explainer explainer, InteractiveExplainer interactive, ModelInsights insights) {
    this.explainer = requireNonNull(explainer, "explainer");
    this.interactive = requireNonNull(interactive, "interactive");
    this.insights = requireNonNull(insights, "insights");
  }

  @Override
  public void explain(ExplainRequest request, StreamObserver<ExplainResponse> responseObserver) {
    answer("Explain", () -> ExplainRequestReader.read(request), explainer::explain, responseObserver);
  }

  @Override
  public void explainItem(ExplainItemRequest request, StreamObserver<ExplainItemResponse> responseObserver) {
    answer("ExplainItem", () -> InteractiveRequestReader.read(request), interactive::explainItem, responseObserver);
  }

  @Override
  public void whyNot(WhyNotRequest request, StreamObserver<WhyNotResponse> responseObserver) {
    answer("WhyNot", () -> InteractiveRequestReader.read(request), interactive::whyNot, responseObserver);
  }

  @Override
  public void whatIf(WhatIfRequest request, StreamObserver<WhatIfResponse> responseObserver) {
    answer("WhatIf", () -> InteractiveRequestReader.read(request), interactive::whatIf, responseObserver);
  }

  @Override
  public void getModelInsights(
      GetModelInsightsRequest request, StreamObserver<GetModelInsightsResponse> responseObserver) {
    answer("GetModelInsights", () -> ModelInsights.read(request), insights::insights, responseObserver);
  }

  /**
   * Runs one call: validation, then the domain work, then the reply or the error (never UNKNOWN).
   * A refusal of the request itself (any error while reading it, or an admission refusal) is the
   * caller's and logged at DEBUG; only faults go through the one-a-minute warning, so a caller's
   * mistakes never hold back the warning of a failing dependency.
   */
  private <Q, T> void answer(
      String rpc, Supplier<Q> read, Function<Q, T> call, StreamObserver<T> responseObserver) {
    T response;
    try {
      Q query;
      try {
        query = read.get();
      } catch (StatusRuntimeException e) {
        refuse(rpc, e, responseObserver);
        return;
      }
      response = call.apply(query);
    } catch (ModelInsights.AdmissionRefusedException e) {
      refuse(rpc, e, responseObserver);
      return;
    } catch (StatusRuntimeException e) {
      Status.Code code = e.getStatus().getCode();
      if (code != Status.Code.INVALID_ARGUMENT && code != Status.Code.NOT_FOUND) {
        // Logged once, here; per request, so not above WARN, and rate-limited.
        failureWarnings.log(log, Level.WARN, "{} failed: {} {}", rpc, code, e.getStatus().getDescription());
      } else {
        log.debug("{} refused: {} {}", rpc, code, e.getStatus().getDescription());
      }
      responseObserver.onError(e);
      return;
    } catch (RuntimeException e) {
      log.error("{} failed unexpectedly", rpc, e);
      responseObserver.onError(Status.INTERNAL.withDescription(rpc + " failed").asRuntimeException());
      return;
    }
    responseObserver.onNext(response);
    responseObserver.onCompleted();
  }

  /** Answers a refusal of the request (the caller's, so logged at DEBUG). */
  private static void refuse(String rpc, StatusRuntimeException refusal, StreamObserver<?> responseObserver) {
    log.debug("{} refused: {} {}", rpc, refusal.getStatus().getCode(), refusal.getStatus().getDescription());
    responseObserver.onError(refusal);
  }
}
