// Glassbox viewer: calls the gateway's JSON endpoints (each one Gateway RPC) and draws the
// recommendations, their reasons, the contribution heatmap and what-if re-rankings. All text from
// the server goes through textContent, never innerHTML.
"use strict";

/**
 * The most characters (code points, as the gateway counts them: RequestChecks.MAX_ID_LENGTH) of a
 * customer or item id. An input's maxlength counts UTF-16 units, two per emoji, so it cannot say it.
 */
const MAX_ID_CHARACTERS = 128;

/** The language of the catalogue's titles (the shop's data, not the page's): a voice reads them in it. */
const CATALOGUE_LANG = "en";

const TEXTS = {
  "en-US": {
    pageTitle: "Glassbox viewer",
    language: "Language",
    idTooLong: (n) => `At most ${n} characters, please (this has more).`,
    subtitle: "why these recommendations",
    userLabel: "Customer",
    limitLabel: "Items",
    show: "Show",
    examples: "Examples:",
    apiKey: "API key (only when the gateway requires one)",
    examplesNeedKey: "Type your API key above to see example customers.",
    recommendations: "Recommended items and why",
    heatmap: "Contribution of each purchase to each recommendation",
    heatmapNote: "Rows: recommended items. Columns: the purchases the model read, oldest first. "
      + "Each cell is the purchase's additive share of the item's score as the model computed it "
      + "(model score units): red adds to the score, blue takes from it. A share is not what removing "
      + "the purchase would do (the model then reads the other purchases differently): untick "
      + "purchases to ask “what if I had not bought these?”.",
    whatIf: "What if…",
    whatIfRun: "Re-rank without the unticked purchases",
    whatIfReset: "Tick all",
    whatIfAddLabel: "Or buy an item (its id), with the unticked purchases left out:",
    whatIfAddRun: "Re-rank as if bought",
    loading: "Loading…",
    shownCustomer: (user) => `Customer ${user}`,
    loaded: (n, user) => `${n === 1 ? "1 recommendation" : n + " recommendations"} for customer ${user}.`,
    sentences: (texts) => texts.filter(Boolean).join(" "),
    // True for every cause of cold_start (gateway.proto): no purchase the model reads.
    coldStart: (user) => `No purchase of customer ${user} that the model reads: these are the shop's popular items.`
      + " (A new customer, an id typed wrong, one known only by clicks, adds to cart or feedback, or one who turned"
      + " down every purchase since.)",
    whatIfDone: (summary) => `New ranking.${summary ? " " + summary : ""}`,
    loadFailed: (user, message) => `Customer ${user} could not be shown: ${message}`,
    plainAnswer: (status, text) => `the page's server answered HTTP ${status}${text ? ": " + text : ""}`,
    summary: (r) => `Model ${r.modelVersion || "—"}.`
      + (r.modelKnowsNoCandidate
        ? " The model knows none of the items it could rank here (it was not trained on them): ranked by"
          + " retrieval score; a model trained on this shop's data (bin/glassbox train) ranks them."
        : r.rankingDegraded ? ` ${{
          RANKING_DEGRADED_CAUSE_MODEL_TIMED_OUT: "The model service did not answer in time",
          RANKING_DEGRADED_CAUSE_MODEL_BUSY: "The model service was busy (at its limit of calls at once)",
          RANKING_DEGRADED_CAUSE_MODEL_UNAVAILABLE: "The model service is unavailable",
          RANKING_DEGRADED_CAUSE_MODEL_REFUSED_CREDENTIALS: "The model service refused the gateway's credentials"
            + " (an operator must give the gateway a key the model service accepts: GLASSBOX_CLIENT_KEY_FILE)",
        }[r.rankingDegradedCause] || "The model could not rank"}: ranked by retrieval score.` : "")
      + (r.explanationsDegraded ? ` ${{
        EXPLANATIONS_DEGRADED_CAUSE_EXPLAIN_FAILED: "The model's reasons are missing: the service that explains the"
          + " model's picks did not answer in time, or failed. The reasons shown are the shop's order statistics (how"
          + " often an item was bought, and with what), not why the model picked it.",
        EXPLANATIONS_DEGRADED_CAUSE_MODEL_DID_NOT_RANK: "The model did not rank these items, so it has no reasons to"
          + " give: the reasons shown are the shop's order statistics (how often an item was bought, and with what).",
        EXPLANATIONS_DEGRADED_CAUSE_ITEMS_LEFT_OUT: "The model's reasons are missing for some items: the service that"
          + " explains the model's picks answered, but gave none for them. Their reasons are the shop's order"
          + " statistics (how often an item was bought, and with what), not why the model picked them.",
      }[r.explanationsDegradedCause] || "Some of the model's reasons are missing: those items' reasons are the shop's"
        + " order statistics (how often an item was bought, and with what), not why the model picked them."}` : "")
      + buyAgainNote(r, (n, m, all, newcomersAfter) => {
        const places = (newcomersAfter ? "the next " : "the other ") + (m === 1 ? "place" : `${m} places`);
        return ` The first ${n} place(s) are regular items (buy-again, by rule); `
          + (m === 0 ? `the model ranked none of the ${all} places: the buy-again and new-item places filled the list.`
            : r.rankingDegraded ? `${places} ${m === 1 ? "is" : "are"} ranked by retrieval score.`
            : `the model ranks ${places}, and its reasons count ranks among these new picks.`);
      },
        () => " Every place went to this customer's regular items (buy-again, by rule): the model ranked none of them.")
      + newcomerNote(r, (n) => n === 1
        ? " The last place went to an item new in the shop, which the model does not know yet (by rule, for what it was bought with)."
        : ` The last ${n} places went to items new in the shop, which the model does not know yet (by rule, for what they were bought with).`)
      + unknownItemsNote(r, (n, read) => ` The model does not know ${n === 1 ? "1 item" : n + " items"} this customer`
        + ` bought (it was not trained on ${n === 1 ? "it" : "them"}), so it did not read those purchases; it read`
        + ` ${read === 1 ? "1 other purchase" : read + " other purchases"}.`),
    showNewPicks: "Show the model's new picks instead",
    score: "score",
    retrievalScore: "retrieval score",
    kind: { REASON_KIND_HISTORY: "model", REASON_KIND_CO_PURCHASE: "bought together", REASON_KIND_POPULAR: "best seller",
      REASON_KIND_BUY_AGAIN: "buy again", REASON_KIND_TREND: "trending", REASON_KIND_NEWCOMER: "new in the shop",
      REASON_KIND_SALES: "bought here" },
    buyAgain: "one of your regular items, placed first by rule (not scored by the model)",
    newcomer: "new in the shop, placed after the model's picks by rule (the model does not know it yet)",
    necessary: "necessary", notNecessary: "not necessary",
    sufficient: "sufficient", notSufficient: "not sufficient",
    sufficientAnyway: "sufficient, as is no purchase",
    rankMove: (reason) => `rank ${reason.rank} → ${reason.rankWithoutEvidence}`
      + ` without ${severalCited(reason) ? "them" : "it"}`
      + (reason.rankedCandidateCount ? ` (of ${reason.rankedCandidateCount})` : ""),
    trendMove: (reason) => `rank ${reason.rank} → ${reason.rankWithoutEvidence} without its recent sales`
      + (reason.rankedCandidateCount ? ` (of ${reason.rankedCandidateCount})` : ""),
    noHeatmap: {
      degraded: "No heatmap: the model did not rank these items (see above).",
      unknownCustomer: "No heatmap: this customer has no purchases the model reads here (none, or each turned down since), so no purchase adds to any item's score.",
      nothingRead: "No heatmap: the model read nothing of this customer's record (it knows none of its items),"
        + " so nothing in it adds to any item's score.",
      allBuyAgain: "No heatmap: every place went to a regular item (buy-again), which the model does not score.",
      nothingRanked: "No heatmap: the model ranked none of these items.",
    },
    untickedNone: "Untick one or more purchases in the heatmap's header.",
    noPurchasesToUntick: "No purchase of this customer's is read by the model: try buying an item.",
    unticked: (n, purchases) => `${n} purchase(s) unticked: ${purchases.join(", ")}.`,
    whatIfUnavailable: "What-if is not available on this gateway: ",
    newRanking: "New ranking",
    leftTopK: "Left the top",
    was: (b, a) => `#${b} → #${a}`,
    newEntry: "new",
    nowBought: (b) => `#${b} → bought`,
    rankAmong: (n) => `Ranks among ${n} ranked candidates.`,
    legend: "contribution",
    columnsCaption: "Purchases the model read, oldest → newest (untick to remove)",
    rowsCaption: "Recommended items",
    columnRemoved: "(removed)",
    item: "Item",
    move: "Moved",
    why: "Why",
    whyNot: "Why not…?",
    whyNotNote: "Ask about an item that is not recommended: its rank, the purchases that hold it back, "
      + "and the smallest change to the purchases that would bring it in.",
    itemIdLabel: "Item id",
    whyNotRun: "Why not?",
    whyNotUnavailable: "Why-not is not available on this gateway: ",
    whyNotFacts: (r) => `#${r.rank} of ${r.rankedCandidateCount} candidates · score ${r.score.toFixed(3)}`
      + (r.inTopK ? "" : ` · ${r.scoreGap.toFixed(3)} below #${r.topK} (${r.kthItemId})`),
    holdingBack: "Holding it back",
    holdingBackNote: "Each purchase removed on its own (the model then reads the others anew): the item's rank without it.",
    purchase: "Purchase",
    rankWithout: "Rank without it",
    scoreChange: "Its score change",
    othersRiseMore: ", but others rise more",
    othersFallMore: ", but others fall more",
    share: "Its share of the score",
    changes: "Changes that bring it into your top",
    changesNotRetrieved: "Not retrieved for this customer (Recommend does not rank it). Changes that would put it, "
      + "beside the retrieved items, within the top",
    titles: (titles) => titles.join(", "),
    removal: (titles, rank) => `Without ${titles}: #${rank}`,
    addition: (titles, rank) => `Buying ${titles}: #${rank}`,
    tryIt: "Try it",
    /** A control's accessible name: what it does, then what it acts on. */
    namedFor: (action, what) => `${action}: ${what}`,
    singles: (n) => `Single purchases tried (${n} additions scored in all)`,
    source: { ADDITION_SOURCE_CO_PURCHASE: "bought with it", ADDITION_SOURCE_HISTORY: "one of your purchases", ADDITION_SOURCE_SIMILAR_TITLE: "similar title" },
    sourceHeader: "Found as",
    rankAfter: "Its rank after buying it",
    trying: (remove, add) => "Trying: " + [remove ? `without ${remove}` : "", add ? `buying ${add}` : ""]
      .filter(Boolean).join(", ") + ".",
    effects: "Each purchase's effect",
    itemFacts: (r) => `#${r.rank} of ${r.rankedCandidateCount} candidates · score ${r.score.toFixed(3)}`,
    effectsNote: (k) => "Each purchase the model read, removed on its own and re-scored on the record (older purchases "
      + "slide in): the item's rank without it. This is what a model reason's “without it” measures; a share "
      + `(its heatmap cell) is not. Marked “leaves your top ${k}”, in bold: without that purchase alone it would leave your top ${k}.`,
    leaves: (k) => `leaves your top ${k}`,
    askedItem: "the item you asked about",
    noEffects: "The model reads none of this customer's purchases: no removal moves it.",
  },
  "zh-CN": {
    pageTitle: "Glassbox 查看器",
    language: "语言",
    idTooLong: (n) => `最多 ${n} 个字符（此处超出了）。`,
    subtitle: "为什么推荐这些商品",
    userLabel: "顾客",
    limitLabel: "数量",
    show: "查看",
    examples: "示例：",
    apiKey: "API 密钥（仅当网关要求时）",
    examplesNeedKey: "请在上方输入 API 密钥以查看示例客户。",
    recommendations: "推荐商品及理由",
    heatmap: "每次购买对每个推荐的贡献",
    heatmapNote: "行：推荐商品。列：模型读取的购买记录，从早到晚。每个单元格是模型计算中该购买对商品得分的加性贡献"
      + "（模型得分单位）：红色为正，蓝色为负。贡献并不等于去掉该购买后的变化（去掉后模型会重新解读其余购买）："
      + "取消勾选购买记录，看看“如果没买这些会怎样？”。",
    whatIf: "如果……",
    whatIfRun: "去掉未勾选的购买后重新排序",
    whatIfReset: "全部勾选",
    whatIfAddLabel: "或者购买一件商品（填写编号），并去掉未勾选的购买：",
    whatIfAddRun: "按购买后重新排序",
    loading: "加载中……",
    shownCustomer: (user) => `顾客 ${user}`,
    loaded: (n, user) => `顾客 ${user} 的 ${n} 个推荐。`,
    sentences: (texts) => texts.filter(Boolean).join(""),
    coldStart: (user) => `模型读不到顾客 ${user} 的任何购买：以下是本店的热门商品。（新顾客、输错的编号、只有点击、加购或反馈记录的顾客，`
      + "或每次购买之后都标记了不感兴趣。）",
    whatIfDone: (summary) => `新的排序。${summary || ""}`,
    loadFailed: (user, message) => `无法显示顾客 ${user}：${message}`,
    plainAnswer: (status, text) => `页面的服务器返回 HTTP ${status}${text ? "：" + text : ""}`,
    summary: (r) => `模型 ${r.modelVersion || "—"}。`
      + (r.modelKnowsNoCandidate
        ? "模型不认识可供它排序的这些商品（训练时没有它们）：按召回得分排序；用本店数据训练的模型（bin/glassbox train）会为它们排序。"
        : r.rankingDegraded ? `${{
          RANKING_DEGRADED_CAUSE_MODEL_TIMED_OUT: "模型服务未能及时应答",
          RANKING_DEGRADED_CAUSE_MODEL_BUSY: "模型服务繁忙（同时处理的调用已达上限）",
          RANKING_DEGRADED_CAUSE_MODEL_UNAVAILABLE: "模型服务不可用",
          RANKING_DEGRADED_CAUSE_MODEL_REFUSED_CREDENTIALS: "模型服务拒绝了网关的凭据（需由运维为网关配置模型服务接受的密钥：GLASSBOX_CLIENT_KEY_FILE）",
        }[r.rankingDegradedCause] || "模型未能排序"}：按召回得分排序。` : "")
      + (r.explanationsDegraded ? {
        EXPLANATIONS_DEGRADED_CAUSE_EXPLAIN_FAILED: "缺少模型的推荐理由：负责解释模型推荐的服务没有及时回应，或出了错。"
          + "下面显示的理由是本店的订单统计（商品被购买的次数、和哪些商品一起被购买），而不是模型推荐它的原因。",
        EXPLANATIONS_DEGRADED_CAUSE_MODEL_DID_NOT_RANK: "模型没有为这些商品排序，因此没有模型的推荐理由："
          + "下面显示的理由是本店的订单统计（商品被购买的次数、和哪些商品一起被购买）。",
        EXPLANATIONS_DEGRADED_CAUSE_ITEMS_LEFT_OUT: "部分商品缺少模型的推荐理由：负责解释模型推荐的服务作出了回应，但没有给出它们的理由。"
          + "它们的理由是本店的订单统计（商品被购买的次数、和哪些商品一起被购买），而不是模型推荐它们的原因。",
      }[r.explanationsDegradedCause] || "部分模型的推荐理由缺失：这些商品的理由是本店的订单统计（商品被购买的次数、和哪些商品一起被购买），"
        + "而不是模型推荐它们的原因。" : "")
      + buyAgainNote(r, (n, m, all, newcomersAfter) => {
        const places = `${newcomersAfter ? "接下来的" : "其余"} ${m} 个位置`;
        return `前 ${n} 个位置是您常买的商品（再次购买，按规则排列）；`
          + (m === 0 ? `模型没有为这 ${all} 个位置中的任何一个排序：再次购买和新上架商品的位置已占满列表。`
            : r.rankingDegraded ? `${places}按召回得分排序。`
            : `模型为${places}排序，理由中的排名是在这些新推荐之中的排名。`);
      },
        () => "所有位置都给了此顾客常买的商品（再次购买，按规则排列）：模型没有为其中任何一个排序。")
      + newcomerNote(r, (n) => `最后 ${n} 个位置给了新上架的商品，模型还不认识它们（按规则，依据一起购买的记录）。`)
      + unknownItemsNote(r, (n, read) => `模型还不认识此顾客买过的 ${n} 件商品（训练数据中没有），所以没有读取这些购买记录；`
        + `它读取了另外 ${read} 次购买。`),
    showNewPicks: "改为显示模型的新推荐",
    score: "得分",
    retrievalScore: "召回得分",
    kind: { REASON_KIND_HISTORY: "模型", REASON_KIND_CO_PURCHASE: "一起购买", REASON_KIND_POPULAR: "畅销",
      REASON_KIND_BUY_AGAIN: "再次购买", REASON_KIND_TREND: "近期热销", REASON_KIND_NEWCOMER: "新上架",
      REASON_KIND_SALES: "有人购买" },
    buyAgain: "您常买的商品，按规则排在前面（不是模型打分）",
    newcomer: "新上架商品，按规则排在模型推荐之后（模型还不认识它）",
    necessary: "必要", notNecessary: "非必要",
    sufficient: "充分", notSufficient: "不充分",
    sufficientAnyway: "充分，无购买亦然",
    rankMove: (reason) => `排名 ${reason.rank} → 没有${severalCited(reason) ? "它们" : "它"}时 ${reason.rankWithoutEvidence}`
      + (reason.rankedCandidateCount ? `（共 ${reason.rankedCandidateCount}）` : ""),
    trendMove: (reason) => `排名 ${reason.rank} → 不计近期销量时 ${reason.rankWithoutEvidence}`
      + (reason.rankedCandidateCount ? `（共 ${reason.rankedCandidateCount}）` : ""),
    noHeatmap: {
      degraded: "没有热力图：模型没有为这些商品排序（见上文）。",
      unknownCustomer: "没有热力图：此顾客在这里没有模型读取的购买记录（没有购买，或之后都标记了不感兴趣），没有哪次购买为商品的得分作出贡献。",
      nothingRead: "没有热力图：模型没有读到此顾客记录中的任何商品（它都不认识），记录中没有什么为商品的得分作出贡献。",
      allBuyAgain: "没有热力图：所有位置都给了常买的商品（再次购买），模型不为它们打分。",
      nothingRanked: "没有热力图：这些商品都不是由模型排序的。",
    },
    untickedNone: "在热力图表头取消勾选一项或多项购买记录。",
    noPurchasesToUntick: "模型读不到此顾客的任何购买：可以试试购买一件商品。",
    unticked: (n, purchases) => `已取消勾选 ${n} 项购买：${purchases.join("、")}。`,
    whatIfUnavailable: "此网关暂不支持“如果”分析：",
    newRanking: "新的排序",
    leftTopK: "跌出前",
    was: (b, a) => `#${b} → #${a}`,
    newEntry: "新进",
    nowBought: (b) => `#${b} → 已购买`,
    rankAmong: (n) => `排名基于 ${n} 个已排序的候选商品。`,
    legend: "贡献",
    columnsCaption: "模型读取的购买记录，从早到晚（取消勾选即去掉）",
    rowsCaption: "推荐商品",
    columnRemoved: "（已去掉）",
    item: "商品",
    move: "变化",
    why: "原因",
    whyNot: "为什么没有推荐……？",
    whyNotNote: "查询一件没有被推荐的商品：它的排名、拖累它的购买记录，以及能让它进入推荐的最小购买记录改动。",
    itemIdLabel: "商品编号",
    whyNotRun: "为什么没有？",
    whyNotUnavailable: "此网关暂不支持“为什么没有”分析：",
    whyNotFacts: (r) => `在 ${r.rankedCandidateCount} 个候选商品中排第 ${r.rank} 位 · 得分 ${r.score.toFixed(3)}`
      + (r.inTopK ? "" : ` · 比第 ${r.topK} 位（${r.kthItemId}）低 ${r.scoreGap.toFixed(3)}`),
    holdingBack: "拖累它的购买",
    holdingBackNote: "每次只去掉一项购买（模型会重新解读其余购买）：去掉后该商品的排名。",
    purchase: "购买",
    rankWithout: "去掉后的排名",
    scoreChange: "它的得分变化",
    othersRiseMore: "，但其他商品的得分升得更多",
    othersFallMore: "，但其他商品的得分降得更多",
    share: "在得分中的份额",
    changes: "能让它进入前列的改动：前",
    changesNotRetrieved: "它不在为这位顾客召回的商品中（推荐不会为它排序）。能让它在召回商品中进入前列的改动：前",
    titles: (titles) => titles.map((title) => `「${title}」`).join("、"),
    removal: (titles, rank) => `如果没有${titles}：第 ${rank} 位`,
    addition: (titles, rank) => `如果再购买${titles}：第 ${rank} 位`,
    tryIt: "试一试",
    namedFor: (action, what) => `${action}：${what}`,
    singles: (n) => `尝试过的单件购买（共试算 ${n} 种添加）`,
    source: { ADDITION_SOURCE_CO_PURCHASE: "与它一起被买过", ADDITION_SOURCE_HISTORY: "您买过的商品", ADDITION_SOURCE_SIMILAR_TITLE: "名称相近" },
    sourceHeader: "来源",
    rankAfter: "购买后它的排名",
    trying: (remove, add) => "正在尝试：" + [remove ? `去掉${remove}` : "", add ? `购买${add}` : ""]
      .filter(Boolean).join("，") + "。",
    effects: "每次购买的影响",
    itemFacts: (r) => `在 ${r.rankedCandidateCount} 个候选商品中排第 ${r.rank} 位 · 得分 ${r.score.toFixed(3)}`,
    effectsNote: (k) => "模型读取的每一项购买，逐一单独去掉，并在购买记录上重新打分（更早的购买会补进来）：去掉后该商品的排名。"
      + `模型理由中的“如果没有它”衡量的正是这个；份额（热力图中的单元格）并非如此。标有“跌出前 ${k} 位”的粗体行：仅去掉那一项购买，它就会跌出前 ${k} 位。`,
    leaves: (k) => `跌出前 ${k} 位`,
    askedItem: "您询问的商品",
    noEffects: "模型读不到此顾客的任何购买：去掉任何一项都不会让它移动。",
  },
};

