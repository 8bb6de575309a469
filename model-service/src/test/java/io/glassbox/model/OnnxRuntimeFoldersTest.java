package io.glassbox.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.server.GrpcServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Starting the model service leaves nothing behind in {@code java.io.tmpdir}: ONNX Runtime's
 * native libraries go to one folder there that later starts, and starts at the same time, share.
 * Each start is a JVM of its own ({@link ServiceJvm}) whose {@code java.io.tmpdir} is a fresh
 * folder of the test's, so that what it leaves there once it exited can be seen.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class OnnxRuntimeFoldersTest {
  private static final String LIBRARY = System.mapLibraryName("onnxruntime");

  @TempDir Path modelDirectory;
  @TempDir Path tmp;
  @TempDir Path logs;

  @Test
  void start_twice_leavesNoOnnxRuntimeFolder_andTheSecondReusesTheFirstsLibraries() throws Exception {
    ModelFolders.addToyVersion(modelDirectory, "v1");

    start("first", tmp);
    Path libraries = onlyLibraryFolder(tmp);
    BasicFileAttributes first = Files.readAttributes(libraries.resolve(LIBRARY), BasicFileAttributes.class);
    start("second", tmp);

    assertEquals(libraries, onlyLibraryFolder(tmp));
    BasicFileAttributes second = Files.readAttributes(libraries.resolve(LIBRARY), BasicFileAttributes.class);
    assertEquals(first.fileKey(), second.fileKey(), "the second start wrote " + LIBRARY + " again");
    assertEquals(first.lastModifiedTime(), second.lastModifiedTime(), "the second start wrote " + LIBRARY + " again");
  }

  @Test
  void start_thenKilled_leavesNoOnnxRuntimeFolder() throws Exception {
    ModelFolders.addToyVersion(modelDirectory, "v1");

    startEnding("killed", tmp, ServingToy.HALT);

    onlyLibraryFolder(tmp);
  }

  @Test
  void start_twoAtOnce_bothServe_andShareOneFolder() throws Exception {
    ModelFolders.addToyVersion(modelDirectory, "v1");

    // A thread each: the common pool may have one thread on a small machine.
    ExecutorService starters = Executors.newFixedThreadPool(2);
    Path oneLog;
    Path twoLog;
    try {
      Future<Path> one = starters.submit(() -> run("one", tmp, ServingToy.EXIT));
      Future<Path> two = starters.submit(() -> run("two", tmp, ServingToy.EXIT));
      oneLog = one.get();
      twoLog = two.get();
    } finally {
      starters.shutdownNow();
    }

    // Only now: while one JVM still loads, ONNX Runtime's folder of the moment is there.
    assertNoOnnxRuntimeFolder(tmp, oneLog, twoLog);
    onlyLibraryFolder(tmp);
  }

  @Test
  void start_withTheOperatorsNativePath_copiesNothing_andLeavesNothing() throws Exception {
    ModelFolders.addToyVersion(modelDirectory, "v1");
    Path operators = Files.createDirectory(logs.resolve("operators"));
    start("copying", operators);
    Path libraries = onlyLibraryFolder(operators);

    start("operator", tmp, "-D" + OnnxRuntimeLibraries.NATIVE_PATH + "=" + libraries);

    assertEquals(List.of(), entries(tmp, OnnxRuntimeLibraries.FOLDER_PREFIX + "*"),
        "a start with onnxruntime.native.path set copied the libraries again");
  }

  /** Starts the service serving toy v1 in a JVM with {@code javaTmp} as its java.io.tmpdir, logs in {@code name}. */
  private void start(String name, Path javaTmp, String... moreFlags) throws Exception {
    startEnding(name, javaTmp, ServingToy.EXIT, moreFlags);
  }

  /** {@link #start(String, Path, String...)} ending as {@code ending} says. */
  private void startEnding(String name, Path javaTmp, String ending, String... moreFlags) throws Exception {
    assertNoOnnxRuntimeFolder(javaTmp, run(name, javaTmp, ending, moreFlags));
  }

  /** Runs the service's JVM until it ended and its log, which says it served. */
  private Path run(String name, Path javaTmp, String ending, String... moreFlags) throws Exception {
    List<String> flags = new ArrayList<>(ServiceJvm.FLAGS);
    flags.add("-Djava.io.tmpdir=" + javaTmp);
    flags.addAll(List.of(moreFlags));
    Path logFolder = Files.createDirectories(logs.resolve(name));
    Map<String, String> results =
        ServiceJvm.run(logFolder, flags, ServingToy.class, 1, modelDirectory.toString(), ending);
    assertEquals("v1", results.get("serving"));
    return logFolder.resolve(ServingToy.class.getSimpleName() + ".log");
  }

  private static void assertNoOnnxRuntimeFolder(Path javaTmp, Path... logsOfTheStarts) throws IOException {
    assertEquals(List.of(), entries(javaTmp, "onnxruntime-java*"), () -> {
      StringBuilder message = new StringBuilder("ONNX Runtime's folders stayed in java.io.tmpdir");
      for (Path log : logsOfTheStarts) {
        message.append("\n").append(log).append(":\n").append(read(log));
      }
      return message.toString();
    });
  }

  private static String read(Path log) {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return e.toString();
    }
  }

  /** The one library folder in {@code javaTmp}, holding the whole libonnxruntime and no half-written copy. */
  private static Path onlyLibraryFolder(Path javaTmp) throws IOException {
    List<Path> folders = entries(javaTmp, OnnxRuntimeLibraries.FOLDER_PREFIX + "*");
    assertEquals(1, folders.size(), "library folders in java.io.tmpdir: " + entries(javaTmp, "*"));
    Path folder = folders.get(0);
    assertTrue(Files.isRegularFile(folder.resolve(LIBRARY)), () -> folder + " holds no " + LIBRARY);
    assertEquals(List.of(), entries(folder, "*.part"), "copies left half-written");
    return folder;
  }

  private static List<Path> entries(Path folder, String glob) throws IOException {
    List<Path> found = new ArrayList<>();
    PathMatcher names = folder.getFileSystem().getPathMatcher("glob:" + glob);
    try (Stream<Path> all = Files.list(folder)) {
      all.filter(path -> names.matches(path.getFileName())).sorted().forEach(found::add);
    }
    return found;
  }

  /**
   * The model service as ModelMain starts it, serving toy v1; arguments: the model directory and
   * how the JVM ends, {@link #EXIT} (shutdown hooks and deletions at exit run) or {@link #HALT}
   * (none run, as when the process is killed).
   */
  static final class ServingToy {
    static final String EXIT = "exit";
    static final String HALT = "halt";

    private ServingToy() {}

    public static void main(String[] args) {
      GrpcServer server = ToyModelMain.start(Path.of(args[0]), "v1");
      ServiceJvm.result("serving", "v1");
      if (args[1].equals(HALT)) {
        System.out.flush();
        Runtime.getRuntime().halt(0);
      }
      server.close();
      System.exit(0);
    }
  }
}
