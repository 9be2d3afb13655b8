//! Unit and property tests of the checker, and its measured precision and recall on a
//! generated, labelled corpus of synthetic sentences (no real person's details: NHS numbers
//! are random with a computed check digit, phone numbers are in Ofcom's ranges for drama,
//! names are common ones).

use super::*;
use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};

fn kinds(text: &str) -> Vec<(Kind, String)> {
    scan(text).into_iter().map(|f| (f.kind, f.text)).collect()
}

#[test]
fn nhs_numbers_need_their_check_digit() {
    // 943 476 5919 is the NHS's own example of a valid number.
    assert!(nhs_number_is_valid(&[9, 4, 3, 4, 7, 6, 5, 9, 1, 9]));
    assert!(!nhs_number_is_valid(&[9, 4, 3, 4, 7, 6, 5, 9, 1, 8]));
    assert_eq!(kinds("NHS no. 943 476 5919."), [(Kind::NhsNumber, "943 476 5919".to_owned())]);
    assert_eq!(kinds("NHS 9434765919"), [(Kind::NhsNumber, "9434765919".to_owned())]);
    assert_eq!(kinds("943-476-5919"), [(Kind::NhsNumber, "943-476-5919".to_owned())]);
    assert!(kinds("943 476 5918").is_empty(), "wrong check digit");
    assert!(kinds("99434765919").is_empty(), "part of eleven digits");
    assert!(kinds("£9434765919.50").is_empty() || kinds("£9434765919.50")[0].0 != Kind::NhsNumber);
}

#[test]
fn national_insurance_numbers_follow_the_prefix_rules() {
    assert_eq!(kinds("NI: AB123456C")[0].0, Kind::NationalInsuranceNumber);
    assert_eq!(kinds("NI: AB 12 34 56 C")[0].1, "AB 12 34 56 C");
    assert_eq!(kinds("JG103759A")[0].0, Kind::NationalInsuranceNumber);
    for bad in ["QQ123456C", "DA123456A", "AO123456B", "BG123456A", "GB123456A", "ZZ123456D", "AB123456E"] {
        assert!(kinds(bad).is_empty(), "{bad}");
    }
}

