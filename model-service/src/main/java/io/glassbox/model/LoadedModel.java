package io.glassbox.model;

import static java.util.Objects.requireNonNull;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One loaded model version: its long-lived ONNX Runtime session, vocabulary and metadata.
 *
 * <p>Reference counted so that a version swapped out while requests still use it is closed only
 * after the last of them finishes: the registry holds one reference from load until it retires
 * the version, and each request holds one through a {@link ModelRegistry.Lease}.
 */
public final class LoadedModel {
  private static final Logger log = LoggerFactory.getLogger(LoadedModel.class);

  private final String modelName;
  private final String version;
  private final ModelMetadata metadata;
  private final Optional<TitleTerm> titleTerm;
  private final Vocabulary vocabulary;
  private final Device device;
  private final String executionProviderFallback;
  private final OrtEnvironment environment;
  private final OrtSession session;
  private final AtomicInteger references = new AtomicInteger(1);
  private final AtomicBoolean retired = new AtomicBoolean();
  /** Set once by the loader, before the model is published: see {@link #paddedLength}. */
  private boolean trimsPadding;

  LoadedModel(
      String modelName, String version, ModelMetadata metadata, Vocabulary vocabulary,
      Optional<TitleTerm> titleTerm, Device device, String executionProviderFallback,
      OrtEnvironment environment, OrtSession session) {
    this.modelName = requireNonNull(modelName, "modelName");
    this.version = requireNonNull(version, "version");
    this.metadata = requireNonNull(metadata, "metadata");
    this.vocabulary = requireNonNull(vocabulary, "vocabulary");
    this.titleTerm = requireNonNull(titleTerm, "titleTerm");
    this.device = requireNonNull(device, "device");
    this.executionProviderFallback = requireNonNull(executionProviderFallback, "fallback");
    this.environment = requireNonNull(environment, "environment");
    this.session = requireNonNull(session, "session");
  }

  public String modelName() {
    return modelName;
  }

  /** The version folder's name; this is the version callers see and pin. */
  public String version() {
    return version;
  }

  /** Throws {@link ModelVersionMismatchException} unless {@code requested} is empty or this version. */
  void requireVersion(Optional<String> requested) {
    if (requested.isPresent() && !requested.get().equals(version)) {
      throw new ModelVersionMismatchException(requested.get(), version);
    }
  }

  public ModelMetadata metadata() {
    return metadata;
  }

  /** The version's title similarity term, read from its folder; empty when it has none. */
  public Optional<TitleTerm> titleTerm() {
    return titleTerm;
  }

  public Vocabulary vocabulary() {
    return vocabulary;
  }

  public Device device() {
    return device;
  }

  /** Why the model runs on another provider than the one asked for; empty when it does not. */
  public String executionProviderFallback() {
    return executionProviderFallback;
  }

  /** Most recent history items the model reads. */
  public int maxHistoryLength() {
    return metadata.maxHistoryLength();
  }

  /** Padded lengths are multiples of this (rows of near lengths share a shape and a batch). */
  static final int PADDING_STEP = 10;

  /**
   * How many history positions a batch whose longest row holds {@code longestRow} items is
   * padded to: the longest row rounded up to a multiple of {@value #PADDING_STEP} (at most the
   * model's window) when the loader found the model's outputs independent of the amount of left
   * padding, else always the whole window. Padding costs the encoder as much as real items.
   */
  int paddedLength(int longestRow) {
    int max = maxHistoryLength();
    if (!trimsPadding) {
      return max;
    }
    int rounded = Math.max(1, (longestRow + PADDING_STEP - 1) / PADDING_STEP) * PADDING_STEP;
    return Math.min(max, rounded);
  }

  /** Whether batches are padded only as far as their rows need ({@link #paddedLength}). */
  public boolean trimsPadding() {
    return trimsPadding;
  }

  void trimPadding(boolean trim) {
    this.trimsPadding = trim;
  }

