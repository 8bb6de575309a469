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

  /**
   * The outputs of consecutive row ranges of one batch (same candidates and history length), as
   * the one inference over all of them would have returned them.
   */
  static ModelOutputs concat(java.util.List<ModelOutputs> parts) {
    ModelOutputs first = parts.get(0);
    int rows = parts.stream().mapToInt(ModelOutputs::batch).sum();
    int cells = first.candidates * first.historyLength;
    float[] scores = new float[rows * first.candidates];
    float[] attention = first.attention == null ? null : new float[rows * cells];
    float[] contribution = first.contribution == null ? null : new float[rows * cells];
    int row = 0;
    for (ModelOutputs part : parts) {
      System.arraycopy(part.scores, 0, scores, row * first.candidates, part.scores.length);
      if (attention != null) {
        System.arraycopy(part.attention, 0, attention, row * cells, part.attention.length);
      }
      if (contribution != null) {
        System.arraycopy(part.contribution, 0, contribution, row * cells, part.contribution.length);
      }
      row += part.batch;
    }
    return new ModelOutputs(rows, first.candidates, first.historyLength, scores, attention, contribution);
  }

  /** Copies {@code length} attention (or contribution) values of one cell, starting at history position {@code from}. */
  static float[] slice(float[] values, ModelOutputs shape, int row, int candidate, int from, int length) {
    float[] slice = new float[length];
    System.arraycopy(values, (row * shape.candidates + candidate) * shape.historyLength + from, slice, 0, length);
    return slice;
  }
}
