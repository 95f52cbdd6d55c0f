//! Completion for `$filter` while the user types: property names (prefix and fuzzy), operators
//! valid for the property before the cursor, functions, enum-like values, `true/false/null`, and
//! lambda templates, each with the byte range of the text it replaces.
//!
//! Works on incomplete input: a light scan of the text before the cursor, no successful parse
//! needed.

use super::capabilities::{BaseType, Entity, FilterOp, Mode, Property, capabilities};
use serde::Serialize;
use std::ops::Range;

/// What a candidate is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CandidateKind {
    /// A property name (or a lambda variable / sub-property).
    Property,
    /// A comparison operator or `in`.
    Operator,
    /// `startsWith(`, `endsWith(`.
    Function,
    /// A value: enum-like string, `true`, `false`, `null`, a date template.
    Value,
    /// `and`, `or`, `not`, `)`.
    Keyword,
    /// A lambda template such as `proxyAddresses/any(p:startsWith(p, ''))`.
    Lambda,
}

/// One suggestion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Candidate {
    /// What to show in the list.
    pub label: String,
    /// What to insert in place of [`Completion::range`].
    pub insert: String,
    /// Kind, for styling.
    pub kind: CandidateKind,
    /// Extra information (type, "advanced query").
    pub detail: Option<String>,
    /// Where the cursor goes after inserting, as a byte offset into `insert` (default: the end).
    pub cursor: Option<usize>,
}

/// The result of a completion request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Completion {
    /// Byte range of the input to replace with a candidate's `insert`.
    pub range: Range<usize>,
    /// Candidates, best first.
    pub candidates: Vec<Candidate>,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Str { closed: bool },
    Num,
    LParen,
    RParen,
    Comma,
    Colon,
    Other,
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    span: Range<usize>,
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '$' | '/' | '.' | '-')
}

fn scan(src: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut it = src.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        if c.is_whitespace() {
            continue;
        }
        let tok = match c {
            '(' => Tok::LParen,
            ')' => Tok::RParen,
            ',' => Tok::Comma,
            ':' => Tok::Colon,
            '\'' => {
                let mut closed = false;
                while let Some((_, c2)) = it.next() {
                    if c2 == '\'' {
                        if it.peek().is_some_and(|(_, n)| *n == '\'') {
                            it.next();
                            continue;
                        }
                        closed = true;
                        break;
                    }
                }
                let end = it.peek().map(|(j, _)| *j).unwrap_or(src.len());
                out.push(Token {
                    tok: Tok::Str { closed },
                    span: i..end,
                });
                continue;
            }
            c if c.is_ascii_digit() => {
                while it
                    .peek()
                    .is_some_and(|(_, n)| is_word_char(*n) || *n == ':')
                {
                    it.next();
                }
                Tok::Num
            }
            c if is_word_char(c) => {
                while it.peek().is_some_and(|(_, n)| is_word_char(*n)) {
                    it.next();
                }
                let end = it.peek().map(|(j, _)| *j).unwrap_or(src.len());
                out.push(Token {
                    tok: Tok::Word(src[i..end].to_string()),
                    span: i..end,
                });
                continue;
            }
            _ => Tok::Other,
        };
        let end = it.peek().map(|(j, _)| *j).unwrap_or(src.len());
        out.push(Token { tok, span: i..end });
    }
    out
}

const COMPARE: [&str; 6] = ["eq", "ne", "gt", "ge", "lt", "le"];

fn is_keyword(w: &str) -> bool {
    matches!(w.to_ascii_lowercase().as_str(), "and" | "or" | "not")
}

fn is_compare(w: &str) -> bool {
    COMPARE.iter().any(|c| c.eq_ignore_ascii_case(w))
}

/// How well `cand` matches what was typed: 0 = prefix, 1 = subsequence, 2 = close typo; None = no.
fn match_rank(typed: &str, cand: &str) -> Option<u8> {
    if typed.is_empty() {
        return Some(0);
    }
    let t = typed.to_lowercase();
    let c = cand.to_lowercase();
    if c.starts_with(&t) {
        return Some(0);
    }
    let mut ci = c.chars();
    if t.chars().all(|tc| ci.any(|cc| cc == tc)) {
        return Some(1);
    }
    let n = t.chars().count();
    if n >= 3 {
        let head: String = c.chars().take(n).collect();
        let max = if n >= 5 { 2 } else { 1 };
        if super::capabilities::edit_distance(&t, &head) <= max {
            return Some(2);
        }
    }
    None
}

