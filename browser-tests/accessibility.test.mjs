// Accessibility suite: every HTML page the server links to, with JavaScript on
// and off, through axe (WCAG 2.2 AA rule set) and the GOV.UK page basics.
//
// Three crawls of one fresh server:
//   1. anonymous, from "/" and an unknown path;
//   2. signed in as a platform administrator (created with `selfassess admin
//      create` before the server starts), after setting up a council,
//      inviting an assessment lead, starting an assessment and setting up a
//      survey round (with some responses sent to its link through the API, so
//      that the Stage 1 analysis pages have figures, charts and a withheld
//      group to show), writing (with a key document from the evidence
//      library) and then changing the Stage 2 summary of QS1 (so that its
//      versions page shows a difference), and uploading a survey
//      tool's export and (in a second assessment, as a person has one import
//      pending per assessment) a
//      completed checklist, and adding two evidence items (a link, and a
//      file with a telephone number in it, so its page has a finding to
//      review), through the pages in the browser: from "/", the
//      council page and the pages that forms lead to (the workshop page for
//      QS1, the import pages, the export's column mapping and the checklist's
//      preview), the crawler sharing the browser's cookies (it reaches the
//      Stage 3 document's pages from the assessment page). Of the second
//      assessment's pages, only the checklist's preview is checked: the others
//      are the first one's pages again.
//      Public pages whose content is the same as signed out (or as the
//      round's link opened signed out) are not checked twice;
//   3. the invitation link, opened signed out;
//   4. the survey round's public link, opened signed out: its start page and
//      "Continue with a resume code". (The journey's other pages need answers
//      in progress: stage1.test.mjs checks them, JavaScript on and off.)
// The crawler follows links only (GET): it never submits a form, so never
// signs out.
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
// Pages checked at the same time (each in its own browser context).
// axe is CPU-bound, so more than two gains little on a two-core machine.
const CONCURRENCY = Math.max(1, Number(process.env.BROWSER_TEST_CONCURRENCY) || 2);

// Pages the crawl must reach from START_PATHS on a fresh data directory, so
// that a broken crawl (or a page that lost its links) cannot pass silently.
// Add a page here when the server gains one. (The framework pages come from
// frameworks/cqc-la-2023.yaml: CQC's nine quality statements.)
const FRAMEWORK = "/frameworks/cqc-la-2023";
const EXPECTED_PATHS = [
  "/",
  NOT_FOUND_PATH,
  "/accessibility",
  "/sign-in",
  "/frameworks",
  FRAMEWORK,
  `${FRAMEWORK}/information-return`,
  `${FRAMEWORK}/toolkit`,
  ...Array.from({ length: 9 }, (_, i) => `${FRAMEWORK}/quality-statements/QS${i + 1}`),
];

// Pages the signed-in crawl (the platform administrator, from "/" and the
// council page) must reach, besides the public ones above. COUNCIL stands for
// the council page of the council the test sets up, ASSESSMENT for the page
// of the assessment it starts there.
const COUNCIL = "{council}";
const ASSESSMENT = "{assessment}";
const EXPECTED_SIGNED_IN_PATHS = [
  "/",
  "/account",
  "/account/password",
  "/account/tokens",
  "/admin/councils",
  "/admin/audit",
  COUNCIL,
  `${COUNCIL}/invite`,
  `${COUNCIL}/audit`,
  `${COUNCIL}/assessments/new`,
  ASSESSMENT,
  `${ASSESSMENT}/rounds/new`,
  `${ASSESSMENT}/workshops/new`,
  `${ASSESSMENT}/workshops/new?statement=QS1`,
  `${ASSESSMENT}/import`,
  `${ASSESSMENT}/import/survey`,
  `${ASSESSMENT}/analysis`,
  `${ASSESSMENT}/analysis/settings`,
  ...Array.from({ length: 9 }, (_, i) => `${ASSESSMENT}/analysis/QS${i + 1}`),
  `${ASSESSMENT}/summaries`,
  ...Array.from({ length: 9 }, (_, i) => `${ASSESSMENT}/summaries/QS${i + 1}`),
  ...Array.from({ length: 9 }, (_, i) => `${ASSESSMENT}/summaries/QS${i + 1}/edit`),
  `${ASSESSMENT}/summaries/QS1/versions`,
  `${ASSESSMENT}/rating`,
  `${ASSESSMENT}/rating/what-if`,
  `${ASSESSMENT}/readiness`,
  `${ASSESSMENT}/evidence`,
  `${ASSESSMENT}/evidence/new`,
  `${ASSESSMENT}/evidence/coverage`,
  `${ASSESSMENT}/evidence/settings`,
  // Stage 3: the document's overview links to each section (the administrator
  // may write every quality statement's part) and to the readiness page.
  `${ASSESSMENT}/report`,
  `${ASSESSMENT}/report/a`,
  ...Array.from({ length: 9 }, (_, i) => `${ASSESSMENT}/report/b/QS${i + 1}`),
  `${ASSESSMENT}/report/c`,
  `${ASSESSMENT}/report/d`,
  `${ASSESSMENT}/report/readiness`,
  "/accessibility",
  "/frameworks",
  FRAMEWORK,
];
// Extra starting points of the signed-in crawl, under the assessment: pages
// that forms lead to rather than links.
const ASSESSMENT_START_PATHS = [
  `${ASSESSMENT}/workshops/new?statement=QS1`,
  `${ASSESSMENT}/import`,
  `${ASSESSMENT}/import/survey`,
];

