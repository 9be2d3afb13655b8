// Stage 3 (the self-assessment document), keyboard only, in Debian's Chromium,
// with JavaScript on and again off:
//   - set-up (not the journey under test, so with the mouse): the administrator
//     sets up a council once; each mode starts an assessment of its own;
//   - the journey: from the assessment page, the Stage 3 link to the document's
//     overview; Section A: "About us" written and saved (the success banner;
//     with JavaScript on, the GOV.UK character count in word mode); QS1's part:
//     text typed into each kind of box (with JavaScript on, the page's running
//     total #word-total follows a moment after typing stops, and the box's own
//     character count message); 751 words refused with the error summary (its
//     link puts focus in the box), one word removed and saved; Section C: an
//     endorsement recorded (role, name, comment, date) and listed; Section D
//     viewed; readiness lists what is left (Section C's process, the other
//     quality statements) and not what was done, and the top tips self-check is
//     saved; the Word document and the web page downloaded from the overview
//     (the download event: a .docx file starting "PK", an .html file that is a
//     page, itself axe clean).
// axe (WCAG 2.2 AA) must be clean on every page the journey lands on, the error
// state included; with JavaScript off, on the page as it is built without
// scripting (see checkAxeWithoutJavaScript in helpers.mjs). See keyboard.mjs
// for the rules the keyboard helpers follow.
//
// Run: cargo build && npm run build && node --test browser-tests/stage3.test.mjs

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import { startApp, launchBrowser, checkAxe, checkAxeWithoutJavaScript } from "./helpers.mjs";
import {
  stepper,
  pathOf,
  h1,
  tabTo,
  followLink,
  submit,
  land as landAt,
  typeInto,
  chooseRadio,
  chooseOptionByArrows,
  tick,
  expectErrorSummary,
  watchPageErrors,
  describeFocus,
} from "./keyboard.mjs";

const JOURNEY_TIMEOUT_MS = 300_000;
// The running total is updated 400 ms after typing stops (assets-src/app.js).
const LIVE_TIMEOUT_MS = 5_000;

const COUNCIL = "Leeds";
const ABOUT_US = "Leeds is a city of 800,000 people; 12,000 of them draw on adult social care.";
// QS1's part, box by box (the introduction is later made long enough to pass the limit).
const PART = {
  introduction: "Most people get a timely assessment that starts from what matters to them.",
  performance: "Waiting times for an assessment fell by a third this year.",
  "strengths-1": "Strengths-based conversations are the norm",
  "improvements-1": "Carers wait too long for an assessment",
  priorities: "Cut waiting times for carers' assessments",
};
const LIMIT = 750;
const ENDORSEMENT = {
  role: "director_of_adult_social_services",
  roleTitle: "Director of adult social services",
  name: "Dana Director",
  comment: "We endorse this self-assessment.",
  date: { day: "2", month: "3", year: "2026" },
  shown: "2 March 2026",
};
const FIRST_TIP = "Accountability for the quality and performance of adult social care at the core";

const words = (text) => (text.match(/\S+/g) || []).length;
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

let app;
let browser;
const setup = { error: null, councilPath: null, storageState: null };

before(async () => {
  app = await startApp({ admin: true });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await app?.stop();
});

const url = (path) => new URL(path, app.baseUrl).href;

test("set-up: the administrator signs in and sets up a council", { timeout: JOURNEY_TIMEOUT_MS }, async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    await page.goto(url("/sign-in"));
    await page.getByLabel("Email address").fill(app.admin.email);
    await page.getByLabel("Password", { exact: true }).fill(app.admin.password);
    await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Sign in", exact: true }).click()]);
    await page.goto(url("/admin/councils"));
    const select = page.getByLabel("Council", { exact: true });
    const value = await select.locator("option", { hasText: COUNCIL }).first().getAttribute("value");
    await select.selectOption(value);
    await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Set up council", exact: true }).click()]);
    setup.councilPath = pathOf(page);
    assert.match(setup.councilPath, /^\/councils\/[^/]+$/);
    setup.storageState = await context.storageState();
  } catch (err) {
    setup.error = err;
    throw err;
  } finally {
    await context.close();
  }
});

