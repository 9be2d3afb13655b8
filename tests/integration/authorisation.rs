//! The authorisation matrix. The list of routes comes from the router itself
//! (`selfassess::startup::routes().1`); for every route × actor the expected status is written
//! down in [`MATRIX`] below, and a route with no row (or a row with no route) fails the test.
//! Another council's ids, someone else's token and malformed ids all answer 404, never 403.
//!
//! Actors: anonymous; one person per role in the council under test; the assessment lead of
//! another council acting on this council's ids; a platform administrator. Pages are called
//! with a signed-in browser (cookies, the form token on every POST), `/api/` with a personal
//! API token; anonymous sends neither.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use selfassess::accounts::service::{self, Invited};
use uuid::Uuid;

use crate::helpers::{PASSWORD, TestApp, World, backends, browser, spawn_app};

/// Not an HTTP status: "303 to `/sign-in?next=…`", the answer to an anonymous request for a
/// page that needs a signed-in person.
const SIGN_IN: u16 = 1;

const ACTORS: [&str; 8] = [
    "anonymous",
    "assessment_lead",
    "quality_statement_lead",
    "verifier",
    "contributor",
    "viewer",
    "other_council_lead",
    "platform_admin",
];
/// Column headings for the printed matrix, in the order of [`ACTORS`].
const SHORT: [&str; 8] = ["anon", "lead", "qs_lead", "verifier", "contrib", "viewer", "other", "admin"];
const ANONYMOUS: usize = 0;
const LEAD: usize = 1;
const OTHER_COUNCIL_LEAD: usize = 6;
const PLATFORM_ADMIN: usize = 7;

