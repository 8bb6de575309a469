package io.glassbox.server;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The build identity: what server-kit/build-info.sh writes (in a git tree, a modified one, none),
 * and what this build holds. What a server says of it: {@link ObservabilityTest}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BuildInfoTest {
  private static final Path REPO = Path.of(System.getProperty("glassbox.repo.root"));
  private static final Path SCRIPT = REPO.resolve("server-kit/build-info.sh");
  @TempDir
  Path temp;

  /** The build under test is this tree's: its pom's version, and its commit when it has git. */
  @Test
  void current_isThisTreesVersion_andItsCommit() throws Exception {
    BuildInfo build = BuildInfo.current();
    Matcher version = Pattern.compile("<artifactId>glassbox-parent</artifactId>\\s*<version>([^<]+)</version>")
        .matcher(Files.readString(REPO.resolve("pom.xml")));
    assertTrue(version.find());
    assertEquals(version.group(1), build.version());
    Run head = run(REPO, Map.of(), "git", "rev-parse", "HEAD");
    if (head.status() == 0) {
      assertTrue(build.commit().equals(head.output().strip()) || build.commit().equals(head.output().strip()
          + BuildInfo.MODIFIED), build.commit() + " vs HEAD " + head.output());
    } else {
      assertEquals(BuildInfo.UNKNOWN, build.commit(), "a tree without git (a source tarball)");
    }
  }

  @Test
  void script_inAGitTree_writesItsCommit_andSaysModifiedOnceATrackedFileChanges() throws Exception {
    Path tree = Files.createDirectories(temp.resolve("tree"));
    Path script = Files.copy(SCRIPT, tree.resolve("build-info.sh"));
    git(tree, "init", "-q");
    git(tree, "add", "build-info.sh");
    git(tree, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "one");
    String commit = git(tree, "rev-parse", "HEAD").strip();

    assertEquals("version=1.2.3\ncommit=" + commit + "\n", written(script, Map.of()));
    Files.writeString(tree.resolve("untracked.txt"), "not part of the build's sources");
    assertEquals("version=1.2.3\ncommit=" + commit + "\n", written(script, Map.of()), "untracked files do not count");
    Files.writeString(script, "\n# changed\n", java.nio.file.StandardOpenOption.APPEND);
    assertEquals("version=1.2.3\ncommit=" + commit + "-modified\n", written(script, Map.of()));
  }

  @Test
  void script_withoutGit_writesUnknown_andSucceeds_unlessTheCommitIsGiven() throws Exception {
    Path tarball = Files.createDirectories(temp.resolve("tarball"));
    Path script = Files.copy(SCRIPT, tarball.resolve("build-info.sh"));

    assertEquals("version=1.2.3\ncommit=unknown\n", written(script, Map.of()));
    assertEquals("version=1.2.3\ncommit=abc123\n", written(script, Map.of("GLASSBOX_BUILD_COMMIT", "abc123")));
  }

  /** A source tarball unpacked inside another repository: that repository's commit is not this build's. */
  @Test
  void script_insideAnotherRepository_thatDoesNotTrackIt_writesUnknown() throws Exception {
    Path outer = Files.createDirectories(temp.resolve("outer"));
    git(outer, "init", "-q");
    git(outer, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "--allow-empty", "-m", "one");
    Path script = Files.copy(SCRIPT, Files.createDirectories(outer.resolve("src/server-kit")).resolve("build-info.sh"));
    Path out = temp.resolve("out-outer").resolve("build.properties");

    Run run = run(outer, Map.of(), "bash", script.toString(), "1.2.3", out.toString());

    assertEquals(0, run.status(), run.output());
    assertEquals("version=1.2.3\ncommit=unknown\n", Files.readString(out, UTF_8));
  }

  /** What {@code script} writes for version 1.2.3, run with {@code environment} added; it must succeed. */
  private String written(Path script, Map<String, String> environment) throws Exception {
    Path out = temp.resolve("out-" + System.nanoTime()).resolve("build.properties");
    Run run = run(script.getParent(), environment, "bash", script.toString(), "1.2.3", out.toString());
    assertEquals(0, run.status(), run.output());
    return Files.readString(out, UTF_8);
  }

  private static String git(Path tree, String... arguments) throws Exception {
    List<String> command = new ArrayList<>(List.of("git"));
    command.addAll(List.of(arguments));
    Run run = run(tree, Map.of(), command.toArray(String[]::new));
    assertEquals(0, run.status(), run.output());
    return run.output();
  }

  private record Run(int status, String output) {}

  /**
   * {@code command} in {@code directory}, with {@code environment} added and any GLASSBOX_BUILD_COMMIT
   * of the test's own environment left out. A temporary tree is its own repository: GIT_CEILING_DIRECTORIES
   * stops git from finding one above it (the temporary folder may lie in a clone).
   */
  private static Run run(Path directory, Map<String, String> environment, String... command)
      throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true);
    builder.environment().remove("GLASSBOX_BUILD_COMMIT");
    builder.environment().put("GIT_CEILING_DIRECTORIES", directory.getParent().toString());
    builder.environment().putAll(environment);
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), UTF_8);
    return new Run(process.waitFor(), output);
  }
}
