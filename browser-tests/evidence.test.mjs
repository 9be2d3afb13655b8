// The evidence library in the browser, JavaScript on and off: add a link item
// and see the Information Return matrix change when it is ready; add a file
// holding a telephone number, be refused "ready" until the finding is
// reviewed, review it, and see the matrix change again. axe (WCAG 2.2 AA) must
// be clean on every page the journey lands on, the error page included.
//
// Run: cargo build && npm run build && npm run test:browser
// (see helpers.mjs for SELFASSESS_BIN, CHROMIUM_PATH and SELFASSESS_LOG).

import { test } from "node:test";
import assert from "node:assert/strict";
import { startApp, launchBrowser, checkAxe, checkAxeWithoutJavaScript } from "./helpers.mjs";

const JOURNEY_TIMEOUT_MS = 240_000;
const NOTES = "Assessment pathway from first contact.\nDuty team: 01632 960000.\n";

test("the evidence library: items, the matrix and a finding reviewed", { timeout: 2 * JOURNEY_TIMEOUT_MS }, async (t) => {
  const app = await startApp({ admin: true });
  t.after(() => app.stop());
  const browser = await launchBrowser();
  t.after(() => browser.close());

  // Sign in and set up a council once; each mode then starts its own assessment.
  const setupContext = await browser.newContext();
  let councilPath = null;
  const storageState = await (async () => {
    const page = await setupContext.newPage();
    await page.goto(`${app.baseUrl}/sign-in`);
    await page.getByLabel("Email address").fill(app.admin.email);
    await page.getByLabel("Password", { exact: true }).fill(app.admin.password);
    await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Sign in", exact: true }).click()]);
    await page.goto(`${app.baseUrl}/admin/councils`);
    const select = page.getByLabel("Council", { exact: true });
    const first = await select.locator("option").evaluateAll((os) => os.map((o) => o.value).find((v) => v !== ""));
    await select.selectOption(first);
    await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Set up council", exact: true }).click()]);
    assert.match(new URL(page.url()).pathname, /^\/councils\/[^/]+$/);
    councilPath = new URL(page.url()).pathname;
    await page.close();
    return setupContext.storageState();
  })();
  t.after(() => setupContext.close());

  for (const javaScriptEnabled of [true, false]) {
    const mode = javaScriptEnabled ? "JavaScript on" : "JavaScript off";
    await t.test(mode, { timeout: JOURNEY_TIMEOUT_MS }, async () => {
      const context = await browser.newContext({ javaScriptEnabled, storageState });
      const page = await context.newPage();
      const axe = (where) =>
        javaScriptEnabled ? checkAxe(page, `${where} (${mode})`) : checkAxeWithoutJavaScript(page, `${where} (${mode})`);
      const go = async (action) => {
        await Promise.all([page.waitForNavigation(), action()]);
      };
      const irRow = (code) => page.locator("tbody tr", { has: page.locator("th", { hasText: new RegExp(`^${code}$`) }) });
      try {
        // An assessment of its own.
        await page.goto(`${app.baseUrl}${councilPath}`);
        await go(() => page.getByRole("link", { name: "Start an assessment" }).click());
        await page.getByLabel("Title", { exact: true }).fill(`2026/27 ${mode}`);
        await page.getByLabel("Start of the period it covers").fill("2026-04-01");
        await page.getByLabel("End of the period it covers").fill("2027-03-31");
        await go(() => page.getByRole("button", { name: "Start assessment", exact: true }).click());

        // The library, empty; the matrix: IR33 missing.
        await go(() => page.getByRole("link", { name: /^Evidence library/ }).click());
        await axe("the evidence library");
        await go(() => page.getByRole("link", { name: /^Information Return coverage/ }).click());
        await axe("the matrix");
        assert.match(await irRow("IR33").innerText(), /Missing/);

        // A link item for IR33: draft, then ready.
        await go(() => page.getByRole("link", { name: "Add an item" }).click());
        await page.getByLabel("Title", { exact: true }).fill("Carers strategy 2026 to 2029");
        await page.getByLabel("Type of document", { exact: true }).selectOption({ label: "Strategy and plans" });
        await page.getByLabel("Link (optional if you upload the file)").fill("https://www.example.gov.uk/carers");
        await page.getByLabel("Effective from, or start of the period").fill("2026-04-01");
        await page.getByRole("checkbox", { name: /^IR33: / }).check();
        await go(() => page.getByRole("button", { name: "Add item", exact: true }).click());
        assert.match(new URL(page.url()).pathname, /\/evidence\/[^/]+$/, await page.locator("main").innerText());
        await axe("a link item");
        await page.getByRole("radio", { name: "Ready" }).check();
        await go(() => page.getByRole("button", { name: "Change state", exact: true }).click());
        assert.match(await page.locator("main .govuk-tag").first().innerText(), /Ready/);
        await go(() => page.getByRole("link", { name: "Evidence library", exact: true }).click());
        await go(() => page.getByRole("link", { name: /^Information Return coverage/ }).click());
        assert.match(await irRow("IR33").innerText(), /Ready[\s\S]*Carers strategy/);

        // A file with a telephone number for IR5: not ready until the finding is reviewed.
        await go(() => page.getByRole("link", { name: "Add an item" }).click());
        await page.getByLabel("Title", { exact: true }).fill("Assessment pathway notes");
        await page.getByLabel("Type of document", { exact: true }).selectOption({ label: "Policy and procedures" });
        await page.locator("#file").setInputFiles({ name: "pathway.txt", mimeType: "text/plain", buffer: Buffer.from(NOTES) });
        await page.getByRole("checkbox", { name: /^IR5: / }).check();
        await go(() => page.getByRole("button", { name: "Add item", exact: true }).click());
        assert.match(await page.locator("main").innerText(), /Needs redaction[\s\S]*01632 960000/);
        await axe("a file item with a finding");
        await page.getByRole("radio", { name: "Ready" }).check();
        await go(() => page.getByRole("button", { name: "Change state", exact: true }).click());
        assert.match(await page.locator(".govuk-error-summary").innerText(), /not been reviewed/);
        await axe("ready refused");
        await page.getByLabel("Why it may stay").fill("The duty team's public number, printed on our leaflets");
        await go(() => page.getByRole("button", { name: /^Mark as reviewed/ }).click());
        assert.match(await page.locator("#findings ~ table").innerText(), /Reviewed by .*public number/);
        await page.getByRole("radio", { name: "Ready" }).check();
        await go(() => page.getByRole("button", { name: "Change state", exact: true }).click());
        assert.match(await page.locator("main .govuk-tag").first().innerText(), /Ready/);
        await go(() => page.getByRole("link", { name: "Evidence library", exact: true }).click());
        await go(() => page.getByRole("link", { name: /^Information Return coverage/ }).click());
        assert.match(await irRow("IR5").innerText(), /Ready[\s\S]*Assessment pathway notes/);
        await axe("the matrix with two ready items");
      } catch (err) {
        err.message = `${mode}, at ${page.url()}: ${err.message}`;
        throw err;
      } finally {
        await context.close();
      }
    });
  }
});
