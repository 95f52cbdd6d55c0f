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
    let mut right_w: usize = right.iter().map(|s| s.content.width()).sum();
    if right_w + 100 > area.width as usize {
        // Narrow: short badges, so the context keeps its room.
        for s in &mut right {
            let short = match s.content.trim() {
                "READ-ONLY" => Some(" RO "),
                "○ idle" => Some(" ○ "),
                _ => None,
            };
            if let Some(x) = short {
                s.content = x.into();
            }
        }
        right_w = right.iter().map(|s| s.content.width()).sum();
    }
    let left = context_line(m, (area.width as usize).saturating_sub(right_w));
    let avail = (area.width as usize).saturating_sub(right_w);
    let pad = avail.saturating_sub(left.width());
    let mut spans = vec![
        Span::styled(left, t.header),
        Span::styled(" ".repeat(pad), t.header),
    ];
    spans.extend(right);
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The header's context text, made to fit `avail` columns: every field stays (profile,
/// tenant, cloud, account, API version); long ones are shortened first, the tenant id to its
/// first 8 characters, then names and the account cut with `…`.
pub fn context_line(m: &Model, avail: usize) -> String {
    let h = &m.header;
    let account = h.account.as_deref().unwrap_or("not signed in");
    let short_id = |id: &str| {
        if id.chars().count() > 12 && id.contains('-') {
            format!("{}…", id.chars().take(8).collect::<String>())
        } else {
            id.to_string()
        }
    };
    let tenant_full = match &h.tenant_name {
        Some(n) => format!("{n} ({})", h.tenant_id),
        None => h.tenant_id.clone(),
    };
    let tenant_short = match &h.tenant_name {
        Some(n) => format!("{n} ({})", short_id(&h.tenant_id)),
        None => short_id(&h.tenant_id),
    };
    let fmt = |prefix: &str, profile: &str, tenant: &str, account: &str| {
        format!(
            "{prefix}{profile} │ {tenant} │ {} │ {account} │ {} ",
            h.cloud, h.api_version
        )
    };
    let tries = [
        fmt(" graphtui │ ", &h.profile, &tenant_full, account),
        fmt(" graphtui │ ", &h.profile, &tenant_short, account),
        fmt(" ", &h.profile, &tenant_short, account),
        fmt(
            " ",
            &truncate(&h.profile, 14),
            &truncate(&tenant_short, 26),
            &truncate(account, 28),
        ),
        fmt(
            " ",
            &truncate(&h.profile, 10),
            &truncate(&tenant_short, 16),
            &truncate(account, 18),
        ),
        fmt(
            " ",
            &truncate(&h.profile, 8),
            &truncate(&short_id(&h.tenant_id), 10),
            &truncate(account, 12),
        ),
    ];
    for t in &tries {
        if t.width() <= avail {
            return t.clone();
        }
    }
    truncate(&tries[tries.len() - 1], avail)
}
