//! Colours for dark and light terminals, and none at all with `NO_COLOR`.

use ratatui::style::{Color, Modifier, Style};
use std::collections::BTreeMap;

/// The styles views use.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Theme {
    pub base: Style,
    pub header: Style,
    pub badge: Style,
    pub warn: Style,
    pub error: Style,
    pub ok: Style,
    pub dim: Style,
    pub accent: Style,
    pub selected: Style,
    pub focus_col: Style,
    pub key: Style,
    pub json_key: Style,
    pub json_str: Style,
    pub json_num: Style,
}

impl Theme {
    /// Colours that read on dark backgrounds.
    pub fn dark() -> Theme {
        Theme {
            base: Style::default(),
            header: Style::default().fg(Color::Black).bg(Color::Cyan),
            badge: Style::default()
                .fg(Color::Black)
                .bg(Color::Yellow)
                .add_modifier(Modifier::BOLD),
            warn: Style::default().fg(Color::Yellow),
            error: Style::default().fg(Color::Red).add_modifier(Modifier::BOLD),
            ok: Style::default().fg(Color::Green),
            dim: Style::default().fg(Color::DarkGray),
            accent: Style::default()
                .fg(Color::Cyan)
                .add_modifier(Modifier::BOLD),
            selected: Style::default().add_modifier(Modifier::REVERSED),
            focus_col: Style::default().add_modifier(Modifier::UNDERLINED | Modifier::BOLD),
            key: Style::default().fg(Color::Cyan),
            json_key: Style::default().fg(Color::Blue),
            json_str: Style::default().fg(Color::Green),
            json_num: Style::default().fg(Color::Magenta),
        }
    }

    /// Colours that read on light backgrounds.
    pub fn light() -> Theme {
        Theme {
            header: Style::default().fg(Color::White).bg(Color::Blue),
            // ANSI 8 ("bright black"): silver (7) is near invisible on white.
            dim: Style::default().fg(Color::DarkGray),
            accent: Style::default()
                .fg(Color::Blue)
                .add_modifier(Modifier::BOLD),
            key: Style::default().fg(Color::Blue),
            warn: Style::default().fg(Color::Rgb(150, 90, 0)),
            json_str: Style::default().fg(Color::Rgb(0, 110, 0)),
            ..Theme::dark()
        }
    }

    /// No colour: only bold / reverse / underline.
    pub fn mono() -> Theme {
        let n = Style::default();
        Theme {
            base: n,
            header: n.add_modifier(Modifier::REVERSED),
            badge: n.add_modifier(Modifier::BOLD | Modifier::REVERSED),
            warn: n.add_modifier(Modifier::BOLD),
            error: n.add_modifier(Modifier::BOLD),
            ok: n,
            dim: n,
            accent: n.add_modifier(Modifier::BOLD),
            selected: n.add_modifier(Modifier::REVERSED),
            focus_col: n.add_modifier(Modifier::UNDERLINED | Modifier::BOLD),
            key: n.add_modifier(Modifier::BOLD),
            json_key: n.add_modifier(Modifier::BOLD),
            json_str: n,
            json_num: n,
        }
    }

    /// Chooses a theme: `NO_COLOR` (any value) wins, then the config `colors.theme` (`dark` /
    /// `light`), then dark.
    pub fn resolve(no_color: bool, colors: &BTreeMap<String, String>) -> Theme {
        if no_color {
            return Theme::mono();
        }
        match colors.get("theme").map(String::as_str) {
            Some("light") => Theme::light(),
            _ => Theme::dark(),
        }
    }
}

impl Default for Theme {
    fn default() -> Self {
        Theme::dark()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn light_theme_text_never_uses_pale_greys_or_white() {
        let t = Theme::light();
        let pale = [Color::Gray, Color::White, Color::Yellow, Color::LightYellow];
        for (name, s) in [
            ("dim", t.dim),
            ("accent", t.accent),
            ("key", t.key),
            ("warn", t.warn),
            ("json_str", t.json_str),
            ("json_key", t.json_key),
            ("ok", t.ok),
            ("error", t.error),
        ] {
            assert!(
                s.fg.is_none_or(|c| !pale.contains(&c)),
                "{name} is {:?} on a light background",
                s.fg
            );
        }
    }
}
