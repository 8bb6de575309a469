package io.glassbox.feature;

/**
 * What {@link EventStore#append} did with a batch.
 *
 * @param stored events newly stored
 * @param duplicates events not stored because their user id + event id was already stored in
 *     the dedupe window (or earlier in the same batch)
 */
public record AppendResult(int stored, int duplicates) {}
