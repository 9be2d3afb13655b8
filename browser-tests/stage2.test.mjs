// Stage 2 (summaries and verification), keyboard only, in Debian's Chromium:
//   - set-up (not the journey under test, so with the mouse): the administrator
//     sets up a council, starts an assessment and a survey round, sends Stage 1
//     responses to it through the API (so that the summary form offers starting
//     points), and invites a quality statement lead (of QS1 and QS4) and a
//     verifier, who join;
//   - set-up also adds two items to the evidence library (one ready, for QS1
//     and QS4; one draft, for QS6);
//   - the journey, with JavaScript on (QS1) and again off (QS4): the lead opens
//     the summary from the assessment page, uses a Stage 1 starting point, gives
//     who said a quotation without the quotation (the error summary), fixes it,
//     ticks a key document from the evidence library, chooses a score and saves
//     (draft): the summary links to the library's item; submits it; the verifier returns it with
//     comments; the lead sees them, changes the summary and submits again; the
//     verifier verifies it with their post; the lead changes it once more and
//     the page says the verification is void; the versions page shows what
//     changed, word by word.
// axe (WCAG 2.2 AA) must be clean on every page the journey lands on; with
// JavaScript off, on the page as it is built without scripting (see
// checkAxeWithoutJavaScript in helpers.mjs). See keyboard.mjs for the rules the
// keyboard helpers follow.
//
// Run: cargo build && npm run build && node --test browser-tests/stage2.test.mjs

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
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
  chooseRadio,
  tick,
  expectErrorSummary,
  watchPageErrors,
} from "./keyboard.mjs";

const JOURNEY_TIMEOUT_MS = 300_000;

const COUNCIL = "Leeds";
const ASSESSMENT = { title: "2026/27", start: "2026-04-01", end: "2027-03-31" };
const ROUND = { title: "Spring survey", statements: ["QS1", "QS4"], group: "Frontline staff" };
const QS_LEAD = { email: "qs.lead@example.gov.uk", name: "Quinn Lead", password: "harbour velvet cactus drum", statements: ["QS1", "QS4"] };
const VERIFIER = { email: "verifier@example.gov.uk", name: "Vera Verifier", password: "lantern orbit plum kettle", post: "Director of Adult Social Services" };
const COMMENTS = "Say more about how waiting lists are managed.";
// Responses sent to the round: the first item of each statement agreed by all (a
// strength), every answer citing evidence.
const RESPONSES = 6;
const EVIDENCE = "Supervision audit, March";
// Items of the evidence library: the first supports both statements and is ready.
const LIBRARY = [
  { title: "Adult social care strategy 2026 to 2029", type: "Strategy and plans", statements: ["QS1", "QS4"], ready: true },
  { title: "Market position statement", type: "Policy and procedures", statements: ["QS6"], ready: false },
];

let app;
let browser;
const setup = { error: null, assessmentPath: null };

before(async () => {
  app = await startApp({ admin: true });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await app?.stop();
});

const url = (path) => new URL(path, app.baseUrl).href;

