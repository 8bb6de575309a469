package io.glassbox.launcher;

import picocli.CommandLine;

/** The range a whole-number option's help states; a value outside it is a usage error (exit 2). */
record WholeNumberRange(long min, long max) {
  /**
   * {@code value} when it is a whole number in the range; else a usage error: "'VALUE' is not a
   * {@code noun}: give MIN..MAX{@code after}".
   */
  long parse(String value, String noun, String after) {
    try {
      long parsed = Long.parseLong(value);
      if (parsed >= min && parsed <= max) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // said below, as for a number out of range
    }
    throw new CommandLine.TypeConversionException("'" + value + "' is not a " + noun + ": give " + min + ".." + max + after);
  }

  /** An option's converter to a whole number of {@code noun} in the range, said as {@link #parse} says. */
  abstract static class Converter implements CommandLine.ITypeConverter<Integer> {
    private final WholeNumberRange range;
    private final String noun;
    private final String after;

    Converter(int min, int max, String noun) {
      this(min, max, noun, "");
    }

    /** {@code after} goes on the usage error's "give MIN..MAX", as {@link #parse} says. */
    Converter(int min, int max, String noun, String after) {
      this.range = new WholeNumberRange(min, max);
      this.noun = noun;
      this.after = after;
    }

    @Override
    public Integer convert(String value) {
      return (int) range.parse(value, noun, after);
    }
  }
}
