package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.glassbox.model.ModelConfig;
import io.glassbox.model.ModelMain;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.GrpcServer;
import io.glassbox.server.ServerSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code bin/glassbox reload-model} says of two versions' recorded test figures, against a
 * real model service: figures measured on other users (a quick {@code train --max-users 600} beside
 * a full run on 2483) are said not to be like for like, where before the quick run's higher or
 * lower figure was presented as a change in quality; figures on the same users are compared.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ReloadModelLikeForLikeTest {
  private static final String FULL_USERS = "{\"count\":2483,\"sha256\":\"" + "a".repeat(64) + "\"}";
  private static final String FIRST_USERS = "{\"count\":600,\"sha256\":\"" + "b".repeat(64) + "\"}";

  @TempDir Path modelDirectory;

  @Test
  void reloadModel_aQuickRunOnFewerUsersOverAFullOne_saysTheFiguresAreNotLikeForLike() throws IOException {
    version("full", 0.2948, FULL_USERS);
    version("quick", 0.2004, FIRST_USERS);

    String said = reload("full", "quick");

    assertEquals(swapped("quick", 0.200, "full", 0.295)
        + "Not like for like: quick's figures are means over 600 test users, full's over 2483 users; they do not"
        + " tell which version ranks better.\n", said);
  }

  @Test
  void reloadModel_asManyUsersOtherTestCases_saysTheFiguresAreNotLikeForLike() throws IOException {
    // Retrained on refreshed data: the same customers, other last baskets.
    version("full", 0.2948, FULL_USERS);
    version("refreshed", 0.3100, FULL_USERS.replace("a".repeat(64), "c".repeat(64)));

    String said = reload("full", "refreshed");

    assertEquals(swapped("refreshed", 0.310, "full", 0.295)
        + "Not like for like: refreshed's figures are means over 2483 test users, full's over other test cases of"
        + " 2483 users; they do not tell which version ranks better.\n", said);
  }

  @Test
  void reloadModel_theSameUsers_comparesTheFigures_withTheWayBackWhenLower() throws IOException {
    version("full", 0.2948, FULL_USERS);
    version("retrained", 0.2500, FULL_USERS);

    String said = reload("full", "retrained");

    assertEquals(swapped("retrained", 0.250, "full", 0.295)
        + "retrained scores lower than full did; to go back: bin/glassbox reload-model --version full --target"
        + " TARGET\n", said);
  }

  @Test
  void reloadModel_overAVersionThatDoesNotRecordItsUsers_saysItIsUnknown() throws IOException {
    version("older", 0.2948, null);
    version("quick", 0.2004, FIRST_USERS);

    String said = reload("older", "quick");

    assertEquals(swapped("quick", 0.200, "older", 0.295)
        + "Whether both are means over the same test cases is unknown: the model service did not report older's.\n"
        + "quick scores lower than older did; to go back: bin/glassbox reload-model --version older --target TARGET\n",
        said);
  }

  @Test
  void reloadModel_overAVersionWhoseRecordTheServiceCouldNotRead_saysOnlyThatItWasNotReported() throws IOException {
    // metadata.json records the test cases, but not as a count and a digest: the model service
    // leaves the entry out, so nothing is known of them, not that the version records none.
    version("garbled", 0.2948, "{\"count\":\"2483\",\"sha256\":\"" + "a".repeat(64) + "\"}");
    version("full", 0.2500, FULL_USERS);

    String said = reload("garbled", "full");

    assertEquals(swapped("full", 0.250, "garbled", 0.295)
        + "Whether both are means over the same test cases is unknown: the model service did not report garbled's.\n"
        + "full scores lower than garbled did; to go back: bin/glassbox reload-model --version garbled --target TARGET\n",
        said);
  }

  /** The first lines reload-model prints swapping {@code to} in over {@code from}, with their test HR@10. */
  private static String swapped(String to, double toHr, String from, double fromHr) {
    return String.format(Locale.ROOT, "Model toy version %s is active (was %s).%n"
        + "Recorded test HR@10 / NDCG@10 (each version's metadata.json, as it is served): %s %.3f / 0.050 (model alone);"
        + " %s %.3f / 0.050 (model alone).%n", to, from, to, toHr, from, fromHr);
  }

  /**
   * What reload-model prints swapping {@code to} in over {@code from} on a real model service,
   * with its admin address as TARGET.
   */
  private String reload(String from, String to) {
    try (GrpcServer server = ModelMain.start(ConfigSource.of(Map.of(
        ModelConfig.PORT_KEY, "0", ModelConfig.ADMIN_PORT_KEY, "0", ServerSettings.METRICS_PORT_KEY, "0",
        ModelConfig.DIRECTORY_KEY, modelDirectory.toString(), ModelConfig.NAME_KEY, "toy",
        ModelConfig.PROVIDER_KEY, "cpu", ModelConfig.VERSION_KEY, from)))) {
      String target = "localhost:" + server.adminPort();
      CliRun run = CliRun.of("reload-model", "--version", to, "--target", target);
      assertEquals(0, run.exit(), run.err());
      return run.out().replace(target, "TARGET");
    }
  }

  /**
   * The toy model as {@code version}, its metadata.json recording test HR@10 {@code hr} (NDCG@10
   * 0.05) measured on {@code testUsers} (JSON; null: not recorded, as the trainer wrote before).
   */
  private void version(String version, double hr, String testUsers) throws IOException {
    Path toy = Path.of(System.getProperty("glassbox.repo.root"), "model-service/src/test/toy-model/v1");
    Path folder = Files.createDirectories(modelDirectory.resolve("toy").resolve(version));
    Files.copy(toy.resolve("vocabulary.tsv"), folder.resolve("vocabulary.tsv"));
    Files.copy(toy.resolve("model.onnx"), folder.resolve("model.onnx"));
    String metadata = Files.readString(toy.resolve("metadata.json"))
        .replace("\"version\": \"v1\"", "\"version\": \"" + version + "\"")
        .replace("\"test_hr@10\": 0.5", "\"test_hr@10\": " + hr)
        .replace("\"test_ndcg@10\": 0.25", "\"test_ndcg@10\": 0.05");
    if (testUsers != null) {
      metadata = metadata.replace("\"opset\": 17,", "\"opset\": 17,\n  \"test_users\": {\"test\": " + testUsers + "},");
    }
    Files.writeString(folder.resolve("metadata.json"), metadata);
  }
}