/**
 * A model reason cites several purchases ("Because you bought A and B: without them …"), as its
 * text counts them (ReasonTexts: one title or several), so its rank move says "them".
 */
function severalCited(reason) {
  return (reason.evidenceTitles || []).length > 1;
}

function buyAgainCount(response) {
  return response.items.filter((entry) => entry.sources.includes("RETRIEVAL_SOURCE_BUY_AGAIN")).length;
}

/** Items new in the shop, placed last by rule: the model does not know them. */
function newcomerCount(response) {
  return response.items.filter((entry) => entry.sources.includes("RETRIEVAL_SOURCE_NEWCOMER")).length;
}

/**
 * The places the model ranked on the page (the others went to buy-again items and newcomers): the
 * top-k its reasons count, and the one the page's why-not and what-if ask about, so that their
 * answers speak of the picks the page shows ("your top 8 new picks" beside 2 buy-again places).
 */
function modelPlaces(response) {
  return response.items.length - buyAgainCount(response) - newcomerCount(response);
}

/**
 * The limit of a question about the page's model places (why-not, what-if, an item's effects):
 * those places, or none when the page has none (every place buy-again or new in the shop), so that
 * the gateway's default applies as for an RPC client that sends none: limit=0 is refused.
 */
function modelPlacesLimit(response) {
  const places = modelPlaces(response);
  return places > 0 ? { limit: places } : {};
}

