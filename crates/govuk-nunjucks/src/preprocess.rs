//! Rewrites Nunjucks template source as minijinja source.
//!
//! Text and whitespace-control markers are copied through unchanged.  The code
//! inside every `{{ … }}` and `{% … %}` is parsed with Nunjucks' grammar
//! ([`crate::syntax`]) and written back out as minijinja syntax, fully parenthesised so
//! that the two languages' different operator precedences cannot matter.  Where the two
//! languages agree, the code is written back as it was; the rewrites are only these (each
//! is marked `SHIM` below, with its reason):
//!
//! * operators whose JavaScript meaning minijinja does not share become calls of tests and
//!   filters registered by [`crate::configure`]: `+`, `~`, `==`, `!=`, `===`, `!==`, `<`,
//!   `>`, `<=`, `>=`, `in`;
//! * conditions (`if`, `elif`, inline `if`, `and`, `or`, `not`) use JavaScript truthiness;
//! * an inline `x if cond` without `else` gets `else ""`;
//! * bare object-literal keys (`{ text: x }`) become string keys;
//! * `null` becomes `none`; `elseif` becomes `elif`;
//! * the JavaScript properties `.length` and `.val` (a SafeString's raw value) go through a
//!   filter;
//! * comments become empty outputs (`{#- x -#}` → `{{- "" -}}`), for `trim_blocks`;
//! * the `-` of a block set's `{% set x -%}` is dropped, as Nunjucks' parser ignores it;
//! * a `{% call %}` whose body holds `{% block %}`s renders the body into a variable first,
//!   as minijinja allows no blocks in a caller body;
//! * `{% for %}` loops go through a filter so that objects, strings and undefined iterate as
//!   in Nunjucks;
//! * a `{% set %}` inside a `{% for %}` that assigns a variable from outside the loop
//!   writes through a minijinja `namespace`, as Nunjucks' scoping writes to the outer
//!   variable where minijinja's would drop the value at the end of the loop body.
//!
//! A tag or output that cannot be parsed is copied through unchanged, so minijinja reports
//! it at compile time.

use crate::syntax::{Arg, Expr, Parser, Segment, Stmt, segments};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;

