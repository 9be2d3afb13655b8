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
