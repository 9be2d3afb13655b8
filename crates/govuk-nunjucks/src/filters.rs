//! Nunjucks' filters, tests and output formatting (after `nunjucks/src/filters.js`,
//! `tests.js` and `runtime.js`, v3), and the helpers that the preprocessor's operator shims
//! call.  Safeness follows Nunjucks: a filter that Nunjucks wraps in `copySafeness` returns
//! a safe string for a safe input, one that returns a plain string returns a plain string.

use crate::js::{self, JsType, js_type, output_string, to_js_string, truthy};
use minijinja::value::{Object, ObjectRepr, Value, ValueKind};
use minijinja::{AutoEscape, Error, ErrorKind, Output, State};
use std::fmt;
use std::sync::Arc;

fn arg(args: &[Value], i: usize) -> Value {
    args.get(i).cloned().unwrap_or(Value::UNDEFINED)
}

fn invalid(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidOperation, msg.into())
}

/// Nunjucks' `lib.escape`: `& " ' < >` only (minijinja also escapes `/`).
pub(crate) fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// A string result, safe if `like` is safe (Nunjucks' `copySafeness`).
fn copy_safeness(like: &Value, s: String) -> Value {
    if like.is_safe() { Value::from_safe_string(s) } else { Value::from(s) }
}

/// Nunjucks' `normalize(value, "")` followed by string conversion.
fn normalized(v: &Value) -> String {
    match js_type(v) {
        JsType::Undefined | JsType::Null => String::new(),
        JsType::Bool if !v.is_true() => String::new(),
        _ => to_js_string(v),
    }
}

/// The output formatter: Nunjucks' `suppressValue` — null and undefined print nothing,
/// other values print as JavaScript's `String(v)`, escaped with Nunjucks' escaping unless
/// safe.
pub(crate) fn format(out: &mut Output<'_>, state: &mut State<'_, '_>, value: &Value) -> Result<(), Error> {
    let write_err = |_| Error::new(ErrorKind::WriteFailure, "formatter write failed");
    match state.auto_escape() {
        AutoEscape::Html => if value.is_safe() {
            out.write_str(value.as_str().unwrap_or_default())
        } else {
            out.write_str(&html_escape(&output_string(value)))
        }
        .map_err(write_err),
        AutoEscape::None => out.write_str(&output_string(value)).map_err(write_err),
        _ => minijinja::escape_formatter(out, state, value),
    }
}

// ---------------------------------------------------------------------------------------
// Operator shims (used by the preprocessor's output only).

/// `a|nj_add(b)`: JavaScript `a + b`.
/// `a + b`: JavaScript's `+`, except that two lists are joined into one list (as in Jinja).
/// JavaScript would turn them into a string; GOV.UK's templates never add lists, and app
/// templates build item lists this way (`items = items + [item]`).
pub(crate) fn nj_add(a: Value, b: Value) -> Value {
    use minijinja::value::ValueKind;
    if a.kind() == ValueKind::Seq && b.kind() == ValueKind::Seq {
        let joined: Vec<Value> =
            a.try_iter().into_iter().flatten().chain(b.try_iter().into_iter().flatten()).collect();
        return Value::from(joined);
    }
    js::add(&a, &b)
}

/// `a is nj_eq(b)`: JavaScript `a == b`.
pub(crate) fn nj_eq(a: Value, b: Value) -> bool {
    js::loose_eq(&a, &b)
}

/// `a is sameas(b)`: JavaScript `a === b` (Nunjucks' `sameas` test, also used for `===`).
pub(crate) fn sameas(a: Value, b: Value) -> bool {
    js::strict_eq(&a, &b)
}

pub(crate) fn nj_lt(a: Value, b: Value) -> bool {
    js::compare(&a, &b).is_some_and(|o| o.is_lt())
}

pub(crate) fn nj_gt(a: Value, b: Value) -> bool {
    js::compare(&a, &b).is_some_and(|o| o.is_gt())
}

pub(crate) fn nj_le(a: Value, b: Value) -> bool {
    js::compare(&a, &b).is_some_and(|o| o.is_le())
}

pub(crate) fn nj_ge(a: Value, b: Value) -> bool {
    js::compare(&a, &b).is_some_and(|o| o.is_ge())
}

/// `a is nj_in(b)`: Nunjucks' `a in b`.
pub(crate) fn nj_in(a: Value, b: Value) -> bool {
    js::contains(&b, &a)
}

