//! `update(&mut Model, Action) -> Vec<Command>`: every state change, pure (no I/O, no clock).

use super::action::{Action, Command, Fetch, Request};
use super::model::*;
use super::query;
use super::views::thousands;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::TextArea;
use serde_json::Value;

/// Palette commands with their help text (also used for completion).
pub const COMMANDS: &[(&str, &str)] = &[
    ("users", "list users"),
    ("groups", "list groups"),
    ("me", "the signed-in user"),
    ("user", "user <upn|id|name>: open a user or search by name"),
    ("group", "group <name|id>: open a group or search by name"),
    ("get", "get <Graph path or pasted URL>: fetch anything"),
    (
        "ctx",
        "ctx [profile [tenant]]: pick or switch profile / tenant",
    ),
    (
        "token",
        "the token: claims, scopes / roles, what they allow",
    ),
    ("history", "request history (inspector)"),
    (
        "export",
        "export [csv|json|ndjson]: export the current list",
    ),
    ("help", "key help"),
    ("quit", "leave graphtui"),
];

/// Applies one action to the model and returns the side effects to run.
pub fn update(m: &mut Model, a: Action) -> Vec<Command> {
    match a {
        Action::Resize(w, h) => {
            m.width = w;
            m.height = h;
            let rows = m.list_rows();
            for v in &mut m.stack {
                if let Body::List(l) = &mut v.body {
                    keep_visible(l, rows);
                }
            }
            vec![]
        }
        Action::Tick => {
            if let Some(s) = &mut m.signin
                && s.user_code.is_some()
                && s.error.is_none()
            {
                s.elapsed += 1;
            }
            if let Some(t) = m.header.throttled {
                m.header.throttled = if t > 1 { Some(t - 1) } else { None };
            }
            vec![]
        }
        Action::Exchanged(x) => {
            if let Some(e) = m.exchanges.iter_mut().rev().take(64).find(|e| e.id == x.id) {
                // The worker's copy of a failed exchange carries the doctor's diagnosis; the
                // recorder's copy (often first) does not.
                if e.diagnosis.is_none() && x.diagnosis.is_some() {
                    e.diagnosis = x.diagnosis;
                }
                if e.body.is_empty() && !x.body.is_empty() {
                    e.body = x.body;
                }
                return vec![];
            }
            m.exchanges.push(*x);
            if m.exchanges.len() > MAX_EXCHANGES {
                m.exchanges.remove(0);
                if let Some(Overlay::Inspector(i)) = &mut m.overlay {
                    i.selected = i.selected.saturating_sub(1);
                }
            }
            vec![]
        }
        Action::InFlight(d) => {
            m.header.in_flight = (m.header.in_flight + d).max(0);
            if m.header.in_flight == 0 {
                m.header.paging = None;
            }
            vec![]
        }
        Action::Throttled(secs) => {
            m.header.throttled = (secs > 0).then_some(secs);
            vec![]
        }
        Action::Status(s) => {
            m.status = Some(s);
            vec![]
        }
        Action::TokenInfo(r) => {
            if m.status.as_deref() == Some("reading the token…") {
                m.status = None;
            }
            let lines = match r {
                Ok(l) => l.iter().map(|l| crate::util::sanitize(l)).collect(),
                Err(e) => vec![format!("No token to show: {}", crate::util::sanitize(&e))],
            };
            m.overlay = Some(Overlay::Text(TextPane {
                title: "token (decoded locally, signature not checked)".into(),
                lines,
                scroll: 0,
            }));
            vec![]
        }
        Action::TokenClaims(c) => {
            m.claims = c;
            vec![]
        }
        Action::ContextChanged(h) => {
            m.claims = None;
            // Views belong to the old context: drop them (their requests were cancelled with
            // the old worker); keep the request history and query history.
            m.stack.clear();
            m.overlay = None;
            m.header = *h;
            m.signin = Some(SignIn::default());
            m.status = Some(format!(
                "switched to profile {} · tenant {} · cloud {}; signing in…",
                m.header.profile, m.header.tenant_id, m.header.cloud
            ));
            vec![Command::SignIn]
        }
        Action::HistoryLoaded(h) => {
            m.history = h;
            vec![]
        }
        Action::SignInCode {
            user_code,
            verification_uri,
            message,
            expires_in,
        } => {
            m.signin = Some(SignIn {
                user_code: Some(crate::util::sanitize(&user_code)),
                verification_uri: crate::util::sanitize(&verification_uri),
                message: crate::util::sanitize(&message),
                expires_in,
                elapsed: 0,
                polls: 0,
                error: None,
            });
            vec![]
        }
        Action::SignInPolled(n) => {
            if let Some(s) = &mut m.signin {
                s.polls = n;
            }
            vec![]
        }
        Action::SignInFailed(e) => {
            let s = m.signin.get_or_insert_with(SignIn::default);
            s.error = Some(crate::util::sanitize(&e));
            vec![]
        }
        Action::SignedIn {
            account,
            tenant_name,
            tenant_id,
        } => {
            m.signin = None;
            if m.status
                .as_deref()
                .is_some_and(|s| s.ends_with("signing in…"))
            {
                m.status = None;
            }
            m.header.account = Some(crate::util::sanitize(&account));
            if let Some(t) = tenant_id {
                m.header.tenant_id = t;
            }
            if tenant_name.is_some() {
                m.header.tenant_name = tenant_name;
            }
            if m.stack.is_empty() {
                return open_collection(m, "Users", Kind::User, "/users", None);
            }
            vec![]
        }
        Action::Page {
            slot,
            generation,
            items,
            count,
            next_link,
            first,
            more_coming,
        } => on_page(
            m,
            slot,
            generation,
            items,
            count,
            next_link,
            first,
            more_coming,
        ),
        Action::Object {
            slot,
            generation,
            value,
        } => {
            let rows_visible = m.list_rows();
            if let Some(v) = view_mut(m, slot, generation)
                && let Body::Detail(d) = &mut v.body
            {
                // `:get` of a collection: show it as a list (pages, sort, filter, export).
                if d.kind == Kind::Object
                    && let Some(items) = value.get("value").and_then(Value::as_array)
                {
                    let l = list_of_collection(&d.path, items.clone(), &value);
                    v.body = Body::List(Box::new(l));
                    if let Body::List(l) = &mut v.body {
                        keep_visible(l, rows_visible);
                    }
                    return vec![];
                }
                d.kind = Kind::of(&value, d.kind);
                v.title = format!("{} {}", d.kind.label(), display_name(&value));
                d.value = Some(value);
                d.load = Load::Idle;
            }
            vec![]
        }
        Action::Children {
            slot,
            generation,
            parent_id,
            items,
        } => {
            let none = items.is_empty();
            let mut msg = None;
            if let Some(v) = view_mut(m, slot, generation)
                && let Body::List(l) = &mut v.body
            {
                insert_children(l, &parent_id, items);
                if none {
                    let name = l
                        .rows
                        .iter()
                        .find(|r| object_id(r).as_deref() == Some(parent_id.as_str()))
                        .map(display_name)
                        .unwrap_or_default();
                    msg = Some(format!("{name} has no direct reports"));
                }
            }
            if msg.is_some() {
                m.status = msg;
            }
            vec![]
        }
        Action::Why {
            slot,
            generation,
            result,
        } => {
            if let Some(v) = view_mut(m, slot, generation)
                && let Body::Why(w) = &mut v.body
            {
                w.result = Some(result);
                w.load = Load::Idle;
            }
            vec![]
        }
        Action::Failed {
            slot,
            generation,
            message,
            exchange,
        } => {
            let message = crate::util::sanitize(&message);
            let mut found = false;
            if let Some(v) = view_mut(m, slot, generation) {
                found = true;
                let load = Load::Failed {
                    message: message.clone(),
                    exchange,
                };
                match &mut v.body {
                    Body::List(l) => {
                        // The first page of a new query failed: the rows on screen belong
                        // to the previous query and must not pass for its answer.
                        if matches!(l.load, Load::Loading { pages: 0, .. }) {
                            l.clear_rows();
                            l.count = None;
                            l.next_link = None;
                            recompute_order(l);
                        }
                        l.load = load
                    }
                    Body::Detail(d) => d.load = load,
                    Body::Why(w) => w.load = load,
                }
            }
            if found {
                m.header.paging = None;
                m.status = Some(format!("request failed: {message}"));
                // A failed request opens the inspector on it, with the Graph error on top.
                if let Some(id) = exchange
                    && let Some(pos) = m.exchanges.iter().position(|x| x.id == id)
                    && m.overlay.is_none()
                {
                    m.overlay = Some(Overlay::Inspector(Inspector {
                        selected: pos,
                        scroll: 0,
                        raw: false,
                    }));
                }
            }
            vec![]
        }
        Action::Quit => {
            m.quit = true;
            vec![Command::Quit]
        }
        other => {
            if m.overlay.is_some() {
                return overlay_action(m, other);
            }
            if m.signin.is_some() && m.stack.is_empty() {
                return signin_action(m, other);
            }
            main_action(m, other)
        }
    }
}

fn view_mut(m: &mut Model, slot: u64, generation: u64) -> Option<&mut View> {
    m.stack
        .iter_mut()
        .find(|v| v.slot == slot && v.generation == generation)
}

#[allow(clippy::too_many_arguments)]
fn on_page(
    m: &mut Model,
    slot: u64,
    generation: u64,
    items: Vec<Value>,
    count: Option<u64>,
    next_link: Option<String>,
    first: bool,
    more_coming: bool,
) -> Vec<Command> {
    let rows_visible = m.list_rows();
    let Some(v) = view_mut(m, slot, generation) else {
        return vec![];
    };
    let Body::List(l) = &mut v.body else {
        return vec![];
    };
    l.sorted = None;
    if first {
        l.clear_rows();
    }
    if count.is_some() {
        l.count = count;
    }
    for it in items {
        l.haystack.push(&haystack_of(&it, &l.columns));
        l.depth.push(0);
        l.rows.push(it);
    }
    l.next_link = next_link;
    let pages = match l.load {
        Load::Loading { pages, .. } => pages + 1,
        _ => 1,
    };
    l.load = if more_coming && l.next_link.is_some() {
        Load::Loading { pages, all: true }
    } else {
        Load::Idle
    };
    recompute_order(l);
    keep_visible(l, rows_visible);
    if first && let Some(c) = l.keep_cursor.take() {
        l.cursor = c.min(l.order.len().saturating_sub(1));
        keep_visible(l, rows_visible);
    }
    let expected = l
        .count
        .map(|c| c.div_ceil(u64::from(l.page_size.max(1))).max(1) as u32);
    m.header.paging = if more_coming && l.next_link.is_some() {
        Some((pages, expected))
    } else {
        None
    };
    vec![]
}

/// Inserts a tree row's children right under it (one level deeper).
fn insert_children(l: &mut ListView, parent_id: &str, items: Vec<Value>) {
    let Some(p) = l
        .rows
        .iter()
        .position(|r| r.get("id").and_then(Value::as_str) == Some(parent_id))
    else {
        return;
    };
    let d = l.depth.get(p).copied().unwrap_or(0).saturating_add(1);
    let n = items.len();
    l.sorted = None;
    for (k, it) in items.into_iter().enumerate() {
        l.haystack.insert(p + 1 + k, &haystack_of(&it, &l.columns));
        l.depth.insert(p + 1 + k, d);
        l.rows.insert(p + 1 + k, it);
    }
    if !l.expanded.iter().any(|x| x == parent_id) {
        l.expanded.push(parent_id.to_string());
    }
    if n == 0 {
        l.expanded.retain(|x| x != parent_id);
        if !l.leaves.iter().any(|x| x == parent_id) {
            l.leaves.push(parent_id.to_string());
        }
    }
    l.order = (0..l.rows.len()).collect();
    recompute_order(l);
}

/// Removes the rows under a tree row.
fn collapse(l: &mut ListView, p: usize) {
    let d = l.depth.get(p).copied().unwrap_or(0);
    let mut end = p + 1;
    while end < l.rows.len() && l.depth.get(end).copied().unwrap_or(0) > d {
        end += 1;
    }
    let removed: Vec<String> = l.rows[p + 1..end].iter().filter_map(object_id).collect();
    l.sorted = None;
    l.rows.drain(p + 1..end);
    l.haystack.drain(p + 1..end);
    l.depth.drain(p + 1..end);
    if let Some(id) = l.rows.get(p).and_then(object_id) {
        l.expanded.retain(|x| *x != id && !removed.contains(x));
    }
    l.order = (0..l.rows.len()).collect();
    recompute_order(l);
}

fn haystack_of(v: &Value, columns: &[String]) -> String {
    let mut s = String::new();
    for c in columns {
        s.push_str(&cell_text(v.get(c)).to_lowercase());
        s.push(FIELD_SEP);
    }
    s
}

/// Separates column texts in a row's haystack.
const FIELD_SEP: char = '\u{1f}';

