package io.glassbox.launcher;

import io.glassbox.feature.FeatureConfig;
import io.glassbox.feature.LocalTimeZone;
import io.glassbox.gateway.viewer.ViewerConfig;
import io.glassbox.model.ModelConfig;
import io.glassbox.server.ConfigSource;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Trains a model on a data folder with the shipped model's settings, then fits its recent-sales
 * and title terms on validation: the trainer's {@code train} and {@code evaluate --write-trend}
 * (trainer/README.md), run with Debian's Python from the installation's {@code trainer/}, in the
 * caller's folder. Writes the version folder the model service loads and says how to serve it.
 */
@Command(name = "train",
    description = "Train a model on a data folder (your shop's items.csv and interactions.csv, the files import "
        + "takes), fit its recent-sales and title terms, and write a version folder the suite serves.")
final class TrainCommand implements Callable<Integer> {
  /** The trainer's Python: Debian's, with python3-torch (DESIGN.md, section 6). */
  static final String DEBIAN_PYTHON = "/usr/bin/python3";
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private static final DateTimeFormatter VERSION = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");
  /** Epochs without gain on validation before training stops. */
  private static final String PATIENCE = "5";
  /** The shipped model's settings (trainer/README.md, the command that trained it). */
  private static final List<String> SHIPPED_SETTINGS =
      List.of("--negatives", "1024", "--dropout", "0.4", "--patience", PATIENCE);

  @Option(names = "--data", required = true,
      description = "Data folder with items.csv and interactions.csv (or .csv.gz): the files import takes. Only"
          + " these files are read, not rows imported into a running suite: add those to the files to train on them.")
  Path data;

  @Option(names = "--name", description = "Model name, and GLASSBOX_MODEL_NAME to serve it (default: the data folder's name).")
  String name;

  @Option(names = "--models-dir", defaultValue = "models",
      description = "Where the version folder goes, <models-dir>/<name>/<version> (default ${DEFAULT-VALUE}).")
  Path modelsDir;

  @Option(names = "--runs-dir", defaultValue = "runs",
      description = "Where the trainer's logs and metrics go, <runs-dir>/<name>/<version> (default ${DEFAULT-VALUE}).")
  Path runsDir;

  @Option(names = "--epochs", defaultValue = "30",
      description = "Most epochs; training stops earlier after " + PATIENCE
          + " without gain on validation (default ${DEFAULT-VALUE}).")
  int epochs;

  @Option(names = "--time-zone", paramLabel = "ZONE",
      description = "The time zone of the data's times without a UTC offset, a tz database name such as Europe/London"
          + " (default: " + LocalTimeZone.DATA_FOLDER_SETTING + ", which up reads for the same folder).")
  String timeZone;

  @Option(names = "--no-terms", description = "Skip fitting the recent-sales and title terms (no \"Popular lately\" reasons).")
  boolean noTerms;

  @Parameters(paramLabel = "TRAINER_OPTION",
      description = "More options for the trainer's train command, after --, e.g. -- --dim 32 (trainer/README.md).")
  List<String> trainerOptions = new ArrayList<>();

  /**
   * Which Python runs the trainer, from where (null: the installation's trainer/), and where its
   * output goes (shown as it comes); tests set them.
   */
  String python = DEBIAN_PYTHON;
  Path trainerDir;
  /** Where the command's settings come from: the environment; a test names its own. */
  Supplier<ConfigSource> settings = ConfigSource::fromEnvironment;
  ProcessBuilder.Redirect trainerOutput = ProcessBuilder.Redirect.INHERIT;

  @Override
  public Integer call() throws IOException, InterruptedException {
    try (ChildProcesses trainerRuns = new ChildProcesses("glassbox train", "the trainer")) {
      return train(trainerRuns);
    }
  }