/** Every place of the answer went to a buy-again item: the model ranked none. */
function allBuyAgain(response) {
  return response.items.length > 0 && buyAgainCount(response) === response.items.length;
}

/**
 * The summary's buy-again sentence: {@code all} when every place went to buy-again items, else,
 * when some did, `some(buy-again places, model places, all places, newcomers after the model's)`:
 * no model places when the buy-again and newcomer places fill the list.
 */
function buyAgainNote(response, some, all) {
  const buyAgain = buyAgainCount(response);
  if (allBuyAgain(response)) return all();
  return buyAgain > 0
    ? some(buyAgain, modelPlaces(response), response.items.length, newcomerCount(response) > 0) : "";
}

/** The summary's newcomer sentence, when newcomers are shown. */
function newcomerNote(response, some) {
  const newcomers = newcomerCount(response);
  return newcomers > 0 ? some(newcomers) : "";
}

/**
 * Some of the customer's purchases were not read, their items unknown to the model (imported since
 * it was trained), while others were: what `some(unknown items, purchases read)` says. Nothing when
 * all were read, or none (the heatmap's note says that).
 */
function unknownItemsNote(response, some) {
  const unknown = response.itemsUnknownToModel || 0;
  const read = response.purchasesRead || 0;
  return unknown > 0 && read > 0 ? some(unknown, read) : "";
}

