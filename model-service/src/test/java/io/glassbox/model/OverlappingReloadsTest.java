package io.glassbox.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.glassbox.server.LogCapture;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reload whose caller gave up (its deadline passed, or it cancelled) while it waited behind
 * another reload, or while its version loaded, is not swapped in: the caller was told it failed
 * and may have rolled back since. The toy versions load for real; the test holds the reload of
 * {@link #HELD} after its load, before the swap, until the other caller has given up, so that no
 * outcome depends on how fast the machine loads a model.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OverlappingReloadsTest {
  private static final String HELD = "v2-held";

  @TempDir Path modelDirectory;
  private final CountDownLatch heldReloadLoaded = new CountDownLatch(1);
  private final CountDownLatch releaseHeldReload = new CountDownLatch(1);
  private final ExecutorService reloads = Executors.newFixedThreadPool(2);
  /** Ends the callers' contexts when their deadlines pass. */
  private final ScheduledExecutorService deadlines = Executors.newSingleThreadScheduledExecutor();
  private ModelRegistry registry;

  @BeforeEach
  void startWithV1() {
    ModelFolders.addToyVersion(modelDirectory, "v1");
    ModelFolders.addToyVersion(modelDirectory, HELD);
    ModelFolders.addToyVersion(modelDirectory, "v3");
    ModelConfig config = ModelServiceUnderTest.cpuConfig(modelDirectory, ModelFolders.TOY_NAME);
    OrtEnvironment environment = OnnxRuntimeLibraries.environment();
    registry = new ModelRegistry(
        new ModelLoader(environment, new SessionFactory(environment, config, ModelServiceUnderTest.NO_GPU)),
        config, Optional.empty(), this::holdTheHeldVersion);
    registry.reload("v1");
  }

  @AfterEach
  void stop() {
    releaseHeldReload.countDown();
    reloads.shutdownNow();
    deadlines.shutdownNow();
    registry.close();
  }

  /** Holds the reload of {@link #HELD}, loaded and about to be swapped in, until the test releases it. */
  private void holdTheHeldVersion(LoadedModel loaded) {
    if (!loaded.version().equals(HELD)) {
      return;
    }
    heldReloadLoaded.countDown();
    try {
      assertTrue(releaseHeldReload.await(50, TimeUnit.SECONDS), "the test never released the held reload");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Test
  void reloadQueuedBehindAnother_whoseDeadlinePassesWhileItWaits_isNeitherLoadedNorSwappedIn() throws Exception {
    try (LogCapture loads = LogCapture.of(ModelLoader.class, Level.INFO)) {
      Future<ModelRegistry.Swap> held = reloads.submit(() -> registry.reload(HELD, Context.ROOT, false));
      assertTrue(heldReloadLoaded.await(30, TimeUnit.SECONDS));
      Context.CancellableContext caller = Context.ROOT.withDeadline(
          Deadline.after(200, TimeUnit.MILLISECONDS), deadlines);
      Future<ModelRegistry.Swap> queued = reloads.submit(() -> registry.reload("v3", caller, false));
      awaitReloadsWaiting();
      // The queued reload's caller gives up while the held one provably holds the registry.
      awaitEnded(caller);

      releaseHeldReload.countDown();
      assertEquals(HELD, held.get(30, TimeUnit.SECONDS).active().version());
      assertEquals(Status.Code.DEADLINE_EXCEEDED, failureOf(queued).getCode());
      assertEquals(HELD, registry.active().orElseThrow().version(), "the queued reload's caller had given up");
      assertEquals(List.of(), loads.lines().stream().map(ILoggingEvent::getFormattedMessage)
          .filter(line -> line.contains("v3")).toList(), "the queued version was not even loaded");
    }
  }

  @Test
  void reloadQueuedBehindAnother_whoseCallerCancelsWhileItWaits_isNotSwappedIn() throws Exception {
    Future<ModelRegistry.Swap> held = reloads.submit(() -> registry.reload(HELD, Context.ROOT, false));
    assertTrue(heldReloadLoaded.await(30, TimeUnit.SECONDS));
    Context.CancellableContext caller = Context.ROOT.withCancellation();
    Future<ModelRegistry.Swap> queued = reloads.submit(() -> registry.reload("v3", caller, false));
    awaitReloadsWaiting();

    caller.cancel(null);
    releaseHeldReload.countDown();
    assertEquals(HELD, held.get(30, TimeUnit.SECONDS).active().version());
    assertEquals(Status.Code.CANCELLED, failureOf(queued).getCode());
    assertEquals(HELD, registry.active().orElseThrow().version(), "the queued reload's caller had cancelled");
  }

  @Test
  void reloadWhoseDeadlinePassesWhileItsVersionLoads_isNotSwappedIn() throws Exception {
    Context.CancellableContext caller = Context.ROOT.withDeadline(
        Deadline.after(200, TimeUnit.MILLISECONDS), deadlines);
    Future<ModelRegistry.Swap> held = reloads.submit(() -> registry.reload(HELD, caller, false));
    assertTrue(heldReloadLoaded.await(30, TimeUnit.SECONDS));
    // The caller has given up before the loaded version may be swapped in.
    awaitEnded(caller);

    releaseHeldReload.countDown();
    assertEquals(Status.Code.DEADLINE_EXCEEDED, failureOf(held).getCode());
    assertEquals("v1", registry.active().orElseThrow().version());
  }

  private static Status failureOf(Future<ModelRegistry.Swap> reload) {
    ExecutionException failed = assertThrows(ExecutionException.class, () -> reload.get(30, TimeUnit.SECONDS));
    assertTrue(failed.getCause() instanceof StatusRuntimeException, failed.getCause().toString());
    return Status.fromThrowable(failed.getCause());
  }

  private void awaitReloadsWaiting() throws InterruptedException {
    while (registry.reloadsWaiting() < 1) {
      Thread.sleep(5);
    }
  }

  private static void awaitEnded(Context caller) throws InterruptedException {
    while (!caller.isCancelled()) {
      Thread.sleep(5);
    }
  }
}
