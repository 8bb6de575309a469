package io.glassbox.gateway;

import java.util.ArrayList;
import java.util.List;

/**
 * Every text the gateway writes itself, in each supported locale. These back the reasons that
 * rest on retrieval statistics only, so none of them says anything about the model.
 */
enum ReasonTexts {
  EN_US("en-US") {
    @Override
    String boughtTogetherWith(List<String> titles) {
      List<String> quoted = new ArrayList<>();
      titles.forEach(title -> quoted.add("\u201c" + title + "\u201d"));
      String list = quoted.size() == 1
          ? quoted.get(0)
          : String.join(", ", quoted.subList(0, quoted.size() - 1)) + " and "
              + quoted.get(quoted.size() - 1);
      return "Often bought together with " + list + ", which you bought.";
    }

    @Override
    String boughtTogetherWithYourItems() {
      return "Often bought together with items you bought.";
    }

    @Override
    String bestSeller() {
      return "One of the shop's best sellers.";
    }
  },

  ZH_CN("zh-CN") {
    @Override
    String boughtTogetherWith(List<String> titles) {
      List<String> quoted = new ArrayList<>();
      titles.forEach(title -> quoted.add("\u300c" + title + "\u300d"));
      return "\u5e38\u4e0e\u60a8\u4e70\u8fc7\u7684" + String.join("\u3001", quoted)
          + "\u4e00\u8d77\u8d2d\u4e70\u3002";
    }

    @Override
    String boughtTogetherWithYourItems() {
      return "\u5e38\u4e0e\u60a8\u4e70\u8fc7\u7684\u5546\u54c1\u4e00\u8d77\u8d2d\u4e70\u3002";
    }

    @Override
    String bestSeller() {
      return "\u672c\u5e97\u70ed\u9500\u5546\u54c1\u3002";
    }
  };

  private final String tag;

  ReasonTexts(String tag) {
    this.tag = tag;
  }

  /** The texts of a supported locale tag ("en-US" or "zh-CN"). */
  static ReasonTexts forLocale(String tag) {
    for (ReasonTexts texts : values()) {
      if (texts.tag.equals(tag)) {
        return texts;
      }
    }
    throw new IllegalArgumentException("unsupported locale " + tag);
  }

  /** The locale tag, as reasons carry it. */
  String tag() {
    return tag;
  }

  /** The item is often in the same baskets as these (non-empty) titles of the user's items. */
  abstract String boughtTogetherWith(List<String> titles);

  /** The item is often in the same baskets as the user's items; which ones is not known. */
  abstract String boughtTogetherWithYourItems();

  /** The item is among the most bought overall. */
  abstract String bestSeller();
}