/// Local filter match: every whitespace-separated term must fuzzy-match within one column.
pub fn row_matches(hay: &str, needle: &str) -> bool {
    needle
        .split_whitespace()
        .all(|term| hay.split(FIELD_SEP).any(|field| fuzzy_match(field, term)))
}

/// True when every char of `needle` appears in order in `hay` (fuzzy subsequence match).
pub fn fuzzy_match(hay: &str, needle: &str) -> bool {
    if needle.is_ascii() {
        // Byte search: an ASCII byte never occurs inside a multi-byte UTF-8 sequence, so
        // every match position is a char boundary.
        let mut pos = 0;
        for n in needle.bytes().filter(|b| !(*b as char).is_whitespace()) {
            // `str::find` of an ASCII char is a word-at-a-time memchr.
            match hay.get(pos..).and_then(|rest| rest.find(n as char)) {
                Some(p) => pos += p + 1,
                None => return false,
            }
        }
        return true;
    }
    let mut it = hay.chars();
    needle
        .chars()
        .filter(|c| !c.is_whitespace())
        .all(|n| it.any(|h| h == n))
}

/// Keeps the rows of the current order that match `needle` (lower-cased), which extends the
/// needle the order was built with: no full rescan while typing.
fn narrow_order(l: &mut ListView, needle: &str) {
    let hay = &l.haystack;
    l.order
        .retain(|&i| hay.get(i).is_some_and(|h| row_matches(h, needle)));
    exact_first(l, needle);
    if l.cursor >= l.order.len() {
        l.cursor = l.order.len().saturating_sub(1);
    }
}

/// Whether every term of `needle` occurs as written (not just as scattered letters) in
/// some field of the row.
pub fn row_matches_exactly(hay: &str, needle: &str) -> bool {
    needle
        .split_whitespace()
        .all(|term| hay.split(FIELD_SEP).any(|field| field.contains(term)))
}

/// Ranks the filtered rows: those matching every term as written first, then the fuzzy
/// ones, each group in its current (sorted) order. "nest l1" lists "Nest L1" before rows
/// that only have the letters somewhere.
fn exact_first(l: &mut ListView, needle: &str) {
    if needle.trim().is_empty() {
        return;
    }
    let hay = &l.haystack;
    let (mut exact, fuzzy): (Vec<usize>, Vec<usize>) = l
        .order
        .iter()
        .partition(|&&i| hay.get(i).is_some_and(|h| row_matches_exactly(h, needle)));
    exact.extend(fuzzy);
    l.order = exact;
}

/// Rebuilds the display order from sort and local filter.
pub fn recompute_order(l: &mut ListView) {
    l.filter_undo.clear();
    let needle = l.filter.to_lowercase();
    let sel = l.order.get(l.cursor).copied();
    let keep = |i: &usize| {
        needle.is_empty() || l.haystack.get(*i).is_some_and(|h| row_matches(h, &needle))
    };
    if let Some((col, asc)) = &l.sort {
        // Sort every row once per (sort, rows); filtering a sorted order keeps it sorted.
        let fresh = l
            .sorted
            .as_ref()
            .is_some_and(|c| c.rows == l.rows.len() && c.sort.0 == *col && c.sort.1 == *asc);
        if !fresh {
            let key = |i: usize| cell_text(l.rows[i].get(col)).to_lowercase();
            let mut keyed: Vec<(String, usize)> = (0..l.rows.len()).map(|i| (key(i), i)).collect();
            keyed.sort();
            if !asc {
                keyed.reverse();
            }
            l.sorted = Some(SortedRows {
                sort: (col.clone(), *asc),
                rows: l.rows.len(),
                order: keyed.into_iter().map(|(_, i)| i).collect(),
            });
        }
        l.order = l
            .sorted
            .as_ref()
            .map(|c| c.order.iter().copied().filter(keep).collect())
            .unwrap_or_default();
    } else {
        l.order = (0..l.rows.len()).filter(keep).collect();
    }
    exact_first(l, &needle);
    if let Some(sel) = sel
        && let Some(p) = l.order.iter().position(|&i| i == sel)
    {
        l.cursor = p;
    }
    if l.cursor >= l.order.len() {
        l.cursor = l.order.len().saturating_sub(1);
    }
}

fn keep_visible(l: &mut ListView, rows: usize) {
    if l.cursor < l.offset {
        l.offset = l.cursor;
    } else if l.cursor >= l.offset + rows {
        l.offset = l.cursor + 1 - rows;
    }
    let max_off = l.order.len().saturating_sub(rows);
    if l.offset > max_off {
        l.offset = max_off;
    }
}

fn new_view(m: &mut Model, title: String, body: Body) -> (u64, u64) {
    // A message about the previous screen does not belong to the new one.
    m.status = None;
    let slot = m.next_slot;
    m.next_slot += 1;
    let generation = m.next_generation;
    m.next_generation += 1;
    m.stack.push(View {
        slot,
        generation,
        title,
        body,
    });
    (slot, generation)
}

/// The kind of the objects a collection path lists (`/users`, `/groups/{id}/owners` → mixed).
fn kind_of_path(path: &str) -> Kind {
    let p = path.split('?').next().unwrap_or(path);
    let p = p
        .rsplit_once("/v1.0")
        .or_else(|| p.rsplit_once("/beta"))
        .map_or(p, |(_, rest)| rest);
    let segs: Vec<&str> = p.split('/').filter(|s| !s.is_empty()).collect();
    match segs.as_slice() {
        [one] | [one, "delta()" | "delta"] => match *one {
            "users" => Kind::User,
            "groups" => Kind::Group,
            "devices" => Kind::Device,
            "servicePrincipals" => Kind::ServicePrincipal,
            "contacts" => Kind::Contact,
            _ => Kind::Object,
        },
        [.., last] => last
            .rsplit_once("microsoft.graph.")
            .and_then(|(_, t)| Kind::from_odata_type(t))
            .unwrap_or(Kind::Object),
        _ => Kind::Object,
    }
}

/// A list view of a collection fetched with `:get` (its first page in `body`).
fn list_of_collection(path: &str, items: Vec<Value>, body: &Value) -> ListView {
    let kind = items
        .first()
        .map_or(kind_of_path(path), |i| Kind::of(i, kind_of_path(path)));
    let mut l = ListView::new(
        kind,
        Source {
            path: path.split('?').next().unwrap_or(path).to_string(),
            transitive_path: None,
            transitive: false,
            queryable: false,
            owner: None,
        },
    );
    if kind != Kind::Object {
        // Without $select Graph leaves out some default columns (department, …): keep only
        // the ones the objects carry.
        let present: Vec<String> = l
            .columns
            .iter()
            .filter(|c| items.iter().take(20).any(|i| i.get(c.as_str()).is_some()))
            .cloned()
            .collect();
        if !present.is_empty() {
            l.columns = present;
        }
    }
    if kind == Kind::Object {
        // Columns from what the objects carry: the usual ones first, then others.
        let keys: Vec<String> = items
            .first()
            .and_then(Value::as_object)
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default();
        let mut cols: Vec<String> = [
            "@odata.type",
            "displayName",
            "userPrincipalName",
            "mail",
            "id",
        ]
        .iter()
        .filter(|c| keys.iter().any(|k| k == *c))
        .map(|c| c.to_string())
        .collect();
        for k in keys {
            if cols.len() >= 6 {
                break;
            }
            if !cols.contains(&k) && !k.starts_with('@') {
                cols.push(k);
            }
        }
        if !cols.is_empty() {
            l.columns = cols;
        }
    }
    l.request_url = path.to_string();
    l.count = body.get("@odata.count").and_then(Value::as_u64);
    l.next_link = body
        .get("@odata.nextLink")
        .and_then(Value::as_str)
        .map(str::to_string);
    for it in items {
        l.haystack.push(&haystack_of(&it, &l.columns));
        l.depth.push(0);
        l.rows.push(it);
    }
    recompute_order(&mut l);
    l
}

/// Opens a queryable collection as a new list view and starts loading it.
pub fn open_collection(
    m: &mut Model,
    title: &str,
    kind: Kind,
    path: &str,
    query: Option<Query>,
) -> Vec<Command> {
    let source = Source {
        path: path.to_string(),
        transitive_path: None,
        transitive: false,
        queryable: true,
        owner: None,
    };
    open_list(
        m,
        title.to_string(),
        kind,
        source,
        query.unwrap_or_default(),
    )
}

fn open_list(m: &mut Model, title: String, kind: Kind, source: Source, q: Query) -> Vec<Command> {
    let mut l = ListView::new(kind, source);
    l.query = q;
    let (slot, _) = new_view(m, title, Body::List(Box::new(l)));
    reload(m, slot)
}

/// Rebuilds the request of a list and starts it (new generation; older results are dropped).
fn reload(m: &mut Model, slot: u64) -> Vec<Command> {
    let generation = m.next_generation;
    m.next_generation += 1;
    let Some(v) = m.stack.iter_mut().find(|v| v.slot == slot) else {
        return vec![];
    };
    v.generation = generation;
    let fetch = match &mut v.body {
        Body::List(l) => {
            l.load = Load::Loading {
                pages: 0,
                all: false,
            };
            l.next_link = None;
            l.count = None;
            if l.source.path == MANAGER_CHAIN {
                let Some(o) = &l.source.owner else {
                    return vec![];
                };
                Fetch::ManagerChain {
                    user_id: o.id.clone(),
                }
            } else {
                let q = effective_query(l, &l.query);
                let b = query::build(l.kind, l.source.current(), &q, l.source.queryable);
                l.page_size = q.top.trim().parse().unwrap_or(PAGE_SIZE);
                l.advanced = !b.advanced.is_empty();
                l.request_url = b.request.url.clone();
                l.request_headers = b.request.headers.clone();
                Fetch::Page {
                    request: b.request,
                    first: true,
                }
            }
        }
        Body::Detail(d) => {
            d.load = Load::Loading {
                pages: 0,
                all: false,
            };
            Fetch::Object(Request::get(d.path.clone()))
        }
        Body::Why(_) => return vec![],
    };
    vec![Command::Fetch {
        slot,
        generation,
        fetch,
    }]
}

const MANAGER_CHAIN: &str = "(manager chain)";

/// Graph's largest page for directory collections (`$top` up to 999).
const MAX_PAGE: u32 = 999;

/// The query actually sent: without an explicit `$select`, users and groups ask for the
/// shown columns (many properties, e.g. department, come back only when selected).
pub fn effective_query(l: &ListView, q: &Query) -> Query {
    let mut q = q.clone();
    if q.select.trim().is_empty() && matches!(l.kind, Kind::User | Kind::Group) {
        let mut cols: Vec<&str> = l
            .columns
            .iter()
            .map(String::as_str)
            .filter(|c| !c.starts_with('@'))
            .collect();
        if !cols.contains(&"id") {
            cols.push("id");
        }
        q.select = cols.join(",");
    }
    q
}

fn push_detail(m: &mut Model, kind: Kind, path: String, title: String) -> Vec<Command> {
    let d = DetailView {
        kind,
        path,
        value: None,
        load: Load::Idle,
        raw: false,
        cursor: 0,
        offset: 0,
        folded: vec![],
        search: String::new(),
        search_editing: false,
    };
    let (slot, _) = new_view(m, title, Body::Detail(Box::new(d)));
    reload(m, slot)
}

/// The Graph path of one object of a kind.
pub fn object_path(kind: Kind, id: &str) -> String {
    let coll = match kind {
        Kind::User => "users",
        Kind::Group => "groups",
        Kind::Device => "devices",
        Kind::ServicePrincipal => "servicePrincipals",
        Kind::Contact => "contacts",
        Kind::Object => "directoryObjects",
    };
    format!("/{coll}/{id}")
}

/// The object the relationship keys act on: the selected row, or the detail's object.
fn current_object(m: &Model) -> Option<(Kind, Value)> {
    match &m.top()?.body {
        Body::List(l) => l.selected().map(|v| (Kind::of(v, l.kind), v.clone())),
        Body::Detail(d) => d.value.as_ref().map(|v| (Kind::of(v, d.kind), v.clone())),
        Body::Why(_) => None,
    }
}

fn signin_action(m: &mut Model, a: Action) -> Vec<Command> {
    match a {
        Action::Back | Action::Cancel => {
            if let Some(s) = &mut m.signin {
                s.error = Some("Sign-in cancelled. Press Enter to start again, q to quit.".into());
            }
            vec![Command::CancelSignIn]
        }
        Action::Open => {
            if m.signin.as_ref().is_some_and(|s| s.error.is_some()) {
                m.signin = Some(SignIn::default());
                vec![Command::SignIn]
            } else {
                vec![]
            }
        }
        Action::Copy => match m.signin.as_ref().and_then(|s| s.user_code.clone()) {
            Some(c) => {
                m.status = Some("device code copied to the clipboard".into());
                vec![Command::Clipboard(c)]
            }
            None => vec![],
        },
        Action::Help => open_help(m),
        _ => vec![],
    }
}

