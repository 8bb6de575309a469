package io.glassbox.launcher;

import io.glassbox.api.v1.ModelAdminGrpc;
import io.glassbox.api.v1.ModelInfo;
import io.glassbox.api.v1.ReloadModelRequest;
import io.glassbox.api.v1.ReloadModelResponse;
import io.glassbox.api.v1.TestUsers;
import io.glassbox.model.ModelConfig;
import io.glassbox.server.RequestIds;
import io.glassbox.server.RequestSent;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Asks the model service's admin port to load a model version and swap it in, and says what
 * changed: the terms the new version lacks and both versions' recorded test figures. It never
 * refuses a weaker version (an operator may mean it); it says so, with the way back. Figures that
 * are means over other test cases (a quick {@code train --max-users} run beside a full one, or a
 * version retrained on refreshed data) are said not to be like for like instead.
 */
@Command(name = "reload-model",
    description = "Load a model version on a running model service (admin port) and swap it in.")
final class ReloadModelCommand implements Callable<Integer> {
  @Option(names = "--version", defaultValue = "",
      description = "Version folder to load; empty loads the newest (default: newest).")
  String version;

  @Option(names = "--allow-new-catalogue",
      description = "Load it even if its item vocabulary holds under half of the active version's items"
          + " (a model trained on another catalogue, on purpose); without it such a reload is refused.")
  boolean allowNewCatalogue;

  @Option(names = "--target", converter = TargetConverter.class, defaultValue = GatewayAddress.DEFAULT_MODEL_ADMIN_TARGET,
      description = "Model admin address (default ${DEFAULT-VALUE}; set " + GatewayAddress.MODEL_ADMIN_TARGET_VARIABLE
          + " to change it); with API keys, GLASSBOX_CLIENT_KEY_FILE must hold an admin key.")
  String target;

  @Option(names = "--timeout-ms", defaultValue = "60000", converter = TimeoutConverter.Millis.class,
      description = TimeoutConverter.MILLIS_HELP)
  long timeoutMs;

  /**
   * What a reload that went out and then failed without an answer says: the model service drops a
   * reload whose caller has gone, but not one whose swap was under way in the instant its caller
   * gave up, so the version may be active all the same.
   */
  static String mayHaveTakenEffect(String target) {
    // The metrics port is the model service's own setting, which the admin target does not tell:
    // name up's default rather than assert an address that may be wrong.
    int port = target.lastIndexOf(':');
    String host = port > 0 && !target.endsWith("]") ? target.substring(0, port) : target;
    return "the reload was sent and may or may not have taken effect: the model service's metric glassbox_model_info"
        + " shows the active version, on its metrics port (" + ModelConfig.DEFAULT_METRICS_PORT + " with bin/glassbox"
        + " up's defaults: `curl -s " + host + ":" + ModelConfig.DEFAULT_METRICS_PORT + "/metrics | grep"
        + " glassbox_model_info`), and its log says \"version V is active\" if it did.";
  }

