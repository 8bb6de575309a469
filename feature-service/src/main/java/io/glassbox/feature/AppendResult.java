package io.glassbox.feature;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Optional;

/**
 * What {@link EventStore#append} did with a batch.
 *
 * @param stored events newly stored
 * @param duplicates events not stored because their user id + event id was already stored in
 *     the dedupe window (or earlier in the same batch)
 * @param latestBefore the store's newest purchase time just before the batch was stored; empty
 *     when it held none
 * @param latestAfter the newest purchase time just after. Both are read in the same atomic step
 *     as the write, so an append running at the same time never comes between them: the newer of
 *     {@code latestBefore} and the newest purchase this batch stored (duplicates store nothing;
 *     other events do not move it)
 */
public record AppendResult(int stored, int duplicates, Optional<Instant> latestBefore, Optional<Instant> latestAfter) {
  public AppendResult {
    requireNonNull(latestBefore, "latestBefore");
    requireNonNull(latestAfter, "latestAfter");
  }
}
