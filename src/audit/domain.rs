//! The audit trail's pure parts: the types, the canonical encoding and hash of an entry, the
//! check that keeps secrets and free text out of summaries, and the chain walk that `verify`
//! feeds entries into. Nothing here touches the database.

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

/// The `prev_hash` of the first entry, and the head's hash while the log is empty (the
/// migration writes it into `audit_head`).
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The largest canonical summary accepted, in bytes. Summaries are short before/after notes;
/// anything longer is more likely a pasted free-text answer than a summary.
pub const MAX_SUMMARY_BYTES: usize = 4096;

/// The most entries [`super::list`] returns at once.
pub const MAX_LIST_LIMIT: u32 = 500;

/// Key fragments (compared case-insensitively) a summary may never contain, at any depth:
/// passwords and their hashes, secrets and tokens, and respondents' free-text answers.
pub const FORBIDDEN_KEY_PARTS: &[&str] =
    &["password", "passwd", "passphrase", "secret", "token_hash", "csrf", "free_text", "answer_text"];

/// Keys (compared case-insensitively) a summary may never contain: a bare token is a
/// credential.
pub const FORBIDDEN_KEYS: &[&str] = &["token", "api_key"];

/// Who made a change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditActor {
    /// The signed-in person, or `None` for the command line and the system itself.
    pub user_id: Option<Uuid>,
    /// Their name as shown at the time, e.g. "Ada Lovelace" or "command line".
    pub name: String,
}

impl AuditActor {
    /// A signed-in person.
    pub fn user(user_id: Uuid, name: impl Into<String>) -> AuditActor {
        AuditActor { user_id: Some(user_id), name: name.into() }
    }

    /// Someone running a `selfassess` command on the server.
    pub fn command_line() -> AuditActor {
        AuditActor { user_id: None, name: "command line".to_owned() }
    }
}

/// One change to data, as a use case describes it to [`super::record`].
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    /// The council the change belongs to; `None` for platform-wide changes.
    pub council_id: Option<Uuid>,
    pub actor: AuditActor,
    /// "council", "user", "membership", "invitation", "api_token", ...
    pub entity: &'static str,
    pub entity_id: String,
    /// "create", "update", "revoke", "accept", "sign_in", ...
    pub action: &'static str,
    /// A short before/after, e.g. `{"role": {"before": null, "after": "viewer"}}`. Never
    /// passwords, secrets, token hashes or respondents' free text: see [`check_summary`].
    pub summary: Value,
}

/// `{"before": before, "after": after}`, the usual shape of one field's change.
pub fn before_after(before: impl Into<Value>, after: impl Into<Value>) -> Value {
    serde_json::json!({ "before": before.into(), "after": after.into() })
}

/// One entry of the audit log, as listed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub id: Uuid,
    /// RFC 3339 UTC with microseconds, e.g. "2026-11-22T19:58:24.964293Z".
    pub at: String,
    pub council_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    pub actor_name: String,
    pub entity: String,
    pub entity_id: String,
    pub action: String,
    /// The stored summary; if the stored text is not JSON (a tampered row) it is given as a
    /// JSON string holding that text.
    pub summary: Value,
}

/// What to list. `Default` is every council's newest 50 entries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditFilter {
    /// Only this council's entries; `None` = all councils (platform administrators).
    pub council_id: Option<Uuid>,
    /// Only this entity ("user", "invitation", ...).
    pub entity: Option<String>,
    /// Only this action ("create", "revoke", ...).
    pub action: Option<String>,
    /// Only entries whose actor's name contains this text (case-insensitive for ASCII).
    pub actor: Option<String>,
    /// Paging, newest first: only entries older than this seq.
    pub before_seq: Option<i64>,
    /// At most this many entries (capped at [`MAX_LIST_LIMIT`]).
    pub limit: u32,
}

impl Default for AuditFilter {
    fn default() -> Self {
        AuditFilter { council_id: None, entity: None, action: None, actor: None, before_seq: None, limit: 50 }
    }
}

/// The result of walking the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VerifyOutcome {
    Intact {
        entries: i64,
    },
    /// `seq` is the first bad entry; `reason` says what is wrong in plain words.
    Broken {
        seq: i64,
        reason: String,
    },
}