#[test]
fn emails_phones_postcodes() {
    assert_eq!(kinds("write to jo.bloggs@example.gov.uk.")[0].1, "jo.bloggs@example.gov.uk");
    for phone in [
        "01632 960123",
        "020 7946 0000",
        "0161 496 0000",
        "07700 900123",
        "+44 7700 900123",
        "+44 (0)20 7946 0000",
        "(01632) 960123",
        "+447700900123",
    ] {
        let found = kinds(&format!("Call {phone} today"));
        assert_eq!(found, [(Kind::PhoneNumber, phone.to_owned())], "{phone}");
    }
    for not_phone in ["in 2023 2024", "£1,234,567", "0.5 per cent", "page 0 of 12345678", "04 1234 5678"] {
        assert!(kinds(not_phone).iter().all(|(k, _)| *k != Kind::PhoneNumber), "{not_phone}");
    }
    for postcode in ["SW1A 1AA", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT", "EC1A 1BB", "W1A 0AX", "LS11AA"]
    {
        assert_eq!(kinds(&format!("at {postcode}.")), [(Kind::Postcode, postcode.to_owned())], "{postcode}");
    }
    for not_postcode in ["QS1 statement", "the M6 toll", "IR12 item", "Q3 2024", "ISO 9001"] {
        assert!(kinds(not_postcode).is_empty(), "{not_postcode}");
    }
}

#[test]
fn dates_only_near_a_birth_cue() {
    assert_eq!(kinds("DOB: 12/03/1948")[0], (Kind::DateOfBirth, "12/03/1948".to_owned()));
    assert_eq!(kinds("date of birth 3 March 1951")[0].1, "3 March 1951");
    assert_eq!(kinds("born on 1950-02-14 in Leeds")[0].1, "1950-02-14");
    assert_eq!(kinds("D.O.B. March 4, 1939")[0].1, "March 4, 1939");
    assert!(kinds("The board met on 12/03/2024.").is_empty());
    assert!(kinds("born and raised locally; reviewed 12/03/2024").is_empty(), "another sentence");
    assert!(kinds("DOB:\n12/03/1948").is_empty(), "another line");
}

#[test]
fn names_after_titles() {
    assert_eq!(kinds("Mrs Patel attended")[0].1, "Mrs Patel");
    assert_eq!(kinds("seen by Dr A. Okafor")[0].1, "Dr A. Okafor");
    assert_eq!(kinds("Mr John O'Brien")[0].1, "Mr John O'Brien");
    assert_eq!(kinds("Ms McDonald-Reid")[0].1, "Ms McDonald-Reid");
    assert!(kinds("Mr and Mrs fields of the form").is_empty());
    assert!(kinds("MR SMITH").is_empty(), "titles as written, not in capitals");
}

#[test]
fn findings_know_their_line_and_mask() {
    let found = scan("first line\nsecond: 943 476 5919\n");
    assert_eq!(found[0].location, Location::Line { line: 2 });
    assert_eq!(found[0].masked(), "94• ••• ••••");
    let segments = vec![
        (Location::Page { page: 3, line: 0 }, "a\nb\nMrs Patel".to_owned()),
        (Location::Cell { sheet: "Staff".into(), cell: "B7".into() }, "jo@example.org".to_owned()),
    ];
    let found = scan_segments(&segments);
    assert_eq!(found[0].location, Location::Page { page: 3, line: 3 });
    assert_eq!(found[1].location.describe(), "sheet 'Staff', cell B7");
}

proptest! {
    #[test]
    fn never_panics_and_offsets_hold(text in "\\PC{0,200}") {
        for f in scan(&text) {
            prop_assert_eq!(&text[f.start..f.end], f.text.as_str());
        }
    }

    #[test]
    fn every_valid_nhs_number_is_found(first in 0u32..1_000_000_000, style in 0usize..3, prefix in "[a-zA-Z ,:]{0,20}") {
        let mut digits: Vec<u8> = format!("{first:09}").bytes().map(|b| b - b'0').collect();
        let sum: u32 = digits.iter().zip((2..=10).rev()).map(|(d, w)| u32::from(*d) * w).sum();
        let check = match 11 - sum % 11 { 11 => 0, c => c };
        prop_assume!(check != 10);
        digits.push(check as u8);
        let number = format_nhs(&digits, style);
        let text = format!("{prefix} {number} end");
        prop_assert!(scan(&text).iter().any(|f| f.kind == Kind::NhsNumber && f.text == number), "{}", text);
    }

    #[test]
    fn no_ten_digits_with_a_wrong_check_digit_is_an_nhs_number(first in 0u32..1_000_000_000, wrong in 0u8..10, style in 0usize..3) {
        let digits: Vec<u8> = format!("{first:09}").bytes().map(|b| b - b'0').collect();
        let mut all = digits.clone();
        all.push(wrong);
        let array: [u8; 10] = all.clone().try_into().unwrap_or([0; 10]);
        prop_assume!(!nhs_number_is_valid(&array));
        let text = format!("ref {} end", format_nhs(&all, style));
        prop_assert!(scan(&text).iter().all(|f| f.kind != Kind::NhsNumber), "{}", text);
    }
}

fn format_nhs(digits: &[u8], style: usize) -> String {
    let s: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
    match style {
        0 => s,
        1 => format!("{} {} {}", &s[..3], &s[3..6], &s[6..]),
        _ => format!("{}-{}-{}", &s[..3], &s[3..6], &s[6..]),
    }
}

// ---------------------------------------------------------------------------------------
// The labelled corpus.

/// One sentence and the personal information it holds (kind and exact text).
struct Sample {
    text: String,
    expected: Vec<(Kind, String)>,
    /// Look-alikes that must not be reported (for the NHS target: none on invalid numbers).
    lookalike: Option<Kind>,
}

const FIRST: &[&str] =
    &["Amira", "John", "Siobhan", "Wei", "Oluwaseun", "Gareth", "Priya", "Tomasz", "Fatima", "Eleanor"];
const SURNAMES: &[&str] = &[
    "Patel",
    "Smith",
    "O'Brien",
    "Okafor",
    "Nowak",
    "McDonald",
    "Hughes",
    "Khan",
    "Evans",
    "Williams-Clarke",
    "Zhang",
];
const TITLES: &[&str] = &["Mr", "Mrs", "Ms", "Miss", "Mx", "Dr", "Dr.", "Mrs.", "Prof", "Revd"];
const DOMAINS: &[&str] = &[
    "example.gov.uk",
    "council.example.org",
    "nhs.example.net",
    "gmail.example.com",
    "carers-centre.org.uk",
];

fn valid_nhs(rng: &mut StdRng) -> Vec<u8> {
    loop {
        let mut digits: Vec<u8> = (0..9).map(|_| rng.random_range(0..10)).collect();
        digits[0] = rng.random_range(4..8);
        let sum: u32 = digits.iter().zip((2..=10).rev()).map(|(d, w)| u32::from(*d) * w).sum();
        let check = match 11 - sum % 11 {
            11 => 0,
            10 => continue,
            c => c as u8,
        };
        digits.push(check);
        return digits;
    }
}

fn letter(rng: &mut StdRng, from: &[u8]) -> char {
    char::from(*from.choose(rng).unwrap_or(&b'A'))
}

fn valid_nino(rng: &mut StdRng) -> String {
    let firsts: Vec<u8> = (b'A'..=b'Z').filter(|b| !b"DFIQUV".contains(b)).collect();
    let seconds: Vec<u8> = (b'A'..=b'Z').filter(|b| !b"DFIOQUV".contains(b)).collect();
    loop {
        let prefix = format!("{}{}", letter(rng, &firsts), letter(rng, &seconds));
        if ["BG", "GB", "KN", "NK", "NT", "TN", "ZZ"].contains(&prefix.as_str()) {
            continue;
        }
        let d: Vec<u32> = (0..6).map(|_| rng.random_range(0..10)).collect();
        let suffix = letter(rng, b"ABCD");
        return match rng.random_range(0..4) {
            0 => format!("{prefix}{}{}{}{}{}{}{suffix}", d[0], d[1], d[2], d[3], d[4], d[5]),
            1 => format!("{prefix} {}{} {}{} {}{} {suffix}", d[0], d[1], d[2], d[3], d[4], d[5]),
            2 => format!("{prefix} {}{}{}{}{}{} {suffix}", d[0], d[1], d[2], d[3], d[4], d[5]),
            _ => format!("{prefix}{}{}{}{}{}{}", d[0], d[1], d[2], d[3], d[4], d[5]),
        };
    }
}

fn invalid_nino(rng: &mut StdRng) -> String {
    let d: u32 = rng.random_range(100_000..1_000_000);
    let prefix = match rng.random_range(0..3) {
        0 => format!("{}{}", letter(rng, b"DFIQUV"), letter(rng, b"ABCEGHJ")),
        1 => format!("{}{}", letter(rng, b"ABCEGHJ"), letter(rng, b"DFIOQUV")),
        _ => ["BG", "GB", "KN", "NK", "NT", "TN", "ZZ"].choose(rng).unwrap_or(&"ZZ").to_string(),
    };
    format!("{prefix}{d}{}", letter(rng, b"ABCD"))
}

fn digits(rng: &mut StdRng, n: usize) -> String {
    (0..n).map(|_| char::from(b'0' + rng.random_range(0..10u8))).collect()
}

fn phone(rng: &mut StdRng) -> String {
    match rng.random_range(0..9) {
        0 => format!("01632 960{}", digits(rng, 3)),
        1 => format!("020 7946 0{}", digits(rng, 3)),
        2 => format!("0113 496 0{}", digits(rng, 3)),
        3 => format!("0161-496-0{}", digits(rng, 3)),
        4 => format!("07700 900{}", digits(rng, 3)),
        5 => format!("07700900{}", digits(rng, 3)),
        6 => format!("+44 7700 900{}", digits(rng, 3)),
        7 => format!("+44 (0)20 7946 0{}", digits(rng, 3)),
        _ => format!("(01632) 960{}", digits(rng, 3)),
    }
}

fn postcode(rng: &mut StdRng) -> String {
    let first = b"ABCDEFGHJKLMNOPRSTUWYZ";
    let second = b"ABCDEFGHKLMNOPQRSTUVWXY";
    let third = b"ABCDEFGHJKPSTUW";
    let fourth = b"ABEHMNPRVWXY";
    let inward = b"ABDEFGHJLNPQRSTUWXYZ";
    let n = |rng: &mut StdRng| rng.random_range(0..10u32);
    let outward = match rng.random_range(0..6) {
        0 => format!("{}{}", letter(rng, first), n(rng)),
        1 => format!("{}{}{}", letter(rng, first), rng.random_range(1..10u32), n(rng)),
        2 => format!("{}{}{}", letter(rng, first), letter(rng, second), n(rng)),
        3 => format!("{}{}{}{}", letter(rng, first), letter(rng, second), rng.random_range(1..10u32), n(rng)),
        4 => format!("{}{}{}", letter(rng, first), n(rng), letter(rng, third)),
        _ => format!("{}{}{}{}", letter(rng, first), letter(rng, second), n(rng), letter(rng, fourth)),
    };
    format!("{outward} {}{}{}", n(rng), letter(rng, inward), letter(rng, inward))
}

fn birth_date(rng: &mut StdRng) -> String {
    let (d, m, y) = (rng.random_range(1..29u32), rng.random_range(1..13u32), rng.random_range(1925..2005u32));
    let months = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let month = months[(m - 1) as usize];
    match rng.random_range(0..5) {
        0 => format!("{d:02}/{m:02}/{y}"),
        1 => format!("{d}-{m}-{y}"),
        2 => format!("{y}-{m:02}-{d:02}"),
        3 => format!("{d} {month} {y}"),
        _ => format!("{month} {d}, {y}"),
    }
}

fn person(rng: &mut StdRng) -> String {
    let title = TITLES.choose(rng).unwrap_or(&"Mr");
    let surname = SURNAMES.choose(rng).unwrap_or(&"Smith");
    match rng.random_range(0..3) {
        0 => format!("{title} {surname}"),
        1 => format!("{title} {} {surname}", FIRST.choose(rng).unwrap_or(&"John")),
        _ => format!("{title} {}. {surname}", letter(rng, b"ABCDEGHJKLMNPRSTW")),
    }
}

fn pick<'a>(rng: &mut StdRng, items: &[&'a str]) -> &'a str {
    items.choose(rng).copied().unwrap_or_default()
}

