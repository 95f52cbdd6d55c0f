//! The `$filter` lexer: turns text into tokens with byte spans.
//!
//! The lexer never fails outright: a problem becomes a final [`TokenKind::Error`] token, so the
//! parser reports errors in source order (a syntax error before a bad literal wins).

use super::ast::Span;
use super::error::{ParseError, column};

/// A token.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// What it is.
    pub kind: TokenKind,
    /// Where it is (bytes).
    pub span: Span,
}

/// Token kinds.
#[derive(Debug, Clone, PartialEq)]
pub enum TokenKind {
    /// A name: property, keyword, function, `$count`, or a dotted name (`microsoft.graph.user`).
    Ident(String),
    /// `'text'` (value unescaped).
    String(String),
    /// An integer.
    Int(i64),
    /// A decimal/double.
    Decimal(f64),
    /// An unquoted GUID.
    Guid(uuid::Uuid),
    /// An unquoted DateTimeOffset.
    DateTime(time::OffsetDateTime),
    /// An unquoted date.
    Date(time::Date),
    /// `duration'...'`.
    Duration(String),
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `,`
    Comma,
    /// `/`
    Slash,
    /// `:`
    Colon,
    /// Operator-like punctuation that OData does not use (`==`, `!=`, `&&`, `<`, `-`, ...).
    /// Kept so the parser can say "did you mean 'eq'?" in context.
    Symbol(String),
    /// A lexical error; always the last token before `Eof` (boxed to keep tokens small).
    Error(Box<ParseError>),
    /// End of input.
    Eof,
}

impl TokenKind {
    /// How the token is named in messages ("string 'abc'", "')'", "end of input").
    pub fn describe(&self, src_text: &str) -> String {
        match self {
            TokenKind::Ident(name) => format!("'{name}'"),
            TokenKind::String(_) => format!("string {src_text}"),
            TokenKind::Int(_) | TokenKind::Decimal(_) => format!("number {src_text}"),
            TokenKind::Guid(_) => format!("GUID {src_text}"),
            TokenKind::DateTime(_) => format!("date-time {src_text}"),
            TokenKind::Date(_) => format!("date {src_text}"),
            TokenKind::Duration(_) => format!("duration {src_text}"),
            TokenKind::LParen => "'('".into(),
            TokenKind::RParen => "')'".into(),
            TokenKind::Comma => "','".into(),
            TokenKind::Slash => "'/'".into(),
            TokenKind::Colon => "':'".into(),
            TokenKind::Symbol(s) => format!("'{s}'"),
            TokenKind::Error(_) => "an invalid token".into(),
            TokenKind::Eof => "the end of the input".into(),
        }
    }
}

/// Splits `src` into tokens. The result always ends with `Eof`; a lexical error appears as an
/// `Error` token right before it, and nothing after the error is lexed.
pub fn tokenize(src: &str) -> Vec<Token> {
    tokenize_from(src, 0)
}

/// Like [`tokenize`], starting at byte `start` of `src` (spans stay relative to `src`).
pub fn tokenize_from(src: &str, start: usize) -> Vec<Token> {
    let mut lx = Lexer {
        src,
        bytes: src.as_bytes(),
        pos: start.min(src.len()),
        out: Vec::new(),
    };
    lx.run();
    lx.out
}

struct Lexer<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    out: Vec<Token>,
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_' || c == '$'
}

