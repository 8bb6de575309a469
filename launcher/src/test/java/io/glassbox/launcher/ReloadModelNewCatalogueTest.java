package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
 * reload-model of a version trained on another item catalogue is refused with the way to load it
 * anyway, and --allow-new-catalogue loads it.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ReloadModelNewCatalogueTest {
  @TempDir Path modelDirectory;

  @Test
  void reloadModel_versionOfAnotherCatalogue_isRefused_andLoadsWithAllowNewCatalogue() throws IOException {
    Path toy = Path.of(System.getProperty("glassbox.repo.root"), "model-service/src/test/toy-model/v1");
    copyVersion(toy, "v1");
    Path otherShop = copyVersion(toy, "v2-other-shop");
    // The toy ids are item-01 .. item-12; renamed, the version shares none of v1's items.
    Path vocabulary = otherShop.resolve("vocabulary.tsv");
    Files.writeString(vocabulary, Files.readString(vocabulary).replace("\titem-", "\tZitem-"));
    try (GrpcServer server = ModelMain.start(ConfigSource.of(Map.of(
        ModelConfig.PORT_KEY, "0", ModelConfig.ADMIN_PORT_KEY, "0", ServerSettings.METRICS_PORT_KEY, "0",
        ModelConfig.DIRECTORY_KEY, modelDirectory.toString(), ModelConfig.NAME_KEY, "toy",
        ModelConfig.PROVIDER_KEY, "cpu", ModelConfig.VERSION_KEY, "v1")))) {
      String target = "localhost:" + server.adminPort();

      CliRun refused = CliRun.of("reload-model", "--version", "v2-other-shop", "--target", target);
      CliRun allowed = CliRun.of("reload-model", "--version", "v2-other-shop", "--allow-new-catalogue",
          "--target", target);

      assertNotEquals(0, refused.exit(), refused.out());
      assertTrue(refused.err().contains("FAILED_PRECONDITION"), refused.err());
      assertTrue(refused.err().contains("--allow-new-catalogue"), refused.err());
      assertEquals(0, allowed.exit(), allowed.err());
      assertTrue(allowed.out().contains("version v2-other-shop is active (was v1)"), allowed.out());
    }
  }

  private Path copyVersion(Path source, String version) throws IOException {
    Path target = Files.createDirectories(modelDirectory.resolve("toy").resolve(version));
    for (String file : new String[] {"metadata.json", "vocabulary.tsv", "model.onnx"}) {
      Files.copy(source.resolve(file), target.resolve(file));
    }
    return target;
  }
}
