package io.glassbox.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Deadline;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Dynamic batching against the toy model: merged calls, a full queue, expired deadlines. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BatchingInferenceTest {
  private ModelServiceUnderTest service;
  private ExecutorService callers;

  @BeforeEach
  void start(@TempDir Path modelDirectory) {
    ModelFolders.addToyVersion(modelDirectory, "v1");
    service = ModelServiceUnderTest.withToyModel(modelDirectory);
    callers = Executors.newCachedThreadPool();
  }

  @AfterEach
  void stop() {
    callers.shutdownNow();
    service.close();
  }

  @Test
  void concurrentCalls_areMergedIntoOneInferenceWithTheSameResultsAsAlone() throws Exception {
    int calls = 8;
    // A long delay and a batch size equal to the number of callers: the batch runs as soon as
    // the eighth call arrives, so all eight share one inference.
    try (BatchingInference engine = new BatchingInference(calls, Duration.ofSeconds(30), 64);
        ModelRegistry.Lease lease = service.registry.lease()) {
      List<Future<ModelOutputs>> results = new ArrayList<>();
      for (int i = 0; i < calls; i++) {
        InferenceInput input = input(i);
        results.add(callers.submit(() -> engine.run(lease.model(), input, Optional.empty())));
      }
      for (int i = 0; i < calls; i++) {
        ModelOutputs merged = results.get(i).get();
        ModelOutputs alone = lease.model().run(input(i));
        assertEquals(alone.candidates(), merged.candidates());
        assertArrayEquals(alone.scores(), merged.scores(), 1e-6f);
        assertArrayEquals(alone.attention(), merged.attention(), 1e-6f);
        assertArrayEquals(alone.contribution(), merged.contribution(), 1e-6f);
      }
      assertEquals(1, engine.batches());
      assertEquals(calls, engine.batchedCalls());
    }
  }

  @Test
  void callsPaddedToDifferentLengths_shareOneInference_theShorterOnesWithMoreLeftPadding() throws Exception {
    InferenceInput whole = input(0);                                     // 4 positions
    InferenceInput shorter = new InferenceInput(                          // 2 positions
        new long[] {1, 2, 4, 5}, new long[] {3, 7, 9, 11}, 2, 2, 2, true, true);
    try (BatchingInference engine = new BatchingInference(2, Duration.ofSeconds(30), 64);
        ModelRegistry.Lease lease = service.registry.lease()) {
      Future<ModelOutputs> first = callers.submit(() -> engine.run(lease.model(), whole, Optional.empty()));
      Future<ModelOutputs> second = callers.submit(() -> engine.run(lease.model(), shorter, Optional.empty()));
      ModelOutputs merged = second.get();
      ModelOutputs alone = lease.model().run(shorter);
      first.get();
      assertEquals(1, engine.batches());
      assertEquals(4, merged.historyLength());
      assertArrayEquals(alone.scores(), merged.scores(), 1e-6f);
      for (int row = 0; row < 2; row++) {
        for (int c = 0; c < 2; c++) {
          assertArrayEquals(new float[] {0, 0}, ModelOutputs.slice(merged.contribution(), merged, row, c, 0, 2));
          assertArrayEquals(ModelOutputs.slice(alone.contribution(), alone, row, c, 0, 2),
              ModelOutputs.slice(merged.contribution(), merged, row, c, 2, 2), 1e-6f);
        }
      }
    }
  }

  @Test
  void manyRows_splitIntoParallelRuns_giveTheSameOutputsAsOneInference() throws Exception {
    // 3 runs of 4..5 rows for 13 rows; a 3-row call is not split (fewer than 2 x 4 rows).
    try (BatchingInference engine = new BatchingInference(8, Duration.ZERO, 64, 3, Duration.ZERO);
        ModelRegistry.Lease lease = service.registry.lease()) {
      for (int rows : new int[] {13, 3}) {
        InferenceInput input = rows(rows);
        ModelOutputs split = engine.run(lease.model(), input, Optional.empty());
        ModelOutputs alone = lease.model().run(input);
        assertEquals(alone.batch(), split.batch());
        assertArrayEquals(alone.scores(), split.scores(), 1e-6f);
        assertArrayEquals(alone.attention(), split.attention(), 1e-6f);
        assertArrayEquals(alone.contribution(), split.contribution(), 1e-6f);
      }
      assertEquals(3, engine.settings().parallelRuns());
    }
  }

  @Test
  void aCallArrivingWhileTheWorkerSpins_isTakenThere_withTheSameResult() throws Exception {
    // A spin far longer than the test: 200 ms after the first batch the worker still polls.
    try (BatchingInference engine = new BatchingInference(8, Duration.ZERO, 64, 1, Duration.ofSeconds(30));
        ModelRegistry.Lease lease = service.registry.lease()) {
      engine.run(lease.model(), input(1), Optional.empty());
      Thread.sleep(200);
      assertEquals(Thread.State.RUNNABLE, engine.workerState(), "polling, not asleep");
      long before = engine.callsTakenSpinning();
      ModelOutputs second = engine.run(lease.model(), input(2), Optional.empty());

      assertEquals(before + 1, engine.callsTakenSpinning());
      assertArrayEquals(lease.model().run(input(2)).scores(), second.scores(), 1e-6f);
      assertEquals(Duration.ofSeconds(30), engine.settings().batcherSpin());
    }
  }

  @Test
  void afterACallThatCameLaterThanTheSpin_theWorkerSleepsAtOnce_untilCallsComeCloseAgain() throws Exception {
    // Margins of tens of milliseconds, so that a loaded machine cannot blur them.
    try (BatchingInference engine = new BatchingInference(8, Duration.ZERO, 64, 1, Duration.ofMillis(500));
        ModelRegistry.Lease lease = service.registry.lease()) {
      engine.run(lease.model(), input(1), Optional.empty());
      Thread.sleep(1500);               // longer than the spin: the worker has slept
      engine.run(lease.model(), input(2), Optional.empty());
      long caught = engine.callsTakenSpinning();

      Thread.sleep(20);                 // within the spin, had the worker spun after call 2
      engine.run(lease.model(), input(3), Optional.empty());
      assertEquals(caught, engine.callsTakenSpinning(), "call 3 woke the worker");

      Thread.sleep(20);                 // call 3 came 20 ms after its batch: the worker spins again
      engine.run(lease.model(), input(4), Optional.empty());
      assertEquals(caught + 1, engine.callsTakenSpinning(), "call 4 was taken spinning");
    }
  }

  @Test
  void afterItsSpin_theWorkerSleeps_andWithoutSpinItNeverSpins() throws Exception {
    for (Duration spin : List.of(Duration.ofMillis(1), Duration.ZERO)) {
      try (BatchingInference engine = new BatchingInference(8, Duration.ZERO, 64, 1, spin);
          ModelRegistry.Lease lease = service.registry.lease()) {
        engine.run(lease.model(), input(1), Optional.empty());
        long sleepingBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (engine.workerState() != Thread.State.WAITING && System.nanoTime() < sleepingBy) {
          Thread.sleep(1);
        }
        assertEquals(Thread.State.WAITING, engine.workerState(), "spin " + spin);
        long caught = engine.callsTakenSpinning();
        engine.run(lease.model(), input(2), Optional.empty());
        assertEquals(caught, engine.callsTakenSpinning(), "spin " + spin + ": the worker was woken");
        if (spin.isZero()) {
          assertEquals(0, engine.spins());
        }
      }
    }
  }

  /** {@code count} rows of 4 history positions and 3 candidates, each row different. */
  private static InferenceInput rows(int count) {
    long[] history = new long[count * 4];
    long[] candidates = new long[count * 3];
    for (int r = 0; r < count; r++) {
      long[] row = {0, 1 + r % 12, 2, 1 + (r * 5) % 12};
      System.arraycopy(row, 0, history, r * 4, 4);
      for (int c = 0; c < 3; c++) {
        candidates[r * 3 + c] = 1 + (r + 4 * c) % 12;
      }
    }
    return new InferenceInput(history, candidates, count, 4, 3, true, true);
  }

  @Test
  void fullQueue_rejectsTheCallAtOnce() throws Exception {
    try (BatchingInference engine = BatchingInference.unstarted(4, Duration.ZERO, 1);
        ModelRegistry.Lease lease = service.registry.lease()) {
      Future<ModelOutputs> waiting = callers.submit(
          () -> engine.run(lease.model(), input(1), Optional.empty()));
      awaitQueued(engine, 1);

      ScoreQueueFullException error = assertThrows(ScoreQueueFullException.class,
          () -> engine.run(lease.model(), input(2), Optional.empty()));
      assertTrue(error.getMessage().startsWith("the scoring queue is full (1 calls waiting)"),
          error.getMessage());

      engine.start();
      assertEquals(lease.model().run(input(1)).scores().length, waiting.get().scores().length);
    }
  }

  @Test
  void callWhoseDeadlinePassesWhileQueued_isDroppedBeforeInference() throws Exception {
    try (BatchingInference engine = BatchingInference.unstarted(4, Duration.ZERO, 8);
        ModelRegistry.Lease lease = service.registry.lease()) {
      Deadline soon = Deadline.after(200, TimeUnit.MILLISECONDS);
      CompletableFuture<Throwable> expired = CompletableFuture.supplyAsync(() -> {
        try {
          engine.run(lease.model(), input(1), Optional.of(soon));
          return null;
        } catch (Exception | Error e) {
          return e;
        }
      }, callers);
      assertTrue(expired.get() instanceof ScoreDeadlineExceededException, String.valueOf(expired.get()));

      engine.start();
      engine.run(lease.model(), input(2), Optional.empty());
      assertEquals(1, engine.batches(), "only the live call reached the model");
      assertEquals(1, engine.batchedCalls());
    }
  }

  @Test
  void scoreAsync_returnsOnceQueued_andTheWorkerCompletesItWithTheResultOfAWaitingCall() throws Exception {
    try (BatchingInference engine = BatchingInference.unstarted(4, Duration.ZERO, 8)) {
      Scorer scorer = new Scorer(service.registry, engine);
      CompletableFuture<ScoredBatch> queued = scorer.scoreAsync(query(2, 4), Optional.empty());
      CompletableFuture<String> completedOn = queued.thenApply(done -> Thread.currentThread().getName());
      awaitQueued(engine, 1);
      assertFalse(queued.isDone(), "returned without waiting for the inference");

      engine.start();
      // Waited for first: a thread blocked in queued.get() when the call completes may run the
      // dependent stage itself (CompletableFuture helps complete what it waited for).
      assertEquals("model-batcher", completedOn.get());
      ScoredBatch alone = new Scorer(service.registry).score(query(2, 4));
      assertArrayEquals(alone.rows().get(0).scores(), queued.get().rows().get(0).scores(), 1e-6f);
    }
  }

  @Test
  void scoreAsync_cancelledWhileQueued_isDroppedBeforeInference() throws Exception {
    try (BatchingInference engine = BatchingInference.unstarted(4, Duration.ZERO, 8)) {
      Scorer scorer = new Scorer(service.registry, engine);
      CompletableFuture<ScoredBatch> cancelled = scorer.scoreAsync(query(2, 4), Optional.empty());
      awaitQueued(engine, 1);
      cancelled.cancel(false);
      try (ModelRegistry.Lease lease = service.registry.lease()) {
        assertEquals(2, lease.model().references(), "the cancelled call gave its lease back");
      }

      engine.start();
      scorer.score(query(3));
      assertEquals(1, engine.batches(), "only the live call reached the model");
      assertEquals(1, engine.batchedCalls());
      try (ModelRegistry.Lease lease = service.registry.lease()) {
        assertEquals(2, lease.model().references(), "the cancelled call gave its lease back");
      }
    }
  }

  /** One row of the toy model: {@code history} against candidates 5 and 9. */
  private static ScoreQuery query(int... history) {
    List<String> ids = new ArrayList<>();
    for (int item : history) {
      ids.add(ScoreRpcTest.id(item));
    }
    return new ScoreQuery(List.of(new ScoreQuery.Row(ids, ScoreRpcTest.ids(5, 9))), false, false,
        ScoreQuery.UnknownItems.REJECT, Optional.empty());
  }

  @Test
  void expiredDeadline_failsBeforeQueueing() {
    try (BatchingInference engine = BatchingInference.unstarted(4, Duration.ZERO, 8);
        ModelRegistry.Lease lease = service.registry.lease()) {
      Deadline past = Deadline.after(-1, TimeUnit.MILLISECONDS);
      assertThrows(ScoreDeadlineExceededException.class,
          () -> engine.run(lease.model(), input(1), Optional.of(past)));
      assertEquals(0, engine.queuedCalls());
    }
  }

  /** Call i: two rows of the toy model (history length 4) with 1 + i % 3 candidates each. */
  private static InferenceInput input(int i) {
    int candidates = 1 + i % 3;
    long[] history = {0, 0, 1 + i % 12, 2, 0, 3, 4, 5};
    long[] items = new long[2 * candidates];
    for (int c = 0; c < items.length; c++) {
      items[c] = 1 + (i + c) % 12;
    }
    return new InferenceInput(history, items, 2, 4, candidates, true, true);
  }

  private static void awaitQueued(BatchingInference engine, int calls) throws InterruptedException {
    while (engine.queuedCalls() < calls) {
      Thread.onSpinWait();
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
    }
  }
}