/// Every field the hash covers, as stored. `summary` is the stored canonical JSON text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainFields<'a> {
    pub seq: i64,
    pub id: Uuid,
    pub at: &'a str,
    pub council_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    pub actor_name: &'a str,
    pub entity: &'a str,
    pub entity_id: &'a str,
    pub action: &'a str,
    pub summary: &'a str,
    pub prev_hash: &'a str,
}

/// Tags the encoding so a future change of it cannot be confused with this one.
const ENCODING_TAG: &[u8] = b"selfassess.audit.v1";

/// The unambiguous byte encoding the hash is taken over.
///
/// Every field, in the fixed order below, is written as one marker byte, `0x00` for an absent
/// optional value or `0x01` for a present one, followed (when present) by its length as an
/// unsigned 64-bit big-endian integer and then its bytes:
///
/// 1. the tag `selfassess.audit.v1`
/// 2. `seq`: 8 bytes, big-endian two's complement
/// 3. `id`: the uuid's 16 bytes
/// 4. `at`: UTF-8 text
/// 5. `council_id`: 16 bytes, or absent
/// 6. `actor_id`: 16 bytes, or absent
/// 7. `actor_name`, 8. `entity`, 9. `entity_id`, 10. `action`: UTF-8 text
/// 11. `summary`: the canonical JSON text (see [`canonical_json`])
/// 12. `prev_hash`: the previous entry's hash as lowercase hex text
///
/// Because every field carries its own length, text cannot move from one field to the next
/// without changing the bytes, and no encoding is a prefix of another.
pub fn encode_for_hash(fields: &ChainFields<'_>) -> Vec<u8> {
    fn field(out: &mut Vec<u8>, bytes: Option<&[u8]>) {
        match bytes {
            None => out.push(0),
            Some(bytes) => {
                out.push(1);
                out.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
                out.extend_from_slice(bytes);
            }
        }
    }
    let mut out =
        Vec::with_capacity(256 + fields.actor_name.len() + fields.entity_id.len() + fields.summary.len());
    field(&mut out, Some(ENCODING_TAG));
    field(&mut out, Some(&fields.seq.to_be_bytes()));
    field(&mut out, Some(fields.id.as_bytes()));
    field(&mut out, Some(fields.at.as_bytes()));
    field(&mut out, fields.council_id.as_ref().map(|u| &u.as_bytes()[..]));
    field(&mut out, fields.actor_id.as_ref().map(|u| &u.as_bytes()[..]));
    field(&mut out, Some(fields.actor_name.as_bytes()));
    field(&mut out, Some(fields.entity.as_bytes()));
    field(&mut out, Some(fields.entity_id.as_bytes()));
    field(&mut out, Some(fields.action.as_bytes()));
    field(&mut out, Some(fields.summary.as_bytes()));
    field(&mut out, Some(fields.prev_hash.as_bytes()));
    out
}

/// SHA-256 of [`encode_for_hash`], as lowercase hex.
pub fn entry_hash(fields: &ChainFields<'_>) -> String {
    hex::encode(Sha256::digest(encode_for_hash(fields)))
}

/// The canonical text of a time: RFC 3339 in UTC with exactly six fractional digits and `Z`,
/// e.g. "2026-11-22T19:58:24.964293Z". Finer precision is truncated.
pub fn format_at(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.microsecond()
    )
}

/// Canonical JSON: no whitespace, object keys sorted by their UTF-8 bytes (at every depth),
/// strings escaped minimally (`\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t`, other control
/// characters as `\u00XX`; everything else as itself), numbers as serde_json prints them.
///
/// Written out here rather than left to serde_json so that the text (and so every stored
/// hash) does not depend on serde_json's features, such as `preserve_order`.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(number) => out.push_str(&number.to_string()),
        Value::String(text) => write_string(text, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(key, out);
                out.push(':');
                write_canonical(item, out);
            }
            out.push('}');
        }
    }
}

fn write_string(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Why a summary was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SummaryError {
    #[error(
        "audit summary rejected: the key \"{0}\" looks like a password, secret, token or free-text answer, which never go in the audit log"
    )]
    ForbiddenKey(String),
    #[error("audit summary rejected: a value looks like a password hash, which never goes in the audit log")]
    PasswordHashValue,
    #[error(
        "audit summary rejected: it is {0} bytes, more than {max}; summaries are short and never hold respondents' free text",
        max = MAX_SUMMARY_BYTES
    )]
    TooLong(usize),
}

