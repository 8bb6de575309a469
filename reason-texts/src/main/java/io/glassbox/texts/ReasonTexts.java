package io.glassbox.texts;

import static java.util.Objects.requireNonNull;

import java.text.MessageFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.MissingResourceException;
import java.util.ResourceBundle;
import java.util.Set;

/**
 * The one catalogue of texts Glassbox shows to shoppers, for each supported locale. The
 * templates live in the resource bundle {@code io/glassbox/texts/Reasons} ({@code .properties},
 * en-US as the root, {@code _zh_CN} for Chinese), not in code; this class only picks and fills
 * them. Immutable and thread-safe; one instance per locale.
 */
public final class ReasonTexts {
  /** Locale tags with texts, as requests and reasons spell them. */
  public static final Set<String> SUPPORTED_LOCALES = Set.of("en-US", "zh-CN");

  private static final String BUNDLE = "io.glassbox.texts.Reasons";
  private static final Map<String, ReasonTexts> BY_TAG = Map.of(
      "en-US", new ReasonTexts("en-US", Locale.US),
      "zh-CN", new ReasonTexts("zh-CN", Locale.SIMPLIFIED_CHINESE));

  private final String tag;
  private final Locale locale;
  private final ResourceBundle bundle;

  private ReasonTexts(String tag, Locale locale) {
    this.tag = tag;
    this.locale = locale;
    // The root bundle is en-US: never fall back to the JVM's default locale.
    this.bundle = ResourceBundle.getBundle(
        BUNDLE, locale, ResourceBundle.Control.getNoFallbackControl(ResourceBundle.Control.FORMAT_PROPERTIES));
  }

  /**
   * The texts of a supported locale tag.
   *
   * @throws IllegalArgumentException for any other tag (callers validate requests first)
   */
  public static ReasonTexts forLocale(String tag) {
    ReasonTexts texts = BY_TAG.get(requireNonNull(tag, "tag"));
    if (texts == null) {
      throw new IllegalArgumentException("no texts for locale " + tag);
    }
    return texts;
  }

  /** The locale tag, as reasons carry it. */
  public String tag() {
    return tag;
  }

  /**
   * A reason that cites history items, stating what the counterfactual measured: "Because you
   * bought A and B: without them, it would drop out of your top 10, to #27 instead of #3 among
   * 480 candidates. Those purchases alone would keep it in your top 10."
   *
   * @param titles the evidence titles, at least one
   * @param rank the item's rank with the full record
   * @param rankWithout its rank without the evidence
   * @param rankedCount how many candidates the ranks are counted among
   * @param topK the top-k that necessity and sufficiency refer to
   * @param necessary removing the evidence takes the item out of the top-k
   * @param sufficient the evidence alone keeps it in the top-k
   */
  public String history(
      List<String> titles, int rank, int rankWithout, int rankedCount, int topK,
      boolean necessary, boolean sufficient) {
    if (titles.isEmpty()) {
      throw new IllegalArgumentException("a history reason cites at least one title");
    }
    String count = titles.size() == 1 ? "one" : "several";
    String key = "history." + count + (necessary ? ".necessary" : "");
    Object[] args = {list(titles), rank, rankWithout, rankedCount, topK};
    String text = format(key, args);
    return sufficient ? text + format("history." + count + ".sufficient", args) : text;
  }

  /** "Often bought together with A and B." or, with no titles, "... with items you bought." */
  public String coPurchase(List<String> titles) {
    return titles.isEmpty() ? format("copurchase.withYourItems") : format("copurchase.with", list(titles));
  }

  /** "One of the shop's best sellers." */
  public String popular() {
    return format("popular");
  }

  /** "A", "A and B", "A, B and C", each title quoted as the locale quotes titles. */
  public String list(List<String> titles) {
    String open = bundle.getString("list.open");
    String close = bundle.getString("list.close");
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < titles.size(); i++) {
      if (i > 0) {
        text.append(bundle.getString(i == titles.size() - 1 ? "list.last" : "list.separator"));
      }
      text.append(open).append(titles.get(i)).append(close);
    }
    return text.toString();
  }

  /** Fills the template {@code key} (titles are arguments, so a title's braces stay as they are). */
  String format(String key, Object... args) {
    String pattern;
    try {
      pattern = bundle.getString(key);
    } catch (MissingResourceException e) {
      throw new IllegalStateException("no text " + key + " for " + tag, e);
    }
    return new MessageFormat(pattern, locale).format(args);
  }
}
