package io.glassbox.model;

/**
 * One padded batch for {@link LoadedModel#run}: {@code history} holds {@code rows * historyLength}
 * indices and {@code candidates} {@code rows * candidateCount}, row-major.
 */
record InferenceInput(
    long[] history, long[] candidates, int rows, int historyLength, int candidateCount,
    boolean includeAttention, boolean includeContribution) {

  int cells() {
    return rows * candidateCount;
  }
}
