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
/// tenant, cloud, account, API version). The tenant id is shortened to 8 characters first,
/// the "graphtui" label goes next, then the longest of profile, tenant and account is cut
/// (with `…`) a column at a time, so no room is wasted.
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
    let line = |label: bool, f: &[String; 3]| {
        format!(
            " {}{} │ {} │ {} │ {} │ {} ",
            if label { "graphtui │ " } else { "" },
            f[0],
            f[1],
            h.cloud,
            f[2],
            h.api_version
        )
    };
    for (label, tenant) in [
        (true, &tenant_full),
        (true, &tenant_short),
        (false, &tenant_short),
    ] {
        let f = [h.profile.clone(), tenant.clone(), account.to_string()];
        let l = line(label, &f);
        if l.width() <= avail {
            return l;
        }
    }
    // Cut the longest field by one column until the line fits (each keeps 6 columns).
    let mut widths = [h.profile.width(), tenant_short.width(), account.width()];
    let full = [h.profile.as_str(), tenant_short.as_str(), account];
    let fields = |w: &[usize; 3]| -> [String; 3] {
        [
            truncate(full[0], w[0]),
            truncate(full[1], w[1]),
            truncate(full[2], w[2]),
        ]
    };
    loop {
        let f = fields(&widths);
        let l = line(false, &f);
        if l.width() <= avail {
            return l;
        }
        let (k, w) = widths
            .iter()
            .enumerate()
            .max_by_key(|(_, w)| **w)
            .map(|(k, w)| (k, *w))
            .unwrap_or((0, 0));
        if w <= 6 {
            return truncate(&l, avail);
        }
        widths[k] = w - 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::model::Header;

    #[test]
    fn context_line_keeps_every_field_and_uses_the_room() {
        let m = Model::new(Header {
            profile: "demo-reader".into(),
            tenant_name: Some("Contoso Sandbox".into()),
            tenant_id: "2529be06-4ceb-4cd7-aae5-d61fcb06656e".into(),
            cloud: "sandbox".into(),
            account: Some("app 5a4db0c5-0000-4000-8000-000000000002 (app-only)".into()),
            api_version: "v1.0".into(),
            ..Header::default()
        });
        let full = context_line(&m, 500);
        assert!(full.contains("graphtui │ demo-reader │ Contoso Sandbox (2529be06-4ceb"));
        for avail in [50usize, 60, 80, 100, 120] {
            let l = context_line(&m, avail);
            assert!(l.width() <= avail, "{avail}: {l}");
            assert!(
                l.contains("│ sandbox │") && l.ends_with("│ v1.0 "),
                "{avail}: {l}"
            );
            // Cut one column at a time: at most a column or two of slack.
            let cut = !l.contains("(app-only)") || !l.contains("demo-reader");
            if cut && avail >= 60 {
                assert!(
                    avail - l.width() <= 2,
                    "{avail}: {} wasted in {l}",
                    avail - l.width()
                );
            }
        }
        assert!(
            context_line(&m, 80).contains("demo-reader"),
            "{}",
            context_line(&m, 80)
        );
    }
}