fn rank(typed: &str, mut cands: Vec<Candidate>) -> Vec<Candidate> {
    let mut scored: Vec<(u8, usize, Candidate)> = cands
        .drain(..)
        .enumerate()
        .filter_map(|(i, c)| match_rank(typed, &c.label).map(|r| (r, i, c)))
        .collect();
    scored.sort_by_key(|(r, i, _)| (*r, *i));
    let mut seen = Vec::new();
    scored
        .into_iter()
        .filter_map(|(_, _, c)| {
            if seen.contains(&c.insert) {
                None
            } else {
                seen.push(c.insert.clone());
                Some(c)
            }
        })
        .collect()
}

fn cand(label: impl Into<String>, kind: CandidateKind, detail: Option<String>) -> Candidate {
    let label = label.into();
    Candidate {
        insert: label.clone(),
        label,
        kind,
        detail,
        cursor: None,
    }
}

fn with_cursor(
    label: String,
    kind: CandidateKind,
    detail: Option<String>,
    cursor: usize,
) -> Candidate {
    Candidate {
        insert: label.clone(),
        label,
        kind,
        detail,
        cursor: Some(cursor),
    }
}

fn var_name(p: &Property) -> String {
    p.name
        .chars()
        .next()
        .map(|c| c.to_ascii_lowercase().to_string())
        .unwrap_or_else(|| "x".into())
}

/// Lambda templates for a collection property.
fn lambda_templates(p: &Property) -> Vec<Candidate> {
    let v = var_name(p);
    let mut out = Vec::new();
    if let Some(c) = capabilities().complex_of(p) {
        for sub in c.properties.iter().filter(|s| s.filterable()) {
            let (val, cur_back) = match sub.ty.base {
                BaseType::Guid => (String::new(), 1),
                BaseType::String => ("''".to_string(), 2),
                _ => (String::new(), 1),
            };
            let text = format!("{}/any({v}:{v}/{} eq {val})", p.name, sub.name);
            let cur = text.len() - cur_back;
            out.push(with_cursor(
                text,
                CandidateKind::Lambda,
                Some(format!("any() over {}", c.name)),
                cur,
            ));
        }
        return out;
    }
    if p.filter_mode(FilterOp::StartsWith).is_some() {
        let text = format!("{}/any({v}:startsWith({v}, ''))", p.name);
        let cur = text.len() - 3;
        out.push(with_cursor(
            text,
            CandidateKind::Lambda,
            Some("any() with startsWith".into()),
            cur,
        ));
    }
    let first = p.values.first().cloned().unwrap_or_default();
    let text = format!("{}/any({v}:{v} eq '{first}')", p.name);
    let cur = text.len() - 2;
    out.push(with_cursor(
        text,
        CandidateKind::Lambda,
        Some("any() with eq".into()),
        cur,
    ));
    if p.filter_mode(FilterOp::EndsWith).is_some() {
        let text = format!("{}/any({v}:endsWith({v}, ''))", p.name);
        let cur = text.len() - 3;
        out.push(with_cursor(
            text,
            CandidateKind::Lambda,
            Some("advanced query".into()),
            cur,
        ));
    }
    out
}

fn mode_detail(m: Mode) -> Option<String> {
    match m {
        Mode::Default => None,
        Mode::Advanced => Some("advanced query".into()),
    }
}

/// Candidates at the start of an operand: properties, functions, not, lambda templates.
fn operand_candidates(
    entity: &Entity,
    scope: &[(String, &Property)],
    only_strings: bool,
) -> Vec<Candidate> {
    let mut out = Vec::new();
    for (var, p) in scope.iter().rev() {
        out.push(cand(
            var.clone(),
            CandidateKind::Property,
            Some(format!("{} item", p.name)),
        ));
        if let Some(c) = capabilities().complex_of(p) {
            for s in &c.properties {
                out.push(cand(
                    format!("{var}/{}", s.name),
                    CandidateKind::Property,
                    Some(s.ty.to_string()),
                ));
            }
        }
    }
    let props = entity.all_properties();
    for p in &props {
        if !p.filterable() {
            continue;
        }
        if only_strings && (p.ty.base != BaseType::String || p.ty.collection) {
            continue;
        }
        if p.ty.collection {
            if !only_strings {
                out.extend(lambda_templates(p));
            }
        } else {
            out.push(cand(
                p.name.clone(),
                CandidateKind::Property,
                Some(p.ty.to_string()),
            ));
        }
    }
    if !only_strings {
        for (f, detail) in [
            ("startsWith", None),
            ("endsWith", Some("advanced query".to_string())),
        ] {
            let text = format!("{f}(");
            out.push(Candidate {
                label: format!("{f}(…)"),
                cursor: Some(text.len()),
                insert: text,
                kind: CandidateKind::Function,
                detail,
            });
        }
        out.push(cand(
            "not",
            CandidateKind::Keyword,
            Some("advanced query".into()),
        ));
        // non-filterable properties last, so the user learns they exist but can't be used
        for p in &props {
            if !p.filterable() && !p.ty.collection {
                out.push(cand(
                    p.name.clone(),
                    CandidateKind::Property,
                    Some("not filterable".into()),
                ));
            }
        }
    }
    out
}

