//! Key bindings: key names (`q`, `ctrl-c`, `enter`, `M`) to action names, with the defaults
//! of the issue, overridable from the config file's `[keys]` table (`action = "key"` or
//! `action = ["key", "key"]`).

use super::action::Action;
use crate::config::KeyList;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::BTreeMap;

/// Default bindings: action name and its keys. Keep stable: users learn these once.
pub const DEFAULTS: &[(&str, &[&str], &str)] = &[
    ("palette", &[":"], "command palette"),
    ("local_filter", &["/"], "filter loaded rows"),
    ("query_bar", &["f"], "query bar ($filter, $search, ...)"),
    ("open", &["enter"], "open"),
    ("back", &["esc"], "back"),
    ("help", &["?"], "help"),
    ("inspector", &["i"], "inspector of the last exchange"),
    ("manager_chain", &["m"], "manager chain"),
    ("direct_reports", &["r"], "direct reports"),
    ("groups", &["g"], "groups (member of)"),
    ("toggle_transitive", &["t"], "toggle direct / transitive"),
    ("members", &["M"], "members"),
    ("owners", &["o"], "owners"),
    ("why_member", &["w"], "why is X in group Y"),
    ("export", &["e"], "export CSV / JSON / NDJSON"),
    ("copy", &["y"], "copy cell / row / id / curl"),
    ("quit", &["q", "ctrl-c"], "quit"),
    ("up", &["up", "k"], "up"),
    ("down", &["down", "j"], "down"),
    ("left", &["left", "h"], "previous column"),
    ("right", &["right", "l"], "next column"),
    ("page_up", &["pageup", "ctrl-b"], "page up"),
    ("page_down", &["pagedown", "ctrl-f"], "page down"),
    ("top", &["home"], "first row"),
    ("bottom", &["end", "G"], "last row"),
    ("load_more", &["n"], "load more (next page)"),
    ("load_all", &["A"], "load all pages"),
    ("cancel", &["ctrl-x"], "cancel loading"),
    ("sort", &["s"], "sort by the focused column"),
    ("columns", &["c"], "column picker ($select)"),
    ("raw_json", &["J"], "raw JSON / properties"),
    ("refresh", &["ctrl-r"], "reload"),
    (
        "token",
        &["T"],
        "token: claims, scopes / roles, what it allows",
    ),
    (
        "support_bundle",
        &["b"],
        "support bundle of a failed request (clipboard + file)",
    ),
];

/// Key name -> action name.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyMap {
    map: BTreeMap<String, String>,
}

/// The canonical name of a key event (`ctrl-c`, `enter`, `M`, `?`).
pub fn key_name(k: &KeyEvent) -> Option<String> {
    let base = match k.code {
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Enter => "enter".into(),
        KeyCode::Esc => "esc".into(),
        KeyCode::Up => "up".into(),
        KeyCode::Down => "down".into(),
        KeyCode::Left => "left".into(),
        KeyCode::Right => "right".into(),
        KeyCode::PageUp => "pageup".into(),
        KeyCode::PageDown => "pagedown".into(),
        KeyCode::Home => "home".into(),
        KeyCode::End => "end".into(),
        KeyCode::Tab => "tab".into(),
        KeyCode::BackTab => "shift-tab".into(),
        KeyCode::Backspace => "backspace".into(),
        KeyCode::Delete => "delete".into(),
        KeyCode::F(n) => format!("f{n}"),
        _ => return None,
    };
    let mut name = String::new();
    if k.modifiers.contains(KeyModifiers::CONTROL) {
        name.push_str("ctrl-");
    }
    if k.modifiers.contains(KeyModifiers::ALT) {
        name.push_str("alt-");
    }
    name.push_str(&base);
    Some(name)
}

impl Default for KeyMap {
    fn default() -> Self {
        let mut map = BTreeMap::new();
        for (action, keys, _) in DEFAULTS {
            for k in *keys {
                map.insert(k.to_string(), action.to_string());
            }
        }
        KeyMap { map }
    }
}

impl KeyMap {
    /// Defaults overridden by the config file. Returns the map and warnings for unknown actions.
    pub fn with_overrides(keys: &BTreeMap<String, KeyList>) -> (KeyMap, Vec<String>) {
        let mut km = KeyMap::default();
        let mut warnings = vec![];
        for (action, list) in keys {
            if Action::from_name(action).is_none() {
                warnings.push(format!("config [keys]: unknown action '{action}'"));
                continue;
            }
            km.map.retain(|_, a| a != action);
            for k in list.keys() {
                km.map.insert(k, action.clone());
            }
        }
        (km, warnings)
    }

    /// The action bound to a key event.
    pub fn action(&self, k: &KeyEvent) -> Option<Action> {
        let name = key_name(k)?;
        self.map.get(&name).and_then(|a| Action::from_name(a))
    }

    /// The keys bound to an action name, joined for display.
    pub fn keys_for(&self, action: &str) -> String {
        let ks: Vec<&str> = self
            .map
            .iter()
            .filter(|(_, a)| a.as_str() == action)
            .map(|(k, _)| k.as_str())
            .collect();
        ks.join(" ")
    }

    /// Every binding as (action name, keys, description), in default order.
    pub fn help_named(&self) -> Vec<(&'static str, String, &'static str)> {
        DEFAULTS
            .iter()
            .map(|(a, _, d)| (*a, self.keys_for(a), *d))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new(c, m)
    }

    #[test]
    fn defaults_match_the_issue() {
        let km = KeyMap::default();
        let a = |c| km.action(&key(KeyCode::Char(c), KeyModifiers::NONE));
        assert_eq!(a('q'), Some(Action::Quit));
        assert_eq!(a('m'), Some(Action::ManagerChain));
        assert_eq!(
            km.action(&key(KeyCode::Char('M'), KeyModifiers::SHIFT)),
            Some(Action::Members)
        );
        assert_eq!(a('w'), Some(Action::WhyMember));
        assert_eq!(
            km.action(&key(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(Action::Quit)
        );
        assert_eq!(
            km.action(&key(KeyCode::Enter, KeyModifiers::NONE)),
            Some(Action::Open)
        );
    }

    #[test]
    fn config_rebinds_and_warns() {
        let mut keys = BTreeMap::new();
        keys.insert("quit".to_string(), KeyList::One("x".into()));
        keys.insert("nonsense".to_string(), KeyList::One("z".into()));
        let (km, warn) = KeyMap::with_overrides(&keys);
        assert_eq!(warn.len(), 1);
        assert_eq!(
            km.action(&key(KeyCode::Char('x'), KeyModifiers::NONE)),
            Some(Action::Quit)
        );
        assert_eq!(
            km.action(&key(KeyCode::Char('q'), KeyModifiers::NONE)),
            None
        );
    }
}
