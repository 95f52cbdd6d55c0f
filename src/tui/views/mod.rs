//! Drawing: one module per screen, each a pure function of the [`Model`].

pub mod detail;
pub mod header;
pub mod help;
pub mod inspector;
pub mod list;
pub mod overlays;
pub mod signin;
pub mod why;

use super::keymap::KeyMap;
use super::model::{Body, Model, Overlay};
use super::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// What drawing needs besides the model.
pub struct Ui<'a> {
    pub theme: &'a Theme,
    pub keys: &'a KeyMap,
}

/// Draws the whole screen.
pub fn draw(f: &mut Frame, m: &Model, ui: &Ui) {
    let area = f.area();
    let [head, crumbs, body, status, hints] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    header::draw(f, head, m, ui);
    if m.signin.is_some() && m.stack.is_empty() {
        f.render_widget(Paragraph::new(""), crumbs);
        signin::draw(f, body, m, ui);
    } else {
        draw_crumbs(f, crumbs, m, ui);
        match m.top().map(|v| &v.body) {
            Some(Body::List(l)) => list::draw(f, body, l, ui),
            Some(Body::Detail(d)) => detail::draw(f, body, d, ui),
            Some(Body::Why(w)) => why::draw(f, body, w, ui),
            None => f.render_widget(
                Paragraph::new("Starting… (: opens the command palette, ? help)")
                    .style(ui.theme.dim),
                body,
            ),
        }
    }
    draw_status(f, status, m, ui);
    draw_hints(f, hints, m, ui);
    match &m.overlay {
        None => {}
        Some(Overlay::Help) => help::draw(f, area, m, ui),
        Some(Overlay::Inspector(i)) => inspector::draw(f, body_and_status(body, status), m, i, ui),
        Some(Overlay::Palette(p)) => overlays::palette(f, area, p, ui),
        Some(Overlay::QueryBar(q)) => overlays::query_bar(f, area, m, q, ui),
        Some(Overlay::Columns(c)) => overlays::columns(f, area, c, ui),
        Some(Overlay::Menu(menu)) => overlays::menu(f, area, *menu, ui),
    }
}

fn body_and_status(body: Rect, status: Rect) -> Rect {
    Rect {
        height: body.height + status.height,
        ..body
    }
}

fn draw_crumbs(f: &mut Frame, area: Rect, m: &Model, ui: &Ui) {
    let mut spans = vec![];
    let n = m.stack.len();
    // Keep the last crumbs when the path is wider than the screen.
    let titles: Vec<String> = m.stack.iter().map(|v| v.title.clone()).collect();
    let mut start = 0;
    while start + 1 < n
        && titles[start..].iter().map(|t| t.width() + 3).sum::<usize>() > area.width as usize
    {
        start += 1;
    }
    if start > 0 {
        spans.push(Span::styled("… › ", ui.theme.dim));
    }
    for (i, t) in titles.iter().enumerate().skip(start) {
        let style = if i + 1 == n {
            ui.theme.accent
        } else {
            ui.theme.dim
        };
        spans.push(Span::styled(t.clone(), style));
        if i + 1 < n {
            spans.push(Span::styled(" › ", ui.theme.dim));
        }
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_status(f: &mut Frame, area: Rect, m: &Model, ui: &Ui) {
    let line = match m.top().map(|v| &v.body) {
        Some(Body::List(l)) if l.filter_editing || !l.filter.is_empty() => Line::from(vec![
            Span::styled("/", ui.theme.key),
            Span::raw(l.filter.clone()),
            Span::styled(if l.filter_editing { "▏" } else { "" }, ui.theme.accent),
            Span::styled(
                format!("   {} of {} loaded rows match", l.order.len(), l.rows.len()),
                ui.theme.dim,
            ),
        ]),
        Some(Body::Detail(d)) if d.search_editing || !d.search.is_empty() => Line::from(vec![
            Span::styled("/", ui.theme.key),
            Span::raw(d.search.clone()),
            Span::styled(if d.search_editing { "▏" } else { "" }, ui.theme.accent),
            Span::styled("   Enter: next match", ui.theme.dim),
        ]),
        _ => match &m.status {
            Some(s) => Line::from(Span::raw(s.clone())),
            None => Line::from(""),
        },
    };
    f.render_widget(Paragraph::new(line), area);
}

fn draw_hints(f: &mut Frame, area: Rect, m: &Model, ui: &Ui) {
    let k = |a: &str| {
        let all = ui.keys.keys_for(a);
        all.split(' ')
            .min_by_key(|k| k.len())
            .unwrap_or("")
            .to_string()
    };
    let pairs: Vec<(String, &str)> = if m.signin.is_some() && m.stack.is_empty() {
        vec![
            (k("copy"), "copy code"),
            (k("back"), "cancel"),
            (k("open"), "retry"),
            (k("quit"), "quit"),
        ]
    } else {
        match m.top().map(|v| &v.body) {
            Some(Body::List(_)) => vec![
                (k("open"), "open"),
                (k("query_bar"), "query"),
                (k("local_filter"), "filter"),
                (k("palette"), "cmd"),
                (k("groups"), "groups"),
                (k("members"), "members"),
                (k("manager_chain"), "managers"),
                (k("load_more"), "more"),
                (k("load_all"), "all"),
                (k("inspector"), "inspect"),
                (k("help"), "help"),
                (k("back"), "back"),
            ],
            Some(Body::Detail(_)) => vec![
                (k("raw_json"), "raw json"),
                (k("manager_chain"), "managers"),
                (k("direct_reports"), "reports"),
                (k("groups"), "groups"),
                (k("members"), "members"),
                (k("owners"), "owners"),
                (k("why_member"), "why"),
                (k("copy"), "copy"),
                (k("inspector"), "inspect"),
                (k("back"), "back"),
            ],
            _ => vec![
                (k("palette"), "cmd"),
                (k("inspector"), "inspect"),
                (k("help"), "help"),
                (k("back"), "back"),
                (k("quit"), "quit"),
            ],
        }
    };
    let mut spans = vec![];
    for (key, what) in pairs {
        spans.push(Span::styled(format!("<{key}>"), ui.theme.key));
        spans.push(Span::styled(format!("{what} "), ui.theme.dim));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// Cuts `s` to at most `width` terminal columns, adding `…` when cut (wide chars counted).
pub fn truncate(s: &str, width: usize) -> String {
    if s.width() <= width {
        return s.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut w = 0;
    for c in s.chars() {
        let cw = c.width().unwrap_or(0);
        if w + cw > width - 1 {
            break;
        }
        out.push(c);
        w += cw;
    }
    out.push('…');
    out
}

/// A rectangle of `w` x `h` centred in `area` (clamped to it).
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncate_counts_wide_chars() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("日本語テキスト", 5), "日本…");
        assert_eq!(truncate("ok", 5), "ok");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(thousands(100), "100");
    }
}