/// One piece of the template after parsing.
enum Item<'a> {
    Verbatim(&'a str),
    Output {
        open: &'a str,
        close: &'a str,
        expr: Expr,
    },
    Tag {
        open: &'a str,
        close: &'a str,
        stmt: Stmt,
        raw: &'a str,
    },
    /// A tag or output we could not parse: copied through.
    Unparsed(&'a str, &'a str, &'a str),
}

pub(crate) fn preprocess(source: &str) -> String {
    let items: Vec<Item<'_>> = segments(source)
        .into_iter()
        .map(|segment| match segment {
            Segment::Verbatim(text) => Item::Verbatim(text),
            // SHIM: a comment becomes an empty output with the same whitespace control.
            // Nunjucks' `trimBlocks` / `lstripBlocks` act on `{% %}` tags only, minijinja's
            // (like Jinja's) also on comments; an output is never trimmed by either, so the
            // text around a comment comes out as in Nunjucks with those options on or off.
            Segment::Comment { strip_before, strip_after } => {
                Item::Verbatim(match (strip_before, strip_after) {
                    (false, false) => "{{ \"\" }}",
                    (true, false) => "{{- \"\" }}",
                    (false, true) => "{{ \"\" -}}",
                    (true, true) => "{{- \"\" -}}",
                })
            }
            Segment::Output { open, body, close } => match Parser::new(body).and_then(Parser::output) {
                Ok(expr) => Item::Output { open, close, expr },
                Err(_) => Item::Unparsed(open, body, close),
            },
            Segment::Tag { open, body, close } => match Parser::new(body).and_then(Parser::statement) {
                Ok(stmt) => Item::Tag { open, close, stmt, raw: body },
                Err(_) => Item::Unparsed(open, body, close),
            },
        })
        .collect();
    let escaping = loop_escapes(&items);
    let captured = calls_with_blocks(&items);
    Emitter::new(escaping, captured).emit(&items)
}

/// The `{% call %}`s (by item index) whose body contains a `{% block %}` and whose caller
/// takes no arguments.  Nunjucks allows blocks there (GOV.UK's `template.njk` puts its
/// header and footer blocks in one); minijinja does not allow blocks in a caller body, as
/// that is a macro.
fn calls_with_blocks(items: &[Item<'_>]) -> HashSet<usize> {
    let mut found = HashSet::new();
    let mut open: Vec<(usize, bool)> = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let Item::Tag { stmt, .. } = item else {
            continue;
        };
        match stmt {
            Stmt::Call { params, .. } => open.push((index, params.is_empty())),
            Stmt::EndCall => {
                open.pop();
            }
            Stmt::Block(_) => {
                // The innermost call holding the block must be rewritten; outer ones then
                // hold no block any more.
                if let Some((call, true)) = open.last() {
                    found.insert(*call);
                }
            }
            _ => {}
        }
    }
    found
}

/// Which scopes a name lookup for `{% set %}` may climb through.
#[derive(PartialEq)]
enum ScopeKind {
    Root,
    For(usize),
    /// Macros, caller bodies and blocks: Nunjucks never writes through these.
    Boundary,
}

struct Scope {
    kind: ScopeKind,
    names: HashSet<String>,
}

/// For each `{% for %}` (by item index), the variables that a `{% set %}` inside it assigns
/// although they were set before the loop in an enclosing scope.  Nunjucks
/// (`Frame.set(name, value, resolveUp = true)`) writes those to the outer frame, so the value
/// survives the loop; this is how GOV.UK Frontend accumulates attributes in a loop.
fn loop_escapes(items: &[Item<'_>]) -> HashMap<usize, BTreeSet<String>> {
    let mut escapes: HashMap<usize, BTreeSet<String>> = HashMap::new();
    let mut stack = vec![Scope { kind: ScopeKind::Root, names: HashSet::new() }];
    let pop = |stack: &mut Vec<Scope>, want_for: bool| {
        if stack.len() > 1 && (matches!(stack.last().map(|s| &s.kind), Some(ScopeKind::For(_))) == want_for) {
            stack.pop();
        }
    };
    for (index, item) in items.iter().enumerate() {
        let Item::Tag { stmt, .. } = item else {
            continue;
        };
        match stmt {
            Stmt::For { targets, .. } => {
                stack.push(Scope { kind: ScopeKind::For(index), names: targets.iter().cloned().collect() })
            }
            Stmt::EndFor => pop(&mut stack, true),
            Stmt::Macro { params, .. } | Stmt::Call { params, .. } => stack.push(Scope {
                kind: ScopeKind::Boundary,
                names: params.iter().map(|(name, _)| name.clone()).collect(),
            }),
            Stmt::Block(_) => stack.push(Scope { kind: ScopeKind::Boundary, names: HashSet::new() }),
            Stmt::EndMacro | Stmt::EndCall | Stmt::EndBlock => pop(&mut stack, false),
            Stmt::Set { targets, .. } => {
                for name in targets {
                    let mut crossed = Vec::new();
                    let mut found = false;
                    for scope in stack.iter().rev() {
                        if scope.names.contains(name) {
                            found = true;
                            break;
                        }
                        match scope.kind {
                            ScopeKind::For(i) => crossed.push(i),
                            ScopeKind::Root | ScopeKind::Boundary => break,
                        }
                    }
                    if found {
                        for i in crossed {
                            escapes.entry(i).or_default().insert(name.clone());
                        }
                    } else if let Some(top) = stack.last_mut() {
                        top.names.insert(name.clone());
                    }
                }
            }
            _ => {}
        }
    }
    escapes
}

/// Where a name currently lives: a plain variable, or a field of a loop namespace.
struct Redirects {
    /// Each frame maps names to the namespace holding them (`None`: shadowed, plain again).
    frames: Vec<(bool, HashMap<String, Option<String>>)>,
}

impl Redirects {
    fn lookup(&self, name: &str) -> Option<&str> {
        for (barrier, frame) in self.frames.iter().rev() {
            if let Some(target) = frame.get(name) {
                return target.as_deref();
            }
            if *barrier {
                break;
            }
        }
        None
    }
}

struct Emitter {
    escapes: HashMap<usize, BTreeSet<String>>,
    redirects: Redirects,
    /// Open `{% for %}`s: the names whose namespace that loop created.
    loops: Vec<Option<(String, Vec<String>)>>,
    /// Open block `{% set %}`s: for a redirected target, the namespace field to fill at
    /// `{% endset %}`.
    captures: Vec<Option<String>>,
    /// Calls to rewrite as capture-then-call (see `calls_with_blocks`).
    captured_calls: HashSet<usize>,
    /// Open `{% call %}`s: for a rewritten one, the call and the capture variable.
    calls: Vec<Option<(String, String)>>,
    out: String,
}

fn strip_flags(open: &str, close: &str) -> (&'static str, &'static str) {
    (if open.ends_with('-') { "-" } else { "" }, if close.starts_with('-') { "-" } else { "" })
}

impl Emitter {
    fn new(escapes: HashMap<usize, BTreeSet<String>>, captured_calls: HashSet<usize>) -> Self {
        Emitter {
            escapes,
            captured_calls,
            calls: Vec::new(),
            redirects: Redirects { frames: vec![(true, HashMap::new())] },
            loops: Vec::new(),
            captures: Vec::new(),
            out: String::new(),
        }
    }

    fn emit(mut self, items: &[Item<'_>]) -> String {
        for (index, item) in items.iter().enumerate() {
            match item {
                Item::Verbatim(text) => self.out.push_str(text),
                Item::Unparsed(open, body, close) => {
                    let _ = write!(self.out, "{open}{body}{close}");
                }
                Item::Output { open, close, expr } => {
                    let code = self.value(expr);
                    let _ = write!(self.out, "{open} {code} {close}");
                }
                Item::Tag { open, close, stmt, raw } => self.tag(index, open, close, stmt, raw),
            }
        }
        self.out
    }

    /// Writes one or more minijinja tags in place of one Nunjucks tag: the first gets the
    /// original's left whitespace-control marker and the last its right one.
    fn tags(&mut self, open: &str, close: &str, bodies: &[String]) {
        let (left, right) = strip_flags(open, close);
        for (i, body) in bodies.iter().enumerate() {
            let l = if i == 0 { left } else { "" };
            let r = if i + 1 == bodies.len() { right } else { "" };
            let _ = write!(self.out, "{{%{l} {body} {r}%}}");
        }
    }

    fn tag(&mut self, index: usize, open: &str, close: &str, stmt: &Stmt, raw: &str) {
        match stmt {
            Stmt::If(cond) => {
                let body = format!("if {}", self.cond(cond));
                self.tags(open, close, &[body]);
            }
            // SHIM: Nunjucks accepts `elseif` as well as `elif`.
            Stmt::Elif(cond) => {
                let body = format!("elif {}", self.cond(cond));
                self.tags(open, close, &[body]);
            }
            Stmt::For { targets, iter } => {
                let mut bodies = Vec::new();
                // SHIM: variables set in the loop but living outside it move into a
                // namespace for the loop's duration (see `loop_escapes`).
                let fresh: Vec<String> = self
                    .escapes
                    .get(&index)
                    .into_iter()
                    .flatten()
                    .filter(|name| self.redirects.lookup(name).is_none() && !targets.contains(name))
                    .cloned()
                    .collect();
                let namespace = if fresh.is_empty() {
                    None
                } else {
                    let ns = format!("nj_loop_{index}");
                    let fields: Vec<String> =
                        fresh.iter().map(|name| format!("{name}={}", self.name(name))).collect();
                    bodies.push(format!("set {ns} = nj_namespace({})", fields.join(", ")));
                    Some(ns)
                };
                // SHIM: Nunjucks iterates arrays (and strings); an object iterates only with
                // `for key, value`, and undefined or null iterate as empty.
                let filter = if targets.len() == 1 { "nj_iter" } else { "nj_pairs" };
                let iter = self.value(iter);
                bodies.push(format!("for {} in {iter}|{filter}", targets.join(", ")));
                self.tags(open, close, &bodies);
                let mut frame: HashMap<String, Option<String>> =
                    targets.iter().map(|t| (t.clone(), None)).collect();
                if let Some(ns) = &namespace {
                    for name in &fresh {
                        frame.insert(name.clone(), Some(ns.clone()));
                    }
                }
                self.redirects.frames.push((false, frame));
                self.loops.push(namespace.map(|ns| (ns, fresh)));
            }
            Stmt::EndFor => {
                self.pop_frame();
                let mut bodies = vec!["endfor".to_owned()];
                if let Some(Some((ns, names))) = self.loops.pop() {
                    for name in names {
                        bodies.push(format!("set {name} = {ns}.{name}"));
                    }
                }
                self.tags(open, close, &bodies);
            }
            Stmt::Set { targets, value } => match value {
                Some(value) => {
                    let value = self.value(value);
                    let mut bodies = Vec::new();
                    for (i, target) in targets.iter().enumerate() {
                        let value = if i == 0 { value.clone() } else { self.name(&targets[0]) };
                        bodies.push(format!("set {} = {value}", self.name(target)));
                    }
                    self.tags(open, close, &bodies);
                }
                None => {
                    // SHIM: Nunjucks' parser ignores a `-%}` on a block `{% set x -%}` (it
                    // skips the tag end without reading the marker), so the captured text
                    // keeps its leading whitespace; do the same.
                    let close = "%}";
                    let target = &targets[0];
                    if let Some(ns) = self.redirects.lookup(target) {
                        let field = format!("{ns}.{target}");
                        self.captures.push(Some(field));
                        self.tags(open, close, &["set nj_capture".to_owned()]);
                    } else {
                        self.captures.push(None);
                        self.tags(open, close, &[format!("set {target}")]);
                    }
                }
            },
            Stmt::EndSet => {
                let mut bodies = vec!["endset".to_owned()];
                if let Some(Some(field)) = self.captures.pop() {
                    bodies.push(format!("set {field} = nj_capture"));
                }
                self.tags(open, close, &bodies);
            }
            Stmt::Macro { name, params } => {
                let params = self.params(params);
                self.tags(open, close, &[format!("macro {name}({params})")]);
                self.push_barrier(params_names(stmt));
            }
            Stmt::Call { params, call } => {
                let call = self.value(call);
                if self.captured_calls.contains(&index) {
                    // SHIM: a caller body with blocks in it is rendered first, into a
                    // variable (blocks may sit in a `set` capture), and the call's body just
                    // outputs that.  The macro sees the same `caller()` output.
                    let var = format!("nj_caller_{index}");
                    self.tags(open, close, &[format!("set {var}")]);
                    self.calls.push(Some((call, var)));
                    self.push_barrier(Vec::new());
                    return;
                }
                let head = if params.is_empty() {
                    "call".to_owned()
                } else {
                    format!("call({})", self.params(params))
                };
                self.tags(open, close, &[format!("{head} {call}")]);
                self.calls.push(None);
                self.push_barrier(params_names(stmt));
            }
            Stmt::EndCall => {
                self.pop_frame();
                match self.calls.pop() {
                    Some(Some((call, var))) => {
                        let (left, right) = strip_flags(open, close);
                        let _ = write!(
                            self.out,
                            "{{%{left} endset %}}{{% call {call} %}}{{{{ {var} }}}}{{% endcall {right}%}}"
                        );
                    }
                    _ => {
                        let _ = write!(self.out, "{open}{raw}{close}");
                    }
                }
            }
            Stmt::Block(name) => {
                self.tags(open, close, &[format!("block {name}")]);
                self.push_barrier(Vec::new());
            }
            Stmt::EndMacro | Stmt::EndBlock => {
                self.pop_frame();
                let _ = write!(self.out, "{open}{raw}{close}");
            }
            Stmt::From { template, names } => {
                let names: Vec<String> = names
                    .iter()
                    .map(|(name, alias)| match alias {
                        Some(alias) => format!("{name} as {alias}"),
                        None => name.clone(),
                    })
                    .collect();
                let body = format!("from {} import {}", self.value(template), names.join(", "));
                self.tags(open, close, &[body]);
            }
            Stmt::Import { template, alias } => {
                let body = format!("import {} as {alias}", self.value(template));
                self.tags(open, close, &[body]);
            }
            Stmt::Include { template, ignore_missing } => {
                let ignore = if *ignore_missing { " ignore missing" } else { "" };
                let body = format!("include {}{ignore}", self.value(template));
                self.tags(open, close, &[body]);
            }
            Stmt::Extends(template) => {
                let body = format!("extends {}", self.value(template));
                self.tags(open, close, &[body]);
            }
            Stmt::Filter { name, args } => {
                let args = if args.is_empty() { String::new() } else { format!("({})", self.args(args)) };
                self.tags(open, close, &[format!("filter {name}{args}")]);
            }
            Stmt::Other => {
                let _ = write!(self.out, "{open}{raw}{close}");
            }
        }
    }

    fn push_barrier(&mut self, shadowed: Vec<String>) {
        let frame = shadowed.into_iter().map(|n| (n, None)).collect();
        self.redirects.frames.push((true, frame));
    }

    fn pop_frame(&mut self) {
        if self.redirects.frames.len() > 1 {
            self.redirects.frames.pop();
        }
    }

    fn params(&mut self, params: &[(String, Option<Expr>)]) -> String {
        params
            .iter()
            .map(|(name, default)| match default {
                Some(default) => format!("{name}={}", self.value(default)),
                None => name.clone(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn args(&mut self, args: &[Arg]) -> String {
        args.iter()
            .map(|arg| match arg {
                Arg::Pos(e) => self.value(e),
                Arg::Kw(name, e) => format!("{name}={}", self.value(e)),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// A variable reference, through its loop namespace if it has one.
    fn name(&self, name: &str) -> String {
        match self.redirects.lookup(name) {
            Some(ns) => format!("{ns}.{name}"),
            None => name.to_owned(),
        }
    }

    /// An expression in a condition: the result is a minijinja boolean with JavaScript's
    /// truthiness.
    // SHIM: JavaScript (so Nunjucks) holds empty arrays and objects true, minijinja false.
    fn cond(&mut self, e: &Expr) -> String {
        match e {
            Expr::And(a, b) => format!("({} and {})", self.cond(a), self.cond(b)),
            Expr::Or(a, b) => format!("({} or {})", self.cond(a), self.cond(b)),
            Expr::Not(a) => format!("(not {})", self.cond(a)),
            Expr::Bool(_) | Expr::Is { .. } | Expr::In(..) | Expr::Compare(..) => self.value(e),
            Expr::Group(items) if items.len() == 1 => self.cond(&items[0]),
            _ => format!("({} is nj_truthy)", self.value(e)),
        }
    }

    /// An expression as a value: always returned as a minijinja primary (a literal, name,
    /// call, lookup or parenthesised expression) so it can take postfix operators.
    fn value(&mut self, e: &Expr) -> String {
        match e {
            Expr::Str(s) => quote(s),
            Expr::Int(s) => s.clone(),
            Expr::Float(s) => {
                if s.ends_with('.') {
                    format!("{s}0")
                } else {
                    s.clone()
                }
            }
            Expr::Bool(b) => b.to_string(),
            // SHIM: Nunjucks reads `null` (and `none`) as the null literal.
            Expr::Null => "none".to_owned(),
            // SHIM: Nunjucks regex literal `r/…/flags`: a regex object for `replace`.
            Expr::Regex(body, flags) => format!("nj_regex({}, {})", quote(body), quote(flags)),
            Expr::Sym(name) => self.name(name),
            Expr::Group(items) => match items.last() {
                Some(last) => self.value(last),
                None => "none".to_owned(),
            },
            Expr::Array(items) => {
                let items: Vec<String> = items.iter().map(|i| self.value(i)).collect();
                format!("[{}]", items.join(", "))
            }
            Expr::Dict(pairs) => {
                let pairs: Vec<String> = pairs
                    .iter()
                    .map(|(k, v)| {
                        // SHIM: a bare key in a Nunjucks object literal is a string, in
                        // minijinja it would be a variable.
                        let key = match k {
                            Expr::Sym(name) => quote(name),
                            other => self.value(other),
                        };
                        format!("{key}: {}", self.value(v))
                    })
                    .collect();
                format!("{{{}}}", pairs.join(", "))
            }
            Expr::Attr(obj, name) => {
                let obj = self.value(obj);
                match name.as_str() {
                    // SHIM: JavaScript properties: a string's or array's `length`, a
                    // SafeString's raw `val`.
                    "length" | "val" => format!("({obj}|nj_prop({}))", quote(name)),
                    _ if is_identifier(name) => format!("{obj}.{name}"),
                    _ => format!("{obj}[{}]", quote(name)),
                }
            }
            Expr::Index(obj, key) => format!("{}[{}]", self.value(obj), self.value(key)),
            Expr::Call(callee, args) => {
                let callee = match &**callee {
                    Expr::Sym(name) => self.name(name),
                    Expr::Attr(obj, name) if is_identifier(name) => {
                        format!("{}.{name}", self.value(obj))
                    }
                    other => self.value(other),
                };
                format!("{callee}({})", self.args(args))
            }
            Expr::Filter(value, name, args) => {
                let value = self.value(value);
                if args.is_empty() {
                    format!("({value}|{name})")
                } else {
                    format!("({value}|{name}({}))", self.args(args))
                }
            }
            Expr::Is { value, negated, test, args } => {
                let value = self.value(value);
                let not = if *negated { "not " } else { "" };
                if args.is_empty() {
                    format!("({value} is {not}{test})")
                } else {
                    format!("({value} is {not}{test}({}))", self.args(args))
                }
            }
            // SHIM: JavaScript `in` (strict equality in arrays, substring, object key).
            Expr::In(a, b) => format!("({} is nj_in({}))", self.value(a), self.value(b)),
            Expr::Not(a) => format!("(not {})", self.cond(a)),
            // SHIM: `and` / `or` give an operand's value as in JavaScript, chosen by
            // JavaScript truthiness.
            Expr::And(a, b) => {
                let (va, vb) = (self.value(a), self.value(b));
                format!("({vb} if ({va} is nj_truthy) else {va})")
            }
            Expr::Or(a, b) => {
                let (va, vb) = (self.value(a), self.value(b));
                format!("({va} if ({va} is nj_truthy) else {vb})")
            }
            Expr::Compare(first, ops) => {
                let mut acc = self.value(first);
                for (op, rhs) in ops {
                    let rhs = self.value(rhs);
                    // SHIM: JavaScript comparison semantics (loose `==`, strict `===`).
                    let (not, test) = match op.as_str() {
                        "==" => ("", "nj_eq"),
                        "!=" => ("not ", "nj_eq"),
                        "===" => ("", "sameas"),
                        "!==" => ("not ", "sameas"),
                        "<" => ("", "nj_lt"),
                        ">" => ("", "nj_gt"),
                        "<=" => ("", "nj_le"),
                        _ => ("", "nj_ge"),
                    };
                    acc = format!("({acc} is {not}{test}({rhs}))");
                }
                acc
            }
            Expr::Binary(op, a, b) => {
                let (va, vb) = (self.value(a), self.value(b));
                match op.as_str() {
                    // SHIM: JavaScript `+`: string concatenation if either side is a string,
                    // else numeric addition.
                    "+" => format!("({va}|nj_add({vb}))"),
                    // SHIM: Nunjucks compiles `a ~ b` to JavaScript `a + "" + b`.
                    "~" => format!("({va}|nj_add(\"\")|nj_add({vb}))"),
                    _ => format!("({va} {op} {vb})"),
                }
            }
            Expr::Neg(a) => format!("(-{})", self.value(a)),
            Expr::Pos(a) => format!("(0|nj_add({}))", self.value(a)),
            Expr::InlineIf { body, cond, otherwise } => {
                let body = self.value(body);
                let cond = self.cond(cond);
                // SHIM: Nunjucks compiles a missing `else` to `""`, minijinja to undefined.
                let otherwise = match otherwise {
                    Some(e) => self.value(e),
                    None => "\"\"".to_owned(),
                };
                format!("({body} if {cond} else {otherwise})")
            }
        }
    }
}

fn params_names(stmt: &Stmt) -> Vec<String> {
    match stmt {
        Stmt::Macro { params, .. } | Stmt::Call { params, .. } => {
            let mut names: Vec<String> = params.iter().map(|(n, _)| n.clone()).collect();
            names.push("caller".to_owned());
            names
        }
        _ => Vec::new(),
    }
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
        && !matches!(
            name,
            "true"
                | "false"
                | "none"
                | "True"
                | "False"
                | "None"
                | "and"
                | "or"
                | "not"
                | "in"
                | "is"
                | "if"
                | "else"
        )
}

/// A minijinja string literal.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
