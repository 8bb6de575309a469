package io.glassbox.server;

/** What an API key may call. {@link #ADMIN} implies {@link #CLIENT}. */
public enum Role {
  /** The public and internal data RPCs (Recommend, Score, GetUserHistory, ...). */
  CLIENT,
  /** Also the admin services (ModelAdmin, FeatureAdmin) on the admin ports. */
  ADMIN;

  /** Whether a key with this role may call something that requires {@code required}. */
  public boolean allows(Role required) {
    return this == ADMIN || required == CLIENT;
  }

  /** The spelling used in the keys file. */
  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
