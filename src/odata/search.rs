//! The `$search` parser for directory objects: `"displayName:foo" AND ("mail:bar" OR "x")`.
//!
//! Rules (Graph docs, `concepts/search-query-parameter.md` and `aad-advanced-queries.md`):
//! - every clause is inside double quotes, `"property:text"`; inside the quotes `\"` and `\\`
//!   escape a quote and a backslash;
//! - clauses are joined with `AND` / `OR` (upper case, outside the quotes) and grouped with
//!   parentheses; `NOT` is accepted the same way (upper case);
//! - precedence: `NOT` > `AND` > `OR`.
//!
//! Two clauses written side by side without an operator are rejected with a hint to add
//! `AND`/`OR` (the directory docs always write the operator; unverified what the service does).
//! Lower-case `and`/`or`/`not` and bare words are errors with a hint.

use super::ast::Span;
use super::error::{ParseError, column};

/// Deepest nesting of parentheses and `NOT` accepted.
pub const MAX_DEPTH: usize = 32;

/// A `$search` expression.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchExpr {
    /// What it is.
    pub kind: SearchKind,
    /// Where it is (bytes).
    pub span: Span,
}

/// Kinds of `$search` node.
#[derive(Debug, Clone, PartialEq)]
pub enum SearchKind {
    /// One quoted clause.
    Clause(SearchClause),
    /// `a AND b AND c` (flattened).
    And(Vec<SearchExpr>),
    /// `a OR b OR c` (flattened).
    Or(Vec<SearchExpr>),
    /// `NOT a`.
    Not(Box<SearchExpr>),
}

/// One quoted clause: `"displayName:foo"`.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchClause {
    /// The property before the colon, if the clause names one.
    pub property: Option<String>,
    /// Span of the property name.
    pub property_span: Option<Span>,
    /// The text to search for (escapes removed).
    pub value: String,
    /// Span of the text inside the quotes.
    pub value_span: Span,
}

impl SearchExpr {
    /// Every clause, left to right.
    pub fn clauses(&self) -> Vec<&SearchClause> {
        let mut out = Vec::new();
        self.collect(&mut out);
        out
    }

