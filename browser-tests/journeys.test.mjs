// Keyboard-only journeys through the accounts pages, in Debian's Chromium.
//
// Nothing here clicks: every control is reached with Tab (or Shift+Tab) from
// wherever focus is, and used with Enter, Space, arrow keys (inside a radio
// group) or typing, through `page.keyboard`. `page.goto` is used only for
// starting URLs and for links a person is given as text (the invitation
// link). If a control cannot be reached or used with the keyboard, the test
// fails and says where focus went: that is a bug in the page, not the test.
// axe (WCAG 2.2 AA) must be clean on every page a journey lands on.
//
// Run: cargo build && npm run build && npm run test:browser
// (see helpers.mjs for SELFASSESS_BIN, CHROMIUM_PATH and SELFASSESS_LOG).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startApp, launchBrowser, checkAxe, checkAxeWithoutJavaScript } from "./helpers.mjs";

// Tab presses allowed to reach one control before the test gives up.
const MAX_TABS = 80;
// A key press that should load a page (follow a link, submit a form).
const NAVIGATION_TIMEOUT_MS = 15_000;
const JOURNEY_TIMEOUT_MS = 180_000;

// The council the administrator sets up, chosen by typing its name into the
// select, and the people invited to it.
const COUNCIL = "Leeds";
const LEAD = {
  email: "lead@example.gov.uk",
  name: "Lena Lead",
  weakPassword: "short",
  password: "harbour velvet cactus drum",
};
const VIEWER_EMAIL = "viewer@example.gov.uk";

let app;
let browser;

before(async () => {
  app = await startApp({ admin: true });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await app?.stop();
});

