//! Parse errors with spans, and rendering them with a caret under the spot.
//!
//! Positions: [`ParseError::span`] holds 0-based **byte** offsets (what `filter check --output json`
//! exposes as `start`/`end`). Messages that name a position say "column N", a 1-based count of
//! **characters** from the start of the input, which is what a person counts on screen.

use super::ast::Span;
use std::fmt;
use unicode_width::UnicodeWidthChar;

/// A syntax error in a query option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Where the problem is (byte offsets; may be empty, e.g. at the end of input).
    pub span: Span,
    /// What is wrong, in one sentence (no trailing period).
    pub message: String,
    /// What the parser would have accepted at that spot (e.g. `"')'"`, `"a value"`).
    pub expected: Vec<String>,
    /// A suggestion for fixing it.
    pub hint: Option<String>,
}

impl ParseError {
    /// A new error with no expectations and no hint.
    pub fn new(span: Span, message: impl Into<String>) -> ParseError {
        ParseError {
            span,
            message: message.into(),
            expected: Vec::new(),
            hint: None,
        }
    }

    /// Adds the list of things expected at that spot.
    pub fn expecting<I, S>(mut self, items: I) -> ParseError
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.expected = items.into_iter().map(Into::into).collect();
        self
    }

    /// Adds a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> ParseError {
        self.hint = Some(hint.into());
        self
    }

    /// Shifts the span by `offset` bytes (used when a sub-expression was parsed on its own).
    pub fn offset(mut self, offset: usize) -> ParseError {
        self.span = self.span.start + offset..self.span.end + offset;
        self
    }

    /// 1-based character column where the error starts in `src` (what messages call "column").
    pub fn start_column(&self, src: &str) -> usize {
        column(src, self.span.start)
    }

    /// Renders the input on one line, a caret line under the span, the message and the hint.
    ///
    /// The caret line accounts for wide (CJK, emoji) and zero-width characters; tabs and other
    /// control characters in the input are shown as spaces so the caret lines up.
    pub fn render(&self, src: &str) -> String {
        let start = clamp_to_boundary(src, self.span.start);
        let end = clamp_to_boundary(src, self.span.end.max(start));
        let mut line = String::with_capacity(src.len());
        let mut carets = String::new();
        let mut col = 0usize;
        let mut caret_written = false;
        for (i, ch) in src.char_indices() {
            let shown = if ch.is_control() { ' ' } else { ch };
            let w = UnicodeWidthChar::width(shown).unwrap_or(0);
            if i >= start && i < end {
                if !caret_written {
                    carets.push_str(&" ".repeat(col));
                }
                carets.push_str(&"^".repeat(w.max(1)));
                caret_written = true;
            }
            line.push(shown);
            col += w;
        }
        if !caret_written {
            // Empty span (or span at the end): one caret at the position.
            let before = src.get(..start).unwrap_or(src);
            let col: usize = before
                .chars()
                .map(|c| {
                    let c = if c.is_control() { ' ' } else { c };
                    UnicodeWidthChar::width(c).unwrap_or(0)
                })
                .sum();
            carets = format!("{}^", " ".repeat(col));
        }
        let mut out = format!("{line}\n{carets}\n{}", self.message);
        if !self.expected.is_empty()
            && !self.message.starts_with("expected")
            && !self.message.contains(" expected")
        {
            out.push_str(&format!(
                " (expected {})",
                join_alternatives(&self.expected)
            ));
        }
        if let Some(hint) = &self.hint {
            out.push_str(&format!("\nhint: {hint}"));
        }
        out
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, " (hint: {hint})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ParseError {}

/// 1-based character column of byte offset `byte` in `src` (used in messages).
pub fn column(src: &str, byte: usize) -> usize {
    let b = clamp_to_boundary(src, byte);
    src.get(..b).map(|s| s.chars().count()).unwrap_or(0) + 1
}

/// Joins alternatives as "a, b or c".
pub fn join_alternatives(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {}", init.join(", "), last),
    }
}

/// Largest char boundary `<= byte` within `src`.
fn clamp_to_boundary(src: &str, byte: usize) -> usize {
    let mut b = byte.min(src.len());
    while b > 0 && !src.is_char_boundary(b) {
        b -= 1;
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_puts_caret_under_span() {
        let e = ParseError::new(4..6, "bad");
        assert_eq!(e.render("abc defg"), "abc defg\n    ^^\nbad");
    }

    #[test]
    fn render_empty_span_at_end() {
        let e = ParseError::new(3..3, "expected more").with_hint("add it");
        assert_eq!(e.render("abc"), "abc\n   ^\nexpected more\nhint: add it");
    }

    #[test]
    fn render_wide_characters() {
        // '日' is two columns wide; the caret under 'x' must skip four columns.
        let src = "日本 x";
        let start = src.find('x').unwrap();
        let e = ParseError::new(start..start + 1, "m");
        assert_eq!(e.render(src), "日本 x\n     ^\nm");
        // A caret under a wide character is two carets wide.
        let e = ParseError::new(0..3, "m");
        assert_eq!(e.render(src), "日本 x\n^^\nm");
    }

    #[test]
    fn render_survives_bad_spans() {
        let e = ParseError::new(100..200, "m");
        assert_eq!(e.render("ab"), "ab\n  ^\nm");
        let src = "é";
        let e = ParseError::new(1..2, "m");
        assert!(e.render(src).starts_with("é\n"));
    }

    #[test]
    fn render_tabs_as_spaces() {
        let e = ParseError::new(2..3, "m");
        assert_eq!(e.render("a\tb"), "a b\n  ^\nm");
    }

    #[test]
    fn render_lists_expected_when_message_does_not() {
        let e = ParseError::new(0..1, "unexpected ','").expecting(["a value", "'('"]);
        assert!(
            e.render(",")
                .ends_with("unexpected ',' (expected a value or '(')")
        );
    }

    #[test]
    fn start_column_counts_characters() {
        let e = ParseError::new(3..4, "m");
        assert_eq!(e.start_column("éab"), 3);
    }

    #[test]
    fn columns_are_one_based_characters() {
        assert_eq!(column("abc", 0), 1);
        assert_eq!(column("éa", 2), 2);
        assert_eq!(column("ab", 99), 3);
    }
}