/// `x|nj_prop("length")` / `x|nj_prop("val")`: the JavaScript properties Nunjucks
/// templates read.  `length` of a string (UTF-16 units) or array; `val` of a SafeString (its
/// plain string).  On anything else, the object's own key of that name.
pub(crate) fn nj_prop(v: Value, name: &str) -> Value {
    match (js_type(&v), name) {
        (JsType::String, "length") => Value::from(js::string_length(v.as_str().unwrap_or_default())),
        (JsType::Array, "length") => v.len().map_or(Value::UNDEFINED, Value::from),
        (JsType::String, "val") if v.is_safe() => Value::from(v.as_str().unwrap_or_default()),
        (JsType::Object, _) => v.get_attr(name).unwrap_or(Value::UNDEFINED),
        _ => Value::UNDEFINED,
    }
}

/// `{% for x in v|nj_iter %}`: Nunjucks iterates arrays and strings by index; objects,
/// `undefined` and `null` give no iterations.
pub(crate) fn nj_iter(v: Value) -> Result<Value, Error> {
    Ok(match js_type(&v) {
        JsType::Array => Value::from(v.try_iter()?.collect::<Vec<_>>()),
        JsType::String => Value::from(
            v.as_str().unwrap_or_default().chars().map(|c| Value::from(c.to_string())).collect::<Vec<_>>(),
        ),
        _ => Value::from(Vec::<Value>::new()),
    })
}

/// `{% for k, v in x|nj_pairs %}`: an object gives its key/value pairs, an array its items
/// (to be unpacked), anything else nothing.
pub(crate) fn nj_pairs(v: Value) -> Result<Value, Error> {
    Ok(match js_type(&v) {
        JsType::Array => Value::from(v.try_iter()?.collect::<Vec<_>>()),
        JsType::Object if v.kind() == ValueKind::Map => {
            let mut pairs = Vec::new();
            for key in v.try_iter()? {
                let value = v.get_item(&key)?;
                pairs.push(Value::from(vec![Value::from(to_js_string(&key)), value]));
            }
            Value::from(pairs)
        }
        _ => Value::from(Vec::<Value>::new()),
    })
}

/// A JavaScript regular expression from a Nunjucks `r/…/flags` literal.
#[derive(Debug)]
pub(crate) struct JsRegex {
    source: String,
    flags: String,
    regex: regex::Regex,
}

impl fmt::Display for JsRegex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "/{}/{}", self.source, self.flags)
    }
}