/// One row per (method, path template) the router serves: the status each actor gets, in the
/// order of [`ACTORS`]. POSTs send a valid form token and an otherwise empty form, so 422 means
/// "allowed, but the empty form is invalid" and 303 after a POST means it was done.
///
/// The rules: public pages answer 200 to everyone; pages that need a signed-in person send
/// anonymous users to sign in (`SIGN_IN`), and the API answers 401; anyone signed in manages
/// their own account and tokens; an invitation link works for whoever holds it; members of a
/// council read its page; its assessment leads and platform administrators invite people,
/// withdraw invitations and read its audit log (other members 403); only platform
/// administrators manage councils and read the whole audit log (others 403); anyone outside a
/// council gets 404 for its ids.
#[rustfmt::skip]
const MATRIX: &[(&str, &str, [u16; 8])] = &[
    //                                                                    anon     lead qs_lead verifier contrib viewer other admin
    ("GET",  "/",                                                        [200,     200, 200,    200,     200,    200,   200,  200]),
    ("GET",  "/accessibility",                                           [200,     200, 200,    200,     200,    200,   200,  200]),
    ("GET",  "/healthz",                                                 [200,     200, 200,    200,     200,    200,   200,  200]),
    ("GET",  "/readyz",                                                  [200,     200, 200,    200,     200,    200,   200,  200]),
    ("GET",  "/assets/{*path}",                                          [200,     200, 200,    200,     200,    200,   200,  200]),
    ("GET",  "/frameworks",                                              [200,     200, 200,    200,     200,    200,   200,  200]),
    ("GET",  "/frameworks/{key}",                                        [200,     200, 200,    200,     200,    200,   200,  200]),
    ("GET",  "/frameworks/{key}/quality-statements/{id}",                [200,     200, 200,    200,     200,    200,   200,  200]),
    ("GET",  "/frameworks/{key}/information-return",                     [200,     200, 200,    200,     200,    200,   200,  200]),
    ("GET",  "/frameworks/{key}/toolkit",                                [200,     200, 200,    200,     200,    200,   200,  200]),
    ("GET",  "/api/v1/openapi.json",                                     [200,     200, 200,    200,     200,    200,   200,  200]),
    ("GET",  "/api/v1/frameworks",                                       [200,     200, 200,    200,     200,    200,   200,  200]),
    ("GET",  "/api/v1/frameworks/{key}",                                 [200,     200, 200,    200,     200,    200,   200,  200]),
    ("GET",  "/api/v1/me",                                               [401,     200, 200,    200,     200,    200,   200,  200]),
    ("GET",  "/sign-in",                                                 [200,     200, 200,    200,     200,    200,   200,  200]),
    ("POST", "/sign-in",                                                 [422,     422, 422,    422,     422,    422,   422,  422]),
    ("POST", "/sign-out",                                                [303,     303, 303,    303,     303,    303,   303,  303]),
    ("GET",  "/account",                                                 [SIGN_IN, 200, 200,    200,     200,    200,   200,  200]),
    ("GET",  "/account/password",                                        [SIGN_IN, 200, 200,    200,     200,    200,   200,  200]),
    ("POST", "/account/password",                                        [SIGN_IN, 422, 422,    422,     422,    422,   422,  422]),
    ("GET",  "/account/tokens",                                          [SIGN_IN, 200, 200,    200,     200,    200,   200,  200]),
    ("POST", "/account/tokens",                                          [SIGN_IN, 422, 422,    422,     422,    422,   422,  422]),
    ("POST", "/account/tokens/{id}/revoke",                              [SIGN_IN, 303, 303,    303,     303,    303,   303,  303]),
    ("GET",  "/invitations/{token}",                                     [200,     200, 200,    200,     200,    200,   200,  200]),
    ("POST", "/invitations/{token}",                                     [422,     422, 422,    422,     422,    422,   422,  422]),
    ("GET",  "/admin/councils",                                          [SIGN_IN, 403, 403,    403,     403,    403,   403,  200]),
    ("POST", "/admin/councils",                                          [SIGN_IN, 403, 403,    403,     403,    403,   403,  422]),
    ("GET",  "/admin/audit",                                             [SIGN_IN, 403, 403,    403,     403,    403,   403,  200]),
    ("GET",  "/councils/{council_id}",                                   [SIGN_IN, 200, 200,    200,     200,    200,   404,  200]),
    ("GET",  "/councils/{council_id}/invite",                            [SIGN_IN, 200, 403,    403,     403,    403,   404,  200]),
    ("POST", "/councils/{council_id}/invite",                            [SIGN_IN, 422, 403,    403,     403,    403,   404,  422]),
    ("POST", "/councils/{council_id}/invitations/{invitation_id}/revoke",[SIGN_IN, 303, 403,    403,     403,    403,   404,  303]),
    ("GET",  "/councils/{council_id}/audit",                             [SIGN_IN, 200, 403,    403,     403,    403,   404,  200]),
    // Stage 1: assessments, groups, rounds, workshops (leads set up; contributors record).
    ("GET",  "/councils/{council_id}/assessments/new",                   [SIGN_IN, 200, 403,    403,     403,    403,   404,  200]),
    ("POST", "/councils/{council_id}/assessments/new",                   [SIGN_IN, 422, 403,    403,     403,    403,   404,  422]),
    ("GET",  "/assessments/{id}",                                        [SIGN_IN, 200, 200,    200,     200,    200,   404,  200]),
    ("POST", "/assessments/{id}/status",                                 [SIGN_IN, 422, 403,    403,     403,    403,   404,  422]),
    ("POST", "/assessments/{id}/groups",                                 [SIGN_IN, 422, 403,    403,     403,    403,   404,  422]),
    ("POST", "/assessments/{id}/groups/{group_id}",                      [SIGN_IN, 422, 403,    403,     403,    403,   404,  422]),
    ("GET",  "/assessments/{id}/rounds/new",                             [SIGN_IN, 200, 403,    403,     403,    403,   404,  200]),
    ("POST", "/assessments/{id}/rounds/new",                             [SIGN_IN, 422, 403,    403,     403,    403,   404,  422]),
    ("POST", "/assessments/{id}/rounds/{round_id}/{action}",             [SIGN_IN, 303, 403,    403,     403,    403,   404,  303]),
    ("GET",  "/assessments/{id}/workshops/new",                          [SIGN_IN, 200, 403,    403,     200,    403,   404,  200]),
    ("POST", "/assessments/{id}/workshops/new",                          [SIGN_IN, 422, 403,    403,     422,    403,   404,  422]),
    // Stage 1 analysis: members read the pages and exports; leads tune the thresholds.
    ("GET",  "/assessments/{id}/analysis",                               [SIGN_IN, 200, 200,    200,     200,    200,   404,  200]),
    ("GET",  "/assessments/{id}/analysis/{qs}",                          [SIGN_IN, 200, 200,    200,     200,    200,   404,  200]),
    ("GET",  "/assessments/{id}/analysis.csv",                           [SIGN_IN, 200, 200,    200,     200,    200,   404,  200]),
    ("GET",  "/assessments/{id}/analysis.xlsx",                          [SIGN_IN, 200, 200,    200,     200,    200,   404,  200]),
    ("GET",  "/assessments/{id}/analysis/settings",                      [SIGN_IN, 200, 403,    403,     403,    403,   404,  200]),
    ("POST", "/assessments/{id}/analysis/settings",                      [SIGN_IN, 422, 403,    403,     403,    403,   404,  422]),
    // Stage 2 summaries ({qs} is QS1, which the quality statement lead leads): members read;
    // the assessment lead, QS1's lead and platform administrators write and submit (an empty
    // form saves nothing: 303; an empty summary cannot be submitted, nor a draft withdrawn:
    // 422); verifiers return and verify (nothing submitted yet: 422). "What if" is for leads.
    ("GET",  "/assessments/{id}/summaries",                              [SIGN_IN, 200, 200,    200,     200,    200,   404,  200]),
    ("GET",  "/assessments/{id}/summaries/{qs}",                         [SIGN_IN, 200, 200,    200,     200,    200,   404,  200]),
    ("GET",  "/assessments/{id}/summaries/{qs}/edit",                    [SIGN_IN, 200, 200,    403,     403,    403,   404,  200]),
    ("POST", "/assessments/{id}/summaries/{qs}/edit",                    [SIGN_IN, 303, 303,    403,     403,    403,   404,  303]),
    ("POST", "/assessments/{id}/summaries/{qs}/submit",                  [SIGN_IN, 422, 422,    403,     403,    403,   404,  422]),
    ("POST", "/assessments/{id}/summaries/{qs}/withdraw",                [SIGN_IN, 422, 422,    403,     403,    403,   404,  422]),
    ("POST", "/assessments/{id}/summaries/{qs}/return",                  [SIGN_IN, 403, 403,    422,     403,    403,   404,  403]),
    ("POST", "/assessments/{id}/summaries/{qs}/verify",                  [SIGN_IN, 403, 403,    422,     403,    403,   404,  403]),
    ("GET",  "/assessments/{id}/summaries/{qs}/versions",                [SIGN_IN, 200, 200,    200,     200,    200,   404,  200]),
    ("GET",  "/assessments/{id}/rating",                                 [SIGN_IN, 200, 200,    200,     200,    200,   404,  200]),
    ("GET",  "/assessments/{id}/rating/what-if",                         [SIGN_IN, 200, 200,    403,     403,    403,   404,  200]),
    ("GET",  "/assessments/{id}/readiness",                              [SIGN_IN, 200, 200,    200,     200,    200,   404,  200]),
    // The respondent journey is public; without answers in progress its pages go back to the start.
    ("GET",  "/r/{token}",                                               [200,     200, 200,    200,     200,    200,   200,  200]),
    ("POST", "/r/{token}/start",                                         [303,     303, 303,    303,     303,    303,   303,  303]),
    ("GET",  "/r/{token}/resume",                                        [200,     200, 200,    200,     200,    200,   200,  200]),
    ("POST", "/r/{token}/resume",                                        [422,     422, 422,    422,     422,    422,   422,  422]),
    ("GET",  "/r/{token}/group",                                         [303,     303, 303,    303,     303,    303,   303,  303]),
    ("POST", "/r/{token}/group",                                         [303,     303, 303,    303,     303,    303,   303,  303]),
    ("GET",  "/r/{token}/statements/{qs}",                               [303,     303, 303,    303,     303,    303,   303,  303]),
    ("POST", "/r/{token}/statements/{qs}",                               [303,     303, 303,    303,     303,    303,   303,  303]),
    ("GET",  "/r/{token}/saved",                                         [303,     303, 303,    303,     303,    303,   303,  303]),
    ("GET",  "/r/{token}/check",                                         [303,     303, 303,    303,     303,    303,   303,  303]),
    ("POST", "/r/{token}/submit",                                        [303,     303, 303,    303,     303,    303,   303,  303]),
    ("GET",  "/r/{token}/done",                                          [200,     200, 200,    200,     200,    200,   200,  200]),
    // Spreadsheets: blank checklists for members; exports and imports for leads.
    ("GET",  "/assessments/{id}/checklists.xlsx",                        [SIGN_IN, 200, 200,    200,     200,    200,   404,  200]),
    ("GET",  "/assessments/{id}/checklists.csv",                         [SIGN_IN, 200, 200,    200,     200,    200,   404,  200]),
    ("GET",  "/assessments/{id}/responses.csv",                          [SIGN_IN, 200, 403,    403,     403,    403,   404,  200]),
    ("GET",  "/assessments/{id}/responses.xlsx",                         [SIGN_IN, 200, 403,    403,     403,    403,   404,  200]),
    ("GET",  "/assessments/{id}/import",                                 [SIGN_IN, 200, 403,    403,     403,    403,   404,  200]),
    ("POST", "/assessments/{id}/import",                                 [SIGN_IN, 422, 403,    403,     403,    403,   404,  422]),
    ("GET",  "/assessments/{id}/import/survey",                          [SIGN_IN, 200, 403,    403,     403,    403,   404,  200]),
    ("POST", "/assessments/{id}/import/survey",                          [SIGN_IN, 422, 403,    403,     403,    403,   404,  422]),
    ("GET",  "/assessments/{id}/import/{import_id}",                     [SIGN_IN, 200, 403,    403,     403,    403,   404,  200]),
    ("POST", "/assessments/{id}/import/{import_id}/confirm",             [SIGN_IN, 303, 403,    403,     403,    403,   404,  303]),
    ("POST", "/assessments/{id}/import/{import_id}/mapping",             [SIGN_IN, 422, 403,    403,     403,    403,   404,  422]),
    // The evidence library: members read; leads, quality statement leads and contributors add
    // and change items; leads set how old evidence may be.
    ("GET",  "/assessments/{id}/evidence",                               [SIGN_IN, 200, 200,    200,     200,    200,   404,  200]),
    ("GET",  "/assessments/{id}/evidence.csv",                           [SIGN_IN, 200, 200,    200,     200,    200,   404,  200]),
    ("GET",  "/assessments/{id}/evidence.xlsx",                          [SIGN_IN, 200, 200,    200,     200,    200,   404,  200]),
    ("GET",  "/assessments/{id}/evidence/new",                           [SIGN_IN, 200, 200,    403,     200,    403,   404,  200]),
    ("POST", "/assessments/{id}/evidence/new",                           [SIGN_IN, 422, 422,    403,     422,    403,   404,  422]),
    ("GET",  "/assessments/{id}/evidence/coverage",                      [SIGN_IN, 200, 200,    200,     200,    200,   404,  200]),
    ("GET",  "/assessments/{id}/evidence/settings",                      [SIGN_IN, 200, 403,    403,     403,    403,   404,  200]),
    ("POST", "/assessments/{id}/evidence/settings",                      [SIGN_IN, 422, 403,    403,     403,    403,   404,  422]),
    ("GET",  "/assessments/{id}/evidence/{item_id}",                     [SIGN_IN, 200, 200,    200,     200,    200,   404,  200]),
    ("GET",  "/assessments/{id}/evidence/{item_id}/edit",                [SIGN_IN, 200, 200,    403,     200,    403,   404,  200]),
    ("POST", "/assessments/{id}/evidence/{item_id}/edit",                [SIGN_IN, 422, 422,    403,     422,    403,   404,  422]),
    ("POST", "/assessments/{id}/evidence/{item_id}/state",               [SIGN_IN, 422, 422,    403,     422,    403,   404,  422]),
    ("POST", "/assessments/{id}/evidence/{item_id}/findings/{finding_id}/review", [SIGN_IN, 422, 422, 403, 422, 403, 404, 422]),
    ("GET",  "/assessments/{id}/evidence/{item_id}/file",                [SIGN_IN, 200, 200,    200,     200,    200,   404,  200]),
    ("GET",  "/api/v1/assessments/{id}/evidence",                        [401,     200, 200,    200,     200,    200,   404,  200]),
    ("POST", "/api/v1/assessments/{id}/evidence",                        [401,     422, 422,    403,     422,    403,   404,  422]),
    ("GET",  "/api/v1/assessments/{id}/evidence/coverage",               [401,     200, 200,    200,     200,    200,   404,  200]),
    // Stage 3, the document: members read it, see readiness and export it; assessment leads
    // write Sections A and C and the sign-off; a statement's leads write its Section B part.
    // POSTs carry an empty form: Section A, B and C save as empty (303), an endorsement
    // without a role is refused (422), an export without a format goes back (303). An
    // export is only ever the asker's, so `{export}` (made by nobody here) is not found.
    ("GET",  "/assessments/{id}/report",                                 [SIGN_IN, 200, 200,    200,     200,    200,   404,  200]),
    ("GET",  "/assessments/{id}/report/a",                               [SIGN_IN, 200, 403,    403,     403,    403,   404,  200]),
    ("POST", "/assessments/{id}/report/a",                               [SIGN_IN, 303, 403,    403,     403,    403,   404,  303]),
    ("GET",  "/assessments/{id}/report/b/{qs}",                          [SIGN_IN, 200, 200,    403,     403,    403,   404,  200]),
    ("POST", "/assessments/{id}/report/b/{qs}",                          [SIGN_IN, 303, 303,    403,     403,    403,   404,  303]),
    ("GET",  "/assessments/{id}/report/c",                               [SIGN_IN, 200, 403,    403,     403,    403,   404,  200]),
    ("POST", "/assessments/{id}/report/c",                               [SIGN_IN, 303, 403,    403,     403,    403,   404,  303]),
    ("POST", "/assessments/{id}/report/c/endorsements",                  [SIGN_IN, 422, 403,    403,     403,    403,   404,  422]),
    ("POST", "/assessments/{id}/report/c/endorsements/{endorsement}/remove", [SIGN_IN, 303, 403, 403,    403,    403,   404,  303]),
    ("GET",  "/assessments/{id}/report/d",                               [SIGN_IN, 200, 200,    200,     200,    200,   404,  200]),
    ("GET",  "/assessments/{id}/report/readiness",                       [SIGN_IN, 200, 200,    200,     200,    200,   404,  200]),
    ("POST", "/assessments/{id}/report/readiness",                       [SIGN_IN, 303, 403,    403,     403,    403,   404,  303]),
    ("POST", "/assessments/{id}/report/exports",                         [SIGN_IN, 303, 303,    303,     303,    303,   404,  303]),
    ("GET",  "/assessments/{id}/report/exports/{export}",                [SIGN_IN, 404, 404,    404,     404,    404,   404,  404]),
    ("GET",  "/assessments/{id}/report/exports/{export}/download",       [SIGN_IN, 404, 404,    404,     404,    404,   404,  404]),
    ("GET",  "/api/v1/assessments/{id}/report",                          [401,     200, 200,    200,     200,    200,   404,  200]),
    ("GET",  "/api/v1/assessments/{id}/report.docx",                     [401,     200, 200,    200,     200,    200,   404,  200]),
    ("GET",  "/api/v1/assessments/{id}/report.html",                     [401,     200, 200,    200,     200,    200,   404,  200]),
    ("GET",  "/api/v1/assessments/{id}/report.zip",                      [401,     200, 200,    200,     200,    200,   404,  200]),
    ("GET",  "/api/v1/assessments/{id}/report.pdf",                      [401,     PDF, PDF,    PDF,     PDF,    PDF,   404,  PDF]),
    ("GET",  "/api/v1/assessments",                                      [401,     200, 200,    200,     200,    200,   200,  200]),
    ("POST", "/api/v1/assessments",                                      [401,     422, 422,    422,     422,    422,   422,  422]),
    ("GET",  "/api/v1/assessments/{id}/rounds",                          [401,     200, 200,    200,     200,    200,   404,  200]),
    ("GET",  "/api/v1/assessments/{id}/analysis",                        [401,     200, 200,    200,     200,    200,   404,  200]),
    ("GET",  "/api/v1/assessments/{id}/rating",                          [401,     200, 200,    200,     200,    200,   404,  200]),
    ("GET",  "/api/v1/assessments/{id}/summaries/{qs}",                  [401,     200, 200,    200,     200,    200,   404,  200]),
    ("POST", "/api/v1/assessments/{id}/rounds",                          [401,     422, 403,    403,     403,    403,   404,  422]),
    ("POST", "/api/v1/rounds/{token}/responses",                         [422,     422, 422,    422,     422,    422,   422,  422]),
];

