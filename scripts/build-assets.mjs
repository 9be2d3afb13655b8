#!/usr/bin/env node
// Builds everything the selfassess server serves or embeds from static/:
//
//   static/assets/app.css                 our Sass (assets-src/app.scss), with
//                                         GOV.UK Frontend recompiled: Arial, no
//                                         GDS Transport @font-face
//   static/assets/govuk-frontend.min.js   GOV.UK Frontend's JS, as shipped
//   static/assets/app.js                  our ES module (assets-src/app.js)
//   static/assets/images/…, manifest.json the icons the page template links to
//                                         (our own, crown-free: see below)
//   static/templates/govuk/**/*.njk       GOV.UK Frontend's Nunjucks templates,
//                                         embedded by the Rust server
//
// static/ is deleted first, so the result depends only on node_modules and
// assets-src/. Nothing here downloads anything.
//
// Not copied on purpose: GOV.UK Frontend's fonts (GDS Transport is for GOV.UK
// only; we use Arial), and its images, all of which are GOV.UK's crown or the
// Royal Arms (favicon.ico, favicon.svg, govuk-icon-*.png, govuk-icon-mask.svg,
// govuk-crest.svg, govuk-opengraph-image.png). A council's service must not
// use them. So that the links in GOV.UK Frontend's template.njk still resolve,
// we write neutral icons of our own at the same paths: the SVGs come from
// assets-src/images/, and the PNG and ICO files are drawn here from the same
// simple shape (a white tick on a blue square).

import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const nodeModules = path.join(root, "node_modules");
const govukDist = path.join(nodeModules, "govuk-frontend", "dist", "govuk");
const srcDir = path.join(root, "assets-src");
const staticDir = path.join(root, "static");
const assetsOut = path.join(staticDir, "assets");
const templatesOut = path.join(staticDir, "templates", "govuk");

function fail(message) {
  console.error(`build-assets: ${message}`);
  process.exit(1);
}

if (!fs.existsSync(govukDist)) {
  fail(`${path.relative(root, govukDist)} not found: run \`npm install\` (or \`npm ci\`) first`);
}

let files = 0;
let bytes = 0;
function write(file, data) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, data);
  files += 1;
  bytes += Buffer.byteLength(data);
}
function copy(from, to) {
  write(to, fs.readFileSync(from));
}

// 1. Start clean.
fs.rmSync(staticDir, { recursive: true, force: true });

// 2. CSS.
let css;
try {
  const result = sass.compile(path.join(srcDir, "app.scss"), {
    loadPaths: [nodeModules],
    importers: [new sass.NodePackageImporter(root)],
    style: "compressed",
    sourceMap: false,
    charset: true,
    // GOV.UK Frontend's own deprecation warnings are not ours to fix.
    quietDeps: true,
  });
  css = result.css;
} catch (err) {
  fail(`Sass compilation failed:\n${err.message ?? err}`);
}
if (/GDS Transport/i.test(css)) fail("app.css mentions GDS Transport: the font settings did not apply");
if (!/arial/i.test(css)) fail("app.css does not mention arial: the font settings did not apply");
if (/sourceMappingURL/.test(css)) fail("app.css has a source map comment");
if (/\/fonts\//.test(css)) fail("app.css refers to a font file");
write(path.join(assetsOut, "app.css"), css + "\n");

// 3. JavaScript. The map file is not copied, so drop the comment pointing at it
// (a browser with dev tools open would otherwise request a file that 404s).
const govukJs = fs
  .readFileSync(path.join(govukDist, "govuk-frontend.min.js"), "utf8")
  .replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, "\n");
write(path.join(assetsOut, "govuk-frontend.min.js"), govukJs);
copy(path.join(srcDir, "app.js"), path.join(assetsOut, "app.js"));

