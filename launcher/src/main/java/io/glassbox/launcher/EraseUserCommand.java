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

  /** What erasure never reaches, said after every erasure. */
  static final String NOT_ERASED = "Not erased: item-level counts that name no user (interaction and purchase"
      + " counts, recent purchase times), logs and backups (Redis keeps deleted values in its AOF until it rewrites"
      + " it), and the data folder the feature service reads at start, the shop's own file: remove the customer"
      + " there too, or they come back at the next start.";

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
    return String.format("Erased user %s from the feature service (%s): %d events in %d orders, and the orders'"
            + " share of the co-purchase counts.%n%s%n", userId, store, erased.getEvents(), erased.getOrders(),
        NOT_ERASED);
  }
}
