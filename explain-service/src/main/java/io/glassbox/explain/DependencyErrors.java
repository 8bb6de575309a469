package io.glassbox.explain;

import io.glassbox.server.ModelVersionRefusal;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * Turns a failed call to a dependency into the status the explain service answers with: the
 * caller learns which dependency failed and whether waiting or retrying can help, never UNKNOWN.
 */
final class DependencyErrors {
  private DependencyErrors() {}

  static StatusRuntimeException translate(String dependency, Throwable failure) {
    Status status = Status.fromThrowable(failure);
    String detail = status.getDescription() == null ? "" : ": " + status.getDescription();
    return switch (status.getCode()) {
      case DEADLINE_EXCEEDED -> Status.DEADLINE_EXCEEDED
          .withDescription(dependency + " did not answer before the deadline").asRuntimeException();
      case CANCELLED -> Status.CANCELLED
          .withDescription("call to " + dependency + " was cancelled").asRuntimeException();
      // A refusal (see the proto): a pinned version not served, a trend window not the version's,
      // a version folder that does not load; a pin refusal's mark goes on, so that the caller
      // tells it from the others.
      case FAILED_PRECONDITION -> Status.FAILED_PRECONDITION
          .withDescription(dependency + " refused" + detail).asRuntimeException(ModelVersionRefusal.passedOn(failure));
      // Busy (its concurrency limit): back off, rather than retry at once as for UNAVAILABLE.
      case RESOURCE_EXHAUSTED -> Status.RESOURCE_EXHAUSTED
          .withDescription(dependency + " is at its limit" + detail).asRuntimeException();
      case UNAVAILABLE -> Status.UNAVAILABLE
          .withDescription(dependency + " is unavailable" + detail).asRuntimeException();
      default -> Status.UNAVAILABLE
          .withDescription(dependency + " failed with " + status.getCode() + detail).asRuntimeException();
    };
  }
}
