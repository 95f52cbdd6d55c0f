//! Parsers for `$orderby`, `$select`, `$expand`, `$top` and `$count` values.
//!
//! Each parser takes the option's value (the text after `=`, already URL-decoded) and returns
//! items with byte spans into that value. Range rules (e.g. `$top` 1..=999) are left to the
//! linter; these parsers only reject text that is not well formed.
//!
//! Inside `$expand(...)`, option names may be written with or without `$` (`$select` or
//! `select`); Graph accepts the `$`-less form (OData 4.01), and names match case-insensitively.

use super::ast::{PropertyPath, Segment, Span};
use super::error::{ParseError, column};
use super::filter;
use super::search::{self, SearchExpr};

/// Deepest `$expand` nesting accepted.
pub const MAX_EXPAND_DEPTH: usize = 16;

/// One `$orderby` item: `displayName desc`.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderItem {
    /// The property path.
    pub path: PropertyPath,
    /// True for `desc`.
    pub descending: bool,
    /// Span of the `asc`/`desc` word, if written.
    pub direction_span: Option<Span>,
    /// Span of the whole item.
    pub span: Span,
}

/// One `$select` item: a property name, a path, or `*`.
#[derive(Debug, Clone, PartialEq)]
pub struct SelectItem {
    /// The path (`*` is a single segment named `*`).
    pub path: PropertyPath,
    /// Its span.
    pub span: Span,
}

impl SelectItem {
    /// The item as written (`displayName`, `*`).
    pub fn name(&self) -> String {
        self.path.to_text()
    }
}

/// `$levels` in `$expand`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Levels {
    /// `$levels=max`
    Max,
    /// `$levels=N`
    Count(u32),
}

/// One `$expand` item: `manager($levels=max;$select=id,displayName)`.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpandItem {
    /// The navigation property (`manager`, `memberOf`, or a path with a cast).
    pub path: PropertyPath,
    /// The nested options.
    pub options: ExpandOptions,
    /// Span of the whole item, options included.
    pub span: Span,
}

/// Nested options of an `$expand` item. Each is `Some` only when written.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ExpandOptions {
    /// `$levels`.
    pub levels: Option<(Levels, Span)>,
    /// `$select`.
    pub select: Option<(Vec<SelectItem>, Span)>,
    /// `$filter` (spans relative to the whole `$expand` value).
    pub filter: Option<(super::ast::Expr, Span)>,
    /// `$expand`.
    pub expand: Option<(Vec<ExpandItem>, Span)>,
    /// `$orderby`.
    pub orderby: Option<(Vec<OrderItem>, Span)>,
    /// `$top`.
    pub top: Option<(u64, Span)>,
    /// `$count`.
    pub count: Option<(bool, Span)>,
    /// `$search`.
    pub search: Option<(SearchExpr, Span)>,
    /// Every option as written: (name as written, span of the name, span of the value).
    pub written: Vec<(String, Span, Span)>,
}

/// Parses `$orderby`: `displayName desc, userPrincipalName`.
pub fn parse_orderby(src: &str) -> Result<Vec<OrderItem>, ParseError> {
    parse_orderby_at(src, 0, src)
}

/// Parses `$select`: `id,displayName,mail`.
pub fn parse_select(src: &str) -> Result<Vec<SelectItem>, ParseError> {
    parse_select_at(src, 0, src)
}

/// Parses `$expand`: `manager($levels=max;$select=id,displayName),memberOf`.
pub fn parse_expand(src: &str) -> Result<Vec<ExpandItem>, ParseError> {
    let mut c = Cursor::new(src, 0, src.len());
    let items = parse_expand_items(&mut c, 0)?;
    Ok(items)
}

/// Parses `$top`: a whole number (range rules are the linter's job).
pub fn parse_top(src: &str) -> Result<u64, ParseError> {
    parse_uint(src, 0, src, "$top")
}

/// Parses `$count`: `true` or `false` (case-insensitive).
pub fn parse_count(src: &str) -> Result<bool, ParseError> {
    parse_bool(src, 0, src, "$count")
}

