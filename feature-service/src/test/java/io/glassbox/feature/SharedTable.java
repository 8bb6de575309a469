package io.glassbox.feature;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A table of cases that this service's tests and the trainer's read alike (the test resources
 * csv-*.tsv; the trainer's tests/shared_tables.py reads them by the same rules): one case a line,
 * its columns separated by a tab; empty lines and lines starting with # are passed over. In a
 * field, \\uXXXX stands for that character, \\UXXXXXXXX for one past U+FFFF, and {N} after a
 * character or its escape repeats it N times.
 */
final class SharedTable {
  private static final Pattern WRITTEN_CHARACTER =
      Pattern.compile("(?:\\\\u([0-9a-fA-F]{4})|\\\\U([0-9a-fA-F]{8})|(.))(?:\\{([0-9]+)\\})?", Pattern.DOTALL);

  private SharedTable() {}

  /** The cases of test resource {@code name}, each as its columns (as written: see {@link #field}). */
  static List<List<String>> cases(String name) {
    try (InputStream in = SharedTable.class.getResourceAsStream("/" + name)) {
      if (in == null) {
        throw new IllegalStateException("no test resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
          .filter(line -> !line.isEmpty() && !line.startsWith("#"))
          .map(line -> List.of(line.split("\t", -1)))
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A field as a table writes it, read: its escapes and repeats written out. */
  static String field(String written) {
    StringBuilder text = new StringBuilder();
    Matcher character = WRITTEN_CHARACTER.matcher(written);
    while (character.find()) {
      String hex = character.group(1) != null ? character.group(1) : character.group(2);
      String one = hex != null ? Character.toString(Integer.parseInt(hex, 16)) : character.group(3);
      text.append(one.repeat(character.group(4) == null ? 1 : Integer.parseInt(character.group(4))));
    }
    return text.toString();
  }

  /** {@code text} as a table writes it, for a failure's message (no repeats). */
  static String written(String text) {
    StringBuilder out = new StringBuilder();
    text.codePoints().forEach(c -> out.append(c >= ' ' && c < 0x7f ? Character.toString(c)
        : c > 0xffff ? String.format("\\U%08x", c) : String.format("\\u%04x", c)));
    return out.toString();
  }
}