const FRAMEWORK: &str = "cqc-la-2023";
/// The PDF export answers 501 when the app is built without its `pdf` feature.
const PDF: u16 = if cfg!(feature = "pdf") { 200 } else { 501 };

/// One actor: a browser of their own (signed in, unless anonymous) and an API token.
struct Person {
    email: Option<String>,
    browser: reqwest::Client,
    bearer: Option<String>,
}

/// The app, its people, and the fixtures that fill path parameters.
struct Harness {
    app: TestApp,
    world: World,
    people: Vec<Person>,
    /// The platform administrator, for making invitations to fill `{token}` and `{invitation_id}`.
    admin: selfassess::accounts::actor::Actor,
    /// For `/api/`: no cookies, no redirects.
    api: reqwest::Client,
    frameworks: selfassess::framework::Frameworks,
}

/// Every (method, path template) the router serves, as strings.
fn router_routes() -> Vec<(String, String)> {
    let (_, table) = selfassess::startup::routes();
    let mut routes: Vec<(String, String)> =
        table.into_iter().map(|(method, path)| (method.as_str().to_owned(), path)).collect();
    routes.sort();
    routes
}

/// The names of a path template's parameters (`{*path}` → `path`).
fn parameters(template: &str) -> Vec<&str> {
    template
        .split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}'))
        .map(|(name, _)| name.trim_start_matches('*'))
        .collect()
}

