package io.glassbox.model.eval;

import io.glassbox.server.Descriptions;

/**
 * The evaluation's input does not fit: a cases or trend-events file not as the trainer writes it
 * (the message names the file and the line), or one that does not go with the model version or
 * the options asked for. The caller's to fix: the command prints the message as one line, without
 * a stack trace.
 */
public final class EvaluationInputException extends IllegalArgumentException {
  public EvaluationInputException(String message) {
    super(message);
  }

  /** A file's first line as a refusal quotes it: cut, or "an empty file" when there is none. */
  static String firstLine(String line) {
    return line == null ? "an empty file" : "\"" + Descriptions.truncate(line) + "\"";
  }
}
