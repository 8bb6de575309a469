package io.glassbox.feature;

import static java.util.Objects.requireNonNull;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads RFC 4180 CSV records: fields optionally in double quotes, a doubled quote inside quotes is
 * a literal quote, and quoted fields may hold separators and line breaks (product titles do), each
 * line break read as \n whichever the file holds (\r\n, \n or a lone \r). The first record is
 * the header; columns are looked up by name. The separator is the header line's: a comma, else a
 * semicolon (what a spreadsheet set to a language with decimal commas saves as CSV), else a tab; a
 * byte order mark before the header (a spreadsheet's "CSV UTF-8") is skipped.
 * Input that is not UTF-8 fails the read, naming the source.
 * The trainer reads a dataset folder by the same rules (trainer/glassbox_trainer/data.py).
 */
final class CsvReader implements AutoCloseable {
  private static final String BYTE_ORDER_MARK = "\uFEFF";
  /** A quoted part of a line (a doubled quote inside one reads as two quoted parts). */
  private static final Pattern QUOTED = Pattern.compile("\"[^\"]*\"");
  static final String NOT_UTF_8 =
      "is not valid UTF-8 (a spreadsheet's plain CSV is often Windows-1252: save it as CSV UTF-8)";

  private final BufferedReader input;
  private final String source;
  private final Map<String, Integer> columns = new LinkedHashMap<>();   // header order, for messages
  private final List<String> header;
  private final String firstLine;
  private final StringBuilder field = new StringBuilder();
  private final char separator;
  private long line;
  private long recordLine;

  CsvReader(BufferedReader input, String source) {
    this(input, source, false);
  }

  /**
   * With {@code headerOptional}, blank lines before the first line are passed over and an input
   * without one gives an empty {@link #header} instead of failing: a list of ids needs no header.
   */
  CsvReader(BufferedReader input, String source, boolean headerOptional) {
    this.input = requireNonNull(input, "input");
    this.source = requireNonNull(source, "source");
    String first = readLine();
    if (first != null && first.startsWith(BYTE_ORDER_MARK)) {
      first = first.substring(BYTE_ORDER_MARK.length());
    }
    while (headerOptional && first != null && first.isBlank()) {
      first = readLine();
    }
    firstLine = first;
    if (first == null) {
      if (!headerOptional) {
        throw new DatasetException(source + " is empty; expected a header line");
      }
      separator = ',';
      header = List.of();
      return;
    }
    separator = separatorOf(first);
    header = parse(first).stream().map(String::trim).toList();
    for (int i = 0; i < header.size(); i++) {
      columns.put(header.get(i), i);
    }
  }

  /** The header's fields, trimmed, in file order (a file without a header gives its first record). */
  List<String> header() {
    return header;
  }

  /** The header's line as the file holds it, without a byte order mark; null when there is none. */
  String firstLine() {
    return firstLine;
  }

  /**
   * The next line that is not blank, as the file holds it, or null at the end of the input: for a
   * list of ids, which is one id a line and has no separator.
   */
  String nextLine() {
    String text = readLine();
    while (text != null && text.isBlank()) {
      text = readLine();
    }
    recordLine = line;
    return text;
  }

  /**
   * The header line's separator: a comma, else a semicolon, else a tab, else (one column) a comma;
   * looked for outside quoted names, so that a semicolon file's {@code "Price, EUR"} column does
   * not make it a comma file.
   */
  static char separatorOf(String header) {
    String unquoted = QUOTED.matcher(header).replaceAll("");
    for (char candidate : new char[] {',', ';', '\t'}) {
      if (unquoted.indexOf(candidate) >= 0) {
        return candidate;
      }
    }
    return ',';
  }

  /** The file's separator, as the header line gave it. */
  char separator() {
    return separator;
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

  /**
   * The next record's fields, or null at the end of the input. An empty line holds no record and
   * is passed over (an editor's or a script's trailing blank line), as Python's csv passes it over
   * for the trainer; line numbers still count it.
   */
  List<String> next() {
    String text = readLine();
    while (text != null && text.isEmpty()) {
      text = readLine();
    }
    return text == null ? null : parse(text);
  }

  /**
   * Reads {@code in} as UTF-8, failing on bytes that are not (a {@link DatasetException} from
   * {@link #next}) instead of turning them into replacement characters.
   */
  static BufferedReader utf8(InputStream in) {
    return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT)), 1 << 16);
  }

  /** The next physical line, counted, or null at the end of the input. */
  private String readLine() {
    try {
      String text = input.readLine();
      if (text != null) {
        line++;
      }
      return text;
    } catch (CharacterCodingException e) {
      // Where, the decoder reading ahead cannot say.
      throw new DatasetException(source + " " + NOT_UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(source + " cannot be read: " + e.getMessage(), e);
    }
  }

  /** The record that starts with physical line {@code text} (reading on while a quote is open). */
  private List<String> parse(String text) {
    recordLine = line;
    if (text.indexOf('"') < 0) {
      return splitUnquoted(text, separator);
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
        text = readLine();
        if (text == null) {
          throw new DatasetException(where() + ": quoted field is not closed before the end of the file");
        }
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
      } else if (c == separator) {
        fields.add(field.toString());
        field.setLength(0);
      } else if (c == '"' && field.length() == 0) {
        quoted = true;
      } else {
        field.append(c);
      }
    }
  }

  /** The common case, a line without quotes: plain splitting, no per-character copying. */
  private static List<String> splitUnquoted(String text, char separator) {
    List<String> fields = new ArrayList<>(8);
    int start = 0;
    for (int at = text.indexOf(separator); at >= 0; at = text.indexOf(separator, start)) {
      fields.add(text.substring(start, at));
      start = at + 1;
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
