package io.glassbox.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * A real {@code redis-server} for tests: a free loopback port, a temporary directory, and the
 * durable settings the feature service's README asks for (AOF, fsync on every write; no RDB
 * snapshots), so that {@link #kill()} (a SIGKILL, like a crash) followed by {@link #start()} shows
 * what an acknowledged write survives. {@link #close()} kills it and removes its directory; a start
 * that fails leaves neither behind. Shared with other modules' tests (test-jar).
 */
public final class RedisServer implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

  private final Path dir;
  private final int port;
  /** What {@code --requirepass} asks for, or null for a server without a password. */
  private final String password;
  private Process process;

  private RedisServer(Path dir, int port, String password) {
    this.dir = dir;
    this.port = port;
    this.password = password;
  }

  /** Starts a fresh server with an empty data directory. */
  public static RedisServer startFresh() {
    return start(null);
  }

  /** Starts a fresh server that asks every connection for {@code password} ({@code --requirepass}). */
  public static RedisServer startWithPassword(String password) {
    return start(password);
  }

  private static RedisServer start(String password) {
    try {
      RedisServer server = new RedisServer(Files.createTempDirectory("glassbox-redis-"), freePort(), password);
      try {
        server.start();
      } catch (RuntimeException e) {
        server.close(); // its directory; start() killed the process
        throw e;
      }
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /**
   * Starts (or restarts) the server on the same port and directory; returns once it answers PING.
   * One that does not answer in time is killed before the start fails.
   */
  public void start() {
    List<String> command = new ArrayList<>(List.of("redis-server",
        "--port", String.valueOf(port), "--bind", "127.0.0.1", "--dir", dir.toString(),
        "--appendonly", "yes", "--appendfsync", "always", "--save", "",
        "--daemonize", "no", "--loglevel", "warning"));
    if (password != null) {
      command.addAll(List.of("--requirepass", password));
    }
    try {
      process = new ProcessBuilder(command)
          .redirectErrorStream(true)
          .redirectOutput(dir.resolve("redis.log").toFile())
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException("redis-server cannot be started (apt-get install redis-server): "
          + e.getMessage(), e);
    }
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (true) {
      try (Jedis jedis = new Jedis("127.0.0.1", port, 200)) {
        if (password != null) {
          jedis.auth(password); // a plain PING would get NOAUTH
        }
        if ("PONG".equals(jedis.ping())) {
          return;
        }
      } catch (JedisConnectionException | JedisDataException notYet) {
        // Not listening yet, or still replaying its append-only file (LOADING).
        if (!process.isAlive() || System.nanoTime() > deadline) {
          kill();
          throw new IllegalStateException("redis-server did not start on port " + port + "; see "
              + dir.resolve("redis.log"), notYet);
        }
        // Poll the condition at a gentle pace rather than spin on a small shared machine.
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
      }
    }
  }

  /** Kills the server as a crash would (SIGKILL, no chance to save); data is only what the AOF has. */
  public void kill() {
    if (process == null) {
      return; // never started: redis-server could not be run
    }
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Kills the server (SIGKILL) and starts an empty one on the same port, as a Redis whose data
   * directory was lost or changed: its append-only file is deleted first.
   */
  public void restartEmpty() {
    kill();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).filter(path -> !path.equals(dir)).forEach(path -> path.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    start();
  }

  /**
   * Freezes the server as a hung one (SIGSTOP): the kernel still accepts connections into its
   * backlog, but nothing answers until {@link #resume()}.
   */
  public void pause() {
    signal("STOP");
  }

  /** Lets a {@link #pause() paused} server run on (SIGCONT); it answers what was sent meanwhile. */
  public void resume() {
    signal("CONT");
  }

  private void signal(String name) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).inheritIO().start();
      if (kill.waitFor() != 0) {
        throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while signalling redis-server", e);
    }
  }

  public int port() {
    return port;
  }

  public URI uri() {
    return URI.create("redis://127.0.0.1:" + port);
  }

  /** A direct connection for a test to look at or clear the data; close it after use. */
  public Jedis connect() {
    Jedis jedis = new Jedis("127.0.0.1", port, 2000);
    if (password != null) {
      jedis.auth(password);
    }
    return jedis;
  }

  public void flushAll() {
    try (Jedis jedis = connect()) {
      jedis.flushAll();
    }
  }

  @Override
  public void close() {
    kill();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