    fn collect<'a>(&'a self, out: &mut Vec<&'a SearchClause>) {
        match &self.kind {
            SearchKind::Clause(c) => out.push(c),
            SearchKind::And(v) | SearchKind::Or(v) => v.iter().for_each(|e| e.collect(out)),
            SearchKind::Not(e) => e.collect(out),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Clause(SearchClause),
    And,
    Or,
    Not,
    LParen,
    RParen,
    Eof,
}

/// Parses a `$search` value (with its double quotes).
pub fn parse(src: &str) -> Result<SearchExpr, ParseError> {
    parse_in(src, 0..src.len())
}

/// Parses the `$search` found at `span` inside a larger text (e.g. nested in `$expand`);
/// spans and columns refer to `full`.
pub fn parse_in(full: &str, span: Span) -> Result<SearchExpr, ParseError> {
    let (Some(src), true) = (
        full.get(..span.end),
        full.is_char_boundary(span.start.min(span.end)),
    ) else {
        return Err(ParseError::new(span, "invalid text range for a $search"));
    };
    let start = span.start.min(span.end);
    let toks = lex(src, start)?;
    let mut p = Parser {
        src,
        toks,
        pos: 0,
        depth: 0,
    };
    if matches!(p.peek().0, Tok::Eof) {
        return Err(ParseError::new(start..src.len(), "the search is empty")
            .expecting(["a quoted clause such as \"displayName:alice\""]));
    }
    let e = p.parse_or()?;
    let (tok, span) = p.peek().clone();
    match tok {
        Tok::Eof => Ok(e),
        Tok::RParen => Err(ParseError::new(
            span.clone(),
            format!(
                "unexpected ')' at column {}: there is no matching '('",
                column(src, span.start)
            ),
        )
        .expecting(["AND", "OR", "the end of the input"])),
        _ => Err(juxtaposed(src, span)),
    }
}

fn juxtaposed(src: &str, span: Span) -> ParseError {
    ParseError::new(
        span.clone(),
        format!(
            "expected AND or OR between search clauses at column {}",
            column(src, span.start)
        ),
    )
    .expecting(["AND", "OR", "the end of the input"])
    .with_hint("join clauses with AND or OR: \"displayName:a\" AND \"mail:b\"")
}

fn lex(src: &str, start: usize) -> Result<Vec<(Tok, Span)>, ParseError> {
    let mut out = Vec::new();
    let mut chars = src[start..]
        .char_indices()
        .map(|(i, c)| (i + start, c))
        .peekable();
    while let Some(&(i, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        match c {
            '(' => {
                chars.next();
                out.push((Tok::LParen, i..i + 1));
            }
            ')' => {
                chars.next();
                out.push((Tok::RParen, i..i + 1));
            }
            '"' => {
                chars.next();
                let mut raw = String::new();
                let mut closed = None;
                while let Some((j, ch)) = chars.next() {
                    match ch {
                        '"' => {
                            closed = Some(j);
                            break;
                        }
                        '\\' => match chars.peek() {
                            Some(&(_, n @ ('"' | '\\'))) => {
                                chars.next();
                                raw.push('\\');
                                raw.push(n);
                            }
                            _ => raw.push('\\'),
                        },
                        _ => raw.push(ch),
                    }
                }
                let Some(end) = closed else {
                    return Err(ParseError::new(
                        i..src.len(),
                        format!(
                            "unterminated search clause starting at column {}",
                            column(src, i)
                        ),
                    )
                    .expecting(["a closing '\"'"])
                    .with_hint("write a quote inside a clause as \\\""));
                };
                out.push((Tok::Clause(clause(src, i + 1, end)), i..end + 1));
            }
            '\'' => {
                let rest = &src[i + 1..];
                let inner = rest.split('\'').next().unwrap_or("");
                let closed = rest.len() > inner.len();
                let end = i + 1 + inner.len() + usize::from(closed);
                let escaped = inner.replace('\\', "\\\\").replace('"', "\\\"");
                return Err(ParseError::new(
                    i..end,
                    format!(
                        "search clauses use double quotes, not single quotes (column {})",
                        column(src, i)
                    ),
                )
                .expecting(["'\"'"])
                .with_hint(format!("write \"{escaped}\"")));
            }
            _ => {
                // A bare word: an operator or an error.
                let start = i;
                let mut end = i;
                while let Some(&(j, ch)) = chars.peek() {
                    if ch.is_whitespace() || matches!(ch, '(' | ')' | '"') {
                        break;
                    }
                    end = j + ch.len_utf8();
                    chars.next();
                }
                let word = &src[start..end];
                if word
                    .trim_start_matches('$')
                    .to_ascii_lowercase()
                    .starts_with("search=")
                {
                    let prefix_end = start + word.find('=').map_or(0, |i| i + 1);
                    let written = &src[start..prefix_end];
                    return Err(ParseError::new(
                        start..prefix_end,
                        format!(
                            "the text starts with the option name '{written}' (column {}); give only the search",
                            column(src, start)
                        ),
                    )
                    .expecting(["a quoted clause such as \"displayName:alice\""])
                    .with_hint(format!("remove '{written}'")));
                }
                let tok = match word {
                    "AND" => Tok::And,
                    "OR" => Tok::Or,
                    "NOT" => Tok::Not,
                    w if matches!(w.to_ascii_uppercase().as_str(), "AND" | "OR" | "NOT") => {
                        return Err(ParseError::new(
                            start..end,
                            format!(
                                "search operators are upper-case: '{w}' at column {} should be '{}'",
                                column(src, start),
                                w.to_ascii_uppercase()
                            ),
                        )
                        .expecting(["AND", "OR", "NOT"])
                        .with_hint(format!("write {}", w.to_ascii_uppercase())));
                    }
                    "&&" | "&" | "||" | "|" => {
                        let op = if word.starts_with('&') { "AND" } else { "OR" };
                        return Err(ParseError::new(
                            start..end,
                            format!(
                                "unknown search operator '{word}' at column {} — did you mean '{op}'?",
                                column(src, start)
                            ),
                        )
                        .expecting(["AND", "OR", "NOT"]));
                    }
                    _ => {
                        let escaped = word.replace('\\', "\\\\").replace('"', "\\\"");
                        return Err(ParseError::new(
                            start..end,
                            format!(
                                "search text must be in double quotes: '{word}' at column {}",
                                column(src, start)
                            ),
                        )
                        .expecting(["a quoted clause", "AND", "OR", "NOT", "'('"])
                        .with_hint(if word.contains(':') {
                            format!("write \"{escaped}\"")
                        } else {
                            format!("write \"displayName:{escaped}\"")
                        }));
                    }
                };
                out.push((tok, start..end));
            }
        }
    }
    out.push((Tok::Eof, src.len()..src.len()));
    Ok(out)
}

/// Splits the inside of a clause (`src[start..end]`, escapes still in) into property and text.
fn clause(src: &str, start: usize, end: usize) -> SearchClause {
    let inner = &src[start..end];
    let unescape = |s: &str| {
        let mut out = String::with_capacity(s.len());
        let mut it = s.chars().peekable();
        while let Some(c) = it.next() {
            if c == '\\'
                && let Some(&n) = it.peek()
                && (n == '"' || n == '\\')
            {
                out.push(n);
                it.next();
                continue;
            }
            out.push(c);
        }
        out
    };
    if let Some(colon) = inner.find(':') {
        let prop = &inner[..colon];
        let is_name = !prop.is_empty()
            && prop
                .chars()
                .next()
                .is_some_and(|c| c.is_alphabetic() || c == '_')
            && prop
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '.' || c == '/');
        if is_name {
            return SearchClause {
                property: Some(prop.to_string()),
                property_span: Some(start..start + colon),
                value: unescape(&inner[colon + 1..]),
                value_span: start + colon + 1..end,
            };
        }
    }
    SearchClause {
        property: None,
        property_span: None,
        value: unescape(inner),
        value_span: start..end,
    }
}

struct Parser<'a> {
    src: &'a str,
    toks: Vec<(Tok, Span)>,
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> &(Tok, Span) {
        let last = self.toks.len() - 1;
        &self.toks[self.pos.min(last)]
    }

