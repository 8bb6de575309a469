package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.glassbox.api.v1.Event;
import io.glassbox.api.v1.ExplainItemResponse;
import io.glassbox.api.v1.ExplainServiceGrpc;
import io.glassbox.api.v1.FeatureServiceGrpc;
import io.glassbox.api.v1.GatewayGrpc;
import io.glassbox.api.v1.GetModelInsightsRequest;
import io.glassbox.api.v1.GetModelInsightsResponse;
import io.glassbox.api.v1.GetUserHistoryRequest;
import io.glassbox.api.v1.Reason;
import io.glassbox.api.v1.RecommendRequest;
import io.glassbox.api.v1.RecommendResponse;
import io.glassbox.api.v1.UserExplainItemRequest;
import io.glassbox.api.v1.UserWhatIfRequest;
import io.glassbox.api.v1.UserWhyNotRequest;
import io.glassbox.api.v1.WhatIfResponse;
import io.glassbox.api.v1.WhyNotResponse;
import io.glassbox.launcher.load.LoadPlan;
import io.glassbox.launcher.load.LoadRun;
import io.glassbox.launcher.load.LoadSummary;
import io.glassbox.launcher.load.RecommendSender;
import io.glassbox.launcher.load.RssWatch;
import io.glassbox.server.ClientChannels;
import io.glassbox.server.ConfigSource;
import io.grpc.ManagedChannel;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The client commands against the real suite (four services on loopback, embedded data, shipped
 * model): the load tool, health, and {@code recommend}, {@code explain}, {@code why-not},
 * {@code what-if} and {@code insights}, whose text and {@code --json} output must be what the
 * gateway (the explain service, for insights) answers the same question; a bad question exits 1
 * with its status.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ClientCommandsAgainstSuiteTest {
  private static final String ROOT = System.getProperty("glassbox.repo.root");
  private static Suite suite;
  private static ManagedChannel channel;
  /** A real customer of the embedded dataset with a long purchase record. */
  private static final String CUSTOMER = "12748";

  @BeforeAll
  static void startSuite() {
    suite = Suite.start(ConfigSource.of(Map.of(
            "GLASSBOX_DATA_DIR", ROOT + "/data/uci-online-retail",
            "GLASSBOX_MODEL_DIR", ROOT + "/models",
            // Generous on a shared 2-core machine: this test is about the tool, not the latency.
            "GLASSBOX_GATEWAY_MODEL_TIMEOUT", "5s",
            "GLASSBOX_EXPLAIN_TIMEOUT", "5s",
            "GLASSBOX_DEFAULT_DEADLINE", "30s",
            "GLASSBOX_GATEWAY_HTTP_PORT", "0")),
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
    CliRun run = CliRun.of("load", "--target", "10.0.0.7:50051", "--duration", "1s");

    assertEquals(2, run.exit());
    assertTrue(run.err().contains("loopback"), run.err());
  }

  @Test
  void loadCommand_runsAgainstTheSuiteAndExitsZeroWhenAllAnsweredInTime() {
    int exit = new CommandLine(new GlassboxCli()).execute("load",
        "--target", "localhost:" + suite.ports().gateway(), "--rate", "2", "--duration", "1s",
        "--timeout", "30s", "--users", ROOT + "/" + UserIds.EMBEDDED, "--report-every", "0s",
        "--rss", "self=" + ProcessHandle.current().pid());

    assertEquals(0, exit);
  }

  /**
   * Without a file of customers, insights, bench and load call as the customers of the data folder
   * the settings name, as evaluate-explanations draws, and say so: they took the embedded data's
   * 4,104 customers, none in a shop's own data ("0 customers with a record explained").
   */
  @Test
  void measuringCommands_withoutAUsersFile_callTheCustomersOfTheDataFolderTheSettingsName(@TempDir Path shop)
      throws Exception {
    Files.writeString(shop.resolve("users.csv"), "user_id\n" + CUSTOMER + "\n12347\n");
    ConfigSource settings = ConfigSource.of(Map.of("GLASSBOX_DATA_DIR", shop.toString()));
    String from = "the data folder " + shop + " (GLASSBOX_DATA_DIR)";
    InsightsCommand insights = new InsightsCommand();
    insights.settings = () -> settings;
    BenchCommand bench = new BenchCommand();
    bench.call = new GatewayCallOptions();
    bench.call.settings = () -> settings;
    LoadCommand load = new LoadCommand();
    load.call = new GatewayCallOptions();
    load.call.settings = () -> settings;

    CliRun insighted = CliRun.ofCommand(insights, "--users", "20", "--limit", "3",
        "--target", "localhost:" + suite.ports().explain());
    CliRun benched = CliRun.ofCommand(bench, "--requests", "2", "--warmup", "0", "--timeout-ms", "30000",
        "--target", "localhost:" + suite.ports().gateway());
    CliRun loaded = CliRun.ofCommand(load, "--rate", "2", "--duration", "1s", "--timeout", "30s",
        "--report-every", "0s", "--target", "localhost:" + suite.ports().gateway());

    assertEquals(0, insighted.exit(), insighted.err());
    assertTrue(insighted.out().startsWith("Model insights over 2 customers"), insighted.out());
    assertTrue(insighted.out().endsWith("Customers sampled from " + from + ".\n"), insighted.out());
    assertEquals(0, benched.exit(), benched.err());
    assertTrue(benched.out().startsWith("Customers from " + from + ".\nRecommend x2 (limit 10, 2 users,"),
        benched.out());
    assertEquals(0, loaded.exit(), loaded.err());
    assertTrue(loaded.out().contains(", 2 users from " + from + ", target"), loaded.out());
  }

  /**
   * A data folder a spreadsheet saved (a byte order mark, CRLF line endings, a quoted field with a
   * comma, a blank line), which the suite serves: insights said it "has no user_id column".
   */
  @Test
  void insights_dataFolderASpreadsheetSaved_callsItsCustomers(@TempDir Path shop) throws Exception {
    Files.writeString(shop.resolve("interactions.csv"), "\uFEFFuser_id,item_id,timestamp\r\n"
        + CUSTOMER + ",\"A,1\",1323430200\r\n\r\n12347,B,1323430260\r\n");
    InsightsCommand insights = new InsightsCommand();
    insights.settings = () -> ConfigSource.of(Map.of("GLASSBOX_DATA_DIR", shop.toString()));

    CliRun run = CliRun.ofCommand(insights, "--users", "40", "--limit", "3",
        "--target", "localhost:" + suite.ports().explain());

    assertEquals(0, run.exit(), run.err());
    assertTrue(run.out().startsWith("Model insights over 2 customers"), run.out());
  }

  @Test
  void healthCommand_saysServingForTheSuite_andNotForAClosedPort() throws Exception {
    int free;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      free = socket.getLocalPort();
    }

    CliRun serving = CliRun.of("health", "--target", "localhost:" + suite.ports().feature());
    assertEquals(0, serving.exit(), serving.err());
    assertEquals("localhost:" + suite.ports().feature() + " is SERVING\n", serving.out());
    CliRun closed = CliRun.of("health", "--target", "localhost:" + free);
    assertEquals(1, closed.exit());
    assertTrue(closed.err().startsWith("glassbox health: UNAVAILABLE: could not connect to localhost:" + free
        + " (connection refused)\nglassbox health: start the suite with `bin/glassbox up`"), closed.err());
    assertEquals(1, CliRun.timesSaid(closed.err(), "localhost:" + free), closed.err());
  }

  @Test
  void serveCommand_refusesAnUnknownService() {
    assertEquals(2, new CommandLine(new GlassboxCli()).execute("serve", "billing-service"));
  }

  @Test
  void explain_printsTheRankAndEveryReasonTheGatewayGives() throws Exception {
    RecommendResponse top = gateway().recommend(newItems(10));
    String item = top.getItems(0).getItem().getItemId();
    ExplainItemResponse expected = gateway().explainItem(UserExplainItemRequest.newBuilder()
        .setUserId(CUSTOMER).setItemId(item).setLimit(10).build());

    CliRun printed = run("explain", "--user", CUSTOMER, "--item", item);

    assertEquals(0, printed.exit(), printed.err());
    assertTrue(printed.out().contains(String.format(Locale.ROOT, "rank #%d among %d candidates (top 10: in)",
        expected.getRank(), expected.getRankedCandidateCount())), printed.out());
    assertTrue(expected.getReasonsCount() > 0, "the top item of a long record has a reason");
    for (Reason reason : expected.getReasonsList()) {
      assertTrue(printed.out().contains("    - " + reason.getText() + "\n"), printed.out());
    }
    assertTrue(printed.out().contains(expected.getEffects(0).getItemId()), printed.out());
    assertEquals(expected, json("explain", ExplainItemResponse.newBuilder(), "--user", CUSTOMER, "--item", item));
  }

  /** The purchase why-not names as holding an item back most is among the lines explain shows. */
  @Test
  void explain_itemOutsideTheTopK_showsThePurchaseWhyNotSaysHoldsItBackMost() throws Exception {
    String item = gateway().recommend(newItems(30)).getItems(20).getItem().getItemId();   // #21
    WhyNotResponse whyNot = gateway().whyNot(UserWhyNotRequest.newBuilder()
        .setUserId(CUSTOMER).setItemId(item).setLimit(10).build());
    assertTrue(whyNot.getHoldingBackCount() > 0, "some purchase holds back #21");

    CliRun printed = run("explain", "--user", CUSTOMER, "--item", item);

    assertEquals(0, printed.exit(), printed.err());
    String out = printed.out();
    int heading = out.indexOf("  Holding it back (without the purchase it ranks higher), strongest first:\n");
    assertTrue(heading >= 0, out);
    List<String> shown = out.substring(heading).lines().skip(1).takeWhile(line -> line.startsWith("    "))
        .limit(InterrogationPrinter.SHOWN).toList();
    assertTrue(shown.stream().anyMatch(line -> line.contains("[" + whyNot.getHoldingBack(0).getItemId() + "]")
        && line.contains("without it: rank #" + whyNot.getHoldingBack(0).getRankWithout() + ",")), out);
  }

  @Test
  void whyNot_printsTheGatewaysAnswerForAnItemOutsideTheTopK() throws Exception {
    RecommendResponse top = gateway().recommend(newItems(30));
    String item = top.getItems(20).getItem().getItemId();         // #21: outside the top 10
    WhyNotResponse expected = gateway().whyNot(UserWhyNotRequest.newBuilder()
        .setUserId(CUSTOMER).setItemId(item).setLimit(10).build());
    assertTrue(expected.getRank() > 10, "ranked " + expected.getRank());

    CliRun printed = run("why-not", "--user", CUSTOMER, "--item", item);

    assertEquals(0, printed.exit(), printed.err());
    assertTrue(printed.out().contains("  " + expected.getText() + "\n"), printed.out());
    assertTrue(printed.out().contains(String.format(Locale.ROOT, "rank #%d among %d candidates",
        expected.getRank(), expected.getRankedCandidateCount())), printed.out());
    String addition = expected.hasSmallestAddition()
        ? String.format(Locale.ROOT, "-> rank #%d", expected.getSmallestAddition().getRankAfter())
        : "none of the " + expected.getAdditionsTried() + " tried";
    assertTrue(printed.out().contains("Smallest addition found that does: ") && printed.out().contains(addition),
        printed.out());
    assertEquals(expected, json("why-not", WhyNotResponse.newBuilder(), "--user", CUSTOMER, "--item", item));
  }

  @Test
  void whatIf_printsTheNewRankingWithTheGatewaysTexts() throws Exception {
    String bought = gateway().explainItem(UserExplainItemRequest.newBuilder().setUserId(CUSTOMER)
        .setItemId(gateway().recommend(newItems(10)).getItems(0).getItem().getItemId()).build())
        .getEffects(0).getItemId();   // the strongest purchase behind the top item
    WhatIfResponse expected = gateway().whatIf(UserWhatIfRequest.newBuilder()
        .setUserId(CUSTOMER).addRemoveItemIds(bought).setLimit(5).build());

    CliRun printed = run("what-if", "--user", CUSTOMER, "--remove", bought, "--limit", "5");

    assertEquals(0, printed.exit(), printed.err());
    assertTrue(printed.out().startsWith("What if user " + CUSTOMER + " had not bought " + bought), printed.out());
    assertEquals(5, expected.getRankingCount());
    for (var moved : expected.getRankingList()) {
      assertTrue(printed.out().contains(String.format(Locale.ROOT, "#%d ->", moved.getRankBefore())
          + String.format(Locale.ROOT, "%5s  ", "#" + moved.getRankAfter()) + moved.getItem().getTitle()), printed.out());
      assertTrue(printed.out().contains("       - " + moved.getText() + "\n"), printed.out());
    }
    assertEquals(expected, json("what-if", WhatIfResponse.newBuilder(),
        "--user", CUSTOMER, "--remove", bought, "--limit", "5"));
  }

  @Test
  void whatIf_removingAPurchaseOlderThanTheModelWindow_saysWhyNothingMoved() throws Exception {
    ManagedChannel feature = ClientChannels.forTarget("localhost:" + suite.ports().feature());
    List<String> events;
    try {
      events = FeatureServiceGrpc.newBlockingStub(feature).getUserHistory(GetUserHistoryRequest.newBuilder()
          .setUserId(CUSTOMER).setMaxEvents(100).build()).getEventsList().stream().map(Event::getItemId).toList();
    } finally {
      feature.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    List<String> latest = events.subList(events.size() - 60, events.size());
    String old = events.stream().filter(id -> !latest.contains(id)).findFirst().orElseThrow();
    WhatIfResponse expected = gateway().whatIf(UserWhatIfRequest.newBuilder()
        .setUserId(CUSTOMER).addRemoveItemIds(old).setLimit(3).build());
    assertTrue(expected.getSummary().contains(" was bought before them."), expected.getSummary());

    CliRun printed = run("what-if", "--user", CUSTOMER, "--remove", old, "--limit", "3");

    assertEquals(0, printed.exit(), printed.err());
    assertEquals("  " + expected.getSummary(), printed.out().lines().skip(1).findFirst().orElseThrow(), printed.out());
  }

  @Test
  void badQuestions_exitOneWithTheStatusAndNothingOnStandardOutput() throws Exception {
    CliRun notBought = run("what-if", "--user", CUSTOMER, "--remove", "NO-SUCH-ITEM");
    assertEquals(1, notBought.exit());
    assertEquals("", notBought.out());
    // 12748's record is longer than the 200 events the gateway reads: the message says so.
    assertTrue(notBought.err().contains("glassbox: INVALID_ARGUMENT: remove_item_ids[0] \"NO-SUCH-ITEM\" is not in "
        + "the latest 200 events of user_id \"" + CUSTOMER + "\""), notBought.err());

    CliRun unknown = run("explain", "--user", CUSTOMER, "--item", "NO-SUCH-ITEM");
    assertEquals(1, unknown.exit());
    assertTrue(unknown.err().contains("glassbox: NOT_FOUND: item_id \"NO-SUCH-ITEM\" is not in the catalogue"),
        unknown.err());

    CliRun missing = run("why-not", "--user", CUSTOMER);
    assertEquals(2, missing.exit());
    assertTrue(missing.err().contains("Missing required option: '--item=<itemId>'"), missing.err());
  }

  @Test
  void recommend_json_isTheGatewaysAnswer() throws Exception {
    RecommendResponse expected = gateway().recommend(RecommendRequest.newBuilder()
        .setUserId(CUSTOMER).setLimit(3).setLocale("zh-CN").setBuyAgainSlots(1).build());

    assertEquals(expected, json("recommend", RecommendResponse.newBuilder(),
        "--user", CUSTOMER, "--limit", "3", "--locale", "zh-CN", "--buy-again-slots", "1"));
  }

  @Test
  void recommend_withALocaleTagAsAShopForwardsIt_getsTheMatchingTexts() throws Exception {
    RecommendResponse english = gateway().recommend(RecommendRequest.newBuilder()
        .setUserId(CUSTOMER).setLimit(3).setLocale("en-US").build());
    RecommendResponse chinese = gateway().recommend(RecommendRequest.newBuilder()
        .setUserId(CUSTOMER).setLimit(3).setLocale("zh-CN").build());

    // As a browser's or Java's tag arrives: another English region, lower case with "_".
    assertEquals(english, json("recommend", RecommendResponse.newBuilder(), "--user", CUSTOMER, "--limit", "3",
        "--locale", "en-GB"));
    RecommendResponse asked = json("recommend", RecommendResponse.newBuilder(), "--user", CUSTOMER, "--limit", "3",
        "--locale", "zh_cn");
    assertEquals(chinese, asked);
    assertEquals("zh-CN", asked.getItems(0).getReasons(0).getLocale(), "each reason says which texts it has");

    CliRun traditional = run("recommend", "--user", CUSTOMER, "--locale", "zh-TW");
    assertEquals(1, traditional.exit());
    assertTrue(traditional.err().contains("INVALID_ARGUMENT: locale must be en-US or zh-CN")
        && traditional.err().contains("got \"zh-TW\""), traditional.err());
  }

  /** A command sent to a server of the suite that is not its own says which is whose: it printed a bare UNIMPLEMENTED. */
  @Test
  void insights_askedOfTheGateway_saysWhichServerServesIt() {
    String gateway = "localhost:" + suite.ports().gateway();

    CliRun printed = CliRun.of("insights", "--users", "1", "--target", gateway, "--users-file",
        System.getProperty("glassbox.repo.root") + "/data/uci-online-retail/users.csv.gz");

    assertEquals(1, printed.exit(), printed.err());
    assertTrue(printed.err().contains(gateway + " does not serve this call: does --target name the right server?")
        && printed.err().contains("the explain service at localhost:50054 (insights)"), printed.err());
  }

  @Test
  void insights_printsTheExplainServicesAnswerOverTheSampledCustomers(@TempDir Path dir) throws Exception {
    Path usersFile = dir.resolve("users.csv.gz");
    try (var out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(usersFile))) {
      out.write(("user_id\n" + CUSTOMER + "\n12347\n14911\nnot-a-customer\n").getBytes(StandardCharsets.UTF_8));
    }
    List<String> sample = UserIds.sample(UserIds.read(usersFile), 3, 7);   // the command's draw, default seed
    ManagedChannel explain = ClientChannels.forTarget("localhost:" + suite.ports().explain());
    GetModelInsightsResponse expected;
    try {
      expected = ExplainServiceGrpc.newBlockingStub(explain).withDeadlineAfter(60, TimeUnit.SECONDS)
          .getModelInsights(GetModelInsightsRequest.newBuilder()
              .addAllUserIds(sample).setTopK(5).setMaxPairs(4).build());
    } finally {
      explain.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    String[] args = {"insights", "--users-file", usersFile.toString(), "--users", "3", "--limit", "5", "--pairs", "4",
        "--target", "localhost:" + suite.ports().explain()};

    CliRun printed = CliRun.of(args);

    assertEquals(0, printed.exit(), printed.err());
    assertTrue(printed.out().startsWith("Model insights over 3 customers, their top 5 each"), printed.out());
    assertTrue(printed.out().contains(String.format(Locale.ROOT, "citing purchases: %.3f of items; necessary %.3f, "
        + "sufficient %.3f", expected.getModelReasonCoverage(), expected.getNecessaryRate(),
        expected.getSufficientRate())), printed.out());
    for (var pair : expected.getTopPairsList()) {
      assertTrue(printed.out().contains(pair.getCount() + "x  " + pair.getHistoryItem().getTitle()), printed.out());
    }
    List<String> json = new ArrayList<>(List.of(args));
    json.add("--json");
    CliRun asJson = CliRun.of(json.toArray(String[]::new));
    GetModelInsightsResponse.Builder parsed = GetModelInsightsResponse.newBuilder();
    JsonFormat.parser().merge(asJson.out(), parsed);
    assertEquals(expected, parsed.build());
    // Out of range: the option is named with the number typed (the service would count the
    // file's 4 ids).
    CliRun tooMany = CliRun.of("insights", "--users-file", usersFile.toString(), "--users", "100000",
        "--target", "localhost:" + suite.ports().explain());
    assertEquals(2, tooMany.exit());
    assertTrue(tooMany.err().startsWith("Invalid value for option '--users': '100000' is not a number of customers:"
        + " give 1..500\n"), tooMany.err());
  }

  @Test
  void feedback_recordsAPurchaseOncePerRequestId_andTheShopperIsThenKnown() throws Exception {
    String shopper = "cli-shopper-" + UUID.randomUUID();
    // Stamped inside the embedded data's time and before its last 14 days, so the trend window and
    // the recent purchases the other tests rank with stay as they are.
    String[] args = {"feedback", "--user", shopper, "--item", "85123A", "--time", "2011-01-10T10:00:00Z",
        "--request-id", "cli-test-1"};

    CliRun first = run(args);
    // A resend stamped a day later is the same purchase: the one first recorded keeps its time.
    String[] later = args.clone();
    later[6] = "2011-01-11T10:00:00Z";
    CliRun again = run(later);

    assertEquals(0, first.exit(), first.err());
    assertEquals("Recorded: purchase of 85123A by " + shopper + " (request id cli-test-1; resend with --request-id "
        + "cli-test-1 to record it once).\n", first.out());
    assertEquals("Already recorded: purchase of 85123A by " + shopper + " (request id cli-test-1); stored once, at the"
        + " time first recorded.\n", again.out());
    RecommendResponse after = gateway().recommend(RecommendRequest.newBuilder().setUserId(shopper).setLimit(5).build());
    assertFalse(after.getColdStart(), "the purchase made the shopper known");
    assertTrue(after.getItemsList().stream().noneMatch(i -> i.getItem().getItemId().equals("85123A")),
        "a bought item is not recommended as new");
    // The same request id for another item is not a resend: refused, nothing recorded.
    CliRun reused = run("feedback", "--user", shopper, "--item", "22423", "--time", "2011-01-10T10:00:00Z",
        "--request-id", "cli-test-1");
    assertEquals(1, reused.exit());
    assertEquals("glassbox: ALREADY_EXISTS: request_id \"cli-test-1\" was already used for another event of this "
        + "user (purchase of 85123A), which differs in item (\"85123A\" first, \"22423\" now); a resend must repeat "
        + "that event's type, item and order (its time may differ: the first event's time is kept), and a new event "
        + "needs a new id; nothing was stored\n", reused.err());
    // A time as import reads one: a space for the T, an offset +01 (10:05 UTC).
    CliRun click = run("feedback", "--user", shopper, "--item", "22423", "--type", "click", "--time",
        "2011-01-10 11:05:00+01", "--request-id", "cli-test-2", "--order", "cli-order-2");
    assertEquals("Recorded: click of 22423 by " + shopper + " (request id cli-test-2; resend with --request-id "
        + "cli-test-2 to record it once). The model reads purchases only, so recommendations do not change.\n",
        click.out());
    ManagedChannel feature = ClientChannels.forTarget("localhost:" + suite.ports().feature());
    try {
      List<Event> stored = FeatureServiceGrpc.newBlockingStub(feature).getUserHistory(
          GetUserHistoryRequest.newBuilder().setUserId(shopper).build()).getEventsList();
      assertEquals(List.of("85123A", "22423"), stored.stream().map(Event::getItemId).toList(),
          "the purchase and the click, once each");
      assertEquals(List.of("", "cli-order-2"), stored.stream().map(Event::getBasketId).toList(), "--order");
      assertEquals(List.of(Instant.parse("2011-01-10T10:00:00Z").getEpochSecond(),
          Instant.parse("2011-01-10T10:05:00Z").getEpochSecond()),
          stored.stream().map(event -> event.getTime().getSeconds()).toList(), "--time");
    } finally {
      feature.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    CliRun unknownItem = run("feedback", "--user", shopper, "--item", "NO-SUCH-ITEM");
    assertEquals(1, unknownItem.exit());
    assertTrue(unknownItem.err().contains("glassbox: NOT_FOUND: item_id \"NO-SUCH-ITEM\" is not in the catalogue"),
        unknownItem.err());
    CliRun badType = run("feedback", "--user", shopper, "--item", "85123A", "--type", "refund");
    assertEquals(2, badType.exit());
    assertTrue(badType.err().contains("purchase, click, add_to_cart"), badType.err());
    CliRun localTime = run("feedback", "--user", shopper, "--item", "85123A", "--time", "2011-01-10 10:00");
    assertEquals(2, localTime.exit());
    assertTrue(localTime.err().startsWith("Invalid value for option '--time': timestamp has no UTC offset, so its "
        + "moment is unknown: write one, such as 2011-12-09T12:50:00Z (UTC) or 2011-12-09 12:50:00+01:00, got "
        + "'2011-01-10 10:00'"), localTime.err());
  }

  @Test
  void feedback_theAdditionWhyNotFound_givesTheScoreItPredicted() throws Exception {
    // Customer 12348's #15 (LUNCH BAG BLACK SKULL.), and the purchases WhyNot finds that would bring it into the top 10.
    WhyNotResponse whyNot = gateway().whyNot(UserWhyNotRequest.newBuilder()
        .setUserId("12348").setItemId("20727").setLimit(10).build());
    assertTrue(whyNot.hasSmallestAddition(), whyNot.getText());
    List<String> additions = whyNot.getSmallestAddition().getAddItemIdsList();

    // Bought for real, as the most recent purchase (12348's last order was in September 2011).
    for (int i = 0; i < additions.size(); i++) {
      CliRun bought = run("feedback", "--user", "12348", "--item", additions.get(i),
          "--time", "2011-12-09T12:0" + i + ":00Z");
      assertEquals(0, bought.exit(), bought.err());
    }

    ExplainItemResponse after = gateway().explainItem(UserExplainItemRequest.newBuilder()
        .setUserId("12348").setItemId("20727").setLimit(10).build());
    // The score the answer predicted is the one now served (to the last bits: another batch).
    assertEquals(whyNot.getSmallestAddition().getScoreAfter(), after.getScore(), 1e-4);
    assertTrue(after.getRank() <= 10, "in the top 10 now, at #" + after.getRank());
  }

  /** The customer's top {@code limit} items the model ranks (no buy-again places). */
  private static RecommendRequest newItems(int limit) {
    return RecommendRequest.newBuilder().setUserId(CUSTOMER).setBuyAgainSlots(0).setLimit(limit).build();
  }

  private static GatewayGrpc.GatewayBlockingStub gateway() {
    return GatewayGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  /**
   * A shop's interactions with a database's local times: refused, saying how to name their zone;
   * stored as their moments once {@code --time-zone} names it (summer time in June).
   */
  @Test
  void import_localTimes_refusedSayingHowToNameTheZone_thenStoredInTheZoneNamed(@TempDir Path dir) throws Exception {
    String shopper = "zone-" + UUID.randomUUID();
    Path file = Files.writeString(dir.resolve("local.csv"), "user_id,item_id,timestamp\n" + shopper + ",85123A,2011-06-09 12:50:00\n");
    String admin = "localhost:" + suite.ports().featureAdmin();

    CliRun refused = CliRun.of("import", "--target", admin, "--interactions", file.toString());
    CliRun badZone = CliRun.of("import", "--target", admin, "--interactions", file.toString(), "--time-zone", "+01:00");
    CliRun itemsOnly = CliRun.of("import", "--target", admin, "--items", file.toString(), "--time-zone", "UTC");
    CliRun stored = CliRun.of("import", "--target", admin, "--interactions", file.toString(), "--time-zone", "Europe/London");

    assertEquals(1, refused.exit());
    assertTrue(refused.err().contains("line 2: timestamp has no UTC offset, so its moment is unknown")
        && refused.err().endsWith("glassbox import: --time-zone ZONE names it, a tz database name such as Europe/London"
            + " or UTC\n"), refused.err());
    assertEquals(2, badZone.exit());
    assertEquals("glassbox import: --time-zone must be a time zone name such as Europe/London or UTC, got \"+01:00\"\n",
        badZone.err());
    assertEquals(2, itemsOnly.exit());
    assertEquals("glassbox import: --time-zone is for --interactions (items hold no times)\n", itemsOnly.err());
    assertEquals(0, stored.exit(), stored.err());
    ManagedChannel feature = ClientChannels.forTarget("localhost:" + suite.ports().feature());
    try {
      List<Event> events = FeatureServiceGrpc.newBlockingStub(feature).getUserHistory(
          GetUserHistoryRequest.newBuilder().setUserId(shopper).build()).getEventsList();
      assertEquals(List.of(Instant.parse("2011-06-09T11:50:00Z").getEpochSecond()),
          events.stream().map(event -> event.getTime().getSeconds()).toList());
    } finally {
      feature.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /**
   * A gzip file (a data folder's interactions.csv.gz, say) is imported as the CSV it holds: before,
   * the service was sent the compressed bytes and called the file "not valid UTF-8".
   */
  @Test
  void import_gzipFile_isReadAsTheCsvItHolds(@TempDir Path dir) throws Exception {
    String shopper = "gzip-" + UUID.randomUUID();
    Path file = dir.resolve("interactions.csv.gz");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
      out.write(("user_id,item_id,timestamp\n" + shopper + ",85123A,2011-06-09T12:50:00Z\n")
          .getBytes(StandardCharsets.UTF_8));
    }

    CliRun stored = CliRun.of("import", "--target", "localhost:" + suite.ports().featureAdmin(),
        "--interactions", file.toString());

    assertEquals(0, stored.exit(), stored.err());
    assertTrue(stored.out().contains("1 interactions rows, 1 stored"), stored.out());
    // Cut short: said so, nothing stored (it read "Unexpected end of ZLIB input stream").
    byte[] whole = Files.readAllBytes(file);
    Path cut = Files.write(dir.resolve("cut.csv.gz"), Arrays.copyOf(whole, whole.length - 12));
    CliRun truncated = CliRun.of("import", "--target", "localhost:" + suite.ports().featureAdmin(),
        "--interactions", cut.toString());
    assertEquals(1, truncated.exit());
    assertTrue(truncated.err().contains("not a whole gzip file (truncated or damaged); nothing was stored"),
        truncated.err());
  }

  /**
   * Items imported while the suite runs are new to the model: bought together with a shopper's
   * purchase, one gets the last place, shown as placed by rule with its co-purchase count.
   */
  @Test
  void importThenRecommend_anItemTheModelDoesNotKnow_takesTheLastPlaceAsNewInTheShop(@TempDir Path dir)
      throws Exception {
    String shopper = "newcomer-" + UUID.randomUUID();
    NewcomerImport.run(suite, dir, "CLI", shopper);

    CliRun printed = run("recommend", "--user", shopper, "--limit", "10");
    CliRun off = run("recommend", "--user", shopper, "--limit", "10", "--newcomer-slots", "0");

    assertEquals(0, printed.exit(), printed.err());
    assertTrue(printed.out().contains(" 10. CLI LANTERN STAND  [CLI-STAND]  2.10 GBP  new in the shop (unknown to the model;"
        + " placed by rule, not scored)"), printed.out());
    assertTrue(printed.out().contains("note: the last place is an item new in the shop"), printed.out());
    assertTrue(printed.out().contains("It has been bought together with CLI GLASS LANTERN (in 20 orders of up to 100 different"
        + " items), which you bought."),
        printed.out());
    // The lantern is new to the model too: it read the shopper's other purchase alone, and says so.
    assertTrue(printed.out().contains("note: the model does not know 1 item this user bought (it was not trained on"
        + " it), so it did not read those purchases; it read 1 other purchase."), printed.out());
    RecommendResponse answer = json("recommend", RecommendResponse.newBuilder(), "--user", shopper);
    assertEquals(1, answer.getItemsUnknownToModel());
    assertEquals(1, answer.getPurchasesRead());
    // A buyer of the two imported items alone: the model read nothing of their record.
    CliRun buyer = run("recommend", "--user", "CLI-buyer-0", "--limit", "3");
    assertEquals(0, buyer.exit(), buyer.err());
    assertTrue(buyer.out().contains("note: the model knows none of the 2 items this user bought (it was not trained"
        + " on them: imported since, say), so it read nothing of their record and ranks by each item's learnt"
        + " popularity and recent sales; a model trained on the shop's data (bin/glassbox train) reads them."),
        buyer.out());
    assertFalse(buyer.out().contains("note: no purchase of this user"), buyer.out());
    assertEquals(0, off.exit(), off.err());
    assertFalse(off.out().contains("CLI-STAND"), off.out());
    // Asked about directly, it has no model score to explain, and the answer says why.
    CliRun explained = run("explain", "--user", shopper, "--item", "CLI-STAND");
    assertTrue(explained.exit() != 0 && explained.err().contains("NOT_FOUND")
        && explained.err().contains("was trained without it"), explained.err());
  }

  /** Runs one command against the suite's gateway. */
  private static CliRun run(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--target", "localhost:" + suite.ports().gateway(), "--timeout-ms", "30000"));
    return CliRun.of(all.toArray(String[]::new));
  }

  /** The command's {@code --json} output, parsed back into its message. */
  private static <T extends Message> T json(String command, Message.Builder builder, String... args)
      throws Exception {
    List<String> all = new ArrayList<>(List.of(command));
    all.addAll(List.of(args));
    all.add("--json");
    CliRun printed = run(all.toArray(String[]::new));
    assertEquals(0, printed.exit(), printed.err());
    JsonFormat.parser().merge(printed.out(), builder);
    @SuppressWarnings("unchecked")
    T parsed = (T) builder.build();
    return parsed;
  }
}