fn operator_candidates(p: &Property) -> Vec<Candidate> {
    let mut out = Vec::new();
    if p.ty.collection {
        let v = var_name(p);
        let text = format!("/any({v}:)");
        let cur = text.len() - 1;
        out.push(with_cursor(
            text,
            CandidateKind::Lambda,
            Some("collections need any()".into()),
            cur,
        ));
        if let Some(m) = p.filter_mode(FilterOp::Count) {
            out.push(cand(
                "/$count eq 0",
                CandidateKind::Operator,
                mode_detail(m),
            ));
        }
        return out;
    }
    for (op, m) in p.supported_ops() {
        match op {
            FilterOp::Eq
            | FilterOp::Ne
            | FilterOp::Gt
            | FilterOp::Ge
            | FilterOp::Lt
            | FilterOp::Le => out.push(cand(op.as_str(), CandidateKind::Operator, mode_detail(m))),
            FilterOp::In => {
                let text = "in ('')".to_string();
                out.push(with_cursor(
                    text,
                    CandidateKind::Operator,
                    mode_detail(m),
                    5,
                ));
            }
            FilterOp::Null => out.push(cand("eq null", CandidateKind::Operator, mode_detail(m))),
            FilterOp::Not if p.filter_mode(FilterOp::Ne).is_none() => out.push(cand(
                "ne",
                CandidateKind::Operator,
                Some("advanced query".into()),
            )),
            _ => {}
        }
    }
    out
}

fn value_candidates(p: &Property, op: &str) -> Vec<Candidate> {
    let mut out = Vec::new();
    let base = &p.ty.base;
    match base {
        BaseType::Boolean => {
            out.push(cand("true", CandidateKind::Value, None));
            out.push(cand("false", CandidateKind::Value, None));
        }
        BaseType::String => {
            for v in &p.values {
                out.push(cand(
                    format!("'{}'", v.replace('\'', "''")),
                    CandidateKind::Value,
                    None,
                ));
            }
            out.push(with_cursor(
                "''".into(),
                CandidateKind::Value,
                Some("a string".into()),
                1,
            ));
        }
        BaseType::DateTimeOffset => {
            out.push(cand(
                "2024-01-01T00:00:00Z",
                CandidateKind::Value,
                Some("DateTimeOffset, unquoted".into()),
            ));
        }
        BaseType::Guid => {
            out.push(cand(
                "00000000-0000-0000-0000-000000000000",
                CandidateKind::Value,
                Some("GUID, unquoted".into()),
            ));
        }
        b if b.is_numeric() => out.push(cand("0", CandidateKind::Value, None)),
        _ => {}
    }
    if (op.eq_ignore_ascii_case("eq") || op.eq_ignore_ascii_case("ne"))
        && let Some(m) = p.filter_mode(FilterOp::Null)
    {
        out.push(cand("null", CandidateKind::Value, mode_detail(m)));
    }
    out
}

/// The property a word names: a lambda variable (or `var/sub`), `prop`, or `prop/sub`.
fn lookup<'a>(
    entity: &'a Entity,
    scope: &[(String, &'a Property)],
    word: &str,
) -> Option<&'a Property> {
    let mut parts = word.split('/');
    let first = parts.next()?;
    let second = parts.next();
    if let Some((_, p)) = scope.iter().rev().find(|(v, _)| v == first) {
        return match second {
            None => Some(*p),
            Some(s) => capabilities().complex_of(p).and_then(|c| c.property(s)),
        };
    }
    let p = entity.property(first)?;
    match second {
        None => Some(p),
        Some(s) => capabilities()
            .complex_of(p)
            .and_then(|c| c.property(s))
            .or(Some(p)),
    }
}

