package io.glassbox.model;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * A model version's additive "similar to what you bought" term: each of the n history items
 * the model reads adds {@code weight / n * cosine(title(c), title(h))} to candidate c's score
 * and to that history position's contribution, where title() is the item's L2-normalised TF-IDF
 * vector over catalogue title words. The trainer fits the weight on validation data with the
 * trend term and stores it in {@code metadata.json} under {@code "title_similarity":
 * {"weight": 48, "file": "title_vectors.tsv"}}, the vectors in that file ({@code
 * item_id<TAB>word:weight word:weight ...}). Items without a line have no title words: their
 * cosine to anything is 0.
 */
public final class TitleTerm {
  private final double weight;
  /** Item index i's words (ids) and weights are at {@code [start[i], start[i + 1])}. */
  private final int[] start;
  private final int[] words;
  private final float[] values;
  private final int wordCount;
  private final int itemsWithTitles;

  private TitleTerm(double weight, int[] start, int[] words, float[] values, int wordCount,
                    int itemsWithTitles) {
    this.weight = weight;
    this.start = start;
    this.words = words;
    this.values = values;
    this.wordCount = wordCount;
    this.itemsWithTitles = itemsWithTitles;
  }

  public double weight() {
    return weight;
  }

  public int wordCount() {
    return wordCount;
  }

  public int itemsWithTitles() {
    return itemsWithTitles;
  }

  /**
   * Reads the file {@code name} from {@code in} (left open) against the version's vocabulary
   * ({@code weight}: finite, >= 0, checked with the metadata); a malformed line, an item the
   * vocabulary lacks or an item listed twice becomes a {@link ModelLoadException} naming the line.
   * What the parse holds is charged to {@code budget}.
   */
  static TitleTerm read(InputStream in, String name, double weight, Vocabulary vocabulary, TextParseBudget budget) {
    int size = vocabulary.size();
    budget.charge(name, 1, 2 * TextParseBudget.arrayBytes(size + 1, Integer.BYTES));
    int[][] itemWords = new int[size + 1][];
    float[][] itemValues = new float[size + 1][];
    Map<String, Integer> wordIds = new HashMap<>();
    int lineNumber = 0;
    try {
      BufferedReader reader = budget.lines(in, name);
      String line = reader.readLine();
      lineNumber++;
      if (line == null || !line.startsWith("item_id\t")) {
        throw new ModelLoadException(name + " must start with the header item_id<TAB>title_vector");
      }
      while ((line = reader.readLine()) != null) {
        lineNumber++;
        if (line.isBlank()) {
          continue;
        }
        int tab = line.indexOf('\t');
        String itemId = tab < 0 ? line : line.substring(0, tab);
        int index = vocabulary.indexOf(itemId);
        if (tab < 0 || index <= 0) {
          throw new ModelLoadException(name + " line " + lineNumber + ": "
              + (tab < 0 ? "expected item_id<TAB>word:weight ..." : "item " + excerpt(itemId, "")
              + " is not in the vocabulary"));
        }
        if (itemWords[index] != null) {
          throw new ModelLoadException(name + " line " + lineNumber + ": item " + excerpt(itemId, "") + " listed twice");
        }
        // Terms one at a time, not split into an array: a line of many words would make one of
        // them all before anything could be charged.
        String vector = line.substring(tab + 1).trim();
        int terms = termCount(vector);
        budget.charge(name, lineNumber, 2 * TextParseBudget.arrayBytes(terms, Integer.BYTES));
        itemWords[index] = new int[terms];
        itemValues[index] = new float[terms];
        int from = 0;
        for (int t = 0; t < terms; t++) {
          int end = vector.indexOf(' ', from);
          String term = vector.substring(from, end < 0 ? vector.length() : end);
          from = end < 0 ? vector.length() : end;
          while (from < vector.length() && vector.charAt(from) == ' ') {
            from++;
          }
          int colon = term.lastIndexOf(':');
          itemValues[index][t] = colon <= 0 ? Float.NaN : parseFloat(term.substring(colon + 1));
          if (!Float.isFinite(itemValues[index][t])) {
            throw new ModelLoadException(name + " line " + lineNumber + ": expected word:weight, got "
                + excerpt(term, "\""));
          }
          String word = term.substring(0, colon);
          Integer id = wordIds.get(word);
          if (id == null) {
            budget.charge(name, lineNumber,
                TextParseBudget.MAP_ENTRY_BYTES + TextParseBudget.stringBytes(word.length()));
            id = wordIds.size();
            wordIds.put(word, id);
          }
          itemWords[index][t] = id;
        }
      }
    } catch (IOException e) {
      throw new ModelLoadException(name + " could not be read: " + e.getMessage(), e);
    }
    long entries = 0;
    for (int[] words : itemWords) {
      entries += words == null ? 0 : words.length;
    }
    budget.charge(name, lineNumber, TextParseBudget.arrayBytes(size + 2, Integer.BYTES)
        + 2 * TextParseBudget.arrayBytes(entries, Integer.BYTES));
    int[] start = new int[size + 2];
    int withTitles = 0;
    for (int i = 0; i <= size; i++) {
      int n = itemWords[i] == null ? 0 : itemWords[i].length;
      withTitles += n > 0 ? 1 : 0;
      start[i + 1] = start[i] + n;
    }
    int[] words = new int[start[size + 1]];
    float[] values = new float[words.length];
    for (int i = 0; i <= size; i++) {
      if (itemWords[i] != null) {
        System.arraycopy(itemWords[i], 0, words, start[i], itemWords[i].length);
        System.arraycopy(itemValues[i], 0, values, start[i], itemValues[i].length);
      }
    }
    return new TitleTerm(weight, start, words, values, wordIds.size(), withTitles);
  }

