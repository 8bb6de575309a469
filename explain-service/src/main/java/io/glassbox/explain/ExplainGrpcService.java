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
    answer("Explain", () -> explainer.explain(ExplainRequestReader.read(request)), responseObserver);
  }

  @Override
  public void explainItem(ExplainItemRequest request, StreamObserver<ExplainItemResponse> responseObserver) {
    answer("ExplainItem", () -> interactive.explainItem(InteractiveRequestReader.read(request)), responseObserver);
  }

  @Override
  public void whyNot(WhyNotRequest request, StreamObserver<WhyNotResponse> responseObserver) {
    answer("WhyNot", () -> interactive.whyNot(InteractiveRequestReader.read(request)), responseObserver);
  }

  @Override
  public void whatIf(WhatIfRequest request, StreamObserver<WhatIfResponse> responseObserver) {
    answer("WhatIf", () -> interactive.whatIf(InteractiveRequestReader.read(request)), responseObserver);
  }

  @Override
  public void getModelInsights(
      GetModelInsightsRequest request, StreamObserver<GetModelInsightsResponse> responseObserver) {
    answer("GetModelInsights", () -> insights.insights(ModelInsights.read(request)), responseObserver);
  }

  /** Runs one call: validation and domain work, then the reply or the error (never UNKNOWN). */
  private <T> void answer(String rpc, Supplier<T> call, StreamObserver<T> responseObserver) {
    T response;
    try {
      response = call.get();
    } catch (StatusRuntimeException e) {
      Status.Code code = e.getStatus().getCode();
      if (code != Status.Code.INVALID_ARGUMENT && code != Status.Code.NOT_FOUND) {
        // Logged once, here; per request, so not above WARN, and rate-limited.
        failureWarnings.log(log, Level.WARN, "{} failed: {} {}", rpc, code, e.getStatus().getDescription());
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
}
