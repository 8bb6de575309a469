package io.glassbox.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import io.glassbox.server.GrpcServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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

  @Test
  void start_withTheFolderWritableByOthers_doesNotLoadWhatIsInIt() throws Exception {
    ModelFolders.addToyVersion(modelDirectory, "v1");
    Path planted = plantedFolder();
    Files.setPosixFilePermissions(planted, PosixFilePermissions.fromString("rwxrwxrwx"));

    Path log = run("planted", tmp, ServingToy.EXIT);

    assertArrayEquals(PLANTED, Files.readAllBytes(planted.resolve(LIBRARY)));
    assertTrue(read(log).contains("WARN"), () -> read(log));
  }

  /**
   * A folder of the right name that another user owns is not ours: told from the service's user,
   * as any user can (giving a folder away takes root, so the check is asked of it directly).
   */
  @Test
  void folderOwnedBySomeoneElse_isNotOurs() throws Exception {
    Path folder = Files.createDirectory(tmp.resolve(OnnxRuntimeLibraries.FOLDER_PREFIX + "x"),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    UserPrincipal self = Files.getOwner(folder);
    UserPrincipal nobody = folder.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");

    assertEquals(Optional.empty(), OnnxRuntimeLibraries.whyNotOurs(folder, self));
    assertEquals(Optional.of("it is owned by " + self.getName()), OnnxRuntimeLibraries.whyNotOurs(folder, nobody));
  }

  @Test
  void start_inATmpdirOthersMayWrite_withoutTheStickyBit_doesNotUseAFolderThere_andServes() throws Exception {
    ModelFolders.addToyVersion(modelDirectory, "v1");
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxrwxrwx"));

    Path log = run("openTmp", tmp, ServingToy.EXIT);

    assertEquals(List.of(), entries(tmp, OnnxRuntimeLibraries.FOLDER_PREFIX + "*"));
    assertTrue(read(log).contains("WARN") && read(log).contains("no sticky bit"), () -> read(log));
    // ONNX Runtime's own folder is made in the same java.io.tmpdir: the WARN does not call it safe.
    assertTrue(read(log).contains("ONNX Runtime's own folder there just as well until java.io.tmpdir is fixed"),
        () -> read(log));
  }

  /**
   * A Kubernetes emptyDir is 2777 without the sticky bit; named as the folder given to the model
   * service alone, ours is made and reused in it, and nothing stays in java.io.tmpdir.
   */
  @Test
  void start_twice_withAPrivateFolderOthersMayWrite_usesAndReusesAFolderInIt() throws Exception {
    ModelFolders.addToyVersion(modelDirectory, "v1");
    Path emptyDir = folderWithMode("emptyDir", "rwxrwxrwx");

    Path firstLog = run("privateFirst", tmp, ServingToy.EXIT, emptyDir);
    Path libraries = onlyLibraryFolder(emptyDir);
    BasicFileAttributes first = Files.readAttributes(libraries.resolve(LIBRARY), BasicFileAttributes.class);
    Path secondLog = run("privateSecond", tmp, ServingToy.EXIT, emptyDir);

    assertEquals(libraries, onlyLibraryFolder(emptyDir));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(libraries)));
    BasicFileAttributes second = Files.readAttributes(libraries.resolve(LIBRARY), BasicFileAttributes.class);
    assertEquals(first.fileKey(), second.fileKey(), "the second start wrote " + LIBRARY + " again");
    assertNoOnnxRuntimeFolder(tmp, firstLog, secondLog);
    assertEquals(List.of(), entries(tmp, OnnxRuntimeLibraries.FOLDER_PREFIX + "*"));
    assertFalse(read(firstLog).contains("WARN") || read(secondLog).contains("WARN"), () -> read(firstLog) + read(secondLog));
  }

  /** The folder given to the service alone: any write bits, but a directory (no link) that its user or root owns. */
  @Test
  void privateFolder_mustBeADirectoryNotALink_ownedByTheServicesUserOrRoot() throws Exception {
    Path emptyDir = folderWithMode("emptyDir", "rwxrwxrwx");
    Path link = Files.createSymbolicLink(tmp.resolve("link"), emptyDir);
    UserPrincipal owner = Files.getOwner(emptyDir);
    UserPrincipal nobody = tmp.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");

    assertEquals(Optional.empty(), OnnxRuntimeLibraries.whyNotPrivate(emptyDir, Set.of(owner, nobody)));
    assertTrue(OnnxRuntimeLibraries.whyNotPrivate(link, Set.of(owner)).orElseThrow().contains("is not a directory"));
    assertTrue(OnnxRuntimeLibraries.whyNotPrivate(emptyDir, Set.of(nobody)).orElseThrow()
        .contains("is owned by " + owner.getName()));
  }

  /**
   * A link named as the folder for the service alone is refused before anything is written through
   * it: the folder it points to keeps its modification time, which a probe file made and deleted
   * there would change.
   */
  @Test
  void start_withAPrivateFolderThatIsALink_writesNothingThroughIt_andWarnsNamingTheSetting() throws Exception {
    ModelFolders.addToyVersion(modelDirectory, "v1");
    Path target = folderWithMode("linkTarget", "rwxrwxrwx");
    Path link = Files.createSymbolicLink(tmp.resolve("linkToFolder"), target);
    FileTime untouched = FileTime.from(Instant.parse("2020-01-01T00:00:00Z"));
    Files.setLastModifiedTime(target, untouched);

    Path log = run("privateLink", tmp, ServingToy.EXIT, link);

    assertEquals(List.of(), entries(target, "*"));
    assertEquals(untouched, Files.getLastModifiedTime(target));
    assertTrue(read(log).contains(ModelConfig.ONNXRUNTIME_DIR_KEY + " " + link
        + " is not a directory (links are not followed)"), () -> read(log));
  }

  /** The owner of java.io.tmpdir may rename what is in it, whatever its mode: it must be root or the service's user. */
  @Test
  void tmpdirOwnedBySomeoneElse_isRefused() throws Exception {
    Path readable = folderWithMode("readable", "rwxr-xr-x");
    UserPrincipal owner = Files.getOwner(readable);
    UserPrincipal nobody = tmp.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");

    assertTrue(OnnxRuntimeLibraries.whyOthersMayReplace(readable, Set.of(nobody)).orElseThrow()
        .contains("is owned by " + owner.getName()));
    assertEquals(Optional.empty(), OnnxRuntimeLibraries.whyOthersMayReplace(readable, Set.of(nobody, owner)));
  }

  /** A folder in a tmpdir that others may write but without the sticky bit could be renamed away and replaced. */
  @Test
  void tmpdirOthersMayWrite_withoutTheStickyBit_isRefused() throws Exception {
    Path open = folderWithMode("open", "rwxrwxrwx");
    Path groupWritable = folderWithMode("group", "rwxrwx---");

    assertTrue(OnnxRuntimeLibraries.whyOthersMayReplace(open, owners(open)).orElseThrow().contains("no sticky bit"));
    assertTrue(OnnxRuntimeLibraries.whyOthersMayReplace(groupWritable, owners(open)).orElseThrow().contains("rwxrwx---"));
  }

  @Test
  void tmpdirOnlyWeMayWrite_orWithTheStickyBit_isAccepted() throws Exception {
    Path ours = folderWithMode("ours", "rwx------");
    Path readable = folderWithMode("readable", "rwxr-xr-x");
    Path sticky = Files.createDirectory(tmp.resolve("sticky"));
    // java.nio cannot set the sticky bit.
    Process chmod = new ProcessBuilder("chmod", "1777", sticky.toString()).inheritIO().start();
    assertEquals(0, chmod.waitFor());

    assertEquals(Optional.empty(), OnnxRuntimeLibraries.whyOthersMayReplace(ours, owners(ours)));
    assertEquals(Optional.empty(), OnnxRuntimeLibraries.whyOthersMayReplace(readable, owners(ours)));
    assertEquals(Optional.empty(), OnnxRuntimeLibraries.whyOthersMayReplace(sticky, owners(ours)));
  }

  /** The owners a folder in {@code folder} may have: its owner (the test's user) alone. */
  private static Set<UserPrincipal> owners(Path folder) throws IOException {
    return Set.of(Files.getOwner(folder));
  }

  /** A new folder {@code name} in {@link #tmp} with the permissions {@code mode} (as ls shows them), whatever the umask. */
  private Path folderWithMode(String name, String mode) throws IOException {
    return Files.setPosixFilePermissions(Files.createDirectory(tmp.resolve(name)), PosixFilePermissions.fromString(mode));
  }

  @Test
  void start_deletesTheEmptyFoldersOnnxRuntimeLeftAnHourAgo() throws Exception {
    ModelFolders.addToyVersion(modelDirectory, "v1");
    Path empty = Files.createDirectory(tmp.resolve("onnxruntime-java1"));
    Path full = Files.createDirectory(tmp.resolve("onnxruntime-java2"));
    Files.writeString(full.resolve("kept"), "kept");
    for (Path left : List.of(empty, full)) {
      Files.setLastModifiedTime(left, FileTime.from(Instant.now().minus(Duration.ofHours(2))));
    }

    Path log = run("sweeping", tmp, ServingToy.EXIT);

    assertEquals(List.of(full), entries(tmp, "onnxruntime-java*"), () -> read(log));
    assertTrue(read(log).contains("deleted 1 empty onnxruntime-java* folders left in " + tmp
        + " by ONNX Runtime's own unpacking"), () -> read(log));
  }

  /** Only empty folders of ONNX Runtime's own, the service user's and no links, are deleted. */
  @Test
  void emptyFoldersLeft_onlyOursEmptyAndNoLinks_areDeleted() throws Exception {
    Path empty = Files.createDirectory(tmp.resolve("onnxruntime-java1"));
    Path full = Files.createDirectory(tmp.resolve("onnxruntime-java2"));
    Files.writeString(full.resolve("kept"), "kept");
    Path file = Files.writeString(tmp.resolve("onnxruntime-java3"), "");
    Path elsewhere = Files.createDirectory(logs.resolve("elsewhere"));
    Path link = Files.createSymbolicLink(tmp.resolve("onnxruntime-java4"), elsewhere);
    Path other = Files.createDirectory(tmp.resolve("other"));
    UserPrincipal self = Files.getOwner(empty);
    UserPrincipal nobody = tmp.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
    FileTime anyAge = FileTime.from(Instant.now().plus(Duration.ofDays(1)));

    assertEquals(0, OnnxRuntimeLibraries.deleteEmptyFoldersLeft(tmp, nobody, anyAge, 100));
    assertTrue(Files.isDirectory(empty), "another user's folder was deleted");
    assertEquals(1, OnnxRuntimeLibraries.deleteEmptyFoldersLeft(tmp, self, anyAge, 100));

    assertEquals(List.of(full, file, link, other), entries(tmp, "*"));
    assertTrue(Files.isDirectory(elsewhere), "the folder a link pointed to was deleted");
  }

  /**
   * An entry that cannot be read or deleted (here: its path is longer than the system allows, as
   * EPERM, EBUSY or EROFS would be for another) is passed over; the sweep goes on with the others.
   */
  @Test
  void emptyFoldersLeft_anEntryThatCannotBeDeleted_isPassedOver() throws Exception {
    Path deep = tmp;
    while (deep.toString().length() < 3900) {
      deep = Files.createDirectory(deep.resolve("d".repeat(200)));
    }
    Path emptyOne = Files.createDirectory(deep.resolve("onnxruntime-java1"));
    // Made from inside `deep`: its whole path is past PATH_MAX (4096), so no call by path reaches it.
    String tooLong = "onnxruntime-java" + "x".repeat(230);
    assertEquals(0, new ProcessBuilder("mkdir", tooLong).directory(deep.toFile()).inheritIO().start().waitFor());
    try {
      FileTime anyAge = FileTime.from(Instant.now().plus(Duration.ofDays(1)));

      assertEquals(1, OnnxRuntimeLibraries.deleteEmptyFoldersLeft(deep, Files.getOwner(deep), anyAge, 100));

      assertFalse(Files.exists(emptyOne, LinkOption.NOFOLLOW_LINKS), "the folder after the failing one was kept");
    } finally {
      assertEquals(0, new ProcessBuilder("rmdir", tooLong).directory(deep.toFile()).inheritIO().start().waitFor());
    }
  }

  @Test
  void emptyFoldersLeft_youngerThanTheCut_areKept() throws Exception {
    Path old = Files.createDirectory(tmp.resolve("onnxruntime-java1"));
    Path young = Files.createDirectory(tmp.resolve("onnxruntime-java2"));
    Instant now = Instant.now();
    Files.setLastModifiedTime(old, FileTime.from(now.minus(Duration.ofHours(2))));

    assertEquals(1, OnnxRuntimeLibraries.deleteEmptyFoldersLeft(tmp, Files.getOwner(old),
        FileTime.from(now.minus(Duration.ofHours(1))), 100));

    assertEquals(List.of(young), entries(tmp, "*"));
  }

  @Test
  void emptyFoldersLeft_amongMoreEntriesThanRead_onlyTheFirstAreLookedAt() throws Exception {
    for (int i = 0; i < 5; i++) {
      Files.createDirectory(tmp.resolve("onnxruntime-java" + i));
    }
    FileTime anyAge = FileTime.from(Instant.now().plus(Duration.ofDays(1)));

    assertEquals(3, OnnxRuntimeLibraries.deleteEmptyFoldersLeft(tmp, Files.getOwner(tmp), anyAge, 3));

    assertEquals(2, entries(tmp, "*").size());
  }

  @Test
  void start_afterACachedLibraryWasDamaged_copiesItAgain_andServes() throws Exception {
    ModelFolders.addToyVersion(modelDirectory, "v1");
    start("first", tmp);
    Path libraries = onlyLibraryFolder(tmp);
    Path library = libraries.resolve(LIBRARY);
    Path jni = libraries.resolve(System.mapLibraryName("onnxruntime4j_jni"));
    byte[] whole = Files.readAllBytes(library);
    byte[] wholeJni = Files.readAllBytes(jni);
    Files.write(library, Arrays.copyOf(whole, whole.length / 2));
    byte[] zeroedHeader = wholeJni.clone();
    Arrays.fill(zeroedHeader, 0, 4096, (byte) 0);
    Files.write(jni, zeroedHeader);

    start("second", tmp);

    assertArrayEquals(whole, Files.readAllBytes(library), LIBRARY + " was not copied again");
    assertArrayEquals(wholeJni, Files.readAllBytes(jni), jni.getFileName() + " was not copied again");
  }

  @Test
  void start_afterOnnxRuntimeWasLoaded_leavesItsFolderAlone() throws Exception {
    Path log = Files.createDirectories(logs.resolve("loadedFirst"));
    Map<String, String> results = ServiceJvm.run(log, withTmp(tmp), LoadedFirst.class, 2);

    assertEquals("unset", results.get("nativePath"));
    assertEquals("true", results.get("ownFolderHoldsTheLibrary"));
  }

  /** The bytes of a library another user planted: no library, so loading it fails the start. */
  private static final byte[] PLANTED = "not a library".getBytes(StandardCharsets.UTF_8);

  /**
   * The folder a start makes (its name learnt from a start with another java.io.tmpdir), made in
   * {@code tmp} before any start, holding a planted {@link #LIBRARY}.
   */
  private Path plantedFolder() throws Exception {
    Path elsewhere = Files.createDirectory(logs.resolve("elsewhere"));
    start("naming", elsewhere);
    Path planted = Files.createDirectory(tmp.resolve(onlyLibraryFolder(elsewhere).getFileName()));
    Files.write(planted.resolve(LIBRARY), PLANTED);
    return planted;
  }

  private static List<String> withTmp(Path javaTmp) {
    List<String> flags = new ArrayList<>(ServiceJvm.FLAGS);
    flags.add("-Djava.io.tmpdir=" + javaTmp);
    return flags;
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
    return run(name, javaTmp, ending, List.of(moreFlags), List.of());
  }

  /** {@link #run(String, Path, String, String...)} with {@code privateFolder} as {@value ModelConfig#ONNXRUNTIME_DIR_KEY}. */
  private Path run(String name, Path javaTmp, String ending, Path privateFolder) throws Exception {
    return run(name, javaTmp, ending, List.of(), List.of(privateFolder.toString()));
  }

  private Path run(String name, Path javaTmp, String ending, List<String> moreFlags, List<String> privateFolder)
      throws Exception {
    List<String> flags = withTmp(javaTmp);
    flags.addAll(moreFlags);
    Path logFolder = Files.createDirectories(logs.resolve(name));
    List<String> args = new ArrayList<>(List.of(modelDirectory.toString(), ending));
    args.addAll(privateFolder);
    Map<String, String> results =
        ServiceJvm.run(logFolder, flags, ServingToy.class, 1, args.toArray(String[]::new));
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
   * The model service as ModelMain starts it, serving toy v1; arguments: the model directory,
   * how the JVM ends, {@link #EXIT} (shutdown hooks and deletions at exit run) or {@link #HALT}
   * (none run, as when the process is killed), and optionally its {@value ModelConfig#ONNXRUNTIME_DIR_KEY}.
   */
  static final class ServingToy {
    static final String EXIT = "exit";
    static final String HALT = "halt";

    private ServingToy() {}

    public static void main(String[] args) {
      GrpcServer server = ToyModelMain.start(Path.of(args[0]), "v1",
          args.length > 2 ? Map.of(ModelConfig.ONNXRUNTIME_DIR_KEY, args[2]) : Map.of());
      ServiceJvm.result("serving", "v1");
      if (args[1].equals(HALT)) {
        System.out.flush();
        Runtime.getRuntime().halt(0);
      }
      server.close();
      System.exit(0);
    }
  }

  /**
   * Loads ONNX Runtime the way it loads itself, then asks for the service's environment; prints
   * whether onnxruntime.native.path was set and whether ONNX Runtime's own folder still holds the
   * library it loaded.
   */
  static final class LoadedFirst {
    private LoadedFirst() {}

    public static void main(String[] args) throws IOException {
      OrtEnvironment.getEnvironment();
      OnnxRuntimeLibraries.environment();
      ServiceJvm.result("nativePath", System.getProperty(OnnxRuntimeLibraries.NATIVE_PATH, "unset"));
      boolean holds = false;
      for (Path own : entries(Path.of(System.getProperty("java.io.tmpdir")), "onnxruntime-java*")) {
        holds |= Files.isRegularFile(own.resolve(LIBRARY));
      }
      ServiceJvm.result("ownFolderHoldsTheLibrary", holds);
      System.exit(0);
    }
  }
}
