package io.glassbox.server;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Words for a file that could not be read, for messages a person acts on. */
public final class ReadFailures {
  private ReadFailures() {}

  /**
   * One line: the file and why (Java's own message names only the file for a missing or forbidden
   * one); a relative path says which folder it was looked for in.
   */
  public static String describe(IOException e) {
    if (!(e instanceof FileSystemException failed) || failed.getReason() != null || failed.getFile() == null) {
      return e.getMessage();
    }
    String why = e instanceof NoSuchFileException ? "no such file"
        : e instanceof AccessDeniedException ? "permission denied" : "cannot be read";
    Path file = Path.of(failed.getFile());
    return file.isAbsolute() ? file + ": " + why : file + ": " + why + " in " + Path.of("").toAbsolutePath();
  }
}
