package io.glassbox.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The report's first line names the model it measured, saying so when the model service names no model or version. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class FaithfulnessReportTest {
  @ParameterizedTest
  @CsvSource(delimiter = '|', emptyValue = "", value = {
      "uci-online-retail | 20261122-050136 | model uci-online-retail 20261122-050136",
      "''                | v1              | model version v1",
      "uci-online-retail | ''              | model uci-online-retail (no version)",
      "''                | ''              | model (unnamed, no version)",
  })
  void table_firstLine_namesTheModelAndSaysWhatIsBlank(String modelName, String modelVersion, String firstLine) {
    FaithfulnessEvaluation.Report report = new FaithfulnessEvaluation.Report(10, modelName, modelVersion);

    assertEquals(firstLine, report.table().lines().findFirst().orElseThrow());
  }
}