fn sample(text: String, expected: Vec<(Kind, String)>) -> Sample {
    Sample { text, expected, lookalike: None }
}

fn lookalike(text: String, kind: Kind) -> Sample {
    Sample { text, expected: vec![], lookalike: Some(kind) }
}

/// The corpus: `per_kind` true cases of each kind (some sentences holding two), the same
/// number of look-alikes of each kind, and everyday sentences with no personal information.
fn corpus(per_kind: usize, seed: u64) -> Vec<Sample> {
    let mut rng = StdRng::seed_from_u64(seed);
    let rng = &mut rng;
    let mut out = Vec::new();
    for i in 0..per_kind {
        let nhs = format_nhs(&valid_nhs(rng), i % 3);
        let lead = pick(rng, &["NHS number", "NHS no.", "Patient", "Ref", "Client record"]);
        out.push(sample(
            format!("{lead} {nhs} was referred to the reablement team."),
            vec![(Kind::NhsNumber, nhs)],
        ));

        let nino = valid_nino(rng);
        out.push(sample(
            format!(
                "{} {nino} on the direct payment agreement.",
                pick(rng, &["NI number", "NINO:", "National Insurance"])
            ),
            vec![(Kind::NationalInsuranceNumber, nino)],
        ));

        let name =
            format!("{}.{}", pick(rng, FIRST), pick(rng, &["smith", "patel", "obrien", "khan", "evans"]))
                .to_lowercase();
        let email = format!("{name}{}@{}", rng.random_range(0..100), pick(rng, DOMAINS));
        out.push(sample(
            format!("Contact {email} about the carer's assessment."),
            vec![(Kind::EmailAddress, email)],
        ));

        let number = phone(rng);
        out.push(sample(
            format!(
                "{} {number} {}",
                pick(rng, &["Her daughter can be reached on", "Tel:", "Mobile", "Call"]),
                pick(rng, &["after 5pm.", "for the review.", "(evenings)."])
            ),
            vec![(Kind::PhoneNumber, number)],
        ));

        let pc = postcode(rng);
        out.push(sample(
            format!(
                "{} Road, {}, {pc}.",
                rng.random_range(1..200),
                pick(rng, &["Hartlepool", "Leeds", "Croydon", "Truro"])
            ),
            vec![(Kind::Postcode, pc)],
        ));

        let dob = birth_date(rng);
        let cue = pick(rng, &["DOB:", "D.O.B.", "Date of birth", "born on", "Born", "date of birth:"]);
        out.push(sample(format!("{cue} {dob}; lives alone with support."), vec![(Kind::DateOfBirth, dob)]));

        let who = person(rng);
        out.push(sample(
            format!(
                "{} {who} {}",
                pick(rng, &["A complaint from", "Visit by", "Feedback from", "Letter to"]),
                pick(rng, &["about the delay.", "was upheld.", "on Tuesday."])
            ),
            vec![(Kind::NameAfterTitle, who)],
        ));

        // Two at once.
        let who = person(rng);
        let number = phone(rng);
        out.push(sample(
            format!("{who} asked us to ring {number}."),
            vec![(Kind::NameAfterTitle, who), (Kind::PhoneNumber, number)],
        ));

        // Look-alikes.
        let mut wrong = valid_nhs(rng);
        wrong[9] = (wrong[9] + rng.random_range(1..10)) % 10;
        out.push(lookalike(format!("Case reference {} closed.", format_nhs(&wrong, i % 3)), Kind::NhsNumber));
        let mut ten = valid_nhs(rng);
        ten.truncate(9);
        ten.push(0);
        let ten = format_nhs(&ten, i % 3);
        let ten_digits: Vec<u8> = ten.bytes().filter(u8::is_ascii_digit).map(|b| b - b'0').collect();
        if !nhs_number_is_valid(&ten_digits.try_into().unwrap_or([0; 10])) {
            out.push(lookalike(format!("Invoice {ten} paid in full."), Kind::NhsNumber));
        }
        out.push(lookalike(format!("Form {} rejected.", invalid_nino(rng)), Kind::NationalInsuranceNumber));
        out.push(lookalike(
            format!(
                "{} people were supported, {} more than in {}.",
                rng.random_range(1_000..99_999),
                rng.random_range(10..999),
                rng.random_range(2015..2025)
            ),
            Kind::PhoneNumber,
        ));
        out.push(lookalike(
            format!(
                "Budget £{},{:03},{:03} in {}/{}.",
                rng.random_range(1..99),
                rng.random_range(0..1000),
                rng.random_range(0..1000),
                rng.random_range(2020..2026),
                rng.random_range(20..27)
            ),
            Kind::PhoneNumber,
        ));
        out.push(lookalike(
            format!(
                "See {} and QS{} in the {} return.",
                pick(rng, &["IR12", "IR5", "IR34", "the A1 road", "the M62"]),
                rng.random_range(1..10),
                pick(rng, &["Q1", "Q3", "2024"])
            ),
            Kind::Postcode,
        ));
        let meeting = birth_date(rng);
        out.push(lookalike(format!("The board met on {meeting} and agreed the plan."), Kind::DateOfBirth));
        out.push(lookalike(
            format!(
                "Titles offered on the form: {}.",
                pick(rng, &["Mr and Mrs", "Mr, Mrs, Ms or Mx", "Dr or other", "Miss or Ms"])
            ),
            Kind::NameAfterTitle,
        ));
        out.push(lookalike(
            format!(
                "{} see pages {}–{} of the {} strategy.",
                pick(rng, &["Please", "Also"]),
                rng.random_range(1..20),
                rng.random_range(20..40),
                pick(rng, &["carers", "prevention", "workforce"])
            ),
            Kind::PhoneNumber,
        ));
    }
    out
}

