// Pagefind's search UI, in Japanese, seeded from ?q= so the home page form works.
//
// The index holds Japanese text cut by a rule without a dictionary
// (site_builder/site/search/text.py): after NFKC, every run of kanji and kana becomes its
// overlapping pairs of characters (子ども食堂 → 子ど ども も食 食堂; one character alone stays
// itself), every run of other letters and digits one word (NPO法人 → NPO 法人). A query is cut
// by the same rule here, so each of its pairs is in every page that contains it; a query in
// double quotes asks for the pairs in a row. Pairs are stored and asked for by a key that
// Pagefind's own query segmenter leaves whole: "_" and five hex digits per character.
// tests/test_search_text.py runs this file on the examples the Python side is tested with
// and compares KANA_KANJI with its ranges.
(function () {
  // Kanji and kana: the scripts Han, Hiragana and Katakana (Unicode 15), and ー.
  var KANA_KANJI = "\u2e80-\u2e99\u2e9b-\u2ef3\u2f00-\u2fd5\u3005\u3007\u3021-\u3029\u3038-\u303b\u3041-\u3096\u309d-\u309f\u30a1-\u30fa\u30fc-\u30ff\u31f0-\u31ff\u32d0-\u32fe\u3300-\u3357\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufa6d\ufa70-\ufad9\uff66-\uff6f\uff71-\uff9d\u{16fe2}-\u{16fe3}\u{16ff0}-\u{16ff6}\u{1aff0}-\u{1aff3}\u{1aff5}-\u{1affb}\u{1affd}-\u{1affe}\u{1b000}-\u{1b128}\u{1b132}\u{1b150}-\u{1b152}\u{1b155}\u{1b164}-\u{1b168}\u{1f200}\u{20000}-\u{2a6df}\u{2a700}-\u{2b81e}\u{2b820}-\u{2cead}\u{2ceb0}-\u{2ebe0}\u{2ebf0}-\u{2ee5d}\u{2f800}-\u{2fa1d}\u{30000}-\u{3134a}\u{31350}-\u{33479}";
  var WORDS = new RegExp("([" + KANA_KANJI + "]+)|((?:(?![" + KANA_KANJI + "])[\\p{L}\\p{N}])+)", "gu");
  var PAIR_END = new RegExp("([" + KANA_KANJI + "])</mark>([" + KANA_KANJI + "])", "gu");

  function cutQuery(query) {
    var text = query.normalize("NFKC");
    var words = [];
    var match;
    WORDS.lastIndex = 0;
    while ((match = WORDS.exec(text)) !== null) {
      if (match[1] === undefined) {
        words.push(match[2]);
        continue;
      }
      var chars = Array.from(match[1]);
      if (chars.length === 1) { words.push(chars[0]); }
      for (var i = 0; i + 1 < chars.length; i++) { words.push(chars[i] + chars[i + 1]); }
    }
    return words;
  }

  function pairKey(word) {
    return "_" + Array.from(word).map(function (char) {
      return ("0000" + char.codePointAt(0).toString(16)).slice(-5);
    }).join("");
  }

  function processTerm(query) {
    var terms = cutQuery(query).map(function (word) {
      return new RegExp("^[" + KANA_KANJI + "]", "u").test(word) ? pairKey(word) : word;
    }).join(" ");
    if (!terms) { return query; }
    return /^\s*".+"\s*$/.test(query) ? '"' + terms + '"' : terms;
  }

  // A stored piece of text is a pair's first character: a found pair is marked to its end.
  function markPairs(excerpt) {
    return excerpt.replace(PAIR_END, "$1$2</mark>").replace(/<\/mark><mark>/g, "");
  }

  function processResult(result) {
    result.excerpt = markPairs(result.excerpt || "");
    (result.sub_results || []).forEach(function (sub) { sub.excerpt = markPairs(sub.excerpt || ""); });
    return result;
  }

  window.sbSearch = { cutQuery: cutQuery, processTerm: processTerm, processResult: processResult };

  window.addEventListener("DOMContentLoaded", function () {
    if (!document.getElementById("sb-search") || typeof PagefindUI === "undefined") { return; }
    var ui = new PagefindUI({
      element: "#sb-search",
      processTerm: processTerm,
      processResult: processResult,
      showSubResults: true,
      showImages: false,
      excerptLength: 60, // words of the index: pairs, so about 60 characters
      translations: { placeholder: "キーワードを入力", zero_results: "「[SEARCH_TERM]」に一致する結果はありません" }
    });
    // Pagefind names its box only by a title attribute: name it by the visible heading.
    var box = document.querySelector("#sb-search input");
    if (box) { box.setAttribute("aria-labelledby", "sb-search-title"); }
    var query = new URLSearchParams(window.location.search).get("q");
    if (query) { ui.triggerSearch(query); }
  });
})();