// ---------------------------------------------------------------------------------------------

fn parse_uint(text: &str, offset: usize, full: &str, option: &str) -> Result<u64, ParseError> {
    let lead = text.len() - text.trim_start().len();
    let t = text.trim();
    let span = offset + lead..offset + lead + t.len();
    if t.is_empty() {
        return Err(ParseError::new(
            offset..offset + text.len(),
            format!("{option} needs a value"),
        )
        .expecting(["a whole number"]));
    }
    if let Some(bad) = t.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        let at = span.start + bad.0;
        let mut e = ParseError::new(
            span.clone(),
            format!(
                "{option} must be a whole number, found '{t}' (column {})",
                column(full, at)
            ),
        )
        .expecting(["a whole number"]);
        if t.starts_with('-') {
            e = e.with_hint(format!("{option} cannot be negative"));
        }
        return Err(e);
    }
    t.parse::<u64>().map_err(|_| {
        ParseError::new(span, format!("{option} value '{t}' is too large"))
            .expecting(["a whole number"])
    })
}

fn parse_bool(text: &str, offset: usize, full: &str, option: &str) -> Result<bool, ParseError> {
    let lead = text.len() - text.trim_start().len();
    let t = text.trim();
    if t.eq_ignore_ascii_case("true") {
        return Ok(true);
    }
    if t.eq_ignore_ascii_case("false") {
        return Ok(false);
    }
    let span = offset + lead..offset + lead + t.len();
    Err(ParseError::new(
        span.clone(),
        format!(
            "{option} must be true or false, found '{t}' (column {})",
            column(full, span.start)
        ),
    )
    .expecting(["true", "false"]))
}

/// A cursor over `full[pos..end]`; spans are offsets into `full`.
struct Cursor<'a> {
    full: &'a str,
    pos: usize,
    end: usize,
}

