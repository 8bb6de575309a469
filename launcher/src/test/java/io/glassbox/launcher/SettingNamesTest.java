package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.server.SettingNames;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link SettingNames#ALL} is what the suite reads, no more and no less, so that a GLASSBOX_* name it
 * warns of is truly read by nothing. The launcher depends on every module, so its tests see them all.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SettingNamesTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Pattern JAVA_LITERAL = Pattern.compile("\"(GLASSBOX_[A-Z0-9_]+)\"");
  /** A name in a script, a resource or a manifest; not a prefix such as GLASSBOX_TLS_*. */
  private static final Pattern NAME = Pattern.compile("GLASSBOX_[A-Z0-9_]*[A-Z0-9]");
  private static final Path LIST = Path.of("server-kit/src/main/java/io/glassbox/server/SettingNames.java");

  @Test
  void all_isExactlyTheNamesTheSourcesRead() throws IOException {
    Set<String> read = new TreeSet<>();
    try (Stream<Path> modules = Files.list(ROOT)) {
      for (Path main : modules.map(module -> module.resolve("src/main")).filter(Files::isDirectory).toList()) {
        read.addAll(names(main.resolve("java"), JAVA_LITERAL));
        read.addAll(names(main.resolve("resources"), NAME));
      }
    }
    read.addAll(names(ROOT.resolve("bin"), NAME));
    read.addAll(names(ROOT.resolve(".ci"), NAME));
    read.addAll(deployFileNames());

    assertEquals(read, new TreeSet<>(SettingNames.ALL),
        "SettingNames.ALL must list every GLASSBOX_* name a source reads, and only those");
  }

  @Test
  void deployManifests_nameOnlySettings() throws IOException {
    Set<String> named = new TreeSet<>(names(ROOT.resolve("deploy/kubernetes"), NAME));
    named.addAll(names(ROOT.resolve("deploy/docker"), NAME));
    named.addAll(deployFileNames());

    assertTrue(named.size() > 20, "the manifests were read: " + named);
    named.removeAll(SettingNames.ALL);
    assertEquals(Set.of(), named, "names in deploy/ that no service reads");
  }

  @Test
  void unknownIn_namesEachMisspellingWithTheNearestSetting_andLeavesOthersAlone() {
    assertEquals(List.of(
            "GLASSBOX_FEATURE_STOR is no setting of Glassbox: did you mean GLASSBOX_FEATURE_STORE?",
            "GLASSBOX_REDIS_URL is no setting of Glassbox: did you mean GLASSBOX_REDIS_URI?",
            "GLASSBOX_SOMETHING_ELSE is no setting of Glassbox and is ignored"),
        SettingNames.unknownIn(Map.of(
            "GLASSBOX_REDIS_URL", "redis://localhost:53701",
            "GLASSBOX_FEATURE_STOR", "redis",
            "GLASSBOX_SOMETHING_ELSE", "1",
            "GLASSBOX_FEATURE_STORE", "memory",
            "PATH", "/usr/bin")));
  }

  private static Set<String> deployFileNames() throws IOException {
    Set<String> names = new TreeSet<>();
    try (Stream<Path> files = Files.list(ROOT.resolve("deploy"))) {
      for (Path compose : files.filter(file -> file.getFileName().toString().matches("docker-compose.*\\.yml|.*\\.sh")).toList()) {
        names.addAll(names(compose, NAME));
      }
    }
    return names;
  }

  /** The names {@code pattern} finds (group 1, else the match) in the files under {@code where}, but the list's own. */
  private static Set<String> names(Path where, Pattern pattern) throws IOException {
    Set<String> names = new TreeSet<>();
    if (!Files.exists(where)) {
      return names;
    }
    try (Stream<Path> files = Files.walk(where)) {
      files.filter(Files::isRegularFile).filter(file -> !file.endsWith(LIST)).forEach(file -> {
        Matcher matcher = pattern.matcher(read(file));
        while (matcher.find()) {
          names.add(matcher.groupCount() > 0 ? matcher.group(1) : matcher.group());
        }
      });
    }
    return names;
  }

  private static String read(Path file) {
    try {
      return new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