fn main_action(m: &mut Model, a: Action) -> Vec<Command> {
    let rows = m.text_rows();
    // Text entry for the local filter / raw-JSON search takes keys first.
    if let Some(v) = m.stack.last_mut() {
        match &mut v.body {
            Body::List(l) if l.filter_editing => {
                if let Action::Key(k) = a {
                    let before = l.filter.to_lowercase();
                    edit_line(&mut l.filter, k, &mut l.filter_editing);
                    let after = l.filter.to_lowercase();
                    if after != before {
                        if after.starts_with(&before) {
                            // Typing narrows: only rows shown now can still match.
                            let undo = std::mem::take(&mut l.filter_undo);
                            let shown = l.order.clone();
                            narrow_order(l, &after);
                            l.filter_undo = undo;
                            if l.filter_undo.len() < 32 {
                                l.filter_undo.push((before, shown));
                            }
                        } else {
                            // Backspace: the order shown for that text earlier, if kept.
                            while let Some((n, _)) = l.filter_undo.last()
                                && n.len() > after.len()
                            {
                                l.filter_undo.pop();
                            }
                            match l.filter_undo.pop() {
                                Some((n, order)) if n == after => l.order = order,
                                _ => recompute_order(l),
                            }
                        }
                    }
                    l.cursor = 0;
                    l.offset = 0;
                    return vec![];
                }
            }
            Body::Detail(d) if d.search_editing => {
                if let Action::Key(k) = a {
                    edit_line(&mut d.search, k, &mut d.search_editing);
                    if !d.search.is_empty() {
                        jump_to_search(d, 0, rows);
                    }
                    return vec![];
                }
            }
            _ => {}
        }
    }
    let page = m.list_rows();
    let text_page = m.text_rows();
    match a {
        Action::Up => move_cursor(m, -1, page, text_page),
        Action::Down => move_cursor(m, 1, page, text_page),
        Action::PageUp => move_cursor(m, -(page as i64), page, text_page),
        Action::PageDown => move_cursor(m, page as i64, page, text_page),
        Action::Top => move_cursor(m, i64::MIN / 2, page, text_page),
        Action::Bottom => move_cursor(m, i64::MAX / 2, page, text_page),
        Action::Scroll(n) => move_cursor(m, i64::from(n), page, text_page),
        Action::Click(row) => {
            // Body rows start under header, breadcrumbs, query line, border and table header.
            if let Some(l) = top_list_mut(m)
                && row >= 5
            {
                let idx = l.offset + usize::from(row - 5);
                if idx < l.order.len() {
                    l.cursor = idx;
                }
            }
            vec![]
        }
        Action::Left | Action::Right => {
            if let Some(l) = top_list_mut(m) {
                let n = l.columns.len().max(1);
                l.col = if a == Action::Left {
                    (l.col + n - 1) % n
                } else {
                    (l.col + 1) % n
                };
            }
            vec![]
        }
        Action::Back => {
            if let Some(l) = top_list_mut(m)
                && !l.filter.is_empty()
            {
                l.filter.clear();
                recompute_order(l);
                return vec![];
            }
            if let Some(Body::Detail(d)) = m.stack.last_mut().map(|v| &mut v.body)
                && d.raw
            {
                d.raw = false;
                d.cursor = 0;
                d.offset = 0;
                return vec![];
            }
            if m.stack.len() > 1 {
                let v = m.stack.pop().expect("len > 1");
                m.header.paging = None;
                // A message about the screen just left does not belong to this one.
                m.status = None;
                return vec![Command::Cancel { slot: v.slot }];
            }
            vec![]
        }
        Action::Open => open_selected(m),
        Action::Help => open_help(m),
        Action::SupportBundle => support_bundle(m, None),
        Action::Token => {
            m.status = Some("reading the token…".into());
            vec![Command::ShowToken]
        }
        Action::Inspector => {
            if m.exchanges.is_empty() {
                m.status = Some("no requests yet".into());
            } else {
                m.overlay = Some(Overlay::Inspector(Inspector {
                    selected: m.exchanges.len() - 1,
                    scroll: 0,
                    raw: false,
                }));
            }
            vec![]
        }
        Action::Palette => {
            m.overlay = Some(Overlay::Palette(Box::new(Palette {
                input: single_line(""),
                selected: 0,
            })));
            vec![]
        }
        Action::QueryBar => open_query_bar(m),
        Action::LocalFilter => {
            match m.stack.last_mut().map(|v| &mut v.body) {
                Some(Body::List(l)) => l.filter_editing = true,
                Some(Body::Detail(d)) if d.raw => d.search_editing = true,
                _ => {}
            }
            vec![]
        }
        Action::ManagerChain => relationship(m, Rel::ManagerChain),
        Action::DirectReports => {
            if let Some(v) = m.stack.last_mut()
                && let Body::List(l) = &mut v.body
                && l.is_tree()
                && let Some(&p) = l.order.get(l.cursor)
                && let Some(id) = l.rows.get(p).and_then(object_id)
            {
                if l.expanded.contains(&id) {
                    collapse(l, p);
                    return vec![];
                }
                if Kind::of(&l.rows[p], Kind::User) != Kind::User {
                    m.status = Some("only people have direct reports".into());
                    return vec![];
                }
                if l.leaves.contains(&id) {
                    let name = display_name(&l.rows[p]);
                    m.status = Some(format!("{name} has no direct reports"));
                    return vec![];
                }
                let (slot, generation) = (v.slot, v.generation);
                return vec![Command::Fetch {
                    slot,
                    generation,
                    fetch: Fetch::Children {
                        request: Request::get(format!(
                            "/users/{id}/directReports?$select=id,displayName,userPrincipalName,mail,jobTitle,department"
                        )),
                        parent_id: id,
                    },
                }];
            }
            relationship(m, Rel::DirectReports)
        }
        Action::Groups => relationship(m, Rel::Groups),
        Action::Members => relationship(m, Rel::Members),
        Action::Owners => relationship(m, Rel::Owners),
        Action::ToggleTransitive => {
            let Some(v) = m.stack.last_mut() else {
                return vec![];
            };
            let slot = v.slot;
            if let Body::List(l) = &mut v.body
                && l.source.transitive_path.is_some()
            {
                l.source.transitive = !l.source.transitive;
                let t = if l.source.transitive {
                    "transitive"
                } else {
                    "direct"
                };
                v.title = match v.title.rsplit_once(" (") {
                    Some((base, _)) => format!("{base} ({t})"),
                    None => format!("{} ({t})", v.title),
                };
                return reload(m, slot);
            }
            m.status = Some("t toggles direct / transitive on groups and members lists".into());
            vec![]
        }
        Action::WhyMember => why_member(m),
        Action::Export => {
            if m.top_list().is_some() || matches!(m.top().map(|v| &v.body), Some(Body::Detail(_))) {
                m.overlay = Some(Overlay::Menu(Menu::Export));
            }
            vec![]
        }
        Action::Copy => {
            if m.top().is_some() {
                m.overlay = Some(Overlay::Menu(Menu::Copy));
            }
            vec![]
        }
        Action::LoadMore if matches!(m.top().map(|v| &v.body), Some(Body::Detail(d)) if d.raw && !d.search.is_empty()) =>
        {
            // `n`: next match of the raw JSON search.
            if let Some(Body::Detail(d)) = m.stack.last_mut().map(|v| &mut v.body) {
                let from = d.cursor + 1;
                jump_to_search(d, from, rows);
            }
            vec![]
        }
        Action::LoadMore | Action::LoadAll => {
            let all = a == Action::LoadAll;
            let Some(v) = m.stack.last_mut() else {
                return vec![];
            };
            let (slot, generation) = (v.slot, v.generation);
            if let Body::List(l) = &mut v.body {
                if matches!(l.load, Load::Loading { .. }) {
                    return vec![];
                }
                let Some(next) = l.next_link.clone() else {
                    m.status = Some("everything is loaded".into());
                    return vec![];
                };
                // Load all after only the first (small) page: start again with Graph's
                // largest page (999), ten times fewer round trips; the cursor stays put.
                if all
                    && l.query.top.trim().is_empty()
                    && l.rows.len() <= PAGE_SIZE as usize
                    && l.source.path != MANAGER_CHAIN
                    && !l.is_tree()
                {
                    let mut q = effective_query(l, &l.query);
                    q.top = MAX_PAGE.to_string();
                    let b = query::build(l.kind, l.source.current(), &q, l.source.queryable);
                    l.page_size = MAX_PAGE;
                    l.keep_cursor = Some(l.cursor);
                    l.request_url = b.request.url.clone();
                    l.load = Load::Loading { pages: 0, all };
                    l.request_headers = b.request.headers.clone();
                    return vec![Command::Fetch {
                        slot,
                        generation,
                        fetch: Fetch::All {
                            request: b.request,
                            first: true,
                        },
                    }];
                }
                l.load = Load::Loading { pages: 1, all };
                let mut request = Request::get(next);
                // Headers such as ConsistencyLevel are not carried over: send them on every page.
                request.headers = l.request_headers.clone();
                let fetch = if all {
                    Fetch::All {
                        request,
                        first: false,
                    }
                } else {
                    Fetch::Page {
                        request,
                        first: false,
                    }
                };
                return vec![Command::Fetch {
                    slot,
                    generation,
                    fetch,
                }];
            }
            vec![]
        }
        Action::Cancel => {
            let fresh = m.next_generation;
            let Some(v) = m.stack.last_mut() else {
                return vec![];
            };
            let slot = v.slot;
            if let Body::List(l) = &mut v.body
                && matches!(l.load, Load::Loading { .. })
            {
                // Results already on their way belong to the cancelled request: drop them.
                v.generation = fresh;
                m.next_generation += 1;
                l.load = Load::Idle;
                m.header.paging = None;
                m.status = Some(format!(
                    "loading cancelled: {} rows loaded{}",
                    l.rows.len(),
                    if l.partial() { " (partial)" } else { "" }
                ));
                return vec![Command::Cancel { slot }];
            }
            vec![]
        }
        Action::Sort => {
            if m.top_list().is_some_and(|l| l.is_tree()) {
                m.status = Some("a reports tree keeps its order; r expands / collapses".into());
                return vec![];
            }
            if let Some(l) = top_list_mut(m)
                && let Some(col) = l.columns.get(l.col).cloned()
            {
                l.sort = match &l.sort {
                    Some((c, true)) if *c == col => Some((col, false)),
                    _ => Some((col, true)),
                };
                recompute_order(l);
            }
            vec![]
        }
        Action::Columns => {
            if let Some(l) = m.top_list() {
                let mut choices: Vec<(String, bool)> = l
                    .kind
                    .all_columns()
                    .into_iter()
                    .map(|c| {
                        let on = l.columns.contains(&c);
                        (c, on)
                    })
                    .collect();
                for c in &l.columns {
                    if !choices.iter().any(|(x, _)| x == c) {
                        choices.push((c.clone(), true));
                    }
                }
                m.overlay = Some(Overlay::Columns(ColumnPicker { choices, cursor: 0 }));
            }
            vec![]
        }
        Action::RawJson => {
            if let Some(Body::Detail(d)) = m.stack.last_mut().map(|v| &mut v.body) {
                d.raw = !d.raw;
                d.cursor = 0;
                d.offset = 0;
            }
            vec![]
        }
        Action::Refresh => match m.top() {
            Some(v) => {
                let slot = v.slot;
                reload(m, slot)
            }
            None => vec![],
        },
        Action::RunCommand(line) => run_command(m, &line),
        _ => vec![],
    }
}

fn top_list_mut(m: &mut Model) -> Option<&mut ListView> {
    match m.stack.last_mut().map(|v| &mut v.body) {
        Some(Body::List(l)) => Some(l),
        _ => None,
    }
}

fn move_cursor(m: &mut Model, delta: i64, page: usize, text_page: usize) -> Vec<Command> {
    let Some(v) = m.stack.last_mut() else {
        return vec![];
    };
    let (slot, generation) = (v.slot, v.generation);
    match &mut v.body {
        Body::List(l) => {
            if l.order.is_empty() {
                return vec![];
            }
            let max = l.order.len() as i64 - 1;
            l.cursor = (l.cursor as i64 + delta).clamp(0, max) as usize;
            keep_visible(l, page);
            // Reaching the end of a partial list loads the next page (like k9s' infinite scroll).
            if l.cursor as i64 == max
                && delta > 0
                && l.filter.is_empty()
                && let (Some(next), Load::Idle) = (&l.next_link, &l.load)
            {
                let mut request = Request::get(next.clone());
                request.headers = l.request_headers.clone();
                l.load = Load::Loading {
                    pages: 1,
                    all: false,
                };
                return vec![Command::Fetch {
                    slot,
                    generation,
                    fetch: Fetch::Page {
                        request,
                        first: false,
                    },
                }];
            }
        }
        Body::Detail(d) => {
            let n = detail_line_count(d) as i64;
            d.cursor = (d.cursor as i64 + delta).clamp(0, (n - 1).max(0)) as usize;
            if d.cursor < d.offset {
                d.offset = d.cursor;
            } else if d.cursor >= d.offset + text_page {
                d.offset = d.cursor + 1 - text_page;
            }
        }
        Body::Why(_) => {}
    }
    vec![]
}

