package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.glassbox.feature.FeatureConfig;
import io.glassbox.feature.LocalTimeZone;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.TlsSettings;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lines {@code up} prints for a person to act on: the command to try runs from the folder up
 * was started in, and the viewer's line says what a browser needs under mutual TLS.
 */
class UpPrintedLinesTest {
  /** The folder these tests run in, as a caller's folder: bin/glassbox runs Java in the caller's. */
  private static final Path HERE = Path.of("").toAbsolutePath();

  private static String tryLine(Path home) {
    return UpCommand.firstCommand(ConfigSource.of(Map.of(ConfigSource.HOME_KEY, home.toString())),
        UpCommand.DEFAULT_GATEWAY_PORT);
  }

  @Test
  void startedFromTheInstallationsRoot_theCommandIsRelative() {
    assertEquals("bin/glassbox recommend --user 12348", tryLine(HERE));
  }

  @Test
  void startedFromAFolderAboveTheRoot_theCommandIsRelativeToIt() {
    assertEquals("shop/glassbox/bin/glassbox recommend --user 12348", tryLine(HERE.resolve("shop/glassbox")));
  }

  @Test
  void startedFromAnotherFolder_theCommandIsAbsolute(@TempDir Path installation) {
    assertEquals(installation + "/bin/glassbox recommend --user 12348", tryLine(installation));
    Path spaced = installation.resolve("my glassbox");
    assertEquals("'" + spaced + "/bin/glassbox' recommend --user 12348", tryLine(spaced));
  }

  /** The note named the data folder unquoted: one with a space or a shell character, pasted, did not run. */
  @Test
  void modelKnowsNoItemOfTheData_theTrainCommandNamesTheFolderAsOneShellWord() {
    String note = "Note: the model served knows none of the items it was asked to rank (it was not trained on them), so"
        + " answers come in retrieval order, without the model's reasons. Train one on this data: bin/glassbox train"
        + " --data %s (README, \"Your own shop\").";
    assertEquals(note.formatted("'my shop (2)'"), UpCommand.trainNote(ConfigSource.of(Map.of(
        ConfigSource.HOME_KEY, HERE.toString(), FeatureConfig.DATA_DIR_KEY, "my shop (2)"))));
    assertEquals(note.formatted("'it'\\''s'"), UpCommand.trainNote(ConfigSource.of(Map.of(
        ConfigSource.HOME_KEY, HERE.toString(), FeatureConfig.DATA_DIR_KEY, "it's"))));
    assertEquals(note.formatted("shops/mine"), UpCommand.trainNote(ConfigSource.of(Map.of(
        ConfigSource.HOME_KEY, HERE.toString(), FeatureConfig.DATA_DIR_KEY, "shops/mine"))));
  }

  /**
   * Unset, the folder was said "&lt;the data folder&gt;" (a shell redirect, pasted); a zone set on up's
   * command line alone was left out, and train refused the folder's times without an offset.
   */
  @Test
  void modelKnowsNoItemOfTheData_theTrainCommandNamesTheEmbeddedFolderAndTheZone() {
    String note = "Note: the model served knows none of the items it was asked to rank (it was not trained on them), so"
        + " answers come in retrieval order, without the model's reasons. Train one on this data: bin/glassbox train"
        + " --data %s (README, \"Your own shop\").";
    assertEquals(note.formatted(LauncherScript.shellWord(HERE.resolve("data/uci-online-retail").toString())),
        UpCommand.trainNote(ConfigSource.of(Map.of(ConfigSource.HOME_KEY, HERE.toString()))));
    assertEquals(note.formatted("shops/mine --time-zone Europe/London"), UpCommand.trainNote(ConfigSource.of(Map.of(
        ConfigSource.HOME_KEY, HERE.toString(), FeatureConfig.DATA_DIR_KEY, "shops/mine",
        LocalTimeZone.DATA_FOLDER_SETTING, "Europe/London"))));
  }

  @Test
  void viewerUnderMutualTls_saysABrowserNeedsAClientCertificate() {
    URI page = URI.create("https://127.0.0.1:8080/");
    ConfigSource mutual = ConfigSource.of(Map.of(TlsSettings.CERT_KEY, "server.pem", TlsSettings.KEY_KEY, "server.key",
        TlsSettings.CA_KEY, "ca.pem"));

    assertEquals("Viewer: https://127.0.0.1:8080/    (see each recommendation's reasons, heatmap and what-if)\n"
        + "        Under mutual TLS the page wants a client certificate signed by the CA of GLASSBOX_TLS_CA_FILE, as the"
        + " gRPC port does: import one into the browser, or it is refused.", UpCommand.viewerLine(mutual, page));
    // TLS without a CA wants no client certificate.
    assertEquals("Viewer: https://127.0.0.1:8080/    (see each recommendation's reasons, heatmap and what-if)",
        UpCommand.viewerLine(ConfigSource.of(Map.of(TlsSettings.CERT_KEY, "server.pem", TlsSettings.KEY_KEY,
            "server.key")), page));
  }

  @Test
  void viewerSetTo0_isSaidAsTheUserSetIt_theOptionOrTheVariable() {
    UpCommand up = new UpCommand();
    assertEquals("Viewer: disabled (GLASSBOX_GATEWAY_HTTP_PORT=0).", up.viewerOffLine(Optional.empty()));
    up.httpPort = 0;
    assertEquals("Viewer: disabled (--http-port 0).", up.viewerOffLine(Optional.empty()));
  }
}
