package io.glassbox.model;

import static java.util.Objects.requireNonNull;

import ai.onnxruntime.OrtEnvironment;
import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import jakarta.inject.Singleton;
import java.nio.file.Path;

/** Bindings of the model-service. */
public final class ModelModule extends AbstractModule {
  /** Present on a machine with an NVIDIA GPU and its driver. */
  static final Path NVIDIA_DEVICE = Path.of("/dev/nvidia0");

  private final ModelConfig config;

  public ModelModule(ModelConfig config) {
    this.config = requireNonNull(config, "config");
  }

  @Override
  protected void configure() {
    bind(ModelConfig.class).toInstance(config);
    bind(Path.class).annotatedWith(GpuDeviceNode.class).toInstance(NVIDIA_DEVICE);
  }

  /** The serving engine (batching or direct) the configuration asks for; closed by ModelMain. */
  @Provides
  @Singleton
  InferenceEngine inferenceEngine() {
    return config.newInferenceEngine();
  }

  /**
   * ONNX Runtime allows one environment per process; this hands out that one, its native libraries
   * loaded from the folder later starts reuse, in the operator's
   * GLASSBOX_MODEL_ONNXRUNTIME_DIR when set (see OnnxRuntimeLibraries).
   */
  @Provides
  @Singleton
  OrtEnvironment ortEnvironment() {
    return OnnxRuntimeLibraries.environment(config.onnxRuntimeDirectory());
  }
}