  private int train(ChildProcesses trainerRuns) throws IOException, InterruptedException {
    String model = name != null ? name : String.valueOf(data.toAbsolutePath().normalize().getFileName());
    if (!NAME.matcher(model).matches()) {
      return fail("the model name must be 1-64 letters, digits, '.', '_' or '-' (it names a folder), got \""
          + model + "\"; choose one with --name");
    }
    for (String file : List.of("items", "interactions")) {
      if (!Files.isRegularFile(data.resolve(file + ".csv")) && !Files.isRegularFile(data.resolve(file + ".csv.gz"))) {
        return fail("no " + file + ".csv (or " + file + ".csv.gz) in " + data.toAbsolutePath().normalize()
            + "; put the files you import there under these names");
      }
    }
    String zone = timeZone != null ? timeZone
        : settings.get().getString(LocalTimeZone.DATA_FOLDER_SETTING, "");
    try {
      LocalTimeZone.named(zone, timeZone != null ? "--time-zone" : LocalTimeZone.DATA_FOLDER_SETTING);
    } catch (IllegalArgumentException e) {
      return fail(e.getMessage());
    }
    // Always named to the trainer, empty too: left out, the trainer would read the variable, which
    // an empty --time-zone here overrules.
    List<String> zoneOption = List.of("--time-zone", zone);
    // Killed (kill -9), this JVM stops no run itself: the trainer stops once this is no longer its parent.
    List<String> parentOption = List.of("--parent-pid", String.valueOf(ProcessHandle.current().pid()));
    Path trainer = trainerDir != null ? trainerDir : settings.get().shipped("trainer");
    if (run(trainerRuns, trainer, List.of("-c", "import torch, onnx, numpy"), ProcessBuilder.Redirect.DISCARD,
        "the check for PyTorch").status() != 0) {
      return fail("the trainer needs Python with PyTorch, ONNX and NumPy at " + python + ": apt-get install "
          + "python3-torch python3-onnx python3-numpy libopenblas0-pthread");
    }
    String version = ZonedDateTime.now(ZoneOffset.UTC).format(VERSION);
    Path runs = runsDir.resolve(model).resolve(version);
    List<String> train = new ArrayList<>(List.of("-m", "glassbox_trainer", "train", "--data", data.toString(),
        "--name", model));
    train.addAll(zoneOption);
    train.addAll(parentOption);
    train.addAll(SHIPPED_SETTINGS);
    train.addAll(List.of("--epochs", String.valueOf(epochs), "--models-dir", modelsDir.toString(),
        "--version", version, "--run-dir", runs.resolve("train").toString()));
    train.addAll(trainerOptions);
    Ended trained = run(trainerRuns, trainer, train, trainerOutput, "training");
    if (trained.status() != 0) {
      return fail(trained.why("training", "see " + runs.resolve("train").resolve("train.log")));
    }
    Path folder = modelsDir.resolve(model).resolve(version);
    List<String> evaluate = new ArrayList<>(List.of("-m", "glassbox_trainer", "evaluate", "--model", folder.toString(),
        "--data", data.toString(), "--split", "basket", "--write-trend", "--run-dir", runs.resolve("evaluate").toString()));
    evaluate.addAll(zoneOption);
    evaluate.addAll(parentOption);
    Ended terms = noTerms ? Ended.SKIPPED : run(trainerRuns, trainer, evaluate, trainerOutput, "fitting the terms");
    if (terms.status() != 0) {
      // The version folder is whole without the terms (train wrote it; evaluate rewrites only
      // metadata.json, at its end), so it is still said how to serve it.
      fail(terms.why("fitting the terms", "nothing on its standard error; what it printed is above")
          + ". The model in " + folder + " is served without them");
    }
    // Pasted in the caller's folder, where this ran: the folders as they were named here, and
    // bin/glassbox as it is found from there.
    String launcher = LauncherScript.said(settings.get());
    System.out.printf("%nglassbox train: model %s version %s is in %s (logs and metrics in %s).%n"
            + "Serve it: %s=%s %s%s=%s %s=%s %s up%n"
            + "A suite already serving that data and model folder takes it with: %s reload-model --version %s"
            + " (add --target localhost:PORT, or set " + GatewayAddress.MODEL_ADMIN_TARGET_VARIABLE + "=localhost:PORT,"
            + " when up was given --model-admin-port PORT)%n",
        model, version, folder, runs, FeatureConfig.DATA_DIR_KEY, LauncherScript.shellWord(data.toString()),
        zone.isEmpty() ? "" : LocalTimeZone.DATA_FOLDER_SETTING + "=" + zone + " ", ModelConfig.DIRECTORY_KEY,
        LauncherScript.shellWord(modelsDir.toString()), ModelConfig.NAME_KEY, model, launcher, launcher, version);
    // up finds these itself; containers do not see the data, so their gateway is told.
    List<String> examples = ExampleCustomers.of(data, zone);
    if (!examples.isEmpty()) {
      System.out.printf("Customers to try (in containers, the viewer's %s; deploy/README.md, \"Your own shop\"): %s%n",
          ViewerConfig.EXAMPLE_USERS_KEY, String.join(",", examples));
    }
    return terms.status() == 0 ? 0 : 1;
  }

