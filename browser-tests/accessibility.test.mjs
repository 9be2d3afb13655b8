// Accessibility suite: every HTML page the server links to, with JavaScript on
// and off, through axe (WCAG 2.2 AA rule set) and the GOV.UK page basics.
//
// Run: cargo build && npm run build && npm run test:browser
// (see helpers.mjs for SELFASSESS_BIN, CHROMIUM_PATH and SELFASSESS_LOG).

import { test } from "node:test";
import assert from "node:assert/strict";
import { startApp, launchBrowser, crawl, checkAxe, checkAxeWithoutJavaScript } from "./helpers.mjs";

const NOT_FOUND_PATH = "/this-page-does-not-exist";
const START_PATHS = ["/", NOT_FOUND_PATH];

// One page in one mode: loading, the checks and axe take a few seconds.
const PAGE_TIMEOUT_MS = 120_000;

// Pages the crawl must reach from START_PATHS on a fresh data directory, so
// that a broken crawl (or a page that lost its links) cannot pass silently.
// Add a page here when the server gains one. (The framework pages come from
// frameworks/cqc-la-2023.yaml: CQC's nine quality statements.)
const FRAMEWORK = "/frameworks/cqc-la-2023";
const EXPECTED_PATHS = [
  "/",
  NOT_FOUND_PATH,
  "/accessibility",
  "/frameworks",
  FRAMEWORK,
  `${FRAMEWORK}/information-return`,
  `${FRAMEWORK}/toolkit`,
  ...Array.from({ length: 9 }, (_, i) => `${FRAMEWORK}/quality-statements/QS${i + 1}`),
];

test("accessibility of every page", async (t) => {
  const app = await startApp();
  t.after(() => app.stop());
  const browser = await launchBrowser();
  t.after(() => browser.close());

  const { pages, truncated, skipped } = await crawl(app.baseUrl, START_PATHS);
  t.diagnostic(`crawled ${pages.length} page(s): ${pages.map((p) => p.path).join(", ")}`);
  for (const s of skipped) t.diagnostic(`not checked: ${s.path}: ${s.reason}`);

  await t.test("the crawl reaches every expected page", () => {
    assert.equal(truncated, false, `the crawl stopped at its limit of ${pages.length} pages: links generate endless URLs?`);
    const found = new Set(pages.map((p) => p.path));
    const missing = EXPECTED_PATHS.filter((p) => !found.has(p));
    if (missing.length > 0) {
      assert.fail(`not reached by the crawl: ${missing.join(", ")}; found: ${[...found].join(", ")}`);
    }
  });

  await t.test("every linked page answers, and unknown paths answer 404", () => {
    const wrong = pages
      .filter((p) => p.status !== (p.path === NOT_FOUND_PATH ? 404 : 200))
      .map((p) => `${p.path} answered ${p.status}${p.from ? ` (linked from ${new URL(p.from).pathname})` : ""}`);
    if (wrong.length > 0) assert.fail(wrong.join("\n"));
  });

  for (const p of pages) {
    for (const javaScriptEnabled of [true, false]) {
      const mode = javaScriptEnabled ? "JavaScript on" : "JavaScript off";
      await t.test(`${p.path} (${mode})`, { timeout: PAGE_TIMEOUT_MS }, async () => {
        const context = await browser.newContext({ javaScriptEnabled });
        try {
          await checkPage(context, p, javaScriptEnabled);
        } finally {
          await context.close();
        }
      });
    }
  }
});

async function checkPage(context, p, javaScriptEnabled) {
  const page = await context.newPage();
  const consoleErrors = new Set();
  page.on("console", (msg) => {
    if (msg.type() !== "error") return;
    const where = msg.location()?.url || "";
    // Chrome reports the document's own error status (the 404 page) as a
    // failed resource load: that one is expected.
    if (
      p.status !== 200 &&
      where === p.url &&
      msg.text().includes(`status of ${p.status}`)
    ) {
      return;
    }
    consoleErrors.add(`${msg.text()}${where ? ` (${where})` : ""}`);
  });
  page.on("pageerror", (err) => consoleErrors.add(`uncaught exception: ${err.message}`));

  const problems = [];
  const response = await page.goto(p.url, { waitUntil: "load" });
  if (!response) problems.push("no response");
  else if (response.status() !== p.status) {
    problems.push(`answered ${response.status()} in the browser but ${p.status} to the crawler`);
  }

  const basics = await page.evaluate(() => ({
    h1s: [...document.querySelectorAll("h1")].map((h) => h.textContent.trim().replace(/\s+/g, " ")),
    titles: document.querySelectorAll("head > title").length,
    title: document.title.trim(),
    lang: document.documentElement.getAttribute("lang"),
  }));
  if (basics.h1s.length !== 1) {
    problems.push(`has ${basics.h1s.length} <h1> elements, not 1${basics.h1s.length ? `: ${JSON.stringify(basics.h1s)}` : ""}`);
  } else if (!basics.h1s[0]) {
    problems.push("its <h1> is empty");
  }
  if (basics.titles !== 1) problems.push(`has ${basics.titles} <title> elements in <head>, not 1`);
  else if (!basics.title) problems.push("its <title> is empty");
  if (basics.lang !== "en") problems.push(`<html lang> is ${JSON.stringify(basics.lang)}, not "en"`);

  try {
    const label = `${p.path} (JavaScript ${javaScriptEnabled ? "on" : "off"})`;
    if (javaScriptEnabled) await checkAxe(page, label);
    else await checkAxeWithoutJavaScript(page, label);
  } catch (err) {
    problems.push(err.message);
  }

  // Skip link: the first thing Tab reaches on a fresh load, pointing at an
  // element that exists. (After axe, which must see the page as loaded, not
  // with the skip link focused and shown.)
  await page.goto(p.url, { waitUntil: "load" });
  await page.keyboard.press("Tab");
  const focused = await page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    return {
      isSkipLink: el.matches(".govuk-skip-link"),
      html: el.outerHTML.slice(0, 200),
      href: el.getAttribute("href"),
    };
  });
  if (!focused) problems.push("Tab from a fresh load focuses nothing (expected the skip link)");
  else if (!focused.isSkipLink) {
    problems.push(`Tab from a fresh load focuses ${focused.html}, not the .govuk-skip-link`);
  } else if (focused.href?.startsWith("#")) {
    const id = decodeURIComponent(focused.href.slice(1));
    const exists = await page.evaluate((id) => document.getElementById(id) !== null, id);
    if (!exists) problems.push(`the skip link points at #${id}, which is not on the page`);
  }

  // Let late console messages (e.g. CSP reports from deferred scripts) arrive.
  await page.waitForTimeout(100);
  // With JavaScript on, a Content-Security-Policy violation shows here too.
  // With it off, failed loads (CSS, images) and CSP reports still show.
  if (consoleErrors.size > 0) {
    problems.push(`console errors:\n  ${[...consoleErrors].join("\n  ")}`);
  }

  if (problems.length > 0) {
    assert.fail(`${p.path} (JavaScript ${javaScriptEnabled ? "on" : "off"}):\n${problems.join("\n")}`);
  }
}
