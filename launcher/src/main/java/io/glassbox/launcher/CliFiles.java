package io.glassbox.launcher;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The files a command reads, checked before it starts; {@link GlassboxCli} prints a failure in
 * one line ({@link io.glassbox.server.ReadFailures#describe}) instead of a stack trace.
 */
final class CliFiles {
  private CliFiles() {}

  /** {@code file}, if it is a readable file; otherwise an exception naming it and why not. */
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
}