/// Precision and recall per kind, on a corpus.
/// Per kind: (kind, found, false positives, missed).
type Table = Vec<(Kind, usize, usize, usize)>;

fn measure(samples: &[Sample]) -> (Table, Vec<String>) {
    let mut table: Vec<(Kind, usize, usize, usize)> = Kind::ALL.iter().map(|k| (*k, 0, 0, 0)).collect();
    let mut notes = Vec::new();
    for s in samples {
        let found = scan(&s.text);
        let mut matched = vec![false; found.len()];
        for (kind, text) in &s.expected {
            let Some(start) = s.text.find(text.as_str()) else { continue };
            let end = start + text.len();
            let hit = found.iter().position(|f| f.kind == *kind && f.start < end && start < f.end);
            let index = Kind::ALL.iter().position(|k| k == kind).unwrap_or(0);
            match hit {
                Some(i) => {
                    matched[i] = true;
                    table[index].1 += 1;
                }
                None => {
                    table[index].3 += 1;
                    notes.push(format!("missed {kind:?} {text:?} in {:?}", s.text));
                }
            }
        }
        for (f, m) in found.iter().zip(&matched) {
            if !m {
                let index = Kind::ALL.iter().position(|k| *k == f.kind).unwrap_or(0);
                table[index].2 += 1;
                notes.push(format!(
                    "false {:?} {:?} in {:?} (look-alike of {:?})",
                    f.kind, f.text, s.text, s.lookalike
                ));
            }
        }
    }
    (table, notes)
}

