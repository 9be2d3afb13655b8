// Shared harness for the browser test suite: start the real server, launch
// Debian's Chromium through playwright-core, crawl the site, run axe.
//
// Environment:
//   SELFASSESS_BIN  server binary, relative to the repo root or absolute
//                   (default target/debug/selfassess; build it first)
//   CHROMIUM_PATH   Chromium executable (default /usr/bin/chromium:
//                   `apt-get install chromium` on Debian)
//   SELFASSESS_LOG  set to 1 to forward the server's stdout/stderr as it runs
//   BROWSER_TEST_CONCURRENCY  pages the accessibility suite checks at once
//                   (default 2)
//
// Each server gets a fresh SQLite database in a temporary data directory
// (SELFASSESS_DATABASE_URL, SELFASSESS_DATA_DIR and SELFASSESS_ADDR from the
// environment are ignored).

import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { AxeBuilder } from "@axe-core/playwright";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

const START_TIMEOUT_MS = 60_000;
const LOG_LIMIT = 64 * 1024;

// Strip ANSI colour codes (tracing may colour its output).
const stripAnsi = (s) => s.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");

/** The platform administrator `startApp({ admin: true })` creates. */
export const TEST_ADMIN = Object.freeze({
  email: "admin@example.gov.uk",
  name: "Ada Administrator",
  password: "kettle orbit plum lantern",
});

// The server and the CLI always get a fresh SQLite database in a fresh data
// directory: a database URL from the environment must not leak in.
function serverEnv() {
  const env = { ...process.env, NO_COLOR: "1" };
  delete env.SELFASSESS_DATABASE_URL;
  delete env.SELFASSESS_DATA_DIR;
  delete env.SELFASSESS_ADDR;
  return env;
}

function serverBinary() {
  const bin = path.resolve(repoRoot, process.env.SELFASSESS_BIN || "target/debug/selfassess");
  if (!fs.existsSync(bin)) {
    throw new Error(
      `server binary ${bin} not found: build it first (\`cargo build\`), ` +
        `or point SELFASSESS_BIN at it`,
    );
  }
  return bin;
}

/**
 * `selfassess admin create --email E --name N --password-stdin --data-dir DIR`,
 * the password written to its standard input. Rejects with the command's
 * output when it fails.
 */
async function createPlatformAdmin(bin, dataDir, { email, name, password }) {
  const args = ["admin", "create", "--email", email, "--name", name, "--password-stdin", "--data-dir", dataDir];
  const child = spawn(bin, args, { cwd: repoRoot, stdio: ["pipe", "pipe", "pipe"], env: serverEnv() });
  let output = "";
  child.stdout.setEncoding("utf8");
  child.stderr.setEncoding("utf8");
  child.stdout.on("data", (c) => (output = (output + c).slice(-LOG_LIMIT)));
  child.stderr.on("data", (c) => (output = (output + c).slice(-LOG_LIMIT)));
  child.stdin.on("error", () => {}); // reported through the exit status
  child.stdin.end(`${password}\n`);
  const { code, signal } = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`\`selfassess admin create\` did not finish within ${START_TIMEOUT_MS / 1000} s\n${output}`));
    }, START_TIMEOUT_MS);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(new Error(`could not run ${bin} admin create: ${err.message}`));
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
  if (code !== 0) {
    throw new Error(
      `\`selfassess admin create --email ${email}\` failed (code ${code}, signal ${signal}):\n` +
        stripAnsi(output),
    );
  }
}

/**
 * Start `selfassess serve` on a free loopback port with a fresh data
 * directory. Resolves once the server has printed
 * "listening on http://127.0.0.1:PORT" on stdout.
 *
 * Options:
 *   admin  `true` (for TEST_ADMIN) or `{ email, name, password }`: create a
 *          platform administrator with the binary's `admin create`, on the
 *          same data directory, before the server starts.
 *
 * @returns {Promise<{ baseUrl: string, dataDir: string, admin: { email: string, name: string, password: string } | null, logs: () => string, stop: () => Promise<void> }>}
 */