impl Harness {
    async fn new(backend: crate::helpers::Backend) -> Self {
        let app = spawn_app(backend).await;
        let world = app.world().await;
        let emails = [
            None,
            Some(&world.lead),
            Some(&world.qs_lead),
            Some(&world.verifier),
            Some(&world.contributor),
            Some(&world.viewer),
            Some(&world.other_lead),
            Some(&world.admin),
        ];
        let mut people = Vec::new();
        for email in emails {
            let browser = browser();
            let mut bearer = None;
            if let Some(email) = email {
                app.sign_in_with(&browser, email, PASSWORD).await;
                let token = service::cli_token(&app.db, email, "matrix", 30).await.expect("api token");
                bearer = Some(token.token);
            }
            people.push(Person { email: email.cloned(), browser, bearer });
        }
        let admin = app.actor(&world.admin).await;
        let api = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("api client");
        let frameworks = selfassess::framework::Frameworks::shipped().expect("frameworks");
        Harness { app, world, people, admin, api, frameworks }
    }

    /// A new open invitation to `council`, for somebody without an account.
    async fn fresh_invitation(&self, council: Uuid) -> Invited {
        let known: Vec<_> =
            (1..=9).map(|number| selfassess::framework::QualityStatementId { number }).collect();
        let email = format!("invitee-{}@example.org", Uuid::now_v7().simple());
        service::invite(&self.app.db, &self.admin, council, &email, "viewer", &[], &known)
            .await
            .expect("invitation")
    }

