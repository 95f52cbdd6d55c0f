//! The header: profile, tenant, cloud, account, API version, read-only badge, request activity.

use super::{Ui, truncate};
use crate::tui::model::Model;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

/// Draws the header line.
pub fn draw(f: &mut Frame, area: Rect, m: &Model, ui: &Ui) {
    let h = &m.header;
    let t = ui.theme;
    let tenant = match &h.tenant_name {
        Some(n) => format!("{n} ({})", h.tenant_id),
        None => h.tenant_id.clone(),
    };
    let mut right: Vec<Span> = vec![];
    if let Some(s) = h.throttled {
        right.push(Span::styled(
            format!(" throttled — retrying in {s} s "),
            t.badge,
        ));
    } else if let Some((n, total)) = h.paging {
        let txt = match total {
            Some(tot) => format!(" paging {n}/{tot} "),
            None => format!(" paging {n} "),
        };
        right.push(Span::styled(txt, t.badge));
    } else if h.in_flight > 0 {
        right.push(Span::styled(
            format!(" ● {} in flight ", h.in_flight),
            t.badge,
        ));
    } else {
        right.push(Span::styled(" ○ idle ", t.header));
    }
    if h.read_only {
        right.push(Span::styled(" READ-ONLY ", t.badge));
    }
    if h.demo {
        right.push(Span::styled(" DEMO ", t.badge));
    }
    let right_w: usize = right.iter().map(|s| s.content.width()).sum();
    let left = format!(
        " graphtui │ {} │ {} │ {} │ {} │ {} ",
        h.profile,
        tenant,
        h.cloud,
        h.account.as_deref().unwrap_or("not signed in"),
        h.api_version
    );
    let avail = (area.width as usize).saturating_sub(right_w);
    let left = truncate(&left, avail);
    let pad = avail.saturating_sub(left.width());
    let mut spans = vec![
        Span::styled(left, t.header),
        Span::styled(" ".repeat(pad), t.header),
    ];
    spans.extend(right);
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}
