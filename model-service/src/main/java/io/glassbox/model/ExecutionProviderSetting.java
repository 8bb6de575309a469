package io.glassbox.model;

import io.glassbox.server.ConfigException;
import java.util.Locale;

/** Which ONNX Runtime execution provider the operator asked for. */
public enum ExecutionProviderSetting {
  /** CUDA when a GPU device node exists, CPU otherwise (or when CUDA fails to load). */
  AUTO,
  /** Always CPU; never touches the CUDA libraries. */
  CPU,
  /** CUDA or fail: loading a model fails if CUDA cannot be used. */
  CUDA;

  static ExecutionProviderSetting parse(String key, String value) {
    return switch (value.toLowerCase(Locale.ROOT)) {
      case "auto" -> AUTO;
      case "cpu" -> CPU;
      case "cuda" -> CUDA;
      default -> throw new ConfigException(key + " must be auto, cpu or cuda, got \"" + value + "\"");
    };
  }
}
