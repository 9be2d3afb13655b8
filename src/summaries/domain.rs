//! A Stage 2 summary as the toolkit's template has it, and the rules around it. Pure: the
//! content and its limits, reading the form, the canonical text and its SHA-256, the states
//! and what moves a summary between them, and a word-level difference between two versions.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The toolkit's template asks for three areas of strength.
pub const STRENGTHS: usize = 3;
pub const MAX_IMPROVEMENTS: usize = 10;
pub const MAX_QUOTATIONS: usize = 10;
pub const MAX_DOCUMENTS: usize = 20;

/// Limits in characters.
pub const LONG_TEXT: usize = 5_000;
pub const SHORT_TEXT: usize = 1_000;
pub const QUOTATION_TEXT: usize = 2_000;
pub const SOURCE_TEXT: usize = 200;
pub const TITLE_TEXT: usize = 300;
pub const URL_TEXT: usize = 2_000;
/// Comments when a verifier returns a summary, and the verifier's name and post.
pub const COMMENTS_TEXT: usize = 5_000;
pub const NAME_TEXT: usize = 200;

/// Prefixed to the canonical text before hashing, so a hash names what it is a hash of.
pub const HASH_DOMAIN: &str = "selfassess stage 2 summary v1\n";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Strength {
    pub statement: String,
    pub how_we_know: String,
    pub improvement_work: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Improvement {
    pub area: String,
    pub how_we_know: String,
    /// Improvement work under way or proposed.
    pub work: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quotation {
    pub text: String,
    /// Who said it, in words that identify nobody who has not agreed to be named.
    pub source: String,
}

/// A key document: an item of the assessment's evidence library (`evidence_id`, with its title
/// as it was when chosen and no web address), or a free link (a title and a web address) as
/// summaries held them before the library existed. A free link has no `evidence_id` in the
/// canonical text, so its text and hash are what they always were.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    pub title: String,
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence_id: Option<Uuid>,
}

/// What a summary says. The fields follow the toolkit's template; the order of the fields is
/// the order of the canonical text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Content {
    pub ambition: String,
    pub strengths: Vec<Strength>,
    pub improvements: Vec<Improvement>,
    pub quotations: Vec<Quotation>,
    /// External or internal recognitions and awards.
    pub recognitions: String,
    pub documents: Vec<Document>,
    /// The proposed score, 1 to 4 (CQC's scores for a quality statement).
    pub score: Option<u8>,
    pub rationale: String,
}

/// A problem with what was entered, for the field whose id is `field`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: String,
    pub message: String,
}

fn problem(field: impl Into<String>, message: impl Into<String>) -> Problem {
    Problem { field: field.into(), message: message.into() }
}

/// Trims the ends and makes every line break `\n`.
pub fn tidy(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n").trim().to_owned()
}

