package io.glassbox.launcher;

import io.glassbox.feature.FeatureConfig;
import io.glassbox.feature.LocalTimeZone;
import io.glassbox.gateway.viewer.ViewerConfig;
import io.glassbox.model.ModelConfig;
import io.glassbox.server.ConfigSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
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
  ProcessBuilder.Redirect trainerOutput = ProcessBuilder.Redirect.INHERIT;

  @Override
  public Integer call() throws IOException, InterruptedException {
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
        : ConfigSource.fromEnvironment().getString(LocalTimeZone.DATA_FOLDER_SETTING, "");
    try {
      LocalTimeZone.named(zone, timeZone != null ? "--time-zone" : LocalTimeZone.DATA_FOLDER_SETTING);
    } catch (IllegalArgumentException e) {
      return fail(e.getMessage());
    }
    // Always named to the trainer, empty too: left out, the trainer would read the variable, which
    // an empty --time-zone here overrules.
    List<String> zoneOption = List.of("--time-zone", zone);
    Path trainer = trainerDir != null ? trainerDir : ConfigSource.fromEnvironment().shipped("trainer");
    if (run(trainer, List.of("-c", "import torch, onnx, numpy"), ProcessBuilder.Redirect.DISCARD) != 0) {
      return fail("the trainer needs Python with PyTorch, ONNX and NumPy at " + python + ": apt-get install "
          + "python3-torch python3-onnx python3-numpy libopenblas0-pthread");
    }
    String version = ZonedDateTime.now(ZoneOffset.UTC).format(VERSION);
    Path runs = runsDir.resolve(model).resolve(version);
    List<String> train = new ArrayList<>(List.of("-m", "glassbox_trainer", "train", "--data", data.toString(),
        "--name", model));
    train.addAll(zoneOption);
    train.addAll(SHIPPED_SETTINGS);
    train.addAll(List.of("--epochs", String.valueOf(epochs), "--models-dir", modelsDir.toString(),
        "--version", version, "--run-dir", runs.resolve("train").toString()));
    train.addAll(trainerOptions);
    if (run(trainer, train, trainerOutput) != 0) {
      return fail("the trainer stopped; its output above says why");
    }
    Path folder = modelsDir.resolve(model).resolve(version);
    List<String> evaluate = new ArrayList<>(List.of("-m", "glassbox_trainer", "evaluate", "--model", folder.toString(),
        "--data", data.toString(), "--split", "basket", "--write-trend", "--run-dir", runs.resolve("evaluate").toString()));
    evaluate.addAll(zoneOption);
    if (!noTerms && run(trainer, evaluate, trainerOutput) != 0) {
      return fail("fitting the terms stopped; its output above says why. The model in " + folder
          + " is served without them");
    }
    System.out.printf("%nglassbox train: model %s version %s is in %s (logs and metrics in %s).%n"
            + "Serve it: %s=%s %s%s=%s %s=%s bin/glassbox up%n"
            + "A suite already serving that data and model folder takes it with: bin/glassbox reload-model --version %s"
            + " (add --target localhost:PORT, or set " + GatewayAddress.MODEL_ADMIN_TARGET_VARIABLE + "=localhost:PORT,"
            + " when up was given --model-admin-port PORT)%n",
        model, version, folder, runs, FeatureConfig.DATA_DIR_KEY, data,
        zone.isEmpty() ? "" : LocalTimeZone.DATA_FOLDER_SETTING + "=" + zone + " ", ModelConfig.DIRECTORY_KEY, modelsDir,
        ModelConfig.NAME_KEY, model, version);
    // up finds these itself; containers do not see the data, so their gateway is told.
    List<String> examples = ExampleCustomers.of(data, zone);
    if (!examples.isEmpty()) {
      System.out.printf("Customers to try (in containers, the viewer's %s; deploy/README.md, \"Your own shop\"): %s%n",
          ViewerConfig.EXAMPLE_USERS_KEY, String.join(",", examples));
    }
    return 0;
  }

  /** Runs the trainer's Python in this folder, its output sent to {@code output}; its exit status. */
  private int run(Path trainer, List<String> arguments, ProcessBuilder.Redirect output) throws InterruptedException {
    ProcessBuilder process = new ProcessBuilder(Stream.concat(Stream.of(python), arguments.stream()).toList())
        .redirectInput(ProcessBuilder.Redirect.INHERIT).redirectOutput(output).redirectError(output);
    process.environment().put("PYTHONPATH", trainer.toAbsolutePath().toString());
    try {
      return process.start().waitFor();
    } catch (IOException notStarted) {
      return -1;
    }
  }

  private static int fail(String why) {
    System.err.println("glassbox train: " + why + ".");
    return 1;
  }
}