fn is_ident_continue(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Operator keywords that may touch a quote without a space (`eq'x'`, `'x'and`).
const OPERATOR_WORDS: [&str; 11] = [
    "and", "or", "not", "eq", "ne", "gt", "ge", "lt", "le", "has", "in",
];

impl<'a> Lexer<'a> {
    /// True when an operator keyword, followed by a non-name character, starts at `at`.
    fn operator_word_at(&self, at: usize) -> bool {
        let rest = self.src.get(at..).unwrap_or("");
        let len = rest
            .char_indices()
            .find(|(_, c)| !is_ident_continue(*c))
            .map(|(i, _)| i)
            .unwrap_or(rest.len());
        OPERATOR_WORDS
            .iter()
            .any(|k| k.eq_ignore_ascii_case(&rest[..len]))
    }

    fn peek_char(&self) -> Option<char> {
        self.src.get(self.pos..).and_then(|s| s.chars().next())
    }

    fn char_at(&self, at: usize) -> Option<char> {
        self.src.get(at..).and_then(|s| s.chars().next())
    }

    fn push(&mut self, kind: TokenKind, start: usize) {
        self.out.push(Token {
            kind,
            span: start..self.pos,
        });
    }

    fn fail(&mut self, err: ParseError) {
        let at = err.span.start;
        self.out.push(Token {
            kind: TokenKind::Error(Box::new(err)),
            span: at..self.pos.max(at),
        });
    }

    fn run(&mut self) {
        loop {
            // Skip whitespace.
            while let Some(c) = self.peek_char() {
                if c.is_whitespace() {
                    self.pos += c.len_utf8();
                } else {
                    break;
                }
            }
            let start = self.pos;
            let Some(c) = self.peek_char() else {
                self.out.push(Token {
                    kind: TokenKind::Eof,
                    span: start..start,
                });
                return;
            };
            let ok = match c {
                '(' => self.single(TokenKind::LParen),
                ')' => self.single(TokenKind::RParen),
                ',' => self.single(TokenKind::Comma),
                '/' => self.single(TokenKind::Slash),
                ':' => self.single(TokenKind::Colon),
                '\'' => self.string(start),
                '"' => self.double_quoted(start),
                '%' => self.percent(start),
                '=' | '!' | '<' | '>' | '&' | '|' | '+' | '*' | '~' | '^' => self.symbol(start),
                '-' => {
                    if self.bytes.get(start + 1).is_some_and(u8::is_ascii_digit) {
                        self.number_like(start)
                    } else {
                        self.symbol(start)
                    }
                }
                c if c.is_ascii_digit() => self.number_like(start),
                c if c.is_ascii_hexdigit() && self.guid_at(start).is_some() => {
                    self.number_like(start)
                }
                c if is_ident_start(c) => self.ident(start),
                other => {
                    self.pos += other.len_utf8();
                    let shown = if other.is_control() {
                        format!("U+{:04X}", other as u32)
                    } else {
                        other.to_string()
                    };
                    let mut e = ParseError::new(
                        start..self.pos,
                        format!(
                            "unexpected character '{shown}' at column {}",
                            column(self.src, start)
                        ),
                    );
                    if matches!(other, '[' | ']') {
                        e = e.with_hint("lists are written in parentheses: x in ('a', 'b')");
                    } else if other == ';' {
                        e = e.with_hint("combine conditions with 'and' or 'or'");
                    } else if other == '@' {
                        e = e.with_hint("parameter aliases (@p) are not supported by Microsoft Graph directory queries");
                    }
                    self.fail(e);
                    false
                }
            };
            if !ok {
                let end = self.src.len();
                self.out.push(Token {
                    kind: TokenKind::Eof,
                    span: end..end,
                });
                return;
            }
        }
    }

    fn single(&mut self, kind: TokenKind) -> bool {
        let start = self.pos;
        self.pos += 1;
        self.push(kind, start);
        true
    }

    fn symbol(&mut self, start: usize) -> bool {
        // Two-character operators first.
        let two = self.src.get(start..start + 2).unwrap_or("");
        let len = if matches!(two, "==" | "!=" | "<=" | ">=" | "&&" | "||" | "<>") {
            2
        } else {
            1
        };
        self.pos = start + len;
        let text = self.src[start..self.pos].to_string();
        self.push(TokenKind::Symbol(text), start);
        true
    }

    fn percent(&mut self, start: usize) -> bool {
        let looks_encoded = self
            .src
            .get(start + 1..start + 3)
            .is_some_and(|h| h.bytes().all(|b| b.is_ascii_hexdigit()));
        self.pos = start + if looks_encoded { 3 } else { 1 };
        let mut e = ParseError::new(
            start..self.pos,
            format!("unexpected '%' at column {}", column(self.src, start)),
        );
        if looks_encoded {
            e = e.with_hint(
                "the filter looks URL-encoded; write it decoded (e.g. a space instead of %20)",
            );
        }
        self.fail(e);
        false
    }

    /// `'...'` with `''` as an escaped quote.
    fn string(&mut self, start: usize) -> bool {
        match self.scan_single_quoted(start) {
            Some(value) => {
                // A name glued to the closing quote is almost always a quote inside the text
                // that was not doubled: 'O'Neil'.
                if self.peek_char().is_some_and(is_ident_continue)
                    && !self.operator_word_at(self.pos)
                {
                    let end = self.pos;
                    let glued = self.pos;
                    let e = ParseError::new(
                        glued..glued,
                        format!(
                            "expected a space after the string {} at column {}",
                            &self.src[start..end],
                            column(self.src, glued)
                        ),
                    )
                    .expecting(["a space", "')'", "','"])
                    .with_hint("to put a quote inside a string, write it twice: 'O''Neil'");
                    self.fail(e);
                    return false;
                }
                self.push(TokenKind::String(value), start);
                true
            }
            None => {
                self.pos = self.src.len();
                let e = ParseError::new(
                    start..self.src.len(),
                    format!(
                        "unterminated string starting at column {}",
                        column(self.src, start)
                    ),
                )
                .expecting(["a closing quote (')"])
                .with_hint("close the string with ' and write a quote inside it as ''");
                self.fail(e);
                false
            }
        }
    }

    /// Scans a single-quoted string whose opening quote is at `start`; on success leaves `pos`
    /// after the closing quote and returns the unescaped value.
    fn scan_single_quoted(&mut self, start: usize) -> Option<String> {
        let mut value = String::new();
        let mut i = start + 1;
        loop {
            let c = self.char_at(i)?;
            if c == '\'' {
                if self.bytes.get(i + 1) == Some(&b'\'') {
                    value.push('\'');
                    i += 2;
                    continue;
                }
                self.pos = i + 1;
                return Some(value);
            }
            value.push(c);
            i += c.len_utf8();
        }
    }

    fn double_quoted(&mut self, start: usize) -> bool {
        let mut i = start + 1;
        let mut closed = false;
        while let Some(c) = self.char_at(i) {
            i += c.len_utf8();
            if c == '"' {
                closed = true;
                break;
            }
        }
        self.pos = i;
        let inner = if closed {
            &self.src[start + 1..i - 1]
        } else {
            &self.src[start + 1..i]
        };
        let quoted = inner.replace('\'', "''");
        let e = ParseError::new(
            start..i,
            format!(
                "strings in $filter use single quotes, not double quotes (column {})",
                column(self.src, start)
            ),
        )
        .expecting(["a single-quoted string"])
        .with_hint(format!("write '{quoted}'"));
        self.fail(e);
        false
    }

    fn ident(&mut self, start: usize) -> bool {
        let mut i = start;
        let mut first = true;
        while let Some(c) = self.char_at(i) {
            if first && is_ident_start(c) || !first && is_ident_continue(c) {
                i += c.len_utf8();
                first = false;
            } else if c == '.' && !first && self.char_at(i + 1).is_some_and(is_ident_start) {
                // Qualified names: microsoft.graph.user
                i += 1;
            } else {
                break;
            }
        }
        self.pos = i;
        let name = self.src[start..i].to_string();
        // Typed literal: prefix immediately followed by a quote (but `eq'x'` is `eq 'x'`).
        if self.bytes.get(i) == Some(&b'\'')
            && !OPERATOR_WORDS.iter().any(|k| k.eq_ignore_ascii_case(&name))
        {
            return self.typed_literal(start, name);
        }
        // An identifier glued to '-' is a mistyped GUID (OData has no '-' operator between names).
        if self.bytes.get(i) == Some(&b'-')
            && self
                .char_at(i + 1)
                .is_some_and(|c| c.is_ascii_alphanumeric())
        {
            return self.bad_number_or_guid(start);
        }
        self.push(TokenKind::Ident(name), start);
        true
    }

    fn typed_literal(&mut self, start: usize, prefix: String) -> bool {
        let quote = self.pos;
        let Some(inner) = self.scan_single_quoted(quote) else {
            self.pos = self.src.len();
            let e = ParseError::new(
                quote..self.src.len(),
                format!(
                    "unterminated string starting at column {}",
                    column(self.src, quote)
                ),
            )
            .expecting(["a closing quote (')"]);
            self.fail(e);
            return false;
        };
        let lower = prefix.to_ascii_lowercase();
        if lower == "duration" {
            self.push(TokenKind::Duration(inner), start);
            return true;
        }
        let hint = match lower.as_str() {
            "datetime" | "datetimeoffset" | "date" => {
                format!("OData v4 writes dates without quotes or prefix: {inner}")
            }
            "guid" => format!("OData v4 writes GUIDs without quotes or prefix: {inner}"),
            "time" | "timeofday" => format!("write the time without a prefix: {inner}"),
            _ => format!(
                "typed literals ({prefix}'...') are not supported by Microsoft Graph directory queries; \
                 use a plain string '{inner}'"
            ),
        };
        let e = ParseError::new(
            start..self.pos,
            format!(
                "unsupported typed literal {prefix}'...' at column {}",
                column(self.src, start)
            ),
        )
        .expecting(["a plain literal"])
        .with_hint(hint);
        self.fail(e);
        false
    }

    /// If a GUID (8-4-4-4-12 hex digits, not followed by a name character) starts at `at`,
    /// returns its end.
    fn guid_at(&self, at: usize) -> Option<usize> {
        let b = self.bytes.get(at..at + 36)?;
        for (i, &ch) in b.iter().enumerate() {
            let ok = match i {
                8 | 13 | 18 | 23 => ch == b'-',
                _ => ch.is_ascii_hexdigit(),
            };
            if !ok {
                return None;
            }
        }
        if self.char_at(at + 36).is_some_and(is_ident_continue)
            || self.bytes.get(at + 36) == Some(&b'-')
        {
            return None;
        }
        Some(at + 36)
    }

    /// The run of characters that could belong to a number, date or GUID.
    fn literal_run_end(&self, start: usize) -> usize {
        let mut i = start;
        if self.bytes.get(i) == Some(&b'-') {
            i += 1;
        }
        while let Some(c) = self.char_at(i) {
            let ok = c.is_alphanumeric()
                || matches!(c, '-' | '.' | ':' | '_')
                || (c == '+' && i > start);
            if !ok {
                break;
            }
            i += c.len_utf8();
        }
        i
    }

    fn bad_number_or_guid(&mut self, start: usize) -> bool {
        let end = self.literal_run_end(start);
        self.pos = end;
        let text = &self.src[start..end];
        let col = column(self.src, start);
        let dashes = text.matches('-').count();
        let e = if dashes >= 3 {
            ParseError::new(start..end, format!("invalid GUID '{text}' at column {col}"))
                .expecting(["a GUID like 00000000-0000-0000-0000-000000000000"])
                .with_hint("a GUID is 32 hex digits grouped 8-4-4-4-12, written without quotes")
        } else if dashes >= 1 && text.bytes().take(4).all(|b| b.is_ascii_digit()) {
            ParseError::new(start..end, format!("invalid date '{text}' at column {col}"))
                .expecting(["a date like 2021-01-31 or a date-time like 2021-01-31T00:00:00Z"])
                .with_hint(
                    "dates are YYYY-MM-DD; date-times add THH:MM:SS and a zone (Z or +01:00)",
                )
        } else if text
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
            || !text.contains('-')
        {
            let mut e = ParseError::new(
                start..end,
                format!("invalid number '{text}' at column {col}"),
            )
            .expecting(["a number"]);
            let last = text.chars().last().unwrap_or(' ');
            if text.len() > 1
                && matches!(last, 'L' | 'l' | 'M' | 'm' | 'D' | 'd' | 'F' | 'f')
                && text[..text.len() - 1]
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
            {
                e = e.with_hint(format!(
                    "OData v4 numbers have no type suffix: write {}",
                    &text[..text.len() - 1]
                ));
            } else {
                e = e.with_hint("separate a number from the next word with a space");
            }
            e
        } else {
            ParseError::new(start..end, format!("unexpected '{text}' at column {col}"))
                .expecting(["a property name", "a literal"])
                .with_hint("OData has no '-' operator; GUIDs are written 8-4-4-4-12 without quotes")
        };
        self.fail(e);
        false
    }

    /// Numbers, GUIDs, dates and date-times (all start with a digit, hex letter or '-').
    fn number_like(&mut self, start: usize) -> bool {
        if let Some(end) = self.guid_at(start) {
            let text = &self.src[start..end];
            match uuid::Uuid::parse_str(text) {
                Ok(g) => {
                    self.pos = end;
                    self.push(TokenKind::Guid(g), start);
                    return true;
                }
                Err(_) => return self.bad_number_or_guid(start),
            }
        }
        let b = self.bytes;
        let digits = |from: usize| {
            b.get(from..)
                .map(|s| s.iter().take_while(|c| c.is_ascii_digit()).count())
                .unwrap_or(0)
        };
        // Date or date-time: YYYY-MM-DD...
        if b.get(start).is_some_and(u8::is_ascii_digit)
            && digits(start) == 4
            && b.get(start + 4) == Some(&b'-')
        {
            return self.date_like(start);
        }
        let mut i = start;
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        let int_digits = digits(i);
        i += int_digits;
        let mut is_decimal = false;
        if b.get(i) == Some(&b'.') && digits(i + 1) > 0 {
            is_decimal = true;
            i += 1 + digits(i + 1);
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            let mut j = i + 1;
            if matches!(b.get(j), Some(b'+' | b'-')) {
                j += 1;
            }
            if digits(j) > 0 {
                is_decimal = true;
                i = j + digits(j);
            }
        }
        // Anything glued to the number (letters, '-', '.', ':') makes it invalid.
        if self
            .char_at(i)
            .is_some_and(|c| is_ident_continue(c) || c == '-' || c == '.' || c == ':')
        {
            return self.bad_number_or_guid(start);
        }
        self.pos = i;
        let text = &self.src[start..i];
        if is_decimal {
            match text.parse::<f64>() {
                Ok(v) if v.is_finite() => {
                    self.push(TokenKind::Decimal(v), start);
                    true
                }
                _ => {
                    let e = ParseError::new(
                        start..i,
                        format!(
                            "number '{text}' at column {} is out of range",
                            column(self.src, start)
                        ),
                    );
                    self.fail(e);
                    false
                }
            }
        } else {
            match text.parse::<i64>() {
                Ok(v) => {
                    self.push(TokenKind::Int(v), start);
                    true
                }
                Err(_) => {
                    let e = ParseError::new(
                        start..i,
                        format!(
                            "integer '{text}' at column {} is out of range (Int64)",
                            column(self.src, start)
                        ),
                    );
                    self.fail(e);
                    false
                }
            }
        }
    }

    fn date_like(&mut self, start: usize) -> bool {
        let end = self.literal_run_end(start);
        let text = &self.src[start..end];
        match parse_date_or_datetime(text) {
            Some(DateLit::Date(d)) => {
                self.pos = end;
                self.push(TokenKind::Date(d), start);
                true
            }
            Some(DateLit::DateTime(dt)) => {
                self.pos = end;
                self.push(TokenKind::DateTime(dt), start);
                true
            }
            None => self.bad_number_or_guid(start),
        }
    }
}

enum DateLit {
    Date(time::Date),
    DateTime(time::OffsetDateTime),
}

/// Parses `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM[:SS[.fffffff]][Z|±HH:MM]`.
///
/// A date-time without a zone is accepted and read as UTC (Graph's OData parser is lenient here;
/// unverified, so the linter may warn about it).
fn parse_date_or_datetime(text: &str) -> Option<DateLit> {
    let (date_part, rest) = match text.find(['T', 't']) {
        Some(i) => (&text[..i], Some(&text[i + 1..])),
        None => (text, None),
    };
    let date = parse_date(date_part)?;
    let Some(rest) = rest else {
        return Some(DateLit::Date(date));
    };
    // Split off the zone.
    let (time_part, offset) = if let Some(t) = rest.strip_suffix(['Z', 'z']) {
        (t, time::UtcOffset::UTC)
    } else if let Some(i) = rest.rfind(['+', '-']) {
        let zone = &rest[i..];
        let sign: i8 = if zone.starts_with('-') { -1 } else { 1 };
        let hm = &zone[1..];
        let (h, m) = hm.split_once(':')?;
        if h.len() != 2 || m.len() != 2 {
            return None;
        }
        let h: i8 = h.parse().ok()?;
        let m: i8 = m.parse().ok()?;
        (
            &rest[..i],
            time::UtcOffset::from_hms(sign * h, sign * m, 0).ok()?,
        )
    } else {
        (rest, time::UtcOffset::UTC)
    };
    let mut parts = time_part.splitn(3, ':');
    let h = two_digits(parts.next()?)?;
    let m = two_digits(parts.next()?)?;
    let (s, nanos) = match parts.next() {
        None => (0, 0),
        Some(sec) => {
            let (whole, frac) = match sec.split_once('.') {
                Some((w, f)) => (w, Some(f)),
                None => (sec, None),
            };
            let s = two_digits(whole)?;
            let nanos = match frac {
                None => 0,
                Some(f) => {
                    if f.is_empty() || f.len() > 12 || !f.bytes().all(|b| b.is_ascii_digit()) {
                        return None;
                    }
                    let mut padded: String = f.chars().take(9).collect();
                    while padded.len() < 9 {
                        padded.push('0');
                    }
                    padded.parse::<u32>().ok()?
                }
            };
            (s, nanos)
        }
    };
    let t = time::Time::from_hms_nano(h, m, s, nanos).ok()?;
    Some(DateLit::DateTime(
        time::PrimitiveDateTime::new(date, t).assume_offset(offset),
    ))
}

fn two_digits(s: &str) -> Option<u8> {
    if s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

/// Parses `YYYY-MM-DD` strictly.
pub(crate) fn parse_date(s: &str) -> Option<time::Date> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y: i32 = s.get(0..4)?.parse().ok()?;
    let m: u8 = two_digits(s.get(5..7)?)?;
    let d: u8 = two_digits(s.get(8..10)?)?;
    let month = time::Month::try_from(m).ok()?;
    time::Date::from_calendar_date(y, month, d).ok()
}

/// Parses a date-time string as stored in directory objects (`2021-01-01T00:00:00Z`), or a date.
pub fn parse_instant(s: &str) -> Option<time::OffsetDateTime> {
    match parse_date_or_datetime(s.trim())? {
        DateLit::DateTime(dt) => Some(dt),
        DateLit::Date(d) => Some(d.midnight().assume_utc()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<TokenKind> {
        tokenize(src).into_iter().map(|t| t.kind).collect()
    }

    #[test]
    fn basic_tokens_and_spans() {
        let toks = tokenize("displayName eq 'Bob'");
        assert_eq!(toks[0].kind, TokenKind::Ident("displayName".into()));
        assert_eq!(toks[0].span, 0..11);
        assert_eq!(toks[1].span, 12..14);
        assert_eq!(toks[2].kind, TokenKind::String("Bob".into()));
        assert_eq!(toks[2].span, 15..20);
        assert_eq!(toks[3].kind, TokenKind::Eof);
    }

    #[test]
    fn glued_names_and_dashes() {
        let k = kinds("é-abc eq 1");
        assert!(
            matches!(&k[0], TokenKind::Error(e) if e.span == (0..6)),
            "{k:?}"
        );
        let k = kinds("abc-déf");
        assert!(
            matches!(&k[0], TokenKind::Error(e) if e.span == (0..8)),
            "{k:?}"
        );
    }

    #[test]
    fn operators_may_touch_quotes() {
        let k = kinds("a eq'x'and b eq'y'");
        assert_eq!(k[1], TokenKind::Ident("eq".into()));
        assert_eq!(k[2], TokenKind::String("x".into()));
        assert_eq!(k[3], TokenKind::Ident("and".into()));
        assert!(
            matches!(&kinds("'O'Neil'")[0], TokenKind::Error(e) if e.message.starts_with("expected a space"))
        );
    }

    #[test]
    fn string_escapes() {
        assert_eq!(kinds("'O''Neil'")[0], TokenKind::String("O'Neil".into()));
        assert_eq!(kinds("''")[0], TokenKind::String(String::new()));
        assert_eq!(kinds("''''")[0], TokenKind::String("'".into()));
    }

    #[test]
    fn unterminated_string() {
        let toks = tokenize("a eq 'abc");
        let TokenKind::Error(e) = &toks[2].kind else {
            panic!("{toks:?}")
        };
        assert_eq!(e.span, 5..9);
        assert_eq!(e.message, "unterminated string starting at column 6");
    }

    #[test]
    fn guid_vs_identifier() {
        let k = kinds("id eq cbb7a1b2-1b7b-4e3c-a7a8-1b1b1b1b1b1b");
        assert!(matches!(k[2], TokenKind::Guid(_)));
        let k = kinds("abcdef12");
        assert_eq!(k[0], TokenKind::Ident("abcdef12".into()));
        let k = kinds("12345678-1234-1234-1234-12345678901");
        assert!(matches!(&k[0], TokenKind::Error(e) if e.message.starts_with("invalid GUID")));
    }

    #[test]
    fn numbers() {
        assert_eq!(kinds("42")[0], TokenKind::Int(42));
        assert_eq!(kinds("-7")[0], TokenKind::Int(-7));
        assert_eq!(kinds("1.5")[0], TokenKind::Decimal(1.5));
        assert_eq!(kinds("2e3")[0], TokenKind::Decimal(2000.0));
        assert!(
            matches!(&kinds("12abc")[0], TokenKind::Error(e) if e.message.starts_with("invalid number"))
        );
        assert!(
            matches!(&kinds("99999999999999999999")[0], TokenKind::Error(e) if e.message.contains("out of range"))
        );
        assert!(
            matches!(&kinds("5L")[0], TokenKind::Error(e) if e.hint.as_deref() == Some("OData v4 numbers have no type suffix: write 5"))
        );
    }

    #[test]
    fn dates() {
        assert!(matches!(kinds("2021-01-01")[0], TokenKind::Date(_)));
        assert!(matches!(
            kinds("2021-01-01T00:00:00Z")[0],
            TokenKind::DateTime(_)
        ));
        assert!(matches!(
            kinds("2021-01-01T00:00:00.1234567Z")[0],
            TokenKind::DateTime(_)
        ));
        assert!(
            matches!(kinds("2021-01-01T10:00:00+02:00")[0], TokenKind::DateTime(dt) if dt.offset().whole_hours() == 2)
        );
        assert!(
            matches!(kinds("2021-01-01T10:00:00-05:30")[0], TokenKind::DateTime(dt) if dt.offset().whole_minutes() == -330)
        );
        assert!(matches!(
            kinds("2021-01-01T10:00")[0],
            TokenKind::DateTime(_)
        ));
        assert!(
            matches!(&kinds("2021-13-01")[0], TokenKind::Error(e) if e.message.starts_with("invalid date"))
        );
        assert!(
            matches!(&kinds("2021-02-30T00:00:00Z")[0], TokenKind::Error(e) if e.message.starts_with("invalid date"))
        );
    }

    #[test]
    fn symbols_and_bad_characters() {
        assert_eq!(kinds("==")[0], TokenKind::Symbol("==".into()));
        assert_eq!(kinds("!=")[0], TokenKind::Symbol("!=".into()));
        assert!(
            matches!(&kinds("\"x\"")[0], TokenKind::Error(e) if e.hint.as_deref() == Some("write 'x'"))
        );
        assert!(
            matches!(&kinds("a%20eq")[1], TokenKind::Error(e) if e.hint.as_deref().is_some_and(|h| h.contains("URL-encoded")))
        );
        assert!(matches!(&kinds("[")[0], TokenKind::Error(_)));
    }

    #[test]
    fn typed_literals() {
        assert_eq!(kinds("duration'P1D'")[0], TokenKind::Duration("P1D".into()));
        assert!(
            matches!(&kinds("datetime'2020-01-01'")[0], TokenKind::Error(e) if e.hint.as_deref() == Some("OData v4 writes dates without quotes or prefix: 2020-01-01"))
        );
    }

    #[test]
    fn qualified_and_dollar_names() {
        assert_eq!(
            kinds("microsoft.graph.user")[0],
            TokenKind::Ident("microsoft.graph.user".into())
        );
        assert_eq!(kinds("$count")[0], TokenKind::Ident("$count".into()));
        assert_eq!(kinds("a.")[0], TokenKind::Ident("a".into()));
    }

    #[test]
    fn instants() {
        assert!(parse_instant("2021-01-01T00:00:00Z").is_some());
        assert!(parse_instant("2021-01-01").is_some());
        assert!(parse_instant("nope").is_none());
    }
}
