// Stage 1 (gathering views), keyboard only, in Debian's Chromium:
//   - the lead starts an assessment and sets up a survey round;
//   - a respondent answers through the round's link, without an account, with
//     JavaScript on and again with it off: an item left unanswered and the
//     error summary, every item answered (radios with the arrow keys, text in
//     the evidence fields), "Save and come back later", the resume code typed
//     in another browser, Check your answers, the confirmation with a
//     reference, then Back and resubmit (the same confirmation, one response);
//   - the lead records a workshop;
//   - the lead imports a survey tool's export, saying by hand what one column
//     holds (the column mapping), checks the rows and imports them, while
//     another writer holds the database (the sqlite3 command line), so the
//     import shows its progress page until it can store, and the page notices
//     by itself when it has.
// axe (WCAG 2.2 AA) must be clean on every page a journey lands on; with
// JavaScript off, on the page as it is built without scripting (see
// checkAxeWithoutJavaScript in helpers.mjs). See keyboard.mjs for the rules
// the keyboard helpers follow.
//
// Run: cargo build && npm run build && npm run test:browser

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { startApp, launchBrowser, checkAxe, checkAxeWithoutJavaScript } from "./helpers.mjs";
import {
  stepper,
  pathOf,
  h1,
  passwordField,
  tabTo,
  followLink,
  submit,
  land as landAt,
  typeInto,
  tick,
  chooseRadio,
  chooseOption,
  chooseOptionByArrows,
  expectSignedIn,
  expectErrorSummary,
  watchPageErrors,
} from "./keyboard.mjs";

const JOURNEY_TIMEOUT_MS = 240_000;

const COUNCIL = "Leeds";
const ASSESSMENT = { title: "2026/27", start: "2026-04-01", end: "2027-03-31" };
const ROUND = {
  title: "Spring survey of staff",
  statements: ["QS1", "QS2"],
  groups: ["Frontline staff", "Managers and leaders"],
  introduction: "We want to know how well we assess needs and support people to live healthier lives.",
};
// The framework's answer scale, as the radios are labelled.
const RATINGS = ["1 Strongly disagree", "2 Tend to disagree", "3 Tend to agree", "4 Strongly agree", "0 Don't know"];
// The item the respondent first leaves unanswered on QS1.
const SKIPPED = "QS1.3";
// How many of QS2's items are answered before "Save and come back later".
const ANSWERED_BEFORE_SAVING = 5;
// The workshop the lead records.
const WORKSHOP = {
  statement: "QS5",
  date: "2026-05-14",
  facilitator: "Fatima Facilitator",
  group: "Managers and leaders",
  participants: "12",
};

// A survey tool's export (Microsoft Forms style): names, emails and times
// the import must leave out; the group, QS1.1's rating and evidence, which
// the mapping page guesses from the headings; and a column headed "Q2" that
// the lead says holds QS1.2's rating.
const EXPORT = {
  name: "spring-survey-export.csv",
  csv:
    "ID,Start time,Email,Which group are you in?,QS1.1 rating,QS1.1: what evidence do you have?,Q2\r\n" +
    "1,2026-05-01 09:00,ann@example.com,Frontline staff,Tend to agree,Supervision audits,4\r\n" +
    "2,2026-05-01 10:30,ben@example.com,Unpaid carers,1,,Don't know\r\n",
  guessed: ["ignore", "ignore", "ignore", "group", "rating:QS1.1", "evidence:QS1.1", "ignore"],
  mapped: { column: 6, value: "rating:QS1.2" },
  groups: { "Frontline staff": 1, "Unpaid carers": 1 },
};

let app;
let browser;
// What the lead's set-up made: filled in by the first test.
const setup = { error: null, assessmentUrl: null, roundUrl: null, lead: null };

before(async () => {
  app = await startApp({ admin: true });
  browser = await launchBrowser();
});

after(async () => {
  await setup.lead?.close();
  await browser?.close();
  await app?.stop();
});

const url = (path) => new URL(path, app.baseUrl).href;
const land = (page, path, check) => landAt(page, url(path), check);
const noCheck = async () => {};
const fieldOf = (item) => item.replace(".", "_");
const ratingFor = (item) => RATINGS[(Number(item.split(".")[1]) - 1) % RATINGS.length];
const evidenceFor = (item, mode) => `Audit ${item} ${mode}`;
// Evidence needed is given for odd items only: it is optional.
const neededFor = (item, mode) => (Number(item.split(".")[1]) % 2 === 1 ? `Survey ${item} ${mode}` : "");

