//! Turning directory objects into response JSON: `$select`, `@odata.type`, limited
//! information for objects the token may not read, and `$expand`.

use crate::odata::options::{ExpandItem, Levels};
use crate::sandbox::errors::GraphError;
use crate::sandbox::permissions::can_read_kind;
use crate::sandbox::tenant::{DEFAULT_USER_PROPERTIES, Kind, ObjRef, Tenant, properties_of};
use serde_json::{Map, Value, json};
use std::collections::HashSet;

/// Most objects an `$expand` of a collection-valued navigation returns (graph-facts §7).
pub const EXPAND_LIMIT: usize = 20;

/// The OData error for an unknown property in `$select` / `$expand`.
pub fn select_error(name: &str, type_name: &str) -> GraphError {
    GraphError::odata_bad_request(format!(
        "Parsing OData Select and Expand failed: Could not find a property named '{name}' on type 'microsoft.graph.{type_name}'."
    ))
}

/// Canonicalises a `$select` list for a kind (None = any directory kind). `*` selects all.
pub fn canonical_select(select: &[String], kind: Option<Kind>) -> Result<Vec<String>, GraphError> {
    let kinds: Vec<Kind> = match kind {
        Some(k) => vec![k],
        None => vec![
            Kind::User,
            Kind::Group,
            Kind::Device,
            Kind::ServicePrincipal,
            Kind::DirectoryRole,
        ],
    };
    let type_name = kind.map_or("directoryObject", Kind::type_name);
    select
        .iter()
        .map(|s| {
            if s == "*" {
                return Ok("*".to_string());
            }
            kinds
                .iter()
                .flat_map(|k| properties_of(*k).iter())
                .find(|p| p.eq_ignore_ascii_case(s))
                .map(|p| p.to_string())
                .ok_or_else(|| select_error(s, type_name))
        })
        .collect()
}

/// How to render objects for one response.
pub struct Renderer<'a> {
    pub tenant: &'a Tenant,
    pub held: &'a HashSet<&'static str>,
    pub select: Option<&'a [String]>,
    /// Put `@odata.type` on each object (directoryObject collections and single objects
    /// reached through a navigation property).
    pub with_type: bool,
    pub expand: Option<&'a [ExpandItem]>,
}

impl Renderer<'_> {
    /// One object as JSON.
    pub fn render(&self, r: ObjRef) -> Value {
        let mut out = Map::new();
        if self.with_type {
            out.insert("@odata.type".into(), json!(r.kind.odata_type()));
        }
        let names: Vec<&str> = match self.select {
            Some(sel) if !sel.iter().any(|s| s == "*") => sel.iter().map(String::as_str).collect(),
            _ if r.kind == Kind::User
                && !self.select.is_some_and(|s| s.iter().any(|x| x == "*")) =>
            {
                DEFAULT_USER_PROPERTIES.to_vec()
            }
            _ => properties_of(r.kind).to_vec(),
        };
        let readable = can_read_kind(self.held, r.kind);
        for n in names {
            if !properties_of(r.kind).contains(&n) {
                continue;
            }
            let v = self.tenant.prop(r, n);
            let v = if readable || n == "id" {
                v
            } else if v.is_array() {
                json!([])
            } else {
                Value::Null
            };
            out.insert(n.to_string(), v);
        }
        if let Some(expand) = self.expand {
            for item in expand {
                self.expand_into(&mut out, r, item);
            }
        }
        Value::Object(out)
    }

    fn expand_into(&self, out: &mut Map<String, Value>, r: ObjRef, item: &ExpandItem) {
        let name = item.path.to_text();
        let t = self.tenant;
        let nested_select: Option<Vec<String>> =
            item.options.select.as_ref().and_then(|(items, _)| {
                let names: Vec<String> = items.iter().map(|i| i.name()).collect();
                canonical_select(&names, None).ok()
            });
        let nested = Renderer {
            tenant: t,
            held: self.held,
            select: nested_select.as_deref(),
            with_type: true,
            expand: None,
        };
        let lower = name.to_ascii_lowercase();
        match (r.kind, lower.as_str()) {
            (Kind::User, "manager") => {
                let levels = match item.options.levels {
                    Some((Levels::Max, _)) => usize::MAX,
                    Some((Levels::Count(n), _)) => n as usize,
                    None => 1,
                };
                if let Some(v) = manager_chain(&nested, r.idx, levels) {
                    out.insert("manager".into(), v);
                }
            }
            (Kind::User, "directreports") => {
                let v: Vec<Value> = t
                    .direct_reports(r.idx)
                    .into_iter()
                    .take(EXPAND_LIMIT)
                    .map(|x| nested.render(x))
                    .collect();
                out.insert("directReports".into(), Value::Array(v));
            }
            (_, "memberof") => {
                let v: Vec<Value> = t
                    .direct_member_of(r)
                    .iter()
                    .take(EXPAND_LIMIT)
                    .map(|x| nested.render(*x))
                    .collect();
                out.insert("memberOf".into(), Value::Array(v));
            }
            (Kind::Group, "members") | (Kind::Group, "owners") => {
                let g = &t.groups[r.idx as usize];
                let list = if lower == "members" {
                    &g.members
                } else {
                    &g.owners
                };
                let v: Vec<Value> = list
                    .iter()
                    .take(EXPAND_LIMIT)
                    .map(|x| nested.render(*x))
                    .collect();
                out.insert(
                    if lower == "members" {
                        "members"
                    } else {
                        "owners"
                    }
                    .into(),
                    Value::Array(v),
                );
            }
            _ => {}
        }
    }
}

/// The manager of user `u`, with its own manager nested up to `levels` deep.
fn manager_chain(r: &Renderer<'_>, u: u32, levels: usize) -> Option<Value> {
    let mut chain = Vec::new();
    let mut cur = u;
    while chain.len() < levels {
        match r.tenant.users[cur as usize].manager {
            Some(m) => {
                chain.push(m);
                cur = m;
            }
            None => break,
        }
    }
    let mut inner: Option<Value> = None;
    for m in chain.into_iter().rev() {
        let mut v = r.render(ObjRef::user(m as usize));
        if let (Some(obj), Some(i)) = (v.as_object_mut(), inner.take()) {
            obj.insert("manager".into(), i);
        }
        inner = Some(v);
    }
    inner
}

/// Checks `$expand` items against what a kind can expand.
pub fn check_expand(items: &[ExpandItem], kind: Kind) -> Result<(), GraphError> {
    let allowed: &[&str] = match kind {
        Kind::User => &["manager", "directReports", "memberOf"],
        Kind::Group => &["members", "owners", "memberOf"],
        _ => &["memberOf"],
    };
    for i in items {
        let name = i.path.to_text();
        if !allowed.iter().any(|a| a.eq_ignore_ascii_case(&name)) {
            return Err(select_error(&name, kind.type_name()));
        }
        if let Some((sel, _)) = &i.options.select {
            if i.options.levels.is_none() && name.eq_ignore_ascii_case("manager") {
                // graph-facts §7: $levels is required when $select is nested in manager.
                return Err(GraphError::odata_bad_request(
                    "The $levels query option is required when $select is nested in $expand of manager.",
                ));
            }
            let names: Vec<String> = sel.iter().map(|s| s.name()).collect();
            canonical_select(&names, None)?;
        }
    }
    Ok(())
}