/// Checks that a summary holds no secrets or free text and returns its canonical text.
///
/// Refused: any key, at any depth, equal to one of [`FORBIDDEN_KEYS`] or containing one of
/// [`FORBIDDEN_KEY_PARTS`] (case-insensitive; so `password`, `new_password`, `password_hash`,
/// `client_secret`, `token_hash`, `token`, `free_text`, ...); any string value that looks like
/// a password hash (`$argon2…`, `$2b$…`, `$scrypt$…`); and a canonical text longer than
/// [`MAX_SUMMARY_BYTES`]. This is a guard against mistakes, not a proof: use cases must still
/// build summaries only from names, roles, ids, statuses and dates.
pub fn check_summary(summary: &Value) -> Result<String, SummaryError> {
    check_value(summary)?;
    let text = canonical_json(summary);
    if text.len() > MAX_SUMMARY_BYTES {
        return Err(SummaryError::TooLong(text.len()));
    }
    Ok(text)
}

fn check_value(value: &Value) -> Result<(), SummaryError> {
    match value {
        Value::Object(map) => {
            for (key, item) in map {
                let lower = key.to_lowercase();
                if FORBIDDEN_KEYS.contains(&lower.as_str())
                    || FORBIDDEN_KEY_PARTS.iter().any(|part| lower.contains(part))
                {
                    return Err(SummaryError::ForbiddenKey(key.clone()));
                }
                check_value(item)?;
            }
            Ok(())
        }
        Value::Array(items) => items.iter().try_for_each(check_value),
        Value::String(text) => {
            let looks_hashed = ["$argon2", "$2a$", "$2b$", "$2y$", "$scrypt$", "$pbkdf2"]
                .iter()
                .any(|prefix| text.starts_with(prefix));
            if looks_hashed { Err(SummaryError::PasswordHashValue) } else { Ok(()) }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => Ok(()),
    }
}

/// An entry as stored, read back for verification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredEntry {
    pub seq: i64,
    pub id: Uuid,
    pub at: String,
    pub council_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    pub actor_name: String,
    pub entity: String,
    pub entity_id: String,
    pub action: String,
    pub summary: String,
    pub prev_hash: String,
    pub hash: String,
}

impl StoredEntry {
    pub fn fields(&self) -> ChainFields<'_> {
        ChainFields {
            seq: self.seq,
            id: self.id,
            at: &self.at,
            council_id: self.council_id,
            actor_id: self.actor_id,
            actor_name: &self.actor_name,
            entity: &self.entity,
            entity_id: &self.entity_id,
            action: &self.action,
            summary: &self.summary,
            prev_hash: &self.prev_hash,
        }
    }
}

/// A first bad entry found by [`ChainWalk`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Break {
    pub seq: i64,
    pub reason: String,
}

impl From<Break> for VerifyOutcome {
    fn from(b: Break) -> Self {
        VerifyOutcome::Broken { seq: b.seq, reason: b.reason }
    }
}

/// Walks the chain one entry at a time, in seq order, keeping only the previous hash: memory
/// stays bounded however long the log is.
///
/// It is given the head (`audit_head`'s seq and hash) first, read in the same snapshot as the
/// entries, and reports the first bad entry:
///
/// - a seq below 1, or above the head's seq: an entry that was inserted;
/// - a gap in the seqs: the missing entry was removed;
/// - a hash that does not match the entry's content: the entry was altered (or moved: the
///   seq is part of the hash);
/// - a summary that is not canonical JSON: altered;
/// - a `prev_hash` that is not the previous entry's hash: an entry before it was removed,
///   inserted or replaced;
/// - at the end, fewer entries than the head records: the last ones were removed; a last
///   hash that is not the head's: the last entry was replaced.
#[derive(Clone, Debug)]
pub struct ChainWalk {
    head_seq: i64,
    head_hash: String,
    expected_seq: i64,
    prev_hash: String,
}

impl ChainWalk {
    pub fn new(head_seq: i64, head_hash: String) -> ChainWalk {
        ChainWalk { head_seq, head_hash, expected_seq: 1, prev_hash: GENESIS_HASH.to_owned() }
    }