#[test]
fn precision_and_recall_on_the_labelled_corpus() {
    let samples = corpus(500, 20260101);
    let (table, notes) = measure(&samples);
    let true_cases: usize = samples.iter().map(|s| s.expected.len()).sum();
    let lookalikes = samples.iter().filter(|s| s.lookalike.is_some()).count();
    println!("corpus: {} sentences, {true_cases} true cases, {lookalikes} look-alikes", samples.len());
    println!("| kind | true cases | found | false positives | precision | recall |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: |");
    let (mut tp_all, mut fn_all) = (0, 0);
    for (kind, tp, fp, missed) in &table {
        let precision = if tp + fp == 0 { 1.0 } else { *tp as f64 / (*tp + *fp) as f64 };
        let recall = if tp + missed == 0 { 1.0 } else { *tp as f64 / (*tp + *missed) as f64 };
        println!(
            "| {} | {} | {tp} | {fp} | {:.1} % | {:.1} % |",
            kind.label(),
            tp + missed,
            precision * 100.0,
            recall * 100.0
        );
        tp_all += tp;
        fn_all += missed;
    }
    for note in notes.iter().take(40) {
        println!("{note}");
    }
    let recall = tp_all as f64 / (tp_all + fn_all) as f64;
    println!("overall recall {:.2} %", recall * 100.0);
    assert!(recall >= 0.99, "recall {recall} is below 99 %");
    let nhs_false = table.iter().find(|r| r.0 == Kind::NhsNumber).map(|r| r.2).unwrap_or(0);
    assert_eq!(nhs_false, 0, "no false positives on invalid NHS numbers");
    for (kind, tp, fp, _) in &table {
        let precision = if tp + fp == 0 { 1.0 } else { *tp as f64 / (*tp + *fp) as f64 };
        assert!(precision >= 0.95, "{kind:?} precision {precision}");
    }
}