/// 5000 → "5,000".
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Lengths count the tidied text, as people see it (a browser sends each line break of a
/// text area as two characters).
fn too_long(problems: &mut Vec<Problem>, field: &str, what: &str, text: &str, limit: usize) {
    let length = tidy(text).chars().count();
    if length > limit {
        problems.push(problem(
            field,
            format!("{what} must be {} characters or fewer (it has {})", thousands(limit), thousands(length)),
        ));
    }
}

/// A web address a key document may have: http or https, with a host, no spaces.
pub fn is_web_address(url: &str) -> bool {
    match url::Url::parse(url) {
        Ok(parsed) => {
            matches!(parsed.scheme(), "http" | "https")
                && parsed.host_str().is_some_and(|h| !h.is_empty())
                && !url.chars().any(char::is_whitespace)
        }
        Err(_) => false,
    }
}

impl Strength {
    fn is_empty(&self) -> bool {
        self.statement.is_empty() && self.how_we_know.is_empty() && self.improvement_work.is_empty()
    }
}

impl Improvement {
    fn is_empty(&self) -> bool {
        self.area.is_empty() && self.how_we_know.is_empty() && self.work.is_empty()
    }
}

impl Quotation {
    fn is_empty(&self) -> bool {
        self.text.is_empty() && self.source.is_empty()
    }
}

impl Document {
    fn is_empty(&self) -> bool {
        self.title.is_empty() && self.url.is_empty() && self.evidence_id.is_none()
    }

    /// A free link given before the evidence library (no library item).
    pub fn is_link(&self) -> bool {
        self.evidence_id.is_none()
    }
}

impl Content {
    /// Every text tidied, empty entries left out, at most three strengths: the form in which
    /// content is stored, compared and hashed.
    pub fn normalised(&self) -> Content {
        Content {
            ambition: tidy(&self.ambition),
            strengths: self
                .strengths
                .iter()
                .map(|s| Strength {
                    statement: tidy(&s.statement),
                    how_we_know: tidy(&s.how_we_know),
                    improvement_work: tidy(&s.improvement_work),
                })
                .filter(|s| !s.is_empty())
                .take(STRENGTHS)
                .collect(),
            improvements: self
                .improvements
                .iter()
                .map(|i| Improvement {
                    area: tidy(&i.area),
                    how_we_know: tidy(&i.how_we_know),
                    work: tidy(&i.work),
                })
                .filter(|i| !i.is_empty())
                .take(MAX_IMPROVEMENTS)
                .collect(),
            quotations: self
                .quotations
                .iter()
                .map(|q| Quotation { text: tidy(&q.text), source: tidy(&q.source) })
                .filter(|q| !q.is_empty())
                .take(MAX_QUOTATIONS)
                .collect(),
            recognitions: tidy(&self.recognitions),
            documents: self
                .documents
                .iter()
                .map(|d| Document { title: tidy(&d.title), url: tidy(&d.url), evidence_id: d.evidence_id })
                .filter(|d| !d.is_empty())
                .take(MAX_DOCUMENTS)
                .collect(),
            score: self.score,
            rationale: tidy(&self.rationale),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.normalised() == Content::default()
    }

    /// The canonical text: the normalised content as JSON, fields in a fixed order, no
    /// spaces. Equal content gives equal text.
    pub fn canonical(&self) -> String {
        // Serialising plain strings, vectors and an integer cannot fail.
        serde_json::to_string(&self.normalised()).unwrap_or_default()
    }

    /// SHA-256 of [`HASH_DOMAIN`] followed by the canonical text, as 64 hex digits.
    pub fn hash(&self) -> String {
        let mut hasher = Sha256::new();
        hasher.update(HASH_DOMAIN.as_bytes());
        hasher.update(self.canonical().as_bytes());
        hex::encode(hasher.finalize())
    }

    /// Reads stored canonical text back.
    pub fn from_canonical(text: &str) -> Result<Content, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// The slots the form shows: the three strengths, and one empty slot more than is filled
    /// for the lists (at least two areas for improvement and quotations). Key documents get no
    /// empty slots: they are chosen from the evidence library.
    pub fn padded(&self) -> Content {
        let mut c = self.clone();
        c.strengths.resize(STRENGTHS.max(c.strengths.len()), Strength::default());
        let pad = |len: usize, least: usize, most: usize| (len + 1).max(least).min(most.max(len));
        c.improvements.resize(pad(c.improvements.len(), 2, MAX_IMPROVEMENTS), Improvement::default());
        c.quotations.resize(pad(c.quotations.len(), 2, MAX_QUOTATIONS), Quotation::default());
        c
    }

    /// The free links (documents given before the evidence library), in order: the form's
    /// `document_{n}_…` slots.
    pub fn links(&self) -> Vec<&Document> {
        self.documents.iter().filter(|d| d.is_link()).collect()
    }

    /// The evidence library items chosen, in order.
    pub fn evidence_ids(&self) -> Vec<Uuid> {
        self.documents.iter().filter_map(|d| d.evidence_id).collect()
    }

    /// What stops the content being saved, each problem named by its field.
    pub fn problems(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        let p = &mut problems;
        too_long(p, "ambition", "Our ambition", &self.ambition, LONG_TEXT);
        if self.strengths.len() > STRENGTHS {
            p.push(problem("strength_1_statement", "Give at most three areas of strength"));
        }
        for (i, s) in self.strengths.iter().enumerate().take(STRENGTHS) {
            let n = i + 1;
            let field = |part: &str| format!("strength_{n}_{part}");
            too_long(p, &field("statement"), &format!("Strength {n}"), &s.statement, SHORT_TEXT);
            too_long(
                p,
                &field("how_we_know"),
                &format!("How we know (strength {n})"),
                &s.how_we_know,
                LONG_TEXT,
            );
            too_long(
                p,
                &field("improvement_work"),
                &format!("Improvement work (strength {n})"),
                &s.improvement_work,
                LONG_TEXT,
            );
            if tidy(&s.statement).is_empty()
                && !(tidy(&s.how_we_know).is_empty() && tidy(&s.improvement_work).is_empty())
            {
                p.push(problem(
                    field("statement"),
                    format!("Enter strength {n}, or clear how we know and the improvement work for it"),
                ));
            }
        }
        for (i, imp) in self.improvements.iter().enumerate() {
            let n = i + 1;
            let field = |part: &str| format!("improvement_{n}_{part}");
            if n > MAX_IMPROVEMENTS {
                p.push(problem(
                    field("area"),
                    format!("Give at most {MAX_IMPROVEMENTS} areas for improvement"),
                ));
                break;
            }
            too_long(p, &field("area"), &format!("Area for improvement {n}"), &imp.area, SHORT_TEXT);
            too_long(
                p,
                &field("how_we_know"),
                &format!("How we know (area for improvement {n})"),
                &imp.how_we_know,
                LONG_TEXT,
            );
            too_long(
                p,
                &field("work"),
                &format!("Work under way or proposed (area for improvement {n})"),
                &imp.work,
                LONG_TEXT,
            );
            if tidy(&imp.area).is_empty()
                && !(tidy(&imp.how_we_know).is_empty() && tidy(&imp.work).is_empty())
            {
                p.push(problem(
                    field("area"),
                    format!("Enter area for improvement {n}, or clear how we know and the work for it"),
                ));
            }
        }
        for (i, q) in self.quotations.iter().enumerate() {
            let n = i + 1;
            let field = |part: &str| format!("quotation_{n}_{part}");
            if n > MAX_QUOTATIONS {
                p.push(problem(field("text"), format!("Give at most {MAX_QUOTATIONS} quotations")));
                break;
            }
            too_long(p, &field("text"), &format!("Quotation {n}"), &q.text, QUOTATION_TEXT);
            too_long(p, &field("source"), &format!("Who said quotation {n}"), &q.source, SOURCE_TEXT);
            if tidy(&q.text).is_empty() && !tidy(&q.source).is_empty() {
                p.push(problem(field("text"), format!("Enter quotation {n}, or clear who said it")));
            }
        }
        too_long(p, "recognitions", "Recognitions and awards", &self.recognitions, LONG_TEXT);
        let chosen = self.documents.iter().filter(|d| !d.is_link()).count();
        let links = self.links();
        if chosen > 0 && chosen + links.iter().filter(|d| !d.is_empty()).count() > MAX_DOCUMENTS {
            p.push(problem(
                DOCUMENTS_FIELD,
                format!(
                    "Choose at most {MAX_DOCUMENTS} key documents (there are {})",
                    chosen + links.iter().filter(|d| !d.is_empty()).count()
                ),
            ));
        }
        for d in self.documents.iter().filter(|d| !d.is_link()) {
            too_long(p, DOCUMENTS_FIELD, "The title of a key document", &d.title, TITLE_TEXT);
        }
        for (i, d) in links.iter().enumerate() {
            let n = i + 1;
            let field = |part: &str| format!("document_{n}_{part}");
            if n > MAX_DOCUMENTS {
                p.push(problem(field("title"), format!("Give at most {MAX_DOCUMENTS} key documents")));
                break;
            }
            let (title, url) = (tidy(&d.title), tidy(&d.url));
            too_long(p, &field("title"), &format!("The title of document {n}"), &title, TITLE_TEXT);
            too_long(p, &field("url"), &format!("The web address of document {n}"), &url, URL_TEXT);
            if title.is_empty() && !url.is_empty() {
                p.push(problem(
                    field("title"),
                    format!("Enter the title of document {n}, or clear its web address"),
                ));
            }
            if url.is_empty() && !title.is_empty() {
                p.push(problem(
                    field("url"),
                    format!("Enter the web address of document {n}, or clear its title"),
                ));
            } else if !url.is_empty() && url.chars().count() <= URL_TEXT && !is_web_address(&url) {
                p.push(problem(
                    field("url"),
                    format!(
                        "Enter the web address of document {n} in full, starting https:// or http://, \
                         like https://www.council.gov.uk/strategy.pdf"
                    ),
                ));
            }
        }
        if let Some(score) = self.score
            && !(1..=4).contains(&score)
        {
            p.push(problem("score", "Choose a proposed score from 1 to 4"));
        }
        too_long(p, "rationale", "Why this score", &self.rationale, LONG_TEXT);
        problems
    }

    /// What must be there before a summary goes to a verifier.
    pub fn submission_problems(&self) -> Vec<Problem> {
        let c = self.normalised();
        let mut problems = Vec::new();
        if c.ambition.is_empty() {
            problems.push(problem("ambition", "Enter our ambition before submitting the summary"));
        }
        if c.strengths.is_empty() {
            problems.push(problem(
                "strength_1_statement",
                "Enter at least one area of strength before submitting the summary",
            ));
        }
        if c.score.is_none() {
            problems.push(problem("score", "Choose a proposed score before submitting the summary"));
        }
        if c.rationale.is_empty() {
            problems.push(problem("rationale", "Say why this score before submitting the summary"));
        }
        problems
    }
}

/// The form's field for key documents chosen from the evidence library (the first checkbox).
pub const DOCUMENTS_FIELD: &str = "documents";

/// The checkbox of an evidence library item on the summary form: `evidence_{id}`.
pub const EVIDENCE_PREFIX: &str = "evidence_";

/// An item of the assessment's evidence library, as the summary form may offer it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibraryEntry {
    pub id: Uuid,
    pub title: String,
    pub withdrawn: bool,
}

/// Reads the key documents chosen from the evidence library (`evidence_{id}` checkboxes).
/// Those already in `previous` (the stored content) keep their place and the title they were
/// chosen with, so saving unchanged choices changes nothing; new ones follow in the order of
/// `library`, with their titles now. An id not in the library, or a withdrawn item not chosen
/// before, is a problem.
pub fn read_library_choices(
    form: &HashMap<String, String>,
    previous: &Content,
    library: &[LibraryEntry],
) -> (Vec<Document>, Vec<Problem>) {
    let mut problems = Vec::new();
    let mut chosen: Vec<Uuid> = Vec::new();
    let mut unknown = 0;
    for key in form.keys() {
        let Some(raw) = key.strip_prefix(EVIDENCE_PREFIX) else { continue };
        match Uuid::parse_str(raw.trim()).ok().filter(|id| library.iter().any(|e| e.id == *id)) {
            Some(id) => chosen.push(id),
            None => unknown += 1,
        }
    }
    if unknown > 0 {
        problems.push(problem(
            DOCUMENTS_FIELD,
            if unknown == 1 {
                "A document you chose is not in this assessment's evidence library: choose from the list".to_owned()
            } else {
                format!("{unknown} documents you chose are not in this assessment's evidence library: choose from the list")
            },
        ));
    }
    let mut documents: Vec<Document> = previous
        .documents
        .iter()
        .filter(|d| d.evidence_id.is_some_and(|id| chosen.contains(&id)))
        .cloned()
        .collect();
    for entry in library {
        if !chosen.contains(&entry.id) || documents.iter().any(|d| d.evidence_id == Some(entry.id)) {
            continue;
        }
        if entry.withdrawn {
            problems.push(problem(
                DOCUMENTS_FIELD,
                format!(
                    "\u{201c}{}\u{201d} is withdrawn from the evidence library: choose another document",
                    tidy(&entry.title)
                ),
            ));
            continue;
        }
        documents.push(Document {
            title: tidy(&entry.title),
            url: String::new(),
            evidence_id: Some(entry.id),
        });
    }
    (documents, problems)
}

/// What stops content being saved for its key documents from the library: each must be an
/// item of the assessment's library, and not withdrawn unless `previous` already held it.
pub fn library_problems(content: &Content, previous: &Content, library: &[LibraryEntry]) -> Vec<Problem> {
    let before = previous.evidence_ids();
    let mut problems = Vec::new();
    for d in &content.documents {
        let Some(id) = d.evidence_id else { continue };
        match library.iter().find(|e| e.id == id) {
            None => problems.push(problem(
                DOCUMENTS_FIELD,
                format!(
                    "\u{201c}{}\u{201d} is not in this assessment's evidence library: choose from the list",
                    tidy(&d.title)
                ),
            )),
            Some(e) if e.withdrawn && !before.contains(&id) => problems.push(problem(
                DOCUMENTS_FIELD,
                format!(
                    "\u{201c}{}\u{201d} is withdrawn from the evidence library: choose another document",
                    tidy(&e.title)
                ),
            )),
            Some(_) => {}
        }
    }
    problems
}

/// Reads the summary form with its key documents from the evidence library: the free links
/// first (as [`read_form`]), then the library items chosen (see [`read_library_choices`]).
pub fn read_form_with_library(
    form: &HashMap<String, String>,
    previous: &Content,
    library: &[LibraryEntry],
) -> (Content, Vec<Problem>) {
    let (mut content, mut problems) = read_form(form);
    let (chosen, chosen_problems) = read_library_choices(form, previous, library);
    content.documents.extend(chosen);
    problems.retain(|p| p.field != DOCUMENTS_FIELD);
    problems.extend(chosen_problems);
    problems.extend(content.problems().into_iter().filter(|p| p.field == DOCUMENTS_FIELD));
    (content, problems)
}

/// Reads the summary form (fields named as [`Content::problems`] names them). Returns what was
/// entered, in its slots, and the problems with it; nothing is dropped, so the form can be
/// shown again as it was typed.
pub fn read_form(form: &HashMap<String, String>) -> (Content, Vec<Problem>) {
    let get = |name: &str| form.get(name).cloned().unwrap_or_default();
    // The highest slot sent for a list (slots are numbered from 1).
    let slots = |prefix: &str, most: usize| {
        (1..=most)
            .filter(|n| form.keys().any(|k| k.starts_with(&format!("{prefix}_{n}_"))))
            .max()
            .unwrap_or(0)
    };
    let strengths = (1..=STRENGTHS)
        .map(|n| Strength {
            statement: get(&format!("strength_{n}_statement")),
            how_we_know: get(&format!("strength_{n}_how_we_know")),
            improvement_work: get(&format!("strength_{n}_improvement_work")),
        })
        .collect();
    let improvements = (1..=slots("improvement", MAX_IMPROVEMENTS))
        .map(|n| Improvement {
            area: get(&format!("improvement_{n}_area")),
            how_we_know: get(&format!("improvement_{n}_how_we_know")),
            work: get(&format!("improvement_{n}_work")),
        })
        .collect();
    let quotations = (1..=slots("quotation", MAX_QUOTATIONS))
        .map(|n| Quotation {
            text: get(&format!("quotation_{n}_text")),
            source: get(&format!("quotation_{n}_source")),
        })
        .collect();
    let documents = (1..=slots("document", MAX_DOCUMENTS))
        .map(|n| Document {
            title: get(&format!("document_{n}_title")),
            url: get(&format!("document_{n}_url")),
            evidence_id: None,
        })
        .collect();
    let mut problems = Vec::new();
    let score = match get("score").trim() {
        "" => None,
        raw => match raw.parse::<u8>() {
            Ok(s) if (1..=4).contains(&s) => Some(s),
            _ => {
                problems.push(problem("score", "Choose a proposed score from 1 to 4"));
                None
            }
        },
    };
    let content = Content {
        ambition: get("ambition"),
        strengths,
        improvements,
        quotations,
        recognitions: get("recognitions"),
        documents,
        score,
        rationale: get("rationale"),
    };
    problems.extend(content.problems());
    (content, problems)
}

/// The form's fields for some content, as `read_form` reads them (for tests and clients).
pub fn form_fields(content: &Content) -> Vec<(String, String)> {
    let mut fields = vec![("ambition".to_owned(), content.ambition.clone())];
    for (i, s) in content.strengths.iter().enumerate() {
        let n = i + 1;
        fields.push((format!("strength_{n}_statement"), s.statement.clone()));
        fields.push((format!("strength_{n}_how_we_know"), s.how_we_know.clone()));
        fields.push((format!("strength_{n}_improvement_work"), s.improvement_work.clone()));
    }
    for (i, imp) in content.improvements.iter().enumerate() {
        let n = i + 1;
        fields.push((format!("improvement_{n}_area"), imp.area.clone()));
        fields.push((format!("improvement_{n}_how_we_know"), imp.how_we_know.clone()));
        fields.push((format!("improvement_{n}_work"), imp.work.clone()));
    }
    for (i, q) in content.quotations.iter().enumerate() {
        let n = i + 1;
        fields.push((format!("quotation_{n}_text"), q.text.clone()));
        fields.push((format!("quotation_{n}_source"), q.source.clone()));
    }
    fields.push(("recognitions".to_owned(), content.recognitions.clone()));
    for (i, d) in content.links().into_iter().enumerate() {
        let n = i + 1;
        fields.push((format!("document_{n}_title"), d.title.clone()));
        fields.push((format!("document_{n}_url"), d.url.clone()));
    }
    for id in content.evidence_ids() {
        fields.push((format!("{EVIDENCE_PREFIX}{id}"), "yes".to_owned()));
    }
    fields.push(("score".to_owned(), content.score.map(|s| s.to_string()).unwrap_or_default()));
    fields.push(("rationale".to_owned(), content.rationale.clone()));
    fields
}

// ---------------------------------------------------------------------------------------------
// States

/// Where a summary is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Being written (also after a change voided a verification).
    Draft,
    /// With a verifier; not editable until returned or withdrawn.
    Submitted,
    /// Sent back by a verifier with comments; editable, and submitted again when ready.
    Returned,
    /// Verified by a senior manager; a change voids the verification.
    Verified,
}