test("set-up: a council, an assessment with Stage 1 responses, a quality statement lead and a verifier", { timeout: JOURNEY_TIMEOUT_MS }, async () => {
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
    const councilPath = pathOf(page);
    assert.match(councilPath, /^\/councils\/[^/]+$/);

    await Promise.all([page.waitForNavigation(), page.getByRole("link", { name: "Start an assessment" }).click()]);
    await page.getByLabel("Title", { exact: true }).fill(ASSESSMENT.title);
    await page.getByLabel("Start of the period it covers").fill(ASSESSMENT.start);
    await page.getByLabel("End of the period it covers").fill(ASSESSMENT.end);
    await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Start assessment", exact: true }).click()]);
    const assessmentPath = pathOf(page);
    assert.match(assessmentPath, /^\/assessments\/[^/]+$/);

    await Promise.all([page.waitForNavigation(), page.getByRole("link", { name: "Set up a survey round" }).click()]);
    await page.getByLabel("Title", { exact: true }).fill(ROUND.title);
    for (const qs of ROUND.statements) await page.getByRole("checkbox", { name: new RegExp(`^${qs} `) }).check();
    await page.getByRole("checkbox", { name: ROUND.group, exact: true }).check();
    await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Set up round", exact: true }).click()]);
    const href = await page.locator("main a.app-secret", { hasText: /^\/r\// }).getAttribute("href");
    const token = href.split("/").pop();
    const groups = await page.locator("form[action*='/groups/']").evaluateAll((forms) =>
      Object.fromEntries(forms.map((f) => [f.querySelector("h3")?.textContent.trim(), f.action.split("/").pop()])),
    );
    const items = { QS1: 14, QS4: 12 };
    for (let r = 0; r < RESPONSES; r++) {
      const answers = Object.entries(items).flatMap(([qs, n]) =>
        Array.from({ length: n }, (_, i) => ({
          item: `${qs}.${i + 1}`,
          rating: i === 0 ? 4 : i === 1 ? 1 : 3,
          evidence: EVIDENCE,
          evidence_needed: "",
        })),
      );
      const res = await fetch(url(`/api/v1/rounds/${token}/responses`), {
        method: "POST",
        headers: { "content-type": "application/json", "idempotency-key": `stage2-${r}` },
        body: JSON.stringify({ group: groups[ROUND.group], answers }),
      });
      assert.equal(res.status, 201, await res.text());
    }

    const invite = async (email, role, statements = []) => {
      await page.goto(url(`${councilPath}/invite`));
      await page.getByLabel("Their email address").fill(email);
      await page.getByRole("radio", { name: role }).check();
      for (const qs of statements) await page.getByRole("checkbox", { name: new RegExp(`^${qs} `) }).check();
      await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Create invitation", exact: true }).click()]);
      return (await page.locator("#invitation-link").textContent()).trim();
    };
    const join = async (link, person) => {
      const other = await browser.newContext();
      const p = await other.newPage();
      await p.goto(new URL(link, app.baseUrl).href);
      await p.getByLabel("Your name").fill(person.name);
      await passwordField(p, "Create a password").fill(person.password);
      await passwordField(p, "Confirm your password").fill(person.password);
      await Promise.all([p.waitForNavigation(), p.getByRole("button", { name: "Create account", exact: true }).click()]);
      assert.equal(pathOf(p), "/sign-in", `joining as ${person.email} failed: ${await p.locator("main").innerText()}`);
      await other.close();
    };
    for (const item of LIBRARY) {
      await page.goto(url(`${assessmentPath}/evidence/new`));
      await page.getByLabel("Title", { exact: true }).fill(item.title);
      await page.getByLabel("Type of document", { exact: true }).selectOption({ label: item.type });
      await page.getByLabel("Link (optional if you upload the file)").fill("https://www.example.gov.uk/strategy.pdf");
      for (const qs of item.statements) await page.getByRole("checkbox", { name: new RegExp(`^${qs} `) }).check();
      await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Add item", exact: true }).click()]);
      assert.match(pathOf(page), /\/evidence\/[^/]+$/, await page.locator("main").innerText());
      if (item.ready) {
        await page.getByRole("radio", { name: "Ready" }).check();
        await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Change state", exact: true }).click()]);
      }
    }
    await join(await invite(QS_LEAD.email, "Quality statement lead", QS_LEAD.statements), QS_LEAD);
    await join(await invite(VERIFIER.email, "Verifier (senior manager)"), VERIFIER);
    setup.assessmentPath = assessmentPath;
  } catch (err) {
    setup.error = err;
    throw err;
  } finally {
    await context.close();
  }
});

for (const [javaScriptEnabled, statement] of [
  [true, "QS1"],
  [false, "QS4"],
]) {
  const mode = javaScriptEnabled ? "JavaScript on" : "JavaScript off";
  test(`keyboard only, ${mode}: ${statement} drafted, submitted, returned, changed, submitted, verified, then changed: the verification is void`, { timeout: JOURNEY_TIMEOUT_MS }, async (t) => {
    if (setup.error) throw new Error(`the set-up failed: ${setup.error.message}`);
    assert.ok(setup.assessmentPath, "the set-up did not run");
    await journey(t, { javaScriptEnabled, statement });
  });
}

async function signIn(context, person, check) {
  const page = await context.newPage();
  await landAt(page, url("/sign-in"), check(page));
  await typeInto(page, page.getByLabel("Email address"), "the email address field", person.email);
  await typeInto(page, passwordField(page, "Password"), "the password field", person.password);
  await submit(page, page.getByRole("button", { name: "Sign in", exact: true }), "the Sign in button", check(page));
  assert.notEqual(pathOf(page), "/sign-in", `${person.email} could not sign in`);
  return page;
}

async function journey(t, { javaScriptEnabled, statement }) {
  const mode = javaScriptEnabled ? "JavaScript on" : "JavaScript off";
  const steps = stepper(t);
  const checkFor = (p) =>
    javaScriptEnabled
      ? (label) => checkAxe(p, `${label} (${mode})`)
      : (label) => checkAxeWithoutJavaScript(p, `${label} (${mode})`);
  const leadContext = await browser.newContext({ javaScriptEnabled });
  t.after(() => leadContext.close());
  const verifierContext = await browser.newContext({ javaScriptEnabled });
  t.after(() => verifierContext.close());
  const lead = await signIn(leadContext, QS_LEAD, checkFor);
  const verifier = await signIn(verifierContext, VERIFIER, checkFor);
  const errors = [watchPageErrors(lead), watchPageErrors(verifier)];
  const leadCheck = checkFor(lead);
  const verifierCheck = checkFor(verifier);
  const summaryPath = `${setup.assessmentPath}/summaries/${statement}`;
  const ambition = `Everyone has a timely assessment (${mode}).`;
  const changed = `Everyone has a timely assessment and review (${mode}).`;

  const state = async (page) => (await page.locator("#state .govuk-tag").first().innerText()).trim();

  await steps("the lead opens the summary from the assessment page", async () => {
    await landAt(lead, url(setup.assessmentPath), leadCheck);
    await followLink(lead, lead.getByRole("link", { name: /^Stage 2 summaries/ }), "the Stage 2 summaries link", leadCheck);
    assert.equal(await h1(lead), "Stage 2 summaries");
    await followLink(lead, lead.getByRole("link", { name: new RegExp(`^${statement} `) }), `the ${statement} link`, leadCheck);
    assert.equal(pathOf(lead), summaryPath);
    assert.equal(await state(lead), "Not started");
    await followLink(lead, lead.getByRole("link", { name: "Start the summary" }), "the Start the summary link", leadCheck);
    assert.equal(pathOf(lead), `${summaryPath}/edit`);
  });

  await steps("uses a Stage 1 strength as a starting point: the form comes back with it, unsaved", async () => {
    await typeInto(lead, lead.locator("#ambition"), "the ambition", ambition);
    const use = lead.getByRole("button", { name: `Use this as a strength: ${statement}.1`, exact: true });
    await submit(lead, use, `the Use this button of ${statement}.1`, leadCheck);
    assert.match(await lead.locator(".govuk-notification-banner").innerText(), new RegExp(`${statement}\\.1 was added as strength 1`));
    assert.equal(await lead.locator("#ambition").inputValue(), ambition, "the ambition typed was lost");
    assert.match(await lead.locator("#strength_1_how_we_know").inputValue(), /100% of 6 ratings agree/);
  });

  await steps("says who said a quotation but not what: the error summary; fixes it, ticks a key document, scores and saves a draft", async () => {
    const [ready, draft] = LIBRARY;
    await typeInto(lead, lead.locator("#quotation_1_source"), "who said quotation 1", "An unpaid carer");
    await chooseRadio(lead, "3: Evidence shows a good standard", { group: "score" });
    await typeInto(lead, lead.locator("#rationale"), "why this score", "Most of the evidence shows a good standard.");
    await submit(lead, lead.getByRole("button", { name: "Save summary", exact: true }), "the Save summary button", leadCheck);
    await expectErrorSummary(lead, { field: "quotation_1_text", javaScriptEnabled, followLink: javaScriptEnabled, only: true });
    assert.equal(await lead.locator("#rationale").inputValue(), "Most of the evidence shows a good standard.", "what was typed was lost");
    await typeInto(lead, lead.locator("#quotation_1_text"), "quotation 1", "They listened to what mattered to me.");
    // The library: items supporting the statement first, with their state and type; others after.
    const supporting = lead.getByRole("group", { name: `Items supporting ${statement}` });
    assert.match(await supporting.innerText(), /Ready · Strategy and plans/);
    const others = lead.getByRole("group", { name: "Other items in the library" });
    assert.match(await others.innerText(), new RegExp(`${draft.title}[\\s\\S]*Draft · Policy and procedures`));
    await tick(lead, supporting.getByRole("checkbox", { name: ready.title, exact: true }), "the strategy's checkbox");
    await submit(lead, lead.getByRole("button", { name: "Save summary", exact: true }), "the Save summary button", leadCheck);
    assert.equal(pathOf(lead), summaryPath, `saving led to ${lead.url()}`);
    assert.equal(await state(lead), "Draft");
    assert.match(await lead.locator("main").innerText(), new RegExp(ambition.replace(/[().]/g, "\\$&")));
    const document = lead.locator(".app-key-documents").getByRole("link", { name: ready.title, exact: true });
    assert.match(await document.getAttribute("href"), new RegExp(`^${setup.assessmentPath}/evidence/[^/]+$`));
    assert.match(await lead.locator(".app-key-documents").innerText(), /Ready/);
  });

  await steps("submits it for verification", async () => {
    await submit(lead, lead.getByRole("button", { name: "Submit for verification", exact: true }), "the Submit for verification button", leadCheck);
    assert.equal(await state(lead), "Submitted for verification");
  });

  await steps("the verifier returns it with comments", async () => {
    await landAt(verifier, url(summaryPath), verifierCheck);
    await typeInto(verifier, verifier.getByLabel("What needs to change"), "the comments", COMMENTS);
    await submit(verifier, verifier.getByRole("button", { name: "Return with comments", exact: true }), "the Return with comments button", verifierCheck);
    assert.equal(await state(verifier), "Returned with comments");
  });

  await steps("the lead reads the comments, changes the summary and submits it again", async () => {
    await landAt(lead, url(summaryPath), leadCheck);
    assert.match(await lead.locator("#return-comments").innerText(), new RegExp(COMMENTS.replace(/\./g, "\\.")));
    await followLink(lead, lead.getByRole("link", { name: "Change the summary" }), "the Change the summary link", leadCheck);
    await typeInto(lead, lead.locator("#ambition"), "the ambition", changed, { replace: true });
    await submit(lead, lead.getByRole("button", { name: "Save summary", exact: true }), "the Save summary button", leadCheck);
    assert.equal(await state(lead), "Returned with comments", "saving keeps the comments until it is submitted");
    await submit(lead, lead.getByRole("button", { name: "Submit for verification", exact: true }), "the Submit for verification button", leadCheck);
    assert.equal(await state(lead), "Submitted for verification");
  });

  await steps("the verifier verifies it with their name and post", async () => {
    await landAt(verifier, url(summaryPath), verifierCheck);
    assert.equal(await verifier.getByLabel("Your name").inputValue(), VERIFIER.name, "the name is the verifier's own");
    await typeInto(verifier, verifier.getByLabel("Your post"), "the post field", VERIFIER.post);
    await submit(verifier, verifier.getByRole("button", { name: "Verify version 2", exact: true }), "the Verify button", verifierCheck);
    assert.equal(await state(verifier), "Verified");
    const text = await verifier.locator("#state").innerText();
    assert.match(text, new RegExp(`Verified by ${VERIFIER.name}, ${VERIFIER.post} \\(account ${VERIFIER.email.replace(/\./g, "\\.")}\\)`));
    assert.match(text, /SHA-256 of the content verified: [0-9a-f]{64}/);
  });

  await steps("the lead changes it again: the verification is void, and says so", async () => {
    await landAt(lead, url(summaryPath), leadCheck);
    await followLink(lead, lead.getByRole("link", { name: "Change the summary" }), "the Change the summary link", leadCheck);
    await typeInto(lead, lead.locator("#rationale"), "why this score", "Most of the evidence shows a good standard; carers wait too long.", { replace: true });
    await submit(lead, lead.getByRole("button", { name: "Save summary", exact: true }), "the Save summary button", leadCheck);
    assert.equal(pathOf(lead), summaryPath);
    assert.match(await lead.locator("#verification-void").innerText(), /Verification void: changed after verification on \d+ \w+ \d{4} at \d\d:\d\d UTC/);
    assert.equal(await state(lead), "Draft");
    await landAt(verifier, url(summaryPath), verifierCheck);
    assert.match(await verifier.locator("main").innerText(), /Verification void/);
  });

  await steps("the versions page shows what changed, word by word", async () => {
    await followLink(lead, lead.getByRole("link", { name: "Versions and what changed between them" }), "the versions link", leadCheck);
    assert.equal(await h1(lead), "Versions");
    assert.equal(await lead.locator("tbody tr").count(), 3, "three versions");
    const added = (await lead.locator(".app-diff ins").allTextContents()).map((a) => a.replace(/\s+/g, " ").trim());
    assert.ok(added.some((a) => /^\[added: .*carers wait too long\.\]$/.test(a)), `added: ${JSON.stringify(added)}`);
    const removed = (await lead.locator(".app-diff del").allTextContents()).map((a) => a.replace(/\s+/g, " ").trim());
    assert.ok(removed.some((r) => /^\[removed: .*standard\.\]$/.test(r)), `removed: ${JSON.stringify(removed)}`);
  });

  for (const e of errors) e.assertNone();
}
