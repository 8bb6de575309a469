package io.glassbox.launcher;

import com.google.protobuf.ByteString;
import com.google.protobuf.util.Timestamps;
import io.glassbox.api.v1.FeatureAdminGrpc;
import io.glassbox.api.v1.FeatureStore;
import io.glassbox.api.v1.ImportChunk;
import io.glassbox.api.v1.ImportResponse;
import io.glassbox.feature.FeatureConfig;
import io.glassbox.feature.LocalTimeZone;
import io.glassbox.server.Descriptions;
import io.glassbox.server.ReadFailures;
import io.glassbox.server.RequestIds;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Imports a shop's own CSV files through the running feature service's FeatureAdmin port:
 * items first (so the interactions can name them), then interactions. Each file is streamed in
 * chunks; the service validates every row and stores nothing from a file with a bad row. The
 * interactions check takes the items file along (items_csv), to be checked against the catalogue
 * as the import of both would leave it: with --validate-only that is the check, and an import of
 * both runs it first, so that a bad row in either file stores neither (the service alone would
 * refuse only the interactions, after storing the items).
 */
@Command(name = "import", description = {"Import your own items and interactions (CSV) into a running suite.",
    "A suite on the memory store (up's default) keeps them at most until it stops (feature-service/README.md,"
        + " Stores); train --data reads a data folder's files, not rows imported here."})
final class ImportCommand implements Callable<Integer> {
  static final int CHUNK_BYTES = 256 << 10;
  /**
   * Said once after rows went into a feature service that keeps them in memory: "stored" alone let
   * an operator believe them kept, until a restart had lost them, and train on a folder without them.
   */
  static final String KEPT_IN_MEMORY = "Note: these rows live in the feature service's memory and are lost when it"
      + " stops; to keep them, run it on Redis (a redis-server at " + FeatureConfig.REDIS_URI_KEY + " and "
      + FeatureConfig.STORE_KEY + "=redis, which bin/glassbox up --store redis sets; on Kubernetes the redis component;"
      + " see feature-service/README.md, Stores) and import them there. train --data reads a data folder's files, not"
      + " rows imported into a running suite.";
  /** What the service's refusal of a time without an offset says when the file's zone may be named. */
  private static final String NAME_THE_ZONE = LocalTimeZone.none(LocalTimeZone.IMPORT_SETTING).howToName();
  /** Why the same import run again is safe, after one that may have stored some of its rows. */
  private static final String STORED_ONCE = "interactions already stored count as \"already there\" (items are"
      + " replaced by themselves), none is stored twice.";

  @Option(names = "--interactions", description = "CSV (or gzip of one) with header "
      + "user_id,item_id,timestamp[,event][,basket_id]; the lines of one order share a basket_id (or invoice_no, read"
      + " first, as a data folder reads it), so the buy-again rule counts orders, not lines; without either column,"
      + " one customer's purchases of one day are one order.")
  Path interactions;

  @Option(names = "--items",
      description = "CSV (or gzip of one) with header item_id,title[,brand,category,price]; imported first. With"
          + " --interactions, both files are first checked together, and a bad row in either stores neither.")
  Path items;

  @Option(names = "--target", converter = TargetConverter.class, defaultValue = GatewayAddress.DEFAULT_FEATURE_ADMIN_TARGET,
      description = "Feature admin address (default ${DEFAULT-VALUE}; set " + GatewayAddress.FEATURE_ADMIN_TARGET_VARIABLE
          + " to change it).")
  String target;

  @Option(names = "--time-zone", paramLabel = "ZONE",
      description = "The time zone of the interactions' times without a UTC offset (a database's local times), a tz"
          + " database name such as Europe/London; without it such times are refused.")
  String timeZone;

  @Option(names = "--validate-only", description = "Check every row, store nothing; with --items, the interactions"
      + " may name its items, as when both are imported.")
  boolean validateOnly;

