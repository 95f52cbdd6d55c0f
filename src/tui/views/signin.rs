//! The device-code sign-in screen.

use super::{Ui, centered};
use crate::tui::model::Model;
use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

/// Draws the sign-in screen.
pub fn draw(f: &mut Frame, area: Rect, m: &Model, ui: &Ui) {
    let t = ui.theme;
    let Some(s) = &m.signin else { return };
    let box_area = centered(area, 76, 16);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" Sign in to Microsoft Graph ");
    let mut lines: Vec<Line> = vec![Line::from("")];
    match &s.user_code {
        None if s.error.is_none() => {
            lines.push(Line::from(
                "Asking the identity platform for a device code…",
            ));
        }
        None => {}
        Some(code) => {
            lines.push(Line::from(vec![
                Span::raw("1. Open  "),
                Span::styled(s.verification_uri.clone(), t.accent),
            ]));
            lines.push(Line::from("2. Enter the code:"));
            lines.push(Line::from(""));
            // Full-width letters: twice as wide as the text around them, easy to read off.
            let big: String = code.chars().map(fullwidth).collect();
            lines.push(
                Line::from(Span::styled(
                    format!("  {big}  "),
                    t.badge.add_modifier(Modifier::BOLD),
                ))
                .alignment(Alignment::Center),
            );
            lines.push(
                Line::from(Span::styled(format!("{code}   (y copies it)"), t.dim))
                    .alignment(Alignment::Center),
            );
            lines.push(Line::from(""));
            let rem = s.remaining();
            if s.error.is_none() {
                let polled = match s.polls {
                    0 => "not polled yet".to_string(),
                    1 => "polled once".to_string(),
                    n => format!("polled {n} times"),
                };
                lines.push(Line::from(vec![
                    Span::styled(
                        format!("Code expires in {}:{:02}", rem / 60, rem % 60),
                        if rem < 60 { t.warn } else { t.dim },
                    ),
                    Span::styled(
                        format!("   ·   waiting for you to sign in ({polled})"),
                        t.dim,
                    ),
                ]));
            } else {
                // Stopped (cancelled or failed): no countdown that means nothing any more.
                lines.push(Line::from(Span::styled(
                    "This code is no longer being polled.",
                    t.dim,
                )));
            }
            lines.push(Line::from(""));
            lines.push(Line::from(Span::styled(s.message.clone(), t.dim)));
        }
    }
    if let Some(e) = &s.error {
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(e.clone(), t.error)));
    }
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        box_area,
    );
}

/// The full-width form of a printable ASCII character (`A` → `Ａ`).
fn fullwidth(c: char) -> char {
    match c {
        '!'..='~' => char::from_u32(c as u32 - 0x21 + 0xFF01).unwrap_or(c),
        c => c,
    }
}
