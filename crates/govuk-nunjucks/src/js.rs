//! JavaScript value semantics over minijinja values, as Nunjucks has them: conversion to
//! string and number, truthiness, `+`, `==`, `===`, `<`, `in`.
//!
//! Mapping of types: minijinja undefined is JavaScript `undefined`, none is `null`, a
//! sequence is an array, a map (or other object) is an object.  A safe string stands for
//! Nunjucks' `SafeString` and, as in Nunjucks' own operators, behaves as its string value.

use minijinja::value::{Value, ValueKind};
use std::cmp::Ordering;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum JsType {
    Undefined,
    Null,
    Bool,
    Number,
    String,
    Array,
    Object,
}

pub(crate) fn js_type(v: &Value) -> JsType {
    match v.kind() {
        ValueKind::Undefined | ValueKind::Invalid => JsType::Undefined,
        ValueKind::None => JsType::Null,
        ValueKind::Bool => JsType::Bool,
        ValueKind::Number => JsType::Number,
        ValueKind::String | ValueKind::Bytes => JsType::String,
        ValueKind::Seq | ValueKind::Iterable => JsType::Array,
        _ => JsType::Object,
    }
}

/// JavaScript's whitespace (`\s` in a regular expression, and `String.prototype.trim`).
pub(crate) fn is_js_space(c: char) -> bool {
    matches!(
        c,
        '\u{9}'..='\u{d}'
            | ' '
            | '\u{a0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200a}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202f}'
            | '\u{205f}'
            | '\u{3000}'
            | '\u{feff}'
    )
}

/// `String(n)` for a JavaScript number.
pub(crate) fn number_string(v: &Value) -> String {
    if v.is_integer() {
        return v.to_string();
    }
    let f = f64::try_from(v.clone()).unwrap_or(f64::NAN);
    float_string(f)
}

pub(crate) fn float_string(f: f64) -> String {
    if f.is_nan() {
        "NaN".to_owned()
    } else if f.is_infinite() {
        if f > 0.0 { "Infinity" } else { "-Infinity" }.to_owned()
    } else if f.fract() == 0.0 && f.abs() < 1e21 {
        // Integral: no ".0", and no "-0".
        format!("{}", f as i128)
    } else {
        format!("{f}")
    }
}

/// `String(v)`.
pub(crate) fn to_js_string(v: &Value) -> String {
    match js_type(v) {
        JsType::Undefined => "undefined".to_owned(),
        JsType::Null => "null".to_owned(),
        JsType::Bool => if v.is_true() { "true" } else { "false" }.to_owned(),
        JsType::Number => number_string(v),
        JsType::String => v.as_str().map(str::to_owned).unwrap_or_default(),
        JsType::Array => {
            // Array.prototype.join: null and undefined items become "".
            let items: Vec<String> =
                v.try_iter().map(|it| it.map(|item| output_string(&item)).collect()).unwrap_or_default();
            items.join(",")
        }
        JsType::Object => {
            if v.kind() == ValueKind::Map {
                "[object Object]".to_owned()
            } else {
                v.to_string()
            }
        }
    }
}

/// The text Nunjucks outputs for a value (`runtime.suppressValue`): null and undefined
/// become "", anything else `String(v)`.
pub(crate) fn output_string(v: &Value) -> String {
    match js_type(v) {
        JsType::Undefined | JsType::Null => String::new(),
        _ => to_js_string(v),
    }
}

/// `ToPrimitive`: arrays and objects become their string form.
fn to_primitive(v: &Value) -> Value {
    match js_type(v) {
        JsType::Array | JsType::Object => Value::from(to_js_string(v)),
        _ => v.clone(),
    }
}

/// `Number(v)`.
pub(crate) fn to_number(v: &Value) -> f64 {
    match js_type(v) {
        JsType::Undefined | JsType::Object => f64::NAN,
        JsType::Null => 0.0,
        JsType::Bool => {
            if v.is_true() {
                1.0
            } else {
                0.0
            }
        }
        JsType::Number => f64::try_from(v.clone()).unwrap_or(f64::NAN),
        JsType::String => string_to_number(v.as_str().unwrap_or_default()),
        JsType::Array => string_to_number(&to_js_string(v)),
    }
}

fn string_to_number(s: &str) -> f64 {
    let s = s.trim_matches(is_js_space);
    if s.is_empty() {
        return 0.0;
    }
    match s {
        "Infinity" | "+Infinity" => return f64::INFINITY,
        "-Infinity" => return f64::NEG_INFINITY,
        _ => {}
    }
    for (prefix, radix) in [("0x", 16), ("0X", 16), ("0o", 8), ("0O", 8), ("0b", 2), ("0B", 2)] {
        if let Some(digits) = s.strip_prefix(prefix) {
            return u64::from_str_radix(digits, radix).map_or(f64::NAN, |n| n as f64);
        }
    }
    if s.chars().all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '.' | 'e' | 'E')) {
        s.parse().unwrap_or(f64::NAN)
    } else {
        f64::NAN
    }
}

