package io.glassbox.launcher;

import io.glassbox.explain.FaithfulnessEvaluation;
import io.glassbox.feature.FeatureConfig;
import io.glassbox.gateway.GatewayConfig;
import io.glassbox.gateway.viewer.ViewerConfig;
import io.glassbox.model.ModelConfig;
import io.glassbox.server.ConfigSource;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Starts the suite on free loopback ports and measures the faithfulness of its reasons on
 * customers drawn (fixed seed) from the data it serves: ours vs attention-only vs random evidence.
 */
@Command(name = "evaluate-explanations",
    description = "Faithfulness of the reasons (coverage, PN, PS, F_NS, evidence size, deletion curve)"
        + " vs attention-only and random evidence, on customers of the dataset the suite serves"
        + " (GLASSBOX_DATA_DIR, default the embedded data). The model is the suite's: " + ModelConfig.DIRECTORY_KEY
        + "/" + ModelConfig.NAME_KEY + " (default the shipped one), version " + ModelConfig.VERSION_KEY
        + " (default the newest version folder); the report's first line names the version evaluated.")
final class EvaluateCommand implements Callable<Integer> {
  /** The most customers --users may ask for: far more than a run of minutes can evaluate. */
  static final int MAX_USERS = 1_000_000;

  /** --users: 1..{@value #MAX_USERS}, said with the number typed before the suite starts. */
  static final class UsersConverter extends WholeNumberRange.Converter {
    UsersConverter() {
      super(1, MAX_USERS, "number of customers");
    }
  }

  @Option(names = "--users", defaultValue = "200", converter = UsersConverter.class,
      description = "Customers to sample, 1.." + MAX_USERS + " (default ${DEFAULT-VALUE}).")
  int users;

  @Option(names = "--limit", defaultValue = "10", converter = UserCallOptions.LimitConverter.class,
      description = "Top-k explained per customer, 1.." + UserCallOptions.MAX_LIMIT + " (default ${DEFAULT-VALUE}).")
  int limit;

  @Option(names = "--data-dir",
      description = "Dataset folder the suite serves and customers are drawn from (its users.csv[.gz],"
          + " else the user ids of interactions.csv[.gz]); sets GLASSBOX_DATA_DIR. Default:"
          + " GLASSBOX_DATA_DIR, else " + FeatureConfig.DEFAULT_DATA_DIR + ".")
  Path dataDir;

  @Option(names = "--users-file",
      description = UserIds.FILE_FORMAT + ", to draw customers from instead of the served dataset's.")
  Path usersFile;

  @Option(names = "--seed", defaultValue = "7", description = "Seed of the sample and the random baseline (default ${DEFAULT-VALUE}).")
  long seed;

  /** Where the suite's settings come from: the environment; a test names its own. */
  Supplier<ConfigSource> settings = ConfigSource::fromEnvironment;

  @Override
  public Integer call() throws IOException, InterruptedException {
    // The evaluation calls the services directly: no viewer page (it would take port 8080).
    ConfigSource config = settings.get().with(Map.of(ViewerConfig.PORT_KEY, "0"));
    if (dataDir != null) {
      config = config.with(Map.of(FeatureConfig.DATA_DIR_KEY, dataDir.toString()));
    }
    List<String> sample = UserIds.sample(UserIds.of(usersFile, config).users(), users, seed);
    try (Suite suite = Suite.start(config, Suite.Ports.ephemeral())) {
      Suite.Ports ports = suite.ports();
      ManagedChannel feature = CliCalls.channel("localhost:" + ports.feature(), config);
      ManagedChannel model = CliCalls.channel("localhost:" + ports.model(), config);
      ManagedChannel explain = CliCalls.channel("localhost:" + ports.explain(), config);
      try {
        FaithfulnessEvaluation.Settings defaults = FaithfulnessEvaluation.Settings.defaults();
        FaithfulnessEvaluation.Settings evaluation = new FaithfulnessEvaluation.Settings(limit,
            defaults.historyEvents(), defaults.candidateCount(), defaults.maxEvidence(),
            config.getInt("GLASSBOX_EXPLAIN_MIN_RANK_DROP", defaults.minRankDrop(), 1, 2000), seed,
            GatewayConfig.load(config).minCitedOrders());
        FaithfulnessEvaluation.Report report =
            new FaithfulnessEvaluation(feature, model, explain, evaluation).run(sample);
        System.out.print(report.table());
        return report.reasonsMismatched() == 0 ? 0 : 1;
      } catch (StatusRuntimeException e) {
        // A call of the run failed (a refusal, or ABORTED: the model changed during it): its status
        // line, as the other commands print one, not picocli's stack trace. The suite is this
        // command's own, so no target or option of the user's is to blame.
        System.err.printf("glassbox evaluate-explanations: %s%n", CliCalls.statusLine(e.getStatus()));
        return 1;
      } finally {
        for (ManagedChannel channel : List.of(feature, model, explain)) {
          channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
      }
    }
  }
}