impl<'a> Cursor<'a> {
    fn new(full: &'a str, pos: usize, end: usize) -> Cursor<'a> {
        Cursor { full, pos, end }
    }

    fn peek(&self) -> Option<char> {
        if self.pos >= self.end {
            return None;
        }
        self.full.get(self.pos..self.end)?.chars().next()
    }

    fn skip_ws(&mut self) {
        while let Some(c) = self.peek() {
            if c.is_whitespace() {
                self.pos += c.len_utf8();
            } else {
                break;
            }
        }
    }

    fn col(&self, at: usize) -> usize {
        column(self.full, at)
    }

    fn found(&self) -> String {
        match self.peek() {
            None => format!(" at column {}", self.col(self.pos)),
            Some(c) => format!(" at column {}, found '{c}'", self.col(self.pos)),
        }
    }

    fn char_span(&self) -> Span {
        let len = self.peek().map(char::len_utf8).unwrap_or(0);
        self.pos..self.pos + len
    }

    /// A name: letters, digits, `_`, `.`, and a leading `$`.
    fn name(&mut self) -> Option<(String, Span)> {
        let start = self.pos;
        let mut first = true;
        while let Some(c) = self.peek() {
            let ok = if first {
                c.is_alphabetic() || c == '_' || c == '$'
            } else {
                c.is_alphanumeric() || c == '_' || c == '.'
            };
            if !ok {
                break;
            }
            first = false;
            self.pos += c.len_utf8();
        }
        if self.pos == start {
            return None;
        }
        let text = self.full[start..self.pos].trim_end_matches('.');
        self.pos = start + text.len();
        Some((text.to_string(), start..self.pos))
    }

    /// A `/`-separated path of names.
    fn path(&mut self, what: &str, allow_star: bool) -> Result<PropertyPath, ParseError> {
        self.skip_ws();
        let mut segments = Vec::new();
        loop {
            if allow_star && segments.is_empty() && self.peek() == Some('*') {
                segments.push(Segment {
                    name: "*".into(),
                    span: self.pos..self.pos + 1,
                });
                self.pos += 1;
                break;
            }
            match self.name() {
                Some((name, span)) => segments.push(Segment { name, span }),
                None => {
                    let after_slash = !segments.is_empty();
                    let msg = if after_slash {
                        format!("expected a property name after '/'{}", self.found())
                    } else {
                        format!("expected {what}{}", self.found())
                    };
                    let mut e = ParseError::new(self.char_span(), msg).expecting([what]);
                    if self.peek() == Some(',') || self.peek().is_none() && !after_slash {
                        e = e.with_hint("remove the extra ','");
                    }
                    return Err(e);
                }
            }
            if self.peek() == Some('/') {
                self.pos += 1;
            } else {
                break;
            }
        }
        Ok(PropertyPath {
            segments,
            from_variable: false,
        })
    }
}

fn parse_select_at(text: &str, offset: usize, full: &str) -> Result<Vec<SelectItem>, ParseError> {
    let mut c = Cursor::new(full, offset, offset + text.len());
    let mut items = Vec::new();
    c.skip_ws();
    if c.peek().is_none() {
        return Err(ParseError::new(
            offset..offset + text.len(),
            "$select needs at least one property",
        )
        .expecting(["a property name"]));
    }
    loop {
        let path = c.path("a property name", true)?;
        let span = path.span();
        items.push(SelectItem { path, span });
        c.skip_ws();
        match c.peek() {
            None => return Ok(items),
            Some(',') => {
                c.pos += 1;
            }
            Some(ch) => {
                let mut e = ParseError::new(
                    c.char_span(),
                    format!(
                        "expected ',' between $select items at column {}, found '{ch}'",
                        c.col(c.pos)
                    ),
                )
                .expecting(["','", "the end of the list"]);
                if ch.is_alphabetic() {
                    e = e.with_hint("separate properties with commas: id,displayName");
                }
                return Err(e);
            }
        }
    }
}

fn parse_orderby_at(text: &str, offset: usize, full: &str) -> Result<Vec<OrderItem>, ParseError> {
    let mut c = Cursor::new(full, offset, offset + text.len());
    let mut items = Vec::new();
    c.skip_ws();
    if c.peek().is_none() {
        return Err(ParseError::new(
            offset..offset + text.len(),
            "$orderby needs at least one property",
        )
        .expecting(["a property name"]));
    }
    loop {
        let path = c.path("a property name", false)?;
        let start = path.span().start;
        let mut end = path.span().end;
        c.skip_ws();
        let mut descending = false;
        let mut direction_span = None;
        if c.peek().is_some_and(char::is_alphabetic) {
            let (word, span) = c.name().unwrap_or_default();
            if word.eq_ignore_ascii_case("desc") {
                descending = true;
            } else if !word.eq_ignore_ascii_case("asc") {
                let suggestion = match word.to_ascii_lowercase().as_str() {
                    "descending" | "dsc" | "des" | "down" => Some("desc"),
                    "ascending" | "as" | "up" => Some("asc"),
                    _ => None,
                };
                let msg = match suggestion {
                    Some(s) => format!(
                        "unknown sort direction '{word}' at column {} — did you mean '{s}'?",
                        c.col(span.start)
                    ),
                    None => format!(
                        "expected 'asc' or 'desc' at column {}, found '{word}'",
                        c.col(span.start)
                    ),
                };
                return Err(ParseError::new(span, msg)
                    .expecting(["'asc'", "'desc'", "','"])
                    .with_hint("separate properties with commas: displayName desc, mail"));
            }
            end = span.end;
            direction_span = Some(span);
            c.skip_ws();
        }
        items.push(OrderItem {
            path,
            descending,
            direction_span,
            span: start..end,
        });
        match c.peek() {
            None => return Ok(items),
            Some(',') => {
                c.pos += 1;
            }
            Some(ch) => {
                let at = c.pos;
                let (found, span) = c
                    .name()
                    .unwrap_or_else(|| (ch.to_string(), at..at + ch.len_utf8()));
                return Err(ParseError::new(
                    span,
                    format!("expected ',' at column {}, found '{found}'", c.col(at)),
                )
                .expecting(["','", "the end of the list"])
                .with_hint("separate properties with commas: displayName desc, mail"));
            }
        }
    }
}

/// Finds the end of an option value inside `$expand(...)`: the next `;` or unmatched `)` outside
/// quotes and parentheses.
fn value_end(full: &str, from: usize, end: usize) -> usize {
    let bytes = full.as_bytes();
    let mut depth = 0usize;
    let mut i = from;
    let mut in_single = false;
    let mut in_double = false;
    while i < end {
        let b = bytes[i];
        if in_single {
            if b == b'\'' {
                in_single = false;
            }
        } else if in_double {
            if b == b'\\' {
                i += 1;
            } else if b == b'"' {
                in_double = false;
            }
        } else {
            match b {
                b'\'' => in_single = true,
                b'"' => in_double = true,
                b'(' => depth += 1,
                b')' => {
                    if depth == 0 {
                        return i;
                    }
                    depth -= 1;
                }
                b';' if depth == 0 => return i,
                _ => {}
            }
        }
        i += 1;
    }
    end.min(full.len())
}

/// The end of the current `$expand` item list at this level: the next unmatched `)` (or `end`).
fn parse_expand_items(c: &mut Cursor<'_>, depth: usize) -> Result<Vec<ExpandItem>, ParseError> {
    let mut items = Vec::new();
    c.skip_ws();
    if c.peek().is_none() || c.peek() == Some(')') {
        return Err(ParseError::new(
            c.pos..c.pos,
            format!("$expand needs at least one property{}", c.found()),
        )
        .expecting(["a navigation property such as manager"]));
    }
    loop {
        let path = c.path("a navigation property", true)?;
        let start = path.span().start;
        let mut options = ExpandOptions::default();
        c.skip_ws();
        if c.peek() == Some('(') {
            let open = c.pos;
            c.pos += 1;
            if depth + 1 > MAX_EXPAND_DEPTH {
                return Err(ParseError::new(
                    open..open + 1,
                    format!(
                        "$expand is nested too deeply (more than {MAX_EXPAND_DEPTH} levels) at column {}",
                        c.col(open)
                    ),
                ));
            }
            options = parse_expand_options(c, depth + 1, open)?;
        }
        items.push(ExpandItem {
            path,
            options,
            span: start..c.pos,
        });
        c.skip_ws();
        match c.peek() {
            None => return Ok(items),
            Some(')') if depth > 0 => return Ok(items),
            Some(',') => {
                c.pos += 1;
            }
            Some(ch) => {
                let mut e = ParseError::new(
                    c.char_span(),
                    format!(
                        "expected ',' between $expand items at column {}, found '{ch}'",
                        c.col(c.pos)
                    ),
                )
                .expecting(["','", "'('", "the end of the list"]);
                if ch == ')' {
                    e = e.with_hint("this ')' has no matching '('");
                }
                return Err(e);
            }
        }
    }
}

const EXPAND_OPTIONS: [&str; 8] = [
    "$levels", "$select", "$filter", "$expand", "$orderby", "$top", "$count", "$search",
];

/// Parses `opt=value;opt=value)` after the `(`; leaves the cursor after the `)`.
fn parse_expand_options(
    c: &mut Cursor<'_>,
    depth: usize,
    open: usize,
) -> Result<ExpandOptions, ParseError> {
    let mut o = ExpandOptions::default();
    loop {
        c.skip_ws();
        let Some((name, name_span)) = c.name() else {
            let e = if c.peek() == Some(')') && o.written.is_empty() {
                ParseError::new(
                    open..c.pos + 1,
                    format!("empty options '()' at column {}", c.col(open)),
                )
                .expecting(["an option such as $select=id"])
                .with_hint("remove the parentheses or add an option: manager($select=id)")
            } else {
                ParseError::new(
                    c.char_span(),
                    format!("expected an option name such as $select{}", c.found()),
                )
                .expecting(EXPAND_OPTIONS)
            };
            return Err(e);
        };
        let canonical = {
            let n = name.to_ascii_lowercase();
            if n.starts_with('$') {
                n
            } else {
                format!("${n}")
            }
        };
        if !EXPAND_OPTIONS.contains(&canonical.as_str()) {
            let suggestion = EXPAND_OPTIONS
                .iter()
                .map(|k| (filter::edit_distance(&canonical, k), *k))
                .filter(|(d, _)| *d <= 2)
                .min_by_key(|(d, _)| *d)
                .map(|(_, k)| k);
            let msg = match suggestion {
                Some(s) => format!(
                    "unknown $expand option '{name}' at column {} — did you mean '{s}'?",
                    c.col(name_span.start)
                ),
                None => format!(
                    "unknown $expand option '{name}' at column {}",
                    c.col(name_span.start)
                ),
            };
            return Err(ParseError::new(name_span, msg).expecting(EXPAND_OPTIONS));
        }
        c.skip_ws();
        if c.peek() != Some('=') {
            return Err(ParseError::new(
                c.char_span(),
                format!("expected '=' after '{name}'{}", c.found()),
            )
            .expecting(["'='"])
            .with_hint(format!("write {name}=value")));
        }
        c.pos += 1;
        let vstart = c.pos;
        let vend = value_end(c.full, vstart, c.end);
        let raw = &c.full[vstart..vend];
        let lead = raw.len() - raw.trim_start().len();
        let vspan = vstart + lead..vstart + raw.trim_end().len();
        if raw.trim().is_empty() {
            return Err(ParseError::new(
                vstart..vend,
                format!("{name} needs a value (column {})", c.col(vstart)),
            )
            .expecting(["a value"]));
        }
        if o.written.iter().any(|(n, _, _)| {
            n.trim_start_matches('$')
                .eq_ignore_ascii_case(canonical.trim_start_matches('$'))
        }) {
            return Err(ParseError::new(
                name_span,
                format!("{canonical} is given twice in the same $expand item"),
            ));
        }
        o.written
            .push((name.clone(), name_span.clone(), vspan.clone()));
        match canonical.as_str() {
            "$levels" => {
                let t = raw.trim();
                let lv = if t.eq_ignore_ascii_case("max") {
                    Levels::Max
                } else {
                    let n = parse_uint(raw, vstart, c.full, "$levels").map_err(|e| {
                        e.expecting(["max", "a whole number"])
                            .with_hint("write $levels=max or $levels=2")
                    })?;
                    Levels::Count(u32::try_from(n).unwrap_or(u32::MAX))
                };
                o.levels = Some((lv, vspan));
            }
            "$select" => o.select = Some((parse_select_at(raw, vstart, c.full)?, vspan)),
            "$orderby" => o.orderby = Some((parse_orderby_at(raw, vstart, c.full)?, vspan)),
            "$top" => o.top = Some((parse_uint(raw, vstart, c.full, "$top")?, vspan)),
            "$count" => o.count = Some((parse_bool(raw, vstart, c.full, "$count")?, vspan)),
            "$filter" => {
                let e = filter::parse_in(c.full, vstart..vend)?;
                o.filter = Some((e, vspan));
            }
            "$search" => {
                let s = search::parse_in(c.full, vstart..vend)?;
                o.search = Some((s, vspan));
            }
            "$expand" => {
                let mut inner = Cursor::new(c.full, vstart, vend);
                let items = parse_expand_items(&mut inner, depth)?;
                inner.skip_ws();
                if inner.pos < vend {
                    return Err(ParseError::new(
                        inner.char_span(),
                        format!("unexpected text in nested $expand{}", inner.found()),
                    ));
                }
                o.expand = Some((items, vspan));
            }
            _ => {}
        }
        c.pos = vend;
        match c.peek() {
            Some(';') => {
                c.pos += 1;
            }
            Some(')') => {
                c.pos += 1;
                return Ok(o);
            }
            _ => {
                return Err(ParseError::new(
                    c.pos..c.pos,
                    format!("expected a closing ')'{}", c.found()),
                )
                .expecting(["')'", "';'"])
                .with_hint(format!("the '(' at column {} is not closed", c.col(open))));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orderby() {
        let items = parse_orderby("displayName desc, userPrincipalName").unwrap();
        assert_eq!(items.len(), 2);
        assert!(items[0].descending);
        assert_eq!(items[0].direction_span, Some(12..16));
        assert_eq!(items[0].span, 0..16);
        assert!(!items[1].descending);
        assert_eq!(items[1].span, 18..35);
        assert!(parse_orderby("createdDateTime ASC").is_ok());
        let e = parse_orderby("displayName descending").unwrap_err();
        assert_eq!(
            e.message,
            "unknown sort direction 'descending' at column 13 — did you mean 'desc'?"
        );
        assert_eq!(e.span, 12..22);
        assert!(parse_orderby("").is_err());
        assert!(parse_orderby("a,").is_err());
        assert!(parse_orderby("a desc b").is_err());
    }

    #[test]
    fn select() {
        let items = parse_select("id, displayName,mail").unwrap();
        let names: Vec<String> = items.iter().map(SelectItem::name).collect();
        assert_eq!(names, ["id", "displayName", "mail"]);
        assert_eq!(items[1].span, 4..15);
        assert_eq!(parse_select("*").unwrap()[0].name(), "*");
        let e = parse_select("id,,mail").unwrap_err();
        assert_eq!(e.span, 3..4);
        let e = parse_select("id displayName").unwrap_err();
        assert_eq!(e.span, 3..4);
        assert!(parse_select("").is_err());
    }

    #[test]
    fn expand() {
        let items = parse_expand("manager($levels=max;$select=id,displayName)").unwrap();
        assert_eq!(items.len(), 1);
        let o = &items[0].options;
        assert_eq!(o.levels.as_ref().unwrap().0, Levels::Max);
        let sel = &o.select.as_ref().unwrap().0;
        assert_eq!(sel.len(), 2);
        assert_eq!(sel[1].span, 31..42);
        assert_eq!(items[0].span, 0..43);

        let items = parse_expand("members,memberOf($select=id)").unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[1].path.to_text(), "memberOf");

        let items = parse_expand("members($filter=displayName eq 'a;b)')").unwrap();
        let f = &items[0].options.filter.as_ref().unwrap().0;
        assert_eq!(f.span, 16..37);

        let items = parse_expand("manager(levels=2)").unwrap();
        assert_eq!(
            items[0].options.levels.as_ref().unwrap().0,
            Levels::Count(2)
        );

        let e = parse_expand("manager($levels=max;$select=id").unwrap_err();
        assert!(
            e.message.starts_with("expected a closing ')'"),
            "{}",
            e.message
        );
        let e = parse_expand("manager($level=max)").unwrap_err();
        assert!(
            e.message.contains("did you mean '$levels'"),
            "{}",
            e.message
        );
        let e = parse_expand("manager($levels=lots)").unwrap_err();
        assert_eq!(e.span, 16..20);
        assert!(parse_expand("manager()").is_err());
        assert!(parse_expand("").is_err());
        assert!(parse_expand("manager)").is_err());
        let deep = format!("{}a", "a($expand=".repeat(100));
        assert!(parse_expand(&deep).is_err());
    }

    #[test]
    fn top_and_count() {
        assert_eq!(parse_top("999").unwrap(), 999);
        assert_eq!(parse_top(" 5 ").unwrap(), 5);
        let e = parse_top("ten").unwrap_err();
        assert_eq!(e.span, 0..3);
        assert!(parse_top("-1").unwrap_err().hint.is_some());
        assert!(parse_top("").is_err());
        assert!(parse_top("99999999999999999999999").is_err());
        assert!(parse_count("true").unwrap());
        assert!(!parse_count("FALSE").unwrap());
        assert!(parse_count("yes").is_err());
    }
}
