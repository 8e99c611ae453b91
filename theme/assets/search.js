// The site search: queries cut as the index was cut, and the search page's form and results.
//
// The index holds Japanese text cut by a rule without a dictionary
// (site_builder/site/search/text.py): after NFKC, every run of kanji and kana becomes its
// overlapping pairs of characters, then its last character alone (子ども食堂 → 子ど ども も食
// 食堂 堂); every run of other letters and digits is one word (NPO法人 → NPO 法人). A query
// is cut by the same rule (without the last character alone), so each of its pairs is in
// every page that contains it. Pairs are stored and asked for by a key that Pagefind's own
// query segmenter leaves whole: "_" and five hex digits per character, katakana kept as
// hiragana (ボランティア and ぼらんてぃあ alike). tests/test_search_text.py runs this file on
// the examples the Python side is tested with and compares KANA_KANJI with its ranges.
//
// A search asks Pagefind for pages with every word of the query (in Pagefind's order of
// relevance), and for each word alone, which tells where in each page it stands: the
// results are the pages where each part of the query (between spaces; "in quotes": one
// part) has its words in a row. The last word of a part is the start of a word (10月
// finds 10月1日, 第1 finds 第154回), the others are whole. Only when no page has every
// part does the page list those with every word apart (大学 … 学生 for 大学生), saying so.
(function () {
  "use strict";
  // Kanji and kana: the scripts Han, Hiragana and Katakana (Unicode 15), and ー.
  var KANA_KANJI = "\u2e80-\u2e99\u2e9b-\u2ef3\u2f00-\u2fd5\u3005\u3007\u3021-\u3029\u3038-\u303b\u3041-\u3096\u309d-\u309f\u30a1-\u30fa\u30fc-\u30ff\u31f0-\u31ff\u32d0-\u32fe\u3300-\u3357\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufa6d\ufa70-\ufad9\uff66-\uff6f\uff71-\uff9d\u{16fe2}-\u{16fe3}\u{16ff0}-\u{16ff6}\u{1aff0}-\u{1aff3}\u{1aff5}-\u{1affb}\u{1affd}-\u{1affe}\u{1b000}-\u{1b128}\u{1b132}\u{1b150}-\u{1b152}\u{1b155}\u{1b164}-\u{1b168}\u{1f200}\u{20000}-\u{2a6df}\u{2a700}-\u{2b81e}\u{2b820}-\u{2cead}\u{2ceb0}-\u{2ebe0}\u{2ebf0}-\u{2ee5d}\u{2f800}-\u{2fa1d}\u{30000}-\u{3134a}\u{31350}-\u{33479}";
  var WORDS = new RegExp("([" + KANA_KANJI + "]+)|((?:(?![" + KANA_KANJI + "])[\\p{L}\\p{N}])+)", "gu");
  var KANA_KANJI_START = new RegExp("^[" + KANA_KANJI + "]", "u");
  var PAIR_END = new RegExp("([" + KANA_KANJI + "])</mark>([" + KANA_KANJI + "])", "gu");
  var MARKS_MEET = new RegExp("(?<=[" + KANA_KANJI + "])</mark><mark>(?=[" + KANA_KANJI + "])", "gu");
  // What ends a mark after its last letter or digit, not in &lt; (a mark of a symbol alone, ℡ for TEL, keeps it).
  var TRAILING = /(?<=[\p{L}\p{N}])(?<!&[a-z]+)((?:&[a-z]+;|[^\p{L}\p{N}<>&])+)<\/mark>/gu;
  var SPACE_IN_JAPANESE = new RegExp("(?<=[" + KANA_KANJI + "])\\s+(?=[" + KANA_KANJI + "])", "gu");
  // Before a counter ヶ and ケ are か (text.py's COUNTER_KE): 6ヶ月 finds 6か月 and 6カ月.
  var COUNTER_KE = /[ヶケゖ](?=[月所国年条村])/g;
  var PAGE_SIZE = 10; // results shown at once
  var MAX_QUERY = 100; // characters of a query used: each word may be asked for once more to explain a miss
  var EXCERPT_LENGTH = 60; // words of the index around a match: pairs, so about 60 characters

  // A query as the index reads text: NFKC, a counter's ヶ as か.
  function normal(query) {
    return query.normalize("NFKC").replace(COUNTER_KE, "か");
  }

  // The words of a query. A phrase asks for them in a row as a page has them: each run of
  // kanji and kana but the last keeps its last character alone, and a last run of one
  // character goes (a page has it as the start of a pair).
  function cutQuery(query, phrase) {
    var text = normal(query);
    var words = [];
    var runs = [];
    var match;
    WORDS.lastIndex = 0;
    while ((match = WORDS.exec(text)) !== null) { runs.push(match); }
    runs.forEach(function (run, index) {
      if (run[1] === undefined) {
        words.push(run[2]);
        return;
      }
      var chars = Array.from(run[1]);
      var last = index === runs.length - 1;
      if (chars.length === 1) {
        if (!phrase || !last) { words.push(chars[0]); }
        return;
      }
      for (var i = 0; i + 1 < chars.length; i++) { words.push(chars[i] + chars[i + 1]); }
      if (phrase && !last) { words.push(chars[chars.length - 1]); }
    });
    return words;
  }

  // Katakana as hiragana, the small ヶ and ヵ as け and か (text.py's KANA_FOLD).
  function foldKana(char) {
    var code = char.codePointAt(0);
    if (char === "ヶ" || char === "ゖ") { return "け"; }
    if (char === "ヵ" || char === "ゕ") { return "か"; }
    if ((code >= 0x30a1 && code <= 0x30f4) || code === 0x30fd || code === 0x30fe) { return String.fromCodePoint(code - 0x60); }
    return char;
  }

  // A word of kanji and kana as the index keeps it; a lone character ends in "_" in a
  // phrase (the word it is) and not outside one (the start of a word: 区 finds 区役所).
  function pairKey(word, phrase) {
    var chars = Array.from(word);
    return "_" + chars.map(function (char) {
      return ("0000" + foldKana(char).codePointAt(0).toString(16)).slice(-5);
    }).join("") + (phrase && chars.length === 1 ? "_" : "");
  }

  function terms(query, phrase) {
    return cutQuery(query, phrase).map(function (word) {
      return KANA_KANJI_START.test(word) ? pairKey(word, phrase) : word;
    }).join(" ");
  }

  // What Pagefind is asked for a query: every word (a query in double quotes: in a row).
  function processTerm(query) {
    var quoted = /^\s*".+"\s*$/.test(query);
    var asked = terms(query, quoted);
    if (!asked) { return query; }
    return quoted ? '"' + asked + '"' : asked;
  }

  // The phrases of a query: each part between spaces whose words must be in a row, as
  // Pagefind's quoted search (parts of one word need no phrase: none).
  function phrases(query) {
    return query.normalize("NFKC").replace(/"/g, " ").split(/\s+/).filter(function (part) {
      return cutQuery(part, true).length > 1;
    }).map(function (part) { return '"' + terms(part, true) + '"'; });
  }

  // The parts of a query: text "in quotes" is one part (a space between kanji or kana in
  // it is none: "子ども 食堂" is 子ども食堂), the rest is cut at spaces.
  function queryParts(query) {
    var parts = [];
    var pattern = /"([^"]*)"?|([^\s"]+)/g;
    var match;
    while ((match = pattern.exec(query)) !== null) {
      var text = (match[1] !== undefined ? match[1].replace(SPACE_IN_JAPANESE, "") : match[2]).trim();
      if (cutQuery(text, false).length) { parts.push(text); }
    }
    return parts;
  }

  // The keys of a part's words in the order a page has them: the phrase's words, and a
  // last run of one character as the start of a word (月 of 10月: 月 alone or 月曜).
  function sequence(part) {
    var text = normal(part);
    var runs = [];
    var match;
    WORDS.lastIndex = 0;
    while ((match = WORDS.exec(text)) !== null) { runs.push(match); }
    var keys = [];
    runs.forEach(function (run, index) {
      var last = index === runs.length - 1;
      if (run[1] === undefined) { keys.push(run[2]); return; }
      var chars = Array.from(run[1]);
      for (var i = 0; i + 1 < chars.length; i++) { keys.push(pairKey(chars[i] + chars[i + 1], false)); }
      if (chars.length === 1 || !last) { keys.push(pairKey(chars[chars.length - 1], !last)); }
    });
    return keys;
  }

  // A word as Pagefind keeps it: lower case, letters and digits, no diacritics.
  function plainWord(word) {
    return word.normalize("NFKC").toLowerCase().normalize("NFD").replace(/[^\p{L}\p{N}]/gu, "");
  }

  // Of the pages with each key (``{id: positions}``, one per key), those where the keys
  // stand in a row, as ``{id: [positions of the first key where they do]}``.
  function inRow(pages) {
    var found = {};
    Object.keys(pages[0]).forEach(function (id) {
      if (!pages.every(function (positions) { return positions[id]; })) { return; }
      var sets = pages.map(function (positions) { return new Set(positions[id]); });
      var starts = pages[0][id].filter(function (start) {
        return sets.every(function (set, offset) { return set.has(start + offset); });
      });
      if (starts.length) { found[id] = starts; }
    });
    return found;
  }

  // The pieces of a page's text, one per word of the index, as the index wrote them (U+200B
  // between them; Pagefind escapes < and >): a symbol that NFKC makes several words (½ → 1⁄2)
  // is one piece and the next ones are empty, a piece without letters (㈱, ℡) still counts.
  function pieces(data) {
    return (data.raw_content || "").split("\u200b").map(function (piece) {
      return piece.replace(/&lt;/g, "<").replace(/&gt;/g, ">");
    });
  }

  // A stored piece of text is a pair's first character: a found pair is marked to its end
  // (not a character asked for alone: 区 of 区役所), marks meet only within kanji and kana,
  // and the punctuation a piece carries stays outside.
  function markPairs(excerpt, pairs) {
    var marked = pairs ? excerpt.replace(PAIR_END, "$1$2</mark>") : excerpt;
    return marked.replace(MARKS_MEET, "").replace(TRAILING, "</mark>$1");
  }

  function processResult(result, pairs) {
    result.excerpt = markPairs(result.excerpt || "", pairs);
    (result.sub_results || []).forEach(function (sub) { sub.excerpt = markPairs(sub.excerpt || "", pairs); });
    return result;
  }

  window.sbSearch = {
    cutQuery: cutQuery, processTerm: processTerm, phrases: phrases, queryParts: queryParts, sequence: sequence,
    inRow: inRow, markPairs: markPairs
  };

  // -- the search page -------------------------------------------------------------------

  var FILTERS = [["type", "種類"], ["ward", "地域"], ["year", "年"]];

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  // Pagefind's excerpt: the page's text with < and > escaped and the matches in <mark>.
  // Built as text nodes and <mark> elements; nothing of it is read as HTML.
  function excerptNode(excerpt) {
    var paragraph = element("p", "sb-result__excerpt");
    var marked = false;
    excerpt.split(/(<\/?mark>)/).forEach(function (part) {
      if (part === "<mark>") { marked = true; return; }
      if (part === "</mark>") { marked = false; return; }
      if (!part) { return; }
      var text = part.replace(/&lt;/g, "<").replace(/&gt;/g, ">");
      paragraph.appendChild(marked ? element("mark", "", text) : document.createTextNode(text));
    });
    return paragraph;
  }

  function Page(form) {
    this.form = form;
    this.script = form.getAttribute("data-pagefind");
    this.box = form.querySelector("#sb-search-q");
    this.status = document.getElementById("sb-search-status");
    this.list = document.getElementById("sb-search-results");
    this.more = document.getElementById("sb-search-more");
    this.none = document.getElementById("sb-search-none");
    this.wider = document.getElementById("sb-search-wider");
    var statuses = document.getElementById("sb-search-statuses");
    this.statuses = statuses ? JSON.parse(statuses.textContent) : {};
    this.engine = null;
    this.generation = 0;
    this.results = [];
    this.shown = 0;
  }

  Page.prototype.pagefind = function () {
    var page = this;
    if (!page.engine) {
      page.engine = import(new URL(page.script, window.location.href).href).then(function (pagefind) {
        return pagefind.options({ excerptLength: EXCERPT_LENGTH }).then(function () { return pagefind; });
      });
    }
    return page.engine;
  };

  // The form's values: the query and the filters chosen.
  Page.prototype.chosen = function () {
    var filters = {};
    var form = this.form;
    FILTERS.forEach(function (pair) {
      var value = form.elements[pair[0]].value;
      if (value) { filters[pair[0]] = value; }
    });
    // A query without letters or digits (、。 alone) asks for nothing: Pagefind would list every page.
    var query = Array.from(this.box.value.trim()).slice(0, MAX_QUERY).join("");
    return { query: cutQuery(query, false).length ? query : "", typed: query, filters: filters };
  };

  Page.prototype.fill = function (params) {
    var form = this.form;
    this.box.value = params.get("q") || "";
    FILTERS.forEach(function (pair) {
      var select = form.elements[pair[0]];
      var value = params.get(pair[0]) || "";
      var known = Array.prototype.some.call(select.options, function (option) { return option.value === value; });
      select.value = known ? value : "";
    });
  };

  Page.prototype.address = function (query, filters) {
    var params = new URLSearchParams();
    if (query) { params.set("q", query); }
    FILTERS.forEach(function (pair) { if (filters[pair[0]]) { params.set(pair[0], filters[pair[0]]); } });
    var text = params.toString();
    return window.location.pathname + (text ? "?" + text : "");
  };

  // The pages with ``key`` as ``{id: positions}``. A key of other letters is the start of
  // a word; where no word begins with it Pagefind asks for a shorter one (npos → npo), so
  // the first page's word at the first position must begin with it, or no page has it.
  Page.prototype.lookup = function (pagefind, key, filters, cache) {
    if (!cache[key]) {
      cache[key] = pagefind.search(key, { filters: filters }).then(function (search) {
        var pages = {};
        search.results.forEach(function (result) { pages[result.id] = result.words; });
        var first = search.results[0];
        if (!first || key.charAt(0) === "_") { return pages; }
        return first.data().then(function (data) {
          return plainWord(pieces(data)[first.words[0]] || "").indexOf(plainWord(key)) === 0 ? pages : {};
        });
      });
    }
    return cache[key];
  };

  // ``{results, apart}``: the pages where each part of the query has its words in a row,
  // in Pagefind's order of relevance; if there are none, those with its words apart
  // (``apart`` true).
  Page.prototype.find = function (pagefind, query, filters) {
    var page = this;
    if (!query) {
      return pagefind.search(null, { filters: filters, sort: { date: "desc" } }).then(function (found) {
        return { results: found.results, apart: false };
      });
    }
    var parts = queryParts(query);
    var quoted = /"/.test(query);
    var cache = {};
    var every = pagefind.search(terms(parts.join(" "), false), { filters: filters });
    var rows = Promise.all(parts.map(function (part) {
      var keys = sequence(part);
      var asked = keys.map(function (key) { return page.lookup(pagefind, key, filters, cache); });
      // A word before the last is whole: 第2回 is not 第21回 (a phrase of whole words).
      var whole = keys.slice(0, -1).some(function (key) { return key.charAt(0) !== "_"; });
      if (whole) { asked.push(pagefind.search('"' + keys.slice(0, -1).join(" ") + '"', { filters: filters })); }
      return Promise.all(asked).then(function (found) {
        var rows = keys.length === 1 ? found[0] : inRow(found.slice(0, keys.length));
        if (!whole) { return rows; }
        // Pagefind's positions are of words that begin with a key. The quoted search gives
        // where its first match of the whole words begins: a row that starts there has them
        // whole (1 of 1日, not of 10日). For a page whose rows start elsewhere, the page's
        // own words say (its stored text, one load each).
        var before = keys.slice(0, -1);
        var checked = found[keys.length].results.filter(function (result) { return rows[result.id]; });
        return Promise.all(checked.map(function (result) {
          if (rows[result.id].indexOf(result.words[0]) >= 0) { return true; }
          return result.data().then(function (data) {
            var words = pieces(data);
            return rows[result.id].some(function (start) {
              return before.every(function (key, offset) {
                return key.charAt(0) === "_" || plainWord(words[start + offset] || "") === plainWord(key);
              });
            });
          });
        })).then(function (kept) {
          var ids = {};
          checked.forEach(function (result, index) { if (kept[index]) { ids[result.id] = true; } });
          return ids;
        });
      });
    }));
    // One part of several words: its phrase's results mark (and centre the excerpt on) it.
    var shown = parts.length === 1 ? phrases(parts[0]) : [];
    var marking = shown.length === 1 ? pagefind.search(shown[0], { filters: filters }) : Promise.resolve({ results: [] });
    return Promise.all([every, rows, marking]).then(function (found) {
      var byId = {};
      found[2].results.forEach(function (result) { byId[result.id] = result; });
      var exact = found[0].results.filter(function (result) {
        return found[1].every(function (ids) { return ids[result.id]; });
      }).map(function (result) { return byId[result.id] || result; });
      if (exact.length || quoted) { return { results: exact, apart: false }; }
      return page.apart(pagefind, parts.join(" "), filters, found[0].results, cache);
    });
  };

  // Of ``every`` (pages with every word of the query that some page has), those with each
  // such word, if these words hold every character of the query: a compound a page has in
  // other words (食堂 … 子ども for 食堂子ども: 堂子 is on no page) is found by its parts, a
  // query with a part no page has (ぺんぎん, zzz) finds nothing.
  Page.prototype.apart = function (pagefind, query, filters, every, cache) {
    var page = this;
    var text = normal(query);
    var runs = [];
    var match;
    WORDS.lastIndex = 0;
    while ((match = WORDS.exec(text)) !== null) { runs.push(match); }
    var groups = runs.map(function (run) {
      var words = run[1] === undefined ? [run[2]] : cutQuery(run[1], false);
      return words.map(function (word) { return KANA_KANJI_START.test(word) ? pairKey(word, false) : word; });
    });
    var keys = [].concat.apply([], groups);
    return Promise.all(keys.map(function (key) { return page.lookup(pagefind, key, filters, cache); })).then(function (searches) {
      var pages = {};
      keys.forEach(function (key, index) {
        pages[key] = Object.keys(searches[index]).length ? searches[index] : null;
      });
      var held = groups.every(function (group) {
        // One word holds itself; pair i of a run holds its characters i and i + 1.
        if (group.length === 1) { return pages[group[0]] !== null; }
        for (var char = 0; char <= group.length; char++) {
          if (!(pages[group[char - 1]] || pages[group[char]])) { return false; }
        }
        return true;
      });
      var found = keys.filter(function (key) { return pages[key]; }).map(function (key) { return pages[key]; });
      var results = !held ? [] : every.filter(function (result) {
        return found.every(function (ids) { return ids[result.id]; });
      });
      return { results: results, apart: results.length > 0 };
    });
  };

  Page.prototype.run = function () {
    var page = this;
    var chosen = page.chosen();
    var generation = ++page.generation;
    page.status.removeAttribute("data-done");
    page.list.textContent = "";
    page.more.hidden = true;
    page.none.hidden = true;
    page.results = [];
    page.shown = 0;
    if (!chosen.query && !Object.keys(chosen.filters).length) {
      page.status.textContent = chosen.typed ? "検索する言葉を、文字か数字で入力してください。" : "";
      page.status.setAttribute("data-count", "0");
      page.status.setAttribute("data-done", "true");
      return Promise.resolve();
    }
    page.status.textContent = "検索しています…";
    return page.pagefind().then(function (pagefind) {
      return page.find(pagefind, chosen.query, chosen.filters).then(function (found) {
        if (generation !== page.generation) { return null; }
        var results = found.results;
        page.results = results;
        page.pairs = queryParts(chosen.query).some(function (part) {
          return sequence(part).some(function (key) { return /^_[0-9a-f]{10}$/.test(key); });
        });
        page.status.setAttribute("data-count", String(results.length));
        page.status.textContent = page.summary(chosen, results.length, found.apart);
        if (!results.length) { return page.suggest(pagefind, chosen, generation); }
        return page.showMore(generation);
      });
    }).then(function () {
      if (generation === page.generation) { page.status.setAttribute("data-done", "true"); }
    }).catch(function (error) {
      if (generation !== page.generation) { return; }
      page.status.textContent = "検索できませんでした。ページを読み込み直してください。";
      page.status.setAttribute("data-done", "true");
      if (window.console) { window.console.error(error); }
    });
  };

  Page.prototype.summary = function (chosen, count, apart) {
    var narrowed = FILTERS.filter(function (pair) { return chosen.filters[pair[0]]; }).map(function (pair) {
      return pair[1] + "：" + (pair[0] === "year" ? chosen.filters.year + "年" : chosen.filters[pair[0]]);
    });
    var what = chosen.query ? "「" + chosen.query + "」" : "";
    var within = narrowed.length ? "（" + narrowed.join("、") + "）" : "";
    if (!count) { return what + within + "に一致するページはありませんでした。"; }
    if (apart) { return what + "をそのまま含むページはありませんでした。言葉を分けて含むページ" + within + "：" + count + "件"; }
    return (what ? what + "の検索結果" : "絞り込みの結果") + within + "：" + count + "件";
  };

  Page.prototype.showMore = function (generation) {
    var page = this;
    var batch = page.results.slice(page.shown, page.shown + PAGE_SIZE);
    page.shown += batch.length;
    return Promise.all(batch.map(function (result) { return result.data(); })).then(function (pages) {
      if (generation !== page.generation) { return; }
      pages.forEach(function (data) { page.list.appendChild(page.item(processResult(data, page.pairs))); });
      page.more.hidden = page.shown >= page.results.length;
      page.more.textContent = "さらに表示（残り" + (page.results.length - page.shown) + "件）";
    });
  };

  // One result: its title (a link), kind, status, date and wards, and the excerpt.
  Page.prototype.item = function (data) {
    var meta = data.meta || {};
    var filters = data.filters || {};
    var kind = (filters.type || [])[0] || "ページ";
    var item = element("li", "sb-result");
    var heading = element("h2", "sb-result__title");
    var link = element("a", "sb-result__link", meta.title || data.url);
    link.href = new URL(data.url, window.location.href).href; // Pagefind's address includes the site's folder
    heading.appendChild(link);
    item.appendChild(heading);
    var facts = element("p", "sb-result__meta");
    facts.appendChild(element("span", "sb-badge sb-badge--kind", kind));
    if (meta.status) {
      var status = this.statuses[meta.status];
      facts.appendChild(document.createTextNode(" "));
      facts.appendChild(element("span", "sb-badge" + (status ? " sb-badge--" + status : ""), meta.status));
    }
    if (meta.date) {
      facts.appendChild(document.createTextNode(" "));
      facts.appendChild(element("span", "sb-result__date", meta.date));
    }
    if ((filters.ward || []).length) {
      facts.appendChild(document.createTextNode(" "));
      facts.appendChild(element("span", "sb-result__wards", filters.ward.join("・")));
    }
    item.appendChild(facts);
    if (data.excerpt) { item.appendChild(excerptNode(data.excerpt)); }
    return item;
  };

  // Nothing found: how many pages each filter dropped would find, and the lists to browse.
  Page.prototype.suggest = function (pagefind, chosen, generation) {
    var page = this;
    var active = FILTERS.filter(function (pair) { return chosen.filters[pair[0]]; });
    var words = queryParts(chosen.query);
    var tries = active.map(function (pair) {
      var fewer = {};
      Object.keys(chosen.filters).forEach(function (name) { if (name !== pair[0]) { fewer[name] = chosen.filters[name]; } });
      return { label: "「" + pair[1] + "：" + (pair[0] === "year" ? chosen.filters.year + "年" : chosen.filters[pair[0]]) + "」の絞り込みを外す", query: chosen.query, filters: fewer };
    });
    if (words.length > 1) {
      words.forEach(function (word) {
        var query = /\s/.test(word) ? '"' + word + '"' : word;
        tries.push({ label: "「" + word + "」だけで探す", query: query, filters: chosen.filters });
      });
    }
    var counting = tries.map(function (attempt) {
      return page.find(pagefind, attempt.query, attempt.filters).then(function (found) { return found.results; });
    });
    return Promise.all(counting).then(function (found) {
      if (generation !== page.generation) { return; }
      page.wider.textContent = "";
      tries.forEach(function (attempt, index) {
        if (!found[index].length) { return; }
        var item = element("li");
        var link = element("a", "", attempt.label + "（" + found[index].length + "件）");
        link.href = page.address(attempt.query, attempt.filters);
        item.appendChild(link);
        page.wider.appendChild(item);
      });
      document.getElementById("sb-search-wider-box").hidden = !page.wider.children.length;
      page.none.hidden = false;
    });
  };

  Page.prototype.start = function () {
    var page = this;
    page.form.addEventListener("submit", function (event) {
      event.preventDefault();
      var chosen = page.chosen();
      window.history.pushState(null, "", page.address(chosen.query, chosen.filters));
      page.run();
    });
    FILTERS.forEach(function (pair) {
      page.form.elements[pair[0]].addEventListener("change", function () {
        var chosen = page.chosen();
        window.history.replaceState(null, "", page.address(chosen.query, chosen.filters));
        page.run();
      });
    });
    page.more.addEventListener("click", function () {
      var next = page.list.children.length;
      page.showMore(page.generation).then(function () {
        var first = page.list.children[next];
        var link = first && first.querySelector("a");
        if (link) { link.focus(); }
      });
    });
    page.wider.addEventListener("click", function (event) {
      var link = event.target.closest("a");
      if (!link) { return; }
      event.preventDefault();
      window.history.pushState(null, "", link.getAttribute("href"));
      page.fill(new URLSearchParams(window.location.search));
      page.run();
    });
    window.addEventListener("popstate", function () {
      page.fill(new URLSearchParams(window.location.search));
      page.run();
    });
    page.fill(new URLSearchParams(window.location.search));
    page.run();
  };

  window.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("sb-search-form");
    if (form && form.getAttribute("data-pagefind")) { new Page(form).start(); }
  });
})();
