package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.launcher.load.LoadPlan;
import io.glassbox.launcher.load.LoadRun;
import io.glassbox.launcher.load.LoadSummary;
import io.glassbox.launcher.load.RecommendSender;
import io.glassbox.launcher.load.RssWatch;
import io.glassbox.server.ClientChannels;
import io.glassbox.server.ConfigSource;
import io.grpc.ManagedChannel;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/** The load tool against the real suite (four services on loopback, embedded data, shipped model). */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class LoadAgainstSuiteTest {
  private static final String ROOT = System.getProperty("glassbox.repo.root");
  private static Suite suite;
  private static ManagedChannel channel;

  @BeforeAll
  static void startSuite() {
    suite = Suite.start(ConfigSource.of(Map.of(
            "GLASSBOX_DATA_DIR", ROOT + "/data/uci-online-retail",
            "GLASSBOX_MODEL_DIR", ROOT + "/models",
            // Generous on a shared 2-core machine: this test is about the tool, not the latency.
            "GLASSBOX_GATEWAY_MODEL_TIMEOUT", "5s",
            "GLASSBOX_EXPLAIN_TIMEOUT", "5s",
            "GLASSBOX_DEFAULT_DEADLINE", "30s")),
        Suite.Ports.ephemeral());
    channel = ClientChannels.forTarget("localhost:" + suite.ports().gateway());
  }

  @AfterAll
  static void stopSuite() throws InterruptedException {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (suite != null) {
      suite.close();
    }
  }

  @Test
  void load_atAHeldRate_accountsForEveryCallAndRecordsTheSuitesMemory() throws Exception {
    // A low rate and a long deadline: on a shared machine this test is about the tool's accounts
    // against a real suite, not about the suite's latency.
    LoadPlan plan = new LoadPlan(5, Duration.ofSeconds(3), 64, Duration.ofSeconds(30));
    List<String> users = UserIds.read(Path.of(ROOT, UserIds.EMBEDDED));
    RssWatch rss = RssWatch.of(List.of("suite=" + ProcessHandle.current().pid()));
    ByteArrayOutputStream progress = new ByteArrayOutputStream();

    LoadSummary summary = new LoadRun(plan, rss, Duration.ofSeconds(1),
        new PrintStream(progress, true, StandardCharsets.UTF_8))
        .execute(new RecommendSender(channel, users, 42, 10, "en-US", plan.timeout()));

    assertEquals(15, summary.planned());
    assertEquals(15, summary.sent(), summary.format());
    assertEquals(15, summary.answered(), summary.format());
    assertEquals(15, summary.byStatus().values().stream().mapToLong(Long::longValue).sum(), summary.format());
    assertTrue(summary.ok() > 0 && summary.okInDeadline() <= summary.ok(), summary.format());
    assertTrue(summary.p50Millis() > 0 && summary.p50Millis() <= summary.p99Millis()
        && summary.p99Millis() <= summary.maxMillis(), summary.format());
    assertTrue(progress.toString(StandardCharsets.UTF_8).contains("answered"), "progress lines are printed");
    RssWatch.Figures figures = rss.figures("suite");
    assertTrue(figures.before() > 0 && figures.after() > 0 && figures.peak() >= figures.after(), rss.report().toString());
    assertEquals(1, figures.processes());
  }

  @Test
  void loadCommand_refusesATargetOffThisMachine() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream original = System.err;
    int exit;
    try {
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      exit = new CommandLine(new GlassboxCli()).execute("load", "--target", "10.0.0.7:50051", "--duration", "1s");
    } finally {
      System.setErr(original);
    }

    assertEquals(2, exit);
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("loopback"), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void loadCommand_runsAgainstTheSuiteAndExitsZeroWhenAllAnsweredInTime() {
    int exit = new CommandLine(new GlassboxCli()).execute("load",
        "--target", "localhost:" + suite.ports().gateway(), "--rate", "2", "--duration", "1s",
        "--timeout", "30s", "--users", ROOT + "/" + UserIds.EMBEDDED, "--report-every", "0s",
        "--rss", "self=" + ProcessHandle.current().pid());

    assertEquals(0, exit);
  }

  @Test
  void healthCommand_saysServingForTheSuite_andNotForAClosedPort() throws Exception {
    int free;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      free = socket.getLocalPort();
    }

    assertEquals(0, new CommandLine(new GlassboxCli()).execute("health", "--target", "localhost:" + suite.ports().feature()));
    assertEquals(1, new CommandLine(new GlassboxCli()).execute("health", "--target", "localhost:" + free));
  }

  @Test
  void serveCommand_refusesAnUnknownService() {
    assertEquals(2, new CommandLine(new GlassboxCli()).execute("serve", "billing-service"));
  }
}
