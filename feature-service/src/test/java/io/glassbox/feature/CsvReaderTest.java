package io.glassbox.feature;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class CsvReaderTest {
  private static CsvReader reader(String text) {
    return new CsvReader(new BufferedReader(new StringReader(text)), "test.csv");
  }

  @Test
  void next_quotedFieldsKeepCommasDoubledQuotesAndLineBreaks() {
    try (CsvReader csv = reader("id,title,price\n"
        + "21216,\"SET 3 RETROSPOT TEA,COFFEE,SUGAR\",4.95\n"
        + "22041,\"RECORD FRAME 7\"\" SINGLE SIZE\",2.55\n"
        + "1,\"two\nlines\",\n")) {
      assertEquals(1, csv.column("title"));
      assertEquals(List.of("21216", "SET 3 RETROSPOT TEA,COFFEE,SUGAR", "4.95"), csv.next());
      assertEquals(List.of("22041", "RECORD FRAME 7\" SINGLE SIZE", "2.55"), csv.next());
      assertEquals(List.of("1", "two\nlines", ""), csv.next());
      assertNull(csv.next());
    }
  }

  /**
   * Every case of csv-line-breaks.tsv, which the trainer's test_import_format reads too: a line break
   * in a quoted field, \r\n, \n or a lone \r, is read as \n, by the feature service as by the trainer.
   */
  @Test
  void next_theLineBreakCasesSharedWithTheTrainer_readAsTheTableSays(@TempDir Path dir) throws IOException {
    List<List<String>> cases = SharedTable.cases("csv-line-breaks.tsv");
    assertTrue(cases.size() > 10, "csv-line-breaks.tsv holds " + cases.size() + " cases");
    Path file = dir.resolve("items.csv");
    assertAll(cases.stream().map(c -> () -> {
      assertEquals(2, c.size(), () -> "not a case: " + c);
      Files.writeString(file, SharedTable.field(c.get(1)));
      try (CsvReader csv = new CsvReader(CsvReader.utf8(Files.newInputStream(file)), "items.csv")) {
        assertEquals(SharedTable.field(c.get(0)), csv.next().get(csv.column("title")), () -> "file " + c.get(1));
      }
    }));
  }

  /** What a spreadsheet saves: a byte order mark first, and semicolons (or tabs) between fields. */
  @Test
  void next_separatorIsTheHeaderLines_andAByteOrderMarkIsSkipped() {
    try (CsvReader csv = reader("\uFEFFid;title;price\n1;\"Tea; coffee, \"\"sugar\"\"\";3,50\n2;Mug;\n")) {
      assertEquals(';', csv.separator());
      assertEquals(0, csv.column("id"));
      assertEquals(List.of("1", "Tea; coffee, \"sugar\"", "3,50"), csv.next());
      assertEquals(List.of("2", "Mug", ""), csv.next());
    }
    try (CsvReader csv = reader("id\ttitle\n1\tMug, red; large\n")) {
      assertEquals('\t', csv.separator());
      assertEquals(List.of("1", "Mug, red; large"), csv.next());
    }
    // A comma in the header wins: a semicolon there is part of a name.
    try (CsvReader csv = reader("id,title;x\n1,a;b\n")) {
      assertEquals(',', csv.separator());
      assertEquals(1, csv.column("title;x"));
    }
    try (CsvReader csv = reader("id\n1\n")) {
      assertEquals(',', csv.separator());
      assertEquals(List.of("1"), csv.next());
    }
    // Only outside quotes: a semicolon file with a column named "Price, EUR" (or with a quote in a name).
    try (CsvReader csv = reader("id;\"Price, EUR\";\"a \"\"b,c\"\"\"\n1;3,50;x\n")) {
      assertEquals(';', csv.separator());
      assertEquals(1, csv.column("Price, EUR"));
      assertEquals(2, csv.column("a \"b,c\""));
      assertEquals(List.of("1", "3,50", "x"), csv.next());
    }
  }

  /** Blank lines hold no record, as the trainer's csv module reads them; a quoted one is a field's. */
  @Test
  void next_emptyLines_arePassedOver_andLinesStillCountThem() {
    try (CsvReader csv = reader("id,title\n\n1,a\r\n\r\n2,\"b\n\nc\"\n\n")) {
      assertEquals(List.of("1", "a"), csv.next());
      assertEquals(3, csv.line());
      assertEquals(List.of("2", "b\n\nc"), csv.next());
      assertEquals(5, csv.line());
      assertNull(csv.next());
    }
  }

  @Test
  void column_missing_namesTheFileAndColumn() {
    try (CsvReader csv = reader("user,item,when\n")) {
      DatasetException e = assertThrows(DatasetException.class, () -> csv.column("user_id"));
      // The header as the file has it, in its order.
      assertTrue(e.getMessage().endsWith("test.csv has no column \"user_id\"; header has [user, item, when]"),
          e.getMessage());
    }
  }

  @Test
  void next_unclosedQuote_failsWithLine() {
    try (CsvReader csv = reader("id,title\n1,\"never closed\n")) {
      DatasetException e = assertThrows(DatasetException.class, csv::next);
      assertTrue(e.getMessage().contains("test.csv line 2"), e.getMessage());
    }
    // The line its record starts on, after a quoted line break and a blank line; quotes inside a
    // field and doubled ones open nothing (test_import_format reads the same lines alike).
    try (CsvReader csv = reader("id,title\n1,\"two\nlines\"\n\n2,x\"y\n3,\"a\"\"b\"\n4,\"open\nmore\n")) {
      assertEquals(List.of("1", "two\nlines"), csv.next());
      assertEquals(List.of("2", "x\"y"), csv.next());
      assertEquals(List.of("3", "a\"b"), csv.next());
      DatasetException e = assertThrows(DatasetException.class, csv::next);
      assertEquals("test.csv line 7: quoted field is not closed before the end of the file", e.getMessage());
    }
  }

  @Test
  void constructor_emptyInput_fails() {
    assertThrows(DatasetException.class, () -> reader(""));
  }
}
