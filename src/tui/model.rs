//! What is on screen: the header, a stack of views (shown as breadcrumbs), the overlays
//! (query bar, palette, inspector, help), and the recorded exchanges. Drawing reads only this.

use ratatui_textarea::TextArea;
use serde_json::Value;
use std::collections::BTreeMap;

/// How many exchanges the inspector keeps.
pub const MAX_EXCHANGES: usize = 200;
/// How many history entries are kept per collection.
pub const MAX_HISTORY: usize = 50;
/// Default page size asked of Graph.
pub const PAGE_SIZE: u32 = 100;

/// The whole UI state.
pub struct Model {
    pub header: Header,
    pub signin: Option<SignIn>,
    pub stack: Vec<View>,
    pub overlay: Option<Overlay>,
    pub exchanges: Vec<Exchange>,
    pub status: Option<String>,
    pub width: u16,
    pub height: u16,
    pub next_slot: u64,
    pub next_generation: u64,
    /// Query history per collection key (e.g. `/users`), newest last.
    pub history: BTreeMap<String, Vec<String>>,
    /// Contexts `:ctx` can switch to: (profile name, what it is).
    pub contexts: Vec<(String, String)>,
    /// The overlay the help screen was opened over (back to it when help closes).
    pub under_help: Option<Box<Overlay>>,
    /// How far the help screen is scrolled.
    pub help_scroll: u16,
    /// The signed-in token's claims (decoded locally), for "will this work?" checks.
    pub claims: Option<Box<crate::doctor::Claims>>,
    pub quit: bool,
}

/// The always-visible header.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Header {
    pub profile: String,
    pub tenant_name: Option<String>,
    pub tenant_id: String,
    pub cloud: String,
    /// The cloud itself (for support bundles).
    pub cloud_kind: crate::config::Cloud,
    /// The app (client) id signing in.
    pub client_id: String,
    pub account: Option<String>,
    pub api_version: String,
    /// The versioned Graph root requests are relative to (for copy-as-curl).
    pub graph_base: String,
    pub read_only: bool,
    pub demo: bool,
    pub in_flight: i32,
    /// Pages loaded / expected pages (if known) while paging.
    pub paging: Option<(u32, Option<u32>)>,
    /// Seconds until the next retry after a 429/503.
    pub throttled: Option<u64>,
}

/// The device-code sign-in screen.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SignIn {
    pub user_code: Option<String>,
    pub verification_uri: String,
    pub message: String,
    pub expires_in: u64,
    pub elapsed: u64,
    pub polls: u32,
    pub error: Option<String>,
}

impl SignIn {
    /// Seconds left before the code expires.
    pub fn remaining(&self) -> u64 {
        self.expires_in.saturating_sub(self.elapsed)
    }
}

/// The kind of directory object, from `@odata.type` or the collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    User,
    Group,
    Device,
    ServicePrincipal,
    Contact,
    /// Mixed collection (members, memberOf).
    Object,
}

