package io.glassbox.launcher.load;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

class FailureDescriptionsTest {
  /** R115's review: each deadline's own elapsed time made a new entry, without end over a long run. */
  @Test
  void descriptionsDifferingInTheirNumbers_countAsOne_saidAsTheFirst() {
    FailureDescriptions descriptions = new FailureDescriptions();
    for (int call = 0; call < 1000; call++) {
      descriptions.count("DEADLINE_EXCEEDED", "deadline exceeded after 0." + (900 + call % 97) + "s");
    }
    descriptions.count("DEADLINE_EXCEEDED", "the gateway is busy");
    descriptions.count("UNAVAILABLE", "connection refused");

    assertEquals(Map.of("DEADLINE_EXCEEDED", "deadline exceeded after 0.900s", "UNAVAILABLE", "connection refused"),
        descriptions.mostFrequent());
  }

  @Test
  void pastTheMostOfACode_theRestCountAsOther() {
    FailureDescriptions descriptions = new FailureDescriptions();
    String[] words = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota"};
    for (int i = 0; i < FailureDescriptions.MOST_PER_CODE; i++) {
      descriptions.count("INTERNAL", "kind " + words[i % 9] + words[i / 9 % 9]);
    }
    for (int i = 0; i < 5000; i++) {
      descriptions.count("INTERNAL", "another " + words[i % 9] + words[i / 9 % 9] + words[i / 81 % 9]);
    }

    assertEquals(Map.of("INTERNAL", FailureDescriptions.OTHER), descriptions.mostFrequent());
  }
}
