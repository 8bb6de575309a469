package io.glassbox.model;

import static java.util.Objects.requireNonNull;

import io.glassbox.server.ConfigException;
import io.glassbox.server.ConfigSource;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/**
 * Settings of the model-service, read once at start.
 *
 * @param port gRPC port ({@value #PORT_KEY}, default {@value #DEFAULT_PORT})
 * @param adminPort gRPC port of {@code glassbox.v1.ModelAdmin} ({@value #ADMIN_PORT_KEY}, default
 *     {@value #DEFAULT_ADMIN_PORT}; bound to GLASSBOX_ADMIN_BIND_ADDRESS, loopback by default)
 * @param modelDirectory folder holding one folder per model name ({@value #DIRECTORY_KEY},
 *     relative to the working directory; default {@code models} in the installation, see {@link
 *     ConfigSource#shipped})
 * @param modelName the model to serve, a folder under {@code modelDirectory} ({@value #NAME_KEY})
 * @param version the version folder to load at start; empty means the newest ({@value #VERSION_KEY})
 * @param executionProvider auto, cpu or cuda ({@value #PROVIDER_KEY}, default auto)
 * @param intraOpThreads ONNX Runtime threads per inference; 0 = the processors this JVM may use
 *     ({@code Runtime.availableProcessors()}, which honours container CPU limits)
 *     ({@value #THREADS_KEY}, default 0)
 * @param cudaDeviceId the GPU to use when CUDA is chosen ({@value #CUDA_DEVICE_KEY}, default 0)
 * @param batching merge concurrent Score calls into one inference ({@value #BATCHING_KEY},
 *     default true)
 * @param maxBatchCalls most calls per merged inference, 1..1024 ({@value #MAX_BATCH_KEY},
 *     default {@value #DEFAULT_MAX_BATCH})
 * @param maxQueueDelay longest a call waits for others once the waiting calls are taken,
 *     0..1000 ms ({@value #MAX_DELAY_KEY} in milliseconds, default 0: batches form only from
 *     calls that arrive while an inference runs, so a lone call never waits)
 * @param maxQueuedCalls calls that may wait; more are refused with RESOURCE_EXHAUSTED,
 *     1..100000 ({@value #MAX_QUEUED_KEY}, default {@value #DEFAULT_MAX_QUEUED})
 * @param parallelRuns with batching, most inferences one batch of many rows (at least 4 per
 *     inference) runs as at once, each with the intra-op threads, 1..64 ({@value
 *     #PARALLEL_RUNS_KEY}, default 1: one inference per batch)
 * @param batcherSpin with batching, how long the worker keeps polling the empty queue after a
 *     batch before it sleeps, if the call after the batch before came within that time, 0..10000
 *     µs ({@value #BATCHER_SPIN_KEY} in microseconds; default {@value #DEFAULT_BATCHER_SPIN_US} µs
 *     with 2 or more processors, 0 with one, where a spinning worker would hold the core the call
 *     needs to arrive; measured on 2 cores, the served/floor p50 at one caller fell from 1.40x to
 *     1.31x, medians of nine runs, model-service/MEASUREMENTS.md, "the batching worker spins
 *     briefly before it sleeps")
 * @param threadSpinning ONNX Runtime's intra-op threads spin between inferences instead of
 *     sleeping ({@value #SPINNING_KEY}, default false: spinning threads take the cores the gRPC
 *     and batching threads need; measured on 2 cores, turning it off cut the served p50 at one
 *     caller, with batching, from 6.79 / 5.23 to 3.36 / 2.59 ms in two alternated runs,
 *     model-service/MEASUREMENTS.md, "the first tables")
 */