impl Kind {
    /// The kind named by an `@odata.type` value.
    pub fn from_odata_type(t: &str) -> Option<Kind> {
        Some(match t.trim_start_matches("#microsoft.graph.") {
            "user" => Kind::User,
            "group" => Kind::Group,
            "device" => Kind::Device,
            "servicePrincipal" => Kind::ServicePrincipal,
            "orgContact" => Kind::Contact,
            _ => return None,
        })
    }
    /// The kind of one object, falling back to `default`.
    pub fn of(v: &Value, default: Kind) -> Kind {
        v.get("@odata.type")
            .and_then(Value::as_str)
            .and_then(Kind::from_odata_type)
            .unwrap_or(default)
    }
    /// Short label.
    pub fn label(self) -> &'static str {
        match self {
            Kind::User => "user",
            Kind::Group => "group",
            Kind::Device => "device",
            Kind::ServicePrincipal => "servicePrincipal",
            Kind::Contact => "contact",
            Kind::Object => "object",
        }
    }
    /// Default columns for a list of this kind.
    pub fn default_columns(self) -> Vec<String> {
        let v: &[&str] = match self {
            Kind::User => &[
                "displayName",
                "userPrincipalName",
                "mail",
                "jobTitle",
                "department",
                "id",
            ],
            Kind::Group => &["displayName", "mail", "groupTypes", "securityEnabled", "id"],
            _ => &[
                "@odata.type",
                "displayName",
                "userPrincipalName",
                "mail",
                "id",
            ],
        };
        v.iter().map(|s| s.to_string()).collect()
    }
    /// Columns offered by the column picker.
    pub fn all_columns(self) -> Vec<String> {
        let v: &[&str] = match self {
            Kind::User => &[
                "displayName",
                "userPrincipalName",
                "mail",
                "jobTitle",
                "department",
                "id",
                "givenName",
                "surname",
                "accountEnabled",
                "userType",
                "officeLocation",
                "city",
                "country",
                "companyName",
                "employeeId",
                "usageLocation",
                "createdDateTime",
                "mobilePhone",
            ],
            Kind::Group => &[
                "displayName",
                "mail",
                "groupTypes",
                "securityEnabled",
                "id",
                "mailEnabled",
                "mailNickname",
                "description",
                "membershipRule",
                "visibility",
                "createdDateTime",
                "isAssignableToRole",
            ],
            _ => &[
                "@odata.type",
                "displayName",
                "userPrincipalName",
                "mail",
                "id",
                "jobTitle",
                "description",
            ],
        };
        v.iter().map(|s| s.to_string()).collect()
    }
    /// Properties shown first in the detail view.
    pub fn important(self) -> &'static [&'static str] {
        match self {
            Kind::User => &[
                "displayName",
                "userPrincipalName",
                "mail",
                "id",
                "jobTitle",
                "department",
                "accountEnabled",
                "userType",
                "officeLocation",
            ],
            Kind::Group => &[
                "displayName",
                "description",
                "mail",
                "id",
                "groupTypes",
                "securityEnabled",
                "mailEnabled",
                "membershipRule",
                "membershipRuleProcessingState",
            ],
            Kind::Device => &[
                "displayName",
                "deviceId",
                "id",
                "operatingSystem",
                "operatingSystemVersion",
                "accountEnabled",
                "trustType",
            ],
            Kind::ServicePrincipal => &[
                "displayName",
                "appId",
                "id",
                "servicePrincipalType",
                "accountEnabled",
                "appOwnerOrganizationId",
            ],
            Kind::Contact => &["displayName", "mail", "id", "companyName", "jobTitle"],
            Kind::Object => &["displayName", "id"],
        }
    }
}

/// The server-side query of a list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    pub filter: String,
    pub search: String,
    pub orderby: String,
    pub select: String,
    pub top: String,
}

impl Query {
    /// True when nothing is set.
    pub fn is_empty(&self) -> bool {
        self.fields().iter().all(|(_, v)| v.trim().is_empty())
    }
    /// The five fields with their names.
    pub fn fields(&self) -> [(&'static str, &str); 5] {
        [
            ("$filter", &self.filter),
            ("$search", &self.search),
            ("$orderby", &self.orderby),
            ("$select", &self.select),
            ("$top", &self.top),
        ]
    }
    /// Compact one-line summary (`$filter=… $top=…`), used for history and the active-query line.
    pub fn summary(&self) -> String {
        self.fields()
            .iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(k, v)| format!("{k}={}", v.trim()))
            .collect::<Vec<_>>()
            .join("  ")
    }
    /// Parses a [`Query::summary`] back.
    pub fn from_summary(s: &str) -> Query {
        let mut q = Query::default();
        // Split on "  $" boundaries (two spaces then a known parameter).
        let mut rest = s.trim();
        while !rest.is_empty() {
            let next = [
                "  $filter=",
                "  $search=",
                "  $orderby=",
                "  $select=",
                "  $top=",
            ]
            .iter()
            .filter_map(|k| rest.find(k))
            .min()
            .unwrap_or(rest.len());
            let part = &rest[..next];
            if let Some((k, v)) = part.split_once('=') {
                let v = v.to_string();
                match k.trim() {
                    "$filter" => q.filter = v,
                    "$search" => q.search = v,
                    "$orderby" => q.orderby = v,
                    "$select" => q.select = v,
                    "$top" => q.top = v,
                    _ => {}
                }
            }
            rest = rest[next..].trim_start();
        }
        q
    }
}

/// Load state of a view.
#[derive(Debug, Clone, PartialEq)]
pub enum Load {
    Idle,
    Loading {
        pages: u32,
        all: bool,
    },
    Failed {
        message: String,
        exchange: Option<u64>,
    },
}

/// One entry of the navigation stack.
pub struct View {
    /// Worker slot: requests of this view run in it and are cancelled with it.
    pub slot: u64,
    /// Generation of the latest request; older results are dropped.
    pub generation: u64,
    /// Breadcrumb text.
    pub title: String,
    pub body: Body,
}

/// What a view shows.
pub enum Body {
    List(Box<ListView>),
    Detail(Box<DetailView>),
    Why(Box<WhyView>),
}