  @Option(names = "--timeout-s", defaultValue = "600", converter = TimeoutConverter.Seconds.class,
      description = "Deadline per file in seconds, 1.." + TimeoutConverter.MAX_SECONDS + ": upload, checks and storing"
          + TimeoutConverter.CONNECTING + " (default ${DEFAULT-VALUE}). Past it the rows stored so far stay, and the same command again stores the rest, none twice. With both files,"
          + " the check that sends the two together before either is stored (with --validate-only, the interactions'"
          + " check) has one such deadline for both.")
  long timeoutSeconds;

  @Override
  public Integer call() throws InterruptedException {
    if (items == null && interactions == null) {
      System.err.println("glassbox import: name --interactions FILE and/or --items FILE");
      return 2;
    }
    if (timeZone != null) {
      if (interactions == null) {
        System.err.println("glassbox import: --time-zone is for --interactions (items hold no times)");
        return 2;
      }
      try {
        LocalTimeZone.named(timeZone, "--time-zone");
      } catch (IllegalArgumentException e) {
        System.err.println("glassbox import: " + e.getMessage());
        return 2;
      }
    }
    try {
      // Both files checked first: a wrong second path must not leave the first imported alone, nor
      // wait for a connection to send it.
      for (Path file : new Path[] {items, interactions}) {
        if (file != null) {
          CliFiles.readable(file);
        }
      }
    } catch (IOException e) {
      printUnreadable(System.err, e);
      return 1;
    }
    ManagedChannel channel = CliCalls.channel(target);
    try {
      // Not connected, each file's call would wait out its --timeout-s (600 s by default).
      if (!CliCalls.connected(channel, target, Duration.ofSeconds(timeoutSeconds), "glassbox import")) {
        return 1;
      }
      // Its calls carry a request id made here, which a file whose --timeout-s ran out says.
      Context calling = RequestIds.withId(UUID.randomUUID().toString());
      Context previous = calling.attach();
      try {
        return run(channel, System.out, System.err);
      } finally {
        calling.detach(previous);
      }
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** Imports the named files over {@code channel}; 0 when all were imported. */
  int run(Channel channel, PrintStream out, PrintStream err) throws InterruptedException {
    FeatureAdminGrpc.FeatureAdminStub admin = FeatureAdminGrpc.newStub(channel);
    String zone = timeZone == null ? "" : timeZone;
    boolean checkingBoth = items != null && interactions != null && !validateOnly;
    Path sending = null;   // set before each import, the only steps after the check that call the server
    boolean keptInMemory = false;
    try {
      if (checkingBoth) {
        // The service refuses a whole file, but one file at a time: alone, a bad interactions row
        // would be found after the items were stored.
        ImportResponse checked = send(interactions, true, zone, items,
            admin.withDeadlineAfter(timeoutSeconds, TimeUnit.SECONDS)::importInteractions);
        out.printf("%s, %s: checked together, %d interactions rows valid; importing both%n", items, interactions,
            checked.getRows());
        checkingBoth = false;
      }
      if (items != null) {
        sending = items;
        keptInMemory = report(out, "items", items,
            send(items, validateOnly, "", null, admin.withDeadlineAfter(timeoutSeconds, TimeUnit.SECONDS)::importItems));
      }
      if (interactions != null) {
        sending = interactions;
        // Checked alone, the interactions would meet a catalogue without the items just checked.
        Path itemsAlong = validateOnly ? items : null;
        keptInMemory |= report(out, "interactions", interactions, send(interactions, validateOnly, zone, itemsAlong,
            admin.withDeadlineAfter(timeoutSeconds, TimeUnit.SECONDS)::importInteractions));
      }
      return 0;
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED) {
        printTooSlow(err, checkingBoth, sending);
        if (!RequestIds.answeredByAServer(e) && RequestIds.current() != null) {
          // No server answered, so no trailers carry the id: say the one the command sent.
          err.println(CliCalls.sentWith("glassbox import", RequestIds.current()));
        }
        return 1;
      }
      CliCalls.printFailure(err, "glassbox import", e, target, "--timeout-s " + timeoutSeconds,
          Deadline.after(timeoutSeconds, TimeUnit.SECONDS));
      String description = String.valueOf(e.getStatus().getDescription());
      if (description.contains(NAME_THE_ZONE)) {
        err.println("glassbox import: --time-zone ZONE names it, a tz database name such as Europe/London or UTC");
      }
      if (checkingBoth) {
        err.printf("glassbox import: nothing was stored: %s and %s are checked together before either is"
            + " stored.%n", items, interactions);
      } else {
        if (Descriptions.saysMayHaveBeenStored(e.getStatus())) {
          err.printf("glassbox import: some or all of %s may have been stored. Run the same command again: %s%n",
              sending, STORED_ONCE);
        }
        printIfItemsStoredAlone(err, sending);
      }
      return 1;
    } catch (IOException e) {
      printUnreadable(err, e);
      printIfItemsStoredAlone(err, sending);
      return 1;
    } finally {
      // Also when the interactions failed after the items went into memory: those are kept as little.
      if (keptInMemory) {
        out.println(KEPT_IN_MEMORY);
      }
    }
  }

  private static void printUnreadable(PrintStream err, IOException unreadable) {
    err.printf("glassbox import: cannot read %s%n", ReadFailures.describe(unreadable));
  }

  /**
   * The deadline passed: gRPC's own words ("CallOptions deadline exceeded after 0.99s. Name
   * resolution delay …") say nothing of what became of the rows. The feature service stops an
   * import whose caller has gone at its next batch and keeps what it stored, and a second run
   * stores each row once, so the way on is the same command with more time.
   */
  private void printTooSlow(PrintStream err, boolean checkingBoth, Path file) {
    if (checkingBoth) {
      err.printf("glassbox import: DEADLINE_EXCEEDED: %s and %s were not checked within --timeout-s %d.%n", items,
          interactions, timeoutSeconds);
    } else {
      err.printf("glassbox import: DEADLINE_EXCEEDED: %s was not %s within --timeout-s %d.%n", file,
          validateOnly ? "checked" : "imported", timeoutSeconds);
    }
    err.println(validateOnly || checkingBoth
        ? "glassbox import: nothing was stored; run it again with a larger --timeout-s."
        : "glassbox import: the suite stops an import whose caller has gone at its next batch of rows, and keeps"
            + " those stored before. Run the same command again with a larger --timeout-s: " + STORED_ONCE);
  }

  /**
   * When the check of both passed, the items were stored, and the interactions' import (being
   * {@code sending}) failed for a cause the check cannot see: the store gone, another import
   * started in between, a file changed.
   */
  private void printIfItemsStoredAlone(PrintStream err, Path sending) {
    if (sending != interactions || items == null || validateOnly) {
      return;
    }
    err.printf("glassbox import: %s was stored, %s was not (or not all of it). Run the same command again once"
        + " that is fixed: items are replaced by themselves, no interaction is stored twice.%n", items, interactions);
  }

  /** Prints what became of {@code file}'s rows; true when they were stored in memory only. */
  private boolean report(PrintStream out, String what, Path file, ImportResponse response) {
    if (response.getValidateOnly()) {
      out.printf("%s: %d %s rows are valid (nothing stored)%n", file, response.getRows(), what);
      // Said by the check too: once stored, a re-import cannot take the repeats back.
      printRepeats(out, response.getRepeatedRows(), "would be stored as");
      return false;
    }
    out.printf("%s: %d %s rows, %d stored, %d already there%n", file, response.getRows(), what,
        response.getStored(), response.getDuplicates());
    // A repeat is counted as stored or already there like any row: said apart, lest it go unseen.
    printRepeats(out, response.getRepeatedRows(), "is");
    if (response.hasLatestEventTime()
        && !response.getLatestEventTime().equals(response.getPreviousLatestEventTime())) {
      out.printf("  recent sales are now counted up to %s (before this import: %s)%n",
          Timestamps.toString(response.getLatestEventTime()), response.hasPreviousLatestEventTime()
              ? Timestamps.toString(response.getPreviousLatestEventTime()) : "no purchase");
    }
    return response.getStore() == FeatureStore.FEATURE_STORE_MEMORY;
  }

  /** Says how many rows repeat an earlier row of their file, when any does; {@code each}: "is", or a check's words. */
  private static void printRepeats(PrintStream out, long repeats, String each) {
    if (repeats > 0) {
      out.printf("  %s an earlier row of this file: each %s an event of its own (the same event again at that"
          + " moment), as a data folder and the trainer read it; if your export wrote lines twice, remove them%n",
          repeats == 1 ? "1 row repeats" : repeats + " rows repeat", each);
    }
  }

  /**
   * {@code file}'s bytes, decompressed when it is gzip (a data folder's {@code interactions.csv.gz},
   * say): the service reads CSV text, and called a gzip file "not valid UTF-8".
   */
  static InputStream openCsv(Path file) throws IOException {
    BufferedInputStream in = new BufferedInputStream(Files.newInputStream(file));
    try {
      in.mark(2);
      boolean gzip = in.read() == 0x1f && in.read() == 0x8b;
      in.reset();
      return gzip ? new GZIPInputStream(in) : in;
    } catch (IOException | RuntimeException unreadable) {
      // A damaged gzip header, or a first byte that cannot be read: nobody else holds the stream to close it.
      try {
        in.close();
      } catch (IOException closing) {
        unreadable.addSuppressed(closing);
      }
      throw unreadable;
    }
  }

  /**
   * Streams {@code file}, each message naming its {@code timeZone} (empty: none), after
   * {@code itemsAlong} as items_csv when that is not null (only with {@code validateOnly}).
   */
  private ImportResponse send(Path file, boolean validateOnly, String timeZone, Path itemsAlong,
                              Function<StreamObserver<ImportResponse>, StreamObserver<ImportChunk>> method)
      throws IOException, InterruptedException {
    CompletableFuture<ImportResponse> result = new CompletableFuture<>();
    StreamObserver<ImportChunk> chunks =
        method.apply(new FirstReply<>(result, "the feature admin ended the import without an answer"));
    ImportChunk options = ImportChunk.newBuilder().setValidateOnly(validateOnly).setTimeZone(timeZone).build();
    if (itemsAlong != null) {
      stream(itemsAlong, chunks, result, bytes -> options.toBuilder().setItemsCsv(bytes).build());
    }
    stream(file, chunks, result, bytes -> options.toBuilder().setCsv(bytes).build());
    chunks.onCompleted();
    try {
      return result.get(timeoutSeconds + 5, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof StatusRuntimeException status) {
        throw status;
      }
      throw new IllegalStateException(e.getCause());
    } catch (TimeoutException e) {
      throw io.grpc.Status.DEADLINE_EXCEEDED.withDescription("no answer in " + timeoutSeconds + " s")
          .asRuntimeException();
    }
  }

  /** Sends {@code file}'s bytes in chunks made by {@code chunk}, until they end or the call is answered. */
  private static void stream(Path file, StreamObserver<ImportChunk> chunks, CompletableFuture<ImportResponse> result,
                             Function<ByteString, ImportChunk> chunk) throws IOException {
    try (InputStream in = openCsv(file)) {
      byte[] buffer = new byte[CHUNK_BYTES];
      for (int read = in.readNBytes(buffer, 0, buffer.length); read > 0 && !result.isDone();
          read = in.readNBytes(buffer, 0, buffer.length)) {
        chunks.onNext(chunk.apply(ByteString.copyFrom(buffer, 0, read)));
      }
    } catch (IOException e) {
      chunks.onError(e);   // the service stores nothing of a file it did not get whole
      throw new IOException(file + ": " + (e instanceof ZipException || e instanceof EOFException
          ? "not a whole gzip file (truncated or damaged); nothing was stored" : e.getMessage()), e);
    }
  }
}
