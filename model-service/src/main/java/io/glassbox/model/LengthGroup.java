package io.glassbox.model;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.function.IntUnaryOperator;

/**
 * The rows of a left-padded batch that need the same padded length, as a batch of their own
 * padded only that far. Used for models whose outputs do not depend on the amount of left
 * padding ({@link ModelLoader#paddingInvariant}), so a row's numbers are the same in its group as
 * in the whole batch.
 *
 * @param rows the rows of the whole batch this group holds, ascending
 * @param input those rows, each left-padded to the group's length
 */
record LengthGroup(int[] rows, InferenceInput input) {

  /**
   * Each row's padded length: {@code paddedLength} of its item count (the positions after its
   * left padding), at most the batch's length.
   */
  static int[] paddedLengths(InferenceInput batch, IntUnaryOperator paddedLength) {
    int length = batch.historyLength();
    int[] lengths = new int[batch.rows()];
    for (int row = 0; row < lengths.length; row++) {
      int first = row * length;
      int padding = 0;
      while (padding < length && batch.history()[first + padding] == Vocabulary.PADDING_INDEX) {
        padding++;
      }
      lengths[row] = Math.min(length, paddedLength.applyAsInt(length - padding));
    }
    return lengths;
  }

  /** The groups of {@code batch}, shortest first: row r goes to the group of {@code lengths[r]}. */
  static List<LengthGroup> of(InferenceInput batch, int[] lengths) {
    int length = batch.historyLength();
    TreeMap<Integer, List<Integer>> rowsByLength = new TreeMap<>();
    for (int row = 0; row < lengths.length; row++) {
      rowsByLength.computeIfAbsent(lengths[row], l -> new ArrayList<>()).add(row);
    }
    List<LengthGroup> groups = new ArrayList<>(rowsByLength.size());
    int candidates = batch.candidateCount();
    rowsByLength.forEach((padded, members) -> {
      long[] history = new long[members.size() * padded];
      long[] candidateIds = new long[members.size() * candidates];
      int[] rows = new int[members.size()];
      for (int i = 0; i < rows.length; i++) {
        rows[i] = members.get(i);
        // The last `padded` positions of the row: all of its items and some of its padding.
        System.arraycopy(batch.history(), rows[i] * length + length - padded, history, i * padded, padded);
        System.arraycopy(batch.candidates(), rows[i] * candidates, candidateIds, i * candidates, candidates);
      }
      groups.add(new LengthGroup(rows, new InferenceInput(history, candidateIds, rows.length, padded,
          candidates, batch.includeAttention(), batch.includeContribution())));
    });
    return groups;
  }

  /**
   * The outputs of every group put back in the shape of {@code batch}: each row's scores in its
   * place, its attention and contribution right-aligned to the batch's length with 0 at the
   * extra padding positions (which is what the model gives padding).
   */
  static ModelOutputs join(List<LengthGroup> groups, List<ModelOutputs> outputs, InferenceInput batch) {
    int candidates = batch.candidateCount();
    int length = batch.historyLength();
    float[] scores = new float[batch.rows() * candidates];
    float[] attention = batch.includeAttention() ? new float[batch.rows() * candidates * length] : null;
    float[] contribution = batch.includeContribution() ? new float[batch.rows() * candidates * length] : null;
    for (int g = 0; g < groups.size(); g++) {
      int[] rows = groups.get(g).rows;
      ModelOutputs part = outputs.get(g);
      int padded = part.historyLength();
      for (int i = 0; i < rows.length; i++) {
        System.arraycopy(part.scores(), i * candidates, scores, rows[i] * candidates, candidates);
        for (int c = 0; c < candidates; c++) {
          int from = (i * candidates + c) * padded;
          int to = (rows[i] * candidates + c) * length + length - padded;
          if (attention != null) {
            System.arraycopy(part.attention(), from, attention, to, padded);
          }
          if (contribution != null) {
            System.arraycopy(part.contribution(), from, contribution, to, padded);
          }
        }
      }
    }
    return new ModelOutputs(batch.rows(), candidates, length, scores, attention, contribution);
  }
}