  @Override
  public Integer call() throws InterruptedException {
    return CliCalls.withChannel(target, Duration.ofMillis(timeoutMs), "--timeout-ms " + timeoutMs, channel -> {
      RequestSent sent = new RequestSent();
      ReloadModelResponse response;
      try {
        response = ModelAdminGrpc.newBlockingStub(channel).withInterceptors(sent.interceptor())
            .withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS)
            .reloadModel(ReloadModelRequest.newBuilder().setVersion(version)
                .setAllowNewCatalogue(allowNewCatalogue).build());
      } catch (StatusRuntimeException e) {
        Status.Code code = e.getStatus().getCode();
        if (sent.mayHaveBeenSent() && (code == Status.Code.DEADLINE_EXCEEDED || code == Status.Code.CANCELLED
            || code == Status.Code.UNAVAILABLE)) {
          CliCalls.printFailure(System.err, "glassbox", e, target, "--timeout-ms " + timeoutMs,
              Deadline.after(timeoutMs, TimeUnit.MILLISECONDS));
          System.err.println("glassbox: " + mayHaveTakenEffect(target));
          if (!RequestIds.answeredByAServer(e)) {
            // No server answered, so no trailers carry the id: say the one the command sent.
            System.err.println(CliCalls.sentWith("glassbox", RequestIds.current()));
          }
          return 1;
        }
        throw e;
      }
      System.out.print(report(response, target));
      return 0;
    });
  }

  /**
   * What the reload did, in terms an operator can act on: the version now active and the one
   * before, and when both are described (ModelInfo), the terms the new one lacks and each one's
   * recorded test figures, with the command that goes back when the new one's are lower.
   */
  static String report(ReloadModelResponse response, String target) {
    ModelInfo active = response.getActive();
    String previous = response.getPreviousVersion();
    StringBuilder said = new StringBuilder();
    if (previous.equals(active.getVersion())) {
      return said.append(String.format("Model %s version %s was already active: loaded again from its folder.%n",
          active.getModelName(), previous)).toString();
    }
    said.append(String.format("Model %s version %s is active (was %s).%n", active.getModelName(), active.getVersion(),
        previous.isEmpty() ? "none" : previous));
    if (!response.hasPrevious()) {
      return said.toString();
    }
    ModelInfo before = response.getPrevious();
    List<String> lost = terms(before).stream().filter(term -> !terms(active).contains(term)).toList();
    if (!lost.isEmpty()) {
      said.append(String.format("Version %s has no %s; %s had %s.%n", active.getVersion(), String.join(" and no ", lost),
          previous, lost.size() == 1 ? "it" : "them"));
    }
    Optional<Figures> now = Figures.of(active);
    Optional<Figures> then = Figures.of(before);
    if (now.isEmpty() || then.isEmpty()) {
      return said.append(String.format("No recorded test figures to compare: %s's metadata.json has none.%n",
          now.isEmpty() ? active.getVersion() : previous)).toString();
    }
    said.append(String.format("Recorded test HR@10 / NDCG@10 (each version's metadata.json, as it is served): %s %s; %s %s%s.%n",
        active.getVersion(), now.get(), previous, then.get(), active.getDataset().equals(before.getDataset()) ? ""
            : " (trained on other data, " + active.getDataset() + " and " + before.getDataset() + ": not like for like)"));
    if (now.get().users().isEmpty() || then.get().users().isEmpty()) {
      // Not reported: the version's metadata.json records none, or an entry the model service could
      // not read (and left out), or the service predates ModelInfo.test_users; which, is not known here.
      said.append(String.format("Whether both are means over the same test cases is unknown: the model service %s.%n",
          now.get().users().isPresent() ? "did not report " + previous + "'s"
              : then.get().users().isPresent() ? "did not report " + active.getVersion() + "'s"
              : "reported neither version's"));
    } else if (!now.get().users().equals(then.get().users())) {
      // A quick run on the first users (train --max-users) beside a full one, or one retrained on
      // refreshed data (the same users' other last baskets): its figures are no measure of the
      // other's quality, higher or lower.
      int nowCount = now.get().users().get().getCount();
      int thenCount = then.get().users().get().getCount();
      return said.append(String.format("Not like for like: %s's figures are means over %d test users, %s's over %s"
          + "%d users; they do not tell which version ranks better.%n", active.getVersion(), nowCount, previous,
          nowCount == thenCount ? "other test cases of " : "", thenCount)).toString();
    }
    if (now.get().hr() < then.get().hr()) {
      said.append(String.format("%s scores lower than %s did; to go back: bin/glassbox reload-model --version %s --target %s%n",
          active.getVersion(), previous, previous, target));
    }
    return said.toString();
  }

  /** The score terms a version adds to its model's, as an operator knows them. */
  private static List<String> terms(ModelInfo info) {
    List<String> terms = new ArrayList<>();
    if (info.hasTrend()) {
      terms.add("recent-sales term (\"Popular lately\")");
    }
    if (info.hasTitleSimilarity()) {
      terms.add("title term");
    }
    return terms;
  }

  /**
   * A version's recorded test figures for the scoring it is served with (trainer/README.md,
   * metadata.json), and the test cases they are means over when the version records them.
   */
  private record Figures(double hr, double ndcg, String scoring, Optional<TestUsers> users) {
    static Optional<Figures> of(ModelInfo info) {
      String prefix = info.hasTitleSimilarity() ? "title_" : info.hasTrend() ? "trend_" : "";
      String scoring = info.hasTitleSimilarity() ? "model + recent sales + titles"
          : info.hasTrend() ? "model + recent sales" : "model alone";
      Double hr = info.getMetricsMap().get(prefix + "test_hr@10");
      Double ndcg = info.getMetricsMap().get(prefix + "test_ndcg@10");
      return hr == null || ndcg == null ? Optional.empty()
          : Optional.of(new Figures(hr, ndcg, scoring, Optional.ofNullable(info.getTestUsersMap().get(prefix + "test"))));
    }

    @Override
    public String toString() {
      return String.format("%.3f / %.3f (%s)", hr, ndcg, scoring);
    }
  }
}
