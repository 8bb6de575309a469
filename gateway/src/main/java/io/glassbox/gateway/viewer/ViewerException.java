package io.glassbox.gateway.viewer;

/**
 * A request the viewer answers with an HTTP error: the status and a short message for a person.
 * Messages name the parameter at fault and what to fix; they never repeat the caller's input.
 */
final class ViewerException extends Exception {
  private final int httpStatus;

  ViewerException(int httpStatus, String message) {
    super(message, null, false, false);
    this.httpStatus = httpStatus;
  }

  static ViewerException badRequest(String message) {
    return new ViewerException(400, message);
  }

  int httpStatus() {
    return httpStatus;
  }
}
