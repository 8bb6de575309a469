package io.glassbox.model;

import java.util.regex.Pattern;

/** The rule for model and version folder names; it also keeps requests inside the model folder. */
final class VersionNames {
  static final String RULE = "1..64 characters of [A-Za-z0-9._-], not \".\" or \"..\"";
  private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  private VersionNames() {}

  static boolean isValid(String name) {
    // "." and ".." match the character class but would leave the model folder.
    return VALID.matcher(name).matches() && !name.equals(".") && !name.equals("..");
  }
}