export async function startApp({ admin = null } = {}) {
  const bin = serverBinary();
  const adminAccount = admin === true ? { ...TEST_ADMIN } : admin ? { ...admin } : null;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "selfassess-browser-"));
  if (adminAccount) {
    try {
      await createPlatformAdmin(bin, dataDir, adminAccount);
    } catch (err) {
      fs.rmSync(dataDir, { recursive: true, force: true });
      throw err;
    }
  }
  const child = spawn(bin, ["serve", "--addr", "127.0.0.1:0", "--data-dir", dataDir], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "pipe"],
    env: serverEnv(),
  });

  // Keep the tail of both streams for diagnostics, and always drain them so
  // the server never blocks on a full pipe.
  let stdoutLog = "";
  let stderrLog = "";
  const forward = process.env.SELFASSESS_LOG === "1";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk) => {
    stderrLog = (stderrLog + chunk).slice(-LOG_LIMIT);
    if (forward) process.stderr.write(chunk);
  });
  child.stdout.setEncoding("utf8");

  let exited = null;
  const exitPromise = new Promise((resolve) => {
    child.on("exit", (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    });
  });

  const cleanupDir = () => fs.rmSync(dataDir, { recursive: true, force: true });
  const logs = () =>
    `--- server stdout (tail) ---\n${stdoutLog || "(nothing)"}\n` +
    `--- server stderr (tail) ---\n${stderrLog || "(nothing)"}`;

  // If the test process ends without stop() (an uncaught error, a timeout),
  // do not leave the server running or its data behind.
  const onExit = () => {
    if (!exited) child.kill("SIGKILL");
    cleanupDir();
  };
  process.once("exit", onExit);

  const stop = async () => {
    process.removeListener("exit", onExit);
    if (!exited) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => {
        if (!exited) child.kill("SIGKILL");
      }, 5_000);
      await exitPromise;
      clearTimeout(timer);
    }
    cleanupDir();
  };

  let baseUrl;
  try {
    baseUrl = await new Promise((resolve, reject) => {
      let pending = "";
      const timer = setTimeout(() => {
        const hint = /listening on/.test(stripAnsi(stderrLog))
          ? ' (a "listening on" line was printed on stderr: it must be on stdout)'
          : "";
        reject(
          new Error(
            `server did not print "listening on http://127.0.0.1:PORT" on stdout ` +
              `within ${START_TIMEOUT_MS / 1000} s${hint}\n${logs()}`,
          ),
        );
      }, START_TIMEOUT_MS);
      child.stdout.on("data", (chunk) => {
        stdoutLog = (stdoutLog + chunk).slice(-LOG_LIMIT);
        if (forward) process.stdout.write(chunk);
        if (baseUrl) return;
        pending += chunk;
        const lines = pending.split("\n");
        pending = lines.pop();
        for (const line of lines) {
          const m = stripAnsi(line).match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]);
            return;
          }
        }
      });
      child.on("error", (err) => {
        clearTimeout(timer);
        reject(new Error(`could not start ${bin}: ${err.message}`));
      });
      exitPromise.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(
          new Error(
            `server exited (code ${code}, signal ${signal}) before it was listening\n${logs()}`,
          ),
        );
      });
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return { baseUrl, dataDir, admin: adminAccount, logs, stop };
}

