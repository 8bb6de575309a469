package io.glassbox.texts;

import static java.util.Objects.requireNonNull;

import java.text.MessageFormat;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.MissingResourceException;
import java.util.Optional;
import java.util.ResourceBundle;
import java.util.Set;

/**
 * The one catalogue of texts Glassbox shows to shoppers, for each supported locale. The
 * templates live in the resource bundle {@code io/glassbox/texts/Reasons} ({@code .properties},
 * en-US as the root, {@code _zh_CN} for Chinese), not in code; this class only picks and fills
 * them. Immutable and thread-safe; one instance per locale.
 */
public final class ReasonTexts {
  private static final String BUNDLE = "io.glassbox.texts.Reasons";
  private static final Map<String, ReasonTexts> BY_TAG = Map.of(
      "en-US", new ReasonTexts("en-US", Locale.US),
      "zh-CN", new ReasonTexts("zh-CN", Locale.SIMPLIFIED_CHINESE));
  /** Locale tags with texts, as requests and reasons spell them. */
  public static final Set<String> SUPPORTED_LOCALES = BY_TAG.keySet();

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
   * What the counterfactual rows measured of a history reason, for {@link #history}.
   *
   * @param titles the evidence titles, at least one
   * @param rank the item's rank with the full record
   * @param rankWithout its rank without the evidence
   * @param rankedCount how many candidates the ranks are counted among
   * @param topK the top-k that necessity and sufficiency refer to
   * @param necessary removing the evidence takes the item out of the top-k
   * @param sufficient the evidence alone puts it in the top-k: keeps it there when {@code rank}
   *     is within it, brings it in when not (ExplainItem asks about any item)
   * @param othersNecessary how many other purchases, each left out alone, also take it out of
   *     the top-k (said when > 0: "It would also drop out without any one of 16 other purchases.")
   * @param othersAtLeast {@code othersNecessary} is a lower bound (counted on a shortlist of the
   *     candidates), and the text says so: "… without any one of 16 or more other purchases.", for
   *     one "There is at least one other purchase without which it would also drop out."
   * @param rankWithNoPurchases the item's rank with no purchases at all (0: not measured); when
   *     that is within the top-k, the evidence's sufficiency says nothing of it, and the text says
   *     so, and a reason that claims no sufficiency states that rank: the purchases it cites lift
   *     the item, yet it needs no purchases to be there
   */
  public record HistoryClaim(
      List<String> titles, int rank, int rankWithout, int rankedCount, int topK, boolean necessary,
      boolean sufficient, int othersNecessary, boolean othersAtLeast, int rankWithNoPurchases) {
    public HistoryClaim {
      titles = List.copyOf(titles);
      if (titles.isEmpty()) {
        throw new IllegalArgumentException("a history reason cites at least one title");
      }
    }

    /** A claim whose {@code othersNecessary}, if any, was counted exactly. */
    public HistoryClaim(
        List<String> titles, int rank, int rankWithout, int rankedCount, int topK, boolean necessary,
        boolean sufficient, int othersNecessary, int rankWithNoPurchases) {
      this(titles, rank, rankWithout, rankedCount, topK, necessary, sufficient, othersNecessary, false,
          rankWithNoPurchases);
    }

    /** With no purchases at all the item is in the top-k too. */
    public boolean inTopKWithNoPurchases() {
      return rankWithNoPurchases > 0 && rankWithNoPurchases <= topK;
    }
  }

  /**
   * A reason that cites history items, stating what the counterfactual measured: "Because you
   * bought A and B: without them, it would drop out of your top 10 new picks, to #27 instead of #3 among
   * 480 candidates. Those purchases alone would keep it in your top 10 new picks."
   */
  public String history(HistoryClaim claim) {
    String count = claim.titles().size() == 1 ? "one" : "several";
    String key = "history." + count + (claim.necessary() ? ".necessary" : "");
    Object[] args = {list(claim.titles()), claim.rank(), claim.rankWithout(), claim.rankedCount(), claim.topK(),
        claim.othersNecessary(), claim.rankWithNoPurchases()};
    String text = format(key, args);
    if (claim.othersNecessary() > 0) {
      text += format("history.othersNecessary" + (claim.othersNecessary() == 1 ? ".one" : "")
          + (claim.othersAtLeast() ? ".atLeast" : ""), args);
    }
    if (!claim.sufficient()) {
      return claim.inTopKWithNoPurchases() ? text + format("history.noPurchases", args) : text;
    }
    return text + format("history." + count + ".sufficient" + (claim.rank() <= claim.topK() ? "" : ".into")
        + (claim.inTopKWithNoPurchases() ? ".anyway" : ""), args);
  }

  /**
   * A reason that rests on the model's trend term, stating what re-scoring without it measured:
   * "Popular lately: bought 120 times in the last 14 days. Without that, it would drop out of
   * your top 10 new picks, to #14 instead of #4 among 480 candidates."
   *
   * @param purchases the item's purchases in the window, >= 1
   * @param window the window they were counted over, positive; said in days when it is whole
   *     days, else in hours (rounded up)
   * @param rank the item's rank with the trend term
   * @param rankWithout its rank without it
   * @param rankedCount how many candidates the ranks are counted among
   * @param topK the top-k that necessity refers to
   * @param necessary removing the trend term takes the item out of the top-k
   */
  public String trend(
      long purchases, Duration window, int rank, int rankWithout, int rankedCount, int topK,
      boolean necessary) {
    return trend(purchases, window, Optional.empty(), rank, rankWithout, rankedCount, topK, necessary);
  }

  /**
   * The same, naming the request time the purchases were counted up to when {@code asOf} is
   * given: "Popular lately: bought 59 times in the 14 days before 2011-12-09 12:50 UTC. …". The
   * window is half-open, {@code [asOf - window, asOf)} (as the trainer fit the trend term), over
   * purchase times kept to the whole second, so a purchase at {@code asOf} itself is not counted
   * when {@code asOf} is a whole second, and "in the last 14 days" would claim it is.
   *
   * @param asOf the end of the window, said in UTC to the second (to the minute when whole),
   *     a fraction rounded up: the seconds counted are those before it
   */
  public String trend(
      long purchases, Duration window, Optional<Instant> asOf, int rank, int rankWithout, int rankedCount,
      int topK, boolean necessary) {
    if (window.isNegative() || window.isZero()) {
      throw new IllegalArgumentException("the window must be positive, got " + window);
    }
    Span span = Span.of(window);
    String key = "trend." + (span.days() ? "days" : "hours") + (asOf.isPresent() ? ".before" : "")
        + (necessary ? ".necessary" : "");
    return format(key, purchases, span.length(), rank, rankWithout, rankedCount, topK,
        Long.toString(purchases), Long.toString(span.length()), asOf.map(ReasonTexts::utcTime).orElse(""));
  }

  /**
   * "2011-12-09 12:50 UTC", or "2011-12-09 12:50:30 UTC" when the second is not whole minutes;
   * a fraction of a second is rounded up, as the stores count: they keep purchases to the whole
   * second and count each second s before {@code time} rounded up, so an as_of of 12:50:12.345
   * counts a purchase at 12:50:12, and "before 12:50:13" is exactly what was counted.
   */
  private static String utcTime(Instant time) {
    long second = time.getNano() == 0 ? time.getEpochSecond() : time.getEpochSecond() + 1;
    LocalDateTime utc = LocalDateTime.ofEpochSecond(second, 0, ZoneOffset.UTC);
    return utc.format(DateTimeFormatter.ofPattern(utc.getSecond() == 0 ? "yyyy-MM-dd HH:mm" : "yyyy-MM-dd HH:mm:ss",
        Locale.ROOT)) + " UTC";
  }

  /**
   * A window as reasons say it: in days when it is whole days, else in hours (rounded up).
   *
   * @param length how many days or hours
   * @param days whether {@code length} counts days
   */
  public record Span(long length, boolean days) {
    /** The span of a positive {@code window}. */
    public static Span of(Duration window) {
      long seconds = window.getSeconds() + (window.getNano() > 0 ? 1 : 0);
      boolean days = seconds % 86_400 == 0;
      return new Span(days ? seconds / 86_400 : (seconds + 3_599) / 3_600, days);
    }
  }

  /**
   * "It has been bought together with A (in 12 orders of up to 100 different items) and B (in one
   * order of up to 100 different items), which you bought." It names the pairs it rests on: with
   * none to name there is no such reason (for a shopper with one purchase, "with items you bought"
   * would name the pair all the same).
   *
   * @param titles the purchases bought together with the item, at least one
   * @param sharedOrders aligned with {@code titles}: the shop's orders of up to {@code
   *     maxBasketSize} distinct items holding both the item and that purchase; empty to state no
   *     counts
   * @param maxBasketSize the most distinct items of an order the counts count (the co-purchase
   *     statistics leave bigger orders out, so a count is not of every order holding both); 0 to
   *     state no counts
   */
  public String coPurchase(List<String> titles, List<Integer> sharedOrders, int maxBasketSize) {
    if (titles.isEmpty()) {
      throw new IllegalArgumentException("a co-purchase reason names at least one purchase");
    }
    if (sharedOrders.isEmpty() || maxBasketSize <= 0) {
      return format("copurchase.with", list(titles));
    }
    if (sharedOrders.size() != titles.size()) {
      throw new IllegalArgumentException("one shared-order count per title");
    }
    List<String> parts = new ArrayList<>(titles.size());
    for (int i = 0; i < titles.size(); i++) {
      int orders = sharedOrders.get(i);
      parts.add(format("copurchase.via", quoted(titles.get(i)), orders, Integer.toString(orders), maxBasketSize));
    }
    return format("copurchase.with", joined(parts));
  }

  /**
   * Why a buy-again item is placed first, and nothing more (a rule, not a model claim): "You
   * bought this in 4 of your 9 orders, most recently on 2011-11-20."
   *
   * @param ordersWithItem the user's distinct orders with the item, >= 1
   * @param orders the user's distinct orders, >= {@code ordersWithItem}
   * @param lastPurchase the day of the last purchase (the caller picks the time zone; the gateway
   *     gives the shop's, UTC when none is named)
   * @param latestOrdersOnly the counts cover only the user's latest orders (the store dropped the
   *     oldest part of a long record): "4 of your last 9 orders"
   */
  public String buyAgain(int ordersWithItem, int orders, java.time.LocalDate lastPurchase, boolean latestOrdersOnly) {
    if (ordersWithItem < 1 || orders < ordersWithItem) {
      throw new IllegalArgumentException("need 1 <= ordersWithItem <= orders, got "
          + ordersWithItem + " of " + orders);
    }
    return format(latestOrdersOnly ? "buyAgain.recent" : "buyAgain", ordersWithItem, orders, lastPurchase.toString());
  }

  /**
   * Why an item the model does not know yet is shown, and nothing more (a rule, not a model
   * claim): "New in the shop: the model has not learned this item yet, ..."
   */
  public String newcomer() {
    return format("newcomer");
  }

  /**
   * For one of the shop's best sellers (the feature service's rule: among the top 10% of the items
   * bought, and bought at least 10 times): "Among the shop's top 10% best-selling items: bought 1969 times."
   * or, with no count, "Among the shop's top 10% best-selling items."
   *
   * @param purchases the item's purchases in the shop; 0 to state none
   */
  public String popular(long purchases) {
    return counted("popular", purchases);
  }

  /**
   * For an item found among the shop's most bought that is not one of its best sellers: how often
   * it was bought, claiming no popularity. "It has been bought 3 times in this shop." or, with no
   * count, "It has been bought in this shop."
   *
   * @param purchases the item's purchases in the shop; 0 to state none
   */
  public String sales(long purchases) {
    return counted("sales", purchases);
  }

  /** The text of {@code key}, or of {@code key}.bought stating {@code purchases} when > 0. */
  private String counted(String key, long purchases) {
    return purchases > 0 ? format(key + ".bought", purchases, Long.toString(purchases)) : format(key);
  }

  /**
   * What WhyNot's removal search looked at and found.
   *
   * @param purchasesRead how many distinct purchases the model reads (its window); 0 for a
   *     shopper with no record, or one whose purchases are all items the model does not know
   * @param heldBackTitle the history item whose removal raises the item most, if any (else null)
   * @param heldBackRank the item's rank without it
   * @param changeTitles the smallest change found (items left out), empty if none was found
   * @param changeRank the item's rank after that change
   * @param maxChanges most items the search left out at once
   * @param searched how many purchases the search drew its sets from (those holding the item back
   *     most): without a change found, the text claims nothing about sets of other purchases; when
   *     they are no more than {@code maxChanges}, every set of them was tried, and it says so
   */
  public record RemovalSearch(
      int purchasesRead, String heldBackTitle, int heldBackRank, List<String> changeTitles, int changeRank,
      int maxChanges, int searched) {
    public RemovalSearch {
      changeTitles = List.copyOf(changeTitles);
    }

    /** A search that found no purchase holding the item back among {@code purchasesRead}. */
    public static RemovalSearch nothingHoldsItBack(int purchasesRead, int maxChanges) {
      return new RemovalSearch(purchasesRead, null, 0, List.of(), 0, maxChanges, 0);
    }
  }

  /**
   * Why an item is (not) in the top-k: "It ranks #57 among 480 candidates, outside your top 10 new picks.
   * Your purchase of A holds it back: without it, it would rank #31. Without A and B, it would
   * enter your top 10 new picks, at #8."
   *
   * @param retrieved the item is among the candidates retrieved for the user; if not, Recommend
   *     never ranks it, and the text speaks of the model's ranking beside them, not of new picks
   * @param search what the removal search looked at and found
   */
  public String whyNot(int rank, int rankedCount, int topK, boolean retrieved, RemovalSearch search) {
    String variant = retrieved ? "" : ".notRetrieved";
    StringBuilder text;
    if (!retrieved) {
      text = new StringBuilder(format("whynot.notRetrieved", rank, rankedCount - 1, rankedCount));
      if (rank <= topK) {
        return text.toString();
      }
    } else if (rank <= topK) {
      return format("whynot.inTopK", rank, rankedCount, topK);
    } else {
      text = new StringBuilder(format("whynot.outside", rank, rankedCount, topK));
    }
    int searched = search.searched();
    boolean changeIsTheHeldBack = search.heldBackTitle() != null
        && search.changeTitles().equals(List.of(search.heldBackTitle()));
    if (changeIsTheHeldBack) {
      // One sentence, not the same removal said twice ("without it, #9" and "Without A, at #9").
      text.append(format("whynot.heldBack.change" + variant, list(search.changeTitles()), search.changeRank(), topK));
      return text.toString();
    }
    if (search.heldBackTitle() != null) {
      text.append(format("whynot.heldBack", list(List.of(search.heldBackTitle())), search.heldBackRank()));
    }
    if (!search.changeTitles().isEmpty()) {
      text.append(format("whynot.change" + variant, list(search.changeTitles()), search.changeRank(), topK));
    } else if (searched >= 2) {
      // No more purchases hold it back than the search leaves out at once: it tried every set.
      String key = searched <= search.maxChanges() ? "whynot.noChange.all" : "whynot.noChange";
      text.append(format(key + variant, Math.min(search.maxChanges(), searched), topK, searched));
    } else if (search.purchasesRead() == 0) {
      text.append(format("whynot.noChange.noneRead"));
    } else {
      text.append(format(searched == 1 ? "whynot.noChange.one" : "whynot.noChange.none"));
    }
    return text.toString();
  }

  /**
   * The single purchases WhyNot's addition search tried, by where they came from, and the pairs.
   *
   * @param boughtTogether items bought together with the asked one (co-purchase neighbours)
   * @param similarTitles items with titles similar to its
   * @param yourPurchases the shopper's own purchases that lift it most (bought again)
   * @param pairedBest how many of the best singles were tried two at a time (0: no pairs)
   */
  public record AdditionsTried(int boughtTogether, int similarTitles, int yourPurchases, int pairedBest) {
    public AdditionsTried {
      if (boughtTogether < 0 || similarTitles < 0 || yourPurchases < 0 || pairedBest < 0) {
        throw new IllegalArgumentException("counts must be >= 0");
      }
    }

    /** Single purchases tried. */
    public int singles() {
      return boughtTogether + similarTitles + yourPurchases;
    }
  }

  /**
   * What the why-not addition search found, to append to {@link #whyNot}: " Buying A would bring
   * it into your top 10 new picks, at #8." or " None of the 14 purchases tried (8 items bought
   * together with it, 6 items with similar titles), nor any two of the best 5 together, would
   * bring it into your top 10 new picks."
   *
   * @param addedTitles the smallest addition found, in purchase order; empty if none was found
   * @param rankAfter the item's rank after that addition (ignored without one)
   * @param tried what was tried (said when nothing was found)
   * @param retrieved as for {@link #whyNot}
   */
  public String whyNotAddition(
      List<String> addedTitles, int rankAfter, int topK, AdditionsTried tried, boolean retrieved) {
    String variant = retrieved ? "" : ".notRetrieved";
    if (!addedTitles.isEmpty()) {
      return format("whynot.addition" + variant, list(addedTitles), rankAfter, topK);
    }
    String prefix = tried.singles() == 1 ? "whynot.tried.one." : "whynot.tried.";
    List<String> parts = new ArrayList<>();
    addTried(parts, prefix + "coPurchase", tried.boughtTogether());
    addTried(parts, prefix + "similarTitle", tried.similarTitles());
    addTried(parts, prefix + "history", tried.yourPurchases());
    return switch (tried.singles()) {
      case 0 -> format("whynot.noAddition.none");
      case 1 -> format("whynot.noAddition.one" + variant, 1, topK, parts.get(0));
      default -> format("whynot.noAddition" + variant, tried.singles(), topK, joined(parts, "list.last.counted"), tried.pairedBest());
    };
  }

  private void addTried(List<String> parts, String key, int count) {
    if (count > 0) {
      parts.add(format(key, count));
    }
  }

  /** How a changed purchase bore on an item's move in a what-if. */
  public enum Driver {
    /** An added purchase that adds the most to the item's score (its score rose). */
    ADDED_HELPS("whatif.added.helps"),
    /** An added purchase that lowers the item's score the most (its score fell). */
    ADDED_HOLDS_BACK("whatif.added.holdsBack"),
    /** A removed purchase that had added the most to the item's score (its score fell). */
    REMOVED_HELPED("whatif.removed.helped"),
    /** A removed purchase that had lowered the item's score the most (its score rose). */
    REMOVED_HELD_BACK("whatif.removed.heldBack"),
    /**
     * Undoing no one changed purchase alone moves the item's score back the way it moved (the
     * changes move it together). Names no purchase.
     */
    NONE_POINTS_THAT_WAY("whatif.reread");

    private final String key;

    Driver(String key) {
      this.key = key;
    }

    /** Of a what-if that added {@code added} and removed {@code removed} purchases, how many are of this kind. */
    public int changedOfItsKind(int added, int removed) {
      return switch (this) {
        case ADDED_HELPS, ADDED_HOLDS_BACK -> added;
        case REMOVED_HELPED, REMOVED_HELD_BACK -> removed;
        case NONE_POINTS_THAT_WAY -> added + removed;
      };
    }

    /** How a changed purchase whose share of the item's score is {@code contribution} bears on it. */
    static Driver of(boolean added, float contribution) {
      return added ? (contribution > 0 ? ADDED_HELPS : ADDED_HOLDS_BACK)
          : (contribution > 0 ? REMOVED_HELPED : REMOVED_HELD_BACK);
    }

    /**
     * How a changed purchase bears on the item's score, from its measured {@code scoreChange}
     * (HistoryItemEffect.score_change: the score without the purchase minus with it, negative
     * when it helps).
     */
    public static Driver ofScoreChange(boolean added, float scoreChange) {
      return of(added, -scoreChange);
    }
  }

  /**
   * What a what-if text says of the changed purchases behind an item's move.
   *
   * @param driver how the changed purchase it names bore on the score, or
   *     {@link Driver#NONE_POINTS_THAT_WAY} to name none
   * @param title that purchase's title (null for {@link Driver#NONE_POINTS_THAT_WAY})
   * @param changed how many purchases the what-if changed of the driver's kind: added ones for
   *     the two {@code ADDED_} drivers, removed ones for the two {@code REMOVED_} drivers, all for
   *     {@link Driver#NONE_POINTS_THAT_WAY}. With one, the text does not speak of "the most" of them.
   * @param moved the purchase was both removed and added (moved to the latest; an {@code ADDED_} driver)
   * @param scoreUndone the item's score, re-scored, with that one change undone (model score units);
   *     null when it was the what-if's only change, as undoing it gives back the score before, and
   *     for {@link Driver#NONE_POINTS_THAT_WAY}
   */
  public record Credit(Driver driver, String title, int changed, boolean moved, Float scoreUndone) {
    public Credit {
      requireNonNull(driver, "driver");
      if (driver != Driver.NONE_POINTS_THAT_WAY) {
        requireNonNull(title, "title");
      }
      if (moved && driver != Driver.ADDED_HELPS && driver != Driver.ADDED_HOLDS_BACK) {
        throw new IllegalArgumentException("only an added purchase is moved, not " + driver);
      }
    }

    /** No one change, undone alone, moves the score back: the text names none. */
    public static Credit none(int changed) {
      return new Credit(Driver.NONE_POINTS_THAT_WAY, null, changed, false, null);
    }
  }

  /**
   * An item's move in a what-if: "Up from #12 to #3 among 480 candidates. Its score rose from
   * 8.100 to 8.700. Of the added purchases, A adds the most to its score: without it alone, its
   * score would be 8.250." The score is said because it can move the other way from the rank (an
   * item rises when the others fall more), and the credit speaks of the score, stating the score
   * that undoing the credited change alone gave, unless it was the only change (that gives the
   * score before).
   *
   * @param credit the changed purchase it credits; null to say nothing more
   */
  public String whatIfMove(int rankBefore, int rankAfter, int rankedCount, float scoreBefore, float scoreAfter,
                           Credit credit) {
    String key = rankAfter < rankBefore ? "whatif.up" : rankAfter > rankBefore ? "whatif.down" : "whatif.same";
    StringBuilder text = new StringBuilder(format(key, rankBefore, rankAfter, rankedCount));
    if (scoreAfter != scoreBefore) {
      text.append(format(scoreAfter > scoreBefore ? "whatif.score.up" : "whatif.score.down", scoreBefore, scoreAfter));
    }
    if (credit != null) {
      Driver driver = credit.driver();
      String driverKey = credit.changed() == 1 ? driver.key + ".one" : driver.key;
      if (driver == Driver.NONE_POINTS_THAT_WAY) {
        text.append(format(driverKey));
      } else if (credit.scoreUndone() == null) {
        // The what-if's only change: the one-change sentence, with no score stated.
        text.append(format(driver.key + ".one", list(List.of(credit.title())), ""));
      } else {
        String undoKey = switch (driver) {
          case ADDED_HELPS, ADDED_HOLDS_BACK -> credit.moved() ? "whatif.undone.moved" : "whatif.undone.added";
          default -> "whatif.undone.removed";
        };
        text.append(format(driverKey, list(List.of(credit.title())), format(undoKey, credit.scoreUndone())));
      }
    }
    return text.toString();
  }

  /** An item of the old top-k that a what-if adds as a purchase: "Was #2; bought now, so no longer recommended." */
  public String whatIfNowBought(int rankBefore) {
    return format("whatif.nowBought", rankBefore);
  }

  /**
   * A what-if that leaves the purchases the model reads as they were, and why: "No score moves:
   * without A and B the model reads the same purchases. It reads only your latest 50 purchases
   * of items it knows, and A was bought before them. It does not know B: it was trained without
   * that item."
   *
   * @param olderTitles removed purchases older than the model window
   * @param unknownTitles removed purchases the model does not know
   * @param windowSize how many purchases the model reads
   */
  public String whatIfWindowUnchanged(List<String> olderTitles, List<String> unknownTitles, int windowSize) {
    if (olderTitles.isEmpty() && unknownTitles.isEmpty()) {
      throw new IllegalArgumentException("a change that moves nothing removed at least one purchase");
    }
    List<String> removed = new ArrayList<>(olderTitles);
    removed.addAll(unknownTitles);
    StringBuilder text = new StringBuilder(format("whatif.unchanged", list(removed)));
    if (!olderTitles.isEmpty()) {
      text.append(format("whatif.unchanged.older", list(olderTitles), windowSize, olderTitles.size()));
    }
    if (!unknownTitles.isEmpty()) {
      text.append(format("whatif.unchanged.unknown", list(unknownTitles), windowSize, unknownTitles.size()));
    }
    return text.toString();
  }

  /** "A", "A and B", "A, B and C", each title quoted as the locale quotes titles. */
  public String list(List<String> titles) {
    return joined(titles.stream().map(this::quoted).toList());
  }

  private String quoted(String title) {
    return bundle.getString("list.open") + title + bundle.getString("list.close");
  }

  /** The parts as the locale lists them: "A", "A and B", "A, B and C". */
  private String joined(List<String> parts) {
    return joined(parts, "list.last");
  }

  /** {@code parts} joined, the last one after {@code lastKey}'s text (counts read "和 5 件", titles "和「A」"). */
  private String joined(List<String> parts, String lastKey) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < parts.size(); i++) {
      if (i > 0) {
        text.append(bundle.getString(i == parts.size() - 1 ? lastKey : "list.separator"));
      }
      text.append(parts.get(i));
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