// The assessment and the survey round the administrator sets up.
const NEW_ASSESSMENT = { title: "2026/27", start: "2026-04-01", end: "2027-03-31" };
const SECOND_ASSESSMENT = { title: "2025/26", start: "2025-04-01", end: "2026-03-31" };
const NEW_ROUND = {
  title: "Spring survey",
  statements: ["QS1", "QS2"],
  groups: ["Frontline staff", "Unpaid carers", "Partners (health, care providers, voluntary and community sector)"],
};
// Responses sent to the round's link, by group: enough in two groups for their
// figures to be shown, too few in the third (withheld on the analysis pages).
const RESPONSES = [
  { group: NEW_ROUND.groups[0], count: 7 },
  { group: NEW_ROUND.groups[1], count: 6 },
  { group: NEW_ROUND.groups[2], count: 2 },
];
// The items of the round's quality statements (QS1 has 14, QS2 12).
const ROUND_ITEMS = [...Array.from({ length: 14 }, (_, i) => `QS1.${i + 1}`), ...Array.from({ length: 12 }, (_, i) => `QS2.${i + 1}`)];
// A survey tool's export, uploaded so that its column mapping page exists.
const SURVEY_EXPORT =
  "Start time,Email,Which group are you in?,QS1.1 rating,QS1.1: what evidence do you have?,Q2\r\n" +
  "2026-05-01 09:00,ann@example.com,Frontline staff,Tend to agree,Supervision audits,4\r\n";

// The Stage 2 summary of QS1 the administrator writes and changes, so that its
// page shows content and its versions page a difference.
const SUMMARY = {
  ambition: "Everyone has a timely assessment that starts from what matters to them.",
  changed: "Everyone has a timely assessment and review that starts from what matters to them.",
  strength: "Strengths-based conversations are the norm",
  howWeKnow: "Audit of 120 case files, spring 2026",
  quotation: "They listened to what mattered to me.",
};

// A file for the evidence library with a telephone number in it, so that the
// item page shows a finding to review (a form per finding).
const EVIDENCE_NOTES = "Assessment pathway from first contact.\nDuty team: 01632 960000.\n";

// The person the administrator invites, as assessment lead.
const INVITEE = "lead@example.gov.uk";

const expectedStatus = (path) => (path === NOT_FOUND_PATH ? 404 : 200);

