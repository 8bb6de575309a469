package io.glassbox.feature;

import static java.util.Objects.requireNonNull;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads RFC 4180 CSV records: comma separated, fields optionally in double quotes, a doubled
 * quote inside quotes is a literal quote, and quoted fields may hold commas and line breaks
 * (product titles do). The first record is the header; columns are looked up by name.
 */
final class CsvReader implements AutoCloseable {
  private final BufferedReader input;
  private final String source;
  private final Map<String, Integer> columns = new LinkedHashMap<>();   // header order, for messages
  private final StringBuilder field = new StringBuilder();
  private long line;
  private long recordLine;

  CsvReader(BufferedReader input, String source) {
    this.input = requireNonNull(input, "input");
    this.source = requireNonNull(source, "source");
    List<String> header = next();
    if (header == null) {
      throw new DatasetException(source + " is empty; expected a header line");
    }
    for (int i = 0; i < header.size(); i++) {
      columns.put(header.get(i).trim(), i);
    }
  }

  /** The index of a column named in the header; fails naming the file when it is absent. */
  int column(String name) {
    Integer index = columns.get(name);
    if (index == null) {
      throw new DatasetException(source + " has no column \"" + name + "\"; header has " + columns.keySet());
    }
    return index;
  }

  /** The index of a column named in the header, or -1 when it is absent. */
  int optionalColumn(String name) {
    return columns.getOrDefault(name, -1);
  }

  /** The next record's fields, or null at the end of the input. */
  List<String> next() {
    try {
      String text = input.readLine();
      if (text == null) {
        return null;
      }
      line++;
      recordLine = line;
      if (text.indexOf('"') < 0) {
        return splitUnquoted(text);
      }
      List<String> fields = new ArrayList<>();
      field.setLength(0);
      boolean quoted = false;
      int i = 0;
      while (true) {
        if (i == text.length()) {
          if (!quoted) {
            fields.add(field.toString());
            return fields;
          }
          // A quoted field continues on the next physical line.
          text = input.readLine();
          if (text == null) {
            throw new DatasetException(where() + ": quoted field is not closed before the end of the file");
          }
          line++;
          field.append('\n');
          i = 0;
          continue;
        }
        char c = text.charAt(i++);
        if (quoted) {
          if (c == '"') {
            if (i < text.length() && text.charAt(i) == '"') {
              field.append('"');
              i++;
            } else {
              quoted = false;
            }
          } else {
            field.append(c);
          }
        } else if (c == ',') {
          fields.add(field.toString());
          field.setLength(0);
        } else if (c == '"' && field.length() == 0) {
          quoted = true;
        } else {
          field.append(c);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(source + " cannot be read: " + e.getMessage(), e);
    }
  }

  /** The common case, a line without quotes: plain comma splitting, no per-character copying. */
  private static List<String> splitUnquoted(String text) {
    List<String> fields = new ArrayList<>(8);
    int start = 0;
    for (int comma = text.indexOf(','); comma >= 0; comma = text.indexOf(',', start)) {
      fields.add(text.substring(start, comma));
      start = comma + 1;
    }
    fields.add(text.substring(start));
    return fields;
  }

  /** The physical line (1-based, the header is line 1) where the record last returned starts. */
  long line() {
    return recordLine;
  }

  /** "file line N" of the record last returned by {@link #next}, for error messages. */
  String where() {
    return source + " line " + recordLine;
  }

  @Override
  public void close() {
    try {
      input.close();
    } catch (IOException e) {
      throw new UncheckedIOException(source + " cannot be closed: " + e.getMessage(), e);
    }
  }
}