function requireSetup() {
  if (setup.error) throw new Error(`the lead's set-up failed: ${setup.error.message}`);
  assert.ok(setup.roundUrl, "the lead's set-up did not run");
}

test("keyboard only: the lead starts an assessment and sets up a survey round", { timeout: JOURNEY_TIMEOUT_MS }, async (t) => {
  const steps = stepper(t);
  setup.lead = await browser.newContext();
  const page = await setup.lead.newPage();
  const errors = watchPageErrors(page);
  // The council and assessment pages are checked by the accessibility suite.
  const check = noCheck;
  try {
    await steps("the administrator signs in and sets up a council", async () => {
      await land(page, "/sign-in", check);
      await typeInto(page, page.getByLabel("Email address"), "the email address field", app.admin.email);
      await typeInto(page, passwordField(page, "Password"), "the password field", app.admin.password);
      await submit(page, page.getByRole("button", { name: "Sign in", exact: true }), "the Sign in button", check);
      await expectSignedIn(page);
      await followLink(page, page.getByRole("link", { name: "Councils", exact: true }), "the Councils link", check);
      await chooseOption(page, page.getByLabel("Council", { exact: true }), "the council select", COUNCIL);
      await submit(page, page.getByRole("button", { name: "Set up council", exact: true }), "the Set up council button", check);
      assert.match(pathOf(page), /^\/councils\/[^/]+$/, "setting up a council did not lead to its page");
    });

    await steps("starts an assessment", async () => {
      await followLink(page, page.getByRole("link", { name: "Start an assessment" }), "the Start an assessment link", check);
      assert.match(pathOf(page), /^\/councils\/[^/]+\/assessments\/new$/);
      await typeInto(page, page.getByLabel("Title", { exact: true }), "the title field", ASSESSMENT.title);
      await typeInto(page, page.getByLabel("Start of the period it covers"), "the period start", ASSESSMENT.start);
      await typeInto(page, page.getByLabel("End of the period it covers"), "the period end", ASSESSMENT.end);
      await submit(page, page.getByRole("button", { name: "Start assessment", exact: true }), "the Start assessment button", check);
      assert.match(pathOf(page), /^\/assessments\/[^/]+$/, `starting an assessment led to ${page.url()}`);
      assert.equal(await h1(page), `Assessment ${ASSESSMENT.title}`);
      setup.assessmentUrl = url(pathOf(page));
    });

    await steps(`sets up a survey round for ${ROUND.statements.join(" and ")} and two groups`, async () => {
      await followLink(page, page.getByRole("link", { name: "Set up a survey round" }), "the Set up a survey round link", check);
      await typeInto(page, page.getByLabel("Title", { exact: true }), "the round's title", ROUND.title);
      for (const qs of ROUND.statements) {
        await tick(page, page.getByRole("checkbox", { name: new RegExp(`^${qs} `) }), `the ${qs} checkbox`);
      }
      for (const group of ROUND.groups) {
        await tick(page, page.getByRole("checkbox", { name: group, exact: true }), `the ${group} checkbox`);
      }
      await typeInto(page, page.getByLabel("Introduction"), "the introduction", ROUND.introduction);
      await submit(page, page.getByRole("button", { name: "Set up round", exact: true }), "the Set up round button", check);
      assert.equal(url(pathOf(page)), setup.assessmentUrl, `setting up the round led to ${page.url()}`);
      const link = page.locator("main a.app-secret", { hasText: /^\/r\// });
      assert.equal(await link.count(), 1, "the assessment page does not show the round's link");
      const href = await link.getAttribute("href");
      assert.match(href, /^\/r\/[A-Za-z0-9_-]{20,}$/, `unexpected round link ${href}`);
      setup.roundUrl = url(href);
      t.diagnostic(`assessment ${setup.assessmentUrl}, round ${setup.roundUrl}`);
    });
    errors.assertNone();
  } catch (err) {
    setup.error = err;
    throw err;
  } finally {
    if (steps.failed()) setup.error ??= new Error(`the step "${steps.failed()}" failed`);
    await page.close();
  }
});

for (const javaScriptEnabled of [true, false]) {
  const mode = javaScriptEnabled ? "JavaScript on" : "JavaScript off";
  test(`keyboard only, ${mode}: a respondent answers the survey, saves, resumes elsewhere, sends, then goes back and resends`, { timeout: JOURNEY_TIMEOUT_MS }, async (t) => {
    requireSetup();
    await respondentJourney(t, { javaScriptEnabled });
  });
}

test("keyboard only: the lead records a workshop", { timeout: JOURNEY_TIMEOUT_MS }, async (t) => {
  requireSetup();
  const steps = stepper(t);
  const page = await setup.lead.newPage();
  t.after(() => page.close());
  const errors = watchPageErrors(page);
  let before;
  let items;

  await steps(`chooses ${WORKSHOP.statement} on the workshop page`, async () => {
    await land(page, setup.assessmentUrl);
    before = await responseCounts(page);
    await followLink(page, page.getByRole("link", { name: "Record a workshop or working group" }), "the Record a workshop link");
    assert.equal(url(pathOf(page)), `${setup.assessmentUrl}/workshops/new`);
    await chooseRadio(page, new RegExp(`^${WORKSHOP.statement} `), { group: "statement" });
    await submit(page, page.getByRole("button", { name: "Continue", exact: true }), "the Continue button");
    assert.equal(new URL(page.url()).searchParams.get("statement"), WORKSHOP.statement, `choosing ${WORKSHOP.statement} led to ${page.url()}`);
    items = await itemsOnPage(page);
    assert.ok(items.length > 0, `no checklist items on ${page.url()}`);
    assert.ok(items.every((i) => i.startsWith(`${WORKSHOP.statement}.`)), `items of another statement: ${items}`);
  });

  await steps("fills in the date, facilitator, group, participants and every item's agreed answer, and saves", async () => {
    await typeInto(page, page.getByLabel("Date of the workshop"), "the date", WORKSHOP.date);
    await typeInto(page, page.getByLabel("Facilitator"), "the facilitator", WORKSHOP.facilitator, { replace: true });
    // Type-ahead with the first word only: a space may open a select's list.
    const group = await chooseOption(page, page.getByLabel("Respondent group that took part"), "the group select", WORKSHOP.group.split(" ")[0]);
    assert.equal(group, WORKSHOP.group);
    await typeInto(page, page.getByLabel("Number of participants"), "the number of participants", WORKSHOP.participants);
    for (const item of items) {
      const field = fieldOf(item);
      await chooseRadio(page, ratingFor(item), { group: `${field}_rating` });
      await typeInto(page, page.locator(`[id="${field}_notes"]`), `the notes for ${item}`, `Discussed ${item}`);
    }
    await submit(page, page.getByRole("button", { name: "Save the workshop", exact: true }), "the Save the workshop button");
    assert.equal(url(pathOf(page)), setup.assessmentUrl, `saving the workshop led to ${page.url()}: ${await errorText(page)}`);
  });

  await steps("the assessment page shows 1 response under Workshop", async () => {
    const after = await responseCounts(page);
    assert.equal(after.modes.Workshop, before.modes.Workshop + 1, `Workshop responses: ${before.modes.Workshop} before, ${after.modes.Workshop} after`);
    assert.equal(after.modes.Workshop, 1);
    assert.equal(after.groups[WORKSHOP.group], before.groups[WORKSHOP.group] + 1, `the ${WORKSHOP.group} group's count did not go up by one`);
    assert.equal(after.modes.Survey, before.modes.Survey, "a workshop was counted as a survey response");
  });
  errors.assertNone();
});

// ---------------------------------------------------------------------------

async function respondentJourney(t, { javaScriptEnabled }) {
  const mode = javaScriptEnabled ? "JavaScript on" : "JavaScript off";
  const tag = javaScriptEnabled ? "js" : "nojs";
  const steps = stepper(t);
  const contextOptions = { javaScriptEnabled };
  const first = await browser.newContext(contextOptions);
  t.after(() => first.close());
  // The second browser, where the respondent carries on with their code.
  const second = await browser.newContext(contextOptions);
  t.after(() => second.close());
  const leadPage = await setup.lead.newPage();
  t.after(() => leadPage.close());

  let page = await first.newPage();
  const errors = [watchPageErrors(page)];
  const checkFor = (p) =>
    javaScriptEnabled
      ? (label) => checkAxe(p, `${label} (${mode})`)
      : (label) => checkAxeWithoutJavaScript(p, `${label} (${mode})`);
  let check = checkFor(page);
  const roundPath = new URL(setup.roundUrl).pathname;
  let before;
  let resumeCode;
  let resumeProblem = null;
  let reference;
  const answered = new Map(); // item → rating label

  /** Answer `items` on the statement page: rating, evidence, evidence needed. */
  const answer = async (items) => {
    for (const item of items) {
      const field = fieldOf(item);
      await chooseRadio(page, ratingFor(item), { group: `${field}_rating` });
      await typeInto(page, page.locator(`[id="${field}_evidence"]`), `the evidence for ${item}`, evidenceFor(item, tag));
      const needed = neededFor(item, tag);
      if (needed) await typeInto(page, page.locator(`[id="${field}_evidence_needed"]`), `the evidence needed for ${item}`, needed);
      answered.set(item, ratingFor(item));
    }
  };

  await steps("the lead notes the number of survey responses", async () => {
    await land(leadPage, setup.assessmentUrl, noCheck);
    before = await responseCounts(leadPage);
  });

  await steps("opens the round's link and starts", async () => {
    await land(page, setup.roundUrl, check);
    assert.equal(await h1(page), ROUND.title);
    assert.match(await page.locator("main").innerText(), new RegExp(ROUND.introduction.slice(0, 30)));
    await submit(page, page.getByRole("button", { name: "Start now" }), "the Start now button", check);
    assert.equal(pathOf(page), `${roundPath}/group`, "with two groups, Start now should ask for the respondent's group");
  });

  await steps("chooses their group", async () => {
    await chooseRadio(page, ROUND.groups[0], { group: "group" });
    await submit(page, page.getByRole("button", { name: "Continue", exact: true }), "the Continue button", check);
    assert.equal(pathOf(page), `${roundPath}/statements/QS1`);
    assert.match(await page.locator(".govuk-caption-l").first().innerText(), /Quality statement 1 of 2/);
  });

  await steps(`on QS1, leaves ${SKIPPED} unanswered: the error summary links to it`, async () => {
    const items = await itemsOnPage(page);
    assert.ok(items.includes(SKIPPED), `${SKIPPED} is not on the page: ${items}`);
    await answer(items.filter((i) => i !== SKIPPED));
    await submit(page, page.getByRole("button", { name: "Save and continue", exact: true }), "the Save and continue button", check);
    assert.equal(pathOf(page), `${roundPath}/statements/QS1`, "an unanswered item should keep the respondent on QS1");
    const field = `${fieldOf(SKIPPED)}_rating`;
    await expectErrorSummary(page, { field, javaScriptEnabled, followLink: javaScriptEnabled, only: true });
    // Nothing typed is lost.
    for (const item of items.filter((i) => i !== SKIPPED)) {
      await expectAnswer(page, item, ratingFor(item), tag);
    }
    // With JavaScript, the summary's link left focus on the group's first
    // radio; without, Tab gets there from the summary.
    await answer([SKIPPED]);
    await submit(page, page.getByRole("button", { name: "Save and continue", exact: true }), "the Save and continue button", check);
    assert.equal(pathOf(page), `${roundPath}/statements/QS2`, `answering ${SKIPPED} did not lead on to QS2`);
  });

  await steps(`on QS2, answers ${ANSWERED_BEFORE_SAVING} items, then "Save and come back later" gives a resume code`, async () => {
    const items = await itemsOnPage(page);
    await answer(items.slice(0, ANSWERED_BEFORE_SAVING));
    await submit(page, page.getByRole("button", { name: "Save and come back later", exact: true }), "the Save and come back later button", check);
    assert.equal(pathOf(page), `${roundPath}/saved`);
    resumeCode = (await page.locator("#resume-code").innerText()).trim();
    assert.match(resumeCode, /^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$/, `unexpected resume code ${JSON.stringify(resumeCode)}`);
  });

  await steps("in another browser, types the resume code and is back on QS2 with the answers saved", async () => {
    await page.close();
    page = await second.newPage();
    errors.push(watchPageErrors(page));
    check = checkFor(page);
    await land(page, `${roundPath}/resume`, check);
    await typeInto(page, page.getByLabel("Enter your resume code"), "the resume code field", resumeCode);
    await submit(page, page.getByRole("button", { name: "Continue", exact: true }), "the Continue button", check);
    if (pathOf(page) === `${roundPath}/check`) {
      // Reported by the last step; carry on from Check your answers so that
      // the rest of the journey is still tested.
      resumeProblem =
        `resuming with the code led to Check your answers (${page.url()}), not back to QS2, ` +
        `where ${ANSWERED_BEFORE_SAVING} of its items only were answered`;
      const firstMissing = `QS2.${ANSWERED_BEFORE_SAVING + 1}`;
      await followLink(page, page.getByRole("link", { name: `Change your answer to ${firstMissing}` }), `the Change link of ${firstMissing}`, check);
    }
    assert.equal(pathOf(page), `${roundPath}/statements/QS2`, "resuming should lead back to QS2, where answers are missing");
    const items = await itemsOnPage(page);
    for (const item of items.slice(0, ANSWERED_BEFORE_SAVING)) await expectAnswer(page, item, ratingFor(item), tag);
  });

  await steps("finishes QS2 and checks the answers: every item is listed", async () => {
    const items = await itemsOnPage(page);
    await answer(items.slice(ANSWERED_BEFORE_SAVING));
    await submit(page, page.getByRole("button", { name: "Save and continue", exact: true }), "the Save and continue button", check);
    assert.equal(pathOf(page), `${roundPath}/check`);
    const rows = await page.locator("main .govuk-summary-list__row").evaluateAll((rs) =>
      rs.map((r) => ({
        key: r.querySelector(".govuk-summary-list__key")?.textContent.trim().replace(/\s+/g, " ") ?? "",
        value: r.querySelector(".govuk-summary-list__value")?.textContent.trim().replace(/\s+/g, " ") ?? "",
      })),
    );
    const group = rows.find((r) => r.key === "You are");
    assert.equal(group?.value, ROUND.groups[0], "Check your answers does not show the group chosen");
    const listed = new Map(rows.filter((r) => /^QS\d+\.\d+\. /.test(r.key)).map((r) => [r.key.split(". ")[0], r.value]));
    assert.deepEqual([...listed.keys()].sort(), [...answered.keys()].sort(), "Check your answers does not list exactly the items answered");
    for (const [item, rating] of answered) {
      const value = listed.get(item);
      assert.ok(value.startsWith(rating), `${item}: expected ${rating}, the summary says ${JSON.stringify(value)}`);
      assert.ok(value.includes(evidenceFor(item, tag)), `${item}: the evidence is not shown: ${JSON.stringify(value)}`);
      const needed = neededFor(item, tag);
      if (needed) assert.ok(value.includes(needed), `${item}: the evidence needed is not shown: ${JSON.stringify(value)}`);
    }
  });

  await steps("sends the answers and sees the confirmation with a reference", async () => {
    await submit(page, page.getByRole("button", { name: "Send answers", exact: true }), "the Send answers button", check);
    assert.equal(pathOf(page), `${roundPath}/done`);
    assert.match(await page.title(), /^Answers sent/);
    reference = (await page.locator("#reference").innerText()).trim();
    assert.match(reference, /^[A-Z0-9][A-Z0-9-]{3,}$/, `unexpected reference ${JSON.stringify(reference)}`);
  });

  await steps("goes Back and sends again: the same confirmation, and one response stored", async () => {
    // The browser's Back button (Alt+Left is the browser's, not the page's:
    // Playwright's keyboard does not reach it).
    await page.goBack({ waitUntil: "load" });
    await check(`${pathOf(page)} (after Back)`);
    // Chromium shows Check your answers again from its cache, with the form
    // as it was: send it again.
    assert.equal(pathOf(page), `${roundPath}/check`, `Back from the confirmation showed ${page.url()}`);
    await submit(page, page.getByRole("button", { name: "Send answers", exact: true }), "the Send answers button (again)", check);
    assert.equal(pathOf(page), `${roundPath}/done`, `sending again led to ${page.url()}`);
    const again = (await page.locator("#reference").innerText()).trim();
    assert.equal(again, reference, "sending again showed another reference");

    await land(leadPage, setup.assessmentUrl, noCheck);
    const after = await responseCounts(leadPage);
    assert.equal(after.modes.Survey, before.modes.Survey + 1, `Survey responses: ${before.modes.Survey} before, ${after.modes.Survey} after sending twice`);
    assert.equal(after.groups[ROUND.groups[0]], before.groups[ROUND.groups[0]] + 1, `the ${ROUND.groups[0]} group's count did not go up by one`);
  });

  await steps("resuming led back to the first statement with missing answers", () => {
    if (resumeProblem) assert.fail(resumeProblem);
  });

  for (const e of errors) e.assertNone();
}

/** The checklist items on a statement or workshop page, as "QS1.1". */
async function itemsOnPage(page) {
  const names = await page
    .locator('input[type="radio"][name$="_rating"]')
    .evaluateAll((rs) => [...new Set(rs.map((r) => r.name))]);
  return names.map((n) => n.replace(/_rating$/, "").replace("_", "."));
}

/** An item's answer as the page shows it again. */
async function expectAnswer(page, item, rating, tag) {
  const field = fieldOf(item);
  const checked = page.locator(`input[type="radio"][name="${field}_rating"]:checked`);
  assert.equal(await checked.count(), 1, `${item}: no answer checked on ${page.url()}`);
  const label = (await checked.evaluate((r) => r.labels[0]?.textContent ?? "")).trim();
  assert.equal(label, rating, `${item}: the answer shown is not the one given`);
  assert.equal(await page.locator(`[id="${field}_evidence"]`).inputValue(), evidenceFor(item, tag), `${item}: the evidence typed was not kept`);
  assert.equal(await page.locator(`[id="${field}_evidence_needed"]`).inputValue(), neededFor(item, tag), `${item}: the evidence needed was not kept`);
}

/** The assessment page's counts: responses by mode and by group. */
async function responseCounts(page) {
  const table = (caption) =>
    page.locator("main table", { has: page.locator("caption", { hasText: caption }) }).first();
  const rows = async (t) =>
    Object.fromEntries(
      await t.locator("tbody tr").evaluateAll((trs) =>
        trs.map((tr) => {
          const cells = [...tr.querySelectorAll("td, th")].map((c) => c.textContent.trim());
          return [cells[0], Number(cells.at(-1))];
        }),
      ),
    );
  const modes = await rows(table("Responses by mode"));
  const groups = await rows(table("Respondent groups"));
  assert.ok(Number.isInteger(modes.Survey) && Number.isInteger(modes.Workshop), `no Survey and Workshop rows: ${JSON.stringify(modes)}`);
  return { modes, groups };
}

/**
 * Holds the SQLite database's write lock from another process (the sqlite3
 * command line), as another writer would, until `release()`.
 */
async function holdWriteLock(file) {
  const child = spawn("sqlite3", [file], { stdio: ["pipe", "pipe", "pipe"] });
  let output = "";
  const held = new Promise((resolve, reject) => {
    child.stdout.on("data", (chunk) => {
      output += chunk;
      if (output.includes("held")) resolve();
    });
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("error", (err) => reject(new Error(`cannot run sqlite3 (apt-get install sqlite3): ${err.message}`)));
    child.on("exit", (code) => reject(new Error(`sqlite3 exited (${code}) before holding the lock: ${output}`)));
  });
  child.stdin.write(".timeout 10000\nBEGIN IMMEDIATE;\nSELECT 'held';\n");
  await held;
  return {
    release: async () => {
      const exited = once(child, "exit");
      child.stdin.end("ROLLBACK;\n.quit\n");
      await exited;
    },
  };
}

async function errorText(page) {
  const summary = page.locator(".govuk-error-summary");
  return (await summary.count()) > 0 ? (await summary.innerText()).replace(/\s+/g, " ") : "(no error summary)";
}

test("keyboard only: the lead imports a survey tool's export with a column mapping", { timeout: JOURNEY_TIMEOUT_MS }, async (t) => {
  requireSetup();
  const steps = stepper(t);
  const page = await setup.lead.newPage();
  t.after(() => page.close());
  const errors = watchPageErrors(page);
  let before;
  let mappingProblem = null;

  await steps("uploads the export", async () => {
    await land(page, setup.assessmentUrl, noCheck);
    before = await responseCounts(page);
    await land(page, `${setup.assessmentUrl}/import/survey`);
    const input = page.locator('input[type="file"]');
    await tabTo(page, input, "the file upload field");
    // Space on the focused field opens the file chooser, which Playwright
    // answers in place of the operating system's dialog.
    const [chooser] = await Promise.all([page.waitForEvent("filechooser", { timeout: 15_000 }), page.keyboard.press("Space")]);
    await chooser.setFiles({ name: EXPORT.name, mimeType: "text/csv", buffer: Buffer.from(EXPORT.csv, "utf8") });
    assert.equal(await input.evaluate((i) => i.files[0]?.name), EXPORT.name);
    await submit(page, page.getByRole("button", { name: "Upload and choose the columns", exact: true }), "the upload button");
    assert.match(pathOf(page), /\/import\/[^/]+$/, `uploading led to ${page.url()}: ${await errorText(page)}`);
    assert.equal(await h1(page), "Choose what each column holds");
    // Reported by the last step; the import carries on.
    if ((await page.locator(".govuk-error-summary").count()) > 0) {
      mappingProblem =
        `the column mapping (${page.url()}) shows an error summary before anything was chosen: ` +
        `${JSON.stringify(await errorText(page))}; with JavaScript on, focus moves to it on load`;
    }
  });

  await steps("the headings were guessed; says what the \"Q2\" column holds, with the arrow keys", async () => {
    const selects = page.locator('select[id^="column-"]');
    const guessed = await selects.evaluateAll((ss) => ss.map((s) => s.value));
    assert.deepEqual(guessed, EXPORT.guessed, "the columns were not guessed from their headings as expected");
    const { column, value } = EXPORT.mapped;
    const text = await chooseOptionByArrows(page, page.locator(`[id="column-${column}"]`), `the list for column ${column}`, value);
    assert.match(text, /^QS1\.2 rating/);
    await submit(page, page.getByRole("button", { name: "Check the rows", exact: true }), "the Check the rows button");
    assert.equal(await h1(page), "Check what will be imported", `the mapping was refused: ${await errorText(page)}`);
  });

  await steps("checks the rows and imports them", async () => {
    const rows = Object.keys(EXPORT.groups).length;
    assert.match(await page.locator("#survey-summary").innerText(), new RegExp(`^${rows} rows will become ${rows} responses with 4 answers`));
    const main = await page.locator("main").innerText();
    assert.ok(!main.includes("ann@example.com"), "the preview shows a column that is not imported");
    const preview = await page.locator("#survey-rows tbody tr").evaluateAll((trs) =>
      trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent.trim())),
    );
    assert.deepEqual(preview, [["2", "Frontline staff", "QS1.1 3, QS1.2 4"], ["3", "Unpaid carers", "QS1.1 1, QS1.2 0"]]);
    // Another writer holds the database, so storing waits: the request answers with the
    // import's progress page. First a fresh page, so the session's last-seen time needs no
    // write while the lock is held.
    await page.reload();
    const lock = await holdWriteLock(path.join(app.dataDir, "selfassess.db"));
    try {
      await submit(page, page.getByRole("button", { name: "Import these responses", exact: true }), "the Import these responses button");
      assert.equal(await h1(page), "Importing the responses", `importing led to ${page.url()}: ${await errorText(page)}`);
      assert.match(await page.locator("#import-status").innerText(), /^Storing the responses/);
      await checkAxeWithoutJavaScript(page, `${pathOf(page)} (the progress page)`);
      await submit(page, page.getByRole("button", { name: "Check progress", exact: true }), "the Check progress button");
      assert.equal(await h1(page), "Importing the responses");
    } finally {
      await lock.release();
    }
    // With JavaScript the page checks by itself, and shows what the import became.
    await page.waitForFunction(() => document.querySelector("h1")?.textContent.trim() === "Survey responses imported", null, {
      timeout: 60_000,
    });
    await page.waitForLoadState("load");
    await checkAxe(page, `${pathOf(page)} (after the import)`);
  });

  await steps("the assessment page counts the imported responses", async () => {
    await land(page, setup.assessmentUrl, noCheck);
    const after = await responseCounts(page);
    const rows = Object.keys(EXPORT.groups).length;
    assert.equal(after.modes.Import, before.modes.Import + rows, `Import responses: ${before.modes.Import} before, ${after.modes.Import} after`);
    for (const [group, n] of Object.entries(EXPORT.groups)) {
      assert.equal(after.groups[group], before.groups[group] + n, `the ${group} group's count`);
    }
  });

  await steps("the column mapping page showed no error summary before anything was chosen", () => {
    if (mappingProblem) assert.fail(mappingProblem);
  });
  errors.assertNone();
});
