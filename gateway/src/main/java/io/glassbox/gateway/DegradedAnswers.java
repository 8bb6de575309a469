package io.glassbox.gateway;

import io.glassbox.api.v1.RecommendResponse;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

/**
 * Recommend answers sent to callers with a part left out, {@value #NAME}{part}: {@code
 * explanations} (flagged {@code explanations_degraded}) and {@code ranking} (flagged {@code
 * ranking_degraded}), the categories {@code bin/glassbox load} reports. An answer with both
 * flags counts once under each. Unlike {@link StageMetrics}, whose {@code explain} stage also
 * times calls of answers that then failed outright and the start's warm-up, this counts only
 * answers the gateway sent.
 */
@Singleton
final class DegradedAnswers {
  static final String NAME = "glassbox_gateway_degraded_answers_total";

  private final CounterDataPoint explanations;
  private final CounterDataPoint ranking;

  @Inject
  DegradedAnswers(PrometheusRegistry registry) {
    Counter answers = Counter.builder()
        .name(NAME)
        .help("Recommend answers sent with a part left out, by the part (explanations, ranking)")
        .labelNames("part")
        .register(registry);
    // Both series exist from the start, so a rate over them is 0 rather than absent.
    explanations = answers.labelValues("explanations");
    ranking = answers.labelValues("ranking");
  }

  /** Counts {@code sent}, an answer the caller was sent, under each part it left out. */
  void sent(RecommendResponse sent) {
    if (sent.getExplanationsDegraded()) {
      explanations.inc();
    }
    if (sent.getRankingDegraded()) {
      ranking.inc();
    }
  }
}