// 4. Icons and manifest, at the paths GOV.UK Frontend's template.njk links to.
const template = fs.readFileSync(path.join(govukDist, "template.njk"), "utf8");
const linked = [...template.matchAll(/\{\{ assetPath \}\}\/([^"]+)"/g)].map((m) => m[1]);

const BLUE = [0x1d, 0x70, 0xb8];
const WHITE = [0xff, 0xff, 0xff];
const icons = {
  "images/favicon.svg": () => fs.readFileSync(path.join(srcDir, "images", "favicon.svg")),
  "images/govuk-icon-mask.svg": () => fs.readFileSync(path.join(srcDir, "images", "icon-mask.svg")),
  "images/favicon.ico": () => ico(png(48)),
  "images/govuk-icon-180.png": () => png(180),
  "images/govuk-icon-192.png": () => png(192),
  "images/govuk-icon-512.png": () => png(512),
  "manifest.json": () =>
    JSON.stringify(
      {
        icons: [
          { src: "images/favicon.ico", type: "image/x-icon", sizes: "48x48" },
          { src: "images/favicon.svg", type: "image/svg+xml", sizes: "any", purpose: "any" },
          { src: "images/govuk-icon-180.png", type: "image/png", sizes: "180x180", purpose: "maskable" },
          { src: "images/govuk-icon-192.png", type: "image/png", sizes: "192x192", purpose: "maskable" },
          { src: "images/govuk-icon-512.png", type: "image/png", sizes: "512x512", purpose: "maskable" },
          { src: "images/govuk-icon-mask.svg", type: "image/svg+xml", sizes: "any", purpose: "monochrome" },
        ],
      },
      null,
      2,
    ) + "\n",
};
for (const rel of linked) {
  if (!icons[rel]) {
    fail(`GOV.UK Frontend's template.njk links to ${rel}, which this script does not provide: add it`);
  }
}
for (const [rel, make] of Object.entries(icons)) write(path.join(assetsOut, rel), make());

// 5. Nunjucks templates.
function njkFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return njkFiles(full);
    return entry.name.endsWith(".njk") ? [full] : [];
  });
}
const templates = njkFiles(govukDist);
for (const file of templates) copy(file, path.join(templatesOut, path.relative(govukDist, file)));

// Last guard: nothing of GOV.UK's brand or fonts in static/assets.
function allFiles(dir) {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? allFiles(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}
const govukImages = new Map(
  allFiles(path.join(govukDist, "assets")).map((f) => [fs.readFileSync(f).toString("base64"), f]),
);
for (const file of allFiles(assetsOut)) {
  if (/\.(woff2?|ttf|otf|eot)$/i.test(file) || /crest|crown|opengraph/i.test(path.basename(file))) {
    fail(`${path.relative(root, file)} must not be shipped`);
  }
  const same = govukImages.get(fs.readFileSync(file).toString("base64"));
  if (same) fail(`${path.relative(root, file)} is GOV.UK Frontend's ${path.relative(govukDist, same)}`);
}

console.log(
  `build-assets: wrote ${files} files (${(bytes / 1024).toFixed(0)} KiB) to static/: ` +
    `app.css ${(Buffer.byteLength(css) / 1024).toFixed(0)} KiB (Arial, no GDS Transport), app.js, ` +
    `govuk-frontend.min.js, ${Object.keys(icons).length} icon files, ${templates.length} templates`,
);

// ---------------------------------------------------------------------------
// Icons drawn in code, so that no binary files are committed: a white tick on
// a blue square, the same shape as assets-src/images/favicon.svg (viewBox
// 0 0 32 32, stroke 4, square caps, points 8,16.5 13,21.5 24,10.5).

function coverage(x, y) {
  // x, y in the 32×32 viewBox. Inside either stroke segment (a rectangle,
  // square caps extending it by half the stroke width at both ends)?
  const half = 2;
  const segments = [
    [8, 16.5, 13, 21.5],
    [13, 21.5, 24, 10.5],
  ];
  for (const [x1, y1, x2, y2] of segments) {
    const dx = x2 - x1;
    const dy = y2 - y1;
    const len = Math.hypot(dx, dy);
    const along = ((x - x1) * dx + (y - y1) * dy) / len;
    const across = Math.abs((x - x1) * dy - (y - y1) * dx) / len;
    if (along >= -half && along <= len + half && across <= half) return true;
  }
  return false;
}

function png(size) {
  const samples = 4; // 4×4 supersampling for smooth edges
  const raw = Buffer.alloc(size * (1 + size * 3));
  for (let py = 0; py < size; py++) {
    const row = py * (1 + size * 3);
    raw[row] = 0; // filter: none
    for (let px = 0; px < size; px++) {
      let hit = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const x = ((px + (sx + 0.5) / samples) * 32) / size;
          const y = ((py + (sy + 0.5) / samples) * 32) / size;
          if (coverage(x, y)) hit++;
        }
      }
      const a = hit / (samples * samples);
      for (let c = 0; c < 3; c++) {
        raw[row + 1 + px * 3 + c] = Math.round(BLUE[c] * (1 - a) + WHITE[c] * a);
      }
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", zlib.deflateSync(raw, { level: 9 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

function crc32(buf) {
  let c = ~0;
  for (const byte of buf) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

function ico(pngData) {
  // One PNG-compressed image (supported by every current browser).
  const header = Buffer.alloc(6 + 16);
  header.writeUInt16LE(0, 0); // reserved
  header.writeUInt16LE(1, 2); // type: icon
  header.writeUInt16LE(1, 4); // image count
  header[6] = 48; // width
  header[7] = 48; // height
  header[8] = 0; // palette colours
  header[9] = 0; // reserved
  header.writeUInt16LE(1, 10); // colour planes
  header.writeUInt16LE(32, 12); // bits per pixel
  header.writeUInt32LE(pngData.length, 14);
  header.writeUInt32LE(22, 18); // offset of the image data
  return Buffer.concat([header, pngData]);
}
