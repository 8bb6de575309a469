package io.glassbox.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What a service's main logs, and the status it exits with, when it cannot start. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ServiceStartupTest {
  /** A setup mistake of a service's own, as a missing dataset is the feature service's. */
  static final class MissingData extends RuntimeException {
    MissingData(String message) {
      super(message);
    }
  }

  /** An address of TEST-NET-3 (RFC 5737), which no host running these tests has. */
  private static final String NOT_THIS_HOST = "203.0.113.1";
  /** A port of the block these tests may use, never bound: its address is not this host's. */
  private static final int UNBOUND_PORT = 53898;

  private LogCapture logged;

  @BeforeEach
  void captureLog() {
    logged = LogCapture.of(ServiceStartup.class, Level.ERROR);
  }

  @AfterEach
  void releaseLog() {
    logged.close();
  }

  @Test
  void serve_grpcPortInUse_logsOneErrorLineNamingThePortAndItsSetting_andReturnsOne() throws Exception {
    try (ServerSocket taken = heldPort()) {
      int status = ServiceStartup.serve("echo-service",
          () -> GrpcServer.onPort("echo-service", taken.getLocalPort()).portSetting("ECHO_PORT")
              .addService(EchoService.echo()).start().serveUntilShutdown(), List.of());

      assertEquals(1, status);
      assertEquals(List.of("echo-service could not start: port " + taken.getLocalPort()
          + " (ECHO_PORT) on 127.0.0.1 is held by another process"), errorLines());
    }
  }

  @Test
  void serve_metricsPortInUse_logsOneErrorLineNamingThePortAndItsSetting_andReturnsOne() throws Exception {
    try (ServerSocket taken = heldPort()) {
      ServerSettings settings = ServerSettings.load(ConfigSource.of(Map.of(
          ServerSettings.METRICS_PORT_KEY, String.valueOf(taken.getLocalPort()))), 0);
      int status = ServiceStartup.serve("echo-service",
          () -> GrpcServer.onPort("echo-service", 0, settings).addService(EchoService.echo()).start()
              .serveUntilShutdown(), List.of());

      assertEquals(1, status);
      // It said only "Address already in use (another process holds the port)": not which port.
      assertEquals(List.of("echo-service could not start: port " + taken.getLocalPort()
          + " (GLASSBOX_METRICS_PORT) on 127.0.0.1 is held by another process"), errorLines());
    }
  }

  @Test
  void serve_adminPortInUse_logsOneErrorLineNamingThePortAndItsSetting_andReturnsOne() throws Exception {
    try (ServerSocket taken = heldPort()) {
      int status = ServiceStartup.serve("echo-service",
          () -> GrpcServer.onPort("echo-service", 0).adminPortSetting("ECHO_ADMIN_PORT")
              .addService(EchoService.echo()).addAdminService(EchoService.echo(), taken.getLocalPort()).start()
              .serveUntilShutdown(), List.of());

      assertEquals(1, status);
      assertEquals(List.of("echo-service could not start: port " + taken.getLocalPort()
          + " (ECHO_ADMIN_PORT) on 127.0.0.1 is held by another process"), errorLines());
    }
  }

  @Test
  void serve_adminBindAddressNotOfThisHost_logsTheAddressAndItsSettingInTheSystemsWords_andReturnsOne() throws Exception {
    ServerSettings settings = new ServerSettings("127.0.0.1", NOT_THIS_HOST, keys(), TlsSettings.none(), 0, 64, 100, 0);
    int status = ServiceStartup.serve("echo-service",
        () -> GrpcServer.onPort("echo-service", 0, settings).adminPortSetting("ECHO_ADMIN_PORT")
            .addService(EchoService.echo()).addAdminService(EchoService.echo(), UNBOUND_PORT).start()
            .serveUntilShutdown(), List.of());

    assertEquals(1, status);
    // It said "port 52650 (ECHO_ADMIN_PORT) on 203.0.113.1 is held by another process": the
    // port was blamed, and the system's words were gone.
    assertEquals(List.of("echo-service could not start: cannot listen on " + NOT_THIS_HOST
        + " (GLASSBOX_ADMIN_BIND_ADDRESS), port " + UNBOUND_PORT + " (ECHO_ADMIN_PORT): Cannot assign requested address"),
        errorLines());
  }

  @Test
  void serve_bindAddressNotOfThisHost_logsTheAddressAndItsSettingInTheSystemsWords_andReturnsOne() throws Exception {
    ServerSettings settings = new ServerSettings(NOT_THIS_HOST, "127.0.0.1", keys(), TlsSettings.none(), 0, 64, 100, 0);
    int status = ServiceStartup.serve("echo-service",
        () -> GrpcServer.onPort("echo-service", UNBOUND_PORT, settings).portSetting("ECHO_PORT")
            .addService(EchoService.echo()).start().serveUntilShutdown(), List.of());

    assertEquals(1, status);
    assertEquals(List.of("echo-service could not start: cannot listen on " + NOT_THIS_HOST
        + " (GLASSBOX_BIND_ADDRESS), port " + UNBOUND_PORT + " (ECHO_PORT): Cannot assign requested address"),
        errorLines());
  }

  @Test
  void describe_aPortRefusedForAnotherReason_keepsTheSystemsWords_andBlamesNoOtherProcess() {
    // What the JDK throws for a port below 1024 to a user that is not root (the containers'),
    // which these tests, run as root, cannot provoke.
    UncheckedIOException viewer = new UncheckedIOException("the viewer could not listen on 127.0.0.1:80: Permission denied",
        new BindException("Permission denied"));

    assertFalse(ServiceStartup.addressInUse(viewer));
    assertEquals(Optional.of("the viewer could not listen on 127.0.0.1:80: Permission denied"),
        ServiceStartup.describe(viewer, List.of()));
  }

  /** A service's main warns of a misspelled key of its GLASSBOX_CONFIG_FILE, as up does: it warned of the environment's only. */
  @Test
  void serve_aMisspelledKeyOfTheConfigFile_isWarnedOf(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("glassbox.properties"), "GLASSBOX_MODEL_DIRR=mine\n");
    try (LogCapture warned = LogCapture.of(SettingNames.class, Level.WARN)) {
      int status = ServiceStartup.serve("echo-service",
          Map.of(ConfigSource.CONFIG_FILE_KEY, file.toString()), () -> { }, List.of());

      assertEquals(0, status);
      assertEquals(List.of("GLASSBOX_MODEL_DIRR is no setting of Glassbox: did you mean GLASSBOX_MODEL_DIR?"),
          warned.lines().stream().map(ILoggingEvent::getFormattedMessage).toList());
    }
  }

  @Test
  void serve_unparsableSetting_logsTheSettingAndReturnsOne() throws Exception {
    int status = ServiceStartup.serve("echo-service",
        () -> ConfigSource.of(Map.of("ECHO_PORT", "abc")).getPort("ECHO_PORT", 1), List.of());

    assertEquals(1, status);
    assertEquals(List.of("echo-service cannot start: ECHO_PORT must be an integer, got \"abc\""), errorLines());
  }

  @Test
  void serve_aServicesOwnSetupMistake_logsItsMessageAndReturnsOne() throws Exception {
    int status = ServiceStartup.serve("echo-service", () -> {
      throw new MissingData("data folder /nope does not exist");
    }, List.of(MissingData.class));

    assertEquals(1, status);
    assertEquals(List.of("echo-service cannot start: data folder /nope does not exist"), errorLines());
  }

  @Test
  void serve_anyOtherFailure_isABug_andKeepsItsStackTrace() {
    IllegalStateException bug = new IllegalStateException("a bug");

    IllegalStateException thrown = assertThrows(IllegalStateException.class,
        () -> ServiceStartup.serve("echo-service", () -> {
          throw bug;
        }, List.of(MissingData.class)));

    assertSame(bug, thrown);
    assertEquals(List.of(), errorLines());
  }

  @Test
  void serve_aNormalStop_returnsZero() throws Exception {
    assertEquals(0, ServiceStartup.serve("echo-service", () -> { }, List.of()));
    assertEquals(List.of(), errorLines());
  }

  @Test
  void addressInUse_knowsTheJdksBindErrorToo() throws Exception {
    // The JDK's HTTP server words a taken port as a java.net.BindException too.
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      IOException bind = assertThrows(IOException.class, () -> HttpServer.create(
          new InetSocketAddress(InetAddress.getLoopbackAddress(), taken.getLocalPort()), 0));

      UncheckedIOException viewer = new UncheckedIOException("the viewer could not listen: " + bind.getMessage(), bind);
      assertTrue(ServiceStartup.addressInUse(viewer));
      // Its words already say "Address already in use": the line does not say it twice.
      assertEquals(Optional.of("the viewer could not listen: Address already in use (another process holds the port)"),
          ServiceStartup.describe(viewer, List.of()));
      assertFalse(ServiceStartup.addressInUse(new UncheckedIOException(new IOException("disk full"))));
    }
  }

  /** Keys, without which a server refuses any address but loopback. */
  private static ApiKeys keys() {
    return ApiKeys.parse(Path.of("keys"), "client " + ApiKeys.sha256Hex("a key") + " shop\n");
  }

  /** A loopback port held open by a real socket, from the block these tests may use. */
  private static ServerSocket heldPort() throws IOException {
    for (int port = 53850; port <= 53899; port++) {
      try {
        return new ServerSocket(port, 1, InetAddress.getLoopbackAddress());
      } catch (IOException taken) {
        // held by someone else already: the next one
      }
    }
    throw new IOException("no free port in 53850-53899");
  }

  private List<String> errorLines() {
    return logged.lines().stream().map(ILoggingEvent::getFormattedMessage).toList();
  }
}
