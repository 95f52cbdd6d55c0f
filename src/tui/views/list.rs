//! Virtualised tables: only the visible window of rows is built per frame.

use super::{Ui, thousands, truncate};
use crate::tui::model::{ListView, Load, cell_text, object_id};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table};
use unicode_width::UnicodeWidthStr;

const MAX_COL: usize = 40;

/// The text of one cell (sanitised; `@odata.type` shortened).
fn cell(v: &serde_json::Value, col: &str) -> String {
    let s = cell_text(v.get(col));
    if col == "@odata.type" {
        s.trim_start_matches("#microsoft.graph.").to_string()
    } else {
        s
    }
}

/// Draws a list: the info line (counts, active query, badges) and the table.
pub fn draw(f: &mut Frame, area: Rect, l: &ListView, ui: &Ui) {
    let t = ui.theme;
    let [info, table_area] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    // Info line.
    let mut spans = vec![];
    let loaded = l.rows.len() as u64;
    let count = match l.count {
        Some(c) => format!("{} of {} loaded", thousands(loaded), thousands(c)),
        None => format!("{} loaded", thousands(loaded)),
    };
    spans.push(Span::styled(count, t.accent));
    if l.partial() {
        spans.push(Span::styled(" PARTIAL ", t.badge));
        spans.push(Span::styled(" n more, A all ", t.dim));
    }
    match &l.load {
        Load::Loading { pages, all } => spans.push(Span::styled(
            if *all {
                format!(" loading all… page {} (ctrl-x cancels) ", pages + 1)
            } else {
                " loading… ".to_string()
            },
            t.warn,
        )),
        Load::Failed { .. } => spans.push(Span::styled(" FAILED ", t.error)),
        Load::Idle => {}
    }
    if l.advanced {
        spans.push(Span::styled(" ADVANCED QUERY ", t.badge));
    }
    if l.source.transitive_path.is_some() {
        spans.push(Span::styled(
            if l.source.transitive {
                " transitive (t) "
            } else {
                " direct (t) "
            },
            t.dim,
        ));
    }
    let q = l.query.summary();
    if !q.is_empty() {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(crate::util::sanitize(&q), t.key));
    }
    if let Some((c, asc)) = &l.sort {
        spans.push(Span::styled(
            format!(
                "  sorted by {c} {}{}",
                if *asc { "↑" } else { "↓" },
                if l.partial() {
                    " (loaded rows only; $orderby sorts on the server)"
                } else {
                    ""
                }
            ),
            t.dim,
        ));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), info);

    let block = Block::default().borders(Borders::ALL);
    let inner_h = table_area.height.saturating_sub(3) as usize;
    if let Load::Failed { message, .. } = &l.load
        && l.rows.is_empty()
    {
        let p = Paragraph::new(vec![
            Line::from(""),
            Line::from(Span::styled(
                format!("  Could not load: {message}"),
                t.error,
            )),
            Line::from(Span::styled(
                "  i opens the inspector on this request · ctrl-r retries · Esc goes back",
                t.dim,
            )),
        ])
        .block(block);
        f.render_widget(p, table_area);
        return;
    }
    if l.rows.is_empty() || l.order.is_empty() {
        let msg = match (&l.load, l.rows.is_empty()) {
            (Load::Loading { .. }, _) => "  Loading…",
            (_, true) if !l.query.is_empty() => {
                "  No match: nothing in this collection matches the query above."
            }
            (_, true) => "  Nothing here: the collection is empty.",
            (_, false) => "  No loaded row matches the filter (Esc clears it).",
        };
        f.render_widget(
            Paragraph::new(vec![Line::from(""), Line::from(Span::styled(msg, t.dim))]).block(block),
            table_area,
        );
        return;
    }
    // Visible window only: O(visible rows) per frame.
    let start = l.offset.min(l.order.len());
    let end = (start + inner_h).min(l.order.len());
    let tree = l.is_tree();
    let cells: Vec<Vec<String>> = l.order[start..end]
        .iter()
        .filter_map(|&i| l.rows.get(i).map(|v| (i, v)))
        .map(|(i, v)| {
            l.columns
                .iter()
                .enumerate()
                .map(|(ci, c)| {
                    let text = cell(v, c);
                    if tree && ci == 0 {
                        let d = l.depth.get(i).copied().unwrap_or(0) as usize;
                        let id = object_id(v);
                        let open = id.as_ref().is_some_and(|id| l.expanded.contains(id));
                        let leaf = id.as_ref().is_some_and(|id| l.leaves.contains(id));
                        let mark = if open {
                            "▾"
                        } else if leaf {
                            "·"
                        } else {
                            "▸"
                        };
                        format!("{}{mark} {text}", "  ".repeat(d))
                    } else {
                        text
                    }
                })
                .collect()
        })
        .collect();
    let avail = table_area.width.saturating_sub(2) as usize;
    // Narrow terminals: hide trailing columns (never the focused one) rather than squeeze
    // every column to a few characters, like k9s.
    let shown = visible_columns(&l.columns, &cells, avail, l.col);
    let cols: Vec<String> = shown.iter().map(|&i| l.columns[i].clone()).collect();
    let cells: Vec<Vec<String>> = cells
        .into_iter()
        .map(|r| shown.iter().map(|&i| r[i].clone()).collect())
        .collect();
    let widths = column_widths(&cols, &cells, avail);
    let header = Row::new(shown.iter().enumerate().map(|(k, &i)| {
        let c = &l.columns[i];
        let mut name = c.clone();
        if let Some((sc, asc)) = &l.sort
            && sc == c
        {
            name.push_str(if *asc { " ↑" } else { " ↓" });
        }
        let style = if i == l.col { t.focus_col } else { t.accent };
        Cell::from(truncate(&name, widths[k])).style(style)
    }));
    let rows = cells.into_iter().enumerate().map(|(ri, r)| {
        let selected = start + ri == l.cursor;
        let row = Row::new(
            r.into_iter()
                .enumerate()
                .map(|(ci, s)| Cell::from(truncate(&s, widths[ci]))),
        );
        if selected { row.style(t.selected) } else { row }
    });
    let hidden = l.columns.len() - shown.len();
    let block = if hidden > 0 {
        block.title_bottom(Line::from(format!(
            " +{hidden} columns (wider terminal or c) "
        )))
    } else {
        block
    };
    let title = format!(
        " {}/{} ",
        thousands((l.cursor + 1) as u64),
        thousands(l.order.len() as u64)
    );
    let table = Table::new(rows, widths.iter().map(|w| Constraint::Length(*w as u16)))
        .header(header)
        .column_spacing(1)
        .block(block.title_bottom(Line::from(title).right_aligned()));
    f.render_widget(table, table_area);
}