/// What someone does to a summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Save changed content (a new version).
    Save,
    Submit,
    /// Take a submitted summary back from the verifier.
    Withdraw,
    /// A verifier sends it back with comments.
    Return,
    Verify,
}

impl State {
    pub const ALL: [State; 4] = [State::Draft, State::Submitted, State::Returned, State::Verified];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Draft => "draft",
            State::Submitted => "submitted",
            State::Returned => "returned",
            State::Verified => "verified",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|state| state.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            State::Draft => "Draft",
            State::Submitted => "Submitted for verification",
            State::Returned => "Returned with comments",
            State::Verified => "Verified",
        }
    }

    /// Whether the content may be changed in this state.
    pub fn editable(self) -> bool {
        self != State::Submitted
    }
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Save => "save",
            Action::Submit => "submit",
            Action::Withdraw => "withdraw",
            Action::Return => "return",
            Action::Verify => "verify",
        }
    }
}

/// The state after `action`, or why it may not happen (in words for the page). Saving a
/// verified summary makes it a draft again: the change voids the verification.
pub fn next(state: State, action: Action) -> Result<State, &'static str> {
    use Action::*;
    use State::*;
    match (state, action) {
        (Draft | Returned, Save) => Ok(state),
        (Verified, Save) => Ok(Draft),
        (Submitted, Save) => {
            Err("This summary is with a verifier: withdraw it from verification before changing it")
        }
        (Draft | Returned, Submit) => Ok(Submitted),
        (Submitted, Submit) => Err("This summary is already with a verifier"),
        (Verified, Submit) => Err("This summary is verified: it can be submitted again once it has changed"),
        (Submitted, Withdraw) => Ok(Draft),
        (_, Withdraw) => Err("Only a summary with a verifier can be withdrawn from verification"),
        (Submitted, Return) => Ok(Returned),
        (_, Return) => Err("Only a summary submitted for verification can be returned"),
        (Submitted, Verify) => Ok(Verified),
        (_, Verify) => Err("Only a summary submitted for verification can be verified"),
    }
}

