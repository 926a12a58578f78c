// Print the single-page HTML book to PDF with the system Chromium (offline).
// usage: node tools/pdf.mjs SINGLEHTML_INDEX OUT.pdf
import path from "node:path";
import puppeteer from "puppeteer-core";

const [index, out] = process.argv.slice(2);
if (!index || !out) {
  console.error("usage: node tools/pdf.mjs SINGLEHTML_INDEX OUT.pdf");
  process.exit(2);
}
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  protocolTimeout: 3600000, // printing a 600-page book takes minutes on a small machine
  args: ["--no-sandbox", "--disable-gpu", "--allow-file-access-from-files"],
});
const page = await browser.newPage();
await page.setViewport({ width: 1100, height: 1400 });
await page.goto("file://" + path.resolve(index), { waitUntil: "load", timeout: 600000 });
// wait for MathJax (served from the book's folder) to typeset, if the page uses it
await page.evaluate(async () => {
  if (window.MathJax && window.MathJax.startup) await window.MathJax.startup.promise;
});
await page.emulateMediaType("print");
await page.pdf({
  path: out,
  format: "A4",
  printBackground: true,
  margin: { top: "15mm", bottom: "15mm", left: "12mm", right: "12mm" },
  displayHeaderFooter: true,
  headerTemplate: "<span></span>",
  footerTemplate:
    '<div style="font-size:8px;width:100%;text-align:center;color:#555">' +
    '<span class="pageNumber"></span> / <span class="totalPages"></span></div>',
  timeout: 600000,
});
await browser.close();
console.log(out);
