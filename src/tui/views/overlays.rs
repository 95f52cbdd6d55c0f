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
    f.render_widget(Clear, r);
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
    let names = query::FIELD_NAMES;
    let label_w = 10u16;
    let bottom = inner.y + inner.height;
    let field_w = inner.width.saturating_sub(label_w);
    let mut y = inner.y;
    let mut caret_pos = None;
    for (i, name) in names.iter().enumerate() {
        if y >= bottom {
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
            width: field_w,
            height: 1,
        };
        // The display column drawn at the field's left edge: the TextArea scrolls sideways
        // to keep the cursor visible (it records where while rendering); the others do not.
        let mut scroll = 0usize;
        let Some(ta) = q.inputs.get(i) else {
            continue;
        };
        let text = ta.lines().join(" ");
        if i == q.focus {
            f.render_widget(ta, field);
            scroll = ta.scroll_offset().1 as usize;
            let cur: String = text.chars().take(ta.cursor().1).collect();
            let col = cur.width().saturating_sub(scroll).min(field_w as usize) as u16;
            caret_pos = Some((field.x + col, y));
        } else {
            f.render_widget(Paragraph::new(text.clone()), field);
        }
        y += 1;
        // Diagnostics with a caret under what they point at: every one of the focused field
        // (most severe first, as space allows), the most severe one of the others.
        let mut ds: Vec<&query::Diagnostic> = diags.iter().filter(|d| d.field == i).collect();
        ds.sort_by_key(|d| !d.error);
        // Rows kept free for the fields below and the request preview.
        let reserve = (names.len() - i - 1) as u16 + 2;
        let shown = if i == q.focus {
            ds.len()
        } else {
            ds.len().min(1)
        };
        for (n, d) in ds.iter().take(shown).enumerate() {
            let room = bottom.saturating_sub(y).saturating_sub(reserve) as usize;
            let more = if i != q.focus && ds.len() > 1 {
                format!(" (+{} more)", ds.len() - 1)
            } else {
                String::new()
            };
            let lines = diagnostic_lines(&text, d, scroll, field_w as usize, &more);
            let follow = n + 1 < shown;
            if room == 0 || (n > 0 && lines.len() + usize::from(follow) > room) {
                if room > 0 {
                    more_line(f, inner.x + label_w, y, field_w, ds.len() - n, t.dim);
                    y += 1;
                }
                break;
            }
            // The first one may be cut short, keeping a row to say more follow.
            let h = if follow && room > 1 {
                lines.len().min(room - 1)
            } else {
                lines.len().min(room)
            };
            let style = if d.error { t.error } else { t.warn };
            let shown_lines: Vec<Line> = lines
                .into_iter()
                .take(h)
                .map(|l| Line::from(Span::styled(l, style)))
                .collect();
            f.render_widget(
                Paragraph::new(shown_lines),
                Rect {
                    x: inner.x + label_w,
                    y,
                    width: field_w,
                    height: h as u16,
                },
            );
            y += h as u16;
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
        Span::raw(elide_middle(
            &format!("/{}{}", m.header.api_version, built.request.url),
            inner.width as usize * 4,
        )),
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
    f.render_widget(Clear, r);
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
    f.render_widget(Clear, r);
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
    f.render_widget(Clear, r);
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
    f.render_widget(Clear, r);
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

/// The lines shown for one diagnostic of a field whose text is drawn from display column
/// `scroll` in `width` columns: a caret line under the span when any of it is in view, then
/// the message wrapped to `width` (saying where the span is when it is out of view).
fn diagnostic_lines(
    text: &str,
    d: &query::Diagnostic,
    scroll: usize,
    width: usize,
    more: &str,
) -> Vec<String> {
    let width = width.max(8);
    let start = d.start.min(text.len());
    let end = d.end.clamp(start, text.len());
    let (pre, span) = match (text.get(..start), text.get(start..end)) {
        (Some(p), Some(s)) => (p, s),
        _ => ("", ""),
    };
    let from = pre.width();
    let to = from + span.width().max(1);
    let mut out = vec![];
    let mut msg = d.message.clone();
    if to <= scroll || from >= scroll + width {
        let column = pre.chars().count() + 1;
        msg = format!(
            "at column {} (scrolled out of view): {msg}",
            thousands(column)
        );
    } else {
        let a = from.max(scroll) - scroll;
        let b = to.min(scroll + width) - scroll;
        out.push(format!("{}{}", " ".repeat(a), "^".repeat(b - a)));
    }
    msg.push_str(more);
    out.extend(wrap(&msg, width));
    out
}

/// `s` in at most about `max` characters: a long request URL keeps its start and its end
/// (`$select`, `$top`) and says how much is left out, so the preview costs the same to wrap
/// and draw however long the filter is.
fn elide_middle(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max || max < 40 {
        return s.to_string();
    }
    let tail = max / 3;
    let head = max - tail - 30;
    let left_out = n - head - tail;
    let h: String = s.chars().take(head).collect();
    let t: String = s.chars().skip(n - tail).collect();
    format!("{h} …{} chars left out… {t}", thousands(left_out))
}

/// `1234` as "1,234".
fn thousands(n: usize) -> String {
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

/// Greedy word wrap to `width` display columns (long words are cut).
fn wrap(s: &str, width: usize) -> Vec<String> {
    let mut lines = vec![];
    let mut line = String::new();
    let mut w = 0;
    for word in s.split(' ') {
        let ww = word.width();
        if w > 0 && w + 1 + ww > width {
            lines.push(std::mem::take(&mut line));
            w = 0;
        }
        if w > 0 {
            line.push(' ');
            w += 1;
        }
        for c in word.chars() {
            let cw = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
            if w + cw > width {
                lines.push(std::mem::take(&mut line));
                w = 0;
            }
            line.push(c);
            w += cw;
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// "+N more" when the diagnostics of a field do not all fit.
fn more_line(f: &mut Frame, x: u16, y: u16, width: u16, n: usize, style: ratatui::style::Style) {
    f.render_widget(
        Paragraph::new(Span::styled(
            format!("+{n} more (fix the ones above, or make the terminal taller)"),
            style,
        )),
        Rect {
            x,
            y,
            width,
            height: 1,
        },
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