test("keyboard only: administrator sets up a council, a lead joins, invites a viewer, signs out", { timeout: JOURNEY_TIMEOUT_MS }, async (t) => {
  const steps = stepper(t);
  const admin = await browser.newContext();
  t.after(() => admin.close());
  const page = await admin.newPage();
  const errors = watchPageErrors(page);
  let councilPath;
  let invitationLink;
  // The person invited, in a second, fresh browser context.
  const invited = await browser.newContext();
  t.after(() => invited.close());
  const leadPage = await invited.newPage();
  const leadErrors = watchPageErrors(leadPage);

  await steps("(a) the administrator fails to sign in, then signs in", async () => {
    await land(page, "/");
    await followLink(page, page.getByRole("link", { name: "Sign in", exact: true }), "the Sign in link in the header");
    assert.equal(pathOf(page), "/sign-in");

    await tabTo(page, page.getByLabel("Email address"), "the email address field");
    await page.keyboard.type(app.admin.email);
    await tabTo(page, passwordField(page, "Password"), "the password field");
    await page.keyboard.type("not the right password");
    await submit(page, page.getByRole("button", { name: "Sign in", exact: true }), "the Sign in button");
    await expectErrorSummary(page, { field: "email", javaScriptEnabled: true });

    // Focus is on the error summary: carry on from there.
    assert.equal(await page.getByLabel("Email address").inputValue(), app.admin.email, "the email address typed was not kept");
    await tabTo(page, passwordField(page, "Password"), "the password field");
    await page.keyboard.type(app.admin.password);
    await submit(page, page.getByRole("button", { name: "Sign in", exact: true }), "the Sign in button");
    await expectSignedIn(page);
  });

  await steps("(b) the administrator sets up a council", async () => {
    await followLink(page, page.getByRole("link", { name: "Councils", exact: true }), "the Councils link in the header");
    assert.equal(pathOf(page), "/admin/councils");
    const select = page.getByLabel("Council", { exact: true });
    await tabTo(page, select, "the council select");
    // Type-ahead on a focused, closed select chooses the matching option.
    await page.keyboard.type(COUNCIL);
    const chosen = await select.evaluate((s) => s.selectedOptions[0]?.textContent.trim() ?? "");
    assert.ok(chosen.startsWith(COUNCIL), `typing "${COUNCIL}" into the select chose ${JSON.stringify(chosen)}`);
    await submit(page, page.getByRole("button", { name: "Set up council", exact: true }), "the Set up council button");
    assert.match(pathOf(page), /^\/councils\/[^/]+$/, "setting up a council did not lead to its page");
    assert.equal(await h1(page), COUNCIL);
    councilPath = pathOf(page);
  });

  await steps("(c) the administrator invites an assessment lead and reads the link", async () => {
    await followLink(page, page.getByRole("link", { name: "Invite someone" }), "the Invite someone link");
    assert.equal(pathOf(page), `${councilPath}/invite`);
    await tabTo(page, page.getByLabel("Their email address"), "the email address field");
    await page.keyboard.type(LEAD.email);
    await chooseRadio(page, "Assessment lead");
    await submit(page, page.getByRole("button", { name: "Create invitation", exact: true }), "the Create invitation button");
    invitationLink = await readInvitationLink(page);
  });

  await steps("(d) the person invited opens the link, is refused a weak password, then creates the account", async () => {
    await land(leadPage, invitationLink);
    assert.equal(await h1(leadPage), `Join ${COUNCIL}`);

    await tabTo(leadPage, leadPage.getByLabel("Your name"), "the name field");
    await leadPage.keyboard.type(LEAD.name);
    await tabTo(leadPage, passwordField(leadPage, "Create a password"), "the new password field");
    await leadPage.keyboard.type(LEAD.weakPassword);
    await tabTo(leadPage, passwordField(leadPage, "Confirm your password"), "the confirm password field");
    await leadPage.keyboard.type(LEAD.weakPassword);
    await submit(leadPage, leadPage.getByRole("button", { name: "Create account", exact: true }), "the Create account button");
    await expectErrorSummary(leadPage, { field: "password", javaScriptEnabled: true, followLink: true });
    assert.equal(await leadPage.getByLabel("Your name").inputValue(), LEAD.name, "the name typed was not kept");

    // The summary's link left focus in the password field.
    await leadPage.keyboard.type(LEAD.password);
    await tabTo(leadPage, passwordField(leadPage, "Confirm your password"), "the confirm password field");
    await leadPage.keyboard.type(LEAD.password);
    await submit(leadPage, leadPage.getByRole("button", { name: "Create account", exact: true }), "the Create account button");
    assert.equal(pathOf(leadPage), "/sign-in", "creating the account did not lead to the sign-in page");
  });

  await steps("(e) the lead signs in, finds the council in Your account and invites a viewer", async () => {
    await tabTo(leadPage, leadPage.getByLabel("Email address"), "the email address field");
    await leadPage.keyboard.type(LEAD.email);
    await tabTo(leadPage, passwordField(leadPage, "Password"), "the password field");
    await leadPage.keyboard.type(LEAD.password);
    await submit(leadPage, leadPage.getByRole("button", { name: "Sign in", exact: true }), "the Sign in button");
    await expectSignedIn(leadPage);

    await followLink(leadPage, leadPage.getByRole("link", { name: "Your account", exact: true }), "the Your account link in the header");
    assert.equal(pathOf(leadPage), "/account");
    assert.match(await leadPage.locator("main").innerText(), new RegExp(LEAD.name), "Your account does not show the lead's name");
    const councilLink = leadPage.getByRole("link", { name: COUNCIL, exact: true });
    await followLink(leadPage, councilLink, `the link to ${COUNCIL} in Your councils`);
    assert.equal(pathOf(leadPage), councilPath);
    const people = await leadPage.locator("main table").first().innerText();
    assert.match(people, new RegExp(LEAD.name), `the lead is not listed among the council's people:\n${people}`);

    await followLink(leadPage, leadPage.getByRole("link", { name: "Invite someone" }), "the Invite someone link");
    await tabTo(leadPage, leadPage.getByLabel("Their email address"), "the email address field");
    await leadPage.keyboard.type(VIEWER_EMAIL);
    await chooseRadio(leadPage, "Viewer");
    await submit(leadPage, leadPage.getByRole("button", { name: "Create invitation", exact: true }), "the Create invitation button");
    await readInvitationLink(leadPage);
    assert.ok((await leadPage.locator("main").innerText()).includes(VIEWER_EMAIL), `the invitation is not for ${VIEWER_EMAIL}`);
  });

  await steps("(f) the lead signs out with the header's Sign out control; Your account then asks to sign in", async () => {
    await submit(leadPage, leadPage.getByRole("button", { name: "Sign out", exact: true }), "the Sign out button in the header");
    assert.equal(pathOf(leadPage), "/sign-in", "signing out did not lead to the sign-in page");
    assert.equal(await leadPage.getByRole("button", { name: "Sign out" }).count(), 0, "still offered Sign out after signing out");
    await land(leadPage, "/account");
    assert.equal(pathOf(leadPage), "/sign-in", `/account did not redirect to sign in after signing out (it showed ${leadPage.url()})`);
    assert.equal(await h1(leadPage), "Sign in");
  });

  errors.assertNone();
  leadErrors.assertNone();
});

