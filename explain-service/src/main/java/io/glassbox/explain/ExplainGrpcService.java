package io.glassbox.explain;

import static java.util.Objects.requireNonNull;

import com.google.inject.Inject;
import io.glassbox.api.v1.ExplainRequest;
import io.glassbox.api.v1.ExplainResponse;
import io.glassbox.api.v1.ExplainServiceGrpc;
import io.glassbox.server.WarningLimiter;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** glassbox.v1.ExplainService: validates the request, explains it, answers. */
final class ExplainGrpcService extends ExplainServiceGrpc.ExplainServiceImplBase {
  private static final Logger log = LoggerFactory.getLogger(ExplainGrpcService.class);

  private final Explainer explainer;
  /** While a dependency is down every call fails alike: one warning a minute, the rest at DEBUG. */
  private final WarningLimiter failureWarnings = new WarningLimiter(Duration.ofMinutes(1));

  @Inject
  ExplainGrpcService(Explainer explainer) {
    this.explainer = requireNonNull(explainer, "explainer");
  }

  @Override
  public void explain(ExplainRequest request, StreamObserver<ExplainResponse> responseObserver) {
    ExplainResponse response;
    try {
      response = explainer.explain(ExplainRequestReader.read(request));
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() != Status.Code.INVALID_ARGUMENT) {
        // Logged once, here; per request, so not above WARN, and rate-limited.
        long heldBack = failureWarnings.tryAcquire();
        if (heldBack < 0) {
          log.debug("Explain failed: {} {}", e.getStatus().getCode(), e.getStatus().getDescription());
        } else {
          log.warn("Explain failed: {} {}{}", e.getStatus().getCode(), e.getStatus().getDescription(),
              heldBack > 0 ? " (and " + heldBack + " more failures since the last warning)" : "");
        }
      }
      responseObserver.onError(e);
      return;
    }
    responseObserver.onNext(response);
    responseObserver.onCompleted();
  }
}
