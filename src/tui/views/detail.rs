//! The detail view of one object: important properties first, then all; or raw JSON with
//! colour, folding and search.

use super::{Ui, truncate};
use crate::tui::model::{DetailView, Load, cell_text};
use crate::tui::update::visible_json_lines;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use serde_json::Value;
use unicode_width::UnicodeWidthStr;

/// Draws the detail view.
pub fn draw(f: &mut Frame, area: Rect, d: &DetailView, ui: &Ui) {
    let t = ui.theme;
    let title = if d.raw {
        format!(
            " {} · raw JSON (Enter folds, / searches, J properties) ",
            d.kind.label()
        )
    } else {
        format!(" {} · properties (J raw JSON) ", d.kind.label())
    };
    let block = Block::default().borders(Borders::ALL).title(title);
    let h = area.height.saturating_sub(2) as usize;
    let w = area.width.saturating_sub(2) as usize;
    let value = match (&d.value, &d.load) {
        (Some(v), _) => v,
        (None, Load::Failed { message, .. }) => {
            let p = Paragraph::new(vec![
                Line::from(Span::styled(format!("Could not load: {message}"), t.error)),
                Line::from(Span::styled(
                    "i opens the inspector · ctrl-r retries · Esc goes back",
                    t.dim,
                )),
            ])
            .block(block);
            f.render_widget(p, area);
            return;
        }
        (None, _) => {
            f.render_widget(Paragraph::new("Loading…").style(t.dim).block(block), area);
            return;
        }
    };
    let lines: Vec<Line> = if d.raw {
        let needle = d.search.to_lowercase();
        visible_json_lines(value, &d.folded)
            .into_iter()
            .enumerate()
            .skip(d.offset)
            .take(h)
            .map(|(i, (_, text))| {
                let mut line = json_line(&truncate(&text, w), ui);
                if !needle.is_empty() && text.to_lowercase().contains(&needle) {
                    line = line.style(t.warn);
                }
                if i == d.cursor {
                    line = line.style(t.selected);
                }
                line
            })
            .collect()
    } else {
        let mut rows: Vec<(String, String, bool)> = vec![];
        let important = d.kind.important();
        let obj = value.as_object();
        for k in important {
            if let Some(v) = obj.and_then(|o| o.get(*k)) {
                rows.push((k.to_string(), cell_text(Some(v)), true));
            }
        }
        rows.push(("── all properties".into(), String::new(), false));
        if let Some(o) = obj {
            for (k, v) in o {
                rows.push((crate::util::sanitize(k), cell_text(Some(v)), false));
            }
        } else {
            rows.push(("value".into(), cell_text(Some(value)), false));
        }
        let kw = rows.iter().map(|r| r.0.width()).max().unwrap_or(10).min(32);
        rows.into_iter()
            .enumerate()
            .skip(d.offset)
            .take(h)
            .map(|(i, (k, v, imp))| {
                let key_style = if imp { t.accent } else { t.json_key };
                let mut line = Line::from(vec![
                    Span::styled(format!("{:<kw$} ", truncate(&k, kw)), key_style),
                    Span::raw(truncate(&v, w.saturating_sub(kw + 1))),
                ]);
                if i == d.cursor {
                    line = line.style(t.selected);
                }
                line
            })
            .collect()
    };
    f.render_widget(Paragraph::new(lines).block(block), area);
}

/// Colours one pretty-printed JSON line: key, string, number/bool/null.
pub(super) fn json_line(text: &str, ui: &Ui) -> Line<'static> {
    let t = ui.theme;
    let indent = text.len() - text.trim_start().len();
    let body = &text[indent..];
    let mut spans = vec![Span::raw(" ".repeat(indent))];
    let (key, rest) = if body.starts_with('"') {
        match body.find("\": ") {
            Some(i) => (Some(&body[..i + 1]), &body[i + 1..]),
            None => (None, body),
        }
    } else {
        (None, body)
    };
    if let Some(k) = key {
        spans.push(Span::styled(k.to_string(), t.json_key));
    }
    let trimmed = rest.trim_start_matches(": ");
    if key.is_some() {
        spans.push(Span::raw(": "));
    }
    let style = if trimmed.starts_with('"') {
        t.json_str
    } else if trimmed.starts_with(['{', '[', '}', ']']) {
        t.base
    } else {
        t.json_num
    };
    spans.push(Span::styled(trimmed.to_string(), style));
    Line::from(spans)
}

/// True when a value is a container (for folding markers).
pub fn is_container(v: &Value) -> bool {
    v.is_object() || v.is_array()
}