    /// The seq of a row about to be read: catches out-of-place rows before the rest of the
    /// row is decoded (a row whose fields cannot be read is reported with this seq).
    pub fn check_position(&self, seq: i64) -> Result<(), Break> {
        if seq < self.expected_seq {
            // Rows come in ascending seq order, so this is only a seq below 1.
            return Err(Break {
                seq,
                reason: format!("entry {seq} should not exist: entries are numbered from 1 (inserted?)"),
            });
        }
        if seq > self.expected_seq {
            let missing = self.expected_seq;
            let reason = if missing > self.head_seq {
                format!(
                    "entry {seq} is beyond the chain's head, which records {} entries (inserted?)",
                    self.head_seq
                )
            } else {
                format!("entry {missing} is missing (removed?)")
            };
            let at = if missing > self.head_seq { seq } else { missing };
            return Err(Break { seq: at, reason });
        }
        if seq > self.head_seq {
            return Err(Break {
                seq,
                reason: format!(
                    "entry {seq} is beyond the chain's head, which records {} entries (inserted?)",
                    self.head_seq
                ),
            });
        }
        Ok(())
    }

    /// The next entry, in ascending seq order.
    pub fn next(&mut self, entry: &StoredEntry) -> Result<(), Break> {
        let seq = entry.seq;
        self.check_position(seq)?;
        if entry_hash(&entry.fields()) != entry.hash {
            return Err(Break {
                seq,
                reason: format!("entry {seq}: its hash does not match its content (altered?)"),
            });
        }
        let canonical =
            serde_json::from_str::<Value>(&entry.summary).ok().map(|value| canonical_json(&value));
        if canonical.as_deref() != Some(entry.summary.as_str()) {
            return Err(Break {
                seq,
                reason: format!("entry {seq}: its summary is not canonical JSON (altered?)"),
            });
        }
        if entry.prev_hash != self.prev_hash {
            let reason = if seq == 1 {
                "entry 1: it does not start the chain (an entry before it altered or inserted?)".to_owned()
            } else {
                format!(
                    "entry {seq}: it does not follow entry {} (that entry replaced, or entries reordered?)",
                    seq - 1
                )
            };
            return Err(Break { seq, reason });
        }
        self.prev_hash.clone_from(&entry.hash);
        self.expected_seq += 1;
        Ok(())
    }

    /// After the last entry: the log must reach the head, and end with its hash.
    pub fn finish(self) -> VerifyOutcome {
        let last = self.expected_seq - 1;
        if last < self.head_seq {
            let missing = last + 1;
            let reason = format!(
                "entry {missing} is missing (removed?): the chain's head records {} entries but the log ends at entry {last}",
                self.head_seq
            );
            return VerifyOutcome::Broken { seq: missing, reason };
        }
        if self.prev_hash != self.head_hash {
            let (seq, reason) = if last == 0 {
                (1, "the log is empty but the chain's head does not say so (entries removed?)".to_owned())
            } else {
                (
                    last,
                    format!(
                        "entry {last}: its hash is not the one the chain's head records (altered or replaced?)"
                    ),
                )
            };
            return VerifyOutcome::Broken { seq, reason };
        }
        VerifyOutcome::Intact { entries: last }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn sample_entry(seq: i64, prev_hash: &str) -> StoredEntry {
        let mut entry = StoredEntry {
            seq,
            id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 + seq as u128),
            at: format!("2026-11-22T19:58:{:02}.964293Z", seq % 60),
            council_id: Some(Uuid::from_u128(7)),
            actor_id: Some(Uuid::from_u128(42)),
            actor_name: "Ada Lovelace".to_owned(),
            entity: "membership".to_owned(),
            entity_id: format!("m-{seq}"),
            action: "create".to_owned(),
            summary: canonical_json(&json!({"role": {"before": null, "after": "viewer"}})),
            prev_hash: prev_hash.to_owned(),
            hash: String::new(),
        };
        entry.hash = entry_hash(&entry.fields());
        entry
    }

    fn chain(n: i64) -> Vec<StoredEntry> {
        let mut entries = Vec::new();
        let mut prev = GENESIS_HASH.to_owned();
        for seq in 1..=n {
            let entry = sample_entry(seq, &prev);
            prev.clone_from(&entry.hash);
            entries.push(entry);
        }
        entries
    }

