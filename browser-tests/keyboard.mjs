// Keyboard-only journey helpers, shared by the journey suites.
//
// Nothing here clicks: every control is reached with Tab (or Shift+Tab) from
// wherever focus is, and used with Enter, Space, arrow keys (inside a radio
// group) or typing, through `page.keyboard`. If a control cannot be reached or
// used with the keyboard, the helper fails and says where focus went: that is
// a bug in the page, not the test. Every page a key press loads goes through a
// check (axe with JavaScript on, by default).

import assert from "node:assert/strict";
import { checkAxe } from "./helpers.mjs";

// Tab presses allowed to reach one control before giving up.
export const MAX_TABS = 80;
// A key press that should load a page (follow a link, submit a form).
export const NAVIGATION_TIMEOUT_MS = 15_000;

/** Runs journey steps in order as subtests; after a failure, skips the rest. */
export function stepper(t) {
  let failed = null;
  const steps = async (name, fn) => {
    await t.test(name, { skip: failed ? `an earlier step failed: ${failed}` : false }, async () => {
      try {
        await fn();
      } catch (err) {
        failed = name;
        throw err;
      }
    });
  };
  steps.failed = () => failed;
  return steps;
}

export const pathOf = (page) => new URL(page.url()).pathname;

export const h1 = async (page) => (await page.locator("h1").first().innerText()).trim();

// GOV.UK's password input has a "Show" button beside the field (with
// JavaScript on): match the field by its label only.
export const passwordField = (page, label) => page.getByLabel(label, { exact: true }).and(page.locator("input"));

/** Where focus is, for messages. */
export async function describeFocus(page) {
  return (await focusNow(page)).text;
}