/// Which relationship or collection a list shows (used to toggle direct/transitive and to
/// rebuild the URL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// Collection path without query, e.g. `/users` or `/groups/{id}/members`.
    pub path: String,
    /// The transitive twin of `path` (toggled by `t`), if any.
    pub transitive_path: Option<String>,
    pub transitive: bool,
    /// Whether $filter/$search apply (false for fixed lists like a manager chain).
    pub queryable: bool,
    /// The object whose relationship this is (for why-member), if any.
    pub owner: Option<Owner>,
}

/// The object a relationship list belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub id: String,
    pub name: String,
    pub kind: Kind,
}

impl Source {
    /// The path currently in use.
    pub fn current(&self) -> &str {
        match (&self.transitive_path, self.transitive) {
            (Some(t), true) => t,
            _ => &self.path,
        }
    }
}

/// A virtualised table of directory objects.
pub struct ListView {
    pub kind: Kind,
    pub source: Source,
    pub query: Query,
    /// The advanced-query headers were added to the running query.
    pub advanced: bool,
    pub rows: Vec<Value>,
    /// `@odata.count` when the server sent it.
    pub count: Option<u64>,
    pub next_link: Option<String>,
    pub load: Load,
    pub columns: Vec<String>,
    /// Focused column (sort, copy cell).
    pub col: usize,
    pub sort: Option<(String, bool)>,
    /// The local `/` filter text and whether it is being typed.
    pub filter: String,
    pub filter_editing: bool,
    /// Row indices in display order (after sort and filter).
    pub order: Vec<usize>,
    /// Cursor position in `order` and first visible position.
    pub cursor: usize,
    pub offset: usize,
    /// The URL of the request that produced the rows.
    pub request_url: String,
    /// Headers of that request (sent again on every page).
    pub request_headers: Vec<(String, String)>,
    /// Rows per page asked of Graph (`$top`), for the expected page count.
    pub page_size: u32,
    /// Where to put the cursor when a restarted load's first page arrives.
    pub keep_cursor: Option<usize>,
    /// Lower-cased searchable text per row for the local filter (same indices as `rows`).
    pub haystack: Haystack,
    /// Tree depth per row (direct-reports trees; 0 elsewhere), same indices as `rows`.
    pub depth: Vec<u8>,
    /// Ids of expanded tree rows.
    pub expanded: Vec<String>,
    /// Ids of tree rows known to have no children (expanded once, nothing came).
    pub leaves: Vec<String>,
    /// Every row index in the order of `sort`, for (sort, row count) — kept so the local
    /// filter does not re-sort on each keystroke. `None` when rows or sort changed.
    pub sorted: Option<SortedRows>,
    /// Orders shown for shorter local-filter texts while typing (needle, order), so a
    /// backspace restores instead of rescanning. Cleared whenever the order is rebuilt.
    pub filter_undo: Vec<(String, Vec<usize>)>,
}

/// The lower-cased search text of every row in one buffer, so the local filter scans memory
/// in sequence instead of chasing one allocation per row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Haystack {
    text: String,
    /// End offset in `text` of each row's text.
    ends: Vec<usize>,
}

impl Haystack {
    fn start(&self, i: usize) -> usize {
        if i == 0 { 0 } else { self.ends[i - 1] }
    }
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.ends.len()
    }
    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
    /// Forgets every row.
    pub fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }
    /// Appends a row's text.
    pub fn push(&mut self, s: &str) {
        self.text.push_str(s);
        self.ends.push(self.text.len());
    }
    /// The text of row `i`.
    pub fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)?;
        self.text.get(self.start(i)..end)
    }
    /// Inserts a row's text before row `i` (`i <= len`).
    pub fn insert(&mut self, i: usize, s: &str) {
        let i = i.min(self.ends.len());
        let at = self.start(i);
        self.text.insert_str(at, s);
        self.ends.insert(i, at + s.len());
        for e in &mut self.ends[i + 1..] {
            *e += s.len();
        }
    }
    /// Removes rows `r`.
    pub fn drain(&mut self, r: std::ops::Range<usize>) {
        let end_row = r.end.min(self.ends.len());
        let start_row = r.start.min(end_row);
        let (a, b) = (self.start(start_row), self.start(end_row));
        self.text.drain(a..b);
        self.ends.drain(start_row..end_row);
        for e in &mut self.ends[start_row..] {
            *e -= b - a;
        }
    }
}

/// All rows sorted by one column (a cache of [`ListView::sorted`]).
#[derive(Debug, Clone, PartialEq)]
pub struct SortedRows {
    pub sort: (String, bool),
    pub rows: usize,
    pub order: Vec<usize>,
}

