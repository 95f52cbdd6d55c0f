//! `?`: every key, with the keys of the current context first.

use super::{Ui, centered, context_keys_under};
use crate::tui::model::Model;
use crate::tui::update::COMMANDS;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

/// Draws the help overlay: the keys of the context under it first, then every key.
pub fn draw(f: &mut Frame, area: Rect, m: &Model, ui: &Ui) {
    let t = ui.theme;
    let r = centered(
        area,
        area.width.saturating_sub(4).min(150),
        area.height.saturating_sub(2),
    );
    super::clear_wide(f, r);
    let (context, here) = context_keys_under(m, m.under_help.as_deref());
    let mut left: Vec<Line> = vec![Line::from(Span::styled(
        format!("Keys here ({context})"),
        t.accent,
    ))];
    let all = ui.keys.help_named();
    let mut shown = std::collections::HashSet::new();
    for (action, what) in &here {
        // Named actions get their full description; fixed keys their hint.
        let (keys, what) = match action.strip_prefix('=') {
            Some(fixed) => (fixed.to_string(), *what),
            None => {
                shown.insert(*action);
                let full = all
                    .iter()
                    .find(|(a, _, _)| a == action)
                    .map_or(*what, |(_, _, d)| *d);
                (ui.keys.keys_for(action), full)
            }
        };
        left.push(Line::from(vec![
            Span::styled(format!("{keys:<16}"), t.key),
            Span::raw(what),
        ]));
    }
    left.push(Line::from(""));
    left.push(Line::from(Span::styled("All other keys", t.accent)));
    for (action, keys, what) in all {
        if shown.contains(action) {
            continue;
        }
        left.push(Line::from(vec![
            Span::styled(format!("{keys:<16}"), t.key),
            Span::raw(what),
        ]));
    }
    let mut right: Vec<Line> = vec![Line::from(Span::styled("In the query bar", t.accent))];
    for (k, w) in [
        ("Tab / Shift-Tab", "complete, or next / previous field"),
        ("Up / Down", "history of this collection"),
        ("Enter", "run"),
        ("Esc", "close"),
    ] {
        right.push(Line::from(vec![
            Span::styled(format!("{k:<16}"), t.key),
            Span::raw(w),
        ]));
    }
    right.push(Line::from(""));
    right.push(Line::from(Span::styled("Commands (:)", t.accent)));
    for (c, w) in COMMANDS {
        right.push(Line::from(vec![
            Span::styled(format!(":{c:<15}"), t.key),
            Span::raw(*w),
        ]));
    }
    right.push(Line::from(""));
    right.push(Line::from(Span::styled("Local filter (/)", t.accent)));
    right.push(Line::from(
        "type to narrow loaded rows (fuzzy, per column);",
    ));
    right.push(Line::from("Enter keeps it, Esc clears it"));
    let block = Block::default().borders(Borders::ALL).title(
        " help (↑↓ PgUp/PgDn scroll · Esc closes · keys are rebindable in the config file [keys]) ",
    );
    let inner = block.inner(r);
    f.render_widget(block, r);
    if inner.width >= 90 {
        let [a, b] = Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
            .areas(inner);
        let max = left.len().max(right.len()).saturating_sub(1) as u16;
        let scroll = m.help_scroll.min(max);
        f.render_widget(
            Paragraph::new(left)
                .wrap(Wrap { trim: false })
                .scroll((scroll, 0)),
            a,
        );
        f.render_widget(
            Paragraph::new(right)
                .wrap(Wrap { trim: false })
                .scroll((scroll, 0)),
            b,
        );
    } else {
        left.push(Line::from(""));
        left.extend(right);
        let scroll = m.help_scroll.min(left.len().saturating_sub(1) as u16);
        f.render_widget(
            Paragraph::new(left)
                .wrap(Wrap { trim: false })
                .scroll((scroll, 0)),
            inner,
        );
    }
}
