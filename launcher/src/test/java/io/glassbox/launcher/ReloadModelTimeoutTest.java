package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.model.ModelConfig;
import io.glassbox.model.ModelMain;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.GrpcServer;
import io.glassbox.server.ServerSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * reload-model whose --timeout-ms runs out after the reload went out does not say only "a larger
 * --timeout-ms may do": the model service may have swapped the version in all the same, and the
 * command says so and where to read the active version.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ReloadModelTimeoutTest {
  @TempDir Path modelDirectory;

  @Test
  void reloadModel_timeoutRunsOutWhileTheVersionLoads_saysItMayHaveTakenEffectAndWhereToLook() throws IOException {
    Path toy = Path.of(System.getProperty("glassbox.repo.root"), "model-service/src/test/toy-model");
    copyVersion(toy.resolve("v1"), toy.resolve("v1"), "v1");
    // The test model whose every inference takes tenths of a second (make_toy_model.py): its
    // load and warm-up outlast the command's 300 ms.
    copyVersion(toy.resolve("v1"), toy.resolve("slow"), "v2-slow");
    try (GrpcServer server = ModelMain.start(ConfigSource.of(Map.of(
        ModelConfig.PORT_KEY, "0", ModelConfig.ADMIN_PORT_KEY, "0", ServerSettings.METRICS_PORT_KEY, "0",
        ModelConfig.DIRECTORY_KEY, modelDirectory.toString(), ModelConfig.NAME_KEY, "toy",
        ModelConfig.PROVIDER_KEY, "cpu")))) {
      CliRun run = CliRun.of("reload-model", "--version", "v2-slow", "--timeout-ms", "300",
          "--target", "localhost:" + server.adminPort());

      assertEquals(1, run.exit(), run.err());
      assertTrue(run.err().contains("DEADLINE_EXCEEDED"), run.err());
      assertTrue(run.err().contains("glassbox: " + ReloadModelCommand.MAY_HAVE_TAKEN_EFFECT), run.err());
    }
  }

  /** {@code files}' metadata and vocabulary with {@code graph}'s model.onnx, as version {@code version}. */
  private void copyVersion(Path files, Path graph, String version) throws IOException {
    Path target = Files.createDirectories(modelDirectory.resolve("toy").resolve(version));
    for (String file : new String[] {"metadata.json", "vocabulary.tsv"}) {
      Files.copy(files.resolve(file), target.resolve(file));
    }
    Files.copy(graph.resolve("model.onnx"), target.resolve("model.onnx"));
  }
}
