package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/glassbox} on a tree built before, on a machine (or PATH) without Java: it says what
 * is missing, as it does when a build is needed, instead of bash's "exec: java: not found".
 */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class LauncherScriptJavaTest {
  private static final Path ROOT = Path.of(System.getProperty("glassbox.repo.root"));

  @TempDir Path dir;

  @Test
  void builtTreeWithoutJava_saysJavaIsNeeded() throws IOException, InterruptedException {
    Path tree = Files.createDirectories(dir.resolve("tree"));
    Files.createDirectories(tree.resolve("bin"));
    Files.copy(ROOT.resolve("bin/glassbox"), tree.resolve("bin/glassbox"));
    Files.setLastModifiedTime(Files.writeString(tree.resolve("pom.xml"), ""), FileTime.from(Instant.EPOCH));
    Files.writeString(Files.createDirectories(tree.resolve("launcher/target")).resolve("classpath.txt"), "/none.jar");
    // Every tool the script uses but java (and flock, which it does without).
    Path path = Files.createDirectories(dir.resolve("path"));
    for (String tool : List.of("bash", "cat", "dirname", "find", "head", "mkdir", "touch", "rm", "sed", "grep")) {
      Files.createSymbolicLink(path.resolve(tool), which(tool));
    }

    ProcessBuilder run = new ProcessBuilder(path.resolve("bash").toString(), tree.resolve("bin/glassbox").toString(),
        "--version").redirectErrorStream(true);
    run.environment().put("PATH", path.toString());
    Process process = run.start();
    String said = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

    assertEquals(1, process.waitFor(), said);
    assertEquals("glassbox: Java 17 or later is needed to run (apt-get install openjdk-17-jre-headless;"
        + " openjdk-17-jdk to build)\n", said);
  }

  private static Path which(String tool) {
    for (String folder : System.getenv("PATH").split(":")) {
      Path candidate = Path.of(folder, tool);
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException(tool + " is not on PATH");
  }
}