/** Launch Debian's Chromium, headless. */
export async function launchBrowser() {
  const executablePath = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
  if (!fs.existsSync(executablePath)) {
    throw new Error(
      `Chromium not found at ${executablePath}: \`apt-get install -y chromium\`, ` +
        `or set CHROMIUM_PATH`,
    );
  }
  return chromium.launch({
    executablePath,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/**
 * Run axe with the WCAG 2.2 AA rule set; throw, listing every violation
 * (rule id, help text, impact and the selectors of each offending node).
 */
export async function checkAxe(page, label = page.url()) {
  const results = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
  if (results.violations.length > 0) {
    throw new Error(`axe found ${results.violations.length} violation(s) on ${label}:\n${formatViolations(results.violations)}`);
  }
  return results;
}

/**
 * Run axe on a page loaded in a context with JavaScript disabled.
 *
 * axe itself is JavaScript, and with `javaScriptEnabled: false` Chromium runs
 * nothing in the page but synchronous evaluation: no timers, not even
 * microtasks, so axe never finishes there. So this takes the DOM exactly as it
 * was built with scripting disabled (<noscript> content parsed as elements, no
 * script having run), removes the inert <script> elements and on* attributes,
 * and serves that snapshot at the same URL (so the same CSS, images and
 * viewport apply) in a scripting-enabled context of the same browser, where
 * axe can run. <noscript> elements are replaced there by their content, as it
 * renders with scripting disabled.
 */
export async function checkAxeWithoutJavaScript(page, label = page.url()) {
  const snapshot = await page.evaluate(() => {
    const root = document.documentElement.cloneNode(true);
    for (const s of root.querySelectorAll("script")) s.remove();
    for (const el of root.querySelectorAll("*")) {
      for (const attr of [...el.attributes]) {
        if (/^on/i.test(attr.name)) el.removeAttribute(attr.name);
      }
    }
    const doctype = document.doctype ? new XMLSerializer().serializeToString(document.doctype) : "";
    return doctype + root.outerHTML;
  });
  const target = page.url();
  const browser = page.context().browser();
  const viewport = page.viewportSize();
  const context = await browser.newContext({ javaScriptEnabled: true, ...(viewport ? { viewport } : {}) });
  try {
    const mirror = await context.newPage();
    await mirror.route(
      (url) => url.href === target,
      (route) =>
        route.fulfill({ status: 200, contentType: "text/html; charset=utf-8", body: snapshot }),
    );
    await mirror.goto(target, { waitUntil: "load" });
    await mirror.evaluate(() => {
      for (const ns of [...document.querySelectorAll("noscript")]) {
        const t = document.createElement("template");
        t.innerHTML = ns.textContent;
        ns.replaceWith(t.content);
      }
    });
    return await checkAxe(mirror, label);
  } finally {
    await context.close();
  }
}

export function formatViolations(violations) {
  return violations
    .map((v) => {
      const nodes = v.nodes
        .map((n) => {
          const target = n.target.map((t) => (Array.isArray(t) ? t.join(" >>> ") : t)).join(" ");
          const summary = (n.failureSummary || "").replace(/\s*\n\s*/g, " ").trim();
          return `    - ${target}${summary ? `\n      ${summary}` : ""}`;
        })
        .join("\n");
      return `  * ${v.id} [${v.impact}]: ${v.help}\n    ${v.helpUrl}\n${nodes}`;
    })
    .join("\n");
}

const SKIP_PREFIXES = ["/api/", "/assets/"];
const SIGN_OUT = /sign[-_ ]?out|log[-_ ]?out|logout|signout/i;

function decodeEntities(s) {
  return s
    .replace(/&#x([0-9a-f]+);/gi, (_, h) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d) => String.fromCodePoint(Number(d)))
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

/** Attributes of every <a> start tag in an HTML document (comments removed). */
export function anchors(html) {
  const out = [];
  const withoutComments = html.replace(/<!--[\s\S]*?-->/g, "");
  for (const m of withoutComments.matchAll(/<a\b((?:[^>"']|"[^"]*"|'[^']*')*)>/gi)) {
    const attrs = {};
    for (const a of m[1].matchAll(/([^\s"'=<>\/]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g)) {
      attrs[a[1].toLowerCase()] = decodeEntities(a[2] ?? a[3] ?? a[4] ?? "");
    }
    out.push(attrs);
  }
  return out;
}

/**
 * Collect the same-origin HTML pages reachable by <a href> from startPaths.
 * Skips /api/ and /assets/, links with `download`, sign-out links and
 * non-HTML responses. Redirects are followed (and must stay same-origin).
 * The crawler only ever sends GET: forms (sign out, withdraw, revoke) are
 * never submitted.
 *
 * Options:
 *   limit    stop (and report `truncated`) after this many pages
 *   request  a Playwright APIRequestContext (`browserContext.request`): the
 *            crawl then shares that browser context's cookies, so it sees
 *            the site as the person signed in there does. Without it, a
 *            cookie jar of its own keeps the cookies the server sets, like
 *            a browser would.
 *
 * Each page carries `content`, a fingerprint of what lies between the page
 * header and the footer (see contentFingerprint).
 *
 * @returns {Promise<{ pages: Array<{ path: string, url: string, status: number, from: string|null, requested: string, content: string|null }>, truncated: boolean, skipped: Array<{ path: string, reason: string }> }>}
 */
export async function crawl(baseUrl, startPaths, { limit = 500, request = null } = {}) {
  const origin = new URL(baseUrl).origin;
  const seen = new Set();
  const queue = [];
  const pages = [];
  const skipped = [];
  let truncated = false;
  const get = request ? playwrightGetter(request) : fetchGetter();

  const enqueue = (href, from) => {
    let url;
    try {
      url = new URL(href, from ?? baseUrl);
    } catch {
      return;
    }
    if (url.origin !== origin) return;
    url.hash = "";
    const key = url.pathname + url.search;
    if (seen.has(key)) return;
    seen.add(key);
    if (SKIP_PREFIXES.some((p) => url.pathname.startsWith(p))) return;
    if (SIGN_OUT.test(url.pathname)) return;
    queue.push({ url, from: from ?? null });
  };

  for (const p of startPaths) enqueue(p, null);

  while (queue.length > 0) {
    if (pages.length >= limit) {
      truncated = true;
      break;
    }
    const { url, from } = queue.shift();
    let res;
    let current = url;
    // Follow redirects by hand so that the target can be checked.
    for (let hops = 0; ; hops++) {
      res = await get(current);
      if (res.status >= 300 && res.status < 400 && res.location) {
        if (hops >= 10) throw new Error(`too many redirects from ${url.pathname}`);
        current = new URL(res.location, current);
        if (current.origin !== origin) {
          skipped.push({ path: url.pathname + url.search, reason: `redirects off-site to ${current}` });
          res = null;
          break;
        }
        continue;
      }
      break;
    }
    if (!res) continue;
    const path_ = url.pathname + url.search;
    if (!/^text\/html\b/i.test(res.type)) {
      skipped.push({ path: path_, reason: `not HTML (${res.type || "no content-type"}, status ${res.status})` });
      continue;
    }
    const html = res.body;
    const finalUrl = new URL(current);
    finalUrl.hash = "";
    // Record a redirect target once, under its own path.
    const finalKey = finalUrl.pathname + finalUrl.search;
    if (finalKey !== path_) {
      if (pages.some((p) => p.path === finalKey)) continue;
      seen.add(finalKey);
    }
    pages.push({
      path: finalKey,
      url: finalUrl.href,
      status: res.status,
      from,
      requested: path_,
      content: contentFingerprint(html),
    });
    for (const a of anchors(html)) {
      if (a.href === undefined || "download" in a) continue;
      if (/^(mailto|tel|javascript|data):/i.test(a.href.trim())) continue;
      enqueue(a.href, finalUrl.href);
    }
  }
  return { pages, truncated, skipped };
}

/**
 * A hash of a page's own content: everything between the end of the page
 * header and the start of the footer (breadcrumbs, error summary, <main>),
 * with CSP nonces and form tokens taken out. Two responses with the same
 * fingerprint differ at most in the header and footer (for example, signed
 * in or not). null when the page has no such landmarks.
 */
export function contentFingerprint(html) {
  const main = html.indexOf("<main");
  const footer = html.indexOf("<footer", main);
  const headerEnd = main < 0 ? -1 : html.lastIndexOf("</header>", main);
  if (main < 0 || footer < 0 || headerEnd < 0) return null;
  const content = html
    .slice(headerEnd, footer)
    .replace(/\snonce="[^"]*"/g, "")
    .replace(/(<input\b[^>]*\bname="csrf_token"[^>]*\bvalue=")[^"]*"/g, '$1"')
    .replace(/(<input\b[^>]*\bvalue=")[^"]*("[^>]*\bname="csrf_token")/g, '$1$2');
  return createHash("sha256").update(content).digest("hex");
}

const ACCEPT_HTML = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8";

// One GET without following redirects: { status, location, type, body }
// (body only for HTML).

function fetchGetter() {
  const cookies = new Map();
  return async (url) => {
    const res = await fetch(url, {
      redirect: "manual",
      headers: {
        accept: ACCEPT_HTML,
        ...(cookies.size > 0 ? { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join("; ") } : {}),
      },
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const eq = pair.indexOf("=");
      if (eq > 0) cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    const type = res.headers.get("content-type") || "";
    const body = /^text\/html\b/i.test(type) ? await res.text() : (await res.arrayBuffer(), "");
    return { status: res.status, location: res.headers.get("location"), type, body };
  };
}

function playwrightGetter(request) {
  return async (url) => {
    // The APIRequestContext stores the cookies the server sets in its
    // browser context, and sends that context's cookies.
    const res = await request.get(url.href, { maxRedirects: 0, headers: { accept: ACCEPT_HTML } });
    try {
      const headers = res.headers();
      const type = headers["content-type"] || "";
      const body = /^text\/html\b/i.test(type) ? await res.text() : "";
      return { status: res.status(), location: headers.location ?? null, type, body };
    } finally {
      await res.dispose();
    }
  };
}