/// Sentences written by hand the way case notes, complaints and reports are written, with the
/// personal information each holds. Some are beyond the rules on purpose (a postcode in lower
/// case, an address written out, "0044", a year of birth alone) and some tempt a false
/// positive (an organisation named after a doctor), so the figures are not flattered.
const HANDWRITTEN: &[(&str, &[(Kind, &str)])] = &[
    ("Mrs. J. Smith rang about her husband's care package.", &[(Kind::NameAfterTitle, "Mrs. J. Smith")]),
    ("Her GP, Dr Ahmed, has been informed.", &[(Kind::NameAfterTitle, "Dr Ahmed")]),
    (
        "NHS number 943 476 5919, DOB 12.3.48.",
        &[(Kind::NhsNumber, "943 476 5919"), (Kind::DateOfBirth, "12.3.48")],
    ),
    ("NI no. ab 12 34 56 c on file.", &[(Kind::NationalInsuranceNumber, "ab 12 34 56 c")]),
    ("Tel. 0161 4960000 ext 23", &[(Kind::PhoneNumber, "0161 4960000")]),
    ("call 01632960123 after six", &[(Kind::PhoneNumber, "01632960123")]),
    ("or on +44 161 496 0000", &[(Kind::PhoneNumber, "+44 161 496 0000")]),
    ("or on 0044 161 496 0000", &[(Kind::PhoneNumber, "0044 161 496 0000")]),
    ("Lives at 14 Acacia Avenue, ls1 4ap.", &[(Kind::Postcode, "ls1 4ap")]),
    ("Lives at 14 Acacia Avenue, LS1 4AP.", &[(Kind::Postcode, "LS1 4AP")]),
    ("born in the spring of 1950", &[(Kind::DateOfBirth, "1950")]),
    ("date of birth: 1st May 1937", &[(Kind::DateOfBirth, "1st May 1937")]),
    ("She was born on the 3rd of June 1944 in Hull.", &[(Kind::DateOfBirth, "3rd of June 1944")]),
    ("email: j.smith at example dot com", &[(Kind::EmailAddress, "j.smith at example dot com")]),
    ("Send it to ADULTS.TEAM@EXAMPLE.GOV.UK please", &[(Kind::EmailAddress, "ADULTS.TEAM@EXAMPLE.GOV.UK")]),
    ("Call the switchboard on 01632 960000.", &[(Kind::PhoneNumber, "01632 960000")]),
    ("Visit us at the Civic Centre, TS24 8AY.", &[(Kind::Postcode, "TS24 8AY")]),
    ("Complaint from Mr and Mrs Okafor about charges.", &[(Kind::NameAfterTitle, "Mrs Okafor")]),
    ("Mx Taylor-Brown asked for an advocate.", &[(Kind::NameAfterTitle, "Mx Taylor-Brown")]),
    ("Prof. Chen chairs the safeguarding board.", &[(Kind::NameAfterTitle, "Prof. Chen")]),
    ("The review (ref 2024/00123) closed on 12/03/2024.", &[]),
    ("Waiting times fell from 42 to 28 days in 2024/25.", &[]),
    ("Section 42 enquiries rose by 12% (1,204 in 2023, 1,348 in 2024).", &[]),
    ("The Dr Foster Unit publishes hospital data.", &[]),
    ("Staff at the Sir Robert Peel Hospital were consulted.", &[]),
    ("See IR5, IR12 and QS4 for the pathways.", &[]),
    ("Budget £12,345,678 for 2025/26.", &[]),
    ("Our carers strategy runs 2024 to 2027 (pages 12–14).", &[]),
    ("The born-digital records were reviewed on 1 April 2024.", &[]),
    ("Contract ref 4010232137 was handed back.", &[]),
    ("Contract ref 4010232138 was handed back.", &[]),
    ("Phone numbers in the leaflet were checked on 03/04/2025.", &[]),
    ("Between 01/04/2024 and 31/03/2025, 3,250 assessments were completed.", &[]),
    ("Mr Men books were used in the easy-read session.", &[(Kind::NameAfterTitle, "Mr Men")]),
    ("Item 7: Ms Kaur to circulate the minutes.", &[(Kind::NameAfterTitle, "Ms Kaur")]),
    ("Mobile 07700 900 123 (daughter).", &[(Kind::PhoneNumber, "07700 900 123")]),
    ("Room 0113 is booked; ring 0113 496 0000 to change it.", &[(Kind::PhoneNumber, "0113 496 0000")]),
    ("NINO JG 10 37 59 A", &[(Kind::NationalInsuranceNumber, "JG 10 37 59 A")]),
    ("Born 04/07/1939, widowed, lives alone.", &[(Kind::DateOfBirth, "04/07/1939")]),
    ("Client ID 7654321 (not an NHS number).", &[]),
];

