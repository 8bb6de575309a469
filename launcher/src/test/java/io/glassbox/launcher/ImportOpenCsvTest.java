package io.glassbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code bin/glassbox import}'s reading of a file it is given: a file it cannot read is not left open. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ImportOpenCsvTest {
  private static final Path OPEN_FILES = Path.of("/proc/self/fd");

  @TempDir Path dir;

  /**
   * A file whose first bytes cannot be read (here a folder, which opens on Linux but does not
   * read), or a gzip header it cannot take, fails, and leaves no descriptor open on it. Before,
   * one whose first bytes failed was left open until the process ended.
   */
  @Test
  void openCsv_firstBytesUnreadable_orDamagedGzipHeader_fails_andLeavesTheFileClosed() throws IOException {
    // The suite runs on Linux (Debian, as CI does): a machine without /proc fails here, not skips.
    assertTrue(Files.isDirectory(OPEN_FILES), "needs Linux's /proc/self/fd to see the open files");
    Path folder = Files.createDirectory(dir.resolve("interactions.csv"));
    // gzip's magic bytes, then a compression method (9) that is not deflate.
    Path damaged = Files.write(dir.resolve("items.csv.gz"), new byte[] {0x1f, (byte) 0x8b, 9, 0, 0, 0, 0, 0, 0, 0});

    IOException unreadable = assertThrows(IOException.class, () -> ImportCommand.openCsv(folder));
    assertThrows(ZipException.class, () -> ImportCommand.openCsv(damaged));

    assertEquals("Is a directory", unreadable.getMessage());
    assertEquals(0, openOn(folder), "descriptors open on " + folder);
    assertEquals(0, openOn(damaged), "descriptors open on " + damaged);
  }

  /** How many of this process's file descriptors are open on {@code file}. */
  private static long openOn(Path file) throws IOException {
    Path real = file.toRealPath();
    try (Stream<Path> descriptors = Files.list(OPEN_FILES)) {
      return descriptors.filter(descriptor -> {
        try {
          return Files.readSymbolicLink(descriptor).equals(real);
        } catch (IOException gone) {
          return false;   // closed since it was listed (the listing's own descriptor, say)
        }
      }).count();
    }
  }
}