/** The focused element: `key` tells elements apart, `text` describes it. */
export async function focusNow(page) {
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
 * With `any`, `target` may match several elements (the radios of a group)
 * and focus on any one of them will do.
 */
export async function tabTo(page, target, what, { backwards = false, any = false } = {}) {
  const count = await target.count();
  if (any) assert.ok(count > 0, `${what}: not found on ${page.url()}`);
  else assert.equal(count, 1, `${what}: expected one on ${page.url()}, found ${count}`);
  const focused = () => target.evaluateAll((els) => els.includes(document.activeElement));
  const key = backwards ? "Shift+Tab" : "Tab";
  const visited = [];
  for (let presses = 0; ; presses++) {
    if (await focused()) break;
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
  const box = await page.evaluateHandle(() => document.activeElement).then(async (h) => {
    try {
      return await h.asElement()?.boundingBox();
    } finally {
      await h.dispose();
    }
  });
  assert.ok(box && box.width > 0 && box.height > 0, `${what} has focus but is not visible on ${page.url()}`);
}

/**
 * Press `key` and wait for the next page to load; then run the page check
 * (axe with JavaScript on, by default) on it.
 */
export async function pressForPage(page, key, what, check = (label) => checkAxe(page, label)) {
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
export async function followLink(page, link, what, check) {
  await tabTo(page, link, what);
  await pressForPage(page, "Enter", what, check);
}

/** Tab to a button and press it with Enter. */
export async function submit(page, button, what, check) {
  await tabTo(page, button, what);
  await pressForPage(page, "Enter", what, check);
}

/** Open a URL (absolute) a person was given or starts from, then check the page. */
export async function land(page, href, check = (label) => checkAxe(page, label)) {
  await page.goto(href, { waitUntil: "load" });
  await check(pathOf(page));
}

/**
 * Tab to a text field and type into it. With `replace`, whatever the field
 * holds is selected first (Control+A) and typed over.
 */
export async function typeInto(page, field, what, text, { replace = false } = {}) {
  await tabTo(page, field, what);
  if (replace) await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.type(text);
  assert.equal(await field.inputValue(), text, `typing into ${what} left ${JSON.stringify(await field.inputValue())}`);
}

/** Tab to a checkbox and tick it with Space. */
export async function tick(page, checkbox, what) {
  await tabTo(page, checkbox, what);
  if (!(await checkbox.isChecked())) await page.keyboard.press("Space");
  assert.equal(await checkbox.isChecked(), true, `${what} is focused but Space did not tick it`);
}

/**
 * Tab into a radio group (focus lands on its checked radio, or its first),
 * move to the radio labelled `label` (a string, matched exactly, or a RegExp)
 * with the arrow keys, and make sure it is checked (Space). `group` (the
 * radios' name) tells apart groups whose radios share their labels.
 */
export async function chooseRadio(page, label, { group = null } = {}) {
  let radio = page.getByRole("radio", { name: label, exact: typeof label === "string" });
  if (group) radio = radio.and(page.locator(`input[type="radio"][name="${group}"]`));
  const count = await radio.count();
  assert.equal(count, 1, `expected one radio ${label}${group ? ` in the "${group}" group` : ""} on ${page.url()}, found ${count}`);
  const name = group ?? (await radio.evaluate((r) => r.name));
  const inGroup = page.locator(`input[type="radio"][name="${name}"]`);
  const total = await inGroup.count();
  await tabTo(page, inGroup, `the "${name}" radio group`, { any: true });
  for (let moves = 0; !(await radio.evaluate((el) => el === document.activeElement)); moves++) {
    if (moves >= total) assert.fail(`the arrow keys do not reach the radio ${label} (focus is on ${await describeFocus(page)})`);
    await page.keyboard.press("ArrowDown");
  }
  if (!(await radio.isChecked())) await page.keyboard.press("Space");
  assert.equal(await radio.isChecked(), true, `the radio ${label} is focused but Space did not check it`);
}

/**
 * Tab to a (closed) select and choose an option by typing the start of its
 * text (type-ahead). Returns the text of the option chosen.
 */
export async function chooseOption(page, select, what, typed) {
  await tabTo(page, select, what);
  await page.keyboard.type(typed);
  const chosen = await select.evaluate((s) => s.selectedOptions[0]?.textContent.trim() ?? "");
  assert.ok(chosen.startsWith(typed), `typing "${typed}" into ${what} chose ${JSON.stringify(chosen)}`);
  return chosen;
}

/**
 * Tab to a (closed) select and move its choice with the arrow keys to the
 * option whose value is `value` (for long lists whose options start alike,
 * where type-ahead would need spaces). Returns the option's text.
 */
export async function chooseOptionByArrows(page, select, what, value) {
  await tabTo(page, select, what);
  const { from, to, total } = await select.evaluate(
    (s, value) => ({
      from: s.selectedIndex,
      to: [...s.options].findIndex((o) => o.value === value),
      total: s.options.length,
    }),
    value,
  );
  assert.ok(to >= 0, `${what} has no option ${JSON.stringify(value)}`);
  const key = to > from ? "ArrowDown" : "ArrowUp";
  for (let i = 0; i < Math.abs(to - from) && i < total; i++) await page.keyboard.press(key);
  const chosen = await select.evaluate((s) => ({ value: s.value, text: s.selectedOptions[0]?.textContent.trim() ?? "" }));
  assert.equal(chosen.value, value, `the arrow keys on ${what} chose ${JSON.stringify(chosen.text)}`);
  return chosen.text;
}

/** Signed in: the header offers Your account and Sign out. */
export async function expectSignedIn(page) {
  assert.notEqual(pathOf(page), "/sign-in", `still on the sign-in page: ${await page.locator("main").innerText()}`);
  assert.equal(await page.getByRole("button", { name: "Sign out", exact: true }).count(), 1, "no Sign out control in the header");
  assert.equal(await page.getByRole("link", { name: "Your account", exact: true }).count(), 1, "no Your account link in the header");
}

/**
 * GOV.UK's error summary is shown with a link to `field`, whose target is on
 * the page. With JavaScript on, GOV.UK Frontend has moved focus to the
 * summary; with `followLink`, the link is then followed with the keyboard and
 * must put focus in the field. With `only`, the summary has no other link.
 */
export async function expectErrorSummary(page, { field, javaScriptEnabled, followLink: follow = false, only = false }) {
  const summary = page.locator(".govuk-error-summary");
  assert.equal(await summary.count(), 1, `no GOV.UK error summary on ${page.url()}`);
  assert.ok(await summary.isVisible(), "the error summary is not visible");
  assert.match(await page.title(), /^Error: /, "the page title does not start with \"Error: \"");
  const links = await summary.locator("a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
  assert.ok(links.includes(`#${field}`), `the error summary does not link to #${field}: its links are ${JSON.stringify(links)}`);
  if (only) assert.deepEqual(links, [`#${field}`], `the error summary should link to #${field} only`);
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
export function watchPageErrors(page) {
  const errors = [];
  page.on("pageerror", (err) => errors.push(err.message));
  return {
    assertNone() {
      assert.deepEqual(errors, [], `uncaught exceptions in the page:\n${errors.join("\n")}`);
    },
  };
}
