// Opens pages in headless Chromium (Debian's /usr/bin/chromium) and checks what a reader sees: every chart
// placeholder holds a drawn Plotly chart (plotly.js's .main-svg layers) and every output image loaded.
//
//   node check-rendering.mjs --expect NOTEBOOK.ipynb URL [--expect NOTEBOOK.ipynb URL ...]
//
// Each URL is a chapter page (a notebook opened in Jupyter Notebook, or a page of the HTML book); the notebook
// file next to it says how many charts the page must show (its outputs' VisionLab chart placeholders), so a
// page where the charts were stripped or never arrived fails too. Exit code 1 names the page and cell.
import { readFileSync } from "node:fs";
import { chromium } from "playwright-core";

const CHART = "visionlab-chart";
const args = process.argv.slice(2);
const pages = [];
for (let i = 0; i < args.length; i += 3) {
  if (args[i] !== "--expect" || !args[i + 1] || !args[i + 2]) {
    console.error("usage: node check-rendering.mjs --expect NOTEBOOK.ipynb URL [--expect NOTEBOOK.ipynb URL ...]");
    process.exit(2);
  }
  pages.push({ notebook: args[i + 1], url: args[i + 2] });
}

function expectedCharts(path) {
  const notebook = JSON.parse(readFileSync(path, "utf8"));
  let count = 0;
  for (const cell of notebook.cells)
    for (const output of cell.outputs ?? []) {
      const html = output.data?.["text/html"];
      const text = Array.isArray(html) ? html.join("") : html ?? "";
      count += text.split(`class="${CHART}"`).length - 1;
    }
  return count;
}

// In the page: every chart placeholder and output image, with the cell it belongs to.
function inspect(chartClass) {
  const cellOf = (element) => {
    const jupyterCell = element.closest(".cell");
    if (jupyterCell) return `cell ${[...document.querySelectorAll(".cell")].indexOf(jupyterCell)}`;
    const bookCell = element.closest("section.cell");
    return bookCell ? bookCell.id.replace("-", " ") : "outside any cell";
  };
  const charts = [...document.querySelectorAll(`.${chartClass}`)].map((element) => ({
    cell: cellOf(element),
    drawn: element.querySelector(".main-svg") !== null,
    text: element.textContent.slice(0, 160),
  }));
  const images = [...document.querySelectorAll(".output_area img, .output img")].map((image) => ({
    cell: cellOf(image),
    loaded: image.complete && image.naturalWidth > 0,
  }));
  return { charts, images };
}

// Opening a notebook in Jupyter starts its kernel; stop it before the next page (one .NET kernel at a time).
async function shutDownKernels(url) {
  const at = url.indexOf("/notebooks/");
  if (!url.startsWith("http") || at < 0) return;
  const base = url.slice(0, at);
  const sessions = await (await fetch(`${base}/api/sessions`)).json();
  for (const session of sessions) await fetch(`${base}/api/sessions/${session.id}`, { method: "DELETE" });
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});
let failed = false;
try {
  for (const { notebook, url } of pages) {
    const expected = expectedCharts(notebook);
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(url, { waitUntil: "load", timeout: 120_000 });
    // Jupyter renders outputs after the page loads; charts draw when plotly.js has run. Wait for both.
    let found = { charts: [], images: [] };
    const deadline = Date.now() + 60_000;
    for (;;) {
      found = await page.evaluate(inspect, CHART);
      const settled = found.charts.length >= expected && found.charts.every((c) => c.drawn) && found.images.every((i) => i.loaded);
      if (settled || Date.now() > deadline) break;
      await page.waitForTimeout(500);
    }
    const problems = [];
    if (found.charts.length < expected)
      problems.push(`${found.charts.length} chart placeholder(s) on the page, the notebook has ${expected}`);
    for (const chart of found.charts.filter((c) => !c.drawn))
      problems.push(`${chart.cell}: chart not drawn${chart.text ? ` ("${chart.text}")` : ""}`);
    for (const image of found.images.filter((i) => !i.loaded)) problems.push(`${image.cell}: image did not load`);
    for (const error of errors) problems.push(`script error: ${error.slice(0, 200)}`);
    const drawn = found.charts.filter((c) => c.drawn).length;
    const loaded = found.images.filter((i) => i.loaded).length;
    console.log(`${problems.length ? "FAIL" : "ok  "} ${url}: ${drawn}/${found.charts.length} chart(s) drawn (notebook: ${expected}), ${loaded}/${found.images.length} image(s) loaded`);
    for (const problem of problems) console.log(`       ${problem}`);
    failed ||= problems.length > 0;
    await page.close();
    await shutDownKernels(url);
  }
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
