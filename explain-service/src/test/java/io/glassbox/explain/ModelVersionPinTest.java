package io.glassbox.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class ModelVersionPinTest {
  @Test
  void orAnswered_aBlankAnswer_pinsNothing() {
    for (String blank : new String[] {"", " ", "\t"}) {
      ModelVersionPin pin = ModelVersionPin.NONE.orAnswered(blank);

      assertEquals(Optional.empty(), pin.version(), "answered \"" + blank + "\"");
      assertFalse(pin.ours(), "answered \"" + blank + "\"");
    }
  }

  @Test
  void orAnswered_aVersion_isOursUntilAnotherAnswers() {
    ModelVersionPin pin = ModelVersionPin.NONE.orAnswered("v1");

    assertEquals(Optional.of("v1"), pin.version());
    assertTrue(pin.ours());
    assertEquals(pin, pin.orAnswered("v2"));
    assertEquals(ModelVersionPin.ofCaller("v0"), ModelVersionPin.ofCaller("v0").orAnswered("v1"));
    assertFalse(ModelVersionPin.ofCaller("v0").ours());
  }
}
