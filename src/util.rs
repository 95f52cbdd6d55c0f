//! Small shared helpers: secrets that never print, and text sanitising for display.

use std::fmt;

/// A secret string (token, client secret) whose `Debug` and `Display` never show the value.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    /// The value itself: call only where it is sent to its one legitimate destination.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Makes directory text safe to put on a terminal: control characters (including ESC) and
/// bidirectional overrides/isolates are replaced by visible placeholders.
pub fn sanitize(s: &str) -> String {
    // Fast path: printable ASCII needs no change.
    if s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{061C}' => out.push('\u{FFFD}'),
            '\t' => out.push(' '),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_never_prints() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s} {s:?}"), "<redacted> Secret(<redacted>)");
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn sanitize_neutralises_escapes_and_bidi() {
        let s = sanitize("a\u{1b}[31mred\u{202E}x\ny");
        assert!(!s.contains('\u{1b}') && !s.contains('\u{202E}') && !s.contains('\n'));
        assert_eq!(sanitize("O'Brien 😀 مرحبا"), "O'Brien 😀 مرحبا");
    }
}
