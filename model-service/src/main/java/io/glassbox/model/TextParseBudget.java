package io.glassbox.model;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.BufferedReader;
import java.io.FilterReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;

/**
 * The heap that parsing a version's text files (vocabulary.tsv, then its title vectors) may take,
 * and a running estimate of what the parse holds: a {@code share}th of what the heap can still
 * grow by when the parse begins, measured once after a full collection. The parsers charge each structure they keep before they make it
 * (strings, array elements, map entries), and {@link #lines} charges the line being read as it
 * is read; the charge that would pass the bound is refused with a {@link ModelLoadException}
 * naming the file, the line and the figures, before the heap can run out. A file's size says
 * little of this: the same bytes parse to 1 to 30 times as much, with short ids or rare words.
 * With compressed references (a heap under 32 GB, as deployed) the estimate is at or above what a
 * parse needs, measured as the least heap (-XX:+UseSerialGC) that parses a file less that for an
 * empty one: a vocabulary of 200k short lines 37.5 MB estimated, 35.7 MB measured; title vectors
 * of one item with 570k distinct words 77 MB, 71 MB; 150k items with Amazon Beauty's title lengths
 * (vocabulary and title vectors) 70 MB, 59 MB. Without them (-XX:-UseCompressedOops, or a heap over
 * 32 GB) headers and references are larger and the estimate falls about 20% short of what a parse
 * holds: a parse may then take nearer a third of the spare heap than a quarter, which such a heap
 * still has room for.
 */
final class TextParseBudget {
  /**
   * A map entry: a HashMap node (32 bytes with compressed references), a boxed int (16) and its
   * table slot (4 bytes at most 0.75 full, twice that while the table doubles), rounded up.
   */
  static final long MAP_ENTRY_BYTES = 64;
  /** A String and its array (24 + 16 bytes, padding up to 8), before its characters. */
  private static final long STRING_BYTES = 48;
  /** An array's header and padding, before its elements. */
  private static final long ARRAY_BYTES = 24;
  /**
   * A line as it is read, a byte a character in Latin-1, two otherwise: three copies at most
   * (BufferedReader's builder while it doubles, then the line and the parser's cut of it).
   */
  static final long LINE_BYTES_PER_CHAR = 6;

  private final String version;
  private final int share;
  private final long bound;
  /** What the structures charged so far hold. */
  private long held;
  /** What the line being read holds. */
  private long line;

  /**
   * The budget of the parse of {@code version}'s text files: a {@code share}th of the heap free
   * after one full collection now. The heap in use counts garbage not yet collected, so a measure
   * without one depends on when the last collection fell; measured once here and kept for the whole
   * parse, the bound is the same for the same versions loaded (a reload is rare, and one
   * {@code System.gc()} is short next to parsing).
   */
  TextParseBudget(String version, int share) {
    this(version, share, collectedSpareHeap());
  }

  /** The budget of the parse of {@code version}'s text files, a {@code share}th of {@code spareHeap} bytes. */
  TextParseBudget(String version, int share, long spareHeap) {
    this.version = version;
    this.share = share;
    this.bound = spareHeap / share;
  }

  private static long collectedSpareHeap() {
    System.gc();
    return ModelLoader.spareHeap();
  }

  /** The most bytes the parse may hold by the estimate. */
  long bound() {
    return bound;
  }

  /** What a String of {@code length} characters takes, whether its characters are Latin-1 or not. */
  static long stringBytes(int length) {
    return STRING_BYTES + 2L * length;
  }

  /** What an array of {@code elements} elements of {@code elementBytes} bytes each takes. */
  static long arrayBytes(long elements, int elementBytes) {
    return ARRAY_BYTES + elements * elementBytes;
  }

  /**
   * Counts {@code bytes} more held by the parse of {@code file}, at line {@code lineNumber}, or
   * refuses it when the estimate would pass the bound.
   */
  void charge(String file, int lineNumber, long bytes) {
    held += bytes;
    check(file, lineNumber, -1);
  }

  /** The lines of {@code file}, read from {@code in} (left open) as UTF-8, each charged while it is read. */
  BufferedReader lines(InputStream in, String file) {
    line = 0;
    return new BufferedReader(new ChargedReader(new InputStreamReader(in, UTF_8), file));
  }

  /** Refuses the parse when the estimate of what it holds has passed the bound. */
  private void check(String file, int lineNumber, long lineChars) {
    long estimate = held + line;
    if (estimate <= bound) {
      return;
    }
    throw new ModelLoadException(file + " in version " + version + " would take more than the " + bound
        + " bytes of heap this service can spare to parse it: about " + estimate + " bytes by line " + lineNumber
        + (lineChars < 0 ? "" : " (" + lineChars + " characters of it so far)")
        + " (vocabulary.tsv and the title vectors together may take 1/" + share
        + " of the heap it has free; give it a larger heap)");
  }

  /**
   * Charges the characters read since the last line end, as {@link #LINE_BYTES_PER_CHAR} each. A
   * line ends, as for {@link BufferedReader#readLine}, at '\n', '\r' or "\r\n" (one end).
   */
  private final class ChargedReader extends FilterReader {
    private final String file;
    private int lineNumber = 1;
    private long lineChars;
    private boolean afterCarriageReturn;

    ChargedReader(InputStreamReader in, String file) {
      super(in);
      this.file = file;
    }

    @Override
    public int read() throws IOException {
      char[] one = new char[1];
      return read(one, 0, 1) < 0 ? -1 : one[0];
    }

    @Override
    public int read(char[] buffer, int offset, int length) throws IOException {
      int read = in.read(buffer, offset, length);
      for (int i = offset; i < offset + read; i++) {
        char c = buffer[i];
        if (c == '\n' && afterCarriageReturn) {
          afterCarriageReturn = false;
        } else if (c == '\n' || c == '\r') {
          lineNumber++;
          lineChars = 0;
          afterCarriageReturn = c == '\r';
        } else {
          lineChars++;
          afterCarriageReturn = false;
        }
      }
      line = lineChars * LINE_BYTES_PER_CHAR;
      check(file, lineNumber, lineChars);
      return read;
    }

    @Override
    public long skip(long n) {
      throw new UnsupportedOperationException("a parse reads every character");
    }
  }
}
