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
import { startApp, launchBrowser, checkAxeWithoutJavaScript } from "./helpers.mjs";
import {
  stepper,
  pathOf,
  h1,
  passwordField,
  tabTo,
  followLink,
  submit,
  land as landAt,
  chooseRadio,
  expectSignedIn,
  expectErrorSummary,
  watchPageErrors,
} from "./keyboard.mjs";

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

/** Open a URL a person was given (or starts from), then check the page. */
const land = (page, url, check) => landAt(page, new URL(url, app.baseUrl).href, check);

/** The invitation link shown once on the "Invitation created" page. */
async function readInvitationLink(page) {
  assert.equal(await h1(page), "Invitation created");
  const link = (await page.locator("#invitation-link").innerText()).trim();
  const url = new URL(link, app.baseUrl);
  assert.equal(url.origin, new URL(app.baseUrl).origin, `the invitation link ${link} is not on this site`);
  assert.match(url.pathname, /^\/invitations\/[^/]+$/, `unexpected invitation link ${link}`);
  return url.href;
}
