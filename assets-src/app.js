// Initialise GOV.UK Frontend's components. Served as an ES module
// (<script type="module" src="/assets/app.js">), so browsers without module
// support get the no-JavaScript experience, as GOV.UK Frontend intends.
import { initAll } from "/assets/govuk-frontend.min.js";

initAll();

// A long import's progress page (templates/spreadsheets/progress.html) checks
// for news every two seconds, in place: the status (a polite live region) and
// the progress bar are updated, and once the work has ended the page loads
// what it became. Without JavaScript the "Check progress" button does the same.
const importProgress = document.querySelector("[data-import-progress]");
if (importProgress) {
  const update = (selector, fresh, apply) => {
    const mine = document.querySelector(selector);
    const theirs = fresh.querySelector(selector);
    if (mine && theirs) apply(mine, theirs);
  };
  const check = async () => {
    try {
      const response = await fetch(window.location.href, { cache: "no-store", credentials: "same-origin" });
      const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
      if (!fresh.querySelector("[data-import-progress]")) {
        window.location.reload();
        return;
      }
      update("#import-status", fresh, (mine, theirs) => {
        if (mine.textContent !== theirs.textContent) mine.textContent = theirs.textContent;
      });
      update("#import-elapsed", fresh, (mine, theirs) => (mine.textContent = theirs.textContent));
      update("#import-bar", fresh, (mine, theirs) => {
        mine.max = theirs.max;
        mine.value = theirs.value;
        mine.textContent = theirs.textContent;
      });
      window.setTimeout(check, 2000);
    } catch {
      window.setTimeout(check, 5000);
    }
  };
  window.setTimeout(check, 2000);
}

// Stage 3 forms (templates/report/*): the running total of words over every box that
// counts towards a limit, as the GOV.UK character count counts them (text.match(/\S+/g));
// the server applies the same rule (src/report/domain.rs, word_count). The total is updated
// a moment after typing stops. It is not itself a live region: each box's GOV.UK count speaks
// as you type, so a screen reader hears the total (#word-total-status) only when it goes over
// the limit or comes back within it, not a second message after every pause.
for (const form of document.querySelectorAll("[data-word-form]")) {
  const total = form.querySelector("[data-word-total]");
  const output = total && total.querySelector("#word-total");
  if (!output) continue;
  const status = total.querySelector("#word-total-status");
  const limit = Number(total.dataset.wordLimit);
  const what = total.dataset.wordWhat;
  const suggested = total.dataset.wordSuggested === "yes";
  const boxes = form.querySelectorAll("[data-word-count]");
  const words = (text) => (text.match(/\S+/g) || []).length;
  const count = () => Array.from(boxes).reduce((sum, box) => sum + words(box.value), 0);
  let over = count() > limit;
  let timer;
  const update = () => {
    const n = count();
    const unit = n === 1 ? "word" : "words";
    output.textContent = suggested
      ? `${what}: ${n} ${unit}, of about ${limit} suggested${n > limit ? " — longer than suggested" : ""}.`
      : `${what}: ${n} of ${limit} words${n > limit ? ` — ${n - limit} too many` : ""}.`;
    total.classList.toggle("app-word-total--over", n > limit);
    if (status && n > limit !== over) {
      over = n > limit;
      status.textContent = suggested
        ? over
          ? `${what} is now longer than the suggested ${limit} words: ${n} ${unit}.`
          : `${what} is now within the suggested ${limit} words: ${n} ${unit}.`
        : over
          ? `${what} is now over the limit: ${n} of ${limit} words, ${n - limit} too many.`
          : `${what} is now within the limit: ${n} of ${limit} words.`;
    }
  };
  for (const box of boxes) {
    box.addEventListener("input", () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(update, 400);
    });
  }
}