/// A number as a minijinja value: an integer when it is one.
pub(crate) fn number_value(f: f64) -> Value {
    if f.fract() == 0.0 && f.abs() < 9.0e15 { Value::from(f as i64) } else { Value::from(f) }
}

/// JavaScript truthiness: only `undefined`, `null`, `false`, `0`, `NaN` and `""` are false;
/// empty arrays and objects are true.
pub(crate) fn truthy(v: &Value) -> bool {
    match js_type(v) {
        JsType::Undefined | JsType::Null => false,
        JsType::Bool => v.is_true(),
        JsType::Number => {
            let n = to_number(v);
            n != 0.0 && !n.is_nan()
        }
        JsType::String => !v.as_str().unwrap_or_default().is_empty(),
        JsType::Array | JsType::Object => true,
    }
}

/// Whether a number value is held as an integer (bool and null count: they add as 0/1).
fn int_like(v: &Value) -> Option<i64> {
    match js_type(v) {
        JsType::Number if v.is_integer() => i64::try_from(v.clone()).ok(),
        JsType::Bool => Some(i64::from(v.is_true())),
        JsType::Null => Some(0),
        _ => None,
    }
}

/// JavaScript `a + b`.
pub(crate) fn add(a: &Value, b: &Value) -> Value {
    let (pa, pb) = (to_primitive(a), to_primitive(b));
    if js_type(&pa) == JsType::String || js_type(&pb) == JsType::String {
        let mut s = to_js_string(&pa);
        s.push_str(&to_js_string(&pb));
        return Value::from(s);
    }
    if let (Some(x), Some(y)) = (int_like(&pa), int_like(&pb))
        && let Some(sum) = x.checked_add(y)
    {
        return Value::from(sum);
    }
    Value::from(to_number(&pa) + to_number(&pb))
}

/// Object identity (minijinja's own `sameas` compares objects by identity).
fn same_object(a: &Value, b: &Value) -> bool {
    a.as_object().is_some() && b.as_object().is_some() && minijinja::tests::is_sameas(a, b)
}

fn numbers_equal(a: &Value, b: &Value) -> bool {
    if a.is_integer() && b.is_integer() {
        return a == b;
    }
    to_number(a) == to_number(b)
}

/// JavaScript `a === b`.
pub(crate) fn strict_eq(a: &Value, b: &Value) -> bool {
    let (ta, tb) = (js_type(a), js_type(b));
    if ta != tb {
        return false;
    }
    match ta {
        JsType::Undefined | JsType::Null => true,
        JsType::Bool => a.is_true() == b.is_true(),
        JsType::Number => numbers_equal(a, b),
        JsType::String => a.as_str() == b.as_str(),
        JsType::Array | JsType::Object => same_object(a, b),
    }
}

/// JavaScript `a == b` (the abstract equality algorithm).
pub(crate) fn loose_eq(a: &Value, b: &Value) -> bool {
    use JsType::*;
    let (ta, tb) = (js_type(a), js_type(b));
    if ta == tb {
        return strict_eq(a, b);
    }
    match (ta, tb) {
        (Undefined | Null, Undefined | Null) => true,
        (Undefined | Null, _) | (_, Undefined | Null) => false,
        (Number, String) | (String, Number) => to_number(a) == to_number(b),
        (Bool, _) => loose_eq(&Value::from(i64::from(a.is_true())), b),
        (_, Bool) => loose_eq(a, &Value::from(i64::from(b.is_true()))),
        (Array | Object, String | Number) => loose_eq(&to_primitive(a), b),
        (String | Number, Array | Object) => loose_eq(a, &to_primitive(b)),
        _ => false,
    }
}

/// JavaScript's relational comparison (`<`, `>`, …): `None` when either side is `NaN`.
pub(crate) fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    let (pa, pb) = (to_primitive(a), to_primitive(b));
    if js_type(&pa) == JsType::String && js_type(&pb) == JsType::String {
        let (x, y) = (pa.as_str().unwrap_or_default(), pb.as_str().unwrap_or_default());
        // JavaScript compares strings by UTF-16 code unit.
        return Some(x.encode_utf16().cmp(y.encode_utf16()));
    }
    to_number(&pa).partial_cmp(&to_number(&pb))
}

/// Nunjucks' `in` (`lib.inOperator`): strict equality against an array's items, substring
/// of a string, key of an object.  Nunjucks throws for anything else; this returns false.
pub(crate) fn contains(container: &Value, item: &Value) -> bool {
    match js_type(container) {
        JsType::Array => container.try_iter().map(|mut it| it.any(|x| strict_eq(&x, item))).unwrap_or(false),
        JsType::String => container.as_str().unwrap_or_default().contains(to_js_string(item).as_str()),
        JsType::Object => {
            container.get_item(&Value::from(to_js_string(item))).is_ok_and(|v| !v.is_undefined())
        }
        _ => false,
    }
}

/// Length in UTF-16 code units, as JavaScript's `String.prototype.length`.
pub(crate) fn string_length(s: &str) -> usize {
    s.encode_utf16().count()
}