/// Whether a summary's verification stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verification {
    /// Never verified.
    None,
    /// Verified, and the content is what was verified.
    Valid,
    /// Verified once, but changed since: void until verified again.
    Void,
}

/// A verification stands while the summary is in the verified state and its content still
/// has the hash that was verified.
pub fn verification(state: State, verified_hash: Option<&str>, content_hash: &str) -> Verification {
    match verified_hash {
        None => Verification::None,
        Some(hash) if state == State::Verified && hash == content_hash => Verification::Valid,
        Some(_) => Verification::Void,
    }
}

/// Where a statement's score comes from, for the indicative rating.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ScoreSource {
    /// The score of a summary whose verification stands.
    Verified,
    /// A proposed score not (or no longer) verified.
    Proposed,
}

/// The score a statement contributes to the indicative rating, and whence.
pub fn rating_score(score: Option<u8>, verification: Verification) -> Option<(u8, ScoreSource)> {
    let score = score.filter(|s| (1..=4).contains(s))?;
    Some(match verification {
        Verification::Valid => (score, ScoreSource::Verified),
        _ => (score, ScoreSource::Proposed),
    })
}

// ---------------------------------------------------------------------------------------------
// Differences between versions

/// A run of words in a difference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Segment {
    /// `same`, `added` or `removed`.
    pub kind: &'static str,
    pub text: String,
}

