package io.glassbox.model;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;

/**
 * A model version's item vocabulary: external item id <-> model index. Indices run 1..size;
 * 0 is the padding index and belongs to no item.
 */
public final class Vocabulary {
  /** Index fed to the model for "no item" (history padding, candidate padding). */
  public static final int PADDING_INDEX = 0;
  /** Returned by {@link #indexOf} for ids outside the vocabulary. */
  public static final int UNKNOWN = -1;
  private static final String FILE = "vocabulary.tsv";

  private final Map<String, Integer> indexById;
  private final String[] idByIndex;

  private Vocabulary(Map<String, Integer> indexById, String[] idByIndex) {
    this.indexById = indexById;
    this.idByIndex = idByIndex;
  }

  /**
   * Reads {@code index<TAB>item_id} lines (an optional {@code index<TAB>item_id} header first).
   * Indices must be exactly 1..N, each once, and ids unique. {@code in} is left open; what the
   * parse holds is charged to {@code budget}.
   */
  static Vocabulary read(InputStream in, TextParseBudget budget) {
    Map<Integer, String> byIndex = new HashMap<>();
    Map<String, Integer> byId = new HashMap<>();
    try {
      BufferedReader reader = budget.lines(in, FILE);
      String line;
      int lineNumber = 0;
      while ((line = reader.readLine()) != null) {
        lineNumber++;
        if (line.isEmpty() || (lineNumber == 1 && line.startsWith("index\t"))) {
          continue;
        }
        int tab = line.indexOf('\t');
        if (tab <= 0 || tab == line.length() - 1) {
          throw new ModelLoadException("vocabulary.tsv line " + lineNumber + " must be index<TAB>item_id");
        }
        int index;
        try {
          index = Integer.parseInt(line.substring(0, tab));
        } catch (NumberFormatException e) {
          throw new ModelLoadException("vocabulary.tsv line " + lineNumber + " has a non-numeric index");
        }
        String id = line.substring(tab + 1);
        // Both maps' entries, the id, and its slot in idByIndex.
        budget.charge(FILE, lineNumber,
            2 * TextParseBudget.MAP_ENTRY_BYTES + TextParseBudget.stringBytes(id.length()) + Integer.BYTES);
        if (index < 1) {
          throw new ModelLoadException("vocabulary.tsv line " + lineNumber + ": index must be >= 1 (0 is padding)");
        }
        if (byIndex.putIfAbsent(index, id) != null) {
          throw new ModelLoadException("vocabulary.tsv line " + lineNumber + ": index " + index + " appears twice");
        }
        if (byId.putIfAbsent(id, index) != null) {
          throw new ModelLoadException("vocabulary.tsv line " + lineNumber + ": item id appears twice");
        }
      }
    } catch (IOException e) {
      throw new ModelLoadException("vocabulary.tsv cannot be read", e);
    }
    if (byIndex.isEmpty()) {
      throw new ModelLoadException("vocabulary.tsv holds no items");
    }
    String[] idByIndex = new String[byIndex.size() + 1];
    for (int index = 1; index < idByIndex.length; index++) {
      String id = byIndex.get(index);
      if (id == null) {
        throw new ModelLoadException("vocabulary.tsv indices must be 1.." + byIndex.size()
            + " without gaps; " + index + " is missing");
      }
      idByIndex[index] = id;
    }
    // byId as it is, not Map.copyOf: that table probes linearly, and short sequential ids (hash codes
    // packed together) made copying 200k of them take minutes; HashMap bins colliding keys in trees.
    return new Vocabulary(byId, idByIndex);
  }

  /** The model index of {@code itemId}, or {@link #UNKNOWN}. */
  public int indexOf(String itemId) {
    Integer index = indexById.get(itemId);
    return index == null ? UNKNOWN : index;
  }

  /** The item id at {@code index} (1..size). */
  public String idAt(int index) {
    if (index < 1 || index >= idByIndex.length) {
      throw new IndexOutOfBoundsException("index " + index + " is outside 1.." + size());
    }
    return idByIndex[index];
  }

  /** How many of this vocabulary's item ids {@code other} holds too. */
  public int sharedWith(Vocabulary other) {
    return (int) indexById.keySet().stream().filter(other.indexById::containsKey).count();
  }

  /** Items in the vocabulary, padding excluded. */
  public int size() {
    return idByIndex.length - 1;
  }
}