    /// A new endorsement in Section C of the council's assessment.
    async fn fresh_endorsement(&self, council: Uuid) -> Uuid {
        let (assessment, _) = self.assessment(council).await;
        let report =
            selfassess::report::service::load(&self.app.db, &self.frameworks, &self.admin, assessment)
                .await
                .expect("report");
        let endorsement = selfassess::report::domain::NewEndorsement {
            role: "chief_executive".into(),
            name: "Matrix".into(),
            comment: String::new(),
            endorsed_on: Some(time::macros::date!(2026 - 01 - 01)),
        };
        selfassess::report::service::add_endorsement(&self.app.db, &report, &self.admin, &endorsement)
            .await
            .expect("endorsement")
    }

    /// The council's assessment (made on first use) and its first respondent group.
    async fn assessment(&self, council: Uuid) -> (Uuid, Uuid) {
        let existing =
            selfassess::engagement::store::assessments(&self.app.db, Some(&[council])).await.expect("db");
        let id = match existing.first() {
            Some(a) => a.id,
            None => {
                let input = selfassess::engagement::service::NewAssessment {
                    council_id: council,
                    title: "2026/27",
                    period_start: "2026-04-01",
                    period_end: "2027-03-31",
                    framework_key: FRAMEWORK,
                };
                selfassess::engagement::service::create_assessment(
                    &self.app.db,
                    &self.frameworks,
                    &self.admin,
                    input,
                )
                .await
                .expect("assessment")
                .id
            }
        };
        let groups = selfassess::engagement::store::groups(&self.app.db, id).await.expect("groups");
        (id, groups[0].id)
    }

    /// A new open round of the council's assessment: its id and link token (fresh per call, so
    /// closing one or starting its journey never spoils the next call).
    async fn fresh_round(&self, council: Uuid) -> (Uuid, String) {
        let (assessment, group) = self.assessment(council).await;
        let now = time::OffsetDateTime::now_utc();
        let rfc =
            |t: time::OffsetDateTime| t.format(&time::format_description::well_known::Rfc3339).expect("time");
        let (opens, closes) = (rfc(now - time::Duration::hours(1)), rfc(now + time::Duration::days(7)));
        let input = selfassess::engagement::service::NewRound {
            title: "Matrix round",
            statements: &["QS1".to_owned()],
            groups: &[group.to_string()],
            opens_at: &opens,
            closes_at: &closes,
            introduction: "",
            privacy_notice: "",
        };
        let round = selfassess::engagement::service::create_round(
            &self.app.db,
            &self.frameworks,
            &self.admin,
            assessment,
            input,
        )
        .await
        .expect("round");
        (round.id, round.token)
    }

