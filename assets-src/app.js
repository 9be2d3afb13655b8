// Initialise GOV.UK Frontend's components. Served as an ES module
// (<script type="module" src="/assets/app.js">), so browsers without module
// support get the no-JavaScript experience, as GOV.UK Frontend intends.
import { initAll } from "/assets/govuk-frontend.min.js";

initAll();
