package io.glassbox.launcher;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The files a command reads: checked before it starts, and described in one line that says what
 * is wrong and where it looked ({@link GlassboxCli} prints {@link #describe} instead of a stack
 * trace).
 */
final class CliFiles {
  private CliFiles() {}

  /** {@code file}, if it is a readable file; otherwise the exception {@link #describe} words. */
  static Path readable(Path file) throws IOException {
    if (!Files.exists(file)) {
      throw new NoSuchFileException(file.toString());
    }
    if (Files.isDirectory(file)) {
      throw new FileSystemException(file.toString(), null, "is a folder, not a file");
    }
    if (!Files.isReadable(file)) {
      throw new AccessDeniedException(file.toString());
    }
    return file;
  }

  /**
   * One line for a failed read: the file and why (Java names only the file for a missing or
   * forbidden one); a relative path says which folder it was looked for in.
   */
  static String describe(IOException e) {
    if (!(e instanceof FileSystemException failed) || failed.getReason() != null || failed.getFile() == null) {
      return e.getMessage();
    }
    String why = e instanceof NoSuchFileException ? "no such file"
        : e instanceof AccessDeniedException ? "permission denied" : "cannot be read";
    Path file = Path.of(failed.getFile());
    return file.isAbsolute() ? file + ": " + why : file + ": " + why + " in " + Path.of("").toAbsolutePath();
  }
}