/** The heatmap's rows: the items the model ranked with a share for each purchase it read. */
function heatmapRows(response) {
  const columns = response.contributionHistory.length;
  return columns === 0 ? [] : response.items.filter((entry) => entry.contribution.length === columns);
}

/** Why there is no heatmap (a key of noHeatmap). */
function noHeatmapCause(response) {
  if (response.rankingDegraded) return "degraded";
  if (response.contributionHistory.length === 0) return response.coldStart ? "unknownCustomer" : "nothingRead";
  return allBuyAgain(response) ? "allBuyAgain" : "nothingRanked";
}

// user: the customer whose page is shown (empty when none is), whom every question asks about;
// asked: the customer last asked for (the address's), who may not be shown (their page failed).
// buyAgain: the buy_again the page sends (null: the gateway's default); openedBuyAgain: the one it
// was opened with, which a newly chosen customer starts from again.
// localeChosen: the locale came from the address or a language button, so the address carries it
// (a copied link then opens in that language); one taken from the browser's stays out of it.
// page: counts the pages shown and taken away, so that an answer to a question asked on one is not
// drawn on another.
const state = { locale: "en-US", localeChosen: false, user: "", asked: "", limit: 10, buyAgain: null, openedBuyAgain: null,
  response: null, unticked: new Set(), askedItem: null, page: 0, examplesStatus: null };

/** How many of each kind of request (a customer's page, a why-not, a what-if) were sent. */
const sent = { load: 0, whyNot: 0, whatIf: 0 };

/**
 * Counts a request of {@code kind} and tells, when its answer comes, whether to draw it: only if
 * no later request of its kind was sent meanwhile (the user asked again, or for another customer)
 * and, for a question, the page it was asked on is still the one shown. Answers come in any order.
 */
function send(kind) {
  const number = ++sent[kind];
  const page = state.page;
  return () => sent[kind] === number && (kind === "load" || state.page === page);
}

/**
 * The page's language for a BCP 47 tag, by the rule the gateway matches a call's locale with
 * (RequestChecks.supportedLocale): any English is en-US; Simplified Chinese (zh-Hans, or zh with
 * no script outside Taiwan, Hong Kong and Macao) is zh-CN; anything else, a malformed tag
 * included, is null. "_" reads as "-" (zh_CN). The same answers for the tags browsers send;
 * Intl.Locale also maps deprecated codes (cmn) and numeric regions (zh-158), which Java does not.
 */
function supportedLocale(tag) {
  let locale;
  try {
    locale = new Intl.Locale(String(tag).replace(/_/g, "-"));
  } catch (malformed) {
    return null;
  }
  if (locale.language === "en") return "en-US";
  if (locale.language !== "zh") return null;
  if (locale.script) return locale.script === "Hans" ? "zh-CN" : null;
  return ["TW", "HK", "MO"].includes(locale.region) ? null : "zh-CN";
}

/** The browser's first language that has texts, else en-US. */
function browserLocale() {
  const tags = navigator.languages && navigator.languages.length > 0 ? navigator.languages : [navigator.language];
  return tags.filter(Boolean).map(supportedLocale).find(Boolean) || "en-US";
}

function t(key) {
  return TEXTS[state.locale][key];
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) node.append(child);
  return node;
}

async function api(path, params) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    for (const one of [].concat(value)) query.append(name, one);
  }
  const headers = {};
  const key = document.getElementById("api-key").value.trim();
  if (key) headers.Authorization = "Bearer " + key;
  const reply = await fetch(`api/${path}?${query}`, { headers });
  const text = await reply.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch (notJson) {
    // Not the API's answer (the port's own 503 when every worker is busy, a proxy's error page):
    // its status and words, not a parse error.
    const error = new Error(t("plainAnswer")(reply.status, shorten(plainText(text, reply), 300)));
    error.status = reply.status;
    throw error;
  }
  if (!reply.ok) {
    const error = new Error(body.error ? body.error.message : `HTTP ${reply.status}`);
    error.status = reply.status;
    throw error;
  }
  return body;
}

/** The words of an answer's {@code text}: an HTML one's text, its elements' apart. */
function plainText(text, reply) {
  if (!(reply.headers.get("Content-Type") || "").startsWith("text/html")) return text.trim();
  const words = [];
  const walker = document.createTreeWalker(new DOMParser().parseFromString(text, "text/html").body,
    NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) words.push(walker.currentNode.nodeValue.trim());
  return words.filter(Boolean).join(" ");
}

/**
 * Shows {@code text} in the page's status line: said politely by a screen reader (role=status), or
 * at once when it is an error (role=alert). The line's text is the one shown of the two.
 */
function setStatus(text, isError = false) {
  document.getElementById("status").classList.toggle("error", isError);
  document.getElementById("status-message").textContent = isError ? "" : text;
  document.getElementById("status-alert").textContent = isError ? text : "";
}

/** An error that a screen reader says at once, as it appears. */
function alertText(text) {
  return el("p", { class: "error", role: "alert", text });
}

function applyTexts() {
  document.documentElement.lang = state.locale;
  for (const node of document.querySelectorAll("[data-text]")) {
    node.textContent = t(node.dataset.text);
  }
  for (const node of document.querySelectorAll("[data-label]")) {
    node.setAttribute("aria-label", t(node.dataset.label));
  }
  for (const field of document.querySelectorAll("[data-id-field]")) checkIdLength(field);
  for (const button of document.querySelectorAll("[data-locale]")) {
    button.setAttribute("aria-pressed", String(button.dataset.locale === state.locale));
  }
}