impl Object for JsRegex {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

pub(crate) fn nj_regex(source: String, flags: String) -> Result<Value, Error> {
    let mut builder = regex::RegexBuilder::new(&source);
    builder.case_insensitive(flags.contains('i')).multi_line(flags.contains('m'));
    let regex = builder.build().map_err(|e| invalid(format!("bad regular expression /{source}/: {e}")))?;
    Ok(Value::from_object(JsRegex { source, flags, regex }))
}

/// `nj_namespace(...)`: minijinja's `namespace`, under a name templates cannot shadow by
/// accident (GOV.UK's generic header sets a variable called `namespace`).
pub(crate) fn nj_namespace(defaults: Option<minijinja::value::ValueOrKwargs>) -> Result<Value, Error> {
    minijinja::functions::namespace(defaults)
}

// ---------------------------------------------------------------------------------------
// Tests.

pub(crate) fn test_truthy(v: Value) -> bool {
    truthy(&v)
}

pub(crate) fn test_falsy(v: Value) -> bool {
    !truthy(&v)
}

pub(crate) fn test_null(v: Value) -> bool {
    v.is_none()
}

// ---------------------------------------------------------------------------------------
// Filters.  Each takes its arguments as a slice so that `undefined` and `null` arguments
// stay distinct, as Nunjucks' do.

/// `default(value, default, boolean)`: with `boolean` true, `value || default`; otherwise
/// `default` only when `value` is undefined (null stays null).
pub(crate) fn default(args: &[Value]) -> Value {
    let (value, fallback) = (arg(args, 0), arg(args, 1));
    let use_fallback = if truthy(&arg(args, 2)) { !truthy(&value) } else { value.is_undefined() };
    if use_fallback { fallback } else { value }
}

/// `escape`: escapes a plain value's string form and marks it safe; safe strings pass.
pub(crate) fn escape(args: &[Value]) -> Value {
    let value = arg(args, 0);
    if value.is_safe() {
        return value;
    }
    Value::from_safe_string(html_escape(&output_string(&value)))
}

pub(crate) fn forceescape(args: &[Value]) -> Value {
    let value = arg(args, 0);
    Value::from_safe_string(html_escape(&output_string(&value)))
}

/// `safe`: marks the string form safe; null and undefined become "".
pub(crate) fn safe(args: &[Value]) -> Value {
    let value = arg(args, 0);
    if value.is_safe() {
        return value;
    }
    Value::from_safe_string(output_string(&value))
}

/// `trim`: strips JavaScript whitespace from both ends.
pub(crate) fn trim(args: &[Value]) -> Value {
    let value = arg(args, 0);
    let s = output_string(&value);
    copy_safeness(&value, s.trim_matches(js::is_js_space).to_owned())
}

/// `indent(width = 4, indentfirst = false)`: indents every line after the first (all of
/// them with `indentfirst`), blank lines included.
pub(crate) fn indent(args: &[Value]) -> Value {
    let value = arg(args, 0);
    let s = normalized(&value);
    if s.is_empty() {
        return Value::from("");
    }
    let width = js::to_number(&arg(args, 1));
    let width = if width.is_nan() || width == 0.0 { 4 } else { width.max(0.0) as usize };
    let first = truthy(&arg(args, 2));
    let pad = " ".repeat(width);
    let lines: Vec<String> = s
        .split('\n')
        .enumerate()
        .map(|(i, line)| if i == 0 && !first { line.to_owned() } else { format!("{pad}{line}") })
        .collect();
    copy_safeness(&value, lines.join("\n"))
}

/// `length`: characters of a string, items of an array, keys of an object; 0 for null,
/// undefined and false.
pub(crate) fn length(args: &[Value]) -> Value {
    let value = arg(args, 0);
    match js_type(&value) {
        JsType::Undefined | JsType::Null => Value::from(0),
        JsType::Bool if !value.is_true() => Value::from(0),
        JsType::String => Value::from(js::string_length(value.as_str().unwrap_or_default())),
        JsType::Array | JsType::Object => value.len().map_or(Value::UNDEFINED, Value::from),
        _ => Value::UNDEFINED,
    }
}

/// `replace(old, new, maxCount)`: literal replacement, or a regular expression (`r/…/g`).
pub(crate) fn replace(args: &[Value]) -> Result<Value, Error> {
    let (value, old, new) = (arg(args, 0), arg(args, 1), arg(args, 2));
    let new = to_js_string(&new);
    if let Some(re) = old.downcast_object_ref::<JsRegex>() {
        let s = to_js_string(&value);
        let replacement = js_replacement(&new);
        let result = if re.flags.contains('g') {
            re.regex.replace_all(&s, replacement.as_str())
        } else {
            re.regex.replace(&s, replacement.as_str())
        };
        return Ok(Value::from(result.into_owned()));
    }
    let old = match js_type(&old) {
        JsType::Number | JsType::String => to_js_string(&old),
        _ => return Ok(value),
    };
    let s = match js_type(&value) {
        JsType::Number | JsType::String => to_js_string(&value),
        _ => return Ok(value),
    };
    let max = args.get(3).filter(|v| !v.is_undefined()).map_or(-1.0, js::to_number);
    if old.is_empty() {
        let mut out = new.clone();
        for c in s.chars() {
            out.push(c);
            out.push_str(&new);
        }
        return Ok(copy_safeness(&value, out));
    }
    if max == 0.0 || !s.contains(&old) {
        return Ok(value);
    }
    let mut out = String::new();
    let mut rest = s.as_str();
    let mut count = 0.0;
    while let Some(i) = rest.find(&old) {
        if max >= 0.0 && count >= max {
            break;
        }
        out.push_str(&rest[..i]);
        out.push_str(&new);
        rest = &rest[i + old.len()..];
        count += 1.0;
    }
    out.push_str(rest);
    Ok(copy_safeness(&value, out))
}

/// A JavaScript replacement pattern (`$&`, `$1`, `$$`) in the regex crate's syntax.
fn js_replacement(new: &str) -> String {
    let mut out = String::new();
    let mut chars = new.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('$', Some('$')) => {
                chars.next();
                out.push_str("$$");
            }
            ('$', Some('&')) => {
                chars.next();
                out.push_str("${0}");
            }
            ('$', Some(d)) if d.is_ascii_digit() => {
                let mut n = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    n.push(*d);
                    chars.next();
                }
                out.push_str(&format!("${{{n}}}"));
            }
            ('$', _) => out.push_str("$$"),
            (c, _) => out.push(c),
        }
    }
    out
}