    fn walk(head_seq: i64, head_hash: &str, entries: &[StoredEntry]) -> VerifyOutcome {
        let mut walk = ChainWalk::new(head_seq, head_hash.to_owned());
        for entry in entries {
            if let Err(b) = walk.next(entry) {
                return b.into();
            }
        }
        walk.finish()
    }

    fn broken_at(outcome: &VerifyOutcome) -> i64 {
        match outcome {
            VerifyOutcome::Broken { seq, .. } => *seq,
            VerifyOutcome::Intact { .. } => panic!("expected a break, got {outcome:?}"),
        }
    }

    #[test]
    fn the_hash_is_pinned() {
        // If this changes, every stored chain breaks: bump ENCODING_TAG instead. (Checked
        // against an independent implementation of the encoding in Python.)
        let entry = sample_entry(1, GENESIS_HASH);
        assert_eq!(entry.hash, "10e245eb00e6c224356e4b31cb94873a3c18a2a75bc1dcdf36b8a10633924a08");
    }

    #[test]
    fn the_encoding_is_length_prefixed_in_field_order() {
        let entry = sample_entry(1, GENESIS_HASH);
        let bytes = encode_for_hash(&entry.fields());
        let mut expected = vec![1u8];
        expected.extend_from_slice(&(ENCODING_TAG.len() as u64).to_be_bytes());
        expected.extend_from_slice(ENCODING_TAG);
        expected.push(1);
        expected.extend_from_slice(&8u64.to_be_bytes());
        expected.extend_from_slice(&1i64.to_be_bytes());
        assert!(bytes.starts_with(&expected));
        assert!(bytes.ends_with(GENESIS_HASH.as_bytes()));
    }

    #[test]
    fn shifting_text_between_fields_changes_the_hash() {
        let a = sample_entry(1, GENESIS_HASH);
        let mut b = a.clone();
        b.actor_name = "Ada Lovelacemembership".to_owned();
        b.entity = String::new();
        let mut c = a.clone();
        c.entity = "member".to_owned();
        c.entity_id = format!("ship{}", a.entity_id);
        let hashes = [&a, &b, &c].map(|e| entry_hash(&e.fields()));
        assert_ne!(hashes[0], hashes[1]);
        assert_ne!(hashes[0], hashes[2]);
        assert_ne!(hashes[1], hashes[2]);
    }

    #[test]
    fn an_absent_id_differs_from_the_nil_uuid() {
        let a = sample_entry(1, GENESIS_HASH);
        let mut b = a.clone();
        b.council_id = None;
        let mut c = a.clone();
        c.council_id = Some(Uuid::nil());
        assert_ne!(entry_hash(&b.fields()), entry_hash(&c.fields()));
        let mut d = a.clone();
        d.council_id = None;
        d.actor_id = Some(Uuid::from_u128(7));
        let mut e = a.clone();
        e.actor_id = None;
        // Moving the one id from council_id to actor_id changes the hash.
        assert_ne!(entry_hash(&d.fields()), entry_hash(&e.fields()));
    }

    #[test]
    fn times_are_canonical_utc_with_microseconds() {
        let at = time::macros::datetime!(2026-11-22 20:58:24.964293789 +01:00);
        assert_eq!(format_at(at), "2026-11-22T19:58:24.964293Z");
        let whole = time::macros::datetime!(2026-01-02 03:04:05 UTC);
        assert_eq!(format_at(whole), "2026-01-02T03:04:05.000000Z");
        // It parses back as RFC 3339.
        let parsed = OffsetDateTime::parse(&format_at(at), &time::format_description::well_known::Rfc3339)
            .expect("rfc 3339");
        assert_eq!(parsed.microsecond(), 964_293);
    }

