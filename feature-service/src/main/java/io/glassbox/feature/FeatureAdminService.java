package io.glassbox.feature;

import static io.glassbox.server.RequestChecks.requireId;
import static java.util.Objects.requireNonNull;

import com.google.protobuf.ByteString;
import io.glassbox.api.v1.EraseUserRequest;
import io.glassbox.api.v1.EraseUserResponse;
import io.glassbox.api.v1.FeatureAdminGrpc;
import io.glassbox.api.v1.FeatureStore;
import io.glassbox.api.v1.ImportChunk;
import io.glassbox.api.v1.ImportResponse;
import io.glassbox.server.Descriptions;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.prometheus.metrics.core.metrics.Counter;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code glassbox.v1.FeatureAdmin}: bulk imports from CSV. Each import's stream of chunks is
 * spooled to a temporary file under size limits (so a large file costs disk, not heap), then
 * {@link CsvImport} validates and stores it. One import at a time. An interactions check may bring
 * the items file to be imported before it ({@code items_csv}), spooled to a second file; the two
 * together are held to {@value FeatureConfig#IMPORT_MAX_MIB_KEY}, since both wait in the same
 * temporary folder. That folder is small in a container (a tmpfs under compose, an emptyDir under
 * Kubernetes, which evicts the pod past its size: deploy/README.md), so the setting must fit in
 * it; a folder that fills up all the same ends the import with RESOURCE_EXHAUSTED naming both.
 */
public final class FeatureAdminService extends FeatureAdminGrpc.FeatureAdminImplBase {
  private static final Logger log = LoggerFactory.getLogger(FeatureAdminService.class);
  private static final String ITEMS = "items CSV";
  private static final String INTERACTIONS = "interactions CSV";
  static final int MAX_CHUNK_BYTES = 1 << 20;
  static final int MAX_LINE_BYTES = 64 << 10;

  private final EventStore store;
  /** Where the rows go, in every answer: a caller told "stored" must know whether a restart keeps them. */
  private final FeatureStore storedIn;
  private final CsvImport csvImport;
  private final int maxMib;
  private final SpoolFolder folder;
  private final Semaphore oneImport = new Semaphore(1);
  /** Imports refused for a full store: FeatureGrpcService's counter, registered once with it. */
  private final Counter storeFullRefusals;

  /** Counts imports refused for a full store in {@code features}' counter, which it registers. */
  @Inject
  public FeatureAdminService(EventStore store, EventTimeLimit timeLimit, FeatureConfig config,
      FeatureGrpcService features) {
    this(store, timeLimit, config.importMaxMib(), SpoolFolder.temporary(), features.storeFullRefusals(),
        config.dataTimeZone());
  }

  /** {@code maxMib}: the most an import spools into {@code folder}, its files together; refusals uncounted. */
  FeatureAdminService(EventStore store, EventTimeLimit timeLimit, int maxMib, SpoolFolder folder) {
    this(store, timeLimit, maxMib, folder, StoreCalls.fullRefusals());
  }

  /** As above, counting imports refused for a full store in {@code storeFullRefusals}. */
  FeatureAdminService(EventStore store, EventTimeLimit timeLimit, int maxMib, SpoolFolder folder,
      Counter storeFullRefusals) {
    this(store, timeLimit, maxMib, folder, storeFullRefusals, LocalTimeZone.none(LocalTimeZone.DATA_FOLDER_SETTING));
  }

  /**
   * As above, for a shop whose data folder's zone is {@code shopZone}: an imported file without
   * an order column and without a zone of its own groups a day's purchases by the shop's day, as
   * the folder does, so the folder's rows imported again are found already there.
   */
  FeatureAdminService(EventStore store, EventTimeLimit timeLimit, int maxMib, SpoolFolder folder,
      Counter storeFullRefusals, LocalTimeZone shopZone) {
    this.storeFullRefusals = requireNonNull(storeFullRefusals, "storeFullRefusals");
    this.store = requireNonNull(store, "store");
    this.storedIn = switch (store.kind()) {
      case MEMORY -> FeatureStore.FEATURE_STORE_MEMORY;
      case REDIS -> FeatureStore.FEATURE_STORE_REDIS;
    };
    this.csvImport = new CsvImport(store, requireNonNull(timeLimit, "timeLimit"), shopZone);
    this.maxMib = maxMib;
    this.folder = requireNonNull(folder, "folder");
  }

  /** Where an import's files wait while it streams in. */
  interface SpoolFolder {
    /** The folder, as messages name it. */
    Path path();

    /** A new empty file in it, for this service alone. */
    Path newFile() throws IOException;

    /** {@code java.io.tmpdir}. */
    static SpoolFolder temporary() {
      Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
      return new SpoolFolder() {
        @Override
        public Path path() {
          return tmp;
        }

        @Override
        public Path newFile() throws IOException {
          return Files.createTempFile(tmp, "glassbox-import-", ".csv");
        }
      };
    }
  }

  @Override
  public StreamObserver<ImportChunk> importItems(StreamObserver<ImportResponse> responses) {
    return receive(ITEMS, false, responses, (file, itemsFile, validateOnly, timeZone, callerGone) ->
        csvImport.importItems(file, ITEMS, validateOnly, callerGone));
  }

  @Override
  public StreamObserver<ImportChunk> importInteractions(StreamObserver<ImportResponse> responses) {
    return receive(INTERACTIONS, true, responses, (file, itemsFile, validateOnly, timeZone, callerGone) ->
        itemsFile == null
            ? csvImport.importInteractions(file, INTERACTIONS, validateOnly, timeZone, callerGone)
            : csvImport.validateInteractionsAfterItems(file, INTERACTIONS, itemsFile, ITEMS, timeZone, callerGone));
  }

  /**
   * Erases one user's data from the store (right to erasure); the log line says how much, never
   * who (the caller knows).
   */
  @Override
  public void eraseUser(EraseUserRequest request, StreamObserver<EraseUserResponse> responses) {
    String userId = requireId("user_id", request.getUserId());
    ErasedUser erased = StoreCalls.call(() -> store.eraseUser(userId));
    log.info("Erased a user on request: {} event{} in {} order{}{}", erased.events(), erased.events() == 1 ? "" : "s",
        erased.orders(), erased.orders() == 1 ? "" : "s", erased.orderLinesLeftRemoved() > 0
            ? " and " + erased.orderLinesLeftRemoved() + " order lines an earlier erasure left"
            : erased.knownUser() ? "" : " (the store held nothing of the user)");
    responses.onNext(EraseUserResponse.newBuilder()
        .setKnownUser(erased.knownUser())
        .setEvents(erased.events())
        .setOrders(erased.orders())
        .setOrderLinesLeftRemoved(erased.orderLinesLeftRemoved())
        .setStore(storedIn)
        .build());
    responses.onCompleted();
  }

  private interface Importer {
    /** {@code itemsFile}: the items_csv sent along (only with validate_only), null when none was. */
    CsvImport.Result run(
        Path file, Path itemsFile, boolean validateOnly, LocalTimeZone timeZone, BooleanSupplier callerGone);
  }

  /**
   * {@code interactions}: whether the file holds interactions, whose rows hold times (so that a time
   * zone may be named) and may be checked against an items file sent along.
   */
  private StreamObserver<ImportChunk> receive(
      String name, boolean interactions, StreamObserver<ImportResponse> responses, Importer importer) {
    if (!oneImport.tryAcquire()) {
      responses.onError(Status.RESOURCE_EXHAUSTED
          .withDescription("another import is running; retry when it has finished").asRuntimeException());
      return new Ignored();
    }
    try {
      return new Spool(name, interactions, new SpooledFile(name, folder.newFile()), responses, importer);
    } catch (IOException e) {
      oneImport.release();
      responses.onError(spoolFailed(name, 0, e));
      return new Ignored();
    }
  }

  /**
   * Writes the chunks to a temporary file (and items_csv's to a second), then runs the import;
   * cleans up exactly once.
   */
  private final class Spool implements StreamObserver<ImportChunk> {
    private final String name;
    private final boolean interactions;
    private final SpooledFile csv;
    private final StreamObserver<ImportResponse> responses;
    private final Importer importer;
    private SpooledFile itemsCsv;   // created by the first message that brings items_csv
    private long spooledBytes;      // csv's and items_csv's together
    private long itemsCsvBytes;
    private boolean validateOnly;
    private LocalTimeZone timeZone = LocalTimeZone.none(LocalTimeZone.IMPORT_SETTING);
    private boolean finished;

    Spool(String name, boolean interactions, SpooledFile csv, StreamObserver<ImportResponse> responses,
          Importer importer) {
      this.name = name;
      this.interactions = interactions;
      this.csv = csv;
      this.responses = responses;
      this.importer = importer;
    }

    @Override
    public void onNext(ImportChunk chunk) {
      if (finished) {
        return;
      }
      validateOnly |= chunk.getValidateOnly();
      if (!chunk.getTimeZone().isEmpty() && !nameTimeZone(chunk.getTimeZone())) {
        return;
      }
      if (!chunk.getItemsCsv().isEmpty() && !interactions) {
        fail(Status.INVALID_ARGUMENT.withDescription("items_csv is for checking interactions: send " + name
            + " in csv").asRuntimeException());
        return;
      }
      int size = chunk.getCsv().size() + chunk.getItemsCsv().size();
      if (size > MAX_CHUNK_BYTES) {
        fail(tooLarge("a chunk holds " + size + " bytes; send at most " + MAX_CHUNK_BYTES + " per message"));
        return;
      }
      long spooledBefore = spooledBytes;
      spooledBytes += size;
      itemsCsvBytes += chunk.getItemsCsv().size();
      if (spooledBytes > (long) maxMib << 20) {
        String limit = maxMib + " MiB, the most this service spools (" + FeatureConfig.IMPORT_MAX_MIB_KEY + ")";
        fail(tooLarge(itemsCsvBytes == 0 ? name + " is larger than " + limit + "; split it"
            // No split of the interactions helps: the items file alone is too large to send along.
            : itemsCsvBytes > (long) maxMib << 20 ? ITEMS + " is larger than " + limit + "; import it first, in"
                + " parts if need be, and check " + name + " alone"
            : ITEMS + " and " + name + " together are larger than " + limit + "; split " + name + " so that each"
                + " part and " + ITEMS + " together fit, or import " + ITEMS + " first and check " + name + " alone"));
        return;
      }
      try {
        StatusRuntimeException overLimit = csv.append(chunk.getCsv());
        if (overLimit == null && !chunk.getItemsCsv().isEmpty()) {
          if (itemsCsv == null) {
            itemsCsv = new SpooledFile(ITEMS, folder.newFile());
          }
          overLimit = itemsCsv.append(chunk.getItemsCsv());
        }
        if (overLimit != null) {
          fail(overLimit);
        }
      } catch (IOException e) {
        fail(spoolFailed(name, spooledBefore, e));
      }
    }

    /** Takes the zone a message names; false, having failed the import, when it cannot. */
    private boolean nameTimeZone(String zoneName) {
      String named = timeZone.name();
      if (zoneName.equals(named)) {
        return true;
      }
      String problem = null;
      if (!interactions) {
        problem = "time_zone is for interactions: " + name + " holds no times";
      } else if (!named.isEmpty()) {
        problem = "time_zone is \"" + Descriptions.truncate(zoneName) + "\" here but \"" + named + "\" in an earlier message";
      } else {
        try {
          timeZone = LocalTimeZone.named(zoneName, LocalTimeZone.IMPORT_SETTING);
        } catch (IllegalArgumentException e) {
          problem = e.getMessage();
        }
      }
      if (problem != null) {
        fail(Status.INVALID_ARGUMENT.withDescription(problem).asRuntimeException());
        return false;
      }
      return true;
    }

    @Override
    public void onError(Throwable cancelled) {
      cleanUp();
    }

    @Override
    public void onCompleted() {
      if (finished) {
        return;
      }
      if (itemsCsv != null && !validateOnly) {
        // Interactions are stored against the catalogue as it is: the items go in first, by ImportItems.
        fail(Status.INVALID_ARGUMENT.withDescription("items_csv is only for validate_only: import "
            + ITEMS + " first (ImportItems), then " + name).asRuntimeException());
        return;
      }
      Context call = Context.current();
      try {
        Path file = csv.written();
        Path itemsFile = itemsCsv == null ? null : itemsCsv.written();
        Optional<Instant> latestBefore = StoreCalls.call(store::latestPurchaseTime);
        CsvImport.Result result = StoreCalls.call(
            () -> importer.run(file, itemsFile, validateOnly, timeZone, call::isCancelled), storeFullRefusals);
        log.info("Imported {}: {} rows, {} stored, {} duplicates, {} repeating an earlier row{}", name,
            result.rows(), result.stored(), result.duplicates(), result.repeats(), validateOnly ? " (validate only)" : "");
        cleanUp();
        ImportResponse.Builder response = ImportResponse.newBuilder()
            .setRows(result.rows())
            .setStored(result.stored())
            .setDuplicates(result.duplicates())
            .setRepeatedRows(result.repeats())
            .setValidateOnly(validateOnly)
            .setStore(storedIn);
        latestBefore.ifPresent(time -> response.setPreviousLatestEventTime(FeatureGrpcService.timestamp(time)));
        latestPurchaseTimeAfterImport()
            .ifPresent(time -> response.setLatestEventTime(FeatureGrpcService.timestamp(time)));
        responses.onNext(response.build());
        responses.onCompleted();
      } catch (ImportStoppedException e) {
        CsvImport.Result soFar = e.storedSoFar();
        if (e.storeFull()) {
          log.error("Import of {} stopped, the store is full: {} of its {} rows stored ({} already there before): {}",
              name, soFar.stored(), soFar.rows(), soFar.duplicates(), e.getCause().getMessage());
          fail(Status.RESOURCE_EXHAUSTED.withDescription("the feature store is full: " + soFar.stored() + " of the "
              + soFar.rows() + " rows were stored (" + soFar.duplicates() + " were there already) before it filled;"
              + " they stay, and the same import again, once there is room, stores the rest, none twice")
              .asRuntimeException());
          return;
        }
        Deadline callDeadline = call.getDeadline();
        boolean deadline = callDeadline != null && callDeadline.isExpired();
        String why = deadline ? "its deadline passed" : "its caller cancelled";
        if (e.checking()) {
          log.warn("{} of {} stopped, {}: {}", validateOnly ? "Check" : "Import", name, why, e.getMessage());
        } else {
          log.warn("Import of {} stopped, {}: {} of its {} rows stored ({} already there before); the same import"
              + " again stores the rest, none twice", name, why, soFar.stored(), soFar.rows(), soFar.duplicates());
        }
        fail((deadline ? Status.DEADLINE_EXCEEDED : Status.CANCELLED)
            .withDescription("the import stopped with its caller gone: " + e.getMessage()).asRuntimeException());
      } catch (ImportRejectedException | DatasetException e) {
        fail(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
      } catch (ImportTooLargeException e) {
        fail(tooLarge(e.getMessage()));
      } catch (UncheckedIOException e) {
        fail(Status.UNAVAILABLE.withDescription("the import's temporary file cannot be read").asRuntimeException());
      } catch (IOException e) {
        // Only closing the spool files throws it here: a full folder then is as full as while writing.
        fail(spoolFailed(name, spooledBytes, e));
      } catch (StatusRuntimeException e) {
        fail(e);
      } catch (RuntimeException e) {
        // Whatever went wrong, the import slot is freed: grpc calls no onError after the client's
        // half-close, so nothing else would, and every later import would wait for this one.
        log.error("Import of {} failed", name, e);
        fail(Status.INTERNAL.withDescription("the import failed; nothing more was stored").asRuntimeException());
      }
    }

    private void fail(StatusRuntimeException error) {
      cleanUp();
      responses.onError(error);
    }

    private void cleanUp() {
      if (finished) {
        return;
      }
      finished = true;
      try {
        csv.delete();
        if (itemsCsv != null) {
          itemsCsv.delete();
        }
      } finally {
        oneImport.release();
      }
    }
  }

  /** One file of an import, written to a temporary file within the line limit. */
  private static final class SpooledFile {
    private final String name;
    private final Path path;
    private final OutputStream out;
    private long lineBytes;

    /** {@code path}: a new file, deleted with this one however its opening ends. */
    SpooledFile(String name, Path path) throws IOException {
      this.name = name;
      this.path = path;
      try {
        this.out = Files.newOutputStream(path);
      } catch (IOException e) {
        Files.deleteIfExists(path);
        throw e;
      }
    }

    /** Writes {@code piece}; the error for a line over the limit (and writes nothing), else null. */
    StatusRuntimeException append(ByteString piece) throws IOException {
      for (int i = 0; i < piece.size(); i++) {
        lineBytes = piece.byteAt(i) == '\n' ? 0 : lineBytes + 1;
        if (lineBytes > MAX_LINE_BYTES) {
          return tooLarge(name + " has a line longer than " + (MAX_LINE_BYTES >> 10) + " KiB");
        }
      }
      piece.writeTo(out);
      return null;
    }

    /** The file, closed for reading: all of it was written. */
    Path written() throws IOException {
      out.close();
      return path;
    }

    void delete() {
      try {
        out.close();
        Files.deleteIfExists(path);
      } catch (IOException e) {
        log.warn("Cannot delete the import's temporary file {}", path, e);
      }
    }
  }

  /**
   * The store's newest purchase time read after an import that succeeded; empty, not an error, when
   * the store cannot answer then: the import is stored, and a caller told it failed might store it
   * again.
   */
  private Optional<Instant> latestPurchaseTimeAfterImport() {
    try {
      return store.latestPurchaseTime();
    } catch (StoreNotReadyException | StoreUnavailableException | StoreDataLostException | StoreFullException e) {
      log.warn("Cannot read the newest purchase time after an import: {}", e.getMessage());
      return Optional.empty();
    }
  }

  /**
   * The answer to a spool file that could not be made or written, {@code spooled} bytes into the
   * import. A full folder (a tmpfs or a disk, or a quota) is RESOURCE_EXHAUSTED naming it and the
   * setting, since the same import fails the same way until an operator acts; anything else is
   * UNAVAILABLE. Nothing was stored either way: the import stores only once it is all spooled.
   */
  private StatusRuntimeException spoolFailed(String name, long spooled, IOException e) {
    Path where = folder.path();
    if (!folderFull(e)) {
      log.error("Cannot spool an import of {} to {}", name, where, e);
      return Status.UNAVAILABLE.withDescription("the import's temporary file in " + where + " cannot be written;"
          + " nothing was stored").asRuntimeException();
    }
    String spooledMib = String.format(Locale.ROOT, "%.1f", spooled / (double) (1 << 20));
    log.error("Import of {} stopped: the temporary folder {} is full after {} MiB of it ({}); {} is {}", name, where,
        spooledMib, e.getMessage(), FeatureConfig.IMPORT_MAX_MIB_KEY, maxMib);
    return Status.RESOURCE_EXHAUSTED.withDescription("the temporary folder " + where + " is full: the import of " + name
        + " stopped after " + spooledMib + " MiB and nothing was stored. The service spools up to " + maxMib + " MiB ("
        + FeatureConfig.IMPORT_MAX_MIB_KEY + ") there before storing; free room in " + where + ", or ask the"
        + " operator to give it more than that or to lower " + FeatureConfig.IMPORT_MAX_MIB_KEY
        + " to what it holds, then split the file").asRuntimeException();
  }

  /** Whether {@code e} says the spool folder is full: ENOSPC or EDQUOT, or next to no room left in it. */
  private boolean folderFull(IOException e) {
    String message = String.valueOf(e.getMessage());
    if (message.contains("No space left on device") || message.contains("Disk quota exceeded")) {
      return true;
    }
    try {
      return Files.getFileStore(folder.path()).getUsableSpace() < MAX_CHUNK_BYTES;
    } catch (IOException | RuntimeException unknown) {
      return false;
    }
  }

  private static StatusRuntimeException tooLarge(String message) {
    return Status.RESOURCE_EXHAUSTED.withDescription(message).asRuntimeException();
  }

  /** The rest of a stream already answered with an error. */
  private static final class Ignored implements StreamObserver<ImportChunk> {
    @Override
    public void onNext(ImportChunk chunk) {}

    @Override
    public void onError(Throwable error) {}

    @Override
    public void onCompleted() {}
  }
}
