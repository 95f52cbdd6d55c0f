//! Small overlays: command palette, query bar, column picker, one-key menus.

use super::{Ui, centered, truncate};
use crate::tui::model::{ColumnPicker, Kind, Menu, Model, Palette, Picker, QueryBar, TextPane};
use crate::tui::query;
use crate::tui::update::{COMMANDS, effective_query, palette_candidates, query_of};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use unicode_width::UnicodeWidthStr;

/// The command palette at the top of the body.
pub fn palette(f: &mut Frame, area: Rect, p: &Palette, ui: &Ui) {
    let t = ui.theme;
    let line = p.input.lines().join(" ");
    let cands = palette_candidates(&line);
    let h = (cands.len() as u16 + 3).min(area.height.saturating_sub(2));
    let r = Rect {
        x: area.x + 2,
        y: area.y + 2,
        width: area.width.saturating_sub(4).min(90),
        height: h,
    };
    super::clear_wide(f, r);
    let mut lines = vec![Line::from(vec![
        Span::styled(":", t.key),
        Span::raw(line.clone()),
        Span::styled("▏", t.accent),
    ])];
    for (i, c) in cands.iter().enumerate() {
        let help = COMMANDS
            .iter()
            .find(|(n, _)| n == c)
            .map(|(_, h)| *h)
            .unwrap_or("");
        let l = Line::from(vec![
            Span::styled(format!(" {c:<10}"), t.key),
            Span::styled(help.to_string(), t.dim),
        ]);
        lines.push(if i == p.selected {
            l.style(t.selected)
        } else {
            l
        });
    }
    f.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .title(" command (Tab completes, Enter runs, Esc closes) "),
        ),
        r,
    );
}