/**
 * Shows the page of {@code user}. Until it has loaded, the page shown stays, and its questions ask
 * about its own customer; if it fails, no page is shown, so that no question asks about a customer
 * whose page is not there.
 */
async function showUser(user) {
  if (!user) return;
  state.asked = user;
  document.body.dataset.state = "loading";
  setStatus(t("loading"));
  const url = new URL(location.href);
  const params = { user, locale: state.locale, limit: state.limit };
  // buy_again only travels when the page was opened with it: else the gateway's default holds.
  if (state.buyAgain !== null) params.buy_again = state.buyAgain;
  const shown = { ...params };
  if (!state.localeChosen) delete shown.locale;
  url.search = new URLSearchParams(shown);
  history.replaceState(null, "", url);
  const current = send("load");
  try {
    const response = await api("recommend", params);
    if (!current()) return;
    turnPage();
    state.user = user;
    state.response = response;
    state.unticked = new Set();
    state.askedItem = null;
    renderRecommendations(response);
    renderHeatmap(response);
    renderWhatIfControls();
    document.getElementById("what-if-result").replaceChildren();
    // No place of the model's to bring an item into (every place is buy-again: the summary offers its
    // picks), or the page is not the model's ranking (the model was down or slow, or knows none of the
    // items: ranked by retrieval, so "within your top k" would speak of a list the page does not show).
    document.getElementById("why-not-section").hidden = response.rankingDegraded || modelPlaces(response) === 0;
    document.getElementById("why-not-result").replaceChildren();
    // Said by a screen reader: a page drawn below the form is otherwise silent.
    setStatus(t("sentences")([t("loaded")(response.items.length, shorten(user, 40)),
      response.coldStart ? t("coldStart")(shorten(user, 40)) : ""]));
    document.body.dataset.state = "ready";
  } catch (error) {
    if (!current()) return;
    clearPage();
    setStatus(t("loadFailed")(shorten(user, 40), error.message), true);
    document.body.dataset.state = "error";
  }
}

/** A new page (or none) replaces the one shown: answers to its questions are no longer drawn. */
function turnPage() {
  state.page++;
  delete document.body.dataset.whyNot;
  delete document.body.dataset.whatIf;
}

/** Takes away the page shown and every question about its customer. */
function clearPage() {
  turnPage();
  state.user = "";
  state.response = null;
  state.unticked = new Set();
  state.askedItem = null;
  for (const id of ["recommendations-section", "heatmap-section", "what-if-section", "why-not-section"]) {
    document.getElementById(id).hidden = true;
  }
}

function price(item) {
  return item.price ? ` · ${item.price.toFixed(2)} ${item.currencyCode}` : "";
}

function renderRecommendations(response) {
  document.getElementById("recommendations-section").hidden = false;
  document.getElementById("shown-customer").textContent = t("shownCustomer")(state.user);
  // Said first and plainly: a mistyped id otherwise looks like a customer's own page.
  const coldStart = document.getElementById("cold-start");
  coldStart.hidden = !response.coldStart;
  coldStart.textContent = response.coldStart ? t("coldStart")(shorten(state.user, 40)) : "";
  document.getElementById("summary").textContent = t("summary")(response);
  document.getElementById("show-new-picks").hidden = !allBuyAgain(response);
  const list = document.getElementById("recommendations");
  list.replaceChildren();
  const rows = new Set(heatmapRows(response));
  for (const entry of response.items) {
    const reasons = el("ul", { class: "reasons" });
    for (const reason of entry.reasons) {
      const line = el("li", { class: "reason", "data-kind": reason.kind },
        el("span", { class: "badge kind", text: t("kind")[reason.kind] || reason.kind }),
        el("span", { class: "reason-text", text: reason.text }));
      if (reason.kind === "REASON_KIND_HISTORY") {
        line.append(
          el("span", { class: "badge " + (reason.necessary ? "yes" : "no"),
            text: reason.necessary ? t("necessary") : t("notNecessary") }),
          sufficiencyBadge(reason),
          el("span", { class: "measure", text: t("rankMove")(reason) }));
      } else if (reason.kind === "REASON_KIND_TREND") {
        // The trend term's counterfactual is its own removal: necessity only (no evidence set).
        line.append(
          el("span", { class: "badge " + (reason.necessary ? "yes" : "no"),
            text: reason.necessary ? t("necessary") : t("notNecessary") }),
          el("span", { class: "measure", text: t("trendMove")(reason) }));
      }
      reasons.append(line);
    }
    // A buy-again item or a newcomer is placed by rule: it has no model score to show.
    const buyAgain = entry.sources.includes("RETRIEVAL_SOURCE_BUY_AGAIN");
    const newcomer = entry.sources.includes("RETRIEVAL_SOURCE_NEWCOMER");
    // Without the model's ranking the score is retrieval's, not one the model computed.
    const measure = buyAgain ? t("buyAgain") : newcomer ? t("newcomer")
      : `${t(response.rankingDegraded ? "retrievalScore" : "score")} ${entry.score.toFixed(3)}`;
    const line = el("li", { class: "recommendation" + (buyAgain ? " buy-again" : newcomer ? " newcomer" : ""),
      "data-item-id": entry.item.itemId },
      el("div", { class: "item-line" },
        el("span", { class: "title", lang: CATALOGUE_LANG, text: entry.item.title || entry.item.itemId }),
        el("span", { class: "meta", text: ` ${entry.item.itemId}${price(entry.item)} · ${measure}` })),
      reasons);
    // The effect of removing each purchase the model read: for the heatmap's rows (the items the model ranked).
    if (rows.has(entry)) {
      const panel = el("div", { class: "effects", hidden: "" });
      // Eight buttons read alike but for the item they open: its title is in the name.
      const button = el("button", { type: "button", class: "show-effects", "aria-expanded": "false", text: t("effects"),
        "aria-label": t("namedFor")(t("effects"), entry.item.title || entry.item.itemId) });
      button.addEventListener("click", () => toggleEffects(entry.item.itemId, button, panel));
      line.append(button, panel);
    }
    list.append(line);
  }
}

/** Opens (asking the gateway's ExplainItem the first time) or closes an item's effects panel. */
async function toggleEffects(itemId, button, panel) {
  const open = button.getAttribute("aria-expanded") === "true";
  button.setAttribute("aria-expanded", String(!open));
  panel.hidden = open;
  if (open || panel.dataset.state === "ready" || panel.dataset.state === "loading") return;
  panel.dataset.state = "loading";
  panel.replaceChildren(el("p", { text: t("loading") }));
  try {
    renderEffects(panel, await api("explain-item", { user: state.user, item: itemId, locale: state.locale,
      ...modelPlacesLimit(state.response) }));
    panel.dataset.state = "ready";
  } catch (error) {
    panel.replaceChildren(alertText(error.message));
    panel.dataset.state = "error";
  }
}

function renderEffects(panel, response) {
  panel.replaceChildren(el("p", { class: "note effects-facts", text: t("itemFacts")(response) }));
  if (response.effects.length === 0) {
    panel.append(el("p", { class: "note", text: t("noEffects") }));
    return;
  }
  panel.append(el("p", { class: "note", text: t("effectsNote")(response.topK) }),
    table("effects", [t("purchase"), t("rankWithout"), t("scoreChange"), t("share")],
      response.effects.map((e) => {
        // Said in words as well as in bold: a screen reader does not say bold.
        const leaves = e.rankWithout > response.topK;
        const cells = effectCells(e, response.rank);
        if (leaves) cells[1] += ` · ${t("leaves")(response.topK)}`;
        return { id: e.itemId, cls: leaves ? "leaves" : "", cells };
      })));
}

