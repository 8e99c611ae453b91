// Run Japanese queries against a built site's search, the way its browser code does.
//
//   node bench/search_query.mjs site SITE_DIR QUERIES_JSON
//   node bench/search_query.mjs pagefind SITE_DIR QUERIES_JSON
//   node bench/search_query.mjs pagefind-segmented SITE_DIR QUERIES_JSON
//   node bench/search_query.mjs material SITE_DIR QUERIES_JSON
//
// Prints {"query": ["/cases/x/", ...], ...}: the pages each query finds.
//
// site: the site's own pagefind/pagefind.js (its WebAssembly search) loads the index over
//   HTTP from a static server on 127.0.0.1 that this script starts, afresh for each query
//   (as a reader's page does: only the chunks the query asks for); the query is first
//   turned into search terms by the site's own assets/search.js (processTerm), as its
//   search page does.
// pagefind: the same without the site's search.js: the query as typed.
// pagefind-segmented: the query split into words with Intl.Segmenter (ICU) instead.
// material: the site's own Material search worker (assets/javascripts/workers/
//   search.*.min.js) runs in Node with the globals a Web Worker has (self,
//   importScripts, postMessage), so lunr, lunr.ja, TinySegmenter and Material's
//   query transformation are exactly those the browser would use on
//   search/search_index.json.
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { pathToFileURL } from "node:url";
import vm from "node:vm";

const [mode, site, queriesFile] = process.argv.slice(2);
const queries = JSON.parse(fs.readFileSync(queriesFile, "utf8"));

function pageOf(url) {
  const page = new URL(url, "http://site/").pathname.replace(/index\.html$/, "");
  return page.endsWith("/") ? page : `${page}/`;
}

async function withServer(root, use) {
  const server = http.createServer((request, response) => {
    const file = path.join(root, decodeURIComponent(new URL(request.url, "http://x").pathname));
    if (!file.startsWith(root) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      response.writeHead(404).end();
      return;
    }
    const type = file.endsWith(".wasm") || file.endsWith(".pagefind") ? "application/wasm" : "application/octet-stream";
    response.writeHead(200, { "content-type": type }).end(fs.readFileSync(file));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    return await use(`http://127.0.0.1:${server.address().port}`);
  } finally {
    server.close();
  }
}

const segmenter = new Intl.Segmenter("ja", { granularity: "word" });

function segmented(query) {
  return [...segmenter.segment(query)].filter((part) => part.isWordLike).map((part) => part.segment).join(" ");
}

async function pagefind(prepare = (query) => query) {
  const root = path.resolve(site);
  return withServer(root, async (base) => {
    const module = await import(pathToFileURL(path.join(root, "pagefind", "pagefind.js")).href);
    const found = {};
    for (const query of queries) {
      // A fresh Pagefind for each query, as a reader's page has: no chunk an earlier query loaded.
      await module.destroy();
      await module.options({ basePath: `${base}/pagefind/` });
      await module.init();
      const search = await module.search(prepare(query));
      const data = await Promise.all(search.results.map((result) => result.data()));
      found[query] = [...new Set(data.map((page) => pageOf(page.url)))].sort();
    }
    return found;
  });
}

async function material() {
  const root = path.resolve(site);
  const workers = path.join(root, "assets", "javascripts", "workers");
  const worker = fs.readdirSync(workers).find((name) => /^search\..*\.min\.js$/.test(name));
  let onMessage;
  let reply;
  globalThis.self = globalThis;
  globalThis.addEventListener = (type, listener) => { if (type === "message") onMessage = listener; };
  globalThis.postMessage = (message) => { reply = message; };
  globalThis.importScripts = (...urls) => {
    for (const url of urls) vm.runInThisContext(fs.readFileSync(path.resolve(workers, url), "utf8"), { filename: url });
  };
  vm.runInThisContext(fs.readFileSync(path.join(workers, worker), "utf8"), { filename: worker });
  const send = async (type, data) => { reply = undefined; await onMessage({ data: { type, data } }); return reply; };
  const index = JSON.parse(fs.readFileSync(path.join(root, "search", "search_index.json"), "utf8"));
  await send(0, { ...index, options: { suggest: false } }); // SETUP → READY (no search.suggest feature)
  const found = {};
  for (const query of queries) {
    const result = await send(2, query); // QUERY → RESULT
    const pages = result.data.items.flat().map((doc) => pageOf(doc.location));
    found[query] = [...new Set(pages)].sort();
  }
  return found;
}

// The site's search box code, run with the one browser global it needs.
function siteTerms() {
  const context = { window: { addEventListener() {} } };
  vm.runInNewContext(fs.readFileSync(path.join(path.resolve(site), "assets", "search.js"), "utf8"), context);
  return context.window.sbSearch.processTerm;
}

const prepare = { site: siteTerms, "pagefind-segmented": () => segmented, pagefind: () => undefined };
const found = mode === "material" ? await material() : await pagefind(prepare[mode]());
process.stdout.write(JSON.stringify(found) + "\n");