/// `dump(spaces)`: `JSON.stringify`.
pub(crate) fn dump(args: &[Value]) -> Result<Value, Error> {
    let value = arg(args, 0);
    if value.is_undefined() {
        return Ok(Value::UNDEFINED);
    }
    let json =
        serde_json::to_value(&value).map_err(|e| Error::new(ErrorKind::BadSerialization, e.to_string()))?;
    let spaces = arg(args, 1);
    let indent = match js_type(&spaces) {
        JsType::Number => " ".repeat(js::to_number(&spaces).clamp(0.0, 10.0) as usize),
        JsType::String => spaces.as_str().unwrap_or_default().chars().take(10).collect(),
        _ => String::new(),
    };
    let text = if indent.is_empty() {
        serde_json::to_string(&json)
    } else {
        let mut buf = Vec::new();
        let formatter = serde_json::ser::PrettyFormatter::with_indent(indent.as_bytes());
        let mut ser = serde_json::Serializer::with_formatter(&mut buf, formatter);
        serde::Serialize::serialize(&json, &mut ser).map(|()| String::from_utf8_lossy(&buf).into_owned())
    }
    .map_err(|e| Error::new(ErrorKind::BadSerialization, e.to_string()))?;
    Ok(Value::from(text))
}

/// JavaScript `parseInt(s, 10)` / `parseFloat(s)` prefix parsing.
fn parse_prefix(s: &str, float: bool) -> Option<f64> {
    let s = s.trim_start_matches(js::is_js_space);
    let mut end = 0;
    let bytes = s.as_bytes();
    if matches!(bytes.first(), Some(b'+' | b'-')) {
        end = 1;
    }
    let digits_start = end;
    while end < bytes.len() && bytes[end].is_ascii_digit() {
        end += 1;
    }
    if float {
        if s[end..].starts_with("Infinity") && end == digits_start {
            return Some(if s.starts_with('-') { f64::NEG_INFINITY } else { f64::INFINITY });
        }
        if bytes.get(end) == Some(&b'.') {
            end += 1;
            while end < bytes.len() && bytes[end].is_ascii_digit() {
                end += 1;
            }
        }
        if end > digits_start && matches!(bytes.get(end), Some(b'e' | b'E')) {
            let mut e = end + 1;
            if matches!(bytes.get(e), Some(b'+' | b'-')) {
                e += 1;
            }
            let exp_start = e;
            while e < bytes.len() && bytes[e].is_ascii_digit() {
                e += 1;
            }
            if e > exp_start {
                end = e;
            }
        }
    }
    s[..end].parse::<f64>().ok().filter(|f| !f.is_nan())
}

/// `int(default)`: `parseInt(value, 10)`, or `default` if that is `NaN`.
pub(crate) fn int(args: &[Value]) -> Value {
    let value = arg(args, 0);
    let s = if js_type(&value) == JsType::Number {
        js::float_string(js::to_number(&value).trunc())
    } else {
        to_js_string(&value)
    };
    match parse_prefix(&s, false) {
        Some(n) => js::number_value(n),
        None => arg(args, 1),
    }
}

/// `float(default)`: `parseFloat(value)`, or `default` if that is `NaN`.
pub(crate) fn float(args: &[Value]) -> Value {
    let value = arg(args, 0);
    match parse_prefix(&to_js_string(&value), true) {
        Some(n) => Value::from(n),
        None => arg(args, 1),
    }
}

/// `string`: the value's string form, safe if it was safe.  (Nunjucks throws on null and
/// undefined; this gives "".)
pub(crate) fn string(args: &[Value]) -> Value {
    let value = arg(args, 0);
    copy_safeness(&value, output_string(&value))
}