    /// A new import preview for the council's assessment (a survey-tool upload for the mapping
    /// step, otherwise a one-item checklist): each file differs, so each confirm stores anew.
    async fn fresh_import(&self, council: Uuid, survey: bool) -> Uuid {
        use selfassess::spreadsheets::service;
        let (assessment, group) = self.assessment(council).await;
        if survey {
            let bytes = format!("Group,Q\n{},1\n", Uuid::now_v7());
            return service::survey_upload(
                &self.app.db,
                &self.frameworks,
                &self.admin,
                assessment,
                bytes.as_bytes(),
            )
            .await
            .expect("survey upload");
        }
        let bytes = format!("item,text,rating,evidence,evidence_needed\nQS1.1,,3,{},\n", Uuid::now_v7());
        let group = group.to_string();
        let upload = service::Upload {
            bytes: bytes.as_bytes(),
            group: &group,
            mode: "response",
            workshop_date: "",
            facilitator: "",
            participants: "",
        };
        service::preview(&self.app.db, &self.frameworks, &self.admin, assessment, upload)
            .await
            .expect("preview")
    }

    /// A new evidence item of the council's assessment, with a file holding a telephone number
    /// (so one finding): the item's id and the finding's.
    async fn fresh_evidence(&self, council: Uuid) -> (Uuid, Uuid) {
        use selfassess::evidence::{service, storage};
        let (assessment, _) = self.assessment(council).await;
        let evidence = storage::Evidence::new(
            storage::FileStore::local(&self.app.data_dir().join("evidence")).expect("store"),
            &storage::EvidenceConfig::default(),
        );
        let file = tempfile::NamedTempFile::new().expect("temporary file");
        std::fs::write(file.path(), "Call the switchboard on 01632 960000.\n").expect("write");
        let received = service::Received {
            file: file.into_temp_path(),
            name: "notes.txt".into(),
            size: 38,
            sha256: "0".repeat(64),
        };
        let upload = service::check_upload(received, Default::default()).await.expect("a good file");
        let raw = selfassess::evidence::domain::RawItem {
            title: "Matrix item".into(),
            document_type: "other".into(),
            ir_items: vec!["IR5".into()],
            ..Default::default()
        };
        let item = service::create(
            &self.app.db,
            &self.frameworks,
            &evidence,
            &self.admin,
            assessment,
            &raw,
            Some(upload),
        )
        .await
        .expect("item");
        let library = service::library(&self.app.db, &self.frameworks, &evidence, &self.admin, assessment)
            .await
            .expect("library");
        let finding = library.item(item).and_then(|i| i.findings.first()).expect("a finding").id;
        (item, finding)
    }

    /// A new API token belonging to `who` (anonymous owns none: the lead's stands in).
    async fn fresh_token(&self, who: usize) -> Uuid {
        let email = self.people[who].email.as_deref().unwrap_or(&self.world.lead);
        service::cli_token(&self.app.db, email, "revoke me", 30).await.expect("token").id
    }

    /// `template` with each parameter filled: from `overrides` when named there, otherwise from
    /// a fixture of `council` (fresh for each call, so consuming one never spoils the next).
    async fn fill(&self, who: usize, template: &str, council: Uuid, overrides: &[(&str, String)]) -> String {
        let mut invitation: Option<Invited> = None;
        let mut evidence: Option<(Uuid, Uuid)> = None;
        let mut path = String::new();
        let mut rest = template;
        while let Some(start) = rest.find('{') {
            path.push_str(&rest[..start]);
            let end = start + rest[start..].find('}').unwrap_or_else(|| panic!("unclosed {{ in {template}"));
            let name = rest[start + 1..end].trim_start_matches('*');
            let value = if let Some((_, value)) = overrides.iter().find(|(n, _)| *n == name) {
                value.clone()
            } else {
                match name {
                    "council_id" => council.to_string(),
                    "key" => FRAMEWORK.to_owned(),
                    "path" if template.starts_with("/assets/") => "app.css".to_owned(),
                    "id" if template.starts_with("/frameworks/") => "QS1".to_owned(),
                    "id" if template.starts_with("/account/tokens/") => {
                        self.fresh_token(who).await.to_string()
                    }
                    "id" if template.starts_with("/assessments/")
                        || template.starts_with("/api/v1/assessments/") =>
                    {
                        self.assessment(council).await.0.to_string()
                    }
                    "group_id" => self.assessment(council).await.1.to_string(),
                    "import_id" => {
                        self.fresh_import(council, template.ends_with("/mapping")).await.to_string()
                    }
                    "round_id" => self.fresh_round(council).await.0.to_string(),
                    "action" => "close".to_owned(),
                    "item_id" | "finding_id" => {
                        if evidence.is_none() {
                            evidence = Some(self.fresh_evidence(council).await);
                        }
                        let (item, finding) = evidence.expect("just made");
                        if name == "item_id" { item.to_string() } else { finding.to_string() }
                    }
                    "qs" => "QS1".to_owned(),
                    "endorsement" => self.fresh_endorsement(council).await.to_string(),
                    "export" => Uuid::now_v7().to_string(),
                    "token" if template.starts_with("/r/") || template.starts_with("/api/v1/rounds/") => {
                        self.fresh_round(council).await.1
                    }
                    "token" | "invitation_id" => {
                        if invitation.is_none() {
                            invitation = Some(self.fresh_invitation(council).await);
                        }
                        let invited = invitation.as_ref().expect("just made");
                        if name == "token" {
                            invited.token.clone()
                        } else {
                            invited.invitation_id.to_string()
                        }
                    }
                    _ => panic!(
                        "no fixture for the parameter {{{name}}} of {template}: add one to \
                         Harness::fill in tests/integration/authorisation.rs"
                    ),
                }
            };
            path.push_str(&value);
            rest = &rest[end + 1..];
        }
        path.push_str(rest);
        path
    }