#[test]
fn precision_and_recall_on_handwritten_sentences() {
    let samples: Vec<Sample> = HANDWRITTEN
        .iter()
        .map(|(text, expected)| Sample {
            text: (*text).to_owned(),
            expected: expected.iter().map(|(k, t)| (*k, (*t).to_owned())).collect(),
            lookalike: None,
        })
        .collect();
    let (table, notes) = measure(&samples);
    println!("handwritten: {} sentences", samples.len());
    println!("| kind | true cases | found | false positives | precision | recall |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: |");
    let (mut tp_all, mut fp_all, mut fn_all) = (0, 0, 0);
    for (kind, tp, fp, missed) in &table {
        let precision = if tp + fp == 0 { 1.0 } else { *tp as f64 / (*tp + *fp) as f64 };
        let recall = if tp + missed == 0 { 1.0 } else { *tp as f64 / (*tp + *missed) as f64 };
        println!(
            "| {} | {} | {tp} | {fp} | {:.0} % | {:.0} % |",
            kind.label(),
            tp + missed,
            precision * 100.0,
            recall * 100.0
        );
        tp_all += tp;
        fp_all += fp;
        fn_all += missed;
    }
    for note in &notes {
        println!("{note}");
    }
    println!("all kinds: {tp_all} found, {fp_all} false positives, {fn_all} missed");
    // The known misses and false positives, written down: a change to the rules that loses
    // more (or gains) shows here.
    assert!(fn_all <= 2, "missed {fn_all}: {notes:#?}");
    assert!(fp_all <= 3, "false positives {fp_all}: {notes:#?}");
}

#[test]
fn kinds_in_words_for_warnings() {
    assert_eq!(
        super::kinds("Write to j.smith@example.org or ring 01632 960123"),
        [Kind::EmailAddress, Kind::PhoneNumber]
    );
    assert!(super::kinds("Contract 943 476 5918").is_empty(), "a wrong check digit is no NHS number");
    assert_eq!(describe_kinds(&[]), "");
    assert_eq!(describe_kinds(&[Kind::NhsNumber]), "an NHS number");
    assert_eq!(describe_kinds(&[Kind::EmailAddress, Kind::Postcode]), "an email address and a postcode");
    assert_eq!(
        describe_kinds(&[Kind::NhsNumber, Kind::Postcode, Kind::DateOfBirth]),
        "an NHS number, a postcode and a date of birth"
    );
}