    #[test]
    fn canonical_json_sorts_keys_at_every_depth_and_has_no_spaces() {
        let value = json!({"b": 1, "a": {"z": [true, null, {"y": "x", "x": "y"}], "c": 1.5}});
        assert_eq!(canonical_json(&value), r#"{"a":{"c":1.5,"z":[true,null,{"x":"y","y":"x"}]},"b":1}"#);
        let text = json!({"s": "quote \" backslash \\ nl \n tab \t bell \u{07} é ✓"});
        let canonical = canonical_json(&text);
        assert_eq!(canonical, r#"{"s":"quote \" backslash \\ nl \n tab \t bell \u0007 é ✓"}"#);
        let round: Value = serde_json::from_str(&canonical).expect("json");
        assert_eq!(round, text);
    }

    #[test]
    fn summaries_with_secrets_or_long_text_are_refused() {
        for key in [
            "password",
            "new_password",
            "Password_Hash",
            "client_secret",
            "token_hash",
            "token",
            "csrf_token",
            "free_text",
            "answer_text",
        ] {
            let summary = json!({"user": {key: {"before": null, "after": "x"}}});
            assert_eq!(check_summary(&summary), Err(SummaryError::ForbiddenKey(key.to_owned())), "{key}");
        }
        assert_eq!(
            check_summary(&json!({"note": ["$argon2id$v=19$m=19456,t=2,p=1$abc$def"]})),
            Err(SummaryError::PasswordHashValue)
        );
        let long = "x".repeat(MAX_SUMMARY_BYTES);
        assert!(matches!(check_summary(&json!({ "name": long })), Err(SummaryError::TooLong(_))));
        let fine = json!({"role": before_after(Value::Null, "viewer"), "token_name": "CI"});
        assert_eq!(
            check_summary(&fine).as_deref(),
            Ok(r#"{"role":{"after":"viewer","before":null},"token_name":"CI"}"#)
        );
    }

    #[test]
    fn an_intact_chain_walks_clean() {
        assert_eq!(walk(0, GENESIS_HASH, &[]), VerifyOutcome::Intact { entries: 0 });
        let entries = chain(5);
        assert_eq!(walk(5, &entries[4].hash, &entries), VerifyOutcome::Intact { entries: 5 });
    }

    #[test]
    fn the_walk_names_the_first_bad_entry() {
        let entries = chain(8);
        let head = entries[7].hash.clone();

        let mut altered = entries.clone();
        altered[3].summary = canonical_json(&json!({"role": {"before": null, "after": "lead"}}));
        altered[6].actor_name = "Mallory".to_owned();
        let outcome = walk(8, &head, &altered);
        assert_eq!(broken_at(&outcome), 4);
        assert!(format!("{outcome:?}").contains("hash does not match"));

        let mut removed = entries.clone();
        removed.remove(4);
        let outcome = walk(8, &head, &removed);
        assert_eq!(
            outcome,
            VerifyOutcome::Broken { seq: 5, reason: "entry 5 is missing (removed?)".to_owned() }
        );

        let outcome = walk(8, &head, &entries[..7]);
        assert_eq!(broken_at(&outcome), 8);
        assert!(format!("{outcome:?}").contains("missing"));

        let outcome = walk(8, &head, &entries[1..]);
        assert_eq!(broken_at(&outcome), 1);

        // Removed and the rest renumbered, hashes untouched: the seq is in the hash.
        let mut renumbered = entries.clone();
        renumbered.remove(2);
        for (i, entry) in renumbered.iter_mut().enumerate() {
            entry.seq = i as i64 + 1;
        }
        assert_eq!(broken_at(&walk(8, &head, &renumbered)), 3);

        // Removed, renumbered and rehashed from there on, but not the head: the end disagrees.
        let mut rehashed = entries[..2].to_vec();
        let mut prev = entries[1].hash.clone();
        for (i, old) in entries[3..].iter().enumerate() {
            let mut entry = old.clone();
            entry.seq = 3 + i as i64;
            entry.prev_hash = prev.clone();
            entry.hash = entry_hash(&entry.fields());
            prev.clone_from(&entry.hash);
            rehashed.push(entry);
        }
        assert_eq!(broken_at(&walk(8, &head, &rehashed)), 8);

        // An entry rehashed on its own: the next one no longer follows it.
        let mut rehashed_one = entries.clone();
        rehashed_one[2].action = "delete".to_owned();
        rehashed_one[2].hash = entry_hash(&rehashed_one[2].fields());
        let outcome = walk(8, &head, &rehashed_one);
        assert_eq!(broken_at(&outcome), 4);
        assert!(format!("{outcome:?}").contains("does not follow entry 3"));

        // The last entry rehashed: the head disagrees.
        let mut last = entries.clone();
        last[7].entity_id = "other".to_owned();
        last[7].hash = entry_hash(&last[7].fields());
        assert_eq!(broken_at(&walk(8, &head, &last)), 8);

        // An entry added after the head.
        let mut extra = entries.clone();
        extra.push(sample_entry(9, &head));
        let outcome = walk(8, &head, &extra);
        assert_eq!(broken_at(&outcome), 9);
        assert!(format!("{outcome:?}").contains("beyond the chain's head"));

        // An entry numbered 0 before the first.
        let mut zero = vec![sample_entry(0, GENESIS_HASH)];
        zero.extend(entries.iter().cloned());
        assert_eq!(broken_at(&walk(8, &head, &zero)), 0);

        // A summary re-spaced but rehashed (so only canonical form gives it away).
        let mut spaced = entries.clone();
        spaced[1].summary = r#"{"role": {"after": "viewer", "before": null}}"#.to_owned();
        spaced[1].hash = entry_hash(&spaced[1].fields());
        let outcome = walk(8, &head, &spaced);
        assert_eq!(broken_at(&outcome), 2);
        assert!(format!("{outcome:?}").contains("not canonical"));

        // Every entry removed, head left alone.
        assert_eq!(broken_at(&walk(8, &head, &[])), 1);
        // The head reset but the log kept: the first entry is beyond it.
        assert_eq!(broken_at(&walk(0, GENESIS_HASH, &entries)), 1);
    }

    fn arb_uuid() -> impl Strategy<Value = Uuid> {
        any::<u128>().prop_map(Uuid::from_u128)
    }

    fn arb_entry() -> impl Strategy<Value = StoredEntry> {
        (
            (
                any::<i64>(),
                arb_uuid(),
                ".{0,30}",
                proptest::option::of(arb_uuid()),
                proptest::option::of(arb_uuid()),
                ".{0,20}",
            ),
            (".{0,12}", ".{0,12}", ".{0,12}", ".{0,40}", "[0-9a-f]{64}"),
        )
            .prop_map(
                |(
                    (seq, id, at, council_id, actor_id, actor_name),
                    (entity, entity_id, action, summary, prev_hash),
                )| StoredEntry {
                    seq,
                    id,
                    at,
                    council_id,
                    actor_id,
                    actor_name,
                    entity,
                    entity_id,
                    action,
                    summary,
                    prev_hash,
                    hash: String::new(),
                },
            )
    }

    proptest! {
        #[test]
        fn changing_any_one_field_changes_the_hash(
            a in arb_entry(),
            b in arb_entry(),
            field in 0usize..11,
        ) {
            let mut changed = a.clone();
            match field {
                0 => changed.seq = b.seq,
                1 => changed.id = b.id,
                2 => changed.at = b.at.clone(),
                3 => changed.council_id = b.council_id,
                4 => changed.actor_id = b.actor_id,
                5 => changed.actor_name = b.actor_name.clone(),
                6 => changed.entity = b.entity.clone(),
                7 => changed.entity_id = b.entity_id.clone(),
                8 => changed.action = b.action.clone(),
                9 => changed.summary = b.summary.clone(),
                _ => changed.prev_hash = b.prev_hash.clone(),
            }
            prop_assume!(changed != a);
            prop_assert_ne!(entry_hash(&a.fields()), entry_hash(&changed.fields()));
            // And the encodings differ, so it is not luck of the hash.
            prop_assert_ne!(encode_for_hash(&a.fields()), encode_for_hash(&changed.fields()));
        }

        #[test]
        fn two_text_fields_never_collide_by_moving_a_boundary(
            left in ".{0,20}", right in ".{0,20}", cut in 0usize..20,
        ) {
            let joined = format!("{left}{right}");
            let cut = joined.char_indices().map(|(i, _)| i).nth(cut).unwrap_or(joined.len());
            let (l2, r2) = joined.split_at(cut);
            prop_assume!(l2 != left);
            let mut a = sample_entry(1, GENESIS_HASH);
            a.actor_name = left.clone();
            a.entity = right.clone();
            let mut b = a.clone();
            b.actor_name = l2.to_owned();
            b.entity = r2.to_owned();
            prop_assert_ne!(entry_hash(&a.fields()), entry_hash(&b.fields()));
        }

        #[test]
        fn canonical_json_round_trips(value in arb_json()) {
            let text = canonical_json(&value);
            let parsed: Value = serde_json::from_str(&text).expect("canonical json parses");
            prop_assert_eq!(&parsed, &value);
            prop_assert_eq!(canonical_json(&parsed), text);
        }
    }

    fn arb_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            ".{0,10}".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::btree_map(".{0,6}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }
}
