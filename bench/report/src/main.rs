//! Times the report renderers (issue 8) on a report the size of the demo council's: Section A
//! of about 2,000 words, nine quality statement parts of 750 words, Section C with a table of
//! responses by group and ten Stage 1 charts (diverging bars, ten rows each) with their
//! tables, and a 60-row Section D evidence table. Driven by `bench/report.sh`; links selfassess
//! with its `pdf` feature.
//!
//!   report [RUNS]        (default 30 runs of each, after 3 warm-up runs)
//!
//! Then the same for the demo council itself (`selfassess demo`, 300 respondents, in a
//! temporary SQLite database): reading the draft, the analysis and the library and composing
//! the document, then each format, as the export does.
//!
//! Prints, for each format, the median, p95 and slowest time in milliseconds and the output
//! size. "docx (charts cached)" is the usual case (the charts' PNGs are kept by hash of their
//! SVG across exports); "docx (cold)" draws all ten charts again each time.

use std::time::{Duration, Instant};

use selfassess::report::render::{docx, html, pack, raster, sample};

fn main() {
    let runs: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(30).max(1);
    let doc = sample::report(sample::Size::DEMO);
    let words: usize = doc
        .blocks
        .iter()
        .map(|b| match b {
            selfassess::report::document::Block::Paragraph { text } => text.split_whitespace().count(),
            selfassess::report::document::Block::Bullets { items } => {
                items.iter().map(|i| i.split_whitespace().count()).sum()
            }
            _ => 0,
        })
        .sum();
    println!(
        "report: {} blocks, {} headings, about {words} words of prose; {runs} runs each (release build)",
        doc.blocks.len(),
        doc.headings().len()
    );
    println!("{:<24} {:>10} {:>10} {:>10} {:>12}", "format", "median ms", "p95 ms", "max ms", "size");

    let docx_bytes = time("docx (charts cached)", runs, || docx::render(&doc).expect("docx"));
    time("docx (cold)", runs, || {
        raster::clear_cache();
        docx::render(&doc).expect("docx")
    });
    time("charts only (10, cold)", runs, || {
        let mut total = 0;
        for block in &doc.blocks {
            if let selfassess::report::document::Block::Chart(c) = block {
                total += raster::draw(&c.id, &c.svg).expect("chart").bytes.len();
            }
        }
        vec![0u8; total]
    });
    let html_bytes = time("html", runs, || html::render(&doc).into_bytes());
    let mut entries = vec![("report.docx".to_string(), docx_bytes), ("report.html".to_string(), html_bytes)];
    let pdf_runs = runs.min(20);
    let pdf = time("pdf", pdf_runs, || selfassess::report::render::pdf::render(&doc).expect("pdf"));
    entries.push(("report.pdf".to_string(), pdf));
    time("zip pack (rendered files)", runs, || pack::zip(&entries).expect("zip"));
    demo_council(runs);
}

/// The demo council's own document: made by `selfassess demo` in a temporary database, read
/// and composed as an export does, then rendered.
fn demo_council(runs: usize) {
    use selfassess::report::{compose, service};
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a runtime");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (db, frameworks, actor, assessment) = runtime.block_on(async {
        let url = selfassess::config::DatabaseUrl::default_in(dir.path());
        let db = selfassess::db::Db::connect(&url).await.expect("open the database");
        db.migrate().await.expect("migrate");
        let frameworks = selfassess::framework::Frameworks::shipped().expect("frameworks");
        let demo = selfassess::engagement::demo::create(&db, &frameworks, 300, 2026).await.expect("the demo");
        let email = &demo.people.iter().find(|(role, _, _)| *role == "assessment lead").expect("a lead").1;
        let user = selfassess::accounts::store::user_by_email(&db, email).await.expect("db").expect("the lead");
        let via = selfassess::accounts::actor::Via::ApiToken { id: uuid::Uuid::nil() };
        let actor =
            selfassess::accounts::service::load_actor(&db, user.id, via).await.expect("db").expect("the lead");
        (db, frameworks, actor, demo.assessment_id)
    });
    let evidence = selfassess::evidence::storage::Evidence::default();
    let today = time::OffsetDateTime::now_utc().date();
    let read = || {
        runtime.block_on(async {
            let inputs =
                service::inputs(&db, &frameworks, &evidence, &actor, assessment).await.expect("the draft");
            compose::document(&inputs, "Demo Borough Council", today)
        })
    };
    let doc = read();
    println!();
    println!(
        "the demo council's document: {} blocks, {} headings; {runs} runs each",
        doc.blocks.len(),
        doc.headings().len()
    );
    println!("{:<24} {:>10} {:>10} {:>10} {:>12}", "step", "median ms", "p95 ms", "max ms", "size");
    time("read and compose", runs, || serde_json::to_vec(&read()).expect("json"));
    time("docx (charts cached)", runs, || docx::render(&doc).expect("docx"));
    time("docx (cold)", runs, || {
        raster::clear_cache();
        docx::render(&doc).expect("docx")
    });
    time("html", runs, || html::render(&doc).into_bytes());
    time("pdf", runs.min(20), || selfassess::report::render::pdf::render(&doc).expect("pdf"));
}

/// Runs `f` three times to warm up, then `runs` times; prints the figures and returns the
/// last output.
fn time(name: &str, runs: usize, mut f: impl FnMut() -> Vec<u8>) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..3 {
        out = f();
    }
    let mut times: Vec<Duration> = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        out = f();
        times.push(start.elapsed());
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let at = |q: f64| times[((times.len() as f64 * q).ceil() as usize).clamp(1, times.len()) - 1];
    println!(
        "{name:<24} {:>10.1} {:>10.1} {:>10.1} {:>9} KB",
        ms(at(0.5)),
        ms(at(0.95)),
        ms(times[times.len() - 1]),
        out.len() / 1024
    );
    out
}
