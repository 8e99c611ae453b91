// Pagefind's search UI, in Japanese, seeded from ?q= so the home page form works.
window.addEventListener("DOMContentLoaded", function () {
  var ui = new PagefindUI({
    element: "#sb-search",
    showSubResults: true,
    showImages: false,
    translations: { placeholder: "キーワードを入力", zero_results: "「[SEARCH_TERM]」に一致する結果はありません" }
  });
  // Pagefind names its box only by a title attribute: name it by the visible heading.
  var box = document.querySelector("#sb-search input");
  if (box) { box.setAttribute("aria-labelledby", "sb-search-title"); }
  var query = new URLSearchParams(window.location.search).get("q");
  if (query) { ui.triggerSearch(query); }
});
