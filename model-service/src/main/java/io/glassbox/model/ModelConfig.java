package io.glassbox.model;

import static java.util.Objects.requireNonNull;

import io.glassbox.server.ConfigException;
import io.glassbox.server.ConfigSource;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Settings of the model-service, read once at start.
 *
 * @param port gRPC port ({@value #PORT_KEY}, default {@value #DEFAULT_PORT})
 * @param adminPort gRPC port of {@code glassbox.v1.ModelAdmin} ({@value #ADMIN_PORT_KEY}, default
 *     {@value #DEFAULT_ADMIN_PORT}; bound to GLASSBOX_ADMIN_BIND_ADDRESS, loopback by default)
 * @param modelDirectory folder holding one folder per model name ({@value #DIRECTORY_KEY},
 *     default {@code models}, relative to the working directory)
 * @param modelName the model to serve, a folder under {@code modelDirectory} ({@value #NAME_KEY})
 * @param version the version folder to load at start; empty means the newest ({@value #VERSION_KEY})
 * @param executionProvider auto, cpu or cuda ({@value #PROVIDER_KEY}, default auto)
 * @param intraOpThreads ONNX Runtime threads per inference; 0 lets ONNX Runtime pick one per
 *     physical core ({@value #THREADS_KEY}, default 0)
 * @param cudaDeviceId the GPU to use when CUDA is chosen ({@value #CUDA_DEVICE_KEY}, default 0)
 */
public record ModelConfig(
    int port,
    int adminPort,
    Path modelDirectory,
    String modelName,
    Optional<String> version,
    ExecutionProviderSetting executionProvider,
    int intraOpThreads,
    int cudaDeviceId) {

  public static final String PORT_KEY = "GLASSBOX_MODEL_PORT";
  public static final String ADMIN_PORT_KEY = "GLASSBOX_MODEL_ADMIN_PORT";
  public static final String DIRECTORY_KEY = "GLASSBOX_MODEL_DIR";
  public static final String NAME_KEY = "GLASSBOX_MODEL_NAME";
  public static final String VERSION_KEY = "GLASSBOX_MODEL_VERSION";
  public static final String PROVIDER_KEY = "GLASSBOX_EXECUTION_PROVIDER";
  public static final String THREADS_KEY = "GLASSBOX_MODEL_INTRA_OP_THREADS";
  public static final String CUDA_DEVICE_KEY = "GLASSBOX_MODEL_CUDA_DEVICE";

  public static final int DEFAULT_PORT = 50053;
  public static final int DEFAULT_ADMIN_PORT = 50063;
  /** Where Prometheus scrapes the model service unless GLASSBOX_METRICS_PORT says otherwise. */
  public static final int DEFAULT_METRICS_PORT = 9453;
  public static final String DEFAULT_DIRECTORY = "models";
  public static final String DEFAULT_NAME = "uci-online-retail";

  public ModelConfig {
    requireNonNull(modelDirectory, "modelDirectory");
    requireNonNull(version, "version");
    requireNonNull(executionProvider, "executionProvider");
    if (!VersionNames.isValid(requireNonNull(modelName, "modelName"))) {
      throw new ConfigException(NAME_KEY + " must be " + VersionNames.RULE + ", got \"" + modelName + "\"");
    }
    version.filter(v -> !VersionNames.isValid(v)).ifPresent(v -> {
      throw new ConfigException(VERSION_KEY + " must be empty (newest) or " + VersionNames.RULE
          + ", got \"" + v + "\"");
    });
  }

  public static ModelConfig load(ConfigSource source) {
    return new ModelConfig(
        source.getPort(PORT_KEY, DEFAULT_PORT),
        source.getPort(ADMIN_PORT_KEY, DEFAULT_ADMIN_PORT),
        source.getPath(DIRECTORY_KEY, Path.of(DEFAULT_DIRECTORY)),
        source.getString(NAME_KEY, DEFAULT_NAME),
        source.get(VERSION_KEY),
        source.get(PROVIDER_KEY)
            .map(value -> ExecutionProviderSetting.parse(PROVIDER_KEY, value))
            .orElse(ExecutionProviderSetting.AUTO),
        source.getInt(THREADS_KEY, 0, 0, 256),
        source.getInt(CUDA_DEVICE_KEY, 0, 0, 64));
  }

  /** The folder holding this model's version folders. */
  public Path modelRoot() {
    return modelDirectory.resolve(modelName);
  }
}