test("keyboard only, JavaScript off: the administrator fails to sign in, then signs in", { timeout: JOURNEY_TIMEOUT_MS }, async (t) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  t.after(() => context.close());
  const page = await context.newPage();
  const check = (label) => checkAxeWithoutJavaScript(page, `${label} (JavaScript off)`);

  await land(page, "/", check);
  await followLink(page, page.getByRole("link", { name: "Sign in", exact: true }), "the Sign in link in the header", check);
  assert.equal(pathOf(page), "/sign-in");
  await tabTo(page, page.getByLabel("Email address"), "the email address field");
  await page.keyboard.type(app.admin.email);
  await tabTo(page, passwordField(page, "Password"), "the password field");
  await page.keyboard.type("not the right password either");
  await submit(page, page.getByRole("button", { name: "Sign in", exact: true }), "the Sign in button", check);
  await expectErrorSummary(page, { field: "email", javaScriptEnabled: false });
  assert.equal(await page.getByLabel("Email address").inputValue(), app.admin.email, "the email address typed was not kept");

  await tabTo(page, passwordField(page, "Password"), "the password field");
  await page.keyboard.type(app.admin.password);
  await submit(page, page.getByRole("button", { name: "Sign in", exact: true }), "the Sign in button", check);
  await expectSignedIn(page);
});

// ---------------------------------------------------------------------------

/** Runs journey steps in order as subtests; after a failure, skips the rest. */
function stepper(t) {
  let failed = null;
  return async (name, fn) => {
    await t.test(name, { skip: failed ? `an earlier step failed: ${failed}` : false }, async () => {
      try {
        await fn();
      } catch (err) {
        failed = name;
        throw err;
      }
    });
  };
}

const pathOf = (page) => new URL(page.url()).pathname;

const h1 = async (page) => (await page.locator("h1").first().innerText()).trim();

// GOV.UK's password input has a "Show" button beside the field (with
// JavaScript on): match the field by its label only.
const passwordField = (page, label) => page.getByLabel(label, { exact: true }).and(page.locator("input"));

/** Where focus is, for messages. */
async function describeFocus(page) {
  return (await focusNow(page)).text;
}

/** The focused element: `key` tells elements apart, `text` describes it. */
async function focusNow(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body || el === document.documentElement) return { key: -1, text: "(the page)" };
    const text = (
      el.getAttribute("aria-label") ||
      (el.labels && el.labels[0] && el.labels[0].textContent) ||
      el.textContent ||
      el.getAttribute("value") ||
      ""
    )
      .trim()
      .replace(/\s+/g, " ")
      .slice(0, 50);
    const attrs = ["id", "href", "type", "name"]
      .filter((a) => el.getAttribute(a))
      .map((a) => ` ${a}="${el.getAttribute(a)}"`)
      .join("");
    const key = [...document.querySelectorAll("*")].indexOf(el);
    return { key, text: `<${el.tagName.toLowerCase()}${attrs}>${text ? ` "${text}"` : ""}` };
  });
}

/**
 * Press Tab (or Shift+Tab) until `target` has focus, starting wherever focus
 * is. Fails, listing where focus went, when MAX_TABS presses do not reach it.
 */
async function tabTo(page, target, what, { backwards = false } = {}) {
  const count = await target.count();
  assert.equal(count, 1, `${what}: expected one on ${page.url()}, found ${count}`);
  const key = backwards ? "Shift+Tab" : "Tab";
  const visited = [];
  for (let presses = 0; ; presses++) {
    if (await target.evaluate((el) => el === document.activeElement)) break;
    // Give up after going all the way round the page (back to the first
    // place focus went), or after MAX_TABS presses.
    const keys = visited.map((v) => v.key);
    const round = keys.length > 1 && keys.indexOf(keys.at(-1)) < keys.length - 1;
    if (round || presses === MAX_TABS) {
      assert.fail(
        `${what} is not reachable with ${key} on ${page.url()}: ` +
          `${round ? "focus went all the way round the page" : `after ${MAX_TABS} presses`}, to\n  ` +
          visited.map((v) => v.text).join("\n  "),
      );
    }
    await page.keyboard.press(key);
    visited.push(await focusNow(page));
  }
  const box = await target.boundingBox();
  assert.ok(box && box.width > 0 && box.height > 0, `${what} has focus but is not visible on ${page.url()}`);
}

/**
 * Press `key` and wait for the next page to load; then run the page check
 * (axe with JavaScript on, by default) on it.
 */
async function pressForPage(page, key, what, check = (label) => checkAxe(page, label)) {
  const navigation = page.waitForNavigation({ waitUntil: "load", timeout: NAVIGATION_TIMEOUT_MS });
  await page.keyboard.press(key);
  try {
    await navigation;
  } catch (err) {
    throw new Error(`pressing ${key} on ${what} did not load a page (on ${page.url()}): ${err.message}`);
  }
  await check(`${pathOf(page)} (after ${key} on ${what})`);
}

/** Tab to a link and follow it with Enter. */
async function followLink(page, link, what, check) {
  await tabTo(page, link, what);
  await pressForPage(page, "Enter", what, check);
}