/**
 * A purchase's removal effect (a HistoryItemEffect) on the item at {@code rank} as table cells:
 * purchase, rank without it, score change, share.
 */
function effectCells(effect, rank) {
  return [{ lang: CATALOGUE_LANG, text: `${effect.title || effect.itemId} (${effect.itemId})` }, `#${effect.rankWithout}`,
    scoreChange(effect, rank), signed(effect.contribution)];
}

/**
 * The score change without the purchase; where its sign disagrees with the rank's move (the item
 * ranks lower though its score rose), says why: the other items' scores moved more.
 */
function scoreChange(effect, rank) {
  const change = signed(effect.scoreChange);
  if (effect.rankWithout > rank && effect.scoreChange > 0) return `${change}${t("othersRiseMore")}`;
  if (effect.rankWithout < rank && effect.scoreChange < 0) return `${change}${t("othersFallMore")}`;
  return change;
}

/**
 * Whether the evidence alone keeps the item in the top: not a mark in its favour when no purchases
 * at all would too (its text says so), so then it is shown as plainly as "not sufficient".
 */
function sufficiencyBadge(reason) {
  const anyway = reason.sufficient && reason.rankWithNoPurchases > 0 && reason.rankWithNoPurchases <= reason.topK;
  const key = anyway ? "sufficientAnyway" : reason.sufficient ? "sufficient" : "notSufficient";
  return el("span", { class: "badge sufficiency " + (reason.sufficient && !anyway ? "yes" : "no"), text: t(key) });
}

/** A cell's text on a light background (black: the only ink that reads at 4.5:1 on every mid tone). */
const CELL_INK = [0, 0, 0];
const WHITE = [255, 255, 255];

