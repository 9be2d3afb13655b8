//! A reader for Nunjucks template source, faithful to Nunjucks' own lexer and parser
//! (`nunjucks/src/lexer.js` and `parser.js`, v3): the template is cut into text, comments,
//! `{{ … }}` outputs and `{% … %}` tags, and the code inside outputs and tags is parsed into
//! an expression tree with Nunjucks' operator precedence.  [`crate::preprocess`] then writes
//! the tree back out as minijinja syntax.

/// A piece of template source.
#[derive(Debug)]
pub(crate) enum Segment<'a> {
    /// Text and `{% raw %}` blocks: copied through unchanged.
    Verbatim(&'a str),
    /// `{# … #}`, with its whitespace-control markers (`{#-`, `-#}`).
    Comment { strip_before: bool, strip_after: bool },
    /// `{{ … }}`; `open` is `{{` or `{{-`, `close` is `}}` or `-}}`.
    Output { open: &'a str, body: &'a str, close: &'a str },
    /// `{% … %}`; `open` is `{%` or `{%-`, `close` is `%}` or `-%}`.
    Tag { open: &'a str, body: &'a str, close: &'a str },
}

/// Cuts template source into segments.  Like Nunjucks' lexer, a tag or output ends at the
/// first `%}` / `}}` outside a string literal.
pub(crate) fn segments(source: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    let bytes = source.as_bytes();
    let mut pos = 0;
    let mut text_start = 0;
    while pos + 1 < bytes.len() {
        if bytes[pos] != b'{' || !matches!(bytes[pos + 1], b'{' | b'%' | b'#') {
            pos += 1;
            continue;
        }
        if text_start < pos {
            out.push(Segment::Verbatim(&source[text_start..pos]));
        }
        let kind = bytes[pos + 1];
        if kind == b'#' {
            let Some(len) = source[pos + 2..].find("#}") else {
                out.push(Segment::Verbatim(&source[pos..]));
                return out;
            };
            let body = &source[pos + 2..pos + 2 + len];
            out.push(Segment::Comment {
                strip_before: body.starts_with('-'),
                strip_after: body.ends_with('-'),
            });
            pos += 2 + len + 2;
            text_start = pos;
            continue;
        }
        let open_len = if bytes.get(pos + 2) == Some(&b'-') { 3 } else { 2 };
        let close_char = if kind == b'{' { b'}' } else { b'%' };
        let body_start = pos + open_len;
        let Some((body_end, close_end)) = find_close(source, body_start, close_char) else {
            // Unterminated: leave the rest alone and let minijinja report it.
            out.push(Segment::Verbatim(&source[pos..]));
            return out;
        };
        let open = &source[pos..body_start];
        let body = &source[body_start..body_end];
        let close = &source[body_end..close_end];
        pos = close_end;
        if kind == b'%' && matches!(body.trim(), "raw" | "verbatim") {
            // Copy a raw block through, with its end tag, as one piece.
            let end_name = if body.trim() == "raw" { "endraw" } else { "endverbatim" };
            let (inner_end, after) = find_end_tag(source, pos, end_name);
            out.push(Segment::Verbatim("{% raw %}"));
            out.push(Segment::Verbatim(&source[pos..inner_end]));
            out.push(Segment::Verbatim("{% endraw %}"));
            pos = after;
        } else if kind == b'%' {
            out.push(Segment::Tag { open, body, close });
        } else {
            out.push(Segment::Output { open, body, close });
        }
        text_start = pos;
    }
    if text_start < source.len() {
        out.push(Segment::Verbatim(&source[text_start..]));
    }
    out
}

/// Finds the end of a tag body: returns (end of body, end of closing delimiter).
fn find_close(source: &str, from: usize, close_char: u8) -> Option<(usize, usize)> {
    let bytes = source.as_bytes();
    let mut i = from;
    while i < bytes.len() {
        match bytes[i] {
            quote @ (b'"' | b'\'') => {
                i += 1;
                while i < bytes.len() && bytes[i] != quote {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
            }
            b'-' if bytes.get(i + 1) == Some(&close_char) && bytes.get(i + 2) == Some(&b'}') => {
                return Some((i, i + 3));
            }
            c if c == close_char && bytes.get(i + 1) == Some(&b'}') => return Some((i, i + 2)),
            _ => i += 1,
        }
    }
    None
}

/// Finds `{% end_name %}` (with optional `-` markers) from `from`: (start of tag, end of tag).
fn find_end_tag(source: &str, from: usize, end_name: &str) -> (usize, usize) {
    let mut search = from;
    while let Some(i) = source[search..].find("{%") {
        let start = search + i;
        if let Some((body_end, close_end)) = find_close(source, start + 2, b'%') {
            let body = source[start + 2..body_end].trim_start_matches('-').trim();
            if body == end_name {
                return (start, close_end);
            }
            search = close_end;
        } else {
            break;
        }
    }
    (source.len(), source.len())
}

/// A token of Nunjucks code.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Tok {
    Str(String),
    Int(String),
    Float(String),
    Bool(bool),
    Null,
    Regex(String, String),
    Sym(String),
    /// Any operator or punctuation: `( ) [ ] { } , : | ~ . = == === + …`
    Op(String),
}

const WHITESPACE: &[char] = &[' ', '\n', '\t', '\r', '\u{a0}'];
const DELIMS: &str = "()[]{}%*-+~/#,:|.<>=!";

/// Tokenises the code inside a tag or output, as Nunjucks' lexer does.
pub(crate) fn tokenize(code: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = code.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if WHITESPACE.contains(&c) {
            i += 1;
        } else if c == '"' || c == '\'' {
            let mut s = String::new();
            i += 1;
            while i < chars.len() && chars[i] != c {
                if chars[i] == '\\' && i + 1 < chars.len() {
                    i += 1;
                    s.push(match chars[i] {
                        'n' => '\n',
                        't' => '\t',
                        'r' => '\r',
                        other => other,
                    });
                } else {
                    s.push(chars[i]);
                }
                i += 1;
            }
            if i >= chars.len() {
                return Err("unterminated string".into());
            }
            i += 1;
            toks.push(Tok::Str(s));
        } else if c == 'r' && chars.get(i + 1) == Some(&'/') {
            i += 2;
            let mut body = String::new();
            while i < chars.len() {
                if chars[i] == '/' && chars[i - 1] != '\\' {
                    i += 1;
                    break;
                }
                body.push(chars[i]);
                i += 1;
            }
            let mut flags = String::new();
            while i < chars.len() && "gimy".contains(chars[i]) {
                flags.push(chars[i]);
                i += 1;
            }
            toks.push(Tok::Regex(body, flags));
        } else if DELIMS.contains(c) {
            let rest: String = chars[i..chars.len().min(i + 3)].iter().collect();
            let op = ["===", "!==", "==", "!=", "<=", ">=", "//", "**"]
                .into_iter()
                .find(|op| rest.starts_with(op))
                .map_or_else(|| c.to_string(), str::to_owned);
            i += op.chars().count();
            toks.push(Tok::Op(op));
        } else {
            let start = i;
            while i < chars.len() && !WHITESPACE.contains(&chars[i]) && !DELIMS.contains(chars[i]) {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            if word.chars().all(|c| c.is_ascii_digit()) {
                if chars.get(i) == Some(&'.') {
                    i += 1;
                    let dec_start = i;
                    while i < chars.len() && chars[i].is_ascii_digit() {
                        i += 1;
                    }
                    let dec: String = chars[dec_start..i].iter().collect();
                    toks.push(Tok::Float(format!("{word}.{dec}")));
                } else {
                    toks.push(Tok::Int(word));
                }
            } else {
                toks.push(match word.as_str() {
                    "true" => Tok::Bool(true),
                    "false" => Tok::Bool(false),
                    "none" | "null" => Tok::Null,
                    _ => Tok::Sym(word),
                });
            }
        }
    }
    Ok(toks)
}

/// A Nunjucks expression.
#[derive(Clone, Debug)]
pub(crate) enum Expr {
    Str(String),
    Int(String),
    Float(String),
    Bool(bool),
    Null,
    Regex(String, String),
    Sym(String),
    /// `( … )`; Nunjucks allows several comma-separated expressions (JavaScript's comma
    /// operator: the last one is the value).
    Group(Vec<Expr>),
    Array(Vec<Expr>),
    Dict(Vec<(Expr, Expr)>),
    /// `a.b`
    Attr(Box<Expr>, String),
    /// `a[b]`
    Index(Box<Expr>, Box<Expr>),
    Call(Box<Expr>, Vec<Arg>),
    Filter(Box<Expr>, String, Vec<Arg>),
    /// `a is [not] test` / `a is [not] test(args)`
    Is {
        value: Box<Expr>,
        negated: bool,
        test: String,
        args: Vec<Arg>,
    },
    In(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    /// `a op b op c …`
    Compare(Box<Expr>, Vec<(String, Expr)>),
    /// `~ + - * / // % **`
    Binary(String, Box<Expr>, Box<Expr>),
    Neg(Box<Expr>),
    Pos(Box<Expr>),
    InlineIf {
        body: Box<Expr>,
        cond: Box<Expr>,
        otherwise: Option<Box<Expr>>,
    },
}

/// A call argument.
#[derive(Clone, Debug)]
pub(crate) enum Arg {
    Pos(Expr),
    Kw(String, Expr),
}

/// A parsed `{% … %}` tag.
#[derive(Clone, Debug)]
pub(crate) enum Stmt {
    If(Expr),
    /// `elif` and Nunjucks' `elseif`.
    Elif(Expr),
    For {
        targets: Vec<String>,
        iter: Expr,
    },
    EndFor,
    Set {
        targets: Vec<String>,
        value: Option<Expr>,
    },
    EndSet,
    Macro {
        name: String,
        params: Vec<(String, Option<Expr>)>,
    },
    EndMacro,
    Call {
        params: Vec<(String, Option<Expr>)>,
        call: Expr,
    },
    EndCall,
    From {
        template: Expr,
        names: Vec<(String, Option<String>)>,
    },
    Import {
        template: Expr,
        alias: String,
    },
    Include {
        template: Expr,
        ignore_missing: bool,
    },
    Extends(Expr),
    Block(String),
    EndBlock,
    Filter {
        name: String,
        args: Vec<Arg>,
    },
    /// Any other tag (`else`, `endif`, `endfilter`, …): copied through as written.
    Other,
}

pub(crate) struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

type PResult<T> = Result<T, String>;

impl Parser {
    pub(crate) fn new(code: &str) -> PResult<Self> {
        Ok(Parser { toks: tokenize(code)?, pos: 0 })
    }

    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn next(&mut self) -> Option<Tok> {
        let tok = self.toks.get(self.pos).cloned();
        self.pos += 1;
        tok
    }

    fn at_end(&self) -> bool {
        self.pos >= self.toks.len()
    }

    fn is_op(&self, op: &str) -> bool {
        matches!(self.peek(), Some(Tok::Op(o)) if o == op)
    }

    fn skip_op(&mut self, op: &str) -> bool {
        if self.is_op(op) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn is_sym(&self, name: &str) -> bool {
        matches!(self.peek(), Some(Tok::Sym(s)) if s == name)
    }

    fn skip_sym(&mut self, name: &str) -> bool {
        if self.is_sym(name) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect_op(&mut self, op: &str) -> PResult<()> {
        if self.skip_op(op) { Ok(()) } else { Err(format!("expected `{op}`, got {:?}", self.peek())) }
    }

    fn expect_name(&mut self) -> PResult<String> {
        match self.next() {
            Some(Tok::Sym(s)) => Ok(s),
            other => Err(format!("expected a name, got {other:?}")),
        }
    }

    fn expect_end(&self) -> PResult<()> {
        match self.peek() {
            None => Ok(()),
            Some(tok) => Err(format!("unexpected {tok:?}")),
        }
    }

    /// Parses a whole `{% … %}` tag body.
    pub(crate) fn statement(mut self) -> PResult<Stmt> {
        let keyword = match self.next() {
            Some(Tok::Sym(s)) => s,
            _ => return Ok(Stmt::Other),
        };
        let stmt = match keyword.as_str() {
            "if" => Stmt::If(self.expression()?),
            "elif" | "elseif" => Stmt::Elif(self.expression()?),
            "for" => {
                let mut targets = vec![self.expect_name()?];
                while self.skip_op(",") {
                    targets.push(self.expect_name()?);
                }
                if !self.skip_sym("in") {
                    return Err("expected `in`".into());
                }
                Stmt::For { targets, iter: self.expression()? }
            }
            "endfor" => Stmt::EndFor,
            "set" => {
                let mut targets = vec![self.expect_name()?];
                while self.skip_op(",") {
                    targets.push(self.expect_name()?);
                }
                let value = if self.skip_op("=") { Some(self.expression()?) } else { None };
                Stmt::Set { targets, value }
            }
            "endset" => Stmt::EndSet,
            "macro" => {
                let name = self.expect_name()?;
                let params = self.signature()?;
                Stmt::Macro { name, params }
            }
            "endmacro" => Stmt::EndMacro,
            "call" => {
                let params = if self.is_op("(") { self.signature()? } else { Vec::new() };
                Stmt::Call { params, call: self.primary()? }
            }
            "endcall" => Stmt::EndCall,
            "from" => {
                let template = self.expression()?;
                if !self.skip_sym("import") {
                    return Err("expected `import`".into());
                }
                let mut names = Vec::new();
                loop {
                    let name = self.expect_name()?;
                    let alias = if self.skip_sym("as") { Some(self.expect_name()?) } else { None };
                    names.push((name, alias));
                    if !self.skip_op(",") {
                        break;
                    }
                }
                self.context_modifier();
                Stmt::From { template, names }
            }
            "import" => {
                let template = self.expression()?;
                if !self.skip_sym("as") {
                    return Err("expected `as`".into());
                }
                let alias = self.expect_name()?;
                self.context_modifier();
                Stmt::Import { template, alias }
            }
            "include" => {
                let template = self.expression()?;
                let ignore_missing = self.skip_sym("ignore") && self.skip_sym("missing");
                Stmt::Include { template, ignore_missing }
            }
            "extends" => Stmt::Extends(self.expression()?),
            "block" => Stmt::Block(self.expect_name()?),
            "endblock" => {
                self.skip_sym_any();
                Stmt::EndBlock
            }
            "filter" => {
                let mut name = self.expect_name()?;
                while self.skip_op(".") {
                    name.push('.');
                    name.push_str(&self.expect_name()?);
                }
                let args = if self.is_op("(") { self.call_args()? } else { Vec::new() };
                Stmt::Filter { name, args }
            }
            _ => return Ok(Stmt::Other),
        };
        self.expect_end()?;
        Ok(stmt)
    }

    fn skip_sym_any(&mut self) {
        if matches!(self.peek(), Some(Tok::Sym(_))) {
            self.pos += 1;
        }
    }

    /// `with context` / `without context` after an import (minijinja has no such switch).
    fn context_modifier(&mut self) {
        if (self.skip_sym("with") || self.skip_sym("without")) && !self.skip_sym("context") {
            self.pos -= 1;
        }
    }

    /// A macro or caller signature: `(a, b = default)`.
    fn signature(&mut self) -> PResult<Vec<(String, Option<Expr>)>> {
        let mut params = Vec::new();
        for arg in self.call_args()? {
            match arg {
                Arg::Pos(Expr::Sym(name)) => params.push((name, None)),
                Arg::Kw(name, default) => params.push((name, Some(default))),
                Arg::Pos(other) => return Err(format!("bad parameter {other:?}")),
            }
        }
        Ok(params)
    }

    /// Parses a whole `{{ … }}` body.
    pub(crate) fn output(mut self) -> PResult<Expr> {
        let expr = self.expression()?;
        self.expect_end()?;
        Ok(expr)
    }

    pub(crate) fn expression(&mut self) -> PResult<Expr> {
        let body = self.or()?;
        if self.skip_sym("if") {
            let cond = self.or()?;
            let otherwise = if self.skip_sym("else") { Some(Box::new(self.or()?)) } else { None };
            return Ok(Expr::InlineIf { body: Box::new(body), cond: Box::new(cond), otherwise });
        }
        Ok(body)
    }

    fn or(&mut self) -> PResult<Expr> {
        let mut node = self.and()?;
        while self.skip_sym("or") {
            node = Expr::Or(Box::new(node), Box::new(self.and()?));
        }
        Ok(node)
    }

    fn and(&mut self) -> PResult<Expr> {
        let mut node = self.not()?;
        while self.skip_sym("and") {
            node = Expr::And(Box::new(node), Box::new(self.not()?));
        }
        Ok(node)
    }

    fn not(&mut self) -> PResult<Expr> {
        if self.skip_sym("not") {
            return Ok(Expr::Not(Box::new(self.not()?)));
        }
        self.in_()
    }

    fn in_(&mut self) -> PResult<Expr> {
        let mut node = self.is()?;
        loop {
            let save = self.pos;
            let negated = self.skip_sym("not");
            if self.skip_sym("in") {
                let rhs = self.is()?;
                node = Expr::In(Box::new(node), Box::new(rhs));
                if negated {
                    node = Expr::Not(Box::new(node));
                }
            } else {
                self.pos = save;
                return Ok(node);
            }
        }
    }

    fn is(&mut self) -> PResult<Expr> {
        let node = self.compare()?;
        if !self.skip_sym("is") {
            return Ok(node);
        }
        let negated = self.skip_sym("not");
        let (test, args) = match self.compare()? {
            Expr::Sym(name) => (name, Vec::new()),
            Expr::Call(callee, args) => match *callee {
                Expr::Sym(name) => (name, args),
                other => return Err(format!("bad test {other:?}")),
            },
            Expr::Null => ("null".to_owned(), Vec::new()),
            other => return Err(format!("bad test {other:?}")),
        };
        Ok(Expr::Is { value: Box::new(node), negated, test, args })
    }

    fn compare(&mut self) -> PResult<Expr> {
        let first = self.concat()?;
        let mut ops = Vec::new();
        while let Some(Tok::Op(op)) = self.peek() {
            if !matches!(op.as_str(), "==" | "===" | "!=" | "!==" | "<" | ">" | "<=" | ">=") {
                break;
            }
            let op = op.clone();
            self.pos += 1;
            ops.push((op, self.concat()?));
        }
        if ops.is_empty() { Ok(first) } else { Ok(Expr::Compare(Box::new(first), ops)) }
    }

    fn concat(&mut self) -> PResult<Expr> {
        self.binary_level(0)
    }

    /// Nunjucks gives each arithmetic operator its own level, loosest first.
    fn binary_level(&mut self, level: usize) -> PResult<Expr> {
        const LEVELS: [&str; 8] = ["~", "+", "-", "*", "/", "//", "%", "**"];
        if level == LEVELS.len() {
            return self.unary(false);
        }
        let mut node = self.binary_level(level + 1)?;
        while self.skip_op(LEVELS[level]) {
            let rhs = self.binary_level(level + 1)?;
            node = Expr::Binary(LEVELS[level].to_owned(), Box::new(node), Box::new(rhs));
        }
        Ok(node)
    }

    fn unary(&mut self, no_filters: bool) -> PResult<Expr> {
        let node = if self.skip_op("-") {
            Expr::Neg(Box::new(self.unary(true)?))
        } else if self.skip_op("+") {
            Expr::Pos(Box::new(self.unary(true)?))
        } else {
            self.primary()?
        };
        if no_filters { Ok(node) } else { self.filters(node) }
    }

    fn filters(&mut self, mut node: Expr) -> PResult<Expr> {
        while self.skip_op("|") {
            let mut name = self.expect_name()?;
            while self.skip_op(".") {
                name.push('.');
                name.push_str(&self.expect_name()?);
            }
            let args = if self.is_op("(") { self.call_args()? } else { Vec::new() };
            node = Expr::Filter(Box::new(node), name, args);
        }
        Ok(node)
    }

    fn primary(&mut self) -> PResult<Expr> {
        let node = match self.next() {
            None => return Err("expected an expression".into()),
            Some(Tok::Str(s)) => Expr::Str(s),
            Some(Tok::Int(s)) => Expr::Int(s),
            Some(Tok::Float(s)) => Expr::Float(s),
            Some(Tok::Bool(b)) => Expr::Bool(b),
            Some(Tok::Null) => Expr::Null,
            Some(Tok::Regex(body, flags)) => Expr::Regex(body, flags),
            Some(Tok::Sym(s)) => Expr::Sym(s),
            Some(Tok::Op(op)) => match op.as_str() {
                "(" => Expr::Group(self.aggregate(")")?),
                "[" => Expr::Array(self.aggregate("]")?),
                "{" => self.dict()?,
                _ => return Err(format!("unexpected `{op}`")),
            },
        };
        self.postfix(node)
    }

    /// Comma-separated expressions up to `close` (the opener is already consumed).
    fn aggregate(&mut self, close: &str) -> PResult<Vec<Expr>> {
        let mut items = Vec::new();
        loop {
            if self.skip_op(close) {
                return Ok(items);
            }
            if !items.is_empty() {
                self.expect_op(",")?;
                if self.skip_op(close) {
                    return Ok(items);
                }
            }
            items.push(self.expression()?);
        }
    }

    fn dict(&mut self) -> PResult<Expr> {
        let mut pairs = Vec::new();
        loop {
            if self.skip_op("}") {
                return Ok(Expr::Dict(pairs));
            }
            if !pairs.is_empty() {
                self.expect_op(",")?;
                if self.skip_op("}") {
                    return Ok(Expr::Dict(pairs));
                }
            }
            let key = self.primary()?;
            self.expect_op(":")?;
            pairs.push((key, self.expression()?));
        }
    }

    fn call_args(&mut self) -> PResult<Vec<Arg>> {
        self.expect_op("(")?;
        let mut args = Vec::new();
        loop {
            if self.skip_op(")") {
                return Ok(args);
            }
            if !args.is_empty() {
                self.expect_op(",")?;
            }
            let arg = self.expression()?;
            if self.skip_op("=") {
                let Expr::Sym(name) = arg else {
                    return Err("keyword argument name must be a name".into());
                };
                args.push(Arg::Kw(name, self.expression()?));
            } else {
                args.push(Arg::Pos(arg));
            }
        }
    }

    fn postfix(&mut self, mut node: Expr) -> PResult<Expr> {
        loop {
            if self.is_op("(") {
                node = Expr::Call(Box::new(node), self.call_args()?);
            } else if self.skip_op("[") {
                let mut index = self.aggregate("]")?;
                if index.len() != 1 {
                    return Err("invalid index".into());
                }
                node = Expr::Index(Box::new(node), Box::new(index.remove(0)));
            } else if self.is_op(".") && !self.at_end() {
                self.pos += 1;
                let name = self.expect_name()?;
                node = Expr::Attr(Box::new(node), name);
            } else {
                return Ok(node);
            }
        }
    }
}
