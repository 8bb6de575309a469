package io.glassbox.gateway;

/** How a fake collaborator answers. */
enum Behaviour {
  /** Answers normally. */
  SERVE,
  /** Fails every call with UNAVAILABLE. */
  FAIL,
  /**
   * Refuses every Explain as the explain service refuses a pinned model version it no longer
   * has: FAILED_PRECONDITION marked by {@link io.glassbox.server.ModelVersionRefusal} (the
   * explain fake only).
   */
  REFUSE_VERSION,
  /** Never answers; the call ends only by its deadline or cancellation. */
  HANG
}
