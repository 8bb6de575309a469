package io.glassbox.model;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
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

  @Test
  void lines_endedByCarriageReturns_chargeOnlyTheLineBeingRead() throws IOException {
    // Room for a line of 100 characters; the text is 10,000 short lines, 40,000 characters.
    TextParseBudget budget = new TextParseBudget("v2", 1, 100 * TextParseBudget.LINE_BYTES_PER_CHAR);
    String text = "1\tB\r".repeat(5_000) + "2\tB\r\n".repeat(5_000);

    BufferedReader reader = budget.lines(new ByteArrayInputStream(text.getBytes(UTF_8)), "vocabulary.tsv");

    assertEquals(10_000, reader.lines().count());
  }

  @Test
  void lines_aLongLineAfterCarriageReturns_isRefusedNamingItsLine() {
    TextParseBudget budget = new TextParseBudget("v2", 1, 100 * TextParseBudget.LINE_BYTES_PER_CHAR);
    // "\r\n" ends one line, not two.
    String text = "1\tB\r\n2\tB\r3\tB\n4\t" + "B".repeat(200);

    ModelLoadException refused = assertThrows(ModelLoadException.class,
        () -> budget.lines(new ByteArrayInputStream(text.getBytes(UTF_8)), "vocabulary.tsv").lines().count());

    assertTrue(refused.getMessage().contains(" bytes by line 4 (202 characters of it so far)"), refused.getMessage());
  }
}