/// One part of a summary (a labelled field) in two versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldDiff {
    pub label: String,
    pub changed: bool,
    pub segments: Vec<Segment>,
}

/// The parts of a summary as labelled texts, in the template's order, for comparing.
/// `score_label` gives a score's words.
pub fn labelled_parts(content: &Content, score_label: &dyn Fn(u8) -> String) -> Vec<(String, String)> {
    let c = content.normalised();
    let mut parts = vec![("What is our ambition?".to_owned(), c.ambition.clone())];
    for (i, s) in c.strengths.iter().enumerate() {
        let n = i + 1;
        parts.push((format!("Strength {n}"), s.statement.clone()));
        parts.push((format!("Strength {n}: how we know"), s.how_we_know.clone()));
        parts.push((format!("Strength {n}: improvement work"), s.improvement_work.clone()));
    }
    for (i, imp) in c.improvements.iter().enumerate() {
        let n = i + 1;
        parts.push((format!("Area for improvement {n}"), imp.area.clone()));
        parts.push((format!("Area for improvement {n}: how we know"), imp.how_we_know.clone()));
        parts.push((format!("Area for improvement {n}: work under way or proposed"), imp.work.clone()));
    }
    for (i, q) in c.quotations.iter().enumerate() {
        let n = i + 1;
        parts.push((format!("Quotation {n}"), q.text.clone()));
        parts.push((format!("Quotation {n}: who said it"), q.source.clone()));
    }
    parts.push(("Recognitions and awards".to_owned(), c.recognitions.clone()));
    for (i, d) in c.documents.iter().enumerate() {
        let n = i + 1;
        parts.push((format!("Key document {n}"), d.title.clone()));
        match d.evidence_id {
            None => parts.push((format!("Key document {n}: web address"), d.url.clone())),
            Some(id) => parts.push((format!("Key document {n}: evidence library item"), id.to_string())),
        }
    }
    parts.push((
        "Proposed score".to_owned(),
        c.score.map(|s| format!("{s}: {}", score_label(s))).unwrap_or_default(),
    ));
    parts.push(("Why this score".to_owned(), c.rationale.clone()));
    parts
}

/// Every text of the content with its form field and its name for people, in the template's
/// order, empty texts left out: what the personal-information checker reads. Slots are
/// numbered as given (so for typed content as the form numbers them); key documents chosen
/// from the evidence library are left out (the library checks its own items).
pub fn text_parts(content: &Content) -> Vec<(String, String, String)> {
    let mut parts: Vec<(String, String, String)> = Vec::new();
    let mut push = |field: String, label: String, text: &str| {
        let text = tidy(text);
        if !text.is_empty() {
            parts.push((field, label, text));
        }
    };
    push("ambition".into(), "Our ambition".into(), &content.ambition);
    for (i, s) in content.strengths.iter().enumerate() {
        let n = i + 1;
        push(format!("strength_{n}_statement"), format!("Strength {n}"), &s.statement);
        push(format!("strength_{n}_how_we_know"), format!("Strength {n}: how we know"), &s.how_we_know);
        push(
            format!("strength_{n}_improvement_work"),
            format!("Strength {n}: improvement work"),
            &s.improvement_work,
        );
    }
    for (i, imp) in content.improvements.iter().enumerate() {
        let n = i + 1;
        push(format!("improvement_{n}_area"), format!("Area for improvement {n}"), &imp.area);
        push(
            format!("improvement_{n}_how_we_know"),
            format!("Area for improvement {n}: how we know"),
            &imp.how_we_know,
        );
        push(
            format!("improvement_{n}_work"),
            format!("Area for improvement {n}: work under way or proposed"),
            &imp.work,
        );
    }
    for (i, q) in content.quotations.iter().enumerate() {
        let n = i + 1;
        push(format!("quotation_{n}_text"), format!("Quotation {n}"), &q.text);
        push(format!("quotation_{n}_source"), format!("Quotation {n}: who said it"), &q.source);
    }
    push("recognitions".into(), "Recognitions and awards".into(), &content.recognitions);
    for (i, d) in content.links().into_iter().enumerate() {
        let n = i + 1;
        push(format!("document_{n}_title"), format!("Key document {n}"), &d.title);
        push(format!("document_{n}_url"), format!("Key document {n}: web address"), &d.url);
    }
    push("rationale".into(), "Why this score".into(), &content.rationale);
    parts
}