/// The query bar: five fields, diagnostics with a caret, completion popup, advanced badge and
/// the exact URL + headers that will be sent.
pub fn query_bar(f: &mut Frame, area: Rect, m: &Model, q: &QueryBar, ui: &Ui) {
    let t = ui.theme;
    let (kind, path) = m
        .top_list()
        .map(|l| (l.kind, l.source.current().to_string()))
        .unwrap_or((Kind::User, "/users".into()));
    let query = query_of(q);
    let sent = match m.top_list() {
        Some(l) => effective_query(l, &query),
        None => query.clone(),
    };
    let diags = query::diagnostics(&path, &query);
    let built = query::build(kind, &path, &sent, true);
    let r = Rect {
        x: area.x + 1,
        y: area.y + 2,
        width: area.width.saturating_sub(2),
        height: 22.min(area.height.saturating_sub(3)),
    };
    f.render_widget(Clear, r);
    let block = Block::default().borders(Borders::ALL).title(format!(
        " query {path} (Enter runs · Tab completes/next field · ↑↓ history · Esc) "
    ));
    let inner = block.inner(r);
    f.render_widget(block, r);
    let names = ["$filter", "$search", "$orderby", "$select", "$top"];
    let label_w = 10u16;
    let mut y = inner.y;
    let mut caret_pos = None;
    for (i, name) in names.iter().enumerate() {
        if y >= inner.y + inner.height {
            break;
        }
        let style = if i == q.focus { t.accent } else { t.dim };
        f.render_widget(
            Paragraph::new(Span::styled(format!("{name:<9}"), style)),
            Rect {
                x: inner.x,
                y,
                width: label_w,
                height: 1,
            },
        );
        let field = Rect {
            x: inner.x + label_w,
            y,
            width: inner.width.saturating_sub(label_w),
            height: 1,
        };
        if let Some(ta) = q.inputs.get(i) {
            if i == q.focus {
                f.render_widget(ta, field);
                let col = ta.cursor().1 as u16;
                caret_pos = Some((field.x + col, y));
            } else {
                f.render_widget(Paragraph::new(ta.lines().join(" ")), field);
            }
        }
        y += 1;
        // Diagnostic with a caret under the error.
        if let Some(d) = diags.iter().find(|d| d.field == i) {
            let text = q.inputs[i].lines().join(" ");
            let pre = text.get(..d.start).unwrap_or("").width();
            let len = text.get(d.start..d.end).unwrap_or(" ").width().max(1);
            if y < inner.y + inner.height {
                let style = if d.error { t.error } else { t.warn };
                let caret = Line::from(vec![
                    Span::raw(" ".repeat(label_w as usize + pre)),
                    Span::styled("^".repeat(len), style),
                ]);
                let msg = Line::from(vec![
                    Span::raw(" ".repeat(label_w as usize)),
                    Span::styled(d.message.clone(), style),
                ]);
                let want = if label_w as usize + d.message.width() > inner.width as usize {
                    3
                } else {
                    2
                };
                let h = want.min(inner.y + inner.height - y);
                f.render_widget(
                    Paragraph::new(vec![caret, msg]).wrap(Wrap { trim: false }),
                    Rect {
                        x: inner.x,
                        y,
                        width: inner.width,
                        height: h,
                    },
                );
                y += h;
            }
        }
    }
    y += 1;
    let mut info: Vec<Line> = vec![];
    if !built.advanced.is_empty() {
        info.push(Line::from(vec![
            Span::styled(" ADVANCED QUERY ", t.badge),
            Span::styled(
                " ConsistencyLevel: eventual and $count=true are added because:",
                t.warn,
            ),
        ]));
        for why in &built.advanced {
            info.push(Line::from(Span::styled(format!("   · {why}"), t.dim)));
        }
    }
    info.push(Line::from(vec![
        Span::styled("GET ", t.accent),
        Span::raw(format!("/{}{}", m.header.api_version, built.request.url)),
    ]));
    for (k, v) in &built.request.headers {
        info.push(Line::from(vec![
            Span::styled(format!("{k}: "), t.json_key),
            Span::raw(v.clone()),
        ]));
    }
    if let Some(line) = will_it_work(m, &built.request.url, ui) {
        info.push(line);
    }
    if y < inner.y + inner.height {
        f.render_widget(
            Paragraph::new(info).wrap(Wrap { trim: false }),
            Rect {
                x: inner.x,
                y,
                width: inner.width,
                height: inner.y + inner.height - y,
            },
        );
    }
    // Completion popup under the caret.
    if let Some((cx, cy)) = caret_pos
        && !q.completions.is_empty()
    {
        let w = q.completions.iter().map(|c| c.width()).max().unwrap_or(8) as u16 + 2;
        let h = q.completions.len() as u16 + 2;
        let pr = Rect {
            x: cx.min(area.width.saturating_sub(w)),
            y: cy + 1,
            width: w,
            height: h.min(area.height.saturating_sub(cy + 1)),
        };
        f.render_widget(Clear, pr);
        let lines: Vec<Line> = q
            .completions
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let l = Line::from(c.clone());
                if i == q.completion_sel {
                    l.style(t.selected)
                } else {
                    l
                }
            })
            .collect();
        f.render_widget(
            Paragraph::new(lines).block(Block::default().borders(Borders::ALL)),
            pr,
        );
    }
}

/// The column picker.
pub fn columns(f: &mut Frame, area: Rect, c: &ColumnPicker, ui: &Ui) {
    let t = ui.theme;
    let r = centered(area, 44, c.choices.len() as u16 + 2);
    super::clear_wide(f, r);
    let lines: Vec<Line> = c
        .choices
        .iter()
        .enumerate()
        .map(|(i, (name, on))| {
            let l = Line::from(vec![
                Span::styled(if *on { "[x] " } else { "[ ] " }, t.key),
                Span::raw(truncate(name, 36)),
            ]);
            if i == c.cursor {
                l.style(t.selected)
            } else {
                l
            }
        })
        .collect();
    f.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .title(" columns → $select (Space, Enter) "),
        ),
        r,
    );
}