/// Completion candidates for a `$filter` being typed, with the cursor at byte `cursor`.
pub fn complete_filter(entity: &Entity, text: &str, cursor: usize) -> Completion {
    let mut cursor = cursor.min(text.len());
    while cursor > 0 && !text.is_char_boundary(cursor) {
        cursor -= 1;
    }
    let before = &text[..cursor];
    let toks = scan(before);

    // Lambda variables in scope: `... ( var :` with an unclosed paren.
    let mut scope: Vec<(String, &Property)> = Vec::new();
    {
        let mut stack: Vec<Option<String>> = Vec::new();
        for (i, t) in toks.iter().enumerate() {
            match &t.tok {
                Tok::LParen => {
                    let var = match (
                        toks.get(i + 1),
                        toks.get(i + 2),
                        i.checked_sub(1).and_then(|j| toks.get(j)),
                    ) {
                        (
                            Some(Token {
                                tok: Tok::Word(v), ..
                            }),
                            Some(Token {
                                tok: Tok::Colon, ..
                            }),
                            Some(Token {
                                tok: Tok::Word(w), ..
                            }),
                        ) if w.to_ascii_lowercase().ends_with("/any")
                            || w.to_ascii_lowercase().ends_with("/all") =>
                        {
                            let coll = &w[..w.len() - 4];
                            if let Some(p) = entity.property(coll) {
                                scope.push((v.clone(), p));
                                Some(v.clone())
                            } else {
                                None
                            }
                        }
                        _ => None,
                    };
                    stack.push(var);
                }
                Tok::RParen => {
                    if let Some(Some(v)) = stack.pop()
                        && let Some(pos) = scope.iter().rposition(|(n, _)| *n == v)
                    {
                        scope.remove(pos);
                    }
                }
                _ => {}
            }
        }
    }

    // Inside an unterminated string: complete enum values.
    if let Some(Token {
        tok: Tok::Str { closed: false },
        span,
    }) = toks.last()
    {
        let start = span.start + 1;
        let typed = &text[start..cursor];
        let closing = text[cursor..].starts_with('\'');
        let mut end = cursor;
        // the rest of the word the cursor is in
        for (i, c) in text[cursor..].char_indices() {
            if c == '\'' {
                end = cursor + i;
                break;
            }
            end = cursor + i + c.len_utf8();
        }
        let prop = find_compared_property(entity, &scope, &toks[..toks.len() - 1]);
        let mut cands = Vec::new();
        if let Some(p) = prop {
            for v in &p.values {
                let esc = v.replace('\'', "''");
                let insert = if closing {
                    esc.clone()
                } else {
                    format!("{esc}'")
                };
                cands.push(Candidate {
                    label: v.clone(),
                    insert,
                    kind: CandidateKind::Value,
                    detail: None,
                    cursor: None,
                });
            }
        }
        return Completion {
            range: start..end,
            candidates: rank(typed, cands),
        };
    }

    // The word at the cursor.
    let word_start = before
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_word_char(*c))
        .last()
        .map(|(i, _)| i)
        .unwrap_or(cursor);
    let word_end = cursor
        + text[cursor..]
            .char_indices()
            .find(|(_, c)| !is_word_char(*c))
            .map(|(i, _)| i)
            .unwrap_or(text.len() - cursor);
    let typed = &text[word_start..cursor];
    // Tokens before the word being typed.
    let prev: Vec<&Token> = toks.iter().filter(|t| t.span.end <= word_start).collect();
    let last = prev.last().map(|t| &t.tok);

    // `prop/` typed: sub-properties, $count, any().
    if let Some(slash) = typed.rfind('/') {
        let base = &typed[..slash];
        let part = &typed[slash + 1..];
        let start = word_start + slash + 1;
        let mut cands = Vec::new();
        if let Some(p) = lookup(entity, &scope, base) {
            if p.ty.collection && !scope.iter().any(|(v, _)| v == base) {
                let v = var_name(p);
                let text_any = format!("any({v}:)");
                let cur = text_any.len() - 1;
                cands.push(with_cursor(
                    text_any,
                    CandidateKind::Lambda,
                    Some("any()".into()),
                    cur,
                ));
                for t in lambda_templates(p) {
                    let prefix = format!("{}/", p.name);
                    let insert = t
                        .insert
                        .strip_prefix(&prefix)
                        .unwrap_or(&t.insert)
                        .to_string();
                    let cursor = t.cursor.map(|c| c.saturating_sub(prefix.len()));
                    cands.push(Candidate {
                        label: insert.clone(),
                        insert,
                        cursor,
                        ..t
                    });
                }
                if let Some(m) = p.filter_mode(FilterOp::Count) {
                    cands.push(cand("$count", CandidateKind::Property, mode_detail(m)));
                }
            } else if let Some(c) = capabilities().complex_of(p) {
                for s in &c.properties {
                    cands.push(cand(
                        s.name.clone(),
                        CandidateKind::Property,
                        Some(s.ty.to_string()),
                    ));
                }
            }
        }
        return Completion {
            range: start..word_end.max(cursor),
            candidates: rank(part, cands),
        };
    }

    let cands = match last {
        // After a property: operators.
        Some(Tok::Word(w)) if !is_keyword(w) && !is_compare(w) && !w.eq_ignore_ascii_case("in") => {
            let is_value_word =
                matches!(w.to_ascii_lowercase().as_str(), "true" | "false" | "null");
            match lookup(entity, &scope, w) {
                Some(p) if !is_value_word && !inside_function_first_arg(&prev) => {
                    operator_candidates(p)
                }
                _ => connective_candidates(),
            }
        }
        // After an operator: values.
        Some(Tok::Word(w)) if is_compare(w) => {
            match find_compared_property(
                entity,
                &scope,
                &prev.iter().map(|t| (*t).clone()).collect::<Vec<_>>(),
            ) {
                Some(p) => value_candidates(p, w),
                None => vec![
                    cand("true", CandidateKind::Value, None),
                    cand("false", CandidateKind::Value, None),
                    cand("null", CandidateKind::Value, None),
                ],
            }
        }
        Some(Tok::Word(w)) if w.eq_ignore_ascii_case("in") => {
            vec![with_cursor(
                "('')".into(),
                CandidateKind::Value,
                Some("a list of values".into()),
                2,
            )]
        }
        // After a value or a closing paren: and/or.
        Some(Tok::Str { .. }) | Some(Tok::Num) | Some(Tok::RParen) => connective_candidates(),
        // After `(` of startsWith/endsWith: string properties.
        Some(Tok::LParen)
            if prev.len() >= 2
                && matches!(&prev[prev.len() - 2].tok, Tok::Word(f) if f.eq_ignore_ascii_case("startsWith") || f.eq_ignore_ascii_case("endsWith")) =>
        {
            let mut c: Vec<Candidate> = scope
                .iter()
                .rev()
                .map(|(v, p)| {
                    cand(
                        v.clone(),
                        CandidateKind::Property,
                        Some(format!("{} item", p.name)),
                    )
                })
                .collect();
            c.extend(operand_candidates(entity, &[], true));
            c
        }
        // After the comma in startsWith(prop, : a string.
        Some(Tok::Comma) => vec![with_cursor(
            "''".into(),
            CandidateKind::Value,
            Some("a string".into()),
            1,
        )],
        // Start, `(`, and/or/not, `:`: an operand.
        _ => operand_candidates(entity, &scope, false),
    };
    Completion {
        range: word_start..word_end.max(cursor),
        candidates: rank(typed, cands),
    }
}