/// Number of lines the detail view shows (properties or visible raw JSON lines).
pub fn detail_line_count(d: &DetailView) -> usize {
    match &d.value {
        None => 0,
        Some(v) if d.raw => visible_json_lines(v, &d.folded).len(),
        Some(Value::Object(o)) => o.len() + 2,
        Some(_) => 1,
    }
}

/// Pretty-printed JSON lines (sanitised).
pub fn json_lines(v: &Value) -> Vec<String> {
    serde_json::to_string_pretty(v)
        .unwrap_or_default()
        .lines()
        .map(crate::util::sanitize)
        .collect()
}

/// The raw JSON lines still visible given folded openers: (original line number, text).
pub fn visible_json_lines(v: &Value, folded: &[usize]) -> Vec<(usize, String)> {
    let lines = json_lines(v);
    let mut out = vec![];
    let mut i = 0;
    while i < lines.len() {
        let line = &lines[i];
        if folded.contains(&i) && (line.ends_with('{') || line.ends_with('[')) {
            let indent = line.len() - line.trim_start().len();
            let mut j = i + 1;
            while j < lines.len() {
                let l = &lines[j];
                let ind = l.len() - l.trim_start().len();
                if ind == indent
                    && (l.trim_start().starts_with('}') || l.trim_start().starts_with(']'))
                {
                    break;
                }
                j += 1;
            }
            let close = lines.get(j).map(|l| l.trim()).unwrap_or("");
            out.push((i, format!("{} … {close}", line)));
            i = j + 1;
        } else {
            out.push((i, line.clone()));
            i += 1;
        }
    }
    out
}

fn jump_to_search(d: &mut DetailView, from: usize, page: usize) {
    let Some(v) = &d.value else { return };
    let needle = d.search.to_lowercase();
    let lines = visible_json_lines(v, &d.folded);
    let n = lines.len();
    for k in 0..n {
        let idx = (from + k) % n;
        if lines[idx].1.to_lowercase().contains(&needle) {
            d.cursor = idx;
            // Scroll only when the match is off screen, then with some context above.
            if idx < d.offset || idx >= d.offset + page.max(1) {
                d.offset = idx.saturating_sub(3);
            }
            return;
        }
    }
}

fn edit_line(s: &mut String, k: KeyEvent, editing: &mut bool) {
    match k.code {
        KeyCode::Enter => *editing = false,
        KeyCode::Esc => {
            s.clear();
            *editing = false;
        }
        KeyCode::Backspace => {
            s.pop();
        }
        KeyCode::Char('u') if k.modifiers.contains(KeyModifiers::CONTROL) => s.clear(),
        KeyCode::Char(c) if !k.modifiers.contains(KeyModifiers::CONTROL) => s.push(c),
        _ => {}
    }
}

fn open_selected(m: &mut Model) -> Vec<Command> {
    let rows = m.text_rows();
    match m.stack.last_mut().map(|v| &mut v.body) {
        Some(Body::Detail(d)) if d.raw && !d.search.is_empty() => {
            // While a search is active, Enter goes to the next match (Esc in `/` clears it).
            let from = d.cursor + 1;
            jump_to_search(d, from, rows);
            return vec![];
        }
        Some(Body::Detail(d)) if d.raw => {
            // Enter folds / unfolds the object or array opened on this line.
            if let Some(v) = &d.value {
                let lines = visible_json_lines(v, &d.folded);
                if let Some((orig, text)) = lines.get(d.cursor) {
                    if let Some(p) = d.folded.iter().position(|x| x == orig) {
                        d.folded.remove(p);
                    } else if text.ends_with('{') || text.ends_with('[') {
                        d.folded.push(*orig);
                    }
                }
            }
            return vec![];
        }
        Some(Body::Detail(d)) if d.search.is_empty() => {
            return vec![];
        }
        Some(Body::Detail(d)) => {
            let from = d.cursor + 1;
            jump_to_search(d, from, rows);
            return vec![];
        }
        _ => {}
    }
    let Some((kind, v)) = current_object(m) else {
        return vec![];
    };
    let Some(id) = object_id(&v) else {
        m.status = Some("this row has no id".into());
        return vec![];
    };
    let title = format!("{} {}", kind.label(), display_name(&v));
    push_detail(m, kind, object_path(kind, &id), title)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Rel {
    ManagerChain,
    DirectReports,
    Groups,
    Members,
    Owners,
}

fn relationship(m: &mut Model, rel: Rel) -> Vec<Command> {
    let Some((kind, v)) = current_object(m) else {
        m.status = Some(match m.top().map(|v| &v.body) {
            Some(Body::Detail(d)) if matches!(d.load, Load::Loading { .. }) => {
                "still loading this object; try again in a moment".into()
            }
            Some(Body::Detail(d)) if matches!(d.load, Load::Failed { .. }) => {
                "this object did not load (see above); nothing to follow from here".into()
            }
            _ => "select a user or group first".into(),
        });
        return vec![];
    };
    let Some(id) = object_id(&v) else {
        return vec![];
    };
    let name = display_name(&v);
    let owner = Some(Owner {
        id: id.clone(),
        name: name.clone(),
        kind,
    });
    let (title, lkind, path, tpath, queryable) = match (rel, kind) {
        (Rel::ManagerChain, Kind::User) => (
            format!("manager chain of {name} (from {name} up to the top)"),
            Kind::User,
            MANAGER_CHAIN.to_string(),
            None,
            false,
        ),
        (Rel::DirectReports, Kind::User) => (
            format!("direct reports of {name}"),
            Kind::User,
            format!("/users/{id}/directReports"),
            None,
            true,
        ),
        (Rel::Groups, Kind::User | Kind::Group | Kind::Device | Kind::ServicePrincipal) => {
            let base = object_path(kind, &id);
            (
                format!("groups of {name} (direct)"),
                Kind::Object,
                format!("{base}/memberOf"),
                Some(format!("{base}/transitiveMemberOf")),
                true,
            )
        }
        (Rel::Members, Kind::Group) => (
            format!("members of {name} (direct)"),
            Kind::Object,
            format!("/groups/{id}/members"),
            Some(format!("/groups/{id}/transitiveMembers")),
            true,
        ),
        (Rel::Owners, Kind::Group) => (
            format!("owners of {name}"),
            Kind::Object,
            format!("/groups/{id}/owners"),
            None,
            true,
        ),
        _ => {
            let what = match rel {
                Rel::ManagerChain => "manager chain (m) needs a user",
                Rel::DirectReports => "direct reports (r) need a user",
                Rel::Groups => "groups (g) need a user, group, device or service principal",
                Rel::Members => "members (M) need a group",
                Rel::Owners => "owners (o) need a group",
            };
            m.status = Some(format!("{what}; this is a {}", kind.label()));
            return vec![];
        }
    };
    let source = Source {
        path,
        transitive_path: tpath,
        transitive: false,
        queryable,
        owner,
    };
    let cmds = open_list(m, title, lkind, source, Query::default());
    if rel == Rel::Groups
        && let Some(Body::List(l)) = m.stack.last_mut().map(|v| &mut v.body)
    {
        // Groups (and the odd role or unit): group columns, no user ones.
        l.columns = [
            "@odata.type",
            "displayName",
            "mail",
            "groupTypes",
            "securityEnabled",
            "id",
        ]
        .iter()
        .map(|c| c.to_string())
        .collect();
    }
    cmds
}

fn why_member(m: &mut Model) -> Vec<Command> {
    let Some(v) = m.stack.last() else {
        return vec![];
    };
    let Body::List(l) = &v.body else {
        // From a user's detail: offer the user's transitive groups to pick from.
        if let Some((Kind::User, _)) = current_object(m) {
            let cmds = relationship(m, Rel::Groups);
            let _ = update(m, Action::ToggleTransitive);
            m.status = Some("pick a group and press w: why is this user in it?".into());
            // The toggle reloaded with a new generation; only its fetch matters.
            return reload_top(m, cmds);
        }
        m.status = Some(
            "why-member: open a user's groups (g) or a group's members (M) and press w".into(),
        );
        return vec![];
    };
    let Some(sel) = l.selected() else {
        return vec![];
    };
    let sel_kind = Kind::of(sel, l.kind);
    let (Some(owner), Some(sel_id)) = (l.source.owner.clone(), object_id(sel)) else {
        if l.kind == Kind::User
            && let Some(u) = l.selected().cloned()
        {
            let _ = u;
            let cmds = relationship(m, Rel::Groups);
            let _ = update(m, Action::ToggleTransitive);
            m.status = Some("pick a group and press w: why is this user in it?".into());
            return reload_top(m, cmds);
        }
        m.status = Some(
            "why-member: open a user's groups (g) or a group's members (M) and press w".into(),
        );
        return vec![];
    };
    let sel_name = display_name(sel);
    let is_groups_of = l.source.path.ends_with("/memberOf");
    let is_members_of = l.source.path.ends_with("/members");
    let (member_kind, member_id, member_name, group_id, group_name) =
        if is_groups_of && sel_kind == Kind::Group {
            (owner.kind, owner.id, owner.name, sel_id, sel_name)
        } else if is_members_of {
            (sel_kind, sel_id, sel_name, owner.id, owner.name)
        } else {
            m.status = Some(
                "why-member: select a group in a groups list, or a member in a members list".into(),
            );
            return vec![];
        };
    let w = WhyView {
        member: member_name.clone(),
        group: group_name.clone(),
        result: None,
        load: Load::Loading {
            pages: 0,
            all: false,
        },
    };
    let (slot, generation) = new_view(
        m,
        format!("why is {member_name} in {group_name}"),
        Body::Why(Box::new(w)),
    );
    vec![Command::Fetch {
        slot,
        generation,
        fetch: Fetch::Why {
            member_kind,
            member_id,
            member_name,
            group_id,
            group_name,
        },
    }]
}

/// After a relationship view was opened and toggled, keep only the latest fetch of the top view.
fn reload_top(m: &mut Model, _first: Vec<Command>) -> Vec<Command> {
    match m.top() {
        Some(v) => {
            let slot = v.slot;
            reload(m, slot)
        }
        None => vec![],
    }
}

fn single_line(text: &str) -> TextArea<'static> {
    let mut t = TextArea::new(vec![text.to_string()]);
    t.move_cursor(ratatui_textarea::CursorMove::End);
    t
}

fn open_query_bar(m: &mut Model) -> Vec<Command> {
    let Some(l) = m.top_list() else {
        m.status = Some("the query bar works on lists".into());
        return vec![];
    };
    if !l.source.queryable {
        m.status = Some("this list cannot be queried".into());
        return vec![];
    }
    let inputs = l
        .query
        .fields()
        .iter()
        .map(|(_, v)| single_line(v))
        .collect();
    m.overlay = Some(Overlay::QueryBar(Box::new(QueryBar {
        inputs,
        focus: 0,
        history_pos: None,
        completions: vec![],
        completion_inserts: vec![],
        completion_range: (0, 0),
        confirm: false,
        completion_sel: 0,
    })));
    vec![]
}

/// The query currently typed in a query bar.
pub fn query_of(q: &QueryBar) -> Query {
    let f = |i: usize| {
        q.inputs
            .get(i)
            .map(|t| t.lines().join(" "))
            .unwrap_or_default()
    };
    Query {
        filter: f(0),
        search: f(1),
        orderby: f(2),
        select: f(3),
        top: f(4),
    }
}

fn history_key(l: &ListView) -> String {
    // Relationship paths carry ids; key the history by the collection's shape.
    let p = l.source.path.clone();
    let mut parts: Vec<&str> = p.split('/').collect();
    if parts.len() > 3 {
        parts[2] = "{id}";
    }
    parts.join("/")
}

/// Opens help over whatever is shown (an overlay comes back when help closes).
fn open_help(m: &mut Model) -> Vec<Command> {
    m.help_scroll = 0;
    m.under_help = m.overlay.take().map(Box::new);
    m.overlay = Some(Overlay::Help);
    vec![]
}