/// Compares two versions part by part. Parts present in only one version compare with
/// nothing; every part of either version appears, in the newer version's order with the
/// older's leftovers after.
pub fn compare(from: &Content, to: &Content, score_label: &dyn Fn(u8) -> String) -> Vec<FieldDiff> {
    let old = labelled_parts(from, score_label);
    let new = labelled_parts(to, score_label);
    let old_map: HashMap<&str, &str> = old.iter().map(|(l, t)| (l.as_str(), t.as_str())).collect();
    let mut diffs: Vec<FieldDiff> = new
        .iter()
        .map(|(label, text)| {
            let before = old_map.get(label.as_str()).copied().unwrap_or("");
            let segments = diff_words(before, text);
            FieldDiff { label: label.clone(), changed: before != text, segments }
        })
        .collect();
    for (label, text) in &old {
        if !new.iter().any(|(l, _)| l == label) {
            diffs.push(FieldDiff {
                label: label.clone(),
                changed: !text.is_empty(),
                segments: diff_words(text, ""),
            });
        }
    }
    diffs
}

/// A word with the space before it.
struct Token<'a> {
    space: &'a str,
    word: &'a str,
}

fn tokens(text: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let word_start = rest.find(|c: char| !c.is_whitespace()).unwrap_or(rest.len());
        let (space, after) = rest.split_at(word_start);
        if after.is_empty() {
            break;
        }
        let word_end = after.find(char::is_whitespace).unwrap_or(after.len());
        let (word, tail) = after.split_at(word_end);
        out.push(Token { space, word });
        rest = tail;
    }
    out
}

/// Above this many cells (words × words) the longest common subsequence is not worked out:
/// the part is shown as all removed and all added.
const MAX_CELLS: usize = 12_000_000;