/** WCAG 2 relative luminance of an sRGB colour [r, g, b], 0..255 each. */
function relativeLuminance(rgb) {
  const [r, g, b] = rgb.map((channel) => {
    const c = channel / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG 2 contrast ratio of two sRGB colours, 1..21. */
function contrastRatio(one, other) {
  const [light, dark] = [relativeLuminance(one), relativeLuminance(other)].sort((a, b) => b - a);
  return (light + 0.05) / (dark + 0.05);
}

/**
 * Diverging colour: white at 0, red for positive, blue for negative. The strength is the square
 * root of |value| / max, so that a few large cells do not wash out every other one. The text is
 * white or black, whichever contrasts more with the cell (a fixed strength threshold left mid
 * tones at 2.4:1); with black ink the better of the two is at least 4.58:1 on any background.
 */
function cellColour(value, max) {
  const strength = max > 0 ? Math.sqrt(Math.min(1, Math.abs(value) / max)) : 0;
  const end = value >= 0 ? [203, 24, 29] : [33, 102, 172];
  const rgb = end.map((channel) => Math.round(255 + (channel - 255) * strength));
  return { background: `rgb(${rgb.join(", ")})`,
    text: contrastRatio(rgb, WHITE) > contrastRatio(rgb, CELL_INK) ? WHITE : CELL_INK };
}

/** A short form for the cell (the exact value is in its title): 1.2, .03, .004, 4e-4. */
function cellText(value) {
  const abs = Math.abs(value);
  if (abs >= 10) return value.toFixed(0);
  if (abs >= 1) return value.toFixed(1);
  if (abs === 0) return "0";
  if (abs < 0.001) return value.toExponential(0);
  return value.toFixed(abs >= 0.01 ? 2 : 3).replace(/^(-?)0\./, "$1.");
}

function renderHeatmap(response) {
  const section = document.getElementById("heatmap-section");
  section.hidden = false;
  const table = document.getElementById("heatmap");
  table.replaceChildren();
  const columns = response.contributionHistory;
  const rows = heatmapRows(response);
  if (rows.length === 0) {
    document.getElementById("legend").replaceChildren(
      el("p", { class: "note", id: "no-heatmap", text: t("noHeatmap")[noHeatmapCause(response)] }));
    return;
  }
  let max = 0;
  for (const entry of rows) for (const value of entry.contribution) max = Math.max(max, Math.abs(value));

  // The rows' caption spans both header rows: an empty corner above it was a header with no name.
  const caption = el("tr", {}, el("th", { class: "rows-caption", rowspan: "2", text: t("rowsCaption") }),
    el("th", { class: "columns-caption", colspan: String(columns.length), text: t("columnsCaption") }));
  const head = el("tr");
  columns.forEach((item, column) => {
    const name = `${item.title || item.itemId} (${item.itemId})`;
    // Named by the whole title and id: the shortened titles shown were alike (2 of 23 for 12348).
    const box = el("input", { type: "checkbox", "data-item-id": item.itemId, title: item.itemId, "aria-label": name });
    box.checked = true;
    box.addEventListener("change", () => toggle(item.itemId, box.checked));
    head.append(el("th", { class: "column", "data-column": String(column), "data-item-id": item.itemId,
      title: name },
      el("label", { lang: CATALOGUE_LANG },
        el("span", { class: "column-title", text: shorten(item.title || item.itemId, 28) }), box,
        // While unticked: shown above the title, and read last in the header of each of the column's cells.
        el("span", { class: "removed", lang: state.locale, text: t("columnRemoved") }))));
  });
  table.append(el("thead", {}, caption, head));

  const body = el("tbody");
  for (const entry of rows) {
    const row = el("tr", { "data-item-id": entry.item.itemId },
      el("th", { class: "row-title", lang: CATALOGUE_LANG, title: `${entry.item.title} (${entry.item.itemId})`,
        text: `${entry.rank}. ${shorten(entry.item.title || entry.item.itemId, 36)}` }));
    entry.contribution.forEach((value, column) => {
      const colour = cellColour(value, max);
      const cell = el("td", { class: "cell", "data-column": String(column),
        "data-item-id": columns[column].itemId, "data-value": String(value),
        title: `${entry.item.title} ← ${columns[column].title || columns[column].itemId}: ${value}`,
        text: cellText(value) });
      cell.style.background = colour.background;
      cell.style.color = `rgb(${colour.text.join(", ")})`;
      row.append(cell);
    });
    body.append(row);
  }
  table.append(body);
  renderLegend(max);
}

function renderLegend(max) {
  const legend = el("div", { class: "legend" }, el("span", { text: `${t("legend")}: ${(-max).toFixed(3)}` }));
  for (let step = -5; step <= 5; step++) {
    const swatch = el("span", { class: "swatch" });
    swatch.style.background = cellColour((step / 5) * max, max).background;
    legend.append(swatch);
  }
  legend.append(el("span", { text: `+${max.toFixed(3)}` }));
  document.getElementById("legend").replaceChildren(legend);
}

/**
 * {@code text} in at most {@code length} characters, counted as the server counts them (code
 * points): cut by UTF-16 units, an emoji in a title or id could be split in half.
 */
function shorten(text, length) {
  const characters = Array.from(text);
  return characters.length > length ? characters.slice(0, length - 1).join("") + "…" : text;
}

function toggle(itemId, checked) {
  if (checked) state.unticked.delete(itemId);
  else state.unticked.add(itemId);
  // Removal takes out every occurrence of an item: keep its columns in step.
  for (const box of document.querySelectorAll(`#heatmap input[type=checkbox]`)) {
    if (box.dataset.itemId === itemId) box.checked = checked;
  }
  for (const node of document.querySelectorAll("#heatmap [data-column]")) {
    node.classList.toggle("off", state.unticked.has(node.dataset.itemId));
  }
  renderWhatIfControls();
}

function renderWhatIfControls() {
  const response = state.response;
  const section = document.getElementById("what-if-section");
  // A what-if re-ranks the model's places: none when every place is buy-again, or the page is not the
  // model's ranking (the model was down or slow, or knows none of the items).
  section.hidden = !response || response.rankingDegraded || modelPlaces(response) === 0;
  // Purchases are unticked in the heatmap's header: without a heatmap there is only buying.
  const untickable = Boolean(response) && heatmapRows(response).length > 0;
  for (const id of ["what-if-run", "what-if-reset"]) document.getElementById(id).hidden = !untickable;
  const ids = [...state.unticked];
  const titles = new Map(response ? response.contributionHistory.map((item) => [item.itemId, item.title]) : []);
  document.getElementById("what-if-note").textContent = !untickable ? t("noPurchasesToUntick")
    : ids.length === 0 ? t("untickedNone")
    : t("unticked")(ids.length, ids.map((id) => titles.get(id) ? `${titles.get(id)} (${id})` : id));
  document.getElementById("what-if-run").disabled = ids.length === 0;
}

/** Re-ranks without the {@code remove} and with the {@code add} purchases (default: the unticked ones). */
async function runWhatIf(remove = [...state.unticked], add = []) {
  const result = document.getElementById("what-if-result");
  document.body.dataset.whatIf = "loading";
  result.replaceChildren(el("p", { text: t("loading") }));
  const current = send("whatIf");
  try {
    const response = await api("what-if", { user: state.user, locale: state.locale,
      ...modelPlacesLimit(state.response), remove, add });
    if (!current()) return;
    renderWhatIf(response);
    // A customer asked for since is loading: its "Loading…" stays until its own answer.
    if (document.body.dataset.state !== "loading") setStatus(t("whatIfDone")(response.summary));
    document.body.dataset.whatIf = "ready";
  } catch (error) {
    if (!current()) return;
    const prefix = error.status === 501 ? t("whatIfUnavailable") : "";
    result.replaceChildren(alertText(prefix + error.message));
    document.body.dataset.whatIf = "error";
  }
}

function movement(entry) {
  if (!entry.rankBefore) return { text: t("newEntry"), cls: "up" };
  // An item the what-if adds as a purchase: no longer ranked.
  if (!entry.rankAfter) return { text: t("nowBought")(entry.rankBefore), cls: "down" };
  const delta = entry.rankBefore - entry.rankAfter;
  const arrow = delta > 0 ? `▲${delta}` : delta < 0 ? `▼${-delta}` : "=";
  return { text: `${t("was")(entry.rankBefore, entry.rankAfter)} ${arrow}`, cls: delta > 0 ? "up" : delta < 0 ? "down" : "same" };
}

function whatIfTable(entries) {
  return table("what-if", ["#", t("item"), t("move"), t("why")], entries.map((entry) => {
    const move = movement(entry);
    const asked = entry.item.itemId === state.askedItem;
    // The asked item's row is highlighted, and says so in words for those who do not see it.
    const title = el("span", { lang: CATALOGUE_LANG, text: entry.item.title || entry.item.itemId });
    return { id: entry.item.itemId, cls: "ranked" + (asked ? " asked" : ""),
      cells: [entry.rankAfter ? String(entry.rankAfter) : "–",
        { title: entry.item.itemId, nodes: asked ? [title, ` (${t("askedItem")})`] : [title] },
        { class: "move " + move.cls, text: move.text }, entry.text] };
  }));
}

function renderWhatIf(response) {
  const result = document.getElementById("what-if-result");
  result.replaceChildren(
    el("h3", { tabindex: "-1", text: t("newRanking") }),
    el("p", { class: "what-if-summary", text: response.summary }),
    el("p", { class: "note", text: t("rankAmong")(response.rankedCandidateCount) }),
    whatIfTable(response.ranking));
  if (response.leftTopK.length > 0) {
    result.append(el("h3", { text: `${t("leftTopK")} ${response.topK}` }), whatIfTable(response.leftTopK));
  }
}

async function runWhyNot(itemId) {
  const result = document.getElementById("why-not-result");
  const focused = document.activeElement;
  document.body.dataset.whyNot = "loading";
  state.askedItem = itemId;
  result.replaceChildren(el("p", { text: t("loading") }));
  const current = send("whyNot");
  try {
    const response = await api("why-not", { user: state.user, item: itemId, locale: state.locale,
      ...modelPlacesLimit(state.response) });
    if (!current()) return;
    renderWhyNot(response);
    // The answer's heading takes the focus: a screen reader says it, and the keyboard goes on from
    // it. Not when the user has moved on meanwhile (typing elsewhere): the focus is theirs.
    if (focusStillAt(document.getElementById("why-not-form"), focused)) {
      document.querySelector("#why-not-result h3").focus();
    }
    document.body.dataset.whyNot = "ready";
  } catch (error) {
    if (!current()) return;
    const prefix = error.status === 501 ? t("whyNotUnavailable") : "";
    result.replaceChildren(alertText(prefix + error.message));
    document.body.dataset.whyNot = "error";
  }
}

/**
 * Whether the focus is still where it was when the question was asked ({@code before}), on
 * {@code origin} (the control that asked) or in it, or on no control: only then may an answer
 * arriving later take it.
 */
function focusStillAt(origin, before) {
  const active = document.activeElement;
  return !active || active === document.body || active === before || origin.contains(active);
}

/**
 * A table of one row per item: each row {id, cls (optional), cells}, each cell its text or the
 * attributes of its td (text, class, title, lang) with, optionally, its content as nodes.
 */
function table(cls, headers, rows) {
  const body = el("tbody");
  for (const { id, cls: rowCls, cells } of rows) {
    const attrs = { "data-item-id": id };
    if (rowCls) attrs.class = rowCls;
    body.append(el("tr", attrs, ...cells.map((cell) => {
      if (typeof cell === "string") return el("td", { text: cell });
      const { nodes = [], ...cellAttrs } = cell;
      return el("td", cellAttrs, ...nodes);
    })));
  }
  return el("table", { class: cls },
    el("thead", {}, el("tr", {}, ...headers.map((header) => el("th", { text: header })))), body);
}

function renderWhyNot(response) {
  // Titles of the purchases a change names: every one is among those held back or tried.
  const titles = new Map();
  for (const effect of response.holdingBack) titles.set(effect.itemId, effect.title);
  for (const trial of response.singleAdditions) titles.set(trial.itemId, trial.title);
  const named = (ids) => t("titles")(ids.map((id) => titles.get(id) || id));
  const result = document.getElementById("why-not-result");
  result.replaceChildren(
    el("h3", { tabindex: "-1", lang: CATALOGUE_LANG, text: `${response.item.title || response.item.itemId} (${response.item.itemId})` }),
    el("p", { class: "why-not-text", text: response.text }),
    el("p", { class: "note why-not-facts", text: t("whyNotFacts")(response) }));
  if (response.holdingBack.length > 0) {
    result.append(el("h3", { text: t("holdingBack") }), el("p", { class: "note", text: t("holdingBackNote") }),
      table("why-not holding-back", [t("purchase"), t("rankWithout"), t("scoreChange"), t("share")],
        response.holdingBack.map((e) => ({ id: e.itemId, cells: effectCells(e, response.rank) }))));
  }
  const changes = [];
  if (response.smallestChange) {
    changes.push({ kind: "removal", change: response.smallestChange,
      text: t("removal")(named(response.smallestChange.removeItemIds), response.smallestChange.rankAfter) });
  }
  if (response.smallestAddition) {
    changes.push({ kind: "addition", change: response.smallestAddition,
      text: t("addition")(named(response.smallestAddition.addItemIds), response.smallestAddition.rankAfter) });
  }
  if (changes.length > 0) {
    const list = el("ul", { class: "changes" });
    for (const { kind, change, text } of changes) {
      // Named by what it tries (its text), not only "Try it".
      const button = el("button", { type: "button", class: "try", text: t("tryIt"), "aria-label": t("namedFor")(t("tryIt"), text) });
      button.addEventListener("click", () => tryChange(change, named, button));
      list.append(el("li", { "data-change": kind, "data-rank-after": String(change.rankAfter) },
        el("span", { class: "change-text", text }), button));
    }
    const heading = response.retrieved ? t("changes") : t("changesNotRetrieved");
    result.append(el("h3", { text: `${heading} ${response.topK}` }), list);
  }
  if (response.singleAdditions.length > 0) {
    result.append(el("h3", { text: t("singles")(response.additionsTried) }),
      table("why-not singles", [t("purchase"), t("sourceHeader"), t("rankAfter")],
        response.singleAdditions.map((a) => ({ id: a.itemId, cells: [{ lang: CATALOGUE_LANG, text: `${a.title || a.itemId} (${a.itemId})` },
          t("source")[a.source] || a.source, `#${a.rankAfter}`] }))));
  }
}

function signed(value) {
  return (value > 0 ? "+" : "") + value.toFixed(3);
}

/** Runs a why-not change as a what-if, so the new ranking shows where the item lands. */
async function tryChange(change, named, button) {
  const section = document.getElementById("what-if-section");
  const focused = document.activeElement;
  section.hidden = false;
  document.getElementById("what-if-note").textContent = t("trying")(
    change.removeItemIds.length > 0 ? named(change.removeItemIds) : "",
    change.addItemIds.length > 0 ? named(change.addItemIds) : "");
  await runWhatIf(change.removeItemIds, change.addItemIds);
  // Its answer's heading (or error) takes the focus, which scrolls to it: the keyboard and a
  // screen reader go on from there, not from the button far above. Not when the user has moved on
  // meanwhile (typing elsewhere, or Show for another customer): the focus is theirs.
  if (!focusStillAt(button, focused)) return;
  const answer = document.querySelector("#what-if-result h3, #what-if-result .error");
  if (answer) {
    answer.tabIndex = -1;
    answer.focus();
  } else {
    section.scrollIntoView();
  }
}

async function init() {
  const params = new URLSearchParams(location.search);
  // The address's locale if it has texts (the address then keeps it), else the browser's.
  const addressLocale = supportedLocale(params.get("locale") || "");
  state.localeChosen = addressLocale !== null;
  state.locale = addressLocale || browserLocale();
  if (!addressLocale) noteUnsupportedLanguage();
  const limit = Number(params.get("limit"));
  if (Number.isInteger(limit) && limit >= 1 && limit <= 50) state.limit = limit;
  // 128 characters as the server counts them (code points): slice would count UTF-16 units and
  // could cut an emoji in half.
  const user = Array.from(params.get("user") || "").slice(0, MAX_ID_CHARACTERS).join("");
  const buyAgain = Number(params.get("buy_again") || "x");
  if (Number.isInteger(buyAgain) && buyAgain >= 0 && buyAgain <= 50) state.buyAgain = buyAgain;
  state.openedBuyAgain = state.buyAgain;
  const key = sessionStorage.getItem("glassbox-api-key");
  if (key) document.getElementById("api-key").value = key;

  const form = document.getElementById("user-form");
  form.elements.user.value = user;
  const select = form.elements.limit;
  if (![...select.options].some((option) => Number(option.value) === state.limit)) {
    select.append(el("option", { text: String(state.limit) }));
  }
  select.value = String(state.limit);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    state.limit = Number(select.value);
    state.buyAgain = state.openedBuyAgain;
    showUser(form.elements.user.value.trim());
  });
  document.getElementById("api-key").addEventListener("change", (event) => {
    sessionStorage.setItem("glassbox-api-key", event.target.value.trim());
  });
  for (const field of document.querySelectorAll("[data-id-field]")) {
    field.addEventListener("input", () => checkIdLength(field));
  }
  for (const button of document.querySelectorAll("[data-locale]")) {
    button.addEventListener("click", () => {
      state.locale = button.dataset.locale;
      state.localeChosen = true;
      applyTexts();
      showUser(state.asked);
    });
  }
  document.getElementById("what-if-run").addEventListener("click", () => runWhatIf());
  document.getElementById("what-if-add-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const item = document.getElementById("what-if-add").value.trim();
    if (state.user && item) {
      state.askedItem = null;
      runWhatIf([...state.unticked], [item]);
    }
  });
  // The same customer with no buy-again places: the model ranks every place.
  document.getElementById("show-new-picks").addEventListener("click", () => {
    state.buyAgain = 0;
    showUser(state.user);
  });
  document.getElementById("why-not-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const item = document.getElementById("why-not-item").value.trim();
    if (state.user && item) runWhyNot(item);
  });
  document.getElementById("what-if-reset").addEventListener("click", () => {
    for (const id of [...state.unticked]) toggle(id, true);
    document.getElementById("what-if-result").replaceChildren();
  });
  applyTexts();

  // A gateway with API keys lists its example customers only with a key: once one is typed, ask again.
  document.getElementById("api-key").addEventListener("change", () => {
    if (!document.querySelector("#examples .example")) showExamples(form);
  });
  await showExamples(form);
  showUser(user);
}

