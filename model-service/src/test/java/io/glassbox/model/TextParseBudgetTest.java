package io.glassbox.model;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The budget of a parse of a version's text files: its bound and what it charges. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class TextParseBudgetTest {
  @Test
  void charge_pastTheBoundMeasuredWhenTheBudgetWasMade_isRefused() {
    TextParseBudget budget = new TextParseBudget("v2", ModelLoader.TEXT_SHARE_OF_FREE_HEAP);
    budget.charge("vocabulary.tsv", 1, budget.bound());

    // Nothing was allocated for the charge, so a second measure of the heap would find it as free as
    // before: the bound must not be moved by what the estimate says the parse holds.
    ModelLoadException refused = assertThrows(ModelLoadException.class,
        () -> budget.charge("vocabulary.tsv", 2, 1));

    assertTrue(refused.getMessage().startsWith("vocabulary.tsv in version v2 would take more than the "
        + budget.bound() + " bytes of heap this service can spare to parse it: about " + (budget.bound() + 1)
        + " bytes by line 2 "), refused.getMessage());
  }
}
