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
        Some(Overlay::Inspector(i)) => inspector::draw(f, body, m, i, ui),
        Some(Overlay::Palette(p)) => overlays::palette(f, area, p, ui),
        Some(Overlay::QueryBar(q)) => overlays::query_bar(f, area, m, q, ui),
        Some(Overlay::Columns(c)) => overlays::columns(f, area, c, ui),
        Some(Overlay::Menu(menu)) => overlays::menu(f, area, *menu, ui),
        Some(Overlay::Pick(p)) => overlays::pick(f, area, p, ui),
        Some(Overlay::Text(p)) => overlays::text(f, area, p, ui),
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
        Some(Body::List(l)) if l.filter_editing || !l.filter.is_empty() => {
            let mut spans = vec![
                Span::styled("/", ui.theme.key),
                Span::raw(l.filter.clone()),
                Span::styled(if l.filter_editing { "▏" } else { "" }, ui.theme.accent),
                Span::styled(
                    format!("   {} of {} loaded rows match", l.order.len(), l.rows.len()),
                    ui.theme.dim,
                ),
            ];
            // A message (an export, say) still shows next to the filter.
            if let Some(s) = &m.status
                && !l.filter_editing
            {
                spans.push(Span::raw(format!("   ·   {s}")));
            }
            Line::from(spans)
        }
        Some(Body::Detail(d)) if d.search_editing || !d.search.is_empty() => Line::from(vec![
            Span::styled("/", ui.theme.key),
            Span::raw(d.search.clone()),
            Span::styled(if d.search_editing { "▏" } else { "" }, ui.theme.accent),
            Span::styled(search_position(d), ui.theme.dim),
        ]),
        _ => match &m.status {
            Some(s) => Line::from(Span::raw(s.clone())),
            None => Line::from(""),
        },
    };
    f.render_widget(Paragraph::new(line), area);
}

/// `   match 3 of 17 · Enter / n: next` for the raw JSON search.
fn search_position(d: &crate::tui::model::DetailView) -> String {
    let Some(v) = &d.value else {
        return String::new();
    };
    if d.search.is_empty() {
        return String::new();
    }
    let needle = d.search.to_lowercase();
    let lines = crate::tui::update::visible_json_lines(v, &d.folded);
    let hits: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, (_, t))| t.to_lowercase().contains(&needle))
        .map(|(i, _)| i)
        .collect();
    match hits.iter().position(|&i| i == d.cursor) {
        _ if hits.is_empty() => "   no match".into(),
        Some(p) => format!("   match {} of {} · Enter / n: next", p + 1, hits.len()),
        None => format!("   {} matches · Enter / n: next", hits.len()),
    }
}

