package io.glassbox.model;

import static java.util.Objects.requireNonNull;

import io.glassbox.server.Descriptions;
import io.glassbox.server.RequestChecks;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds the active model version and swaps in new ones atomically.
 *
 * <p>Requests take a {@link Lease} on whatever version is active when they start and keep using
 * it to the end, even if a reload swaps in another version meanwhile; the old version's session
 * closes when its last lease is returned. A version that fails to load never replaces the active
 * one. Reloads are serialized so that two admins cannot interleave loads, and run in the order
 * they came. A reload whose caller has gone (its deadline passed or it cancelled) while it waited
 * for another or while it loaded is not swapped in: its caller was told it failed, and may have
 * rolled back meanwhile.
 */
@Singleton
public final class ModelRegistry implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ModelRegistry.class);

  /**
   * A reload whose new vocabulary holds fewer than this share of the active version's items is
   * refused unless asked for: a retrain on a grown or changed catalogue keeps most of the old
   * items, while a model trained for another shop shares none and would know none of the
   * candidates the feature service retrieves. Half sits far from both.
   */
  static final double MIN_SHARED_ITEMS = 0.5;

  /** What a successful reload did. */
  public record Swap(LoadedModel active, Optional<String> previousVersion) {}

  private final ModelLoader loader;
  private final String modelName;
  private final Path modelRoot;
  private final Optional<String> startupVersion;
  private final Optional<ModelWarmup> warmup;
  /**
   * Run on each loaded version after its warm-up, before the caller is checked and the version
   * swapped in: a seam for tests, which block in it to hold a reload there as long as they need.
   */
  private final Consumer<LoadedModel> beforeSwap;
  private final AtomicReference<LoadedModel> active = new AtomicReference<>();
  /** Fair: a reload queued behind another is not overtaken by a later one. */
  private final ReentrantLock reloadLock = new ReentrantLock(true);
  /** Set by {@link #close}; guarded by this registry's monitor, as the swap is. */
  private boolean closed;

  /** Each loaded version is warmed up by {@code warmup} before it becomes active. */
  @Inject
  public ModelRegistry(ModelLoader loader, ModelConfig config, ModelWarmup warmup) {
    this(loader, config, Optional.of(warmup), loaded -> {});
  }

  /** Without warm-up: a version is active as soon as it has loaded. */
  public ModelRegistry(ModelLoader loader, ModelConfig config) {
    this(loader, config, Optional.empty(), loaded -> {});
  }

  /** {@code beforeSwap} runs on each loaded version after its warm-up, before it is swapped in. */
  ModelRegistry(ModelLoader loader, ModelConfig config, Optional<ModelWarmup> warmup,
      Consumer<LoadedModel> beforeSwap) {
    this.loader = requireNonNull(loader, "loader");
    this.modelName = config.modelName();
    this.modelRoot = config.modelRoot();
    this.startupVersion = config.version();
    this.warmup = warmup;
    this.beforeSwap = requireNonNull(beforeSwap, "beforeSwap");
  }

  /**
   * Loads the configured version (or the newest) at start; throws if it cannot be loaded.
   *
   * <p>A version that does not load stops the start rather than falling back to an older one: with
   * no version pinned the operator asked for the newest, and a replica that reported SERVING with
   * another would make a broken rollout look like a finished one. The message is for the operator
   * (the start's one ERROR line): it names the folder and how to start anyway.
   *
   * @throws ModelLoadException if the version folder does not hold a loadable model
   */
  public LoadedModel loadConfiguredVersion() {
    String version = startupVersion.orElseGet(this::newestVersion);
    try {
      return reload(version, Context.ROOT, false).active();
    } catch (ModelLoadException e) {
      throw new ModelLoadException(startupFailure(version, e.getMessage()), e);
    }
  }

  private String startupFailure(String version, String why) {
    // Newest first; with none pinned, version is the newest, so every other one is older.
    List<String> others = versions().stream().filter(other -> !other.equals(version)).limit(5).toList();
    String pinAnother = others.isEmpty() ? "put a version that loads next to it"
        : "pin one that loads with " + ModelConfig.VERSION_KEY + "=<version> ("
            + (startupVersion.isPresent() ? "others" : "older versions") + " here: "
            + String.join(", ", others) + ")";
    String remedy = startupVersion.isPresent()
        ? "fix that folder, or " + pinAnother + ", or leave " + ModelConfig.VERSION_KEY + " empty to serve the newest"
        : pinAnother + ", or fix or remove that folder (with no version pinned the newest folder is served)";
    return "model " + modelName + " version folder " + modelRoot.resolve(version).toAbsolutePath()
        + " could not be loaded: " + why + (why.matches(".*[.?!]$") ? "" : ".") + " To start anyway, " + remedy + ".";
  }

  /**
   * Loads {@code version} (empty: the newest version folder) and makes it active, for a caller
   * that waits for the answer however long it takes; a version of another item catalogue is
   * refused.
   *
   * @see #reload(String, Context, boolean)
   */
  public Swap reload(String version) {
    return reload(version, Context.ROOT, false);
  }

  /**
   * Loads {@code version} (empty: the newest version folder) and makes it active, unless {@code
   * caller} (the reload call's context) has ended by the time this reload's turn comes, or by the
   * time the version has loaded and warmed up: then nothing changes and what was loaded is closed.
   *
   * @param allowNewCatalogue load it even if its vocabulary holds under {@link #MIN_SHARED_ITEMS}
   *     of the active version's items (a model of another catalogue, on purpose)
   * @throws io.grpc.StatusRuntimeException INVALID_ARGUMENT for a malformed version;
   *     DEADLINE_EXCEEDED or CANCELLED when {@code caller} ended before the swap
   * @throws ModelVersionNotFoundException if the folder does not exist
   * @throws ModelLoadException if the folder does not hold a loadable model, or (without {@code
   *     allowNewCatalogue}) its vocabulary shares too few items with the active version's; the
   *     active version keeps serving
   */
  public Swap reload(String version, Context caller, boolean allowNewCatalogue) {
    requireNonNull(version, "version");
    requireNonNull(caller, "caller");
    if (!version.isEmpty() && !VersionNames.isValid(version)) {
      throw RequestChecks.invalid("version must be empty (newest) or " + VersionNames.RULE
          + ", got \"" + Descriptions.truncate(version) + "\"");
    }
    reloadLock.lock();
    try {
      callerStillWaits(caller, version.isEmpty() ? "the newest version" : "version " + version,
          "while it waited for another reload");
      String chosen = version.isEmpty() ? newestVersion() : version;
      Path folder = modelRoot.resolve(chosen);
      if (!Files.isDirectory(folder)) {
        throw new ModelVersionNotFoundException(
            "model " + modelName + " has no version folder \"" + chosen + "\"");
      }
      LoadedModel loaded;
      try {
        loaded = loader.load(modelName, chosen, folder);
      } catch (ModelLoadException e) {
        LoadedModel current = active.get();
        // The client sees e's message; the cause (ONNX Runtime's own words, with paths) stays here.
        log.warn("version {} of model {} failed to load ({}{}); {}", chosen, modelName, e.getMessage(),
            e.getCause() == null ? "" : ": " + e.getCause().getMessage(),
            current == null ? "no version is serving" : "version " + current.version() + " keeps serving");
        throw e;
      }
      if (!allowNewCatalogue) {
        try {
          checkSameCatalogue(loaded);
        } catch (ModelLoadException e) {
          loaded.retire();
          log.warn("version {} of model {} not swapped in: {}", chosen, modelName, e.getMessage());
          throw e;
        }
      }
      LoadedModel previous;
      try {
        // Before it takes traffic: the first inferences of a session cost several warm ones.
        warmup.ifPresent(w -> w.warm(loaded));
        beforeSwap.accept(loaded);
        callerStillWaits(caller, "version " + chosen, "while it loaded");
        previous = swapIn(loaded);
      } catch (Throwable notSwappedIn) {
        // Whatever stopped the swap, nothing else would close this version's native session.
        loaded.retire();
        throw notSwappedIn;
      }
      if (previous != null) {
        previous.retire();
      }
      log.info("model {} version {} is active (was {})", modelName, chosen,
          previous == null ? "none" : previous.version());
      return new Swap(loaded, Optional.ofNullable(previous).map(LoadedModel::version));
    } finally {
      reloadLock.unlock();
    }
  }

  /**
   * Throws if {@code loaded}'s vocabulary holds under {@link #MIN_SHARED_ITEMS} of the active
   * version's items. The model service does not know the shop's catalogue (the feature service
   * does), but the active version was trained on it; a version that shares few of its items would
   * find every candidate unknown, and every recommendation would fall back to the unranked order.
   * Nothing to compare with on the first load.
   */
  private void checkSameCatalogue(LoadedModel loaded) {
    LoadedModel current = active.get();
    if (current == null) {
      return;
    }
    Vocabulary before = current.vocabulary();
    int shared = before.sharedWith(loaded.vocabulary());
    if (shared >= MIN_SHARED_ITEMS * before.size()) {
      return;
    }
    throw new ModelLoadException("version " + loaded.version() + "'s vocabulary holds " + loaded.vocabulary().size()
        + " items, of which " + shared + " are among the " + before.size() + " items of active version "
        + current.version() + " (under half): it looks trained on another item catalogue, and would know"
        + " almost none of the shop's items; version " + current.version() + " keeps serving. To load it anyway,"
        + " when the catalogue has changed on purpose, reload with allow_new_catalogue"
        + " (bin/glassbox reload-model --version " + loaded.version() + " --allow-new-catalogue)");
  }

  /**
   * Makes {@code loaded} active and returns the version it replaced; refuses once {@link #close}
   * has run, which would never close it.
   */
  private synchronized LoadedModel swapIn(LoadedModel loaded) {
    if (closed) {
      log.warn("version {} of model {} loaded after shutdown began; not swapped in", loaded.version(), modelName);
      throw Status.UNAVAILABLE.withDescription("the model service is shutting down; version " + loaded.version()
          + " was not swapped in").asRuntimeException();
    }
    return active.getAndSet(loaded);
  }

  /**
   * Throws, after logging it, if {@code caller} has ended: its deadline passed or it cancelled. A
   * reload whose caller was told it failed must not change what serves: the operator may have
   * rolled back, or asked for another version, since.
   */
  private void callerStillWaits(Context caller, String what, String when) {
    boolean deadlinePassed = caller.getDeadline() != null && caller.getDeadline().isExpired();
    if (!deadlinePassed && !caller.isCancelled()) {
      return;
    }
    Status gone = deadlinePassed ? Status.DEADLINE_EXCEEDED : Contexts.statusFromCancelled(caller);
    LoadedModel current = active.get();
    log.warn("reload of {} of model {} not applied: its caller's {} {}; {}", what, modelName,
        deadlinePassed ? "deadline passed" : "call ended (" + gone.getCode() + ")", when,
        current == null ? "no version is serving" : "version " + current.version() + " keeps serving");
    throw gone.withDescription("the reload's caller ended (" + gone.getCode() + ") " + when + "; " + what
        + " was not swapped in").asRuntimeException();
  }

  /** How many reloads wait for the one under way to end; for tests. */
  int reloadsWaiting() {
    return reloadLock.getQueueLength();
  }

  /** The newest version folder by name (names sort in time order, e.g. 20261122-0400). */
  private String newestVersion() {
    if (!Files.isDirectory(modelRoot)) {
      throw new ModelVersionNotFoundException("model " + modelName + " has no folder in the model directory ("
          + modelRoot.toAbsolutePath() + " does not exist; " + ModelConfig.DIRECTORY_KEY + " names the directory)");
    }
    return versions().stream().findFirst().orElseThrow(() -> new ModelVersionNotFoundException(
        "model " + modelName + " has no version folders in " + modelRoot.toAbsolutePath()));
  }

  /** The version folders by name, newest first; none if the model's folder does not exist. */
  private List<String> versions() {
    if (!Files.isDirectory(modelRoot)) {
      return List.of();
    }
    try (Stream<Path> children = Files.list(modelRoot)) {
      return children
          .filter(Files::isDirectory)
          .map(path -> path.getFileName().toString())
          .filter(VersionNames::isValid)
          .sorted(Comparator.reverseOrder())
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + modelRoot, e);
    }
  }

  /** The active version, if one is loaded; for describing it, not for running it (see {@link #lease}). */
  public Optional<LoadedModel> active() {
    return Optional.ofNullable(active.get());
  }

  /**
   * Pins the active version for one request; close the lease when done.
   *
   * @throws ModelNotLoadedException if no version is loaded
   */
  public Lease lease() {
    while (true) {
      LoadedModel current = active.get();
      if (current == null) {
        throw new ModelNotLoadedException();
      }
      if (current.tryAcquire()) {
        return new Lease(current);
      }
      // It was retired between get() and tryAcquire(); the swap has already published its successor.
    }
  }

  /** Retires the active version; requests still holding leases finish first. */
  @Override
  public void close() {
    LoadedModel current;
    synchronized (this) {
      // A reload still under way then closes what it loaded instead of swapping it in (swapIn).
      closed = true;
      current = active.getAndSet(null);
    }
    if (current != null) {
      current.retire();
    }
  }

  /** One request's hold on a model version. */
  public static final class Lease implements AutoCloseable {
    private final LoadedModel model;
    private boolean closed;

    private Lease(LoadedModel model) {
      this.model = model;
    }

    public LoadedModel model() {
      return model;
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        model.release();
      }
    }
  }
}
