package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.api.v1.GatewayGrpc;
import io.glassbox.api.v1.RecommendRequest;
import io.glassbox.api.v1.RecommendResponse;
import io.glassbox.server.RequestIds;
import io.grpc.HandlerRegistry;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerMethodDefinition;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * On a loaded machine connecting alone can take seconds: a command's deadline counts the answer
 * from the connection made, and running out of it is said as such. Before, health's single try
 * had 1 s for both and printed "is DEADLINE_EXCEEDED" for a server that was up. A short timeout is
 * the answer's deadline: connecting waits at least 10 s for it, and no longer than 20 s or health's
 * --wait, so a port that accepts connections and never speaks holds a command for that.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SlowServerTest {
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
  /** Each command waited 20 s to connect; half that leaves a loaded machine time to start its JVM's gRPC. */
  private static final Duration HALF_THE_OLD_WAIT = Duration.ofSeconds(10);
  /** Client commands wait 10 s to connect when their timeout is shorter; 5 s more for a loaded machine. */
  private static final Duration CONNECT_FLOOR_AND_SOME = Duration.ofSeconds(15);

  @TempDir Path dir;
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private Server server;
  private ServerSocket relaying;
  private ServerSocket silent;
  private final List<Socket> held = new CopyOnWriteArrayList<>();
  /** The request id ({@code x-request-id}) of each call {@link #neverAnswering} took, "none" for a call without one. */
  private final List<String> requestIdsTaken = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() throws InterruptedException, IOException {
    for (Socket socket : held) {
      socket.close();
    }
    for (ServerSocket socket : new ServerSocket[] {relaying, silent}) {
      if (socket != null) {
        socket.close();
      }
    }
    if (server != null) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    threads.shutdownNow();
  }

  @Test
  void health_serverAnsweringInOneAndAHalfSeconds_isServingOnASingleTry() throws IOException {
    server = SuiteAnswer.serve(new HealthGrpc.HealthImplBase() {
      @Override
      public void check(HealthCheckRequest request, StreamObserver<HealthCheckResponse> reply) {
        CompletableFuture.delayedExecutor(1500, TimeUnit.MILLISECONDS).execute(() -> {
          reply.onNext(HealthCheckResponse.newBuilder().setStatus(ServingStatus.SERVING).build());
          reply.onCompleted();
        });
      }
    });
    String target = "localhost:" + server.getPort();

    CliRun run = CliRun.of("health", "--target", target);

    assertEquals(0, run.exit(), run.err());
    assertEquals(target + " is SERVING\n", run.out());
  }

  /** 1 s to connect and 1.5 s to answer: each within --timeout-ms 2000, both together not. */
  @Test
  void recommend_slowConnectionAndSlowAnswer_eachWithinTheTimeout_getsItsAnswer() throws IOException {
    CliRun run = recommendThroughSlowConnection(Duration.ofMillis(1500), Duration.ofSeconds(1), "2000");

    assertEquals(0, run.exit(), run.err());
    assertTrue(run.out().contains("\"model_version\": \"answered\""), run.out());
  }

  /**
   * Connecting takes 1.5 s (a loaded machine) and the answer comes at once: --timeout-ms 300 is the
   * answer's deadline, not the connection's. Before, recommend said "no connection to … within 0.3 s:
   * something there accepts connections but does not speak gRPC".
   */
  @Test
  void recommend_connectingSlowerThanTheTimeout_getsItsAnswer() throws IOException {
    CliRun run = recommendThroughSlowConnection(Duration.ZERO, Duration.ofMillis(1500), "300");

    assertEquals(0, run.exit(), run.err());
    assertTrue(run.out().contains("\"model_version\": \"answered\""), run.out());
  }

  /**
   * recommend --json with {@code timeoutMs} through a connection made after {@code connecting}, to
   * a gateway that answers (model version "answered") after {@code answering}.
   */
  private CliRun recommendThroughSlowConnection(Duration answering, Duration connecting, String timeoutMs)
      throws IOException {
    server = SuiteAnswer.serve(new GatewayGrpc.GatewayImplBase() {
      @Override
      public void recommend(RecommendRequest request, StreamObserver<RecommendResponse> reply) {
        CompletableFuture.delayedExecutor(answering.toNanos(), TimeUnit.NANOSECONDS).execute(() -> {
          reply.onNext(RecommendResponse.newBuilder().setModelVersion("answered").build());
          reply.onCompleted();
        });
      }
    });
    int slow = relay(server.getPort(), connecting);
    return CliRun.of("recommend", "--user", "12348", "--json", "--timeout-ms", timeoutMs, "--target", "localhost:" + slow);
  }

  /** A server that takes every call and answers none: health and recommend say they had no answer in time. */
  @Test
  void commands_serverNeverAnswering_sayNoAnswerWithinTheirLimit() throws IOException {
    server = neverAnswering();
    String target = "localhost:" + server.getPort();

    CliRun health = CliRun.of("health", "--target", target);
    CliRun recommend = CliRun.of("recommend", "--user", "12348", "--timeout-ms", "300", "--target", target);

    assertEquals(1, health.exit(), health.err());
    assertEquals("glassbox health: no answer from " + target + " within 5 s: the server is busy or slow.\n", health.err());
    assertEquals(1, recommend.exit(), recommend.err());
    assertEquals(ownDeadlineRanOut(target, "--timeout-ms 300") + sentWith(lastRequestIdTaken()), recommend.err());
  }

  /**
   * A command whose own deadline runs out says the request id it sent, the one the server took, so
   * that the server's log can be searched for the call, as a failure a server answered says the id
   * of its trailers. Before, it said none: the id was the server's own, made when the call came in.
   */
  @Test
  void recommend_ownDeadlineRunsOut_saysTheRequestIdTheServerTook() throws IOException {
    server = neverAnswering();
    String target = "localhost:" + server.getPort();

    CliRun recommend = CliRun.of("recommend", "--user", "12348", "--timeout-ms", "2000", "--target", target);

    assertEquals(1, recommend.exit(), recommend.err());
    String taken = lastRequestIdTaken();
    assertTrue(taken.matches("[0-9a-f-]{36}"), taken);
    assertEquals(ownDeadlineRanOut(target, "--timeout-ms 2000") + sentWith(taken), recommend.err());
  }

  /**
   * feedback whose --timeout-ms runs out with the event sent says so in the CLI's one line, as
   * recommend does, then how to resend (FeedbackResendTest). Before, it printed gRPC's own text
   * ("CallOptions deadline exceeded after 0.000912s. … [closed=[], open=[[…]]]"). 300 ms, not 1:
   * a deadline of 1 ms may run out before the event goes out, and then nothing was stored.
   */
  @Test
  void feedback_timeoutRunsOutWithTheEventSent_saysSoInOneLine() throws IOException {
    server = neverAnswering();
    String target = "localhost:" + server.getPort();

    CliRun feedback = CliRun.of("feedback", "--user", "12348", "--item", "22138", "--timeout-ms", "300",
        "--request-id", "r1", "--target", target);

    assertEquals(1, feedback.exit(), feedback.err());
    assertEquals(ownDeadlineRanOut(target, "--timeout-ms 300") + "glassbox: it may have been stored: it was sent with"
        + " request id r1; resend it with --request-id r1 (and the same --user, --item, --type and --order) and it is"
        + " recorded once.\n", feedback.err());
  }

  /**
   * feedback whose deadline runs out sends its idempotency key as its x-request-id, so that the
   * one id it prints finds the call in the gateway's log too. Before, the server took another id
   * (the CLI's own UUID), which the command never printed: its "request id" found nothing there.
   */
  @Test
  void feedback_ownDeadlineRunsOut_theIdPrintedIsTheRequestIdTheServerTook() throws IOException {
    server = neverAnswering();
    String target = "localhost:" + server.getPort();

    CliRun feedback = CliRun.of("feedback", "--user", "12348", "--item", "22138", "--timeout-ms", "2000",
        "--target", target);

    assertEquals(1, feedback.exit(), feedback.err());
    String taken = lastRequestIdTaken();
    assertEquals(ownDeadlineRanOut(target, "--timeout-ms 2000") + "glassbox: it may have been stored: it was sent with"
        + " request id " + taken + "; resend it with --request-id " + taken + " (and the same --user, --item, --type"
        + " and --order) and it is recorded once.\n", feedback.err());
  }

  /**
   * An idempotency key that is no request id a server takes (a space in it) cannot be the
   * x-request-id: the command names both, the x-request-id as the one the logs list the call under.
   */
  @Test
  void feedback_keyThatIsNoRequestId_ownDeadlineRunsOut_namesBothIds() throws IOException {
    server = neverAnswering();
    String target = "localhost:" + server.getPort();

    CliRun feedback = CliRun.of("feedback", "--user", "12348", "--item", "22138", "--timeout-ms", "2000",
        "--request-id", "order 7 line 2", "--target", target);

    assertEquals(1, feedback.exit(), feedback.err());
    String taken = lastRequestIdTaken();
    assertTrue(taken.matches("[0-9a-f-]{36}"), taken);
    assertEquals(ownDeadlineRanOut(target, "--timeout-ms 2000") + "glassbox: it may have been stored: it was sent with"
        + " request id (idempotency key) order 7 line 2 and x-request-id " + taken + ", under which the suite's logs"
        + " list it; resend it with --request-id order 7 line 2 (and the same --user, --item, --type and --order) and"
        + " it is recorded once.\n", feedback.err());
  }

  /**
   * reload-model whose deadline runs out says the request id it sent, beside where to look for
   * whether the version took effect. Before, it said no id, though one was sent.
   */
  @Test
  void reloadModel_ownDeadlineRunsOut_saysTheRequestIdTheServerTook() throws IOException {
    server = neverAnswering();
    String target = "localhost:" + server.getPort();

    CliRun reload = CliRun.of("reload-model", "--version", "v2", "--timeout-ms", "2000", "--target", target);

    assertEquals(1, reload.exit(), reload.err());
    assertEquals(ownDeadlineRanOut(target, "--timeout-ms 2000") + "glassbox: "
        + ReloadModelCommand.mayHaveTakenEffect(target) + "\n" + sentWith(lastRequestIdTaken()), reload.err());
  }

  /**
   * import whose --timeout-s runs out says the request id its call was sent with. Before, it sent
   * none (the server made its own) and said none.
   */
  @Test
  void import_ownDeadlineRunsOut_saysTheRequestIdTheServerTook() throws IOException {
    server = neverAnswering();
    String target = "localhost:" + server.getPort();
    Path items = Files.writeString(dir.resolve("items.csv"), "item_id,title\nX1,A THING\n");

    CliRun imported = CliRun.of("import", "--items", items.toString(), "--timeout-s", "1", "--target", target);

    assertEquals(1, imported.exit(), imported.err());
    String taken = lastRequestIdTaken();
    assertTrue(taken.matches("[0-9a-f-]{36}"), taken);
    assertTrue(imported.err().startsWith("glassbox import: DEADLINE_EXCEEDED: " + items + " was not imported within"
        + " --timeout-s 1.\n"), imported.err());
    assertTrue(imported.err().endsWith("\nglassbox import: the call was sent with request id " + taken
        + ", under which the suite's logs list it.\n"), imported.err());
  }

  /**
   * Each command's hint names its own timeout option as typed: insights' is --timeout-s. Before,
   * every one said "the command's deadline (its --timeout option)", an option none has.
   */
  @Test
  void insights_serverNeverAnswering_namesItsTimeoutSeconds() throws IOException {
    server = neverAnswering();
    String target = "localhost:" + server.getPort();

    Path users = Files.writeString(dir.resolve("users.csv"), "user_id\n12348\n");
    CliRun insights = CliRun.of("insights", "--users-file", users.toString(), "--users", "1", "--timeout-s", "1",
        "--target", target);

    assertEquals(1, insights.exit(), insights.err());
    assertEquals(ownDeadlineRanOut(target, "--timeout-s 1") + sentWith(lastRequestIdTaken()), insights.err());
  }

  /**
   * load names its --timeout as typed, so the hint can be pasted back. Before, --timeout 1s was
   * said as "--timeout 1000ms".
   */
  @Test
  void load_serverNeverAnswering_namesItsTimeoutAsTyped() throws IOException {
    server = neverAnswering();
    String target = "localhost:" + server.getPort();

    CliRun load = CliRun.of("load", "--rate", "2", "--duration", "1s", "--timeout", "1s", "--report-every", "0s",
        "--target", target,
        "--users", Path.of(System.getProperty("glassbox.repo.root"), UserIds.EMBEDDED).toString());

    assertEquals(1, load.exit(), load.err());
    assertTrue(load.err().endsWith("glassbox load: DEADLINE_EXCEEDED: no answer from " + target + " within --timeout 1s:"
        + " the server is busy or slow; a larger --timeout may do.\n"), load.err());
  }

  /** What a client command prints when its own deadline, {@code option} as typed, ran out calling {@code target}. */
  private static String ownDeadlineRanOut(String target, String option) {
    return "glassbox: DEADLINE_EXCEEDED: no answer from " + target + " within " + option + ": the server is busy or"
        + " slow; a larger " + option.split(" ")[0] + " may do.\n";
  }

  /** How a client command says the request id it sent, {@code id}, when no server answered its call. */
  private static String sentWith(String id) {
    return "glassbox: the call was sent with request id " + id + ", under which the suite's logs list it.\n";
  }

  /**
   * The request id of the last call with one that {@link #neverAnswering} took; waiting up to 5 s
   * for one, since a command whose deadline ran out may end before the server has read its headers.
   */
  private String lastRequestIdTaken() {
    long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (System.nanoTime() < giveUp) {
      List<String> ids = requestIdsTaken.stream().filter(id -> !id.equals("none")).toList();
      if (!ids.isEmpty()) {
        return ids.get(ids.size() - 1);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
    }
    throw new AssertionError("the server took no call with a request id: " + requestIdsTaken);
  }

  /**
   * A gRPC server that takes every call, of any method, and answers none; it keeps each call's
   * request id in {@link #requestIdsTaken}.
   */
  private Server neverAnswering() throws IOException {
    return NettyServerBuilder.forAddress(new InetSocketAddress(LOOPBACK, 0))
        .fallbackHandlerRegistry(new HandlerRegistry() {
          @Override
          public ServerMethodDefinition<?, ?> lookupMethod(String method, String authority) {
            // Any method: its request is never read, so the descriptor's messages do not matter.
            return ServerMethodDefinition.create(HealthGrpc.getCheckMethod(), (call, headers) -> {
              requestIdsTaken.add(Objects.requireNonNullElse(headers.get(RequestIds.HEADER), "none"));
              return new ServerCall.Listener<>() {};   // held: never answered
            });
          }
        }).build().start();
  }

  /**
   * A port that accepts connections and never writes a byte: no gRPC connection is ever made. Each
   * command ends once its wait to connect is over (recommend --timeout-ms 500: 10 s; health: its
   * --wait, 5 s for a single try) and says so; at first, each waited 20 s whatever it was given.
   */
  @Test
  void commands_portThatNeverSpeaks_endWithinTheirOwnTimeout() throws IOException {
    String target = "localhost:" + silentPort();
    String noConnection = "no connection to " + target + " within ";
    String why = ": this machine or the network is very slow, or something there accepts connections but does not"
        + " speak gRPC.\n";

    long started = System.nanoTime();
    CliRun recommend = CliRun.of("recommend", "--user", "12348", "--timeout-ms", "500", "--target", target);
    Duration recommendTook = Duration.ofNanos(System.nanoTime() - started);
    started = System.nanoTime();
    CliRun waited = CliRun.of("health", "--wait", "2s", "--target", target);
    Duration waitedTook = Duration.ofNanos(System.nanoTime() - started);
    started = System.nanoTime();
    CliRun once = CliRun.of("health", "--target", target);
    Duration onceTook = Duration.ofNanos(System.nanoTime() - started);

    assertEquals(1, recommend.exit(), recommend.err());
    assertEquals("glassbox: " + noConnection + "10 s" + why, recommend.err());
    assertTrue(recommendTook.compareTo(CONNECT_FLOOR_AND_SOME) < 0, recommendTook.toString());
    assertEquals(1, waited.exit(), waited.err());
    assertTrue(waited.err().startsWith("glassbox health: " + noConnection) && waited.err().endsWith(why), waited.err());
    assertTrue(waitedTook.compareTo(HALF_THE_OLD_WAIT) < 0, waitedTook.toString());
    assertEquals(1, once.exit(), once.err());
    assertTrue(once.err().startsWith("glassbox health: " + noConnection) && once.err().endsWith(why), once.err());
    assertTrue(onceTook.compareTo(HALF_THE_OLD_WAIT) < 0, onceTook.toString());
  }

  /**
   * A port that hangs up on gRPC and says nothing to a TLS handshake: the command asks it whether
   * it speaks TLS (for the hint) no longer than what is left of its --timeout-ms 300, so it ends
   * well within the 5 s that asking took before, whatever the command's timeout. Timed on a second
   * run: the first in this JVM pays for loading gRPC and TLS, seconds on a loaded machine.
   */
  @Test
  void recommend_serverHangingUpOnGrpcSilentToTls_endsWithinItsOwnTimeoutNotTheProbesFiveSeconds()
      throws IOException {
    String target = "localhost:" + hangingUpOnGrpcPort();
    CliRun.of("recommend", "--user", "12348", "--timeout-ms", "300", "--target", target);

    long started = System.nanoTime();
    CliRun recommend = CliRun.of("recommend", "--user", "12348", "--timeout-ms", "300", "--target", target);
    Duration took = Duration.ofNanos(System.nanoTime() - started);

    assertEquals(1, recommend.exit(), recommend.err());
    assertTrue(recommend.err().startsWith("glassbox: UNAVAILABLE: "), recommend.err());
    assertTrue(took.compareTo(Duration.ofMillis(2500)) < 0, took.toString());   // 5.3 s and more before
  }

  /**
   * health --wait 10ms at a port that never speaks says it had no connection within 10 ms. Before,
   * it said "within 0 s": what was left of the wait when it began connecting, rounded.
   */
  @Test
  void health_shortWait_saysTheWaitGiven() throws IOException {
    String target = "localhost:" + silentPort();

    CliRun run = CliRun.of("health", "--wait", "10ms", "--target", target);

    assertEquals(1, run.exit(), run.err());
    assertEquals("glassbox health: no connection to " + target + " within 10 ms: this machine or the network is"
        + " very slow, or something there accepts connections but does not speak gRPC.\n", run.err());
  }

  /**
   * bench and import at a port that never speaks: they say there is no connection once their wait
   * to connect is over (10 s for these timeouts). Before, they never connected first: bench waited
   * out each call's deadline (100 warm-up and 500 calls of 5 s each by default) and import its
   * --timeout-s (600 s), each then saying DEADLINE_EXCEEDED.
   */
  @Test
  void benchAndImport_portThatNeverSpeaks_sayNoConnection() throws IOException {
    String target = "localhost:" + silentPort();
    Path items = Files.writeString(dir.resolve("items.csv"), "item_id,title\nX1,A THING\n");
    String noConnection = "no connection to " + target + " within 10 s: this machine or the network is very slow,"
        + " or something there accepts connections but does not speak gRPC.\n";

    CliRun bench = CliRun.of("bench", "--requests", "1", "--warmup", "0", "--timeout-ms", "500", "--target", target,
        "--users", Path.of(System.getProperty("glassbox.repo.root"), UserIds.EMBEDDED).toString());
    CliRun imported = CliRun.of("import", "--items", items.toString(), "--timeout-s", "1", "--target", target);

    assertEquals(1, bench.exit(), bench.err());
    assertEquals("glassbox bench: " + noConnection, bench.err());
    assertEquals(1, imported.exit(), imported.err());
    assertEquals("glassbox import: " + noConnection, imported.err());
  }

  /**
   * load at a port that never speaks says there is no connection once its wait to connect is over,
   * as bench does. Before, it never connected first: it sent every call of its schedule into the
   * silence, each waiting out its deadline, and then printed a summary of DEADLINE_EXCEEDED calls.
   */
  @Test
  void load_portThatNeverSpeaks_saysNoConnection() throws IOException {
    String target = "localhost:" + silentPort();

    CliRun load = CliRun.of("load", "--rate", "2", "--duration", "1s", "--timeout", "500ms", "--report-every", "0s",
        "--target", target,
        "--users", Path.of(System.getProperty("glassbox.repo.root"), UserIds.EMBEDDED).toString());

    assertEquals(1, load.exit(), load.err());
    assertEquals("glassbox load: no connection to " + target + " within 10 s: this machine or the network is very"
        + " slow, or something there accepts connections but does not speak gRPC.\n", load.err());
    assertEquals("", load.out());
  }

  /** A loopback port whose connections reach {@code port} only after {@code delay}: a slow connect. */
  private int relay(int port, Duration delay) throws IOException {
    relaying = new ServerSocket(0, 50, LOOPBACK);
    threads.execute(() -> {
      try {
        while (true) {
          Socket client = relaying.accept();
          threads.execute(() -> {
            try (client; Socket upstream = connectAfter(delay, port)) {
              threads.execute(() -> copy(upstream, client));
              copy(client, upstream);
            } catch (IOException | InterruptedException e) {
              // the test ended: its server or the client closed
            }
          });
        }
      } catch (IOException e) {
        // closed: the test ended
      }
    });
    return relaying.getLocalPort();
  }

  /** A loopback port that accepts connections, holds them open, and never writes. */
  private int silentPort() throws IOException {
    silent = new ServerSocket(0, 50, LOOPBACK);
    threads.execute(() -> {
      try {
        while (true) {
          held.add(silent.accept());   // kept open until the test ends
        }
      } catch (IOException e) {
        // closed: the test ended
      }
    });
    return silent.getLocalPort();
  }

  /**
   * A loopback port that never writes: it closes a connection whose first byte is that of the
   * HTTP/2 preface ("PRI * HTTP/2.0", what a gRPC client sends first), and holds any other open.
   */
  private int hangingUpOnGrpcPort() throws IOException {
    silent = new ServerSocket(0, 50, LOOPBACK);
    threads.execute(() -> {
      try {
        while (true) {
          Socket client = silent.accept();
          held.add(client);   // kept open until the test ends, or closed below
          threads.execute(() -> {
            try {
              if (client.getInputStream().read() == 'P') {
                client.close();
              }
            } catch (IOException e) {
              // closed: the test ended
            }
          });
        }
      } catch (IOException e) {
        // closed: the test ended
      }
    });
    return silent.getLocalPort();
  }

  private static Socket connectAfter(Duration delay, int port) throws IOException, InterruptedException {
    TimeUnit.NANOSECONDS.sleep(delay.toNanos());   // the slowness being imitated, not a wait for a condition
    return new Socket(LOOPBACK, port);
  }

  private static void copy(Socket from, Socket to) {
    try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
      in.transferTo(out);
    } catch (IOException e) {
      // one side closed: the call is over
    }
  }
}