fn overlay_action(m: &mut Model, a: Action) -> Vec<Command> {
    let Some(ov) = m.overlay.as_mut() else {
        return vec![];
    };
    match ov {
        Overlay::Help => {
            let close = match a {
                Action::Back | Action::Help | Action::Open => true,
                Action::Key(k) => k.code == KeyCode::Esc,
                Action::Down | Action::Scroll(1..) => {
                    m.help_scroll = m.help_scroll.saturating_add(1);
                    false
                }
                Action::Up | Action::Scroll(..=0) => {
                    m.help_scroll = m.help_scroll.saturating_sub(1);
                    false
                }
                Action::PageDown => {
                    m.help_scroll = m.help_scroll.saturating_add(10);
                    false
                }
                Action::PageUp => {
                    m.help_scroll = m.help_scroll.saturating_sub(10);
                    false
                }
                Action::Top => {
                    m.help_scroll = 0;
                    false
                }
                _ => false,
            };
            if close {
                // Back to the overlay help was opened over (the inspector, say).
                m.overlay = m.under_help.take().map(|b| *b);
            }
            vec![]
        }
        Overlay::Inspector(_) | Overlay::Text(_) | Overlay::Pick(_) if a == Action::Help => {
            open_help(m)
        }
        Overlay::Inspector(i) => {
            let n = m.exchanges.len();
            match a {
                Action::Back | Action::Inspector => m.overlay = None,
                Action::Up => {
                    i.selected = i.selected.saturating_sub(1);
                    i.scroll = 0;
                }
                Action::Down => {
                    i.selected = (i.selected + 1).min(n.saturating_sub(1));
                    i.scroll = 0;
                }
                Action::RawJson => {
                    i.raw = !i.raw;
                    i.scroll = 0;
                }
                Action::PageDown | Action::Scroll(1..) => i.scroll = i.scroll.saturating_add(10),
                Action::PageUp | Action::Scroll(..=0) => i.scroll = i.scroll.saturating_sub(10),
                Action::Copy => {
                    if let Some(x) = m.exchanges.get(i.selected) {
                        let c = curl_of(&x.method, &x.url, &x.request_headers);
                        m.status = Some("request copied as curl".into());
                        return vec![Command::Clipboard(c)];
                    }
                }
                Action::SupportBundle => {
                    let sel = i.selected;
                    return support_bundle(m, Some(sel));
                }
                Action::Key(k) if matches!(k.code, KeyCode::Char('p' | 'a')) => {
                    if let Some(x) = m.exchanges.get(i.selected) {
                        let (c, what) = if k.code == KeyCode::Char('p') {
                            let c = crate::doctor::copy_as_powershell(
                                &x.method,
                                &x.url,
                                &x.request_headers,
                                None,
                            );
                            (c, "PowerShell Invoke-MgGraphRequest")
                        } else {
                            let c = crate::doctor::copy_as_az_rest(
                                &x.method,
                                &x.url,
                                &x.request_headers,
                                None,
                            );
                            (c, "az rest")
                        };
                        m.status = Some(format!("request copied as {what}"));
                        return vec![Command::Clipboard(c)];
                    }
                }
                _ => {}
            }
            vec![]
        }
        Overlay::Pick(p) => {
            let n = p.items.len();
            match a {
                Action::Back => m.overlay = None,
                Action::Key(k) if k.code == KeyCode::Esc => m.overlay = None,
                Action::Up => p.selected = p.selected.saturating_sub(1),
                Action::Down => p.selected = (p.selected + 1).min(n.saturating_sub(1)),
                Action::Top => p.selected = 0,
                Action::Bottom => p.selected = n.saturating_sub(1),
                Action::Open => {
                    let line = p
                        .items
                        .get(p.selected)
                        .map(|(name, _)| format!("{} {name}", p.command));
                    m.overlay = None;
                    if let Some(line) = line {
                        return run_command(m, &line);
                    }
                }
                _ => {}
            }
            vec![]
        }
        Overlay::Text(t) => {
            match a {
                Action::Back | Action::Token | Action::Open => m.overlay = None,
                Action::Key(k) if k.code == KeyCode::Esc => m.overlay = None,
                Action::Down | Action::Scroll(1..) => t.scroll = t.scroll.saturating_add(1),
                Action::Up | Action::Scroll(..=0) => t.scroll = t.scroll.saturating_sub(1),
                Action::PageDown => t.scroll = t.scroll.saturating_add(10),
                Action::PageUp => t.scroll = t.scroll.saturating_sub(10),
                Action::Top => t.scroll = 0,
                Action::Copy => {
                    let text = t.lines.join("\n");
                    m.status = Some("copied the token view (claims only, never the token)".into());
                    return vec![Command::Clipboard(text)];
                }
                _ => {}
            }
            vec![]
        }
        Overlay::Menu(menu) => {
            let menu = *menu;
            let c = match a {
                Action::Key(k) => match k.code {
                    KeyCode::Char(c) => Some(c),
                    _ => None,
                },
                _ => None,
            };
            m.overlay = None;
            match (menu, c) {
                (Menu::Export, Some(c)) => export(m, c),
                (Menu::Copy, Some(c)) => copy(m, c),
                _ => vec![],
            }
        }
        Overlay::Columns(p) => {
            match a {
                Action::Back => m.overlay = None,
                Action::Up => p.cursor = p.cursor.saturating_sub(1),
                Action::Down => p.cursor = (p.cursor + 1).min(p.choices.len().saturating_sub(1)),
                Action::Key(k) if k.code == KeyCode::Char(' ') => {
                    if let Some(c) = p.choices.get_mut(p.cursor) {
                        c.1 = !c.1;
                    }
                }
                Action::Open => {
                    let cols: Vec<String> = p
                        .choices
                        .iter()
                        .filter(|(_, on)| *on)
                        .map(|(c, _)| c.clone())
                        .collect();
                    m.overlay = None;
                    if cols.is_empty() {
                        m.status = Some("pick at least one column".into());
                        return vec![];
                    }
                    let slot = m.top().map(|v| v.slot).unwrap_or(0);
                    if let Some(l) = top_list_mut(m) {
                        let mut select: Vec<String> = cols
                            .iter()
                            .filter(|c| !c.starts_with('@'))
                            .cloned()
                            .collect();
                        if !select.iter().any(|c| c == "id") {
                            select.push("id".into());
                        }
                        l.query.select = select.join(",");
                        l.columns = cols;
                        l.col = 0;
                    }
                    return reload(m, slot);
                }
                _ => {}
            }
            vec![]
        }
        Overlay::Palette(p) => match a {
            Action::Key(k) => match k.code {
                KeyCode::Esc => {
                    m.overlay = None;
                    vec![]
                }
                KeyCode::Enter => {
                    let line = p.input.lines().join(" ");
                    let cands = palette_candidates(&line);
                    let line = if !line.contains(' ')
                        && !COMMANDS.iter().any(|(c, _)| *c == line.trim())
                    {
                        cands.get(p.selected).map(|c| c.to_string()).unwrap_or(line)
                    } else {
                        line
                    };
                    m.overlay = None;
                    run_command(m, &line)
                }
                KeyCode::Tab => {
                    let line = p.input.lines().join(" ");
                    if let Some(c) = palette_candidates(&line).get(p.selected) {
                        p.input = single_line(&format!("{c} "));
                        p.selected = 0;
                    }
                    vec![]
                }
                KeyCode::Up => {
                    p.selected = p.selected.saturating_sub(1);
                    vec![]
                }
                KeyCode::Down => {
                    p.selected += 1;
                    let n = palette_candidates(&p.input.lines().join(" ")).len();
                    p.selected = p.selected.min(n.saturating_sub(1));
                    vec![]
                }
                _ => {
                    p.input.input(k);
                    p.selected = 0;
                    vec![]
                }
            },
            Action::Back => {
                m.overlay = None;
                vec![]
            }
            _ => vec![],
        },
        Overlay::QueryBar(_) => match a {
            Action::Key(k) => query_bar_key(m, k),
            Action::Back => {
                m.overlay = None;
                vec![]
            }
            _ => vec![],
        },
    }
}

fn query_bar_key(m: &mut Model, k: KeyEvent) -> Vec<Command> {
    let kind = m.top_list().map(|l| l.kind).unwrap_or(Kind::User);
    let path = m
        .top_list()
        .map(|l| l.source.current().to_string())
        .unwrap_or_default();
    let hkey = m.top_list().map(history_key).unwrap_or_default();
    let history = m.history.get(&hkey).cloned().unwrap_or_default();
    // Property names are ranked with the list's columns first.
    let columns: Vec<String> = m.top_list().map(|l| l.columns.clone()).unwrap_or_default();
    let preferred: Vec<&str> = columns.iter().map(String::as_str).collect();
    let last_status = m.status.clone();
    let Some(Overlay::QueryBar(q)) = m.overlay.as_mut() else {
        return vec![];
    };
    let nfields = q.inputs.len();
    match k.code {
        KeyCode::Esc => {
            if q.completions.is_empty() {
                m.overlay = None;
            } else {
                q.completions.clear();
            }
        }
        KeyCode::Enter => {
            if !q.completions.is_empty() {
                accept_completion(q);
                return vec![];
            }
            let query = query_of(q);
            let errors: Vec<usize> = query::diagnostics(&path, &query)
                .into_iter()
                .filter(|d| d.error)
                .map(|d| d.field)
                .collect();
            if !errors.is_empty() && !q.confirm {
                q.confirm = true;
                m.status = Some(format!(
                    "not run: {} error(s) in {}; Enter again sends it anyway",
                    errors.len(),
                    query::field_counts(&errors)
                ));
                return vec![];
            }
            m.overlay = None;
            let Some(v) = m.stack.last_mut() else {
                return vec![];
            };
            let slot = v.slot;
            if let Body::List(l) = &mut v.body {
                l.query = query.clone();
                l.sort = None;
                l.filter.clear();
            }
            if !query.is_empty() {
                let h = m.history.entry(hkey).or_default();
                let s = query.summary();
                h.retain(|x| *x != s);
                h.push(s);
                if h.len() > MAX_HISTORY {
                    h.remove(0);
                }
            }
            let mut cmds = reload(m, slot);
            cmds.push(Command::SaveHistory(m.history.clone()));
            return cmds;
        }
        KeyCode::Tab => {
            if !q.completions.is_empty() {
                accept_completion(q);
                return vec![];
            }
            // Asked for: also where nothing is typed yet (operators, values).
            let t = &q.inputs[q.focus];
            let text = t.lines().join(" ");
            let cursor: usize = text.chars().take(t.cursor().1).map(char::len_utf8).sum();
            let (range, items) =
                query::completions_for(kind, &path, q.focus, &text, cursor, &preferred, true);
            let before = text[..cursor].trim_end();
            let next = query::FIELD_NAMES[(q.focus + 1) % nfields];
            let nothing = format!("no completions here · Tab again moves to {next}");
            if !items.is_empty() {
                q.completion_range = (range.start, range.end);
                q.completions = items.iter().map(|(l, _)| l.clone()).collect();
                q.completion_inserts = items.into_iter().map(|(_, i)| i).collect();
                q.completion_sel = 0;
            } else if before.is_empty() || last_status.as_deref() == Some(nothing.as_str()) {
                q.focus = (q.focus + 1) % nfields;
                m.status = None;
            } else {
                m.status = Some(nothing);
            }
        }
        KeyCode::BackTab => {
            q.completions.clear();
            q.focus = (q.focus + nfields - 1) % nfields;
        }
        KeyCode::Up | KeyCode::Down if !q.completions.is_empty() => {
            let n = q.completions.len();
            q.completion_sel = if k.code == KeyCode::Up {
                (q.completion_sel + n - 1) % n
            } else {
                (q.completion_sel + 1) % n
            };
        }
        KeyCode::Up | KeyCode::Down => {
            if history.is_empty() {
                return vec![];
            }
            let pos = match (q.history_pos, k.code) {
                (None, KeyCode::Up) => history.len() - 1,
                (None, _) => return vec![],
                (Some(p), KeyCode::Up) => p.saturating_sub(1),
                (Some(p), _) => (p + 1).min(history.len() - 1),
            };
            q.history_pos = Some(pos);
            let h = Query::from_summary(&history[pos]);
            for (i, (_, v)) in h.fields().iter().enumerate() {
                q.inputs[i] = single_line(v);
            }
        }
        _ => {
            if let Some(t) = q.inputs.get_mut(q.focus) {
                t.input(k);
                q.confirm = false;
                if last_status
                    .as_deref()
                    .is_some_and(|s| s.starts_with("no completions here"))
                {
                    m.status = None;
                }
                let text = t.lines().join(" ");
                let col = t.cursor().1;
                let cursor: usize = text.chars().take(col).map(char::len_utf8).sum();
                let (range, items) = if matches!(k.code, KeyCode::Char(_)) {
                    query::completions_for(kind, &path, q.focus, &text, cursor, &preferred, false)
                } else {
                    (0..0, vec![])
                };
                q.completion_range = (range.start, range.end);
                q.completions = items.iter().map(|(l, _)| l.clone()).collect();
                q.completion_inserts = items.into_iter().map(|(_, i)| i).collect();
                q.completion_sel = 0;
            }
        }
    }
    vec![]
}

fn accept_completion(q: &mut QueryBar) {
    let Some(ins) = q.completion_inserts.get(q.completion_sel).cloned() else {
        return;
    };
    if let Some(t) = q.inputs.get_mut(q.focus) {
        let text = t.lines().join(" ");
        let (a, b) = q.completion_range;
        let (a, b) = (a.min(text.len()), b.min(text.len()));
        if text.is_char_boundary(a) && text.is_char_boundary(b) && a <= b {
            let new = format!("{}{ins}{}", &text[..a], &text[b..]);
            let n = text[..a].chars().count() + ins.chars().count();
            *t = single_line(&new);
            t.move_cursor(ratatui_textarea::CursorMove::Head);
            for _ in 0..n {
                t.move_cursor(ratatui_textarea::CursorMove::Forward);
            }
        }
    }
    q.completions.clear();
    q.completion_inserts.clear();
}