fn draw_hints(f: &mut Frame, area: Rect, m: &Model, ui: &Ui) {
    let k = |a: &str| {
        let all = ui.keys.keys_for(a);
        all.split(' ')
            .min_by_key(|k| k.len())
            .unwrap_or("")
            .to_string()
    };
    let pairs: Vec<(String, &str)> = context_keys(m)
        .1
        .iter()
        .map(|(a, what)| match a.strip_prefix('=') {
            Some(fixed) => (fixed.to_string(), *what),
            None => (k(a), *what),
        })
        .collect();
    // As many as fit, in order; the help key always shows (at the end when others are cut).
    let width = |(key, what): &(String, &str)| key.width() + what.width() + 3;
    let help = pairs.iter().find(|(_, w)| *w == "help").cloned();
    let reserve = help.as_ref().map_or(0, width);
    let mut used = 0;
    let mut shown: Vec<(String, &str)> = vec![];
    let mut cut = false;
    for p in &pairs {
        if help.as_ref() == Some(p) {
            continue;
        }
        if used + width(p) + reserve > area.width as usize {
            cut = true;
            break;
        }
        used += width(p);
        shown.push(p.clone());
    }
    if let Some(h) = help {
        // In order when nothing was cut, else last.
        let at = if cut {
            shown.len()
        } else {
            pairs
                .iter()
                .position(|p| *p == h)
                .unwrap_or(shown.len())
                .min(shown.len())
        };
        shown.insert(at, h);
    }
    let mut spans = vec![];
    for (key, what) in shown {
        spans.push(Span::styled(format!("<{key}>"), ui.theme.key));
        spans.push(Span::styled(format!("{what} "), ui.theme.dim));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The keys that matter where the user is: a name for the context and (action name, what it
/// does) pairs, most used first. A name starting with `=` is a fixed key (shown as is), for
/// keys an overlay reads directly.
pub fn context_keys(m: &Model) -> (&'static str, Vec<(&'static str, &'static str)>) {
    context_keys_under(m, m.overlay.as_ref())
}

/// [`context_keys`] as if `overlay` were the open overlay (the help screen asks for the
/// context under itself).
pub fn context_keys_under(
    m: &Model,
    overlay: Option<&Overlay>,
) -> (&'static str, Vec<(&'static str, &'static str)>) {
    if m.signin.is_some() && m.stack.is_empty() {
        return (
            "sign-in",
            vec![
                ("copy", "copy code"),
                ("back", "cancel"),
                ("open", "retry"),
                ("quit", "quit"),
            ],
        );
    }
    match overlay {
        Some(Overlay::Inspector(_)) => {
            return (
                "inspector",
                vec![
                    ("support_bundle", "support bundle"),
                    ("copy", "curl"),
                    ("=p", "PowerShell"),
                    ("=a", "az rest"),
                    ("=↑↓", "exchange"),
                    ("raw_json", "raw body"),
                    ("=PgUp/PgDn", "scroll"),
                    ("back", "close"),
                ],
            );
        }
        Some(Overlay::Help) => return ("help", vec![("back", "close")]),
        Some(Overlay::Columns(_)) => {
            return (
                "column picker",
                vec![
                    ("=space", "toggle"),
                    ("open", "apply ($select)"),
                    ("back", "cancel"),
                ],
            );
        }
        Some(Overlay::Palette(_)) => {
            return (
                "command palette",
                vec![("=tab", "complete"), ("=enter", "run"), ("=esc", "close")],
            );
        }
        Some(Overlay::QueryBar(_)) => {
            return (
                "query bar",
                vec![
                    ("=tab", "complete / next field"),
                    ("=up", "history"),
                    ("=enter", "run"),
                    ("=esc", "close"),
                ],
            );
        }
        Some(Overlay::Menu(_)) => return ("menu", vec![("=esc", "close")]),
        Some(Overlay::Pick(_)) => {
            return (
                "picker",
                vec![
                    ("up", "up"),
                    ("down", "down"),
                    ("open", "switch"),
                    ("back", "cancel"),
                ],
            );
        }
        Some(Overlay::Text(_)) => {
            return (
                "text",
                vec![
                    ("down", "scroll"),
                    ("page_down", "page"),
                    ("copy", "copy"),
                    ("back", "close"),
                ],
            );
        }
        None => {}
    }
    match m.top().map(|v| &v.body) {
        Some(Body::List(l)) if l.kind == crate::tui::model::Kind::Group => (
            "list of groups",
            vec![
                ("open", "open"),
                ("query_bar", "query"),
                ("local_filter", "filter"),
                ("palette", "cmd"),
                ("members", "members"),
                ("owners", "owners"),
                ("groups", "member of"),
                ("toggle_transitive", "direct/transitive"),
                ("load_more", "more"),
                ("load_all", "all"),
                ("inspector", "inspect"),
                ("help", "help"),
                ("back", "back"),
                ("cancel", "cancel load"),
                ("sort", "sort"),
                ("columns", "columns"),
                ("export", "export"),
                ("copy", "copy"),
            ],
        ),
        Some(Body::List(l)) => (
            if l.is_tree() {
                "direct reports tree"
            } else {
                "list"
            },
            vec![
                ("open", "open"),
                ("query_bar", "query"),
                ("local_filter", "filter"),
                ("palette", "cmd"),
                ("groups", "groups"),
                ("members", "members"),
                ("manager_chain", "managers"),
                ("load_more", "more"),
                ("load_all", "all"),
                ("inspector", "inspect"),
                ("help", "help"),
                ("back", "back"),
                (
                    "direct_reports",
                    if l.is_tree() { "expand" } else { "reports" },
                ),
                ("toggle_transitive", "direct/transitive"),
                ("why_member", "why"),
                ("cancel", "cancel load"),
                ("sort", "sort"),
                ("columns", "columns"),
                ("export", "export"),
                ("copy", "copy"),
            ],
        ),
        Some(Body::Detail(d)) => (
            "object",
            vec![
                ("raw_json", if d.raw { "properties" } else { "raw json" }),
                ("manager_chain", "managers"),
                ("direct_reports", "reports"),
                ("groups", "groups"),
                ("members", "members"),
                ("owners", "owners"),
                ("why_member", "why"),
                ("copy", "copy"),
                ("inspector", "inspect"),
                ("back", "back"),
                ("help", "help"),
                ("local_filter", "search json"),
                ("export", "export"),
            ],
        ),
        Some(Body::Why(_)) => (
            "why is X in Y",
            vec![
                ("palette", "cmd"),
                ("inspector", "inspect"),
                ("help", "help"),
                ("back", "back"),
                ("quit", "quit"),
            ],
        ),
        None => (
            "start",
            vec![
                ("palette", "cmd"),
                ("inspector", "inspect"),
                ("help", "help"),
                ("back", "back"),
                ("quit", "quit"),
            ],
        ),
    }
}

/// Clears `r` for an overlay, and one column either side: a wide character (CJK, emoji)
/// under the overlay's edge would otherwise spill over its border on real terminals.
pub fn clear_wide(f: &mut Frame, r: Rect) {
    let full = f.area();
    let x = r.x.saturating_sub(1).max(full.x);
    let right = (r.x + r.width + 1).min(full.x + full.width);
    let wide = Rect {
        x,
        y: r.y,
        width: right.saturating_sub(x),
        height: r.height,
    };
    f.render_widget(ratatui::widgets::Clear, wide);
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
