package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.server.ConfigSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/glassbox train} with the real trainer (Debian's Python and PyTorch, as .ci/run
 * installs them) on a shop's files in the import format, and what it says when it cannot start.
 */
class TrainCommandTest {
  private static final Path TRAINER = Path.of(System.getProperty("glassbox.repo.root"), "trainer");

  /** The command run with its Python and trainer folder set, the trainer's output in {@code trainerLog}. */
  private static CliRun train(String python, Path trainerLog, String... args) {
    TrainCommand command = new TrainCommand();
    command.python = python;
    command.trainerDir = TRAINER;
    // Not this JVM's own stdout: Surefire reads its forked JVM's.
    command.trainerOutput = ProcessBuilder.Redirect.to(trainerLog.toFile());
    return CliRun.ofCommand(command, args);
  }

  @Test
  void importFiles_trainIntoAVersionFolder_andTheCommandSaysHowToServeIt(@TempDir Path dir) throws IOException {
    Path shop = smallShop(dir.resolve("my-shop"));
    Path models = dir.resolve("my-models");

    Path log = dir.resolve("trainer.log");
    CliRun run = train(TrainCommand.DEBIAN_PYTHON, log, "--data", shop.toString(), "--models-dir", models.toString(),
        "--runs-dir", dir.resolve("runs").toString(), "--epochs", "1", "--no-terms", "--time-zone", "Europe/London",
        "--", "--dim", "8", "--layers", "1", "--sampled-negatives", "5");

    assertEquals(0, run.exit(), run.err() + Files.readString(log));
    assertTrue(Files.readString(log).contains("left out 40 click events"), Files.readString(log));
    Matcher served = Pattern.compile("glassbox train: model my-shop version (\\d{8}-\\d{6}) is in "
        + Pattern.quote(models.resolve("my-shop").toString()) + "/\\1 .*\n"
        + "Serve it: GLASSBOX_DATA_DIR=" + Pattern.quote(shop.toString())
        + " GLASSBOX_DATA_TIME_ZONE=Europe/London GLASSBOX_MODEL_DIR="
        + Pattern.quote(models.toString()) + " GLASSBOX_MODEL_NAME=my-shop bin/glassbox up\n"
        + "A suite already serving that data and model folder takes it with: bin/glassbox reload-model --version \\1"
        // Without it, on a suite on other ports the pasted command reloaded another suite's model.
        + " \\(add --target localhost:PORT, or set GLASSBOX_MODEL_ADMIN_TARGET=localhost:PORT, when up was given"
        + " --model-admin-port PORT\\)\n"
        // Five of the shop's customers (up finds them itself; a container's gateway is told).
        + "Customers to try \\(in containers, the viewer's GLASSBOX_VIEWER_EXAMPLE_USERS; deploy/README.md, "
        + "\"Your own shop\"\\): u\\d+(,u\\d+){4}\n")
        .matcher(run.out());
    assertTrue(served.find(), run.out());
    try (Stream<Path> files = Files.list(models.resolve("my-shop").resolve(served.group(1)))) {
      assertTrue(files.map(file -> file.getFileName().toString()).toList()
          .containsAll(List.of("model.onnx", "metadata.json", "vocabulary.tsv")));
    }
  }

  /**
   * The zone the command settled on reaches both trainer runs, an empty one too: left out, the
   * trainer would read GLASSBOX_DATA_TIME_ZONE, which an empty {@code --time-zone} overrules.
   */
  @Test
  void timeZone_isNamedToEveryTrainerRun_evenWhenEmpty(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("items.csv"), "item_id,title\nA,Mug\n");
    Files.writeString(dir.resolve("interactions.csv"), "user_id,item_id,timestamp\nu,A,100\n");
    // A Python that records its arguments, one run per line, and succeeds.
    Path calls = dir.resolve("calls.txt");
    Path python = Files.writeString(dir.resolve("python"), "#!/bin/sh\necho \"$*\" >> " + calls + "\n");
    python.toFile().setExecutable(true);

    CliRun run = train(python.toString(), dir.resolve("trainer.log"), "--data", dir.toString(), "--name", "shop",
        "--models-dir", dir.resolve("models").toString(), "--runs-dir", dir.resolve("runs").toString(),
        "--time-zone", "");

