//! The inspector: the request history on the left, one exchange in full on the right, with
//! the Graph error decoded on top when it failed.

use super::{Ui, truncate};
use crate::tui::graph_error;
use crate::tui::model::{Exchange, Inspector, Model};
use crate::tui::query::decode;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

/// Draws the inspector over `area`.
pub fn draw(f: &mut Frame, area: Rect, m: &Model, i: &Inspector, ui: &Ui) {
    let t = ui.theme;
    super::clear_wide(f, area);
    let list_w = if area.width >= 120 { 44 } else { 0 };
    let [left, right] =
        Layout::horizontal([Constraint::Length(list_w), Constraint::Min(10)]).areas(area);
    if list_w > 0 {
        let h = left.height.saturating_sub(2) as usize;
        let start = (i.selected + 1).saturating_sub(h);
        let lines: Vec<Line> = m
            .exchanges
            .iter()
            .enumerate()
            .skip(start)
            .take(h)
            .map(|(n, x)| {
                let status = match (x.status, &x.error) {
                    (Some(s), _) => s.to_string(),
                    (None, _) => "ERR".into(),
                };
                let path = decode(&x.url);
                let path = path
                    .split_once("/v1.0")
                    .map_or(path.clone(), |(_, p)| p.to_string());
                let line = Line::from(vec![
                    Span::raw(if n == i.selected { "›" } else { " " }),
                    Span::styled(
                        format!("{status:>3} "),
                        if x.pending_poll() {
                            t.dim
                        } else if x.failed() {
                            t.error
                        } else {
                            t.ok
                        },
                    ),
                    Span::raw(truncate(
                        &format!("{} {path}", x.method),
                        (list_w - 7) as usize,
                    )),
                ]);
                if n == i.selected {
                    line.style(t.selected)
                } else {
                    line
                }
            })
            .collect();
        f.render_widget(
            Paragraph::new(lines).block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(format!(" requests ({}) ", m.exchanges.len())),
            ),
            left,
        );
    }
    // The keys are on the hint line under it.
    let block = Block::default().borders(Borders::ALL).title(format!(
        " exchange {} of {} ",
        (i.selected + 1).min(m.exchanges.len()),
        m.exchanges.len()
    ));
    let Some(x) = m.exchanges.get(i.selected) else {
        f.render_widget(Paragraph::new("no exchange").block(block), right);
        return;
    };
    let lines = if i.raw {
        body_lines(x, ui)
    } else {
        exchange_lines(x, ui)
    };
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((i.scroll, 0)),
        right,
    );
}

/// The text of one exchange.
pub fn exchange_lines(x: &Exchange, ui: &Ui) -> Vec<Line<'static>> {
    let t = ui.theme;
    let mut out = vec![];
    if x.failed() {
        if let Some(e) = &x.error {
            out.push(Line::from(Span::styled(format!("✗ {e}"), t.error)));
        } else if let Some(g) = graph_error::decode(&x.body) {
            let status = x.status.unwrap_or(0);
            out.push(Line::from(vec![Span::styled(
                format!("✗ {status} {}", g.code),
                t.error,
            )]));
            out.push(Line::from(format!(
                "  {}",
                crate::util::sanitize(&g.message)
            )));
            let m = graph_error::meaning(status, &g.code);
            if !m.is_empty() && x.diagnosis.is_none() {
                out.push(Line::from(Span::styled(
                    format!("  What it usually means: {m}"),
                    t.warn,
                )));
            }
            diagnosis_lines(x, ui, &mut out);
            for (k, v) in [
                ("request-id", &g.request_id),
                ("client-request-id", &g.client_request_id),
                ("date", &g.date),
            ] {
                if let Some(v) = v {
                    out.push(Line::from(vec![
                        Span::styled(format!("  {k}: "), t.dim),
                        Span::raw(crate::util::sanitize(v)),
                    ]));
                }
            }
        } else {
            out.push(Line::from(Span::styled(
                format!("✗ HTTP {}", x.status.unwrap_or(0)),
                t.error,
            )));
            diagnosis_lines(x, ui, &mut out);
        }
        out.push(Line::from(""));
    }
    let status = x.status.map_or("—".to_string(), |s| s.to_string());
    out.push(Line::from(vec![
        Span::styled(format!("{} ", x.method), t.accent),
        Span::raw(crate::util::sanitize(&decode(&x.url))),
    ]));
    out.push(Line::from(vec![
        Span::styled("encoded: ", t.dim),
        Span::raw(crate::util::sanitize(&x.url)),
    ]));
    out.push(Line::from(vec![
        Span::styled("status ", t.dim),
        Span::styled(status, if x.failed() { t.error } else { t.ok }),
        Span::styled(format!("  ·  {} ms", x.duration_ms), t.dim),
        Span::styled(
            if x.retries > 0 {
                format!(
                    "  ·  {} retr{}",
                    x.retries,
                    if x.retries == 1 { "y" } else { "ies" }
                )
            } else {
                String::new()
            },
            t.warn,
        ),
    ]));
    out.push(Line::from(Span::styled("request headers", t.accent)));
    for (k, v) in &x.request_headers {
        let v = if k.eq_ignore_ascii_case("authorization") {
            "Bearer <redacted>".to_string()
        } else {
            crate::util::sanitize(v)
        };
        out.push(Line::from(vec![
            Span::styled(format!("  {k}: "), t.json_key),
            Span::raw(v),
        ]));
    }
    out.push(Line::from(Span::styled("response headers", t.accent)));
    for (k, v) in &x.response_headers {
        out.push(Line::from(vec![
            Span::styled(format!("  {k}: "), t.json_key),
            Span::raw(crate::util::sanitize(v)),
        ]));
    }
    out.push(Line::from(Span::styled(
        "body (J: the body alone, coloured)",
        t.accent,
    )));
    out.extend(body_lines(x, ui));
    out
}

/// The response body pretty-printed (first 2 000 lines), JSON keys and strings coloured.
pub fn body_lines(x: &Exchange, ui: &Ui) -> Vec<Line<'static>> {
    let t = ui.theme;
    let pretty = serde_json::from_str::<serde_json::Value>(&x.body)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| x.body.clone());
    if pretty.trim().is_empty() {
        return vec![Line::from(Span::styled("(empty body)", t.dim))];
    }
    pretty
        .lines()
        .take(2000)
        .map(|l| super::detail::json_line(&crate::util::sanitize(l), ui))
        .collect()
}

/// The permission doctor's diagnosis of a failed exchange, under the error line.
fn diagnosis_lines(x: &Exchange, ui: &Ui, out: &mut Vec<Line<'static>>) {
    let t = ui.theme;
    let Some(d) = &x.diagnosis else { return };
    out.push(Line::from(vec![
        Span::styled("  Permission doctor", t.accent),
        Span::styled(
            " (offline: token decoded locally, not verified · b support bundle)",
            t.dim,
        ),
    ]));
    for (n, l) in d.lines().enumerate() {
        let l = crate::util::sanitize(l);
        let style = if n == 0 {
            t.warn
        } else if l.trim_start().starts_with("- ") || l.trim_start().starts_with("-> ") {
            t.ok
        } else {
            ratatui::style::Style::default()
        };
        out.push(Line::from(Span::styled(format!("  {l}"), style)));
    }
}