/** Tab to a button and press it with Enter. */
async function submit(page, button, what, check) {
  await tabTo(page, button, what);
  await pressForPage(page, "Enter", what, check);
}

/** Open a URL a person was given (or starts from), then check the page. */
async function land(page, url, check = (label) => checkAxe(page, label)) {
  await page.goto(new URL(url, app.baseUrl).href, { waitUntil: "load" });
  await check(pathOf(page));
}

/**
 * Tab into a radio group (focus lands on its checked radio, or its first),
 * move to the radio labelled `label` with the arrow keys, and make sure it
 * is checked (Space).
 */
async function chooseRadio(page, label) {
  const radio = page.getByRole("radio", { name: label, exact: true });
  assert.equal(await radio.count(), 1, `no radio "${label}" on ${page.url()}`);
  const group = await radio.evaluate((r) => r.name);
  const inGroup = page.locator(`input[type="radio"][name="${group}"]`);
  const total = await inGroup.count();
  await tabTo(page, inGroup.first(), `the first radio of the "${group}" group`);
  for (let moves = 0; !(await radio.evaluate((el) => el === document.activeElement)); moves++) {
    if (moves >= total) assert.fail(`the arrow keys do not reach the radio "${label}" (focus is on ${await describeFocus(page)})`);
    await page.keyboard.press("ArrowDown");
  }
  if (!(await radio.isChecked())) await page.keyboard.press("Space");
  assert.equal(await radio.isChecked(), true, `the radio "${label}" is focused but Space did not check it`);
}

/** The invitation link shown once on the "Invitation created" page. */
async function readInvitationLink(page) {
  assert.equal(await h1(page), "Invitation created");
  const link = (await page.locator("#invitation-link").innerText()).trim();
  const url = new URL(link, app.baseUrl);
  assert.equal(url.origin, new URL(app.baseUrl).origin, `the invitation link ${link} is not on this site`);
  assert.match(url.pathname, /^\/invitations\/[^/]+$/, `unexpected invitation link ${link}`);
  return url.href;
}

/** Signed in: the header offers Your account and Sign out. */
async function expectSignedIn(page) {
  assert.notEqual(pathOf(page), "/sign-in", `still on the sign-in page: ${await page.locator("main").innerText()}`);
  assert.equal(await page.getByRole("button", { name: "Sign out", exact: true }).count(), 1, "no Sign out control in the header");
  assert.equal(await page.getByRole("link", { name: "Your account", exact: true }).count(), 1, "no Your account link in the header");
}

/**
 * GOV.UK's error summary is shown with a link to `field`, whose target is on
 * the page. With JavaScript on, GOV.UK Frontend has moved focus to the
 * summary; with `followLink`, the link is then followed with the keyboard and
 * must put focus in the field.
 */
async function expectErrorSummary(page, { field, javaScriptEnabled, followLink: follow = false }) {
  const summary = page.locator(".govuk-error-summary");
  assert.equal(await summary.count(), 1, `no GOV.UK error summary on ${page.url()}`);
  assert.ok(await summary.isVisible(), "the error summary is not visible");
  assert.match(await page.title(), /^Error: /, "the page title does not start with \"Error: \"");
  const links = await summary.locator("a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
  assert.ok(links.includes(`#${field}`), `the error summary does not link to #${field}: its links are ${JSON.stringify(links)}`);
  for (const href of links) {
    const id = decodeURIComponent(href.slice(1));
    assert.ok(href.startsWith("#") && (await page.locator(`[id="${id}"]`).count()) === 1, `the error summary links to ${href}, which is not a field on the page`);
  }
  assert.ok(await page.locator(`[id="${field}-error"]`).isVisible(), `no error message beside #${field}`);
  if (!javaScriptEnabled) return;

  const focusedSummary = await summary.evaluate((el) => el === document.activeElement);
  assert.ok(focusedSummary, `the error summary does not have focus (focus is on ${await describeFocus(page)})`);
  if (follow) {
    await tabTo(page, summary.locator(`a[href="#${field}"]`), `the error summary's link to #${field}`);
    await page.keyboard.press("Enter");
    const focused = await page.evaluate(() => document.activeElement?.id ?? null);
    assert.equal(focused, field, `following the error summary's link put focus on ${await describeFocus(page)}, not #${field}`);
  }
}

/** Collect uncaught exceptions in a page; assertNone() fails if there were any. */
function watchPageErrors(page) {
  const errors = [];
  page.on("pageerror", (err) => errors.push(err.message));
  return {
    assertNone() {
      assert.deepEqual(errors, [], `uncaught exceptions in the page:\n${errors.join("\n")}`);
    },
  };
}