  /**
   * Runs the trainer's Python in this folder, its standard output sent to {@code output} and its
   * standard error shown on this command's as it comes (its last line kept: the trainer's reason
   * when it stops), started by {@code trainerRuns} for {@code stage}; how it ended.
   */
  private Ended run(ChildProcesses trainerRuns, Path trainer, List<String> arguments, ProcessBuilder.Redirect output,
      String stage) throws InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(Stream.concat(Stream.of(python), arguments.stream()).toList())
        .redirectInput(ProcessBuilder.Redirect.INHERIT).redirectOutput(output)
        .redirectError(output == ProcessBuilder.Redirect.DISCARD ? output : ProcessBuilder.Redirect.PIPE);
    builder.environment().put("PYTHONPATH", trainer.toAbsolutePath().toString());
    // Its lines as they are printed, also when this command's output goes to a pipe or a file.
    builder.environment().put("PYTHONUNBUFFERED", "1");
    Process process;
    try {
      process = trainerRuns.start(builder, stage);
    } catch (IOException notStarted) {
      return new Ended(-1, "");
    }
    String lastWords = "";
    try (BufferedReader errors = process.errorReader(StandardCharsets.UTF_8)) {
      for (String line = errors.readLine(); line != null; line = errors.readLine()) {
        System.err.println(line);
        if (!line.isBlank()) {
          lastWords = line.strip();
        }
      }
    } catch (IOException closed) {
      // Discarded (the import check), or the pipe went with the process: its status says the rest.
    }
    return new Ended(process.waitFor(), lastWords);
  }

  /** How a trainer run ended: its exit status (-1: not started) and its last line on standard error. */
  record Ended(int status, String lastWords) {
    static final Ended SKIPPED = new Ended(0, "");
    /** Signals by number, for the ones a person or the system sends to stop a process. */
    private static final Map<Integer, String> SIGNALS =
        Map.of(1, "SIGHUP", 2, "SIGINT", 6, "SIGABRT", 9, "SIGKILL", 11, "SIGSEGV", 15, "SIGTERM");

    /**
     * Why the run stopped during {@code stage}, true to how it ended; {@code whereToLook} when it
     * said nothing on standard error.
     */
    String why(String stage, String whereToLook) {
      if (status < 0) {
        return "the trainer could not be started for " + stage;
      }
      // The JDK reports a process ended by signal N as 128 + N, as shells do; the trainer's own
      // exits are 0, 1 (a refusal or an error) and 2 (a bad option).
      if (status > 128 && status <= 128 + 64) {
        int signal = status - 128;
        return "the trainer was stopped by signal " + signal
            + (SIGNALS.containsKey(signal) ? " (" + SIGNALS.get(signal) + ")" : "") + " during " + stage;
      }
      if (lastWords.isEmpty()) {
        return "the trainer exited " + status + " during " + stage + " without saying why: " + whereToLook;
      }
      return "the trainer stopped during " + stage + " (exit status " + status + "): " + lastWords;
    }
  }

  private static int fail(String why) {
    System.err.println("glassbox train: " + why + ".");
    return 1;
  }
}
