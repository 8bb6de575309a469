package io.glassbox.launcher;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * The processes a command starts, stopped with its JVM. A SIGTERM ({@code kill PID}, a CI
 * timeout) or a SIGINT ends the JVM through its shutdown hooks, which leave its children running:
 * a stopped {@code bin/glassbox train} left its Python trainer training, orphaned. Here each
 * process still running then, with its own children, is sent a SIGTERM and, after {@link #GRACE},
 * a SIGKILL, and the command says what it stopped. A SIGKILL of the JVM runs no hook: the
 * trainer is given {@code --parent-pid} and stops itself.
 */
final class ChildProcesses implements AutoCloseable {
  /** How long a process is given to end on a SIGTERM before it is killed. */
  static final Duration GRACE = Duration.ofSeconds(3);

  private final String command;
  private final String child;
  private final Thread hook = new Thread(this::stopAll, "glassbox-stop-children");
  private final List<Started> started = new ArrayList<>();
  private boolean stopping;

  /**
   * Stops what {@code command} (its name, as it starts its lines) starts, {@code child} (what it
   * calls them), when its JVM stops, until closed.
   */
  ChildProcesses(String command, String child) {
    this.command = command;
    this.child = child;
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /**
   * Starts {@code builder}'s process for {@code stage} (what it is said to have been doing when
   * stopped); refused once the JVM is stopping, as a process that cannot start.
   */
  synchronized Process start(ProcessBuilder builder, String stage) throws IOException {
    if (stopping) {
      throw new IOException(command + " is stopping");
    }
    Process process = builder.start();
    started.add(new Started(process, stage));
    return process;
  }

  @Override
  public void close() {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // The hook runs (or ran).
    }
  }

  private void stopAll() {
    List<Started> running;
    synchronized (this) {
      stopping = true;
      running = started.stream().filter(run -> run.process().isAlive()).toList();
    }
    // Its children taken before it ends: they are then another parent's.
    List<ProcessHandle> family = running.stream()
        .flatMap(run -> Stream.concat(Stream.of(run.process().toHandle()), run.process().descendants())).toList();
    family.forEach(ProcessHandle::destroy);
    long deadline = System.nanoTime() + GRACE.toNanos();
    for (ProcessHandle process : family) {
      try {
        process.onExit().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (TimeoutException | ExecutionException | InterruptedException stillRunning) {
        process.destroyForcibly();
      }
    }
    for (Started run : running) {
      System.err.printf("%n%s: stopped during %s; %s (process %d) was stopped with it, and its children.%n",
          command, run.stage(), child, run.process().pid());
    }
  }

  private record Started(Process process, String stage) {
  }
}