    assertEquals(0, run.exit(), run.err());
    List<String> trainerRuns = Files.readAllLines(calls).stream().filter(line -> line.startsWith("-m ")).toList();
    assertEquals(2, trainerRuns.size(), String.valueOf(trainerRuns));
    for (String trainerRun : trainerRuns) {
      assertTrue(trainerRun.contains(" --time-zone  ") || trainerRun.endsWith(" --time-zone "), trainerRun);
    }
  }

  /**
   * The lines to paste run in the folder train was called from, as up's "Try:" line does: there
   * the folders named are found, and bin/glassbox is said by the path that reaches it from there.
   */
  @Test
  void calledFromOutsideTheInstallation_theServeLinesNameBinGlassboxByItsAbsolutePath(@TempDir Path dir)
      throws IOException {
    Path shop = Files.createDirectory(dir.resolve("my shop"));
    Files.writeString(shop.resolve("items.csv"), "item_id,title\nA,Mug\n");
    Files.writeString(shop.resolve("interactions.csv"), "user_id,item_id,timestamp\nu,A,100\n");
    Path python = Files.writeString(dir.resolve("python"), "#!/bin/sh\nexit 0\n");
    python.toFile().setExecutable(true);
    Path installation = dir.resolve("glassbox");
    TrainCommand command = new TrainCommand();
    command.python = python.toString();
    command.trainerDir = TRAINER;
    command.trainerOutput = ProcessBuilder.Redirect.DISCARD;
    command.settings = () -> ConfigSource.of(Map.of(ConfigSource.HOME_KEY, installation.toString()));

    CliRun run = CliRun.ofCommand(command, "--data", shop.toString(), "--name", "shop", "--models-dir",
        dir.resolve("models").toString(), "--runs-dir", dir.resolve("runs").toString(), "--time-zone", "");

    assertEquals(0, run.exit(), run.err());
    String launcher = installation.resolve("bin").resolve("glassbox").toString();
    assertTrue(run.out().contains("\nServe it: GLASSBOX_DATA_DIR='" + shop + "' GLASSBOX_MODEL_DIR=" + dir.resolve("models")
        + " GLASSBOX_MODEL_NAME=shop " + launcher + " up\n"), run.out());
    assertTrue(run.out().contains(" takes it with: " + launcher + " reload-model --version "), run.out());
  }

  @Test
  void whatStopsIt_isSaidInOneLine(@TempDir Path dir) throws IOException {
    Path log = dir.resolve("trainer.log");
    CliRun noFiles = train(TrainCommand.DEBIAN_PYTHON, log, "--data", dir.toString());
    assertEquals(1, noFiles.exit());
    assertEquals("glassbox train: no items.csv (or items.csv.gz) in " + dir
        + "; put the files you import there under these names.\n", noFiles.err());

    Files.writeString(dir.resolve("items.csv"), "item_id,title\nA,Mug\n");
    Files.writeString(dir.resolve("interactions.csv"), "user_id,item_id,timestamp\nu,A,100\n");
    CliRun noTorch = train("/bin/false", log, "--data", dir.toString(), "--name", "shop");
    assertEquals(1, noTorch.exit());
    assertEquals("glassbox train: the trainer needs Python with PyTorch, ONNX and NumPy at /bin/false: apt-get"
        + " install python3-torch python3-onnx python3-numpy libopenblas0-pthread.\n", noTorch.err());

    CliRun badName = train(TrainCommand.DEBIAN_PYTHON, log, "--data", dir.toString(), "--name", "../elsewhere");
    assertEquals(1, badName.exit());
    assertTrue(badName.err().startsWith("glassbox train: the model name must be"), badName.err());

    CliRun badZone = train(TrainCommand.DEBIAN_PYTHON, log, "--data", dir.toString(), "--time-zone", "+01:00");
    assertEquals(1, badZone.exit());
    assertEquals("glassbox train: --time-zone must be a time zone name such as Europe/London or UTC, got \"+01:00\".\n",
        badZone.err());
  }

  /**
   * A trainer run that ends without a reason is said to: stopped by a signal (the terms stage
   * killed after 14 silent minutes once said "its output above says why" and gave no serve line)
   * or exited with nothing on its standard error; one that gave a reason is quoted.
   */
  @Test
  void aTrainerStoppedWithoutAReason_isSaidToBe_andTheModelWithoutTermsIsStillOffered(@TempDir Path dir)
      throws IOException {
    Files.writeString(dir.resolve("items.csv"), "item_id,title\nA,Mug\n");
    Files.writeString(dir.resolve("interactions.csv"), "user_id,item_id,timestamp\nu,A,100\n");
    Path runs = dir.resolve("runs");
    String[] args = {"--data", dir.toString(), "--name", "shop", "--models-dir", dir.resolve("models").toString(),
        "--runs-dir", runs.toString(), "--time-zone", "UTC"};

    CliRun silent = train(fakePython(dir, "*\" train \"*) exit 1 ;;"), dir.resolve("trainer.log"), args);
    assertEquals(1, silent.exit());
    Matcher said = Pattern.compile("glassbox train: the trainer exited 1 during training without saying why: see "
        + Pattern.quote(runs.resolve("shop").toString()) + "/\\d{8}-\\d{6}/train/train\\.log\\.\n").matcher(silent.err());
    assertTrue(said.find(), silent.err());

    CliRun refused = train(fakePython(dir, "*\" train \"*) echo 'shop: no purchases to learn from' >&2; exit 1 ;;"),
        dir.resolve("trainer.log"), args);
    assertEquals(1, refused.exit());
    assertTrue(refused.err().endsWith("shop: no purchases to learn from\nglassbox train: the trainer stopped during"
        + " training (exit status 1): shop: no purchases to learn from.\n"), refused.err());

    CliRun killed = train(fakePython(dir, "*\" evaluate \"*) kill -TERM $$ ;;"), dir.resolve("trainer.log"), args);
    assertEquals(1, killed.exit());
    assertTrue(killed.err().startsWith("glassbox train: the trainer was stopped by signal 15 (SIGTERM) during fitting"
        + " the terms. The model in " + dir.resolve("models").resolve("shop")), killed.err());
    assertTrue(killed.err().endsWith(" is served without them.\n"), killed.err());
    assertTrue(killed.out().contains("Serve it: ") && killed.out().contains("bin/glassbox reload-model --version "),
        killed.out());
  }

  /**
   * The tester's report: {@code kill PID} (a CI timeout, a SIGTERM) on {@code bin/glassbox train}
   * ended its JVM and left the Python trainer running, orphaned. The real command in a JVM of its
   * own, on training long enough not to end by itself, is sent a SIGTERM once the trainer runs:
   * every process it started ends, and the command says so.
   */
  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void sigterm_stopsTheTrainerWithTheCommand_andSaysSo(@TempDir Path dir) throws Exception {
    String output = stoppedWhileTraining(dir, Process::destroy);

    assertTrue(output.contains("glassbox train: stopped during training; the trainer (process "), output);
  }

  /**
   * A {@code kill -9} runs none of the JVM's hooks: the trainer notices that its parent is gone
   * (what it then says goes to a pipe that nobody reads any more).
   */
  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void sigkill_theTrainerStopsItself(@TempDir Path dir) throws Exception {
    stoppedWhileTraining(dir, Process::destroyForcibly);
  }

  /**
   * The real train command in a JVM of its own, on training long enough not to end by itself,
   * stopped by {@code stop} once the trainer runs; every process it had started is awaited to
   * end, then what it printed is returned.
   */
  private static String stoppedWhileTraining(Path dir, Consumer<Process> stop) throws Exception {
    Path shop = smallShop(dir.resolve("my-shop"));
    List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), GlassboxCli.class.getName(), "train", "--data", shop.toString(),
        "--models-dir", dir.resolve("models").toString(), "--runs-dir", dir.resolve("runs").toString(),
        "--epochs", "100000", "--no-terms", "--time-zone", "UTC",
        "--", "--dim", "8", "--layers", "1", "--sampled-negatives", "5", "--patience", "100000");
    Path output = dir.resolve("output.txt");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(output.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE);
    builder.environment().keySet().removeIf(name -> name.startsWith("GLASSBOX_"));
    builder.environment().put(ConfigSource.HOME_KEY, System.getProperty("glassbox.repo.root"));
    Process train = builder.start();
    List<ProcessHandle> started = List.of();
    try {
      while (started.stream().noneMatch(TrainCommandTest::isTrainer)) {
        assertTrue(train.isAlive(), () -> read(output));
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50)); // a poll interval
        started = train.descendants().toList();
      }

      stop.accept(train);

      assertTrue(train.waitFor(30, TimeUnit.SECONDS), () -> read(output));
      for (ProcessHandle process : started) {
        // Reparented once the JVM is gone, so awaited here by handle, not as its descendant; up to a
        // minute, as a trainer still importing torch on a loaded machine looks at its parent only after.
        assertFalse(process.onExit().completeOnTimeout(process, 60, TimeUnit.SECONDS).join().isAlive(),
            process + " " + process.info().commandLine().orElse("") + " is still running");
      }
      return read(output);
    } finally {
      train.destroyForcibly();
      started.forEach(ProcessHandle::destroyForcibly);
    }
  }

  private static boolean isTrainer(ProcessHandle process) {
    return process.info().commandLine().orElse("").contains("glassbox_trainer");
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A shop's files in the import format in {@code shop}: 30 mugs, 40 customers of 4 orders each
   * (the last two held out, the first two a pair to learn from), in local times (as a database
   * writes them, in the zone --time-zone names), with basket_id, and a click each.
   */
  private static Path smallShop(Path shop) throws IOException {
    Files.createDirectories(shop);
    StringBuilder items = new StringBuilder("item_id,title\n");
    for (int item = 0; item < 30; item++) {
      items.append("I").append(item).append(",Mug number ").append(item).append('\n');
    }
    Files.writeString(shop.resolve("items.csv"), items);
    StringBuilder rows = new StringBuilder("user_id,item_id,timestamp,event,basket_id\n");
    for (int user = 0; user < 40; user++) {
      for (int order = 0; order < 4; order++) {
        String when = "2011-0" + (order + 1) + "-1" + (user % 10) + " 10:00:00";
        rows.append("u").append(user).append(",I").append((user + order) % 30).append(',').append(when)
            .append(",,o").append(user).append('-').append(order).append('\n');
      }
      rows.append("u").append(user).append(",I0,2011-05-01T10:00:00Z,click,\n");
    }
    Files.writeString(shop.resolve("interactions.csv"), rows);
    return shop;
  }

  /** A Python that succeeds except where {@code caseArm} (a shell case arm on its arguments) says. */
  private static String fakePython(Path dir, String caseArm) throws IOException {
    Path python = Files.writeString(dir.resolve("python"), "#!/bin/sh\ncase \" $* \" in\n  " + caseArm + "\nesac\n");
    python.toFile().setExecutable(true);
    return python.toString();
  }
}
