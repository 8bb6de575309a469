package io.glassbox.model;

import ai.onnxruntime.OrtException;
import com.google.common.util.concurrent.ThreadFactoryBuilder;
import io.grpc.Deadline;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dynamic batching: concurrent calls wait in a bounded queue and one worker thread runs them
 * together as one inference (rows stacked, candidate lists padded to the longest), then hands
 * each call its own slice of the outputs.
 *
 * <p>Policy: the worker takes every call that is already waiting (up to {@code maxBatchCalls},
 * same model version and history length, at most {@link Scorer#MAX_CELLS} candidate cells), and
 * only if the batch is still not full waits for more until {@code maxQueueDelay} has passed since
 * the oldest call arrived. Calls that arrive while an inference runs form the next batch, so
 * batches grow with load by themselves; with {@code maxQueueDelay} = 0 a lone call never waits.
 * A full queue rejects the call at once ({@link ScoreQueueFullException}); a call whose deadline
 * has passed is dropped before inference ({@link ScoreDeadlineExceededException}).
 *
 * <p>With the queue empty after a batch, the worker keeps polling it for up to {@code spin}
 * before it sleeps, if the call after the batch before came within that time: a call that follows
 * close behind (a caller that sends its next call as soon as it has the answer) is then taken at
 * once instead of waiting for a sleeping thread to be woken, which on a virtual machine costs tens
 * of microseconds. Under load the queue is never empty and the worker never spins; with callers
 * that leave longer gaps it stops spinning after the first miss.
 *
 * <p>The gRPC service uses {@link #submit}: the call is queued and its handler returns, so no
 * thread waits for the batch, and the worker answers every call of the batch once it has run
 * ({@link #run} is the waiting form, for in-process callers).
 *
 * <p>Each row's numbers do not depend on the other rows of the batch (every row runs at its own
 * padded length, see {@link LoadedModel#run(InferenceInput)}, and padding candidates are cut off),
 * so merging calls changes no result.
 * For the same reason a batch of many rows may run as up to {@code parallelRuns} inferences of
 * consecutive rows at once (at least {@link #MIN_ROWS_PER_RUN} rows each; the worker runs the
 * first): with one ONNX Runtime thread per inference this uses several cores without ONNX
 * Runtime's own intra-op thread pool. (Those threads sleep between runs unless
 * {@code GLASSBOX_MODEL_THREAD_SPINNING} lets them spin; see {@link ModelConfig#threadSpinning()}.)
 */
public final class BatchingInference implements InferenceEngine {
  private static final Logger log = LoggerFactory.getLogger(BatchingInference.class);

  private final int maxBatchCalls;
  private final Duration maxQueueDelay;
  private final int maxQueuedCalls;
  private final int parallelRuns;
  private final Duration spin;
  /** Runs all but the first part of a split batch; null when batches are not split. */
  private final ExecutorService parts;
  private final ArrayBlockingQueue<Job> queue;
  private final Thread worker;
  private final AtomicLong batches = new AtomicLong();
  private final AtomicLong batchedCalls = new AtomicLong();
  private final AtomicLong expiredCalls = new AtomicLong();
  private final AtomicLong spins = new AtomicLong();
  private final AtomicLong callsTakenSpinning = new AtomicLong();
  /**
   * Calls ever queued. The spinning worker watches this count and polls the queue only once it
   * changes: polling in a loop would keep taking the queue's lock, which the event loop needs to
   * queue the call.
   */
  private final AtomicLong queuedEver = new AtomicLong();
  private volatile boolean closed;
  /** A call taken from the queue that could not join the last batch; worker thread only. */
  private Job carried;
  /** When the last batch ended, and whether the call after it came within the spin; worker only. */
  private long lastBatchEnd = System.nanoTime();
  private boolean cameCloseBehind = true;

  /** Fewest rows one part of a split batch runs: smaller parts cost more than they save. */
  static final int MIN_ROWS_PER_RUN = 4;

  /** An engine whose worker sleeps as soon as the queue is empty. */
  public BatchingInference(int maxBatchCalls, Duration maxQueueDelay, int maxQueuedCalls) {
    this(maxBatchCalls, maxQueueDelay, maxQueuedCalls, 1, Duration.ZERO);
  }

  public BatchingInference(int maxBatchCalls, Duration maxQueueDelay, int maxQueuedCalls, int parallelRuns,
                           Duration spin) {
    this(maxBatchCalls, maxQueueDelay, maxQueuedCalls, parallelRuns, spin, true);
  }

  /** An engine whose worker starts only on {@link #start()} (tests fill its queue first). */
  static BatchingInference unstarted(int maxBatchCalls, Duration maxQueueDelay, int maxQueuedCalls) {
    return new BatchingInference(maxBatchCalls, maxQueueDelay, maxQueuedCalls, 1, Duration.ZERO, false);
  }

  private BatchingInference(int maxBatchCalls, Duration maxQueueDelay, int maxQueuedCalls,
                            int parallelRuns, Duration spin, boolean start) {
    if (maxBatchCalls < 1 || maxQueuedCalls < 1 || maxQueueDelay.isNegative() || parallelRuns < 1
        || spin.isNegative()) {
      throw new IllegalArgumentException("maxBatchCalls, maxQueuedCalls and parallelRuns must be >= 1"
          + " and maxQueueDelay and spin >= 0");
    }
    this.maxBatchCalls = maxBatchCalls;
    this.maxQueueDelay = maxQueueDelay;
    this.maxQueuedCalls = maxQueuedCalls;
    this.parallelRuns = parallelRuns;
    this.spin = spin;
    this.parts = parallelRuns == 1 ? null : Executors.newFixedThreadPool(parallelRuns - 1,
        new ThreadFactoryBuilder().setNameFormat("model-batcher-part-%d").setDaemon(true).build());
    this.queue = new ArrayBlockingQueue<>(maxQueuedCalls);
    this.worker = new Thread(this::work, "model-batcher");
    this.worker.setDaemon(true);
    if (start) {
      this.worker.start();
    }
  }

  void start() {
    worker.start();
  }

  /** What the worker thread is doing: RUNNABLE while it runs or spins, WAITING asleep. */
  Thread.State workerState() {
    return worker.getState();
  }

  /** Calls waiting in the queue now. */
  int queuedCalls() {
    return queue.size();
  }

  @Override
  public CompletableFuture<ModelOutputs> submit(LoadedModel model, InferenceInput input,
                                                Optional<Deadline> deadline) {
    if (deadline.isPresent() && deadline.get().isExpired()) {
      throw new ScoreDeadlineExceededException("deadline expired before the call was queued");
    }
    Job job = new Job(model, input, deadline.orElse(null), System.nanoTime());
    if (closed || !queue.offer(job)) {
      throw new ScoreQueueFullException(closed ? "the model service is shutting down"
          : "the scoring queue is full (" + maxQueuedCalls + " calls waiting); retry with backoff");
    }
    queuedEver.incrementAndGet();
    return job.result;
  }

  @Override
  public ModelOutputs run(LoadedModel model, InferenceInput input, Optional<Deadline> deadline)
      throws OrtException {
    CompletableFuture<ModelOutputs> result = submit(model, input, deadline);
    try {
      return deadline.isPresent()
          ? result.get(deadline.get().timeRemaining(TimeUnit.NANOSECONDS), TimeUnit.NANOSECONDS)
          : result.get();
    } catch (TimeoutException e) {
      result.cancel(false);
      throw new ScoreDeadlineExceededException("deadline expired while waiting for inference");
    } catch (InterruptedException e) {
      result.cancel(false);
      Thread.currentThread().interrupt();
      throw new ScoreDeadlineExceededException("interrupted while waiting for inference");
    } catch (CancellationException e) {
      throw new ScoreQueueFullException("the model service is shutting down");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof OrtException ort) {
        throw ort;
      }
      if (cause instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new ModelInferenceException("batched inference failed", cause);
    }
  }

  @Override
  public Settings settings() {
    return new Settings(true, maxBatchCalls, maxQueueDelay, maxQueuedCalls, parallelRuns, spin);
  }

  /** Inferences run so far. */
  public long batches() {
    return batches.get();
  }

  /** Calls served by those inferences. */
  public long batchedCalls() {
    return batchedCalls.get();
  }

  /** Calls dropped because their deadline passed before inference. */
  public long expiredCalls() {
    return expiredCalls.get();
  }

  /** Times the worker spun on the empty queue after a batch (whether or not a call came). */
  public long spins() {
    return spins.get();
  }

  /** Calls the worker found in the queue while it spun, before it slept. */
  public long callsTakenSpinning() {
    return callsTakenSpinning.get();
  }

  /**
   * The queue as Prometheus metrics: the calls waiting now, and counters of batches, the
   * calls they answered (their ratio is the mean batch size), calls dropped for their deadline, the
   * worker's spins and the calls it took while it spun.
   */
  @Override
  public void registerMetrics(PrometheusRegistry registry) {
    GaugeWithCallback.builder()
        .name("glassbox_model_queued_calls")
        .help("Score calls waiting for the batching worker")
        .callback(gauge -> gauge.call(queue.size()))
        .register(registry);
    counter(registry, "glassbox_model_batches", "Inferences the batching worker ran", batches);
    counter(registry, "glassbox_model_batched_calls", "Score calls those inferences answered", batchedCalls);
    counter(registry, "glassbox_model_expired_calls",
        "Score calls dropped before inference because their deadline passed while queued", expiredCalls);
    counter(registry, "glassbox_model_batcher_spins",
        "Times the batching worker spun on the empty queue after a batch", spins);
    counter(registry, "glassbox_model_calls_taken_spinning",
        "Score calls the batching worker found while it spun after a batch", callsTakenSpinning);
  }

  private static void counter(PrometheusRegistry registry, String name, String help, AtomicLong value) {
    CounterWithCallback.builder().name(name).help(help)
        .callback(counter -> counter.call(value.get()))
        .register(registry);
  }

  @Override
  public void close() {
    closed = true;
    worker.interrupt();
    if (parts != null) {
      parts.shutdownNow();
    }
    try {
      if (worker.isAlive()) {
        worker.join(TimeUnit.SECONDS.toMillis(5));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Job left;
    while ((left = queue.poll()) != null) {
      left.result.cancel(false);
    }
    if (carried != null) {
      carried.result.cancel(false);
    }
  }

  private void work() {
    while (!closed) {
      try {
        List<Job> batch = collect();
        if (!batch.isEmpty()) {
          execute(batch);
          lastBatchEnd = System.nanoTime();
        }
      } catch (InterruptedException e) {
        if (closed) {
          return;
        }
      } catch (RuntimeException e) {
        log.error("batching worker failed; continuing", e);
      }
    }
  }

  private List<Job> collect() throws InterruptedException {
    Job first = carried != null ? carried : next();
    carried = null;
    List<Job> batch = new ArrayList<>(Math.min(maxBatchCalls, 64));
    batch.add(first);
    long cells = first.input.cells();
    long waitUntil = first.enqueuedNanos + maxQueueDelay.toNanos();
    while (batch.size() < maxBatchCalls) {
      Job next = queue.poll();
      if (next == null) {
        long wait = waitUntil - System.nanoTime();
        if (wait <= 0 || (next = queue.poll(wait, TimeUnit.NANOSECONDS)) == null) {
          break;
        }
      }
      if (next.model != first.model
          || cells + (long) next.input.rows() * Math.max(next.input.candidateCount(),
              maxCandidates(batch)) > Scorer.MAX_CELLS) {
        carried = next;
        break;
      }
      batch.add(next);
      cells += next.input.cells();
    }
    return batch;
  }

  /**
   * The next call: waiting now, arriving while the worker spins, or woken for. The worker spins
   * only if the call after the last batch came within the spin: callers that leave longer gaps
   * (the gateway between two Recommends) would only cost it CPU.
   */
  private Job next() throws InterruptedException {
    long seen = queuedEver.get();     // read first: a call queued after it changes the count
    Job job = queue.poll();
    if (job == null && cameCloseBehind && !spin.isZero()) {
      job = spinFor(seen);
    }
    if (job == null) {
      job = queue.take();
    }
    cameCloseBehind = job.enqueuedNanos - lastBatchEnd <= spin.toNanos();
    return job;
  }

  /** Polls for up to the spin, looking at the queue only when {@link #queuedEver} moves. */
  private Job spinFor(long seen) {
    spins.incrementAndGet();
    long until = System.nanoTime() + spin.toNanos();
    while (!closed && System.nanoTime() < until) {
      Thread.onSpinWait();
      if (queuedEver.get() != seen) {
        Job job = queue.poll();
        if (job != null) {
          callsTakenSpinning.incrementAndGet();
          return job;
        }
        seen = queuedEver.get();
      }
    }
    return null;
  }

  private static int maxCandidates(List<Job> jobs) {
    int most = 0;
    for (Job job : jobs) {
      most = Math.max(most, job.input.candidateCount());
    }
    return most;
  }

  private void execute(List<Job> taken) {
    List<Job> batch = new ArrayList<>(taken.size());
    for (Job job : taken) {
      if (job.result.isDone()) {
        continue;                      // the caller gave up (deadline) while it waited
      }
      if (job.deadline != null && job.deadline.isExpired()) {
        expiredCalls.incrementAndGet();
        job.result.completeExceptionally(
            new ScoreDeadlineExceededException("deadline expired while queued for inference"));
        continue;
      }
      batch.add(job);
    }
    if (batch.isEmpty()) {
      return;
    }
    try {
      List<ModelOutputs> outputs = batch.size() == 1
          ? List.of(runRows(batch.get(0).model, batch.get(0).input))
          : runMerged(batch);
      batches.incrementAndGet();
      batchedCalls.addAndGet(batch.size());
      for (int i = 0; i < batch.size(); i++) {
        batch.get(i).result.complete(outputs.get(i));
      }
    } catch (OrtException | RuntimeException e) {
      for (Job job : batch) {
        job.result.completeExceptionally(e);
      }
    }
  }

  private List<ModelOutputs> runMerged(List<Job> batch) throws OrtException {
    int historyLength = 0;
    int candidateCount = maxCandidates(batch);
    int rows = 0;
    boolean attention = false;
    boolean contribution = false;
    for (Job job : batch) {
      historyLength = Math.max(historyLength, job.input.historyLength());
      rows += job.input.rows();
      attention |= job.input.includeAttention();
      contribution |= job.input.includeContribution();
    }
    long[] history = new long[rows * historyLength];
    long[] candidates = new long[rows * candidateCount];
    int row = 0;
    for (Job job : batch) {
      InferenceInput in = job.input;
      // Calls padded to fewer positions get more left padding (the most recent item stays last).
      int shift = historyLength - in.historyLength();
      for (int b = 0; b < in.rows(); b++) {
        System.arraycopy(in.history(), b * in.historyLength(), history,
            (row + b) * historyLength + shift, in.historyLength());
      }
      for (int b = 0; b < in.rows(); b++) {
        System.arraycopy(in.candidates(), b * in.candidateCount(), candidates,
            (row + b) * candidateCount, in.candidateCount());
      }
      row += in.rows();
    }
    ModelOutputs merged = runRows(batch.get(0).model, new InferenceInput(
        history, candidates, rows, historyLength, candidateCount, attention, contribution));
    List<ModelOutputs> split = new ArrayList<>(batch.size());
    row = 0;
    for (Job job : batch) {
      split.add(slice(merged, row, job.input));
      row += job.input.rows();
    }
    return split;
  }

  /**
   * One inference over {@code input}, or, with enough rows, up to {@link #parallelRuns} at once
   * over consecutive row ranges (the worker runs the first), joined into the same outputs.
   */
  private ModelOutputs runRows(LoadedModel model, InferenceInput input) throws OrtException {
    int runs = Math.min(parallelRuns, input.rows() / MIN_ROWS_PER_RUN);
    if (runs <= 1) {
      return model.run(input);
    }
    List<Future<ModelOutputs>> others = new ArrayList<>(runs - 1);
    int first = input.rows() / runs;
    for (int r = 1; r < runs; r++) {
      InferenceInput part = input.rows(r * input.rows() / runs, (r + 1) * input.rows() / runs);
      others.add(parts.submit(() -> model.run(part)));
    }
    List<ModelOutputs> outputs = new ArrayList<>(runs);
    try {
      outputs.add(model.run(input.rows(0, first)));
      for (Future<ModelOutputs> other : others) {
        outputs.add(other.get());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ModelInferenceException("interrupted while a batch part ran", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof OrtException ort) {
        throw ort;
      }
      throw new ModelInferenceException("a batch part failed", e.getCause());
    } finally {
      others.forEach(other -> other.cancel(false));
    }
    return ModelOutputs.concat(outputs);
  }

  /** The rows {@code [firstRow, firstRow + in.rows())} of {@code merged}, cut to {@code in}'s shape. */
  private static ModelOutputs slice(ModelOutputs merged, int firstRow, InferenceInput in) {
    int c = in.candidateCount();
    int l = merged.historyLength();
    float[] scores = new float[in.rows() * c];
    float[] attention = in.includeAttention() ? new float[in.rows() * c * l] : null;
    float[] contribution = in.includeContribution() ? new float[in.rows() * c * l] : null;
    for (int b = 0; b < in.rows(); b++) {
      int from = (firstRow + b) * merged.candidates();
      System.arraycopy(merged.scores(), from, scores, b * c, c);
      if (attention != null) {
        System.arraycopy(merged.attention(), from * l, attention, b * c * l, c * l);
      }
      if (contribution != null) {
        System.arraycopy(merged.contribution(), from * l, contribution, b * c * l, c * l);
      }
    }
    return new ModelOutputs(in.rows(), c, l, scores, attention, contribution);
  }

  /** One waiting call. */
  private static final class Job {
    final LoadedModel model;
    final InferenceInput input;
    final Deadline deadline;
    final long enqueuedNanos;
    final CompletableFuture<ModelOutputs> result = new CompletableFuture<>();

    Job(LoadedModel model, InferenceInput input, Deadline deadline, long enqueuedNanos) {
      this.model = model;
      this.input = input;
      this.deadline = deadline;
      this.enqueuedNanos = enqueuedNanos;
    }
  }
}