public record ModelConfig(
    int port,
    int adminPort,
    Path modelDirectory,
    String modelName,
    Optional<String> version,
    ExecutionProviderSetting executionProvider,
    int intraOpThreads,
    int cudaDeviceId,
    boolean batching,
    int maxBatchCalls,
    Duration maxQueueDelay,
    int maxQueuedCalls,
    int parallelRuns,
    Duration batcherSpin,
    boolean threadSpinning,
    Optional<Path> onnxRuntimeDirectory) {

  public static final String PORT_KEY = "GLASSBOX_MODEL_PORT";
  public static final String ADMIN_PORT_KEY = "GLASSBOX_MODEL_ADMIN_PORT";
  public static final String DIRECTORY_KEY = "GLASSBOX_MODEL_DIR";
  public static final String NAME_KEY = "GLASSBOX_MODEL_NAME";
  public static final String VERSION_KEY = "GLASSBOX_MODEL_VERSION";
  public static final String PROVIDER_KEY = "GLASSBOX_EXECUTION_PROVIDER";
  public static final String THREADS_KEY = "GLASSBOX_MODEL_INTRA_OP_THREADS";
  public static final String CUDA_DEVICE_KEY = "GLASSBOX_MODEL_CUDA_DEVICE";
  public static final String BATCHING_KEY = "GLASSBOX_MODEL_BATCHING";
  public static final String MAX_BATCH_KEY = "GLASSBOX_MODEL_MAX_BATCH_CALLS";
  public static final String MAX_DELAY_KEY = "GLASSBOX_MODEL_MAX_QUEUE_DELAY_MS";
  public static final String MAX_QUEUED_KEY = "GLASSBOX_MODEL_MAX_QUEUED_CALLS";
  public static final String PARALLEL_RUNS_KEY = "GLASSBOX_MODEL_PARALLEL_RUNS";
  public static final String SPINNING_KEY = "GLASSBOX_MODEL_THREAD_SPINNING";
  public static final String BATCHER_SPIN_KEY = "GLASSBOX_MODEL_BATCHER_SPIN_US";
  public static final String ONNXRUNTIME_DIR_KEY = "GLASSBOX_MODEL_ONNXRUNTIME_DIR";
  // 8: the measured batching gain peaks near 8 callers on CPU, and batches of 64 (× 500 candidates
  // with contribution) took the service past a 384 MiB heap at 64 calls in flight (deploy/README.md).
  public static final int DEFAULT_MAX_BATCH = 8;
  public static final int DEFAULT_MAX_QUEUED = 1024;
  // About one loopback round trip: a lone caller's next call arrives within it (measured on 2 cores,
  // 1000 µs caught no more calls than 300).
  public static final int DEFAULT_BATCHER_SPIN_US = 300;

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
    requireNonNull(maxQueueDelay, "maxQueueDelay");
    requireNonNull(batcherSpin, "batcherSpin");
    requireNonNull(onnxRuntimeDirectory, "onnxRuntimeDirectory").ifPresent(ModelConfig::requireFolder);
    if (maxBatchCalls < 1 || maxBatchCalls > 1024) {
      throw new ConfigException(MAX_BATCH_KEY + " must be 1..1024, got " + maxBatchCalls);
    }
    if (maxQueueDelay.isNegative() || maxQueueDelay.compareTo(Duration.ofSeconds(1)) > 0) {
      throw new ConfigException(MAX_DELAY_KEY + " must be 0..1000, got " + maxQueueDelay.toMillis());
    }
    if (maxQueuedCalls < 1 || maxQueuedCalls > 100_000) {
      throw new ConfigException(MAX_QUEUED_KEY + " must be 1..100000, got " + maxQueuedCalls);
    }
    if (parallelRuns < 1 || parallelRuns > 64) {
      throw new ConfigException(PARALLEL_RUNS_KEY + " must be 1..64, got " + parallelRuns);
    }
    if (batcherSpin.isNegative() || batcherSpin.compareTo(Duration.ofMillis(10)) > 0) {
      throw new ConfigException(BATCHER_SPIN_KEY + " must be 0..10000, got " + batcherSpin.toNanos() / 1000);
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
        source.getPath(DIRECTORY_KEY, source.shipped(DEFAULT_DIRECTORY)),
        source.getString(NAME_KEY, DEFAULT_NAME),
        source.get(VERSION_KEY),
        source.get(PROVIDER_KEY)
            .map(value -> ExecutionProviderSetting.parse(PROVIDER_KEY, value))
            .orElse(ExecutionProviderSetting.AUTO),
        source.getInt(THREADS_KEY, 0, 0, 256),
        source.getInt(CUDA_DEVICE_KEY, 0, 0, 64),
        source.getBoolean(BATCHING_KEY, true),
        source.getInt(MAX_BATCH_KEY, DEFAULT_MAX_BATCH, 1, 1024),
        Duration.ofMillis(source.getInt(MAX_DELAY_KEY, 0, 0, 1000)),
        source.getInt(MAX_QUEUED_KEY, DEFAULT_MAX_QUEUED, 1, 100_000),
        source.getInt(PARALLEL_RUNS_KEY, 1, 1, 64),
        Duration.of(source.getInt(BATCHER_SPIN_KEY, defaultBatcherSpinMicros(), 0, 10_000), ChronoUnit.MICROS),
        source.getBoolean(SPINNING_KEY, false),
        source.get(ONNXRUNTIME_DIR_KEY).map(folder -> Path.of(folder).toAbsolutePath()));
  }

  /**
   * Refuses an {@value #ONNXRUNTIME_DIR_KEY} that is missing or not a directory: nothing makes it
   * (its owner and mode are the operator's word), and ONNX Runtime would otherwise unpack its own
   * copy into java.io.tmpdir, the folder it was set to keep clean.
   */
  private static void requireFolder(Path folder) {
    if (!Files.isDirectory(folder)) {
      throw new ConfigException(ONNXRUNTIME_DIR_KEY + "=" + folder + (Files.exists(folder, LinkOption.NOFOLLOW_LINKS)
          ? " is not a directory" : " does not exist") + ": make it a folder for the model service alone, owned by"
          + " its user (mkdir -m 700 " + folder + "), or unset " + ONNXRUNTIME_DIR_KEY);
    }
  }

  /** Settings with the default serving engine (batching on). */
  public ModelConfig(int port, int adminPort, Path modelDirectory, String modelName,
                     Optional<String> version, ExecutionProviderSetting executionProvider,
                     int intraOpThreads, int cudaDeviceId) {
    this(port, adminPort, modelDirectory, modelName, version, executionProvider, intraOpThreads, cudaDeviceId,
        true, DEFAULT_MAX_BATCH, Duration.ZERO, DEFAULT_MAX_QUEUED, 1,
        Duration.of(defaultBatcherSpinMicros(), ChronoUnit.MICROS), false, Optional.empty());
  }

  /**
   * The batching worker's spin unless configured: none on one usable processor (see {@code
   * batcherSpin}; {@code Runtime.availableProcessors()} honours container CPU limits).
   */
  static int defaultBatcherSpinMicros() {
    return Runtime.getRuntime().availableProcessors() >= 2 ? DEFAULT_BATCHER_SPIN_US : 0;
  }

  /** The intra-op threads ONNX Runtime gets: the configured number, or the usable processors. */
  public int effectiveIntraOpThreads() {
    return intraOpThreads > 0 ? intraOpThreads : Runtime.getRuntime().availableProcessors();
  }

  /** The engine these settings describe; the caller closes it. */
  public InferenceEngine newInferenceEngine() {
    return batching ? new BatchingInference(maxBatchCalls, maxQueueDelay, maxQueuedCalls, parallelRuns, batcherSpin)
        : InferenceEngine.direct();
  }

  /** The folder holding this model's version folders. */
  public Path modelRoot() {
    return modelDirectory.resolve(modelName);
  }
}
