// Audit built book pages in the system Chromium: axe-core accessibility checks, table widths
// against the content column, heading order, figure text size at the displayed size, and a
// screenshot per page.
//
// usage: node tests/browser/audit.mjs OUT_DIR PAGE.html [PAGE.html ...]
// prints one JSON object: {pages: [{page, violations, tables, headings, figures, screenshot}]}
//
// Driven by tests/test_browser_audit.py; run by hand to look at a page as a reviewer would.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import puppeteer from "puppeteer-core";

const require = createRequire(import.meta.url);
const axeSource = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

const [outDir, ...pages] = process.argv.slice(2);
if (!outDir || pages.length === 0) {
  console.error("usage: node tests/browser/audit.mjs OUT_DIR PAGE.html [PAGE.html ...]");
  process.exit(2);
}
fs.mkdirSync(outDir, { recursive: true });

const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const browser = await puppeteer.launch({
  executablePath,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--allow-file-access-from-files"],
});

// What a reviewer's browser shows at 1280 px: every table's width against the article column,
// the heading levels in document order, and each figure's smallest text at its displayed size.
function measure() {
  const article = document.querySelector("article.bd-article") || document.querySelector("main");
  const column = article ? article.getBoundingClientRect().width : window.innerWidth;
  const tables = [...document.querySelectorAll("article table")].map((t, i) => {
    const r = t.getBoundingClientRect();
    const cap = t.querySelector("caption");
    return {
      index: i,
      caption: cap ? cap.textContent.trim().slice(0, 80) : null,
      width: Math.round(r.width),
      column: Math.round(column),
      emptyHeaders: [...t.querySelectorAll("th")].filter((th) => !th.textContent.trim()).length,
    };
  });
  const headings = [...document.querySelectorAll("article h1, article h2, article h3, article h4, article h5, article h6")]
    .filter((h) => h.offsetParent !== null)
    .map((h) => ({ level: Number(h.tagName[1]), text: h.textContent.trim().slice(0, 60) }));
  const figures = [...document.querySelectorAll("article figure.ccs-figure img")].map((img) => {
    const fig = img.closest("figure");
    const minPt = Number(fig.dataset.minFontPt || "NaN");
    const dpi = Number(fig.dataset.dpi || "100");
    const natural = img.naturalWidth;
    const shown = img.getBoundingClientRect().width;
    return {
      alt: img.alt.slice(0, 60),
      natural,
      shown: Math.round(shown),
      zoomable: Boolean(fig.querySelector(".ccs-zoom")),
      minFontPx: (minPt * dpi / 72) * (shown / natural),
      caption: fig.querySelector("figcaption") ? fig.querySelector("figcaption").textContent.trim().slice(0, 120) : "",
    };
  });
  return { tables, headings, figures, column: Math.round(column), height: document.body.scrollHeight };
}

const results = [];
for (const file of pages) {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 1000 });
  const url = "file://" + path.resolve(file);
  await page.goto(url, { waitUntil: "load" });
  await page.evaluate(axeSource);
  const axe = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.length,
      targets: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
    }));
  });
  const m = await page.evaluate(measure);
  const rel = path.relative(process.cwd(), path.resolve(file)).replace(/\.html$/, "");
  const shot = path.join(outDir, rel.replace(/^(\.\.\/)+/, "").replace(/[\/.]+/g, "-") + ".png");
  await page.setViewport({ width: 1280, height: Math.min(2400, m.height) });
  await page.screenshot({ path: shot });
  results.push({ page: file, violations: axe, screenshot: shot, ...m });
  await page.close();
}
await browser.close();
process.stdout.write(JSON.stringify({ pages: results }, null, 1));
