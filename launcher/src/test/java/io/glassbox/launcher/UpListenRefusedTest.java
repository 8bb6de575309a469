package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.glassbox.server.ApiKeys;
import io.glassbox.server.ConfigSource;
import io.glassbox.server.ServerSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/glassbox up} when the system refuses a port for a reason other than another process
 * holding it: what the system said, with the port and the setting that is wrong, and no "Is the
 * suite already up?".
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class UpListenRefusedTest {
  /** An address of TEST-NET-3 (RFC 5737), which no host running these tests has. */
  private static final String NOT_THIS_HOST = "203.0.113.1";
  /** A port of the block these tests may use, never bound: its address is not this host's. */
  private static final int UNBOUND_PORT = 53897;

  @TempDir Path dir;

  @Test
  void up_adminBindAddressNotOfThisHost_exitsOneAndBlamesTheAddressSettingInTheSystemsWords() throws Exception {
    Path keys = Files.writeString(dir.resolve("keys"), "client " + ApiKeys.sha256Hex("a key") + " shop\n");
    UpCommand up = new UpCommand();
    // Any address but loopback needs API keys.
    up.settings = () -> ConfigSource.of(Map.of(ServerSettings.ADMIN_BIND_ADDRESS_KEY, NOT_THIS_HOST,
        ApiKeys.FILE_KEY, keys.toString()));

    // The feature service starts first and binds its ports before it reads any data.
    CliRun run = CliRun.ofCommand(up, "--no-metrics", "--http-port", "0", "--gateway-port", "0", "--feature-port", "0",
        "--model-port", "0", "--explain-port", "0", "--feature-admin-port", String.valueOf(UNBOUND_PORT),
        "--model-admin-port", "0");

    assertEquals(1, run.exit(), run.err());
    // It said "port 53897 on 203.0.113.1 is held by another process.\nIs the suite already up? ...".
    assertEquals("glassbox: feature-service could not start: cannot listen on " + NOT_THIS_HOST
        + " (GLASSBOX_ADMIN_BIND_ADDRESS), port " + UNBOUND_PORT + ": Cannot assign requested address.\n",
        run.errWithoutLogLines());
  }
}
