package io.glassbox.model;

/**
 * The raw outputs of one inference over a padded batch, row-major: {@code scores[b*C + c]},
 * {@code attention[(b*C + c)*L + l]}. Attention and contribution are null when not requested.
 */
record ModelOutputs(
    int batch, int candidates, int historyLength,
    float[] scores, float[] attention, float[] contribution) {

  float score(int row, int candidate) {
    return scores[row * candidates + candidate];
  }

  /** Copies {@code length} attention (or contribution) values of one cell, starting at history position {@code from}. */
  static float[] slice(float[] values, ModelOutputs shape, int row, int candidate, int from, int length) {
    float[] slice = new float[length];
    System.arraycopy(values, (row * shape.candidates + candidate) * shape.historyLength + from, slice, 0, length);
    return slice;
  }
}