for (const javaScriptEnabled of [true, false]) {
  const mode = javaScriptEnabled ? "JavaScript on" : "JavaScript off";
  test(`keyboard only, ${mode}: the document composed (Section A, QS1 within 750 words, an endorsement), readiness checked, Word and HTML downloaded`, { timeout: JOURNEY_TIMEOUT_MS }, async (t) => {
    if (setup.error) throw new Error(`the set-up failed: ${setup.error.message}`);
    assert.ok(setup.storageState, "the set-up did not run");
    await journey(t, { javaScriptEnabled });
  });
}

/** Polls `read` until it satisfies `ok` (a RegExp or a function); fails with the last value. */
async function eventually(read, ok, what, timeout = LIVE_TIMEOUT_MS) {
  const test = typeof ok === "function" ? ok : (v) => ok.test(v);
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    last = await read();
    if (test(last)) return last;
    if (Date.now() > deadline) assert.fail(`${what}: still ${JSON.stringify(last)} after ${timeout} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function journey(t, { javaScriptEnabled }) {
  const mode = javaScriptEnabled ? "JavaScript on" : "JavaScript off";
  const steps = stepper(t);
  const context = await browser.newContext({ javaScriptEnabled, storageState: setup.storageState, acceptDownloads: true });
  t.after(() => context.close());
  const page = await context.newPage();
  const errors = watchPageErrors(page);
  // axe, and no id twice on a page (a label's `for` or a link's fragment would
  // find the wrong element: axe no longer checks this).
  const check = async (label) => {
    if (javaScriptEnabled) await checkAxe(page, `${label} (${mode})`);
    else await checkAxeWithoutJavaScript(page, `${label} (${mode})`);
    const twice = await page.evaluate(() => {
      const seen = new Map();
      for (const el of document.querySelectorAll("[id]")) seen.set(el.id, (seen.get(el.id) ?? 0) + 1);
      return [...seen].filter(([, n]) => n > 1).map(([id]) => id);
    });
    assert.deepEqual(twice, [], `ids used more than once on ${label} (${mode})`);
  };
  const main = async () => (await page.locator("main").innerText()).replace(/\s+/g, " ");
  const banner = async () => (await page.locator(".govuk-notification-banner").innerText()).replace(/\s+/g, " ");
  const wordTotal = async () => (await page.locator("#word-total").innerText()).trim();
  // The total's live status: said only when the total crosses the limit.
  const wordStatus = async () => (await page.locator("#word-total-status").textContent()).trim();
  // The GOV.UK character count's message for a box: with JavaScript, its live
  // status; without, the hint saying the limit.
  const countMessage = async (id) => {
    const group = page.locator(`.govuk-character-count:has(#${id})`);
    const status = group.locator(".govuk-character-count__status");
    return ((await status.count()) ? await status.innerText() : await group.locator(`#${id}-info`).innerText()).trim();
  };
  let assessmentPath;
  let reportPath;

  await steps("set-up: an assessment of its own (with the mouse)", async () => {
    await page.goto(url(setup.councilPath));
    await Promise.all([page.waitForNavigation(), page.getByRole("link", { name: "Start an assessment" }).click()]);
    await page.getByLabel("Title", { exact: true }).fill(`2026/27 ${mode}`);
    await page.getByLabel("Start of the period it covers").fill("2026-04-01");
    await page.getByLabel("End of the period it covers").fill("2027-03-31");
    await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Start assessment", exact: true }).click()]);
    assessmentPath = pathOf(page);
    assert.match(assessmentPath, /^\/assessments\/[^/]+$/);
    reportPath = `${assessmentPath}/report`;
  });

  await steps("the Stage 3 link on the assessment page leads to the document's overview", async () => {
    await landAt(page, url(assessmentPath), check);
    await followLink(page, page.getByRole("link", { name: /^Stage 3: the self-assessment document/ }), "the Stage 3 link", check);
    assert.equal(pathOf(page), reportPath);
    assert.equal(await h1(page), "The self-assessment document");
    const text = await main();
    assert.match(text, /Section A: Overview and summary 0 words/);
    assert.match(text, /Section B, QS1: .* Not started/);
    assert.match(text, /\d+ things to do before the document is finished/);
  });

  await steps("Section A: writes “About us” and saves it", async () => {
    await followLink(page, page.getByRole("link", { name: "Write Section A", exact: true }), "the Write Section A link", check);
    assert.equal(pathOf(page), `${reportPath}/a`);
    assert.equal(await h1(page), "Section A: Overview and summary");
    const limit = Number(await page.locator("[data-word-total]").getAttribute("data-word-limit"));
    assert.ok(limit > 0, "no suggested length for Section A");
    await typeInto(page, page.locator("#about_us"), "the About us box", ABOUT_US);
    const n = words(ABOUT_US);
    if (javaScriptEnabled) {
      await eventually(wordTotal, (v) => v === `Section A: ${n} words, of about ${limit} suggested.`, "Section A's running total");
      await eventually(() => countMessage("about_us"), (v) => v === `You have ${(limit - n).toLocaleString("en-GB")} words remaining`, "About us's character count");
    } else {
      // As GOV.UK Frontend's template says it: the number unformatted.
      assert.equal(await countMessage("about_us"), `You can enter up to ${limit} words`);
    }
    await submit(page, page.getByRole("button", { name: "Save Section A", exact: true }), "the Save Section A button", check);
    assert.equal(pathOf(page), `${reportPath}/a`);
    assert.match(await banner(), /Success Your changes are saved\./);
    assert.equal(await page.locator("#about_us").inputValue(), ABOUT_US);
    assert.equal(await wordTotal(), `Section A: ${n} words, of about ${limit} suggested.`);
    assert.match(await main(), /Last saved \d+ \w+ \d{4} at \d\d:\d\d UTC by Ada Administrator/);
  });

  const statementPath = `${reportPath}/b/QS1`;
  const others = Object.entries(PART).filter(([id]) => id !== "introduction").reduce((n, [, text]) => n + words(text), 0);

  await steps("QS1: types into each kind of box; the running total and the character count follow", async () => {
    await followLink(page, page.getByRole("link", { name: "The self-assessment document", exact: true }), "the breadcrumb to the document", check);
    assert.equal(pathOf(page), reportPath);
    assert.match(await main(), new RegExp(`Section A: Overview and summary ${words(ABOUT_US)} words`));
    await followLink(page, page.getByRole("link", { name: "Write the part for QS1", exact: true }), "the Write link of QS1", check);
    assert.equal(pathOf(page), statementPath);
    assert.match(await h1(page), /^QS1 /);
    assert.match(await main(), /Stage 2 summary is not verified, so this part starts empty/);
    assert.equal(await wordTotal(), `QS1: 0 of ${LIMIT} words.`);

    await typeInto(page, page.locator("#introduction"), "the introduction", PART.introduction);
    const first = words(PART.introduction);
    if (javaScriptEnabled) {
      await eventually(wordTotal, (v) => v === `QS1: ${first} of ${LIMIT} words.`, "the running total after typing the introduction");
      await eventually(() => countMessage("introduction"), (v) => v === `You have ${LIMIT - first} words remaining`, "the introduction's character count");
    } else {
      assert.equal(await countMessage("introduction"), `You can enter up to ${LIMIT} words`);
    }
    for (const [id, text] of Object.entries(PART)) {
      if (id === "introduction") continue;
      await typeInto(page, page.locator(`#${id}`), `the ${id} box`, text);
    }
    if (javaScriptEnabled) {
      // The short boxes (a strength, an area for improvement) count towards the total too.
      await eventually(wordTotal, (v) => v === `QS1: ${first + others} of ${LIMIT} words.`, "the running total after typing every box");
    }
  });

  const long = Array.from({ length: LIMIT + 1 - others }, () => "word").join(" ");

  await steps("751 words: refused with the error summary, whose link puts focus in the introduction", async () => {
    // The introduction pasted over with enough words to pass the limit by one.
    await tabTo(page, page.locator("#introduction"), "the introduction");
    await page.keyboard.press("ControlOrMeta+A");
    await page.keyboard.insertText(long);
    assert.equal(await page.locator("#introduction").inputValue(), long);
    if (javaScriptEnabled) {
      await eventually(wordTotal, (v) => v === `QS1: ${LIMIT + 1} of ${LIMIT} words — 1 too many.`, "the running total over the limit");
      assert.ok(await page.locator("[data-word-total]").evaluate((el) => el.classList.contains("app-word-total--over")), "the total is not marked as over");
      // The total speaks only when it crosses the limit (each box's own count speaks as you type).
      assert.equal(await page.locator("#word-total").getAttribute("aria-live"), null, "the total is a second live region");
      assert.equal(await wordStatus(), `QS1 is now over the limit: ${LIMIT + 1} of ${LIMIT} words, 1 too many.`);
    }
    await submit(page, page.getByRole("button", { name: "Save QS1", exact: true }), "the Save QS1 button", check);
    assert.equal(pathOf(page), statementPath);
    const message = `This quality statement is ${LIMIT + 1} words; the most is ${LIMIT}. Remove 1 word to save it`;
    assert.match(await page.locator(".govuk-error-summary").innerText(), new RegExp(escape(message)));
    assert.match(await page.locator("#introduction-error").innerText(), new RegExp(escape(message)));
    // Server-side, the same count: nothing typed was lost.
    assert.equal(await wordTotal(), `QS1: ${LIMIT + 1} of ${LIMIT} words — 1 too many.`);
    for (const [id, text] of Object.entries(PART)) {
      if (id !== "introduction") assert.equal(await page.locator(`#${id}`).inputValue(), text, `${id} was lost`);
    }
    await expectErrorSummary(page, { field: "introduction", javaScriptEnabled, followLink: javaScriptEnabled, only: true });
  });

  await steps("removes a word and saves: 750 words are accepted", async () => {
    // Focus is in the introduction already with JavaScript on (the error summary's link).
    await tabTo(page, page.locator("#introduction"), "the introduction");
    await page.keyboard.press("ControlOrMeta+End");
    for (let i = 0; i < " word".length; i++) await page.keyboard.press("Backspace");
    assert.equal(words(await page.locator("#introduction").inputValue()), LIMIT - others, "Backspace did not remove one word");
    if (javaScriptEnabled) {
      await eventually(wordTotal, (v) => v === `QS1: ${LIMIT} of ${LIMIT} words.`, "the running total at the limit");
      assert.equal(await page.locator("[data-word-total]").evaluate((el) => el.classList.contains("app-word-total--over")), false);
      assert.equal(await wordStatus(), `QS1 is now within the limit: ${LIMIT} of ${LIMIT} words.`);
    }
    await submit(page, page.getByRole("button", { name: "Save QS1", exact: true }), "the Save QS1 button", check);
    assert.equal(pathOf(page), statementPath, `saving led to ${page.url()}`);
    assert.equal(await page.locator(".govuk-error-summary").count(), 0, "still refused");
    assert.match(await banner(), /Your changes are saved\./);
    assert.equal(await wordTotal(), `QS1: ${LIMIT} of ${LIMIT} words.`);
    assert.equal(await page.locator("#strengths-1").inputValue(), PART["strengths-1"]);
    await followLink(page, page.getByRole("link", { name: "The self-assessment document", exact: true }), "the breadcrumb to the document", check);
    assert.match(await main(), new RegExp(`Section B, QS1: .* ${LIMIT} of ${LIMIT} words`));
  });

  await steps("Section C: records an endorsement, which is listed", async () => {
    await followLink(page, page.getByRole("link", { name: "Write Section C", exact: true }), "the Write Section C link", check);
    assert.equal(pathOf(page), `${reportPath}/c`);
    assert.match(await main(), /No endorsements recorded yet/);
    await chooseOptionByArrows(page, page.getByLabel("Whose endorsement"), "the role", ENDORSEMENT.role);
    await typeInto(page, page.getByLabel("Name", { exact: true }), "the name", ENDORSEMENT.name);
    await typeInto(page, page.getByLabel("Comment (optional)"), "the comment", ENDORSEMENT.comment);
    await typeInto(page, page.locator("#date-day"), "the day", ENDORSEMENT.date.day);
    await typeInto(page, page.locator("#date-month"), "the month", ENDORSEMENT.date.month);
    await typeInto(page, page.locator("#date-year"), "the year", ENDORSEMENT.date.year);
    await submit(page, page.getByRole("button", { name: "Record the endorsement", exact: true }), "the Record the endorsement button", check);
    assert.equal(pathOf(page), `${reportPath}/c`, `recording led to ${page.url()}`);
    assert.match(await banner(), /The endorsement is recorded\./);
    const listed = (await page.locator("#endorsements + dl").innerText()).replace(/\s+/g, " ");
    assert.match(listed, new RegExp(`${ENDORSEMENT.roleTitle} ${ENDORSEMENT.name}, ${ENDORSEMENT.shown} ${escape(ENDORSEMENT.comment)}`));
    assert.equal(await page.getByRole("button", { name: `Remove the endorsement by ${ENDORSEMENT.name}`, exact: true }).count(), 1);
  });

  await steps("Section D: made from the (empty) evidence library", async () => {
    await followLink(page, page.getByRole("link", { name: "The self-assessment document", exact: true }), "the breadcrumb to the document", check);
    assert.match(await main(), /Process not described; 1 endorsement/);
    await followLink(page, page.getByRole("link", { name: "View Section D", exact: true }), "the View Section D link", check);
    assert.equal(pathOf(page), `${reportPath}/d`);
    assert.equal(await h1(page), "Section D: Our self-assessment library and evidence");
  });

  await steps("readiness lists what is left, not what was done; the top tips self-check is saved", async () => {
    await followLink(page, page.getByRole("link", { name: "The self-assessment document", exact: true }), "the breadcrumb to the document", check);
    await followLink(page, page.getByRole("link", { name: "Check readiness", exact: true }), "the Check readiness link", check);
    assert.equal(pathOf(page), `${reportPath}/readiness`);
    assert.equal(await h1(page), "Is the document ready?");
    const gaps = async (id) => page.locator(`h2#${id} + ul a`).allInnerTexts();
    const sections = await gaps("sections");
    for (const expected of [
      "Section C: describe your self-assessment process",
      "Section A: write “Our strategy for adult social care”",
      "Section D: add documents to the evidence library",
    ]) {
      assert.ok(sections.includes(expected), `"${expected}" not among the gaps: ${JSON.stringify(sections)}`);
    }
    assert.ok(sections.some((g) => /^Section B: write the part for QS2 /.test(g)), `QS2 not among the gaps: ${JSON.stringify(sections)}`);
    for (const done of [/About us/, /^Section C: record the sign-off/, /QS1/]) {
      assert.ok(!sections.some((g) => done.test(g)), `${done} is done but listed: ${JSON.stringify(sections)}`);
    }
    assert.ok((await gaps("verification")).some((g) => /^QS1 .*: the Stage 2 summary is not verified$/.test(g)), "QS1's unverified summary is not listed");
    // A gap's link leads to where it is put right.
    const process = page.getByRole("link", { name: "Section C: describe your self-assessment process", exact: true });
    assert.equal(await process.getAttribute("href"), `${reportPath}/c#process`);
    assert.equal(await page.locator("#process").count(), 0);

    await tick(page, page.getByRole("checkbox", { name: FIRST_TIP, exact: true }), "the first tip's checkbox");
    await submit(page, page.getByRole("button", { name: "Save the self-check", exact: true }), "the Save the self-check button", check);
    assert.equal(pathOf(page), `${reportPath}/readiness`);
    assert.match(await banner(), /Your self-check is saved\./);
    assert.match(await main(), /1 of 9 ticked \(Last saved .* by Ada Administrator\)/);
    assert.equal(await page.getByRole("checkbox", { name: FIRST_TIP, exact: true }).isChecked(), true);
    assert.equal(await page.getByRole("checkbox", { checked: true }).count(), 1);

    await followLink(page, process, "the gap's link to Section C's process", check);
    assert.equal(pathOf(page), `${reportPath}/c`);
    assert.equal(new URL(page.url()).hash, "#process");
  });

  // Chooses a format on the overview and presses Download: a quick export is
  // downloaded at once (the page stays); a slow one shows its progress page,
  // checked until the document is ready, then downloaded from there.
  const download = async (label) => {
    await landAt(page, url(reportPath), check);
    await chooseRadio(page, label, { group: "format" });
    await tabTo(page, page.getByRole("button", { name: "Download", exact: true }), "the Download button");
    const downloaded = page.waitForEvent("download", { timeout: 30_000 });
    // A navigation that turns into a download is aborted: then it is the download.
    const progress = page
      .waitForURL(/\/report\/exports\/[^/]+$/, { timeout: 30_000, waitUntil: "load" })
      .then(() => null, () => downloaded);
    downloaded.catch(() => {});
    await page.keyboard.press("Enter");
    let file = await Promise.race([downloaded, progress]);
    if (!file) {
      // The progress page.
      await check(`${pathOf(page)} (making the ${label})`);
      if (javaScriptEnabled) {
        // The page checks by itself and reloads when the document is made; a
        // reload of our own would race it (net::ERR_ABORTED).
        await page.waitForFunction(() => document.querySelector("h1")?.textContent.trim() !== "Making the document", null, {
          timeout: 60_000,
        });
        await page.waitForLoadState("load");
      } else {
        const deadline = Date.now() + 60_000;
        while ((await h1(page)) === "Making the document") {
          assert.ok(Date.now() < deadline, "the export did not finish within a minute");
          await page.waitForTimeout(1_000);
          await submit(page, page.getByRole("button", { name: "Check progress", exact: true }), "the Check progress button", check);
        }
      }
      assert.equal(await h1(page), "Your document is ready", await main());
      await check(`${pathOf(page)} (the ${label} is ready)`);
      await tabTo(page, page.getByRole("button", { name: "Download the document", exact: true }), "the Download the document button");
      const again = page.waitForEvent("download", { timeout: 30_000 });
      await page.keyboard.press("Enter");
      file = await again;
    }
    assert.equal(await file.failure(), null, `the download of the ${label} failed`);
    const bytes = await fs.readFile(await file.path());
    return { name: file.suggestedFilename(), bytes, focus: await describeFocus(page) };
  };

  await steps("downloads the Word document from the overview", async () => {
    const { name, bytes } = await download("Word document (.docx)");
    assert.match(name, /\.docx$/, `the file is called ${name}`);
    assert.match(name, /leeds/);
    assert.equal(bytes.subarray(0, 2).toString("latin1"), "PK", "the .docx is not a zip");
    assert.ok(bytes.length > 2_000, `the .docx is only ${bytes.length} bytes`);
  });

  await steps("downloads the web page from the overview: one page, itself axe clean", async () => {
    const { name, bytes } = await download("Web page (.html)");
    assert.match(name, /\.html$/, `the file is called ${name}`);
    const html = bytes.toString("utf8");
    assert.match(html.slice(0, 200), /^\s*<!DOCTYPE html>/i);
    for (const expected of ["About us", ENDORSEMENT.name, PART["strengths-1"]]) {
      assert.ok(html.includes(expected), `the web page does not hold ${JSON.stringify(expected)}`);
    }
    // Opened as a page of its own (it has no scripts; axe needs them on).
    const viewer = await browser.newContext();
    try {
      const opened = await viewer.newPage();
      await opened.setContent(html, { waitUntil: "load" });
      await checkAxe(opened, `the downloaded web page (${mode})`);
    } finally {
      await viewer.close();
    }
  });

  errors.assertNone();
}
