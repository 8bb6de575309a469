package io.glassbox.model;

/** Where a loaded model actually runs. */
public enum Device {
  CPU,
  CUDA
}