/// A one-key menu.
pub fn menu(f: &mut Frame, area: Rect, menu: Menu, ui: &Ui) {
    let t = ui.theme;
    let (title, items): (&str, &[(&str, &str)]) = match menu {
        Menu::Export => (
            " export what is loaded ",
            &[("c", "CSV"), ("j", "JSON"), ("n", "NDJSON")],
        ),
        Menu::Copy => (
            " copy ",
            &[
                ("c", "cell"),
                ("r", "row (JSON)"),
                ("i", "id"),
                ("u", "request as curl"),
            ],
        ),
    };
    let r = centered(area, 30, items.len() as u16 + 2);
    super::clear_wide(f, r);
    let lines: Vec<Line> = items
        .iter()
        .map(|(k, w)| Line::from(vec![Span::styled(format!(" {k}  "), t.key), Span::raw(*w)]))
        .collect();
    f.render_widget(
        Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(title)),
        r,
    );
}

/// A list to pick from (`:ctx`).
pub fn pick(f: &mut Frame, area: Rect, p: &Picker, ui: &Ui) {
    let t = ui.theme;
    let w = area.width.saturating_sub(4).min(100);
    let r = centered(
        area,
        w,
        (p.items.len() as u16 + 3).min(area.height.saturating_sub(2)),
    );
    super::clear_wide(f, r);
    let mut lines: Vec<Line> = p
        .items
        .iter()
        .enumerate()
        .map(|(i, (name, what))| {
            let line = Line::from(vec![
                Span::styled(format!(" {name:<20} "), t.key),
                Span::raw(truncate(what, (w as usize).saturating_sub(25))),
            ]);
            if i == p.selected {
                line.style(t.selected)
            } else {
                line
            }
        })
        .collect();
    lines.push(Line::from(Span::styled(
        " Enter switches (signs in again) · Esc cancels · :ctx NAME [TENANT]",
        t.dim,
    )));
    f.render_widget(
        Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(format!(
            " {} ",
            truncate(&p.title, (w as usize).saturating_sub(4))
        ))),
        r,
    );
}

/// Read-only text (the token view).
pub fn text(f: &mut Frame, area: Rect, p: &TextPane, ui: &Ui) {
    let t = ui.theme;
    let r = centered(
        area,
        area.width.saturating_sub(4).min(120),
        area.height.saturating_sub(2),
    );
    super::clear_wide(f, r);
    let lines: Vec<Line> = p
        .lines
        .iter()
        .map(|l| {
            let style = if l.trim_start().starts_with('✗') {
                t.error
            } else if l.trim_start().starts_with('✓') {
                t.ok
            } else {
                ratatui::style::Style::default()
            };
            Line::from(Span::styled(l.clone(), style))
        })
        .collect();
    f.render_widget(
        Paragraph::new(lines)
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(format!(" {} (↑↓ scroll, y copy, Esc close) ", p.title)),
            )
            .wrap(Wrap { trim: false })
            .scroll((p.scroll, 0)),
        r,
    );
}

/// "Will this work?": the permission doctor's offline verdict for a GET of `url` with the
/// signed-in token (nothing before sign-in).
fn will_it_work(m: &Model, url: &str, ui: &Ui) -> Option<Line<'static>> {
    let t = ui.theme;
    let c = m.claims.as_deref()?;
    let d = crate::doctor::diagnose("GET", url, Some(c), None);
    let consent = if d.least_needs_admin_consent == Some(true) {
        " (admin consent)"
    } else {
        ""
    };
    let least = d.least.first().map(|l| l.join(" + ")).unwrap_or_default();
    Some(match d.verdict {
        crate::doctor::Verdict::Allowed => Line::from(vec![
            Span::styled("permissions ✓ ", t.ok),
            Span::raw(format!(
                "the token grants it with {}",
                d.granted
                    .iter()
                    .map(|g| crate::tui::token_view::held_as(c, g))
                    .collect::<Vec<_>>()
                    .join(" + ")
            )),
        ]),
        crate::doctor::Verdict::Denied => Line::from(vec![
            Span::styled("permissions ✗ ", t.error),
            Span::raw(if least.is_empty() {
                d.findings
                    .first()
                    .map_or("not possible with this token".to_string(), |f| {
                        f.message.clone()
                    })
            } else {
                format!(
                    "needs {least}{consent}; the token has {}",
                    c.permissions().join(" ")
                )
            }),
        ]),
        crate::doctor::Verdict::Unknown => Line::from(Span::styled(
            "permissions ? this path is not in the permission map",
            t.dim,
        )),
    })
}
