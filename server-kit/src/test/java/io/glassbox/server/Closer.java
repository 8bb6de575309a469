package io.glassbox.server;

import java.util.ArrayList;
import java.util.List;

/** Closes what a test opened (servers, channels), last opened first. */
final class Closer implements AutoCloseable {
  private final List<AutoCloseable> resources = new ArrayList<>();

  /** Registers {@code resource}; returns it. */
  <T extends AutoCloseable> T add(T resource) {
    resources.add(resource);
    return resource;
  }

  @Override
  public void close() throws Exception {
    for (int i = resources.size() - 1; i >= 0; i--) {
      resources.get(i).close();
    }
    resources.clear();
  }
}