    /// Sends `method path` as `who` and returns the status ([`SIGN_IN`] for a redirect to sign
    /// in). Page POSTs carry the actor's form token; `/api/` calls carry their bearer token.
    async fn send(&self, who: usize, method: &str, path: &str) -> u16 {
        let person = &self.people[who];
        let url = format!("{}{}", self.app.address, path);
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let safe = matches!(method, reqwest::Method::GET | reqwest::Method::HEAD);
        let request = if path.starts_with("/api/") {
            let mut request = self.api.request(method, &url);
            if let Some(token) = &person.bearer {
                request = request.bearer_auth(token);
            }
            if !safe {
                request = request.json(&serde_json::json!({}));
            }
            request
        } else if safe {
            person.browser.request(method, &url)
        } else {
            let token = self.app.csrf_with(&person.browser, "/sign-in").await;
            person.browser.request(method, &url).form(&[("csrf_token", token.as_str())])
        };
        let response = request.send().await.unwrap_or_else(|e| panic!("{path}: {e}"));
        let status = response.status().as_u16();
        let location = response.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default();
        // Pages return to where they were after signing in; POSTs go to the plain sign-in page.
        let to_sign_in = location.starts_with("/sign-in?next=") || (location == "/sign-in" && !safe);
        if status == 303 && to_sign_in { SIGN_IN } else { status }
    }

    /// Fills `template` from this council's fixtures and sends it; signs the actor back in
    /// after signing out, so later calls still act as them.
    async fn call(&self, who: usize, method: &str, template: &str) -> u16 {
        self.call_in(who, method, template, self.world.council, &[]).await
    }

    async fn call_in(
        &self,
        who: usize,
        method: &str,
        template: &str,
        council: Uuid,
        overrides: &[(&str, String)],
    ) -> u16 {
        let path = self.fill(who, template, council, overrides).await;
        let status = self.send(who, method, &path).await;
        if template == "/sign-out"
            && let Some(email) = &self.people[who].email
        {
            self.app.sign_in_with(&self.people[who].browser, email, PASSWORD).await;
        }
        status
    }
}

fn cell(status: u16) -> String {
    if status == SIGN_IN { "303s".to_owned() } else { status.to_string() }
}

/// The matrix as text: each cell the expected status, or `expected≠actual` (marked `!`).
fn render(rows: &[(String, String, [u16; 8], [u16; 8])]) -> String {
    let width = rows.iter().map(|(m, p, ..)| m.len() + p.len() + 1).max().unwrap_or(0);
    let mut out = format!("{:width$}", "route");
    for name in SHORT {
        let _ = write!(out, " {name:>9}");
    }
    out.push('\n');
    for (method, path, expected, actual) in rows {
        let _ = write!(out, "{:width$}", format!("{method} {path}"));
        for (e, a) in expected.iter().zip(actual) {
            let text = if e == a { cell(*e) } else { format!("!{}≠{}", cell(*e), cell(*a)) };
            let _ = write!(out, " {text:>9}");
        }
        out.push('\n');
    }
    out.push_str("303s = 303 to sign in (/sign-in?next=… for pages, /sign-in for POSTs); !expected≠actual marks a disagreement\n");
    out
}

#[tokio::test]
async fn every_route_answers_every_actor_as_written_down() {
    let routes = router_routes();
    let mut table: BTreeMap<(String, String), [u16; 8]> = BTreeMap::new();
    let mut problems = Vec::new();
    for (method, path, expected) in MATRIX {
        if table.insert((method.to_string(), path.to_string()), *expected).is_some() {
            problems.push(format!("{method} {path} has two rows in MATRIX"));
        }
    }
    let served: BTreeSet<(String, String)> = routes.iter().cloned().collect();
    for (method, path) in &routes {
        if !table.contains_key(&(method.clone(), path.clone())) {
            problems.push(format!(
                "the router serves {method} {path} but MATRIX (tests/integration/authorisation.rs) has no row for it"
            ));
        }
    }
    for (method, path) in table.keys() {
        if !served.contains(&(method.clone(), path.clone())) {
            problems.push(format!("MATRIX has a row for {method} {path}, which the router no longer serves"));
        }
    }

    for backend in backends() {
        let harness = Harness::new(backend).await;
        let mut rows = Vec::new();
        let mut disagreements = 0;
        for (method, path) in &routes {
            let Some(expected) = table.get(&(method.clone(), path.clone())) else { continue };
            let mut actual = [0u16; 8];
            for (who, status) in actual.iter_mut().enumerate() {
                *status = harness.call(who, method, path).await;
            }
            disagreements += expected.iter().zip(&actual).filter(|(e, a)| e != a).count();
            rows.push((method.clone(), path.clone(), *expected, actual));
        }
        if disagreements > 0 {
            problems.push(format!(
                "{disagreements} answer(s) on {backend:?} differ from the matrix:\n{}",
                render(&rows)
            ));
        }
    }
    assert!(problems.is_empty(), "authorisation matrix:\n{}", problems.join("\n"));
}