/// `striptags(preserveLinebreaks)`.
pub(crate) fn striptags(args: &[Value]) -> Value {
    use std::sync::LazyLock;
    static TAGS: LazyLock<Option<regex::Regex>> =
        LazyLock::new(|| regex::Regex::new(r"(?i)</?([a-z][a-z0-9]*)\b[^>]*>|<!--[\s\S]*?-->").ok());
    static EDGE_SPACES: LazyLock<Option<regex::Regex>> =
        LazyLock::new(|| regex::Regex::new(r"(?m)^ +| +$").ok());
    static SPACES: LazyLock<Option<regex::Regex>> = LazyLock::new(|| regex::Regex::new(r" +").ok());
    static BREAKS: LazyLock<Option<regex::Regex>> = LazyLock::new(|| regex::Regex::new(r"\n\n\n+").ok());
    let value = arg(args, 0);
    let input = normalized(&value);
    let stripped = match TAGS.as_ref() {
        Some(re) => re.replace_all(&input, "").into_owned(),
        None => input,
    };
    let trimmed = stripped.trim_matches(js::is_js_space);
    let result = if truthy(&arg(args, 1)) {
        let mut s = trimmed.to_owned();
        if let Some(re) = EDGE_SPACES.as_ref() {
            s = re.replace_all(&s, "").into_owned();
        }
        if let Some(re) = SPACES.as_ref() {
            s = re.replace_all(&s, " ").into_owned();
        }
        s = s.replace("\r\n", "\n");
        if let Some(re) = BREAKS.as_ref() {
            s = re.replace_all(&s, "\n\n").into_owned();
        }
        s
    } else {
        let mut out = String::new();
        let mut in_space = false;
        for c in trimmed.chars() {
            if js::is_js_space(c) {
                if !in_space {
                    out.push(' ');
                }
                in_space = true;
            } else {
                out.push(c);
                in_space = false;
            }
        }
        out
    };
    copy_safeness(&value, result)
}

/// `capitalize`: first character upper case, the rest lower case.
pub(crate) fn capitalize(args: &[Value]) -> Value {
    let value = arg(args, 0);
    let lower = normalized(&value).to_lowercase();
    let mut chars = lower.chars();
    let result = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    };
    copy_safeness(&value, result)
}

/// `lower` (the result is a plain string, as in Nunjucks).
pub(crate) fn lower(args: &[Value]) -> Value {
    Value::from(normalized(&arg(args, 0)).to_lowercase())
}

/// `upper` (the result is a plain string, as in Nunjucks).
pub(crate) fn upper(args: &[Value]) -> Value {
    Value::from(normalized(&arg(args, 0)).to_uppercase())
}

/// `title`: capitalises each space-separated word.
pub(crate) fn title(args: &[Value]) -> Value {
    let value = arg(args, 0);
    let words: Vec<String> = normalized(&value)
        .split(' ')
        .map(|w| {
            let lower = w.to_lowercase();
            let mut chars = lower.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect(),
                None => String::new(),
            }
        })
        .collect();
    copy_safeness(&value, words.join(" "))
}