    fn advance(&mut self) -> (Tok, Span) {
        let t = self.peek().clone();
        self.pos += 1;
        t
    }

    fn parse_or(&mut self) -> Result<SearchExpr, ParseError> {
        let first = self.parse_and()?;
        let mut items = vec![first];
        while matches!(self.peek().0, Tok::Or) {
            self.advance();
            items.push(self.parse_and()?);
        }
        Ok(fold(items, SearchKind::Or))
    }

    fn parse_and(&mut self) -> Result<SearchExpr, ParseError> {
        let first = self.parse_unary()?;
        let mut items = vec![first];
        while matches!(self.peek().0, Tok::And) {
            self.advance();
            items.push(self.parse_unary()?);
        }
        Ok(fold(items, SearchKind::And))
    }

    fn parse_unary(&mut self) -> Result<SearchExpr, ParseError> {
        let (tok, span) = self.advance();
        let col = column(self.src, span.start);
        match tok {
            Tok::Clause(c) => Ok(SearchExpr {
                kind: SearchKind::Clause(c),
                span,
            }),
            Tok::Not => {
                self.enter(&span)?;
                let inner = self.parse_unary()?;
                self.depth -= 1;
                Ok(SearchExpr {
                    span: span.start..inner.span.end,
                    kind: SearchKind::Not(Box::new(inner)),
                })
            }
            Tok::LParen => {
                self.enter(&span)?;
                let mut inner = self.parse_or()?;
                let (close, cspan) = self.advance();
                if close != Tok::RParen {
                    let found = if close == Tok::Eof {
                        String::new()
                    } else {
                        ", found another clause".to_string()
                    };
                    return Err(ParseError::new(
                        cspan.clone(),
                        format!(
                            "expected a closing ')' at column {}{found}",
                            column(self.src, cspan.start)
                        ),
                    )
                    .expecting(["')'", "AND", "OR"])
                    .with_hint(format!("the '(' at column {col} is not closed")));
                }
                self.depth -= 1;
                inner.span = span.start..cspan.end;
                Ok(inner)
            }
            other => {
                let what = match other {
                    Tok::And => "'AND'",
                    Tok::Or => "'OR'",
                    Tok::RParen => "')'",
                    _ => "the end of the input",
                };
                Err(ParseError::new(
                    span,
                    format!("expected a quoted search clause at column {col}, found {what}"),
                )
                .expecting(["a quoted clause", "NOT", "'('"]))
            }
        }
    }

