package io.glassbox.model;

import io.glassbox.server.Descriptions;

/** A caller pinned a model version that is not the active one. */
public final class ModelVersionMismatchException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ModelVersionMismatchException(String requested, String active) {
    super("model_version \"" + Descriptions.truncate(requested) + "\" is not the active version \"" + active
        + "\"; score again without model_version, or with the active one");
  }
}