  /** An item whose title shares words with another's, and the cosine of their vectors. */
  record Similar(int index, float cosine) {}

  /** Highest cosine first; ties: lower index first. */
  private static final Comparator<Similar> BEST_FIRST =
      Comparator.comparingDouble(Similar::cosine).reversed().thenComparingInt(Similar::index);

  /**
   * The items (indices) with the highest cosine to item {@code index}'s title vector, at most
   * {@code limit}, highest first (ties: lower index first), never the item itself, none at 0.
   * Empty when the item has no title words. Scans every item's words once.
   */
  List<Similar> similar(int index, int limit) {
    if (index <= 0 || index + 1 >= start.length || start[index] == start[index + 1]) {
      return List.of();
    }
    float[] profile = new float[wordCount];
    for (int i = start[index]; i < start[index + 1]; i++) {
      profile[words[i]] = values[i];
    }
    PriorityQueue<Similar> best = new PriorityQueue<>(BEST_FIRST.reversed());
    for (int item = 1; item + 1 < start.length; item++) {
      double sum = 0;
      for (int i = start[item]; i < start[item + 1]; i++) {
        sum += (double) values[i] * profile[words[i]];
      }
      if (item == index || sum <= 0) {
        continue;
      }
      best.add(new Similar(item, (float) sum));
      if (best.size() > limit) {
        best.poll();
      }
    }
    List<Similar> out = new ArrayList<>(best);
    out.sort(BEST_FIRST);
    return out;
  }

  /** The most characters of a line's id or term that a message quotes. */
  private static final int QUOTED_CHARS = 100;

  /**
   * {@code text} between {@code quote}s for a message, cut to its first {@link #QUOTED_CHARS}
   * characters and its length when longer: a term or an id may be millions of characters, written
   * whole into the log and the reload's answer otherwise.
   */
  private static String excerpt(String text, String quote) {
    if (text.length() <= QUOTED_CHARS) {
      return quote + text + quote;
    }
    return quote + text.substring(0, QUOTED_CHARS) + "\u2026" + quote + " (" + text.length() + " characters)";
  }

  /** The terms of a trimmed title vector: runs of characters between runs of spaces (one, empty, when it is). */
  private static int termCount(String vector) {
    int terms = 1;
    for (int i = 0; i + 1 < vector.length(); i++) {
      if (vector.charAt(i) == ' ' && vector.charAt(i + 1) != ' ') {
        terms++;
      }
    }
    return terms;
  }

  private static float parseFloat(String text) {
    try {
      return Float.parseFloat(text);
    } catch (NumberFormatException e) {
      return Float.NaN;
    }
  }

  /**
   * The term of each candidate for a history (item indices, oldest first), and with
   * {@code contribution} non-null each history position's share added to
   * {@code contribution[c][l]} (aligned with {@code history}). Work per row: the history's
   * words once, then each candidate's words, and each (candidate word, history position) pair
   * that shares a word.
   */
  float[] apply(long[] history, long[] candidates, float[][] contribution) {
    float[] term = new float[candidates.length];
    int entries = 0;
    for (long item : history) {
      entries += start[(int) item + 1] - start[(int) item];
    }
    if (entries == 0 || weight == 0) {
      return term;
    }
    double scale = weight / history.length;
    double[] profile = new double[wordCount];
    // With contributions: for each word, a linked list of the history positions that have it.
    int[] head = null;
    int[] next = null;
    int[] position = null;
    int[] entryOf = null;
    if (contribution != null) {
      head = new int[wordCount];
      Arrays.fill(head, -1);
      next = new int[entries];
      position = new int[entries];
      entryOf = new int[entries];
    }
    int e = 0;
    for (int l = 0; l < history.length; l++) {
      for (int i = start[(int) history[l]]; i < start[(int) history[l] + 1]; i++) {
        profile[words[i]] += values[i];
        if (head != null) {
          entryOf[e] = i;
          position[e] = l;
          next[e] = head[words[i]];
          head[words[i]] = e;
          e++;
        }
      }
    }
    for (int c = 0; c < candidates.length; c++) {
      double sum = 0;
      for (int i = start[(int) candidates[c]]; i < start[(int) candidates[c] + 1]; i++) {
        double shared = profile[words[i]];
        if (shared == 0) {
          continue;
        }
        sum += values[i] * shared;
        if (head != null) {
          for (int at = head[words[i]]; at >= 0; at = next[at]) {
            contribution[c][position[at]] += (float) (scale * values[i] * values[entryOf[at]]);
          }
        }
      }
      term[c] = (float) (scale * sum);
    }
    return term;
  }
}
