package io.glassbox.server;

import io.grpc.Metadata;
import io.grpc.Status;

/**
 * Marks a FAILED_PRECONDITION that refuses a pinned model version (a call's {@code model_version}
 * that is not the active one), so that a caller can tell it from the model service's other
 * FAILED_PRECONDITIONs (a trend window other than the version's, a version folder that does not
 * load) without reading the description's words. The model service sets the mark as a trailer,
 * the explain service passes it on with a refusal it forwards, and clients look for it
 * ({@link #isMarked}).
 */
public final class ModelVersionRefusal {
  /** The trailer; its value is {@link #NOT_ACTIVE}. */
  private static final Metadata.Key<String> TRAILER =
      Metadata.Key.of("glassbox-refused-model-version", Metadata.ASCII_STRING_MARSHALLER);
  private static final String NOT_ACTIVE = "not-active";

  private ModelVersionRefusal() {}

  /** Trailers marking a refusal as one of a pinned version. */
  public static Metadata trailers() {
    Metadata trailers = new Metadata();
    trailers.put(TRAILER, NOT_ACTIVE);
    return trailers;
  }

  /** Whether {@code failure} is a refusal of a pinned model version, as its trailers mark it. */
  public static boolean isMarked(Throwable failure) {
    Metadata trailers = Status.trailersFromThrowable(failure);
    return trailers != null && NOT_ACTIVE.equals(trailers.get(TRAILER));
  }

  /** Trailers carrying {@code failure}'s mark on, when it has one: for a refusal forwarded. */
  public static Metadata passedOn(Throwable failure) {
    return isMarked(failure) ? trailers() : new Metadata();
  }
}
