package io.glassbox.model;

import static java.util.Objects.requireNonNull;

import ai.onnxruntime.OrtException;
import io.grpc.Deadline;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a new model version, through the serving engine, on the batch shapes its callers send
 * before it takes traffic: the first inferences of an ONNX Runtime session (and of each padded
 * shape) cost several times a warm one, which on a loaded machine made the first Recommend after
 * start miss the gateway's explain budget.
 *
 * <p>The shapes: the gateway's Score (one history against its candidate slate, default 500), a
 * small Score with attention and contributions (as the explainer asks), and the explainer's
 * counterfactual batches (one row per history with items left out, so rows of several padded
 * lengths, against a few candidates). A failed warm-up inference is logged, not thrown: the
 * loader has already checked that the version runs.
 */
public final class ModelWarmup {
  private static final Logger log = LoggerFactory.getLogger(ModelWarmup.class);
  /** The gateway's default candidate count per Recommend. */
  static final int SLATE_CANDIDATES = 500;
  /** History items of the warm-up rows: a typical user's, padded to the shapes such rows get. */
  private static final int HISTORY_ITEMS = 12;
  private static final int COUNTERFACTUAL_CANDIDATES = 3;
  /** Bounds each warm-up inference, so that a stuck engine cannot hold a start or reload forever. */
  private static final long INFERENCE_LIMIT_SECONDS = 60;

  private final InferenceEngine engine;

  @Inject
  public ModelWarmup(InferenceEngine engine) {
    this.engine = requireNonNull(engine, "engine");
  }

  /** Runs the warm-up inferences on {@code model} (not yet serving: no lease needed); returns how many ran. */
  int warm(LoadedModel model) {
    long started = System.nanoTime();
    int ran = 0;
    for (InferenceInput input : inputs(model)) {
      try {
        engine.run(model, input, Optional.of(Deadline.after(INFERENCE_LIMIT_SECONDS, TimeUnit.SECONDS)));
        ran++;
      } catch (OrtException | RuntimeException e) {
        log.warn("warm-up inference of model {} version {} ({} rows x {} candidates) failed: {}",
            model.modelName(), model.version(), input.rows(), input.candidateCount(), e.toString());
      }
    }
    log.info("warmed model {} version {} with {} inferences in {} ms", model.modelName(), model.version(),
        ran, (System.nanoTime() - started) / 1_000_000);
    return ran;
  }

  /** The warm-up batches, padded as {@link Scorer} pads them ({@link LoadedModel#paddedLength}). */
  static List<InferenceInput> inputs(LoadedModel model) {
    int size = model.vocabulary().size();
    int items = Math.min(model.maxHistoryLength(), HISTORY_ITEMS);
    int width = model.paddedLength(items);
    List<InferenceInput> inputs = new ArrayList<>();
    inputs.add(batch(1, width, items, Math.min(size, SLATE_CANDIDATES), size, false, false, false));
    inputs.add(batch(1, width, items, Math.min(size, 20), size, true, true, false));
    // One row per left-out item: rows of 12 down to 1 items, which run at padded lengths 20 and 10
    // where the model trims padding.
    inputs.add(batch(items, width, items, Math.min(size, COUNTERFACTUAL_CANDIDATES), size, false, false, true));
    return inputs;
  }

  /**
   * {@code rows} left-padded histories of {@code items} items (each row one item shorter than the
   * one before when {@code shrinking}, as counterfactual rows are) against {@code candidates} ids.
   */
  private static InferenceInput batch(int rows, int window, int items, int candidates, int size,
                                      boolean attention, boolean contribution, boolean shrinking) {
    long[] history = new long[rows * window];
    long[] candidateIds = new long[rows * candidates];
    for (int r = 0; r < rows; r++) {
      int rowItems = shrinking ? Math.max(1, items - r) : items;
      for (int i = 0; i < rowItems; i++) {
        history[r * window + window - rowItems + i] = 1 + (i % size);
      }
      for (int c = 0; c < candidates; c++) {
        candidateIds[r * candidates + c] = 1 + (c % size);
      }
    }
    return new InferenceInput(history, candidateIds, rows, window, candidates, attention, contribution);
  }
}