test("accessibility of every page", { concurrency: CONCURRENCY }, async (t) => {
  const app = await startApp({ admin: true });
  t.after(() => app.stop());
  const browser = await launchBrowser();
  t.after(() => browser.close());

  // Anonymous: the public pages.
  const anonymous = await crawl(app.baseUrl, START_PATHS);
  report(t, "anonymous", anonymous);

  // Signed in as the platform administrator, in the browser, with a council
  // set up and a person invited through the pages themselves.
  const signedInContext = await browser.newContext();
  t.after(() => signedInContext.close());
  let setup = null;
  let setupError = null;
  try {
    setup = await setUpCouncil(signedInContext, app);
    t.diagnostic(
      `set up ${setup.councilName} at ${setup.councilPath}; invitation ${setup.invitationPath}; ` +
        `assessment ${setup.assessmentPath}; round ${setup.roundPath}; imports ${setup.importPaths.join(", ")}`,
    );
  } catch (err) {
    setupError = err;
  }

  const runs = [
    { label: "", result: anonymous, pages: anonymous.pages, expected: EXPECTED_PATHS, storageState: undefined },
  ];
  if (setup) {
    // The crawler shares the signed-in context's cookies (through its
    // request API). It only follows links: the sign-out form is never
    // submitted.
    const council = (p) => p.replace(COUNCIL, setup.councilPath).replace(ASSESSMENT, setup.assessmentPath);
    const signedInStart = ["/", setup.councilPath, ...ASSESSMENT_START_PATHS.map(council), ...setup.importPaths];
    const signedIn = await crawl(app.baseUrl, signedInStart, {
      request: signedInContext.request,
    });
    report(t, "signed in", signedIn);
    // The invitation link, opened by someone not signed in (a fresh
    // context, as the person invited would).
    const invitation = await crawl(app.baseUrl, [setup.invitationPath]);
    // The round's link, opened by a respondent: no account, a fresh context.
    const round = await crawl(app.baseUrl, [setup.roundPath]);
    const roundPages = round.pages.filter((p) => p.path === setup.roundPath || p.path.startsWith(`${setup.roundPath}/`));
    report(t, "survey round", { pages: roundPages, skipped: [] });
    runs.push(
      {
        label: "[signed in] ",
        result: signedIn,
        pages: signedInPagesToCheck(t, signedIn.pages, [...anonymous.pages, ...roundPages]).filter((p) => {
          const again = isUnder(p.path, setup.secondAssessmentPath) && !setup.importPaths.includes(p.path);
          if (again) t.diagnostic(`signed in: the second assessment's ${p.path} is not checked (the first one's pages are)`);
          return !again;
        }),
        expected: [...EXPECTED_SIGNED_IN_PATHS.map(council), ...setup.importPaths, ...setup.evidencePaths],
        storageState: await signedInContext.storageState(),
      },
      {
        label: "[invitation] ",
        result: invitation,
        pages: invitation.pages.filter((p) => p.path === setup.invitationPath),
        expected: [setup.invitationPath],
        storageState: undefined,
      },
      {
        label: "[survey round] ",
        result: round,
        pages: roundPages,
        expected: [setup.roundPath, `${setup.roundPath}/resume`],
        storageState: undefined,
      },
    );
  }

  const subtests = [
    t.test("sign in, set up a council and invite someone through the pages", () => {
      if (setupError) throw setupError;
    }),
  ];
  for (const run of runs) {
    subtests.push(
      t.test(`${run.label}the crawl reaches every expected page`, () => {
        assert.equal(
          run.result.truncated,
          false,
          `the crawl stopped at its limit of ${run.result.pages.length} pages: links generate endless URLs?`,
        );
        const found = new Set(run.result.pages.map((p) => p.path));
        const missing = run.expected.filter((p) => !found.has(p));
        if (missing.length > 0) {
          assert.fail(`not reached by the crawl: ${missing.join(", ")}; found: ${[...found].join(", ")}`);
        }
      }),
    );
    subtests.push(
      t.test(`${run.label}every linked page answers, and unknown paths answer 404`, () => {
        const wrong = run.result.pages
          .filter((p) => p.status !== expectedStatus(p.path))
          .map(
            (p) =>
              `${p.path} answered ${p.status}` +
              `${p.requested !== p.path ? ` (asked for ${p.requested})` : ""}` +
              `${p.from ? ` (linked from ${new URL(p.from).pathname})` : ""}`,
          );
        if (wrong.length > 0) assert.fail(wrong.join("\n"));
      }),
    );
  }

  for (const run of runs) {
    for (const p of run.pages) {
      for (const javaScriptEnabled of [true, false]) {
        const mode = javaScriptEnabled ? "JavaScript on" : "JavaScript off";
        subtests.push(
          t.test(`${run.label}${p.path} (${mode})`, { timeout: PAGE_TIMEOUT_MS }, async () => {
            const context = await browser.newContext({ javaScriptEnabled, storageState: run.storageState });
            try {
              await checkPage(context, p, javaScriptEnabled, run.label);
            } finally {
              await context.close();
            }
          }),
        );
      }
    }
  }
  await Promise.all(subtests);
});

const isUnder = (path, prefix) => path === prefix || path.startsWith(`${prefix}/`) || path.startsWith(`${prefix}?`);

