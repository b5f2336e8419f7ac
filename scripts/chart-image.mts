// Saves one chart of an HTML report as a PNG, for the README: `npm run chart-image --
// REPORT.html CHART-ID OUT.png`, e.g. the hidden-share experiment's first chart:
//   bidmesh experiment hidden-share --out /tmp/hs
//   npm run chart-image -- /tmp/hs/experiment.html chart-means-0-0 docs/images/hidden-share.png
// Chromium from Debian's package (npm run setup installs it), offline: the report is
// self-contained, and any request off the file is refused.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";

const CHROMIUM = "/usr/bin/chromium";
const [report, chartId, out] = process.argv.slice(2);
if (report === undefined || chartId === undefined || out === undefined || !/^[A-Za-z0-9_-]+$/.test(chartId)) {
  console.error("usage: npm run chart-image -- REPORT.html CHART-ID OUT.png (CHART-ID: letters, digits, '-' and '_')");
  process.exit(2);
}
if (!existsSync(report)) {
  console.error(`chart-image: ${report} does not exist`);
  process.exit(2);
}
if (!existsSync(CHROMIUM)) {
  console.error(`chart-image: ${CHROMIUM} is missing; run npm run setup`);
  process.exit(2);
}
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--disable-background-networking", "--no-first-run"] });
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 }, deviceScaleFactor: 2 });
  await page.route("**/*", (route) => (route.request().url().startsWith("file:") ? route.continue() : route.abort("blockedbyclient")));
  await page.goto(pathToFileURL(resolve(report)).href);
  await page.locator("body[data-charts-drawn]").waitFor({ timeout: 15_000 });
  const chart = page.locator(`#${chartId}`);
  if ((await chart.count()) === 0) {
    console.error(`chart-image: no element #${chartId} in ${report}`);
    process.exitCode = 2;
  } else {
    // The chart's card: its title and legend with it.
    const card = chart.locator("xpath=..");
    await card.screenshot({ path: out });
    console.log(`wrote ${out}`);
  }
} finally {
  await browser.close();
}
