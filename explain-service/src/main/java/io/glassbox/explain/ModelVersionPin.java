package io.glassbox.explain;

import static java.util.Objects.requireNonNull;

import java.util.Optional;

/**
 * The model version the Score calls of one answer must be answered by, and whose pin it is: the
 * caller's (its request's {@code model_version}), or this service's own (the version that
 * answered the answer's first call, or for GetModelInsights the one GetModelInfo named before it,
 * so that every number of the answer comes from one model).
 * When the model service refuses the version, the caller's pin is the caller's to see
 * (FAILED_PRECONDITION, as the proto says); our own means the model was swapped while answering,
 * which a retry mends ({@link ModelClient}).
 *
 * @param version the version, or empty: any version may answer
 * @param callers whether the caller pinned it
 */
record ModelVersionPin(Optional<String> version, boolean callers) {
  /** No pin yet: the caller named no version and nothing has answered. */
  static final ModelVersionPin NONE = new ModelVersionPin(Optional.empty(), false);

  ModelVersionPin {
    requireNonNull(version, "version");
    if (callers && version.isEmpty()) {
      throw new IllegalArgumentException("a caller's pin names a version");
    }
  }

  /** The caller's {@code model_version} field, trimmed (empty: it pinned none). */
  static ModelVersionPin ofCaller(String modelVersion) {
    String version = modelVersion.trim();
    return version.isEmpty() ? NONE : new ModelVersionPin(Optional.of(version), true);
  }

  /**
   * This pin, or while there is none, {@code answered} pinned as this service's own. A blank
   * answer (a model service that names no version) pins nothing: a Score call sent with it would
   * name no version, so a refusal of it could not be a swap.
   */
  ModelVersionPin orAnswered(String answered) {
    return version.isPresent() || answered.isBlank() ? this : new ModelVersionPin(Optional.of(answered), false);
  }

  /** Whether the pin is this service's own: a refusal of it is the model swapped mid-answer. */
  boolean ours() {
    return version.isPresent() && !callers;
  }
}