/// [`complete_filter`] with property names ranked for a list: among candidates that match
/// what was typed equally well, the names in `preferred` come first (in that order; e.g. the
/// list's columns), then functions and the like, then properties filterable without
/// advanced-query mode, then the rest. Operators and values keep their order.
pub fn complete_filter_preferring(
    entity: &Entity,
    text: &str,
    cursor: usize,
    preferred: &[&str],
) -> Completion {
    let mut c = complete_filter(entity, text, cursor);
    let cursor = clamp(text, cursor).max(c.range.start);
    let typed = text.get(c.range.start..cursor).unwrap_or("");
    let class = |cand: &Candidate| -> usize {
        if cand.kind != CandidateKind::Property {
            // functions, operators, values: after the preferred names, in their own order
            return 250;
        }
        if let Some(i) = preferred
            .iter()
            .position(|p| p.eq_ignore_ascii_case(&cand.insert))
        {
            return i;
        }
        match entity.property(&cand.insert) {
            Some(p) if p.filter_mode(FilterOp::Eq) == Some(Mode::Default) => 500,
            Some(p) if p.filterable() => 1_500,
            _ => 2_000,
        }
    };
    let mut keyed: Vec<(u8, usize, usize, Candidate)> = c
        .candidates
        .drain(..)
        .enumerate()
        .map(|(i, cand)| {
            (
                match_rank(typed, &cand.label).unwrap_or(3),
                class(&cand),
                i,
                cand,
            )
        })
        .collect();
    keyed.sort_by_key(|(r, k, i, _)| (*r, *k, *i));
    c.candidates = keyed.into_iter().map(|(_, _, _, cand)| cand).collect();
    c
}