/// Which columns fit: drop trailing columns (keeping `focus`) while fitting them all would
/// squeeze a column below 14 characters (or its natural width, if smaller).
pub fn visible_columns(
    cols: &[String],
    cells: &[Vec<String>],
    avail: usize,
    focus: usize,
) -> Vec<usize> {
    let natural = |i: usize| {
        let data = cells.iter().map(|r| r[i].width()).max().unwrap_or(0);
        (cols[i].width() + 2).max(data).clamp(2, MAX_COL)
    };
    let mut shown: Vec<usize> = (0..cols.len()).collect();
    while shown.len() > 2 {
        let need: usize =
            shown.iter().map(|&i| natural(i).min(14)).sum::<usize>() + shown.len() - 1;
        if need <= avail {
            break;
        }
        match shown.iter().rposition(|&i| i != focus) {
            Some(p) => {
                shown.remove(p);
            }
            None => break,
        }
    }
    shown
}

/// Widths from the header and visible cells, capped, shrunk to fit `avail`.
pub fn column_widths(cols: &[String], cells: &[Vec<String>], avail: usize) -> Vec<usize> {
    let mut w: Vec<usize> = cols
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let data = cells.iter().map(|r| r[i].width()).max().unwrap_or(0);
            (c.width() + 2).max(data).clamp(2, MAX_COL)
        })
        .collect();
    let spacing = cols.len().saturating_sub(1);
    while w.iter().sum::<usize>() + spacing > avail {
        let (i, &m) = match w.iter().enumerate().max_by_key(|(_, x)| **x) {
            Some(x) => x,
            None => break,
        };
        if m <= 4 {
            break;
        }
        w[i] = m - 1;
    }
    w
}