/// Items of an array (or of any iterable value); nothing for anything else.
fn items(v: &Value) -> Vec<Value> {
    match js_type(v) {
        JsType::Array => v.try_iter().map(Iterator::collect).unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// `join(delimiter = "", attribute)`: `Array.prototype.join` (a plain string).
pub(crate) fn join(args: &[Value]) -> Value {
    let value = arg(args, 0);
    if js_type(&value) == JsType::String {
        return value;
    }
    let delimiter = arg(args, 1);
    let delimiter = if truthy(&delimiter) { to_js_string(&delimiter) } else { String::new() };
    let attribute = arg(args, 2);
    let parts: Vec<String> = items(&value)
        .iter()
        .map(|item| {
            if truthy(&attribute) {
                output_string(&item.get_attr(&to_js_string(&attribute)).unwrap_or_default())
            } else {
                output_string(item)
            }
        })
        .collect();
    Value::from(parts.join(&delimiter))
}

/// `first`: an array's first item, a string's first character.
pub(crate) fn first(args: &[Value]) -> Value {
    let value = arg(args, 0);
    match js_type(&value) {
        JsType::String => value
            .as_str()
            .and_then(|s| s.chars().next())
            .map_or(Value::UNDEFINED, |c| Value::from(c.to_string())),
        _ => items(&value).into_iter().next().unwrap_or(Value::UNDEFINED),
    }
}

/// `last`: an array's last item, a string's last character.
pub(crate) fn last(args: &[Value]) -> Value {
    let value = arg(args, 0);
    match js_type(&value) {
        JsType::String => value
            .as_str()
            .and_then(|s| s.chars().last())
            .map_or(Value::UNDEFINED, |c| Value::from(c.to_string())),
        _ => items(&value).pop().unwrap_or(Value::UNDEFINED),
    }
}

/// `nl2br`: line breaks become `<br />` + line break.
pub(crate) fn nl2br(args: &[Value]) -> Value {
    let value = arg(args, 0);
    if matches!(js_type(&value), JsType::Undefined | JsType::Null) {
        return Value::from("");
    }
    let s = to_js_string(&value).replace("\r\n", "\n").replace('\n', "<br />\n");
    copy_safeness(&value, s)
}

// ---------------------------------------------------------------------------------------
// Methods.

/// Methods called on strings and arrays with method syntax: the JavaScript ones GOV.UK's
/// templates use (`[true, false].includes(x)`) and their common relatives, and a few
/// Python-style string and map methods, for templates written in Jinja style.
pub(crate) fn call_method(
    _state: &mut State<'_, '_>,
    value: &Value,
    method: &str,
    args: &[Value],
) -> Result<Value, Error> {
    let unknown = || Err(Error::from(ErrorKind::UnknownMethod));
    let a0 = arg(args, 0);
    match js_type(value) {
        JsType::String => {
            let s = value.as_str().unwrap_or_default();
            let needle = to_js_string(&a0);
            Ok(match method {
                "includes" => Value::from(s.contains(needle.as_str())),
                "startsWith" | "startswith" => Value::from(s.starts_with(needle.as_str())),
                "endsWith" | "endswith" => Value::from(s.ends_with(needle.as_str())),
                "indexOf" => {
                    Value::from(s.find(needle.as_str()).map_or(-1, |i| s[..i].chars().count() as i64))
                }
                "toLowerCase" | "lower" => Value::from(s.to_lowercase()),
                "toUpperCase" | "upper" => Value::from(s.to_uppercase()),
                "trim" | "strip" => Value::from(s.trim_matches(js::is_js_space)),
                "trimStart" | "lstrip" => Value::from(s.trim_start_matches(js::is_js_space)),
                "trimEnd" | "rstrip" => Value::from(s.trim_end_matches(js::is_js_space)),
                "split" if !a0.is_undefined() && !a0.is_none() => {
                    Value::from(s.split(needle.as_str()).map(Value::from).collect::<Vec<_>>())
                }
                "charAt" => {
                    let i = js::to_number(&a0);
                    let i = if i.is_nan() { 0 } else { i as usize };
                    Value::from(s.chars().nth(i).map(String::from).unwrap_or_default())
                }
                "toString" => Value::from(s),
                _ => return unknown(),
            })
        }
        JsType::Array => {
            let list = items(value);
            Ok(match method {
                "includes" => Value::from(list.iter().any(|x| js::strict_eq(x, &a0))),
                "indexOf" => {
                    Value::from(list.iter().position(|x| js::strict_eq(x, &a0)).map_or(-1, |i| i as i64))
                }
                "join" => join(&[value.clone(), if a0.is_undefined() { Value::from(",") } else { a0 }]),
                _ => return unknown(),
            })
        }
        JsType::Object if value.kind() == ValueKind::Map => match method {
            "items" => {
                let mut pairs = Vec::new();
                for key in value.try_iter()? {
                    let item = value.get_item(&key)?;
                    pairs.push(Value::from(vec![key, item]));
                }
                Ok(Value::from(pairs))
            }
            "keys" => Ok(Value::from(value.try_iter()?.collect::<Vec<_>>())),
            "values" => {
                let mut values = Vec::new();
                for key in value.try_iter()? {
                    values.push(value.get_item(&key)?);
                }
                Ok(Value::from(values))
            }
            "get" => {
                let item = value.get_item(&a0)?;
                Ok(if item.is_undefined() { args.get(1).cloned().unwrap_or(Value::from(())) } else { item })
            }
            _ => unknown(),
        },
        _ => unknown(),
    }
}

#[cfg(test)]
mod list_add_tests {
    use super::nj_add;
    use minijinja::Value;

    #[test]
    fn lists_join_and_everything_else_is_javascript() {
        let joined = nj_add(Value::from(vec![1, 2]), Value::from(vec![3]));
        assert_eq!(joined.len(), Some(3));
        assert_eq!(nj_add(Value::from("a"), Value::from(1)).to_string(), "a1");
        assert_eq!(nj_add(Value::from(1), Value::from(2)), Value::from(3));
    }
}