  /**
   * Runs the model on a padded batch. {@code history} holds {@code batch * historyLength} indices
   * and {@code candidates} {@code batch * candidateCount}, row-major. The caller must hold a
   * reference (a lease). Safe to call from many threads at once.
   */
  ModelOutputs run(InferenceInput input) throws OrtException {
    if (trimsPadding) {
      // Every row runs at its own padded length, whatever else the batch holds: its numbers are
      // then those of the row scored alone (the explain service re-scores rows of one batch in
      // other batches and compares ranks exactly), and short rows do not pay for long ones.
      int[] lengths = LengthGroup.paddedLengths(input, this::paddedLength);
      if (Arrays.stream(lengths).anyMatch(l -> l < input.historyLength())) {
        List<LengthGroup> groups = LengthGroup.of(input, lengths);
        List<ModelOutputs> outputs = new ArrayList<>(groups.size());
        for (LengthGroup group : groups) {
          outputs.add(runOnce(group.input()));
        }
        return LengthGroup.join(groups, outputs, input);
      }
    }
    return runOnce(input);
  }

  private ModelOutputs runOnce(InferenceInput input) throws OrtException {
    return run(input.history(), input.candidates(), input.rows(), input.historyLength(),
        input.candidateCount(), input.includeAttention(), input.includeContribution());
  }

  ModelOutputs run(
      long[] history, long[] candidates, int batch, int historyLength, int candidateCount,
      boolean includeAttention, boolean includeContribution) throws OrtException {
    Set<String> wanted = new HashSet<>();
    wanted.add(ModelContract.SCORES);
    if (includeAttention) {
      wanted.add(ModelContract.ATTENTION);
    }
    if (includeContribution) {
      wanted.add(ModelContract.CONTRIBUTION);
    }
    try (OnnxTensor historyTensor = tensor(history, batch, historyLength);
        OnnxTensor candidateTensor = tensor(candidates, batch, candidateCount);
        OrtSession.Result result = session.run(
            Map.of(ModelContract.HISTORY, historyTensor, ModelContract.CANDIDATES, candidateTensor),
            wanted)) {
      long[] cellShape = {batch, candidateCount};
      long[] evidenceShape = {batch, candidateCount, historyLength};
      return new ModelOutputs(
          batch, candidateCount, historyLength,
          floats(result, ModelContract.SCORES, cellShape),
          includeAttention ? floats(result, ModelContract.ATTENTION, evidenceShape) : null,
          includeContribution ? floats(result, ModelContract.CONTRIBUTION, evidenceShape) : null);
    }
  }

  private OnnxTensor tensor(long[] values, int rows, int columns) throws OrtException {
    // A direct buffer in native order is handed to ONNX Runtime without another copy.
    LongBuffer buffer = ByteBuffer.allocateDirect(values.length * Long.BYTES)
        .order(ByteOrder.nativeOrder())
        .asLongBuffer();
    buffer.put(values).rewind();
    return OnnxTensor.createTensor(environment, buffer, new long[] {rows, columns});
  }

  private static float[] floats(OrtSession.Result result, String name, long[] expectedShape) {
    OnnxValue value = result.get(name)
        .orElseThrow(() -> new IllegalStateException("model returned no " + name));
    if (!(value instanceof OnnxTensor tensor)) {
      throw new IllegalStateException("model output " + name + " is not a tensor");
    }
    long[] shape = tensor.getInfo().getShape();
    if (!Arrays.equals(shape, expectedShape)) {
      throw new IllegalStateException("model output " + name + " has shape " + Arrays.toString(shape)
          + ", expected " + Arrays.toString(expectedShape));
    }
    float[] values = new float[Math.toIntExact(tensor.getInfo().getNumElements())];
    tensor.getFloatBuffer().get(values);
    return values;
  }

  /** References held now: the registry's while active, plus one per call in flight. */
  int references() {
    return references.get();
  }

  /** Takes a reference for one request; false once the version has been retired and closed. */
  boolean tryAcquire() {
    while (true) {
      int current = references.get();
      if (current == 0) {
        return false;
      }
      if (references.compareAndSet(current, current + 1)) {
        return true;
      }
    }
  }

  /** Gives back a reference; the last one closes the session. */
  void release() {
    int left = references.decrementAndGet();
    if (left == 0) {
      try {
        session.close();
        log.info("closed model {} version {}", modelName, version);
      } catch (OrtException e) {
        log.warn("closing model {} version {} failed", modelName, version, e);
      }
    } else if (left < 0) {
      throw new IllegalStateException("model " + version + " released more often than acquired");
    }
  }

  /** Drops the registry's reference: the session closes as soon as no request uses it. Idempotent. */
  void retire() {
    if (retired.compareAndSet(false, true)) {
      release();
    }
  }
}