impl ListView {
    /// A new, empty list.
    pub fn new(kind: Kind, source: Source) -> ListView {
        ListView {
            kind,
            source,
            query: Query::default(),
            advanced: false,
            rows: vec![],
            count: None,
            next_link: None,
            load: Load::Idle,
            columns: kind.default_columns(),
            col: 0,
            sort: None,
            filter: String::new(),
            filter_editing: false,
            order: vec![],
            cursor: 0,
            offset: 0,
            request_url: String::new(),
            request_headers: vec![],
            page_size: PAGE_SIZE,
            keep_cursor: None,
            haystack: Haystack::default(),
            depth: vec![],
            expanded: vec![],
            leaves: vec![],
            sorted: None,
            filter_undo: vec![],
        }
    }
    /// Drops every row (and what is kept per row), for a fresh first page.
    pub fn clear_rows(&mut self) {
        self.rows.clear();
        self.haystack.clear();
        self.depth.clear();
        self.expanded.clear();
        self.sorted = None;
        self.cursor = 0;
        self.offset = 0;
    }
    /// The object under the cursor.
    pub fn selected(&self) -> Option<&Value> {
        self.order.get(self.cursor).and_then(|&i| self.rows.get(i))
    }
    /// True for a direct-reports list, which expands as a tree.
    pub fn is_tree(&self) -> bool {
        self.source.path.ends_with("/directReports")
    }
    /// True when more pages exist on the server.
    pub fn partial(&self) -> bool {
        self.next_link.is_some()
    }
}

/// One object, as a property list or raw JSON.
pub struct DetailView {
    pub kind: Kind,
    pub path: String,
    pub value: Option<Value>,
    pub load: Load,
    pub raw: bool,
    pub cursor: usize,
    pub offset: usize,
    /// Raw view: line numbers of folded `{`/`[` openers.
    pub folded: Vec<usize>,
    /// Raw view: search text.
    pub search: String,
    pub search_editing: bool,
}

/// The "why is X in Y" answer.
#[derive(Debug, Clone, PartialEq)]
pub enum WhyResult {
    /// Each path lists names from the member to the group.
    Paths(Vec<Vec<String>>),
    NotMember,
    /// The group has dynamic membership with this rule.
    Dynamic {
        rule: String,
        member: bool,
    },
}

/// The why-member screen.
pub struct WhyView {
    pub member: String,
    pub group: String,
    pub result: Option<WhyResult>,
    pub load: Load,
}

/// A recorded HTTP exchange for the inspector.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Exchange {
    pub id: u64,
    pub method: String,
    pub url: String,
    /// Request headers, Authorization already redacted.
    pub request_headers: Vec<(String, String)>,
    pub status: Option<u16>,
    pub response_headers: Vec<(String, String)>,
    pub body: String,
    pub duration_ms: u64,
    pub retries: u32,
    /// Transport error (no response).
    pub error: Option<String>,
    /// The permission doctor's diagnosis of a failed exchange (text, most important first).
    pub diagnosis: Option<String>,
}

impl Exchange {
    /// True for transport errors and 4xx/5xx.
    pub fn failed(&self) -> bool {
        self.error.is_some() || self.status.is_none_or(|s| s >= 400)
    }
    /// A device-code poll answered "not yet" (`authorization_pending` / `slow_down`): a
    /// 400 by protocol, not a failure anyone needs to look at.
    pub fn pending_poll(&self) -> bool {
        self.status == Some(400)
            && self.method.eq_ignore_ascii_case("POST")
            && (self.body.contains("\"authorization_pending\"")
                || self.body.contains("\"slow_down\""))
    }
}

/// An overlay over the main screen.
pub enum Overlay {
    Help,
    Palette(Box<Palette>),
    QueryBar(Box<QueryBar>),
    Inspector(Inspector),
    Columns(ColumnPicker),
    /// A one-key menu: export format or copy target.
    Menu(Menu),
    /// A list to pick one item from (`:ctx`).
    Pick(Picker),
    /// Read-only text (the token view).
    Text(TextPane),
}

/// A list to pick from; Enter runs `command` with the picked name appended.
#[derive(Debug, Clone, PartialEq)]
pub struct Picker {
    pub title: String,
    /// (name, description).
    pub items: Vec<(String, String)>,
    pub selected: usize,
    pub command: String,
}

/// Scrollable read-only text.
#[derive(Debug, Clone, PartialEq)]
pub struct TextPane {
    pub title: String,
    pub lines: Vec<String>,
    pub scroll: u16,
}

/// The `:` command palette.
pub struct Palette {
    pub input: TextArea<'static>,
    pub selected: usize,
}

