//! Every intent (from keys, mouse, the palette) and every result (from the worker) is an
//! [`Action`]; [`Command`]s are the side effects `update` asks the worker to perform.

use super::model::{Exchange, WhyResult};
use crossterm::event::KeyEvent;
use serde_json::Value;

/// An intent or a result. Key bindings map key names to the named (argument-less) actions.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    // ---- named intents (bindable by name, see [`Action::from_name`]) ----
    Quit,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Left,
    Right,
    Open,
    Back,
    Help,
    Inspector,
    ManagerChain,
    DirectReports,
    Groups,
    ToggleTransitive,
    Members,
    Owners,
    WhyMember,
    Export,
    Copy,
    QueryBar,
    Palette,
    LocalFilter,
    LoadMore,
    LoadAll,
    Cancel,
    Sort,
    Columns,
    RawJson,
    Refresh,
    SupportBundle,
    Token,
    // ---- raw input for the focused text field or overlay ----
    /// A key not bound to anything, or any key while a text field has focus.
    Key(KeyEvent),
    /// Mouse wheel (positive = down) over the body.
    Scroll(i32),
    /// Mouse click on a body row (0-based screen row).
    Click(u16),
    /// The terminal size changed.
    Resize(u16, u16),
    /// One second passed (countdowns).
    Tick,
    /// Run a palette command line, e.g. `users` or `user alice`.
    RunCommand(String),
    // ---- results from the worker (tagged with slot + generation) ----
    /// A page of a collection arrived.
    Page {
        slot: u64,
        generation: u64,
        items: Vec<Value>,
        count: Option<u64>,
        next_link: Option<String>,
        /// True when this page replaces what was loaded (first page).
        first: bool,
        /// True when more pages will follow without asking (load all).
        more_coming: bool,
    },
    /// Children of a tree row arrived (direct reports of `parent_id`).
    Children {
        slot: u64,
        generation: u64,
        parent_id: String,
        items: Vec<Value>,
    },
    /// A single object arrived (detail view).
    Object {
        slot: u64,
        generation: u64,
        value: Value,
    },
    /// A request for a view failed; `exchange` is the id of the recorded exchange if any.
    Failed {
        slot: u64,
        generation: u64,
        message: String,
        exchange: Option<u64>,
    },
    /// The "why is X in Y" search finished.
    Why {
        slot: u64,
        generation: u64,
        result: WhyResult,
    },
    /// An HTTP exchange was recorded.
    Exchanged(Box<Exchange>),
    /// Request activity changed: requests in flight.
    InFlight(i32),
    /// Throttled by Graph: retrying in N seconds (0 = recovered).
    Throttled(u64),
    /// The device-code flow produced a code to show.
    SignInCode {
        user_code: String,
        verification_uri: String,
        message: String,
        expires_in: u64,
    },
    /// The device-code flow polled once more (still pending).
    SignInPolled(u32),
    /// Signed in: who and which tenant.
    SignedIn {
        account: String,
        tenant_name: Option<String>,
        tenant_id: Option<String>,
    },
    /// Sign-in failed or was cancelled.
    SignInFailed(String),
    /// A message for the status line.
    Status(String),
    /// The token, described (claims decoded locally) for the token view.
    TokenInfo(Result<Vec<String>, String>),
    /// The signed-in token's claims (decoded locally), for offline permission checks.
    TokenClaims(Option<Box<crate::doctor::Claims>>),
    /// The app loop switched to another profile / tenant: a new header; sign in again.
    ContextChanged(Box<super::model::Header>),
    /// The query history store was loaded from disk.
    HistoryLoaded(std::collections::BTreeMap<String, Vec<String>>),
}