// A public page whose content (everything but the header and footer) is the
// same signed in as signed out has been checked signed out; the signed-in
// header and footer are checked on every other signed-in page. Home is
// always checked signed in; so is any page whose content differs.
function signedInPagesToCheck(t, signedInPages, anonymousPages) {
  const anonymous = new Map(anonymousPages.map((p) => [p.path, p]));
  const same = [];
  const check = signedInPages.filter((p) => {
    const before = anonymous.get(p.path);
    const unchanged =
      p.path !== "/" &&
      before !== undefined &&
      before.status === p.status &&
      p.content !== null &&
      before.content === p.content;
    if (unchanged) same.push(p.path);
    return !unchanged;
  });
  if (same.length > 0) {
    t.diagnostic(`signed in: same content as signed out, so checked signed out only: ${same.join(", ")}`);
  }
  return check;
}

function report(t, label, { pages, skipped }) {
  t.diagnostic(`${label}: crawled ${pages.length} page(s): ${pages.map((p) => p.path).join(", ")}`);
  for (const s of skipped) t.diagnostic(`${label}: not checked: ${s.path}: ${s.reason}`);
}

/**
 * In `context`: sign in as the platform administrator, set up a council from
 * /admin/councils, invite INVITEE to it as assessment lead, start an
 * assessment and set up a survey round in it, upload a survey tool's export
 * to it; start a second assessment and upload a completed checklist (the
 * blank CSV template with one rating) to that. Returns the council page's
 * path, the invitation link's path, the assessments' paths, the round's link
 * (its path) and the paths of the export's column mapping and the
 * checklist's preview.
 */
