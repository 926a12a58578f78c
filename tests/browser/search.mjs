// Search the built book offline, as a reader would, in the system Chromium.
// usage: node tests/browser/search.mjs HTML_DIR TERM [TERM ...]
// prints {"TERM": [result page, ...], ...}
import path from "node:path";
import puppeteer from "puppeteer-core";

const [htmlDir, ...terms] = process.argv.slice(2);
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--allow-file-access-from-files"],
});
const out = {};
for (const term of terms) {
  const page = await browser.newPage();
  const url = "file://" + path.resolve(htmlDir, "search.html") + "?q=" + encodeURIComponent(term);
  await page.goto(url, { waitUntil: "load" });
  try {
    await page.waitForFunction(
      () => document.querySelector("#search-results p.search-summary") !== null,
      { timeout: 20000 },
    );
  } catch (e) {
    // no summary: the search did not finish; report no results
  }
  out[term] = await page.evaluate(() =>
    [...document.querySelectorAll("#search-results ul.search li a")].map((a) => a.getAttribute("href")));
  await page.close();
}
await browser.close();
process.stdout.write(JSON.stringify(out));