/// Council-scoped routes (those with `{council_id}`), taken from the router.
fn council_routes() -> Vec<(String, String)> {
    let routes: Vec<_> = router_routes().into_iter().filter(|(_, p)| p.contains("{council_id}")).collect();
    assert!(!routes.is_empty(), "the router has council-scoped routes");
    routes
}

#[tokio::test]
async fn another_councils_ids_answer_not_found() {
    for backend in backends() {
        let h = Harness::new(backend).await;
        let mut wrong = Vec::new();
        for (method, path) in council_routes() {
            // The other council's lead on this council's ids, and this council's lead on the
            // other council's ids (with fixtures of that council).
            let other = h.call_in(OTHER_COUNCIL_LEAD, &method, &path, h.world.council, &[]).await;
            let lead = h.call_in(LEAD, &method, &path, h.world.other_council, &[]).await;
            for (who, status) in [(OTHER_COUNCIL_LEAD, other), (LEAD, lead)] {
                if status != 404 {
                    wrong.push(format!(
                        "{method} {path} as {}: {} (expected 404)",
                        ACTORS[who],
                        cell(status)
                    ));
                }
            }
        }

        // A lead withdrawing another council's invitation through their own council's address.
        let invitation = h.fresh_invitation(h.world.council).await;
        let path =
            format!("/councils/{}/invitations/{}/revoke", h.world.other_council, invitation.invitation_id);
        let status = h.send(OTHER_COUNCIL_LEAD, "POST", &path).await;
        if status != 404 {
            wrong.push(format!(
                "POST {path} (this council's invitation, other council's address): {}",
                cell(status)
            ));
        }
        let still_open = h.send(ANONYMOUS, "GET", &format!("/invitations/{}", invitation.token)).await;
        assert_eq!(still_open, 200, "the invitation is still open after the refused withdrawal");

        // Someone else's API token: not found, and still working afterwards.
        let viewers = service::cli_token(&h.app.db, &h.world.viewer, "not yours", 30).await.expect("token");
        for who in [LEAD, OTHER_COUNCIL_LEAD, PLATFORM_ADMIN] {
            let path = format!("/account/tokens/{}/revoke", viewers.id);
            let status = h.send(who, "POST", &path).await;
            if status != 404 {
                wrong.push(format!("POST {path} (the viewer's token) as {}: {}", ACTORS[who], cell(status)));
            }
        }
        let me = h
            .api
            .get(format!("{}/api/v1/me", h.app.address))
            .bearer_auth(&viewers.token)
            .send()
            .await
            .expect("me");
        assert_eq!(me.status(), 200, "the viewer's token still works");

        assert!(wrong.is_empty(), "{backend:?}: these should be 404:\n{}", wrong.join("\n"));
    }
}

#[tokio::test]
async fn malformed_and_unknown_ids_answer_not_found() {
    for backend in backends() {
        let h = Harness::new(backend).await;
        let mut wrong = Vec::new();
        for (method, path) in router_routes() {
            for name in parameters(&path) {
                for value in ["not-a-uuid".to_owned(), Uuid::now_v7().to_string()] {
                    // The platform administrator passes every council check, so only the id
                    // itself can make these 404; the lead is a member of the council under test.
                    for who in [PLATFORM_ADMIN, LEAD] {
                        let overrides = [(name, value.clone())];
                        let status = h.call_in(who, &method, &path, h.world.council, &overrides).await;
                        if status != 404 {
                            wrong.push(format!(
                                "{method} {path} with {{{name}}} = {value} as {}: {}",
                                ACTORS[who],
                                cell(status)
                            ));
                        }
                    }
                }
            }
        }
        assert!(wrong.is_empty(), "{backend:?}: these should be 404:\n{}", wrong.join("\n"));
    }
}

#[tokio::test]
async fn every_page_post_without_the_form_token_is_refused() {
    let h = Harness::new(crate::helpers::Backend::Sqlite).await;
    let mut wrong = Vec::new();
    for (method, path) in router_routes() {
        if method == "GET" || path.starts_with("/api/") {
            continue;
        }
        for who in [ANONYMOUS, LEAD, PLATFORM_ADMIN] {
            let url = format!("{}{}", h.app.address, h.fill(who, &path, h.world.council, &[]).await);
            let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
            let browser = &h.people[who].browser;
            // A token of the right shape that is not this browser's.
            let forged = "A".repeat(43);
            for form in [vec![], vec![("csrf_token", forged.as_str())]] {
                let response = browser.request(method.clone(), &url).form(&form).send().await.expect("post");
                if response.status() != 403 {
                    wrong.push(format!("{method} {path} as {}: {}", ACTORS[who], response.status()));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "without the form token these should be 403:\n{}", wrong.join("\n"));
}