/// A word-level difference of two texts: the longest common subsequence of their words;
/// each word keeps the space before it (from the newer text where both have it). Adjacent
/// words of one kind make one segment.
pub fn diff_words(before: &str, after: &str) -> Vec<Segment> {
    let a = tokens(before);
    let b = tokens(after);
    // Common ends first: most edits touch a small part of a long text.
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x.word == y.word).count();
    let suffix =
        a[prefix..].iter().rev().zip(b[prefix..].iter().rev()).take_while(|(x, y)| x.word == y.word).count();
    let (a_mid, b_mid) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);

    let mut ops: Vec<(&'static str, &Token<'_>)> = Vec::with_capacity(a.len() + b.len());
    ops.extend(b[..prefix].iter().map(|t| ("same", t)));
    let (n, m) = (a_mid.len(), b_mid.len());
    if n.saturating_mul(m) > MAX_CELLS {
        ops.extend(a_mid.iter().map(|t| ("removed", t)));
        ops.extend(b_mid.iter().map(|t| ("added", t)));
    } else {
        // lengths[i][j]: the LCS of a_mid[i..] and b_mid[j..].
        let width = m + 1;
        let mut lengths = vec![0u32; (n + 1) * width];
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                lengths[i * width + j] = if a_mid[i].word == b_mid[j].word {
                    lengths[(i + 1) * width + j + 1] + 1
                } else {
                    lengths[(i + 1) * width + j].max(lengths[i * width + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < n && j < m {
            if a_mid[i].word == b_mid[j].word {
                ops.push(("same", &b_mid[j]));
                i += 1;
                j += 1;
            } else if lengths[(i + 1) * width + j] >= lengths[i * width + j + 1] {
                ops.push(("removed", &a_mid[i]));
                i += 1;
            } else {
                ops.push(("added", &b_mid[j]));
                j += 1;
            }
        }
        ops.extend(a_mid[i..].iter().map(|t| ("removed", t)));
        ops.extend(b_mid[j..].iter().map(|t| ("added", t)));
    }
    ops.extend(b[b.len() - suffix..].iter().map(|t| ("same", t)));

    let mut segments: Vec<Segment> = Vec::new();
    for (kind, token) in ops {
        match segments.last_mut() {
            Some(last) if last.kind == kind => {
                last.text.push_str(token.space);
                last.text.push_str(token.word);
            }
            // A text's first word follows the other text's words here: it needs a space.
            Some(_) => {
                let space = if token.space.is_empty() { " " } else { token.space };
                segments.push(Segment { kind, text: format!("{space}{}", token.word) });
            }
            None => segments.push(Segment { kind, text: token.word.to_owned() }),
        }
    }
    segments
}

/// The newer text as a difference shows it: the same and added segments.
pub fn after_text(segments: &[Segment]) -> String {
    let text: String = segments.iter().filter(|s| s.kind != "removed").map(|s| s.text.as_str()).collect();
    text.trim_start().to_owned()
}

/// The older text: the same and removed segments.
pub fn before_text(segments: &[Segment]) -> String {
    let text: String = segments.iter().filter(|s| s.kind != "added").map(|s| s.text.as_str()).collect();
    text.trim_start().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn words(text: &str) -> Vec<&str> {
        text.split_whitespace().collect()
    }

    fn sample() -> Content {
        Content {
            ambition: "  Everyone gets a timely assessment.\r\n\r\nNo waiting lists by 2027. ".into(),
            strengths: vec![
                Strength::default(),
                Strength {
                    statement: "Strengths-based practice".into(),
                    how_we_know: "Audit of 120 cases".into(),
                    improvement_work: String::new(),
                },
            ],
            improvements: vec![Improvement {
                area: "Carers' assessments".into(),
                how_we_know: "Waiting times".into(),
                work: "A carers' hub".into(),
            }],
            quotations: vec![Quotation { text: "They listened.".into(), source: "A carer".into() }],
            recognitions: String::new(),
            documents: vec![Document {
                title: "Strategy".into(),
                url: "https://example.org/s.pdf".into(),
                evidence_id: None,
            }],
            score: Some(3),
            rationale: "Mostly good.".into(),
        }
    }

    #[test]
    fn normalising_tidies_and_drops_empty_entries() {
        let c = sample().normalised();
        assert_eq!(c.ambition, "Everyone gets a timely assessment.\n\nNo waiting lists by 2027.");
        assert_eq!(c.strengths.len(), 1, "the empty first strength is dropped");
        assert_eq!(c.strengths[0].statement, "Strengths-based practice");
        assert_eq!(c.normalised(), c, "normalising twice changes nothing");
    }

    #[test]
    fn the_hash_is_of_the_canonical_text_and_stable() {
        let c = sample();
        assert_eq!(c.hash().len(), 64);
        assert_eq!(c.hash(), c.normalised().hash());
        assert_eq!(c.hash(), c.padded().hash(), "empty slots do not change the hash");
        let stored = c.canonical();
        assert_eq!(Content::from_canonical(&stored).unwrap().hash(), c.hash(), "a round trip keeps it");
        // Pinned: the canonical text and its hash must not change between releases, or
        // every stored verification would look void.
        let fixed = Content { ambition: "A".into(), score: Some(2), ..Content::default() };
        assert_eq!(
            fixed.canonical(),
            r#"{"ambition":"A","strengths":[],"improvements":[],"quotations":[],"recognitions":"","documents":[],"score":2,"rationale":""}"#
        );
        let mut hasher = Sha256::new();
        hasher.update(format!("{HASH_DOMAIN}{}", fixed.canonical()));
        assert_eq!(fixed.hash(), hex::encode(hasher.finalize()));
        let mut changed = c.clone();
        changed.score = Some(4);
        assert_ne!(changed.hash(), c.hash());
    }

    #[test]
    fn limits_and_pairs_are_checked_with_specific_messages() {
        let c = Content {
            ambition: "x".repeat(LONG_TEXT + 1),
            strengths: vec![Strength { how_we_know: "Audit".into(), ..Strength::default() }],
            quotations: vec![Quotation { text: String::new(), source: "A carer".into() }],
            documents: vec![
                Document { title: "Plan".into(), ..Document::default() },
                Document { title: "Policy".into(), url: "javascript:alert(1)".into(), ..Document::default() },
                Document { url: "https://example.org".into(), ..Document::default() },
            ],
            ..Content::default()
        };
        let problems = c.problems();
        let find = |field: &str| problems.iter().find(|p| p.field == field).map(|p| p.message.clone());
        assert_eq!(
            find("ambition").unwrap(),
            "Our ambition must be 5,000 characters or fewer (it has 5,001)"
        );
        assert!(find("strength_1_statement").unwrap().starts_with("Enter strength 1"));
        assert!(find("quotation_1_text").unwrap().starts_with("Enter quotation 1"));
        assert!(find("document_1_url").unwrap().starts_with("Enter the web address of document 1"));
        assert!(find("document_2_url").unwrap().contains("starting https://"));
        assert!(find("document_3_title").unwrap().starts_with("Enter the title of document 3"));
        assert!(sample().problems().is_empty(), "{:?}", sample().problems());
    }

    #[test]
    fn the_form_reads_back_what_it_shows() {
        let c = sample().normalised().padded();
        let map: HashMap<String, String> = form_fields(&c).into_iter().collect();
        let (read, problems) = read_form(&map);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(read.normalised(), c.normalised());
        let mut bad = map.clone();
        bad.insert("score".into(), "5".into());
        let (_, problems) = read_form(&bad);
        assert_eq!(problems[0].field, "score");
    }

    #[test]
    fn a_free_link_keeps_its_canonical_text_and_a_library_document_adds_its_id() {
        // Pinned: summaries verified before the evidence library existed held free links; their
        // canonical text (and so their hash) must not change.
        let link = Content {
            documents: vec![Document {
                title: "Plan".into(),
                url: "https://example.org/p".into(),
                evidence_id: None,
            }],
            ..Content::default()
        };
        assert_eq!(
            link.canonical(),
            r#"{"ambition":"","strengths":[],"improvements":[],"quotations":[],"recognitions":"","documents":[{"title":"Plan","url":"https://example.org/p"}],"score":null,"rationale":""}"#
        );
        let stored = link.canonical();
        assert_eq!(Content::from_canonical(&stored).unwrap().canonical(), stored, "read back unchanged");
        let id = Uuid::from_u128(7);
        let chosen = Content {
            documents: vec![Document { title: "Policy".into(), url: String::new(), evidence_id: Some(id) }],
            ..Content::default()
        };
        assert!(
            chosen.canonical().contains(&format!(r#"{{"title":"Policy","url":"","evidence_id":"{id}"}}"#))
        );
        assert_eq!(Content::from_canonical(&chosen.canonical()).unwrap(), chosen.normalised());
        assert!(chosen.problems().is_empty(), "a library document needs no web address");
    }

    #[test]
    fn library_choices_keep_their_order_and_refuse_what_is_not_in_the_library() {
        let (a, b, c, gone) =
            (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3), Uuid::from_u128(4));
        let entry =
            |id: Uuid, title: &str, withdrawn: bool| LibraryEntry { id, title: title.into(), withdrawn };
        let library =
            vec![entry(a, "A", false), entry(b, "B", false), entry(c, "C", true), entry(gone, "Old", true)];
        let previous = Content {
            documents: vec![
                Document { title: "Link".into(), url: "https://example.org".into(), evidence_id: None },
                Document { title: "B as it was".into(), url: String::new(), evidence_id: Some(b) },
                Document { title: "Old".into(), url: String::new(), evidence_id: Some(gone) },
            ],
            ..Content::default()
        };
        let form = |ids: &[&str]| -> HashMap<String, String> {
            let mut map: HashMap<String, String> = form_fields(&Content {
                documents: previous.links().into_iter().cloned().collect(),
                ..Content::default()
            })
            .into_iter()
            .collect();
            for id in ids {
                map.insert(format!("{EVIDENCE_PREFIX}{id}"), "yes".into());
            }
            map
        };
        let (content, problems) = read_form_with_library(
            &form(&[&a.to_string(), &b.to_string(), &gone.to_string()]),
            &previous,
            &library,
        );
        assert!(problems.is_empty(), "{problems:?}");
        let titles: Vec<&str> = content.documents.iter().map(|d| d.title.as_str()).collect();
        assert_eq!(titles, ["Link", "B as it was", "Old", "A"], "kept in place, a withdrawn one may stay");
        // The same choices again: the same content, so the same hash.
        let (again, _) =
            read_form_with_library(&form(&[&b.to_string(), &gone.to_string()]), &previous, &library);
        assert_eq!(again.hash(), previous.hash());
        // Not in the library, not an id, newly withdrawn: each refused.
        let (_, problems) = read_form_with_library(
            &form(&[&Uuid::from_u128(99).to_string(), "not-an-id", &c.to_string()]),
            &previous,
            &library,
        );
        let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
        assert!(problems.iter().all(|p| p.field == DOCUMENTS_FIELD), "{problems:?}");
        assert!(messages.contains(
            &"2 documents you chose are not in this assessment's evidence library: choose from the list"
        ));
        assert!(messages.iter().any(|m| m.contains("\u{201c}C\u{201d} is withdrawn")), "{messages:?}");
    }

    #[test]
    fn submission_needs_ambition_a_strength_a_score_and_why() {
        let fields: Vec<String> =
            Content::default().submission_problems().into_iter().map(|p| p.field).collect();
        assert_eq!(fields, ["ambition", "strength_1_statement", "score", "rationale"]);
        assert!(sample().submission_problems().is_empty());
    }

    #[test]
    fn the_state_machine() {
        use Action::*;
        use State::*;
        assert_eq!(next(Draft, Save), Ok(Draft));
        assert_eq!(next(Draft, Submit), Ok(Submitted));
        assert_eq!(next(Submitted, Return), Ok(Returned));
        assert_eq!(next(Returned, Save), Ok(Returned));
        assert_eq!(next(Returned, Submit), Ok(Submitted));
        assert_eq!(next(Submitted, Verify), Ok(Verified));
        assert_eq!(next(Verified, Save), Ok(Draft), "a change voids the verification");
        assert_eq!(next(Submitted, Withdraw), Ok(Draft));
        for refused in
            [(Submitted, Save), (Draft, Verify), (Returned, Verify), (Verified, Verify), (Draft, Return)]
        {
            assert!(next(refused.0, refused.1).is_err(), "{refused:?}");
        }
        assert!(next(Verified, Submit).is_err());
        for s in State::ALL {
            assert_eq!(State::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn a_verification_stands_only_for_the_content_verified() {
        assert_eq!(verification(State::Draft, None, "h1"), Verification::None);
        assert_eq!(verification(State::Verified, Some("h1"), "h1"), Verification::Valid);
        assert_eq!(verification(State::Verified, Some("h1"), "h2"), Verification::Void);
        assert_eq!(verification(State::Draft, Some("h1"), "h2"), Verification::Void);
        assert_eq!(verification(State::Submitted, Some("h1"), "h1"), Verification::Void);
        assert_eq!(rating_score(Some(3), Verification::Valid), Some((3, ScoreSource::Verified)));
        assert_eq!(rating_score(Some(3), Verification::Void), Some((3, ScoreSource::Proposed)));
        assert_eq!(rating_score(None, Verification::Valid), None);
    }

    #[test]
    fn a_word_level_difference() {
        let d = diff_words("We assess needs quickly and well.", "We assess needs well and fairly.");
        assert_eq!(before_text(&d), "We assess needs quickly and well.");
        assert_eq!(after_text(&d), "We assess needs well and fairly.");
        assert_eq!(d[0], Segment { kind: "same", text: "We assess needs".into() });
        assert!(d.iter().any(|s| s.kind == "removed" && s.text.contains("quickly")));
        assert!(d.iter().any(|s| s.kind == "added" && s.text.contains("fairly.")));
        assert_eq!(diff_words("", "New text"), vec![Segment { kind: "added", text: "New text".into() }]);
        assert_eq!(diff_words("Old", ""), vec![Segment { kind: "removed", text: "Old".into() }]);
        assert!(diff_words("", "").is_empty());
    }

    #[test]
    fn comparing_versions_labels_each_part() {
        let label = |s: u8| {
            ["", "significant shortfalls", "some shortfalls", "good", "exceptional"][s as usize].to_owned()
        };
        let old = sample();
        let mut new = sample();
        new.score = Some(2);
        new.quotations.clear();
        let diffs = compare(&old, &new, &label);
        let changed: Vec<&str> = diffs.iter().filter(|d| d.changed).map(|d| d.label.as_str()).collect();
        assert_eq!(changed, ["Proposed score", "Quotation 1", "Quotation 1: who said it"]);
        let score = diffs.iter().find(|d| d.label == "Proposed score").unwrap();
        assert_eq!(before_text(&score.segments), "3: good");
        assert_eq!(after_text(&score.segments), "2: some shortfalls");
    }

    proptest! {
        #[test]
        fn a_difference_rebuilds_both_texts_word_for_word(
            a in proptest::collection::vec("[a-c]{1,2}", 0..30),
            b in proptest::collection::vec("[a-c]{1,2}", 0..30),
        ) {
            let (a, b) = (a.join(" "), b.join(" "));
            let d = diff_words(&a, &b);
            let (before, after) = (before_text(&d), after_text(&d));
            prop_assert_eq!(words(&before), words(&a));
            prop_assert_eq!(words(&after), words(&b));
            // Minimal: as many words kept as the longest common subsequence allows, so two
            // equal texts show no change at all.
            if a == b {
                prop_assert!(d.iter().all(|s| s.kind == "same"));
            }
            // Segments alternate kinds.
            prop_assert!(d.windows(2).all(|w| w[0].kind != w[1].kind));
        }

        #[test]
        fn the_hash_ignores_surrounding_space_and_line_endings(
            ambition in "[a-z ]{0,40}",
            pad in "[ \t\r\n]{0,3}",
            score in proptest::option::of(1u8..=4),
        ) {
            let plain = Content { ambition: ambition.clone(), score, ..Content::default() };
            let padded = Content { ambition: format!("{pad}{ambition}{pad}"), score, ..Content::default() };
            prop_assert_eq!(plain.hash(), padded.hash());
            let crlf = Content { ambition: format!("{ambition}\r\nmore"), score, ..Content::default() };
            let lf = Content { ambition: format!("{ambition}\nmore"), score, ..Content::default() };
            prop_assert_eq!(crlf.hash(), lf.hash());
        }

        #[test]
        fn any_change_changes_the_hash(a in "[a-z]{1,20}", b in "[a-z]{1,20}") {
            prop_assume!(a != b);
            let x = Content { rationale: a, ..Content::default() };
            let y = Content { rationale: b, ..Content::default() };
            prop_assert_ne!(x.hash(), y.hash());
        }
    }
}