/// Palette commands matching what is typed.
pub fn palette_candidates(line: &str) -> Vec<&'static str> {
    let word = line.trim_start().split(' ').next().unwrap_or("");
    COMMANDS
        .iter()
        .map(|(c, _)| *c)
        .filter(|c| c.starts_with(word))
        .collect()
}

fn is_guid(s: &str) -> bool {
    uuid::Uuid::parse_str(s).is_ok()
}

fn quote(s: &str) -> String {
    s.replace('\'', "''")
}

fn run_command(m: &mut Model, line: &str) -> Vec<Command> {
    let line = line.trim().trim_start_matches(':');
    let (cmd, arg) = match line.split_once(' ') {
        Some((c, a)) => (c, a.trim()),
        None => (line, ""),
    };
    match cmd {
        "users" | "u" => open_collection(m, "Users", Kind::User, "/users", None),
        "groups" | "gr" => open_collection(m, "Groups", Kind::Group, "/groups", None),
        "me" => push_detail(m, Kind::User, "/me".into(), "me".into()),
        "user" if !arg.is_empty() => {
            if is_guid(arg) || arg.contains('@') {
                push_detail(
                    m,
                    Kind::User,
                    format!("/users/{arg}"),
                    format!("user {arg}"),
                )
            } else {
                let q = Query {
                    filter: format!(
                        "startsWith(displayName,'{0}') or startsWith(userPrincipalName,'{0}')",
                        quote(arg)
                    ),
                    ..Query::default()
                };
                open_collection(m, &format!("users '{arg}'"), Kind::User, "/users", Some(q))
            }
        }
        "group" if !arg.is_empty() => {
            if is_guid(arg) {
                push_detail(
                    m,
                    Kind::Group,
                    format!("/groups/{arg}"),
                    format!("group {arg}"),
                )
            } else {
                let q = Query {
                    filter: format!("startsWith(displayName,'{}')", quote(arg)),
                    ..Query::default()
                };
                open_collection(
                    m,
                    &format!("groups '{arg}'"),
                    Kind::Group,
                    "/groups",
                    Some(q),
                )
            }
        }
        "get" if !arg.is_empty() => {
            let path = match graph_target(arg, &m.header.graph_base) {
                Ok(p) => p,
                Err(e) => {
                    m.status = Some(e);
                    return vec![];
                }
            };
            let title = format!("get {path}");
            let cmds = push_detail(m, Kind::Object, path, title);
            if let Some(Body::Detail(d)) = m.stack.last_mut().map(|v| &mut v.body) {
                d.raw = true;
            }
            cmds
        }
        "ctx" if arg.is_empty() => {
            let mut items = m.contexts.clone();
            if !items.iter().any(|(n, _)| *n == m.header.profile) {
                items.insert(0, (m.header.profile.clone(), "in use".into()));
            }
            let selected = items
                .iter()
                .position(|(n, _)| *n == m.header.profile)
                .unwrap_or(0);
            m.overlay = Some(Overlay::Pick(Picker {
                title: format!(
                    "switch context (now: {} · tenant {} · {})",
                    m.header.profile, m.header.tenant_id, m.header.cloud
                ),
                items,
                selected,
                command: "ctx".into(),
            }));
            vec![]
        }
        "ctx" => {
            let mut words = arg.split_whitespace();
            let profile = words.next().unwrap_or_default();
            let profile = if profile == "." {
                m.header.profile.clone()
            } else {
                profile.to_string()
            };
            let tenant = words.next().map(str::to_string);
            let known =
                profile == m.header.profile || m.contexts.iter().any(|(n, _)| *n == profile);
            if !known {
                let names: Vec<&str> = m.contexts.iter().map(|(n, _)| n.as_str()).collect();
                m.status = Some(format!(
                    "no profile '{profile}' (known: {}; profiles live in the config file)",
                    if names.is_empty() {
                        "none".into()
                    } else {
                        names.join(", ")
                    }
                ));
                return vec![];
            }
            m.status = Some(format!("switching to profile {profile}…"));
            vec![Command::SwitchContext { profile, tenant }]
        }
        "token" => update(m, Action::Token),
        "get" | "user" | "group" => {
            m.status = Some(match cmd {
                "get" => {
                    "usage: :get PATH or pasted Graph URL, e.g. :get /users/{id}/manager".into()
                }
                "user" => "usage: :user UPN, id or the start of a name".into(),
                _ => "usage: :group id or the start of a name".into(),
            });
            vec![]
        }
        "history" => update(m, Action::Inspector),
        "export" => {
            let c = match arg.to_ascii_lowercase().as_str() {
                "json" => 'j',
                "ndjson" => 'n',
                "" | "csv" => 'c',
                other => {
                    m.status = Some(format!(
                        "export as what? '{other}' is not csv, json or ndjson"
                    ));
                    return vec![];
                }
            };
            export(m, c)
        }
        "help" => open_help(m),
        "quit" | "q" => {
            m.quit = true;
            vec![Command::Quit]
        }
        "" => vec![],
        _ if line.contains('@') || line.contains(' ') || line.chars().any(char::is_uppercase) => {
            // Quick jump: a name or UPN typed straight into the palette.
            let cmds = run_command(m, &format!("user {line}"));
            m.status = Some(format!("quick jump: users matching '{line}'"));
            cmds
        }
        _ if line.chars().count() >= 2
            && line
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | '\'')) =>
        {
            // A lowercase word: most likely a name too. Say it was not taken as a command.
            let cmds = run_command(m, &format!("user {line}"));
            m.status = Some(format!(
                "':{line}' is not a command: searching users named '{line}…' (Tab lists commands)"
            ));
            cmds
        }
        _ => {
            m.status = Some(format!(
                "unknown command ':{line}' (try :users, :groups, :me, :user NAME, :get PATH, :help)"
            ));
            vec![]
        }
    }
}

/// What `:get` sends for `s`: a path relative to the versioned root as is, a pasted URL of
/// the configured Graph host as the absolute URL (its own API version kept). A URL of any
/// other host is refused: the token goes only to the configured Graph host.
fn graph_target(s: &str, graph_base: &str) -> Result<String, String> {
    let s = s.trim();
    let Ok(u) = url::Url::parse(s) else {
        return Ok(strip_root(s));
    };
    let base = url::Url::parse(graph_base).map_err(|e| format!("bad Graph base: {e}"))?;
    if u.origin() != base.origin() {
        return Err(format!(
            "not sent: '{}' is not the Graph host of this context ({}); the token goes only there",
            crate::util::sanitize(u.host_str().unwrap_or("?")),
            base.origin().ascii_serialization()
        ));
    }
    let versioned = ["/v1.0/", "/beta/"].iter().any(|v| u.path().starts_with(v));
    if !versioned {
        return Err("not sent: a Graph URL starts with /v1.0/ or /beta/".into());
    }
    Ok(u.to_string())
}

/// Turns a pasted Graph URL into a path relative to the versioned root.
fn strip_root(s: &str) -> String {
    let s = s.trim();
    if let Ok(u) = url::Url::parse(s) {
        let mut p = u.path().to_string();
        for v in ["/v1.0", "/beta"] {
            if let Some(rest) = p.strip_prefix(v) {
                p = rest.to_string();
            }
        }
        match u.query() {
            Some(q) => format!("{p}?{q}"),
            None => p,
        }
    } else if s.starts_with('/') {
        s.to_string()
    } else {
        format!("/{s}")
    }
}

/// A curl command line for a request (Authorization left as a placeholder).
///
/// The doctor's "copy as curl": shell-quoted (a `'` in a `$filter` cannot end the quoting and
/// run what follows), `$TOKEN` in place of the token.
pub fn curl_of(method: &str, url: &str, headers: &[(String, String)]) -> String {
    crate::doctor::copy_as_curl(method, url, headers, None)
}

/// The support bundle of exchange `at` (else the newest failed one): to the clipboard and to
/// a 0600 file in the data directory.
fn support_bundle(m: &mut Model, at: Option<usize>) -> Vec<Command> {
    let x = match at {
        Some(i) => m.exchanges.get(i),
        None => m
            .exchanges
            .iter()
            .rev()
            .find(|x| x.failed() && !x.pending_poll()),
    };
    let Some(x) = x else {
        m.status = Some("no failed request yet: nothing to put in a support bundle".into());
        return vec![];
    };
    let h = &m.header;
    let tenant = h.tenant_name.as_deref().map_or(h.tenant_id.clone(), |n| {
        if h.tenant_id.is_empty() {
            n.to_string()
        } else {
            format!("{} ({n})", h.tenant_id)
        }
    });
    let root = h.graph_base.rsplit_once('/').map(|(r, _)| r);
    let custom = root.filter(|r| *r != h.cloud_kind.graph_root());
    let mut text = crate::doctor::support_bundle(&crate::doctor::BundleInput {
        method: &x.method,
        url: &x.url,
        request_headers: &x.request_headers,
        status: x.status,
        response_headers: &x.response_headers,
        body: &x.body,
        tenant: (!tenant.is_empty()).then_some(tenant.as_str()),
        cloud: h.cloud_kind,
        cloud_name: h.demo.then_some("sandbox (graphtui --demo)"),
        client_id: (!h.client_id.is_empty()).then_some(h.client_id.as_str()),
        graph_root: custom,
    });
    if let Some(e) = &x.error {
        text.push_str(&format!("transport error: {}\n", crate::util::sanitize(e)));
    }
    if let Some(d) = &x.diagnosis {
        text.push_str("\ndiagnosis (permission doctor, token decoded locally):\n");
        for l in d.lines() {
            text.push_str(&crate::util::sanitize(l));
            text.push('\n');
        }
    }
    vec![
        Command::Clipboard(text.clone()),
        Command::SaveBundle {
            exchange: x.id,
            contents: text,
        },
    ]
}

fn export(m: &mut Model, c: char) -> Vec<Command> {
    let Some(v) = m.top() else { return vec![] };
    let stem = v
        .title
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect::<String>();
    let (objects, columns, partial): (Vec<&Value>, Vec<String>, bool) = match &v.body {
        Body::List(l) => (
            l.order.iter().filter_map(|&i| l.rows.get(i)).collect(),
            l.columns.clone(),
            l.partial(),
        ),
        Body::Detail(d) => match &d.value {
            Some(v) => (
                vec![v],
                v.as_object()
                    .map(|o| o.keys().cloned().collect())
                    .unwrap_or_default(),
                false,
            ),
            None => return vec![],
        },
        Body::Why(_) => return vec![],
    };
    let n = objects.len();
    let single = matches!(v.body, Body::Detail(_));
    let (ext, contents) = match c {
        // One object exports as that object, a list as an array.
        'j' if single => (
            "json",
            serde_json::to_string_pretty(objects[0]).unwrap_or_default(),
        ),
        'j' => (
            "json",
            serde_json::to_string_pretty(&objects).unwrap_or_default(),
        ),
        'n' => (
            "ndjson",
            objects
                .iter()
                .map(|o| o.to_string())
                .collect::<Vec<_>>()
                .join("\n")
                + "\n",
        ),
        'c' => ("csv", to_csv(&objects, &columns)),
        _ => return vec![],
    };
    let rows = |n: usize| {
        if n == 1 {
            "1 row".to_string()
        } else {
            format!("{} rows", thousands(n as u64))
        }
    };
    let note = match (&v.body, partial) {
        (Body::List(l), true) => format!(
            "{}; PARTIAL: {} loaded{} (A loads all)",
            rows(n),
            thousands(l.rows.len() as u64),
            l.count.map_or_else(
                || ", more on the server".to_string(),
                |c| format!(" of {}", thousands(c))
            )
        ),
        (Body::List(l), false) if l.order.len() < l.rows.len() => format!(
            "{}: those matching the local filter '{}'",
            rows(n),
            l.filter
        ),
        (Body::List(_), false) => rows(n),
        _ => "1 object".to_string(),
    };
    m.status = Some(format!("exporting {note} as {ext}…"));
    vec![Command::Export {
        stem,
        extension: ext,
        contents,
        note,
    }]
}

