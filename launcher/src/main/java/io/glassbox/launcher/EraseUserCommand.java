package io.glassbox.launcher;

import io.glassbox.api.v1.EraseUserRequest;
import io.glassbox.api.v1.EraseUserResponse;
import io.glassbox.api.v1.FeatureAdminGrpc;
import io.glassbox.api.v1.FeatureStore;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Asks the feature service's admin port to erase one user (right to erasure) and says what went and
 * what the call cannot reach, so that an operator knows what is left to do by hand.
 */
@Command(name = "erase-user",
    description = "Erase one user's data from a running feature service (right to erasure; admin port).")
final class EraseUserCommand implements Callable<Integer> {
  @Option(names = "--user", required = true, description = "User id to erase, as ingested or imported.")
  String userId;

  @Option(names = "--target", converter = TargetConverter.class, defaultValue = GatewayAddress.DEFAULT_FEATURE_ADMIN_TARGET,
      description = "Feature admin address (default ${DEFAULT-VALUE}; set " + GatewayAddress.FEATURE_ADMIN_TARGET_VARIABLE
          + " to change it); with API keys, GLASSBOX_CLIENT_KEY_FILE must hold an admin key.")
  String target;

  @Option(names = "--timeout-ms", defaultValue = "30000", converter = TimeoutConverter.Millis.class,
      description = TimeoutConverter.MILLIS_HELP)
  long timeoutMs;

  /**
   * What erasure never reaches, said after every erasure: briefly what README.md ("Personal data")
   * and feature-service/README.md ("What stays") say at length, to which it points.
   */
  static final String NOT_ERASED = String.join(System.lineSeparator(),
      "Not erased (feature-service/README.md, \"Erasing a user\"):",
      "- item-level counts that name no user: interaction and purchase counts, recent purchase times"
          + " (on Redis, less the user's rows of the data folder);",
      "- the co-purchase counts of orders the store no longer held: a closed order whose every line the per-user cap"
          + " dropped, one the cap cut whole at load, and the closed orders of a user the in-memory store evicted"
          + " earlier;",
      "- the trained model: it keeps what it learned from the user's purchases until retrained without them;",
      "- logs, backups, and Redis's AOF until Redis rewrites it;",
      "- the data folder the feature service reads at start (GLASSBOX_DATA_DIR), the shop's own file: remove the"
          + " customer there too, or they come back at the next start; on Redis, restart on the same Redis with"
          + " the cleaned folder to keep what was ingested since the seed.");

  @Override
  public Integer call() throws InterruptedException {
    return CliCalls.withChannel(target, Duration.ofMillis(timeoutMs), "--timeout-ms " + timeoutMs, channel -> {
      EraseUserResponse erased = FeatureAdminGrpc.newBlockingStub(channel)
          .withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS)
          .eraseUser(EraseUserRequest.newBuilder().setUserId(userId).build());
      System.out.print(report(userId, erased));
      return 0;
    });
  }

  /** What the erasure removed, in an operator's words, and what it cannot reach. */
  static String report(String userId, EraseUserResponse erased) {
    if (!erased.getKnownUser()) {
      return String.format("The feature service holds nothing of user %s (erased before, or never seen): nothing"
          + " to erase.%n%s%n", userId, NOT_ERASED);
    }
    String store = erased.getStore() == FeatureStore.FEATURE_STORE_REDIS ? "its Redis store"
        : erased.getStore() == FeatureStore.FEATURE_STORE_MEMORY ? "its memory" : "its store";
    if (erased.getOrderLinesLeftRemoved() > 0 && erased.getEvents() == 0) {
      return String.format("Finished the erasure of user %s from the feature service (%s) that an earlier call left"
          + " unfinished: %s removed.%n%s%n", userId, store, counted(erased.getOrderLinesLeftRemoved(), "order line"),
          NOT_ERASED);
    }
    String orders = erased.getOrders() == 0 ? ""
        : String.format(" in %s, and %s share of the co-purchase counts", counted(erased.getOrders(), "order"),
            erased.getOrders() == 1 ? "that order's" : "those orders'");
    return String.format("Erased user %s from the feature service (%s): %s%s.%n%s%n", userId, store,
        counted(erased.getEvents(), "event"), orders, NOT_ERASED);
  }

  /** "1 order", "2 orders", "0 orders". */
  private static String counted(long count, String noun) {
    return count + " " + noun + (count == 1 ? "" : "s");
  }
}