/// The `f` query editor.
pub struct QueryBar {
    /// One editor per field, in [`Query::fields`] order.
    pub inputs: Vec<TextArea<'static>>,
    pub focus: usize,
    /// Position in the history while browsing with Up/Down.
    pub history_pos: Option<usize>,
    /// Completion candidates (labels) shown under the focused field.
    pub completions: Vec<String>,
    /// What each candidate inserts, and the byte range of the field text it replaces.
    pub completion_inserts: Vec<String>,
    pub completion_range: (usize, usize),
    /// Enter was pressed with lint errors: the next Enter sends anyway.
    pub confirm: bool,
    pub completion_sel: usize,
}

/// The inspector: the list of exchanges and one shown in full.
#[derive(Debug, Clone, PartialEq)]
pub struct Inspector {
    /// Index into `Model::exchanges`.
    pub selected: usize,
    pub scroll: u16,
    /// Only the raw response body (`J`), syntax-coloured.
    pub raw: bool,
}

/// The column picker.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnPicker {
    pub choices: Vec<(String, bool)>,
    pub cursor: usize,
}

/// A one-key menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Menu {
    Export,
    Copy,
}

impl Model {
    /// An empty model with the given header.
    pub fn new(header: Header) -> Model {
        Model {
            header,
            signin: None,
            stack: vec![],
            overlay: None,
            exchanges: vec![],
            status: None,
            width: 160,
            height: 48,
            next_slot: 1,
            next_generation: 1,
            history: BTreeMap::new(),
            contexts: vec![],
            claims: None,
            under_help: None,
            help_scroll: 0,
            quit: false,
        }
    }
    /// The view on top of the stack.
    pub fn top(&self) -> Option<&View> {
        self.stack.last()
    }
    /// The list on top of the stack, if it is a list.
    pub fn top_list(&self) -> Option<&ListView> {
        match self.stack.last().map(|v| &v.body) {
            Some(Body::List(l)) => Some(l),
            _ => None,
        }
    }
    /// Rows available to a list body (screen minus chrome), used for paging and the viewport.
    pub fn list_rows(&self) -> usize {
        // header 1, breadcrumbs 1, query line 1, table border 2, table header 1, status 1, hints 1
        (self.height as usize).saturating_sub(8).max(1)
    }
    /// Rows available to a detail/text body.
    pub fn text_rows(&self) -> usize {
        (self.height as usize).saturating_sub(6).max(1)
    }
}

/// A display string for one JSON value in a cell.
pub fn cell_text(v: Option<&Value>) -> String {
    let s = match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => return crate::util::sanitize(s),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| cell_text(Some(x)))
            .collect::<Vec<_>>()
            .join(", "),
        Some(o @ Value::Object(_)) => o.to_string(),
    };
    crate::util::sanitize(&s)
}

/// A display name for a directory object.
pub fn display_name(v: &Value) -> String {
    let s = v
        .get("displayName")
        .and_then(Value::as_str)
        .or_else(|| v.get("userPrincipalName").and_then(Value::as_str))
        .or_else(|| v.get("id").and_then(Value::as_str))
        .unwrap_or("(unnamed)");
    crate::util::sanitize(s)
}

/// The `id` of a directory object.
pub fn object_id(v: &Value) -> Option<String> {
    v.get("id").and_then(Value::as_str).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_summary_round_trips() {
        let q = Query {
            filter: "startsWith(displayName,'A')".into(),
            top: "5".into(),
            orderby: "displayName desc".into(),
            ..Query::default()
        };
        assert_eq!(Query::from_summary(&q.summary()), q);
        assert!(Query::default().is_empty());
    }

    #[test]
    fn haystack_push_insert_drain() {
        let mut h = Haystack::default();
        for s in ["ab ", "cd ", "ef "] {
            h.push(s);
        }
        h.insert(1, "xy ");
        assert_eq!(
            (0..h.len()).map(|i| h.get(i).unwrap()).collect::<Vec<_>>(),
            ["ab ", "xy ", "cd ", "ef "]
        );
        h.drain(1..3);
        assert_eq!(h.get(0), Some("ab "));
        assert_eq!(h.get(1), Some("ef "));
        assert_eq!((h.len(), h.get(2)), (2, None));
        h.insert(2, "zz");
        assert_eq!(h.get(2), Some("zz"));
        h.clear();
        assert!(h.is_empty());
    }

    #[test]
    fn kind_from_odata_type() {
        let v = serde_json::json!({"@odata.type": "#microsoft.graph.group"});
        assert_eq!(Kind::of(&v, Kind::User), Kind::Group);
        assert_eq!(Kind::of(&serde_json::json!({}), Kind::User), Kind::User);
    }
}