/// Which query option is being completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionKind {
    /// `$filter`.
    Filter,
    /// `$select`: comma-separated property names.
    Select,
    /// `$orderby`: properties that can be sorted, then `asc`/`desc`.
    Orderby,
    /// `$search`: `"property:text"` clauses on searchable properties.
    Search,
}

/// Completion for any of the query options the explorer edits.
pub fn complete(entity: &Entity, kind: OptionKind, text: &str, cursor: usize) -> Completion {
    match kind {
        OptionKind::Filter => complete_filter(entity, text, cursor),
        OptionKind::Select => complete_list(entity, text, cursor, false),
        OptionKind::Orderby => complete_list(entity, text, cursor, true),
        OptionKind::Search => complete_search(entity, text, cursor),
    }
}

fn clamp(text: &str, cursor: usize) -> usize {
    let mut c = cursor.min(text.len());
    while c > 0 && !text.is_char_boundary(c) {
        c -= 1;
    }
    c
}

/// `$select` / `$orderby`: the item under the cursor is a property name (or, in `$orderby`, a
/// direction after the name).
fn complete_list(entity: &Entity, text: &str, cursor: usize, orderby: bool) -> Completion {
    let cursor = clamp(text, cursor);
    let item_start = text[..cursor].rfind(',').map(|i| i + 1).unwrap_or(0);
    let item_end = text[cursor..]
        .find(',')
        .map(|i| cursor + i)
        .unwrap_or(text.len());
    let item = &text[item_start..cursor];
    let lead = item.len() - item.trim_start().len();
    let word_start = item_start + lead;
    let typed = &text[word_start..cursor];
    if orderby && let Some(sp) = typed.find(char::is_whitespace) {
        // after the property name: a direction
        let dir_start = word_start + sp + (typed[sp..].len() - typed[sp..].trim_start().len());
        let typed_dir = &text[dir_start..cursor];
        let cands = vec![
            cand("asc", CandidateKind::Keyword, None),
            cand("desc", CandidateKind::Keyword, None),
        ];
        return Completion {
            range: dir_start..item_end.max(cursor),
            candidates: rank(typed_dir, cands),
        };
    }
    let word_end = cursor
        + text[cursor..item_end]
            .find(char::is_whitespace)
            .unwrap_or(item_end - cursor);
    let already: Vec<String> = text
        .split(',')
        .map(|s| {
            s.split_whitespace()
                .next()
                .unwrap_or("")
                .to_ascii_lowercase()
        })
        .collect();
    let mut cands = Vec::new();
    for p in entity.all_properties() {
        if orderby {
            if let Some(m) = p.orderby {
                cands.push(cand(
                    p.name.clone(),
                    CandidateKind::Property,
                    mode_detail(m),
                ));
            }
        } else if !already.contains(&p.name.to_ascii_lowercase())
            || p.name.eq_ignore_ascii_case(typed)
        {
            let detail = match p.select {
                super::capabilities::SelectKind::Default => "returned by default",
                super::capabilities::SelectKind::Select => "only on $select",
                super::capabilities::SelectKind::Never => "never returned",
            };
            cands.push(cand(
                p.name.clone(),
                CandidateKind::Property,
                Some(detail.into()),
            ));
        }
    }
    Completion {
        range: word_start..word_end,
        candidates: rank(typed, cands),
    }
}

/// `$search`: inside a quoted clause before the colon, searchable property names (with the
/// colon); outside quotes, a clause template or `AND`/`OR`.
fn complete_search(entity: &Entity, text: &str, cursor: usize) -> Completion {
    let cursor = clamp(text, cursor);
    let before = &text[..cursor];
    let quotes = before.matches('"').count() - before.matches("\\\"").count();
    let searchable = || {
        entity
            .all_properties()
            .into_iter()
            .filter(|p| p.search.is_some())
            .collect::<Vec<_>>()
    };
    if quotes % 2 == 1 {
        let open = before.rfind('"').unwrap_or(0) + 1;
        if before[open..].contains(':') {
            return Completion {
                range: cursor..cursor,
                candidates: Vec::new(),
            };
        }
        let typed = &text[open..cursor];
        let cands = searchable()
            .into_iter()
            .map(|p| {
                let detail = match p.search {
                    Some(super::capabilities::SearchKind::Tokenized) => "tokenised",
                    _ => "matches from the start",
                };
                Candidate {
                    label: p.name.clone(),
                    insert: format!("{}:", p.name),
                    kind: CandidateKind::Property,
                    detail: Some(detail.into()),
                    cursor: None,
                }
            })
            .collect();
        return Completion {
            range: open..cursor,
            candidates: rank(typed, cands),
        };
    }
    let word_start = before
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphanumeric())
        .last()
        .map(|(i, _)| i)
        .unwrap_or(cursor);
    let typed = &text[word_start..cursor];
    let after_clause = before[..word_start].trim_end().ends_with(['"', ')']);
    let mut cands = Vec::new();
    if after_clause {
        cands.push(cand("AND", CandidateKind::Keyword, None));
        cands.push(cand("OR", CandidateKind::Keyword, None));
    } else {
        for p in searchable() {
            let insert = format!("\"{}:\"", p.name);
            let cur = insert.len() - 1;
            cands.push(with_cursor(insert, CandidateKind::Property, None, cur));
        }
        cands.push(cand("NOT", CandidateKind::Keyword, None));
    }
    Completion {
        range: word_start..cursor,
        candidates: rank(typed, cands),
    }
}