    fn enter(&mut self, span: &Span) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ParseError::new(
                span.clone(),
                format!(
                    "the search is nested too deeply (more than {MAX_DEPTH} levels) at column {}",
                    column(self.src, span.start)
                ),
            ));
        }
        Ok(())
    }
}

fn fold(mut items: Vec<SearchExpr>, make: fn(Vec<SearchExpr>) -> SearchKind) -> SearchExpr {
    if items.len() == 1 {
        return items.remove(0);
    }
    let span = items[0].span.start..items[items.len() - 1].span.end;
    SearchExpr {
        kind: make(items),
        span,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_clause() {
        let e = parse("\"displayName:foo\"").unwrap();
        let SearchKind::Clause(c) = &e.kind else {
            panic!()
        };
        assert_eq!(c.property.as_deref(), Some("displayName"));
        assert_eq!(c.property_span, Some(1..12));
        assert_eq!(c.value, "foo");
        assert_eq!(c.value_span, 13..16);
        assert_eq!(e.span, 0..17);
    }

    #[test]
    fn operators_and_grouping() {
        let e = parse("\"displayName:foo\" AND (\"mail:bar\" OR \"x\")").unwrap();
        let SearchKind::And(items) = &e.kind else {
            panic!()
        };
        assert!(matches!(items[1].kind, SearchKind::Or(ref v) if v.len() == 2));
        assert_eq!(e.clauses().len(), 3);
        assert_eq!(e.clauses()[2].property, None);
        let e = parse("\"a:1\" OR \"b:2\" AND \"c:3\"").unwrap();
        assert!(matches!(e.kind, SearchKind::Or(ref v) if v.len() == 2));
        let e = parse("NOT \"a:1\"").unwrap();
        assert!(matches!(e.kind, SearchKind::Not(_)));
    }

    #[test]
    fn escapes() {
        let e = parse(r#""displayName:say \"hi\" \\o/""#).unwrap();
        assert_eq!(e.clauses()[0].value, r#"say "hi" \o/"#);
    }

    #[test]
    fn errors() {
        let e = parse("displayName:foo").unwrap_err();
        assert_eq!(e.span, 0..15);
        assert_eq!(e.hint.as_deref(), Some("write \"displayName:foo\""));
        let e = parse("\"a:1\" and \"b:2\"").unwrap_err();
        assert!(e.message.starts_with("search operators are upper-case"));
        assert_eq!(e.span, 6..9);
        let e = parse("\"a:1").unwrap_err();
        assert_eq!(e.message, "unterminated search clause starting at column 1");
        let e = parse("(\"a:1\"").unwrap_err();
        assert_eq!(e.message, "expected a closing ')' at column 7");
        let e = parse("\"a:1\" \"b:2\"").unwrap_err();
        assert!(e.message.starts_with("expected AND or OR"));
        let e = parse("").unwrap_err();
        assert_eq!(e.message, "the search is empty");
        let e = parse("\"a:1\" AND").unwrap_err();
        assert!(e.message.contains("found the end of the input"));
        assert!(parse(&"(".repeat(100_000)).is_err());
        assert!(parse(&"NOT ".repeat(100_000)).is_err());
    }
}
