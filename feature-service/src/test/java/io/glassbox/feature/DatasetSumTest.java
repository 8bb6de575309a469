package io.glassbox.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The per-user sum that lets a folder lose erased customers' rows and still be the one seeded. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class DatasetSumTest {
  private static final List<Dataset.Item> ITEMS = List.of(item("A"), item("B"), item("C"));

  @Test
  void isLess_folderWithoutErasedUsersRows_isTheSeededOneLessThem() {
    DatasetSum seeded = DatasetSum.of(folder(row("u1", "A", 10, 1), row("u2", "B", 20, 2), row("u1", "C", 30, 3),
        row("u3", "A", 40, 4)));
    String u1 = seeded.part("u1").orElseThrow();
    String u3 = seeded.part("u3").orElseThrow();

    // No seq_pos: a sequence is the row's place in the file, which removing u1 shifts for u3.
    DatasetSum without = DatasetSum.of(folder(row("u2", "B", 20, 1), row("u3", "A", 40, 2)));

    assertTrue(without.isLess(seeded.total(), Set.of(u1, u3)), "u3 erased, still in the folder");
    assertTrue(without.isLess(seeded.total(), Set.of(u1)));
    assertFalse(without.isLess(seeded.total(), Set.of()), "u1 not erased");
    assertFalse(without.isLess(seeded.total(), Set.of(u3)), "u1 not erased");
    assertTrue(seeded.isLess(seeded.total(), Set.of(u1, u3)), "the folder as seeded");
    assertEquals(Optional.empty(), without.part("u1"));
  }

  @Test
  void isLess_anyOtherChangeBesideTheErasedUsersRows_isNot() {
    DatasetSum seeded = DatasetSum.of(folder(row("u1", "A", 10, 1), row("u2", "B", 20, 2), row("u2", "C", 20, 3)));
    Set<String> erased = Set.of(seeded.part("u1").orElseThrow());

    assertFalse(DatasetSum.of(folder(row("u2", "B", 20, 2))).isLess(seeded.total(), erased), "a row of u2 gone");
    assertFalse(DatasetSum.of(folder(row("u2", "B", 21, 2), row("u2", "C", 20, 3))).isLess(seeded.total(), erased),
        "a time changed");
    assertFalse(DatasetSum.of(folder(row("u2", "C", 20, 2), row("u2", "B", 20, 3))).isLess(seeded.total(), erased),
        "u2's two rows of one second in the other order");
    assertFalse(DatasetSum.of(new Dataset(List.of(item("A"), item("B")),
        List.of(row("u2", "B", 20, 2), row("u2", "C", 20, 3)))).isLess(seeded.total(), erased), "an item gone");
    assertTrue(DatasetSum.of(folder(row("u2", "B", 20, 2), row("u2", "C", 20, 3))).isLess(seeded.total(), erased));
  }

  /** A part names its user: an erased customer's rows kept under another id are another folder. */
  @Test
  void isLess_erasedUsersRowsUnderAnotherId_isNot() {
    DatasetSum seeded = DatasetSum.of(folder(row("u1", "A", 10, 1), row("u2", "B", 20, 2)));
    Set<String> erased = Set.of(seeded.part("u1").orElseThrow());

    DatasetSum renamed = DatasetSum.of(folder(new Dataset.Interaction("u9", "A", 10, 0, EventType.PURCHASE, "o-u1", 1),
        row("u2", "B", 20, 2)));

    assertFalse(renamed.isLess(seeded.total(), erased));
  }

  @Test
  void total_rowsOfDifferentUsersInAnotherFileOrder_isTheSame() {
    DatasetSum one = DatasetSum.of(folder(row("u1", "A", 10, 1), row("u2", "B", 20, 2)));
    DatasetSum other = DatasetSum.of(folder(row("u2", "B", 20, 1), row("u1", "A", 10, 2)));

    assertEquals(one.total(), other.total());
    assertNotEquals(one.part("u1"), one.part("u2"));
  }

  private static Dataset folder(Dataset.Interaction... rows) {
    return new Dataset(ITEMS, new ArrayList<>(List.of(rows)));
  }

  private static Dataset.Interaction row(String user, String item, long second, long sequence) {
    return new Dataset.Interaction(user, item, second, 0, EventType.PURCHASE, "o-" + user, sequence);
  }

  private static Dataset.Item item(String id) {
    return new Dataset.Item(id, "Item " + id, "", "", 1.5);
  }
}