fn connective_candidates() -> Vec<Candidate> {
    vec![
        cand("and", CandidateKind::Keyword, None),
        cand("or", CandidateKind::Keyword, None),
        cand(")", CandidateKind::Keyword, None),
    ]
}

/// True when the tokens end in `startsWith ( prop` (so the next thing is a comma, not an operator).
fn inside_function_first_arg(prev: &[&Token]) -> bool {
    let n = prev.len();
    n >= 3
        && matches!(prev[n - 2].tok, Tok::LParen)
        && matches!(&prev[n - 3].tok, Tok::Word(f) if f.eq_ignore_ascii_case("startsWith") || f.eq_ignore_ascii_case("endsWith"))
}

/// The property compared by `prop op` (or `startsWith(prop,`) at the end of `toks`.
fn find_compared_property<'a>(
    entity: &'a Entity,
    scope: &[(String, &'a Property)],
    toks: &[Token],
) -> Option<&'a Property> {
    let n = toks.len();
    // prop op
    if n >= 2
        && let (Tok::Word(p), Tok::Word(op)) = (&toks[n - 2].tok, &toks[n - 1].tok)
        && is_compare(op)
    {
        return lookup(entity, scope, p);
    }
    if n >= 1
        && let Tok::Word(op) = &toks[n - 1].tok
        && is_compare(op)
    {
        return None;
    }
    // startsWith(prop,
    if n >= 2
        && let (Tok::Word(p), Tok::Comma) = (&toks[n - 2].tok, &toks[n - 1].tok)
    {
        return lookup(entity, scope, p);
    }
    // prop in (… ,
    let mut i = n;
    while i > 0 {
        i -= 1;
        if let Tok::Word(w) = &toks[i].tok
            && w.eq_ignore_ascii_case("in")
            && i > 0
            && let Tok::Word(p) = &toks[i - 1].tok
        {
            return lookup(entity, scope, p);
        }
        if matches!(toks[i].tok, Tok::RParen) {
            break;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn users() -> &'static Entity {
        capabilities().entity("users").unwrap()
    }

    fn labels(c: &Completion) -> Vec<&str> {
        c.candidates.iter().map(|c| c.label.as_str()).collect()
    }

    #[test]
    fn property_prefix_and_fuzzy() {
        let c = complete_filter(users(), "disp", 4);
        assert_eq!(c.range, 0..4);
        assert_eq!(labels(&c)[0], "displayName");
        let c = complete_filter(users(), "upn", 3);
        assert!(
            labels(&c).contains(&"userPrincipalName"),
            "{:?}",
            labels(&c)
        );
        let c = complete_filter(users(), "dsiplay", 7);
        assert!(labels(&c).contains(&"displayName"), "{:?}", labels(&c));
        // replacing the whole word under the cursor
        let c = complete_filter(users(), "dispXYZ eq 'a'", 4);
        assert_eq!(c.range, 0..7);
    }

    #[test]
    fn operators_follow_the_property() {
        let c = complete_filter(users(), "accountEnabled ", 15);
        let l = labels(&c);
        assert_eq!(l[0], "eq");
        assert!(l.contains(&"ne"));
        assert!(!l.contains(&"gt"));
        let ne = c.candidates.iter().find(|c| c.label == "ne").unwrap();
        assert_eq!(ne.detail.as_deref(), Some("advanced query"));
        let c = complete_filter(users(), "proxyAddresses ", 15);
        assert!(labels(&c)[0].starts_with("/any("));
    }

    #[test]
    fn values_after_operator() {
        let c = complete_filter(users(), "accountEnabled eq ", 18);
        assert_eq!(labels(&c), vec!["true", "false"]);
        let c = complete_filter(users(), "userType eq ", 12);
        assert!(labels(&c).contains(&"'Guest'"));
        assert!(labels(&c).contains(&"null"));
        let c = complete_filter(users(), "userType eq 'G", 14);
        assert_eq!(c.range, 13..14);
        assert_eq!(c.candidates[0].insert, "Guest'");
        let groups = capabilities().entity("groups").unwrap();
        let c = complete_filter(groups, "groupTypes/any(c:c eq '", 23);
        assert_eq!(labels(&c), vec!["Unified", "DynamicMembership"]);
    }

    #[test]
    fn lambda_templates_and_subproperties() {
        let c = complete_filter(users(), "proxy", 5);
        let t = c
            .candidates
            .iter()
            .find(|c| c.insert == "proxyAddresses/any(p:startsWith(p, ''))")
            .expect("template");
        assert_eq!(t.cursor, Some(t.insert.len() - 3));
        let c = complete_filter(users(), "assignedLicenses/", 17);
        assert_eq!(c.range, 17..17);
        assert!(labels(&c).iter().any(|l| l.starts_with("any(")));
        assert!(labels(&c).contains(&"$count"));
        let c = complete_filter(users(), "assignedLicenses/any(x:x/", 25);
        assert_eq!(labels(&c)[0], "skuId");
        let c = complete_filter(users(), "assignedLicenses/any(x:", 23);
        assert_eq!(labels(&c)[0], "x");
    }

    #[test]
    fn connectives_and_functions() {
        let c = complete_filter(users(), "accountEnabled eq true ", 23);
        assert_eq!(labels(&c), vec!["and", "or", ")"]);
        let c = complete_filter(users(), "startsWith(", 11);
        assert!(labels(&c).contains(&"displayName"));
        assert!(!labels(&c).contains(&"accountEnabled"));
        let c = complete_filter(users(), "starts", 6);
        assert_eq!(labels(&c)[0], "startsWith(…)");
        let c = complete_filter(users(), "startsWith(displayName ", 23);
        assert!(!labels(&c).contains(&"eq"));
    }

    #[test]
    fn never_panics_on_odd_input() {
        for (s, cur) in [
            ("", 0),
            ("'", 1),
            ("é", 1),
            ("((((", 2),
            ("a eq 'x' and ", 999),
            ("x/any(", 6),
        ] {
            let c = complete_filter(users(), s, cur);
            assert!(
                c.range.start <= c.range.end && c.range.end <= s.len(),
                "{s}"
            );
        }
    }

    #[test]
    fn select_orderby_and_search() {
        let c = complete(users(), OptionKind::Select, "id,disp", 7);
        assert_eq!(c.range, 3..7);
        assert_eq!(labels(&c)[0], "displayName");
        let c = complete(users(), OptionKind::Select, "id,", 3);
        assert!(!labels(&c).contains(&"id"));
        let c = complete(users(), OptionKind::Orderby, "", 0);
        assert!(labels(&c).contains(&"displayName"));
        assert!(!labels(&c).contains(&"city"));
        let c = complete(users(), OptionKind::Orderby, "displayName d", 13);
        assert_eq!(labels(&c), vec!["desc"]);
        assert_eq!(c.range, 12..13);
        let c = complete(users(), OptionKind::Search, "\"disp", 5);
        assert_eq!(c.candidates[0].insert, "displayName:");
        assert_eq!(c.range, 1..5);
        let c = complete(users(), OptionKind::Search, "\"displayName:a\" ", 16);
        assert_eq!(labels(&c), vec!["AND", "OR"]);
        let c = complete(users(), OptionKind::Search, "", 0);
        assert!(c.candidates.iter().any(|c| c.insert == "\"displayName:\""));
    }

    proptest::proptest! {
        #[test]
        fn completion_never_panics(src in "\\PC{0,50}", cursor in 0usize..60, k in 0usize..4) {
            let kind = [OptionKind::Filter, OptionKind::Select, OptionKind::Orderby, OptionKind::Search][k];
            let c = complete(users(), kind, &src, cursor);
            proptest::prop_assert!(c.range.start <= c.range.end && c.range.end <= src.len());
            proptest::prop_assert!(src.is_char_boundary(c.range.start) && src.is_char_boundary(c.range.end));
        }
    }
}