impl Action {
    /// The bindable action with this config name (`quit`, `manager_chain`, ...).
    pub fn from_name(name: &str) -> Option<Action> {
        Some(match name {
            "quit" => Action::Quit,
            "up" => Action::Up,
            "down" => Action::Down,
            "page_up" => Action::PageUp,
            "page_down" => Action::PageDown,
            "top" => Action::Top,
            "bottom" => Action::Bottom,
            "left" => Action::Left,
            "right" => Action::Right,
            "open" => Action::Open,
            "back" => Action::Back,
            "help" => Action::Help,
            "inspector" => Action::Inspector,
            "manager_chain" => Action::ManagerChain,
            "direct_reports" => Action::DirectReports,
            "groups" => Action::Groups,
            "toggle_transitive" => Action::ToggleTransitive,
            "members" => Action::Members,
            "owners" => Action::Owners,
            "why_member" => Action::WhyMember,
            "export" => Action::Export,
            "copy" => Action::Copy,
            "query_bar" => Action::QueryBar,
            "palette" => Action::Palette,
            "local_filter" => Action::LocalFilter,
            "load_more" => Action::LoadMore,
            "load_all" => Action::LoadAll,
            "cancel" => Action::Cancel,
            "sort" => Action::Sort,
            "columns" => Action::Columns,
            "raw_json" => Action::RawJson,
            "refresh" => Action::Refresh,
            "support_bundle" => Action::SupportBundle,
            "token" => Action::Token,
            _ => return None,
        })
    }
}

/// The HTTP method of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

/// One Graph request as the UI asks for it (the worker adds auth and records it).
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub method: Method,
    /// A path relative to the versioned Graph root (`/users?$top=50`) or an absolute URL.
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Value>,
}

impl Request {
    /// A GET request.
    pub fn get(url: impl Into<String>) -> Request {
        Request {
            method: Method::Get,
            url: url.into(),
            headers: vec![],
            body: None,
        }
    }
    /// Adds a header.
    pub fn header(mut self, k: &str, v: &str) -> Request {
        self.headers.push((k.to_string(), v.to_string()));
        self
    }
}

/// What to fetch for a slot.
#[derive(Debug, Clone, PartialEq)]
pub enum Fetch {
    /// First page of a collection (or the next page when `url` is a nextLink).
    Page { request: Request, first: bool },
    /// Every remaining page, starting at `request`.
    All { request: Request, first: bool },
    /// One object.
    Object(Request),
    /// All pages of a tree row's children.
    Children { parent_id: String, request: Request },
    /// Follow `/manager` from a user up to the top.
    ManagerChain { user_id: String },
    /// Find the nesting paths from a member to a group.
    Why {
        member_kind: super::model::Kind,
        member_id: String,
        member_name: String,
        group_id: String,
        group_name: String,
    },
}

/// A side effect for the worker or the app loop.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Run a fetch for a slot (a view); any earlier request in the slot is cancelled.
    Fetch {
        slot: u64,
        generation: u64,
        fetch: Fetch,
    },
    /// Cancel whatever runs in a slot.
    Cancel { slot: u64 },
    /// Start (or restart) the device-code sign-in.
    SignIn,
    /// Stop the sign-in polling.
    CancelSignIn,
    /// Copy text to the clipboard (OSC 52).
    Clipboard(String),
    /// Write an export file named after `stem` into the data directory.
    Export {
        stem: String,
        extension: &'static str,
        contents: String,
        /// What was exported (`100 rows; PARTIAL: …`), for the status line.
        note: String,
    },
    /// Save the support bundle of an exchange as `bundles/bundle-<time>-<exchange>.txt` in the
    /// data directory (0600).
    SaveBundle { exchange: u64, contents: String },
    /// Describe the current token (claims and what it allows) for the token view.
    ShowToken,
    /// Switch to another profile (and tenant): handled by the app loop, which builds a new
    /// client and worker.
    SwitchContext {
        profile: String,
        tenant: Option<String>,
    },
    /// Persist the query history.
    SaveHistory(std::collections::BTreeMap<String, Vec<String>>),
    /// Leave the program.
    Quit,
}
