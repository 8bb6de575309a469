package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code up --store redis} says when its Redis cannot be reached. The command it prints is
 * run as printed by .ci/smoke (a Redis on the port of GLASSBOX_REDIS_URI answers PING after it).
 */
class UpRedisAdviceTest {
  @TempDir Path dir;
  /** A folder on PATH with a redis-server in it; {@link #empty}, one without. */
  private Path installed;
  private Path empty;

  @BeforeEach
  void installRedisServer() throws IOException {
    installed = Files.createDirectory(dir.resolve("installed"));
    empty = Files.createDirectory(dir.resolve("empty"));
    Files.setPosixFilePermissions(Files.writeString(installed.resolve("redis-server"), "#!/bin/sh\n"),
        PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  @Test
  void redisServerNotOnPath_saysToInstallItAndWhichPackage_beforeTheCommand() {
    String path = empty + File.pathSeparator + installed.resolve("not-a-folder");
    assertEquals("redis-server is not installed here (not on PATH): install it first (on Debian or Ubuntu:"
            + " sudo apt-get install redis-server).\n"
            + "Start Redis first, durable (every acknowledged event synced to disk):",
        String.join("\n", UpCommand.redisAdvice(URI.create("redis://localhost:6379"), path).lines().toList().subList(0, 2)));
  }

  @Test
  void redisOnThisMachine_theCommandStartsOneDurable_inAFolderItMakesFirst() {
    assertEquals("Start Redis first, durable (every acknowledged event synced to disk):\n"
            + "  mkdir -p ~/glassbox-redis && redis-server --appendonly yes --appendfsync always --dir ~/glassbox-redis"
            + " --daemonize yes\n"
            + "or point GLASSBOX_REDIS_URI at yours (e.g. redis://localhost:6379/0).",
        UpCommand.redisAdvice(URI.create("redis://localhost:6379"), empty + File.pathSeparator + installed));
  }

  @Test
  void redisOnThisMachineOnAnotherPort_theCommandStartsItOnThatPort() {
    assertEquals("  mkdir -p ~/glassbox-redis && redis-server --port 6390 --appendonly yes --appendfsync always"
            + " --dir ~/glassbox-redis --daemonize yes",
        UpCommand.redisAdvice(URI.create("redis://127.0.0.1:6390/2"), installed.toString()).lines().toList().get(1));
  }

  @Test
  void redisElsewhereOrWithAPasswordOrTls_noCommandThatWouldStartTheWrongOne() {
    String check = "Check that Redis at %s is up and reachable from here, or point GLASSBOX_REDIS_URI at yours.";
    assertEquals(check.formatted("redis.internal:6379"),
        UpCommand.redisAdvice(URI.create("redis://redis.internal:6379")));
    assertEquals(check.formatted("localhost:6379"),
        UpCommand.redisAdvice(URI.create("redis://app:secret@localhost:6379")));
    assertEquals(check.formatted("localhost:6380"), UpCommand.redisAdvice(URI.create("rediss://localhost:6380")));
  }
}
