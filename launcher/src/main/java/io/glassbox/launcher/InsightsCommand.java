package io.glassbox.launcher;

import io.glassbox.api.v1.ExplainServiceGrpc;
import io.glassbox.api.v1.GetModelInsightsRequest;
import io.glassbox.explain.ModelInsights;
import io.glassbox.server.ConfigSource;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The explain service's GetModelInsights over a sample of customers, printed for a person. */
@Command(name = "insights", description = "How the running model's reasons look over a sample of customers: "
    + "how often items get a verified reason and how often it is necessary or sufficient, how contribution "
    + "falls with a purchase's age, and which purchases drive which recommendations.")
final class InsightsCommand implements Callable<Integer> {
  /**
   * The most pairs GetModelInsights lists. Above it the call came back INVALID_ARGUMENT; 0 asked
   * for its default, 20.
   */
  static final int MAX_PAIRS = ModelInsights.MAX_PAIRS;

  /** --users: 1..{@link ModelInsights#MAX_USERS}, said before anything is read or sent. */
  static final class UsersConverter extends WholeNumberRange.Converter {
    UsersConverter() {
      super(1, ModelInsights.MAX_USERS, "number of customers");
    }
  }

  /** --pairs: 1..{@value #MAX_PAIRS}. */
  static final class PairsConverter extends WholeNumberRange.Converter {
    PairsConverter() {
      super(1, MAX_PAIRS, "number of pairs");
    }
  }

  // Checked here: the service would count the ids sent (the file's, when it has fewer), not the option.
  @Option(names = "--users", defaultValue = "100", converter = UsersConverter.class,
      description = "Customers to sample, 1.." + ModelInsights.MAX_USERS + " (default ${DEFAULT-VALUE}).")
  int users;

  @Option(names = "--users-file",
      description = UserIds.FILE_FORMAT + ", to sample from (default: " + UserIds.SERVED_DEFAULT + ").")
  Path usersFile;

  /**
   * As {@link GatewayCallOptions#settings}, which insights does not mix in (its --users is a count and
   * its --target the explain service's): got once when the command runs; a test names its own.
   */
  Supplier<ConfigSource> settings = ConfigSource::fromEnvironment;

  @Option(names = "--seed", defaultValue = "7", description = "Seed of the sample (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--limit", defaultValue = "10", converter = UserCallOptions.LimitConverter.class,
      description = "Top-k explained per customer, 1.." + UserCallOptions.MAX_LIMIT + " (default ${DEFAULT-VALUE}).")
  int limit;

  @Option(names = "--pairs", defaultValue = "10", converter = PairsConverter.class,
      description = "Most frequent citations and driving purchases to list, 1.." + MAX_PAIRS + " (default ${DEFAULT-VALUE}).")
  int pairs;

  @Option(names = "--target", converter = TargetConverter.class, defaultValue = GatewayAddress.DEFAULT_EXPLAIN_TARGET,
      description = "Explain service address, not the gateway's: this is the explain service's own call (default"
          + " ${DEFAULT-VALUE}; set " + GatewayAddress.EXPLAIN_TARGET_VARIABLE + " to change it).")
  String target;

  @Option(names = "--timeout-s", defaultValue = "300", converter = TimeoutConverter.Seconds.class,
      description = TimeoutConverter.SECONDS_HELP)
  long timeoutSeconds;

  @Option(names = "--json", description = "Print the explain service's answer as JSON instead of text.")
  boolean json;

  @Override
  public Integer call() throws IOException, InterruptedException {
    ConfigSource given = settings.get();
    UserIds.Drawn drawn = UserIds.of(usersFile, given);
    GetModelInsightsRequest request = GetModelInsightsRequest.newBuilder()
        .addAllUserIds(UserIds.sample(drawn.users(), users, seed)).setTopK(limit).setMaxPairs(pairs).build();
    String deadlineOption = "--timeout-s " + timeoutSeconds;
    return CliCalls.withChannel(target, Duration.ofSeconds(timeoutSeconds), deadlineOption, given, channel -> {
      var response = ExplainServiceGrpc.newBlockingStub(channel)
          .withDeadlineAfter(timeoutSeconds, TimeUnit.SECONDS).getModelInsights(request);
      System.out.print(json ? CliCalls.json(response) : new InterrogationPrinter().insights(response));
      if (!json) {
        System.out.printf("Customers sampled from %s.%n", drawn.origin());
      }
      return 0;
    });
  }
}
