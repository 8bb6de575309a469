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

  /** Rows {@code [from, to)} of this batch, as a batch of their own. */
  InferenceInput rows(int from, int to) {
    return new InferenceInput(
        java.util.Arrays.copyOfRange(history, from * historyLength, to * historyLength),
        java.util.Arrays.copyOfRange(candidates, from * candidateCount, to * candidateCount),
        to - from, historyLength, candidateCount, includeAttention, includeContribution);
  }
}
