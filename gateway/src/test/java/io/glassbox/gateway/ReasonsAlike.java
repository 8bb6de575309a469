package io.glassbox.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.glassbox.api.v1.Reason;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Recommend's and ExplainItem's reasons for one item read word for word alike but for the count of
 * other purchases each necessary alone: Recommend's is counted on its shortlist ("3 or more"),
 * ExplainItem's on every candidate ("3"), never fewer.
 */
final class ReasonsAlike {
  /** The sentence on other purchases each necessary alone, in its exact and its "or more" forms. */
  private static final Pattern OTHERS_SENTENCE = Pattern.compile(
      " (It would also drop out without (one other purchase|any one of \\d+ (or more )?other purchases)"
          + "|There is at least one other purchase without which it would also drop out)\\.");

  private ReasonsAlike() {}

  static void assertAlike(List<Reason> recommend, List<Reason> explainItem, String what) {
    assertEquals(butOthersCount(recommend), butOthersCount(explainItem), what);
    for (int r = 0; r < recommend.size(); r++) {
      assertTrue(recommend.get(r).getOtherNecessaryPurchases() <= explainItem.get(r).getOtherNecessaryPurchases(),
          what);
    }
  }

  private static List<String> butOthersCount(List<Reason> reasons) {
    return reasons.stream().map(r -> OTHERS_SENTENCE.matcher(r.getText()).replaceAll(" <others>.")).toList();
  }
}
