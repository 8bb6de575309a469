package io.glassbox.model;

import ai.onnxruntime.OrtException;
import io.grpc.Deadline;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** Runs padded batches on a model version: alone, or merged with concurrent calls. */
public interface InferenceEngine extends AutoCloseable {
  /**
   * Runs {@code input} on {@code model} (the caller holds a lease on it).
   *
   * @throws ScoreQueueFullException when the engine cannot take another call now
   * @throws ScoreDeadlineExceededException when {@code deadline} passes before the result is ready
   */
  ModelOutputs run(LoadedModel model, InferenceInput input, Optional<Deadline> deadline)
      throws OrtException;

  /**
   * As {@link #run}, without waiting where the engine has a worker of its own: the future
   * completes on that worker, with the outputs or with what {@code run} would throw (the lease on
   * {@code model} must be held until then). Cancelling it drops the call if it has not run yet.
   * An engine without a worker runs {@code input} in the caller's thread and returns it done.
   *
   * @throws ScoreQueueFullException when the engine cannot take another call now
   * @throws ScoreDeadlineExceededException when {@code deadline} has already passed
   */
  default CompletableFuture<ModelOutputs> submit(LoadedModel model, InferenceInput input,
                                                 Optional<Deadline> deadline) {
    try {
      return CompletableFuture.completedFuture(run(model, input, deadline));
    } catch (OrtException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** What {@code GetModelInfo} reports about it. */
  Settings settings();

  /** Registers what the engine can tell about its work as metrics (none without a queue). */
  default void registerMetrics(PrometheusRegistry registry) {}

  @Override
  void close();

  /**
   * Batching settings as served (no batching: one call per inference, no queue); {@code
   * parallelRuns}: most inferences one batch of many rows is split into; {@code batcherSpin}: how
   * long the batching worker polls for the next call before it sleeps.
   */
  record Settings(boolean batching, int maxBatchCalls, Duration maxQueueDelay,
                  int maxQueuedCalls, int parallelRuns, Duration batcherSpin) {}

  /** Each call runs its own inference in the caller's thread. */
  static InferenceEngine direct() {
    return new InferenceEngine() {
      @Override
      public ModelOutputs run(LoadedModel model, InferenceInput input, Optional<Deadline> deadline)
          throws OrtException {
        if (deadline.isPresent() && deadline.get().isExpired()) {
          throw new ScoreDeadlineExceededException("deadline expired before inference");
        }
        return model.run(input);
      }

      @Override
      public Settings settings() {
        return new Settings(false, 1, Duration.ZERO, 0, 1, Duration.ZERO);
      }

      @Override
      public void close() {}
    };
  }
}