async function setUpCouncil(context, app) {
  const page = await context.newPage();
  const step = async (what, fn) => {
    try {
      return await fn();
    } catch (err) {
      err.message = `setting up the signed-in pages: ${what} (at ${page.url()}): ${err.message}`;
      throw err;
    }
  };
  try {
    await step("signing in", async () => {
      await page.goto(`${app.baseUrl}/sign-in`);
      await page.getByLabel("Email address").fill(app.admin.email);
      await page.getByLabel("Password", { exact: true }).fill(app.admin.password);
      await Promise.all([
        page.waitForNavigation(),
        page.getByRole("button", { name: "Sign in", exact: true }).click(),
      ]);
      assert.notEqual(new URL(page.url()).pathname, "/sign-in", "still on the sign-in page after signing in");
    });
    const councilName = await step("setting up a council at /admin/councils", async () => {
      await page.goto(`${app.baseUrl}/admin/councils`);
      const select = page.getByLabel("Council", { exact: true });
      const options = await select.locator("option").evaluateAll((os) =>
        os.map((o) => ({ value: o.value, text: o.textContent.trim() })),
      );
      const choice = options.find((o) => o.value !== "" && o.text !== "");
      assert.ok(choice, `no council to choose: the options are ${JSON.stringify(options.slice(0, 5))}…`);
      await select.selectOption(choice.value);
      await Promise.all([
        page.waitForNavigation(),
        page.getByRole("button", { name: "Set up council", exact: true }).click(),
      ]);
      assert.match(new URL(page.url()).pathname, /^\/councils\/[^/]+$/, "not taken to the council page");
      return choice.text;
    });
    const councilPath = new URL(page.url()).pathname;
    const invitationPath = await step("inviting an assessment lead", async () => {
      await Promise.all([page.waitForNavigation(), page.getByRole("link", { name: "Invite someone" }).click()]);
      await page.getByLabel("Their email address").fill(INVITEE);
      await page.getByRole("radio", { name: "Assessment lead" }).check();
      await Promise.all([
        page.waitForNavigation(),
        page.getByRole("button", { name: "Create invitation", exact: true }).click(),
      ]);
      const link = (await page.locator("#invitation-link").textContent()).trim();
      const url = new URL(link, app.baseUrl);
      assert.equal(url.origin, new URL(app.baseUrl).origin, `the invitation link ${link} is not on this site`);
      assert.match(url.pathname, /^\/invitations\/[^/]+$/, `unexpected invitation link ${link}`);
      return url.pathname;
    });
    const startAssessment = async ({ title, start, end }) => {
      await page.goto(`${app.baseUrl}${councilPath}`);
      await Promise.all([page.waitForNavigation(), page.getByRole("link", { name: "Start an assessment" }).click()]);
      await page.getByLabel("Title", { exact: true }).fill(title);
      await page.getByLabel("Start of the period it covers").fill(start);
      await page.getByLabel("End of the period it covers").fill(end);
      await Promise.all([
        page.waitForNavigation(),
        page.getByRole("button", { name: "Start assessment", exact: true }).click(),
      ]);
      assert.match(new URL(page.url()).pathname, /^\/assessments\/[^/]+$/, "not taken to the assessment page");
      return new URL(page.url()).pathname;
    };
    const assessmentPath = await step("starting an assessment", () => startAssessment(NEW_ASSESSMENT));
    const roundPath = await step("setting up a survey round", async () => {
      await Promise.all([page.waitForNavigation(), page.getByRole("link", { name: "Set up a survey round" }).click()]);
      await page.getByLabel("Title", { exact: true }).fill(NEW_ROUND.title);
      for (const qs of NEW_ROUND.statements) await page.getByRole("checkbox", { name: new RegExp(`^${qs} `) }).check();
      for (const g of NEW_ROUND.groups) await page.getByRole("checkbox", { name: g, exact: true }).check();
      await Promise.all([
        page.waitForNavigation(),
        page.getByRole("button", { name: "Set up round", exact: true }).click(),
      ]);
      assert.equal(new URL(page.url()).pathname, assessmentPath, "not taken back to the assessment page");
      const href = await page.locator("main a.app-secret", { hasText: /^\/r\// }).getAttribute("href");
      assert.match(href ?? "", /^\/r\/[^/]+$/, `unexpected round link ${href}`);
      return href;
    });
    await step("sending responses to the round's link through the API", async () => {
      // The groups' ids, from the lead's forms on the assessment page.
      await page.goto(`${app.baseUrl}${assessmentPath}`);
      const groups = await page.locator("form[action*='/groups/']").evaluateAll((forms) =>
        Object.fromEntries(forms.map((f) => [f.querySelector("h3")?.textContent.trim(), f.action.split("/").pop()])),
      );
      const token = roundPath.split("/").pop();
      let n = 0;
      for (const { group, count } of RESPONSES) {
        assert.ok(groups[group], `no id for the group ${group}: ${JSON.stringify(groups)}`);
        for (let r = 0; r < count; r++, n++) {
          // Ratings that differ by group and item, some "Don't know", some evidence.
          const answers = ROUND_ITEMS.map((item, i) => ({
            item,
            rating: (i + r + (group === NEW_ROUND.groups[1] ? 0 : 2)) % 5,
            evidence: i % 3 === 0 ? "Case file audit, spring" : "",
            evidence_needed: i % 4 === 0 ? "Waiting times by locality" : "",
          }));
          const res = await fetch(`${app.baseUrl}/api/v1/rounds/${token}/responses`, {
            method: "POST",
            headers: { "content-type": "application/json", "idempotency-key": `browser-${n}` },
            body: JSON.stringify({ group: groups[group], answers }),
          });
          assert.equal(res.status, 201, `response ${n}: ${await res.text()}`);
        }
      }
    });
    const evidencePaths = await step("adding evidence: a link item, and a file item holding personal information", async () => {
      const add = async ({ title, type, link, file, ir }) => {
        await page.goto(`${app.baseUrl}${assessmentPath}/evidence/new`);
        await page.getByLabel("Title", { exact: true }).fill(title);
        await page.getByLabel("Type of document", { exact: true }).selectOption({ label: type });
        if (link) await page.getByLabel("Link (optional if you upload the file)").fill(link);
        if (file) await page.locator("#file").setInputFiles(file);
        await page.getByLabel("Effective from, or start of the period").fill("2026-04-01");
        await page.getByRole("checkbox", { name: new RegExp(`^${ir}: `) }).check();
        await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Add item", exact: true }).click()]);
        const path = new URL(page.url()).pathname;
        assert.match(path, /\/evidence\/[^/]+$/, `not taken to the new item: ${await page.locator("main").innerText()}`);
        return path;
      };
      const linkItem = await add({
        title: "Carers strategy 2026 to 2029",
        type: "Strategy and plans",
        link: "https://www.example.gov.uk/carers-strategy",
        ir: "IR33",
      });
      const fileItem = await add({
        title: "Assessment pathway notes",
        type: "Policy and procedures",
        file: { name: "pathway.txt", mimeType: "text/plain", buffer: Buffer.from(EVIDENCE_NOTES) },
        ir: "IR5",
      });
      return [linkItem, fileItem, `${fileItem}/edit`];
    });
    await step("writing QS1's Stage 2 summary, then changing it (two versions to compare)", async () => {
      const edit = `${app.baseUrl}${assessmentPath}/summaries/QS1/edit`;
      const save = async () => {
        await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Save summary", exact: true }).click()]);
        assert.equal(new URL(page.url()).pathname, `${assessmentPath}/summaries/QS1`, `saving the summary failed: ${await page.locator("main").innerText()}`);
      };
      await page.goto(edit);
      await page.locator("#ambition").fill(SUMMARY.ambition);
      await page.locator("#strength_1_statement").fill(SUMMARY.strength);
      await page.locator("#strength_1_how_we_know").fill(SUMMARY.howWeKnow);
      await page.locator("#quotation_1_text").fill(SUMMARY.quotation);
      await page.locator("#quotation_1_source").fill("An unpaid carer");
      // A key document, chosen from the evidence library.
      await page.getByRole("checkbox", { name: "Carers strategy 2026 to 2029", exact: true }).check();
      await page.getByRole("radio", { name: "3: Evidence shows a good standard" }).check();
      await page.locator("#rationale").fill("Most of the evidence shows a good standard.");
      await save();
      await page.goto(edit);
      await page.locator("#ambition").fill(SUMMARY.changed);
      await save();
    });
    const mappingPath = await step("uploading a survey tool's export", async () => {
      await page.goto(`${app.baseUrl}${assessmentPath}/import/survey`);
      await page.locator("#file").setInputFiles({ name: "export.csv", mimeType: "text/csv", buffer: Buffer.from(SURVEY_EXPORT) });
      await Promise.all([
        page.waitForNavigation(),
        page.getByRole("button", { name: "Upload and choose the columns", exact: true }).click(),
      ]);
      assert.match(new URL(page.url()).pathname, /\/import\/[^/]+$/, `not taken to the column mapping: ${await page.locator("main").innerText()}`);
      return new URL(page.url()).pathname;
    });
    const secondAssessmentPath = await step("starting a second assessment", () => startAssessment(SECOND_ASSESSMENT));
    const checklistPath = await step("uploading a completed checklist to the second assessment", async () => {
      const blank = await context.request.get(`${app.baseUrl}${secondAssessmentPath}/checklists.csv`);
      assert.equal(blank.status(), 200, `the CSV template answered ${blank.status()}`);
      const lines = (await blank.text()).split(/\r?\n/);
      const row = lines.findIndex((l) => l.startsWith("QS1.1,"));
      assert.ok(row > 0 && lines[row].endsWith(",,,"), `no empty QS1.1 row in the CSV template: ${lines[row]}`);
      lines[row] = `${lines[row].slice(0, -3)},3,Supervision audits,`;
      await page.goto(`${app.baseUrl}${secondAssessmentPath}/import`);
      await page.locator("#file").setInputFiles({ name: "checklist.csv", mimeType: "text/csv", buffer: Buffer.from(lines.join("\n")) });
      await page.getByLabel("Respondent group", { exact: true }).selectOption({ label: NEW_ROUND.groups[0] });
      await page.getByRole("radio", { name: "One person's answers" }).check();
      await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Check the file", exact: true }).click()]);
      assert.match(new URL(page.url()).pathname, /\/import\/[^/]+$/, `not taken to the preview: ${await page.locator("main").innerText()}`);
      return new URL(page.url()).pathname;
    });
    return {
      councilName,
      councilPath,
      invitationPath,
      assessmentPath,
      secondAssessmentPath,
      roundPath,
      importPaths: [mappingPath, checklistPath],
      evidencePaths,
    };
  } finally {
    await page.close();
  }
}

async function checkPage(context, p, javaScriptEnabled, label = "") {
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
    const where = `${label}${p.path} (JavaScript ${javaScriptEnabled ? "on" : "off"})`;
    if (javaScriptEnabled) await checkAxe(page, where);
    else await checkAxeWithoutJavaScript(page, where);
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
    assert.fail(`${label}${p.path} (JavaScript ${javaScriptEnabled ? "on" : "off"}):\n${problems.join("\n")}`);
  }
}
