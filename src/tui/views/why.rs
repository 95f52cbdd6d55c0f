//! "Why is X in group Y?": the nesting paths, not a member, or the dynamic rule.

use super::Ui;
use crate::tui::model::{Load, WhyResult, WhyView};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

/// Draws the why-member answer.
pub fn draw(f: &mut Frame, area: Rect, w: &WhyView, ui: &Ui) {
    let t = ui.theme;
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" Why is {} in {}? ", w.member, w.group));
    let mut lines = vec![Line::from("")];
    match (&w.result, &w.load) {
        (_, Load::Failed { message, .. }) => {
            lines.push(Line::from(Span::styled(
                format!("  Could not answer: {message}"),
                t.error,
            )));
            lines.push(Line::from(Span::styled(
                "  i opens the inspector on the failed request",
                t.dim,
            )));
        }
        (None, _) => lines.push(Line::from(Span::styled(
            "  Walking the memberOf graph (one level of requests at a time)…",
            t.dim,
        ))),
        (Some(WhyResult::NotMember), _) => {
            lines.push(Line::from(Span::styled(
                format!(
                    "  {} is not a member of {}, directly or through nesting.",
                    w.member, w.group
                ),
                t.warn,
            )));
        }
        (Some(WhyResult::Dynamic { rule, member }), _) => {
            lines.push(Line::from(Span::styled(
                format!(
                    "  {} has dynamic membership: {}",
                    w.group,
                    if *member {
                        "the rule currently includes this member"
                    } else {
                        "this member does not match the rule"
                    }
                ),
                t.accent,
            )));
            lines.push(Line::from(""));
            lines.push(Line::from(vec![
                Span::styled("  rule: ", t.dim),
                Span::styled(crate::util::sanitize(rule), t.key),
            ]));
        }
        (Some(WhyResult::Paths(paths)), _) => {
            lines.push(Line::from(Span::styled(
                format!(
                    "  {} is a member of {} through {} shortest path{} ({} hop{}; longer chains may exist too):",
                    w.member,
                    w.group,
                    paths.len(),
                    if paths.len() == 1 { "" } else { "s" },
                    paths.first().map_or(0, |p| p.len().saturating_sub(1)),
                    if paths.first().map_or(0, |p| p.len().saturating_sub(1)) == 1 {
                        ""
                    } else {
                        "s"
                    }
                ),
                t.ok,
            )));
            lines.push(Line::from(""));
            for p in paths {
                let mut spans = vec![Span::raw("    ")];
                for (i, name) in p.iter().enumerate() {
                    if i > 0 {
                        spans.push(Span::styled(" → ", t.dim));
                    }
                    let style = if i == 0 || i + 1 == p.len() {
                        t.accent
                    } else {
                        t.base
                    };
                    spans.push(Span::styled(crate::util::sanitize(name), style));
                }
                if p.len() == 2 {
                    spans.push(Span::styled("   (direct)", t.dim));
                }
                lines.push(Line::from(spans));
            }
        }
    }
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}