/// CSV with a header row; fields quoted when needed (RFC 4180).
pub fn to_csv(objects: &[&Value], columns: &[String]) -> String {
    fn field(s: &str) -> String {
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    }
    let mut out = columns
        .iter()
        .map(|c| field(c))
        .collect::<Vec<_>>()
        .join(",");
    out.push('\n');
    for o in objects {
        let row: Vec<String> = columns
            .iter()
            .map(|c| {
                let s = match o.get(c) {
                    Some(Value::String(s)) => s.clone(),
                    None | Some(Value::Null) => String::new(),
                    Some(v) => v.to_string(),
                };
                field(&s)
            })
            .collect();
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}

fn copy(m: &mut Model, c: char) -> Vec<Command> {
    let base = m.header.graph_base.clone();
    let abs = |u: &str| {
        if u.starts_with("http://") || u.starts_with("https://") {
            u.to_string()
        } else {
            format!("{base}{u}")
        }
    };
    let Some(v) = m.top() else { return vec![] };
    let text = match (&v.body, c) {
        (Body::List(l), 'c') => l
            .selected()
            .map(|r| cell_text(l.columns.get(l.col).and_then(|c| r.get(c)))),
        (Body::List(l), 'r') => l.selected().map(|r| r.to_string()),
        (Body::List(l), 'i') => l.selected().and_then(object_id),
        (Body::List(l), 'u') => Some(curl_of("GET", &abs(&l.request_url), &l.request_headers)),
        (Body::Detail(d), 'r' | 'c') => d.value.as_ref().map(|v| v.to_string()),
        (Body::Detail(d), 'i') => d.value.as_ref().and_then(object_id),
        (Body::Detail(d), 'u') => Some(curl_of("GET", &abs(&d.path), &[])),
        _ => None,
    };
    match text {
        Some(t) => {
            m.status = Some(format!("copied {} characters", t.chars().count()));
            vec![Command::Clipboard(t)]
        }
        None => vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn model() -> Model {
        let mut m = Model::new(Header::default());
        m.height = 30;
        m
    }

    fn users(n: usize) -> Vec<Value> {
        (0..n)
            .map(|i| json!({"id": format!("id-{i}"), "displayName": format!("User {i:05}"), "userPrincipalName": format!("u{i}@contoso.com")}))
            .collect()
    }

    fn load(m: &mut Model, items: Vec<Value>, next: Option<&str>) {
        let v = m.stack.last().unwrap();
        let (slot, generation) = (v.slot, v.generation);
        update(
            m,
            Action::Page {
                slot,
                generation,
                items,
                count: Some(1000),
                next_link: next.map(str::to_string),
                first: true,
                more_coming: false,
            },
        );
    }

    /// The slot and generation of the one fetch in `cmds`.
    fn fetch_of(cmds: &[Command]) -> (u64, u64) {
        match cmds {
            [
                Command::Fetch {
                    slot, generation, ..
                },
            ] => (*slot, *generation),
            _ => panic!("one fetch expected: {cmds:?}"),
        }
    }

    /// Answers the fetch in `cmds` with a failure.
    fn fail_fetch(m: &mut Model, cmds: &[Command], message: &str) {
        let (slot, generation) = fetch_of(cmds);
        update(
            m,
            Action::Failed {
                slot,
                generation,
                message: message.into(),
                exchange: None,
            },
        );
    }

    /// Answers the fetch in `cmds` with one object.
    fn answer_fetch(m: &mut Model, cmds: &[Command], value: Value) {
        let (slot, generation) = fetch_of(cmds);
        update(
            m,
            Action::Object {
                slot,
                generation,
                value,
            },
        );
    }

    fn key(c: char) -> Action {
        Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
    }

    #[test]
    fn signed_in_opens_users_and_fetches() {
        let mut m = model();
        m.signin = Some(SignIn::default());
        let cmds = update(
            &mut m,
            Action::SignedIn {
                account: "admin@contoso.com".into(),
                tenant_name: Some("Contoso".into()),
                tenant_id: Some("tid".into()),
            },
        );
        assert!(m.signin.is_none());
        assert_eq!(m.stack.len(), 1);
        match &cmds[..] {
            [
                Command::Fetch {
                    fetch:
                        Fetch::Page {
                            request,
                            first: true,
                        },
                    ..
                },
            ] => {
                assert_eq!(
                    request.url,
                    "/users?$select=displayName,userPrincipalName,mail,jobTitle,department,id&$top=100"
                );
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn stale_generations_are_dropped() {
        let mut m = model();
        open_collection(&mut m, "Users", Kind::User, "/users", None);
        let slot = m.stack[0].slot;
        let old = m.stack[0].generation;
        update(&mut m, Action::Refresh);
        update(
            &mut m,
            Action::Page {
                slot,
                generation: old,
                items: users(3),
                count: None,
                next_link: None,
                first: true,
                more_coming: false,
            },
        );
        assert!(m.top_list().unwrap().rows.is_empty());
    }

    #[test]
    fn navigation_and_back_restores_cursor() {
        let mut m = model();
        open_collection(&mut m, "Users", Kind::User, "/users", None);
        load(&mut m, users(50), None);
        for _ in 0..30 {
            update(&mut m, Action::Down);
        }
        let l = m.top_list().unwrap();
        assert_eq!(l.cursor, 30);
        assert!(l.offset > 0 && l.cursor < l.offset + m.list_rows());
        let cmds = update(&mut m, Action::Open);
        assert_eq!(m.stack.len(), 2);
        assert!(
            matches!(&cmds[0], Command::Fetch { fetch: Fetch::Object(r), .. } if r.url == "/users/id-30")
        );
        let cmds = update(&mut m, Action::Back);
        assert!(matches!(cmds[0], Command::Cancel { .. }));
        assert_eq!(m.top_list().unwrap().cursor, 30);
    }

    #[test]
    fn end_of_partial_list_loads_next_page_with_headers() {
        let mut m = model();
        let q = Query {
            filter: "endsWith(mail,'@contoso.com')".into(),
            ..Query::default()
        };
        open_collection(&mut m, "Users", Kind::User, "/users", Some(q));
        load(&mut m, users(5), Some("http://x/next"));
        assert!(m.top_list().unwrap().partial());
        let cmds = update(&mut m, Action::Bottom);
        match &cmds[..] {
            [
                Command::Fetch {
                    fetch:
                        Fetch::Page {
                            request,
                            first: false,
                        },
                    ..
                },
            ] => {
                assert_eq!(request.url, "http://x/next");
                assert_eq!(request.headers[0].0, "ConsistencyLevel");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn cancel_load_all_drops_late_pages() {
        let mut m = model();
        open_collection(&mut m, "Users", Kind::User, "/users", None);
        load(&mut m, users(5), Some("http://x/next"));
        let c = update(&mut m, Action::LoadAll);
        let Some(Command::Fetch {
            slot, generation, ..
        }) = c.first().cloned()
        else {
            panic!("{c:?}")
        };
        let c = update(&mut m, Action::Cancel);
        assert_eq!(c, vec![Command::Cancel { slot }]);
        update(
            &mut m,
            Action::Page {
                slot,
                generation,
                items: users(3),
                count: None,
                next_link: Some("http://x/next2".into()),
                first: false,
                more_coming: true,
            },
        );
        let l = m.top_list().unwrap();
        assert_eq!(l.rows.len(), 5);
        assert_eq!(l.load, Load::Idle);
        assert!(m.status.as_deref().unwrap().contains("(partial)"));
    }

    #[test]
    fn local_filter_lists_rows_matching_as_written_first() {
        let mut m = model();
        open_collection(&mut m, "Groups", Kind::Group, "/groups", None);
        let rows = vec![
            json!({"id": "1", "displayName": "Lee Fernandes", "mail": "lee.fernandes@contoso.test"}),
            json!({"id": "2", "displayName": "Nestor Lopez"}),
            json!({"id": "3", "displayName": "Nest L1"}),
        ];
        load(&mut m, rows, None);
        update(&mut m, Action::LocalFilter);
        for c in "nest l".chars() {
            update(&mut m, key(c));
        }
        let l = m.top_list().unwrap();
        let names: Vec<String> = l.order.iter().map(|&i| display_name(&l.rows[i])).collect();
        // "Nest L1" and "Nestor Lopez" have "nest" and "l" as written; Lee only the letters.
        assert_eq!(names, ["Nestor Lopez", "Nest L1", "Lee Fernandes"]);
        update(&mut m, key('1'));
        let l = m.top_list().unwrap();
        assert_eq!(display_name(&l.rows[l.order[0]]), "Nest L1");
    }

    #[test]
    fn local_filter_is_fuzzy_and_sort_toggles() {
        let mut m = model();
        open_collection(&mut m, "Users", Kind::User, "/users", None);
        load(&mut m, users(200), None);
        update(&mut m, Action::LocalFilter);
        for c in "u0019".chars() {
            update(&mut m, key(c));
        }
        let l = m.top_list().unwrap();
        assert!(l.order.len() < 200 && !l.order.is_empty());
        assert!(
            l.order
                .iter()
                .any(|&i| display_name(&l.rows[i]) == "User 00019")
        );
        assert!(fuzzy_match("user 00019", "u019") && !fuzzy_match("user 00019", "zz"));
        // Terms match within one column, not across columns.
        assert!(row_matches("nest l1\u{1f}id-1\u{1f}", "nest l1"));
        assert!(!row_matches("nest l6\u{1f}id-1\u{1f}", "nest l1"));
        update(
            &mut m,
            Action::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
        );
        update(&mut m, Action::Sort);
        update(&mut m, Action::Sort);
        let l = m.top_list().unwrap();
        assert_eq!(l.sort, Some(("displayName".into(), false)));
        assert_eq!(display_name(&l.rows[l.order[0]]), "User 00199");
        // The selected row stays selected through the re-sort.
        assert_eq!(display_name(l.selected().unwrap()), "User 00019");
    }

    #[test]
    fn local_filter_typing_narrows_like_a_full_recompute() {
        let mut m = model();
        open_collection(&mut m, "Users", Kind::User, "/users", None);
        load(&mut m, users(300), None);
        update(&mut m, Action::Sort);
        update(&mut m, Action::LocalFilter);
        // The order kept while typing equals a full rebuild from scratch.
        let same_as_full = |m: &mut Model| {
            let Some(Body::List(l)) = m.stack.last_mut().map(|v| &mut v.body) else {
                panic!("list expected");
            };
            let kept = l.order.clone();
            l.sorted = None;
            recompute_order(l);
            assert_eq!(kept, l.order, "filter {:?}", l.filter);
            kept.len()
        };
        let mut shown = vec![];
        for c in "u 01é9".chars() {
            update(&mut m, key(c));
            shown.push(same_as_full(&mut m));
        }
        assert!(
            shown[0] == 300 && shown[3] < 300 && shown[4] == 0,
            "{shown:?}"
        );
        update(
            &mut m,
            Action::Key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE)),
        );
        update(
            &mut m,
            Action::Key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE)),
        );
        assert_eq!(m.top_list().unwrap().filter, "u 01");
        assert!(same_as_full(&mut m) > 0);
        // Retyping and backspacing to empty (orders restored from the undo stack).
        update(&mut m, key('5'));
        same_as_full(&mut m);
        for _ in 0..5 {
            update(
                &mut m,
                Action::Key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE)),
            );
            same_as_full(&mut m);
        }
        assert_eq!(same_as_full(&mut m), 300);
        assert!(fuzzy_match("zoë o'brien", "zë'b") && !fuzzy_match("zoë", "zeo"));
        assert!(row_matches_exactly("nest l1\u{1f}id\u{1f}", "nest l1"));
        assert!(!row_matches_exactly(
            "lee fernandes\u{1f}lee@contoso\u{1f}",
            "nest l"
        ));
        assert!(fuzzy_match("user 00019", "u 19") && !fuzzy_match("ab", "abc"));
    }

    #[test]
    fn relationships_push_views() {
        let mut m = model();
        open_collection(&mut m, "Users", Kind::User, "/users", None);
        load(&mut m, users(3), None);
        let c = update(&mut m, Action::Groups);
        assert!(
            matches!(&c[0], Command::Fetch { fetch: Fetch::Page { request, .. }, .. } if request.url.starts_with("/users/id-0/memberOf"))
        );
        let c = update(&mut m, Action::ToggleTransitive);
        assert!(
            matches!(&c[0], Command::Fetch { fetch: Fetch::Page { request, .. }, .. } if request.url.starts_with("/users/id-0/transitiveMemberOf"))
        );
        assert!(m.top().unwrap().title.ends_with("(transitive)"));
        update(&mut m, Action::Back);
        let c = update(&mut m, Action::ManagerChain);
        assert!(
            matches!(&c[0], Command::Fetch { fetch: Fetch::ManagerChain { user_id }, .. } if user_id == "id-0")
        );
        update(&mut m, Action::Back);
        update(&mut m, Action::Members);
        assert_eq!(m.stack.len(), 1, "members needs a group");
        assert!(m.status.as_deref().unwrap().contains("need a group"));
    }

    #[test]
    fn direct_reports_expand_and_collapse_as_a_tree() {
        let mut m = model();
        open_collection(&mut m, "Users", Kind::User, "/users", None);
        load(&mut m, users(1), None);
        update(&mut m, Action::DirectReports);
        load(&mut m, users(3), None);
        update(&mut m, Action::Down);
        let c = update(&mut m, Action::DirectReports);
        assert!(
            matches!(&c[0], Command::Fetch { fetch: Fetch::Children { parent_id, .. }, .. } if parent_id == "id-1")
        );
        let v = m.stack.last().unwrap();
        let (slot, generation) = (v.slot, v.generation);
        update(
            &mut m,
            Action::Children {
                slot,
                generation,
                parent_id: "id-1".into(),
                items: vec![json!({"id": "c1", "displayName": "Child"})],
            },
        );
        let l = m.top_list().unwrap();
        assert_eq!(l.rows.len(), 4);
        assert_eq!(object_id(&l.rows[2]).as_deref(), Some("c1"));
        assert_eq!(l.depth, vec![0, 0, 1, 0]);
        update(&mut m, Action::DirectReports);
        let l = m.top_list().unwrap();
        assert_eq!(l.rows.len(), 3);
        assert!(l.expanded.is_empty());
    }

    #[test]
    fn why_member_from_groups_list() {
        let mut m = model();
        open_collection(&mut m, "Users", Kind::User, "/users", None);
        load(&mut m, users(1), None);
        update(&mut m, Action::Groups);
        load(
            &mut m,
            vec![
                json!({"@odata.type": "#microsoft.graph.group", "id": "g1", "displayName": "Sales"}),
            ],
            None,
        );
        let c = update(&mut m, Action::WhyMember);
        assert!(
            matches!(&c[0], Command::Fetch { fetch: Fetch::Why { member_id, group_id, .. }, .. } if member_id == "id-0" && group_id == "g1")
        );
        assert_eq!(m.top().unwrap().title, "why is User 00000 in Sales");
    }

    #[test]
    fn query_bar_runs_and_keeps_history() {
        let mut m = model();
        open_collection(&mut m, "Users", Kind::User, "/users", None);
        update(&mut m, Action::QueryBar);
        for c in "endsWith(mail,'@x.com')".chars() {
            update(&mut m, key(c));
        }
        let cmds = update(
            &mut m,
            Action::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
        );
        assert!(m.overlay.is_none());
        assert!(m.top_list().unwrap().advanced);
        assert!(matches!(cmds.last(), Some(Command::SaveHistory(h)) if h["/users"].len() == 1));
        // Up in the query bar of a fresh /users list recalls it.
        open_collection(&mut m, "Users", Kind::User, "/users", None);
        update(&mut m, Action::QueryBar);
        update(
            &mut m,
            Action::Key(KeyEvent::new(KeyCode::Up, KeyModifiers::NONE)),
        );
        let Some(Overlay::QueryBar(q)) = &m.overlay else {
            panic!()
        };
        assert_eq!(q.inputs[0].lines()[0], "endsWith(mail,'@x.com')");
    }

    #[test]
    fn query_bar_refuses_broken_filter() {
        let mut m = model();
        open_collection(&mut m, "Users", Kind::User, "/users", None);
        update(&mut m, Action::QueryBar);
        for c in "startsWith(".chars() {
            update(&mut m, key(c));
        }
        let cmds = update(
            &mut m,
            Action::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
        );
        assert!(cmds.is_empty());
        assert!(m.status.as_deref().unwrap().starts_with("not run"));
        // A second Enter sends it anyway (the linter is advice).
        let cmds = update(
            &mut m,
            Action::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
        );
        assert!(matches!(cmds.first(), Some(Command::Fetch { .. })));
    }

    #[test]
    fn palette_commands() {
        let mut m = model();
        assert_eq!(palette_candidates("gr"), vec!["groups", "group"]);
        let c = run_command(&mut m, "user Adele");
        assert!(
            matches!(&c[0], Command::Fetch { fetch: Fetch::Page { request, .. }, .. } if request.url.contains("startsWith(displayName,'Adele')"))
        );
        m.header.graph_base = "https://graph.microsoft.com/v1.0".into();
        // A pasted URL of this context's Graph host goes as is (its API version kept).
        let c = run_command(
            &mut m,
            "get https://graph.microsoft.com/beta/organization?$select=id",
        );
        assert!(
            matches!(&c[0], Command::Fetch { fetch: Fetch::Object(r), .. } if r.url == "https://graph.microsoft.com/beta/organization?$select=id"),
            "{c:?}"
        );
        let c = run_command(&mut m, "get /organization?$select=id");
        assert!(
            matches!(&c[0], Command::Fetch { fetch: Fetch::Object(r), .. } if r.url == "/organization?$select=id")
        );
        // Another host never gets the request (nor the token).
        let views = m.stack.len();
        for foreign in [
            "get https://evil.example.com/v1.0/me",
            "get https://graph.microsoft.us/v1.0/me",
            "get http://graph.microsoft.com/v1.0/me",
        ] {
            assert!(run_command(&mut m, foreign).is_empty(), "{foreign}");
            assert!(
                m.status.as_deref().unwrap().starts_with("not sent"),
                "{foreign}"
            );
        }
        assert_eq!(m.stack.len(), views);
        let c = run_command(&mut m, "Megan Bowen");
        assert!(
            matches!(&c[0], Command::Fetch { fetch: Fetch::Page { request, .. }, .. } if request.url.contains("startsWith(displayName,'Megan%20Bowen')"))
        );
        // A lowercase word is a name search too, and says it is not a command.
        let c = run_command(&mut m, "megan");
        assert!(
            matches!(&c[0], Command::Fetch { fetch: Fetch::Page { request, .. }, .. } if request.url.contains("startsWith(displayName,'megan')"))
        );
        assert!(m.status.as_deref().unwrap().contains("is not a command"));
        run_command(&mut m, "/bogus?");
        assert!(m.status.as_deref().unwrap().contains("unknown command"));
    }

    #[test]
    fn load_all_after_the_first_page_restarts_with_pages_of_999_and_keeps_the_cursor() {
        let mut m = model();
        open_collection(&mut m, "Users", Kind::User, "/users", None);
        load(&mut m, users(100), Some("/users?$top=100&$skiptoken=x"));
        update(&mut m, Action::Down);
        update(&mut m, Action::Down);
        let c = update(&mut m, Action::LoadAll);
        let [
            Command::Fetch {
                fetch:
                    Fetch::All {
                        request,
                        first: true,
                    },
                ..
            },
        ] = &c[..]
        else {
            panic!("{c:?}");
        };
        assert!(request.url.contains("$top=999"), "{}", request.url);
        // The 999-row first page replaces the 100 rows; the cursor stays on row 2.
        let v = m.stack.last().unwrap();
        let (slot, generation) = (v.slot, v.generation);
        update(
            &mut m,
            Action::Page {
                slot,
                generation,
                items: users(999),
                count: Some(2500),
                next_link: Some("/users?$top=999&$skiptoken=y".into()),
                first: true,
                more_coming: true,
            },
        );
        let l = m.top_list().unwrap();
        assert_eq!((l.rows.len(), l.cursor), (999, 2));
        assert_eq!(m.header.paging, Some((1, Some(3))));
        // After more than one page, load all follows the next link instead.
        let mut m = model();
        open_collection(&mut m, "Users", Kind::User, "/users", None);
        load(&mut m, users(150), Some("/users?$top=100&$skiptoken=z"));
        let c = update(&mut m, Action::LoadAll);
        assert!(
            matches!(&c[..], [Command::Fetch { fetch: Fetch::All { request, first: false }, .. }] if request.url.ends_with("skiptoken=z")),
            "{c:?}"
        );
    }

    #[test]
    fn a_failed_new_query_does_not_leave_the_old_rows() {
        let mut m = model();
        open_collection(&mut m, "Users", Kind::User, "/users", None);
        load(&mut m, users(10), None);
        let cmds = update(&mut m, Action::Refresh);
        fail_fetch(&mut m, &cmds, "400 Request_BadRequest");
        let l = m.top_list().unwrap();
        assert!(l.rows.is_empty() && l.order.is_empty(), "{}", l.rows.len());
        // A failed next page keeps what was loaded.
        load(&mut m, users(10), Some("/users?$skiptoken=a"));
        let cmds = update(&mut m, Action::LoadMore);
        fail_fetch(&mut m, &cmds, "503");
        assert_eq!(m.top_list().unwrap().rows.len(), 10);
    }

    #[test]
    fn get_of_a_collection_becomes_a_list_and_json_export_of_an_object_is_the_object() {
        let mut m = model();
        let c = run_command(&mut m, "get /groups?$top=2");
        answer_fetch(
            &mut m,
            &c,
            json!({"value": [{"id": "g1", "displayName": "G1"}, {"id": "g2", "displayName": "G2"}],
                              "@odata.nextLink": "https://graph.microsoft.com/v1.0/groups?$top=2&$skiptoken=q"}),
        );
        let l = m.top_list().expect("a list");
        assert_eq!(l.kind, Kind::Group);
        assert_eq!(l.rows.len(), 2);
        assert!(l.partial(), "a next link: more to load");
        // An object exported as JSON is that object, not a one-element array.
        let mut m = model();
        let c = run_command(&mut m, "me");
        answer_fetch(&mut m, &c, json!({"id": "u1", "displayName": "Ann"}));
        let c = export(&mut m, 'j');
        let [Command::Export { contents, note, .. }] = &c[..] else {
            panic!("{c:?}");
        };
        assert!(contents.trim_start().starts_with('{'), "{contents}");
        assert_eq!(note, "1 object");
        assert!(run_command(&mut m, "export foo").is_empty());
        assert!(
            m.status
                .as_deref()
                .unwrap()
                .contains("not csv, json or ndjson")
        );
    }

    #[test]
    fn raw_json_search_moves_to_the_next_match_on_enter_and_n() {
        let mut m = model();
        run_command(&mut m, "me");
        let v = m.stack.last().unwrap();
        let (slot, generation) = (v.slot, v.generation);
        update(
            &mut m,
            Action::Object {
                slot,
                generation,
                value: json!({"a": "contoso 1", "b": "x", "c": "contoso 2", "d": "contoso 3"}),
            },
        );
        update(&mut m, Action::RawJson);
        update(&mut m, Action::LocalFilter);
        for c in "contoso".chars() {
            update(&mut m, key(c));
        }
        update(
            &mut m,
            Action::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
        );
        let cursor = |m: &Model| match &m.top().unwrap().body {
            Body::Detail(d) => d.cursor,
            _ => usize::MAX,
        };
        let first = cursor(&m);
        update(&mut m, Action::Open);
        let second = cursor(&m);
        update(&mut m, Action::LoadMore);
        let third = cursor(&m);
        assert!(first < second && second < third, "{first} {second} {third}");
    }

    #[test]
    fn failure_opens_inspector_and_is_shown() {
        let mut m = model();
        open_collection(&mut m, "Users", Kind::User, "/users", None);
        let v = m.stack.last().unwrap();
        let (slot, generation) = (v.slot, v.generation);
        update(
            &mut m,
            Action::Exchanged(Box::new(Exchange {
                id: 7,
                status: Some(403),
                ..Exchange::default()
            })),
        );
        update(
            &mut m,
            Action::Failed {
                slot,
                generation,
                message: "403 Authorization_RequestDenied".into(),
                exchange: Some(7),
            },
        );
        assert!(matches!(
            m.overlay,
            Some(Overlay::Inspector(Inspector { selected: 0, .. }))
        ));
        assert!(matches!(m.top_list().unwrap().load, Load::Failed { .. }));
    }

    #[test]
    fn copy_request_as_curl_is_absolute_and_redacted() {
        let mut m = model();
        m.header.graph_base = "https://graph.microsoft.com/v1.0".into();
        let q = Query {
            search: "\"displayName:ann\"".into(),
            ..Query::default()
        };
        open_collection(&mut m, "Users", Kind::User, "/users", Some(q));
        update(&mut m, Action::Copy);
        let c = update(&mut m, key('u'));
        let [Command::Clipboard(s)] = &c[..] else {
            panic!("{c:?}")
        };
        assert!(
            s.contains("curl -sS --globoff -X GET 'https://graph.microsoft.com/v1.0/users?"),
            "{s}"
        );
        assert!(s.contains("-H 'ConsistencyLevel: eventual'"), "{s}");
        assert!(s.contains("Bearer $TOKEN"), "{s}");
        let given = curl_of(
            "GET",
            "https://graph.microsoft.com/v1.0/me",
            &[("Authorization".into(), "Bearer secret".into())],
        );
        assert!(
            !given.contains("secret") && given.contains("$TOKEN"),
            "{given}"
        );
    }

    #[test]
    fn export_csv_quotes_fields() {
        let a = json!({"displayName": "O'Brien, Pat", "id": "1"});
        let csv = to_csv(&[&a], &["displayName".into(), "id".into()]);
        assert_eq!(csv, "displayName,id\n\"O'Brien, Pat\",1\n");
    }

    #[test]
    fn raw_json_folds() {
        let v = json!({"a": {"b": 1, "c": 2}, "d": [1, 2]});
        let all = visible_json_lines(&v, &[]);
        let folded = visible_json_lines(&v, &[1]);
        assert_eq!(all.len(), folded.len() + 3);
        assert!(folded[1].1.contains("…"));
    }
}
