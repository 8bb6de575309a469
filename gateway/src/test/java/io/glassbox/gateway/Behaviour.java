package io.glassbox.gateway;

/** How a fake collaborator answers. */
enum Behaviour {
  /** Answers normally. */
  SERVE,
  /** Fails every call with UNAVAILABLE. */
  FAIL,
  /** Never answers; the call ends only by its deadline or cancellation. */
  HANG
}