/**
 * Marks {@code field} invalid (the browser then says why, and does not submit) when it holds more
 * characters than the gateway takes: else the gateway refused it only after the page sent it.
 */
function checkIdLength(field) {
  // Counted as sent: the page trims an id before sending it.
  field.setCustomValidity(Array.from(field.value.trim()).length > MAX_ID_CHARACTERS
    ? t("idTooLong")(MAX_ID_CHARACTERS) : "");
}

/**
 * When the browser asks for languages the page has no texts in (German, say), says in English,
 * the language it falls back to, which ones it has.
 */
function noteUnsupportedLanguage() {
  const tags = (navigator.languages && navigator.languages.length > 0 ? navigator.languages : [navigator.language])
    .filter(Boolean);
  if (tags.length === 0 || tags.some(supportedLocale)) return;
  const note = document.getElementById("language-note");
  note.replaceChildren(`This page has texts in English and in Chinese (`, el("span", { lang: "zh-CN", text: "中文" }),
    `) only; your browser asks for ${tags.join(", ")}: shown in English.`);
  note.hidden = false;
}

async function showExamples(form) {
  try {
    const config = await api("config", {});
    const examples = document.getElementById("examples");
    // A key changed twice asks twice before the first answer: each answer is the whole list.
    for (const chip of examples.querySelectorAll(".example")) chip.remove();
    for (const user of config.exampleUsers) {
      const chip = el("button", { type: "button", class: "example", text: user });
      chip.addEventListener("click", () => {
        form.elements.user.value = user;
        // Set in code, no input event: a field marked too long before is checked again.
        checkIdLength(form.elements.user);
        state.buyAgain = state.openedBuyAgain;
        showUser(user);
      });
      examples.append(chip);
    }
    // What an earlier ask said (no key yet, a wrong key) is answered now; any other status stays.
    if (document.getElementById("status").textContent === state.examplesStatus) setStatus("");
    state.examplesStatus = null;
  } catch (error) {
    // A gateway with API keys lists none before a key is typed: the page's first state, not an error.
    const noKey = error.status === 401 && !document.getElementById("api-key").value.trim();
    state.examplesStatus = noKey ? t("examplesNeedKey") : error.message;
    setStatus(state.examplesStatus, !noKey);
  }
}

document.addEventListener("DOMContentLoaded", init);
