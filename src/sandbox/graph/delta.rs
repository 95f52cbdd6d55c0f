//! `users/delta` and `groups/delta`: a full sync in pages ending with a deltaLink; the
//! synthetic tenant never changes, so following a deltaLink gives no changes and a new link.

use super::list::{FOREIGN_HOST, context_url};
use super::render::{Renderer, canonical_select};
use super::{GraphRequest, Reply};
use crate::sandbox::errors::GraphError;
use crate::sandbox::query::Options;
use crate::sandbox::tenant::{Kind, ObjRef};
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};

/// Members listed in one group's `members@delta` (the service pages huge groups).
const MEMBERS_DELTA_CAP: usize = 1000;

fn sync_state_error() -> GraphError {
    // graph-facts §8: the code is syncStateNotFound; status and text are [unverified].
    GraphError::new(
        StatusCode::BAD_REQUEST,
        "syncStateNotFound",
        "The sync state is not found or has expired. Restart the sync.",
    )
}

/// Token payload: `offset|select list`.
fn encode(offset: usize, select: &[String]) -> String {
    URL_SAFE_NO_PAD.encode(format!("{offset}|{}", select.join(",")))
}

fn decode(token: &str) -> Option<(usize, Vec<String>)> {
    let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(token).ok()?).ok()?;
    let (off, sel) = raw.split_once('|')?;
    let select = sel
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    Some((off.parse().ok()?, select))
}

/// Serves one delta page.
pub fn run(req: &GraphRequest<'_>, o: &Options, kind: Kind) -> Result<Reply, GraphError> {
    let t = &req.app.tenant;
    let host = if req.foreign_next_link {
        FOREIGN_HOST
    } else {
        req.base
    };
    let set = kind.entity_set();
    let link =
        |name: &str, token: String| format!("{host}/{}/{set}/delta?${name}={token}", req.version);
    let select: Vec<String> = match &o.select {
        Some(s) => canonical_select(s, Some(kind))?,
        None => Vec::new(),
    };
    if let Some(dt) = &o.deltatoken {
        let sel = if dt == "latest" {
            select
        } else {
            decode(dt).ok_or_else(sync_state_error)?.1
        };
        let mut out = Map::new();
        out.insert(
            "@odata.context".into(),
            json!(context_url(
                req,
                set,
                (!sel.is_empty()).then_some(sel.as_slice()),
                false
            )),
        );
        out.insert(
            "@odata.deltaLink".into(),
            json!(link("deltatoken", encode(0, &sel))),
        );
        out.insert("value".into(), json!([]));
        return Ok(Reply::Json(Value::Object(out)));
    }
    let (offset, select) = match query_skiptoken(req.query) {
        Some(tok) => decode(&tok).ok_or_else(sync_state_error)?,
        None => (0, select),
    };
    if let Some(f) = &o.filter {
        // Only `id eq '…'` (or-ed) is supported on delta (graph-facts §8).
        let mut ok = true;
        f.walk(&mut |e| {
            if let crate::odata::ExprKind::Path(p) = &e.kind
                && !p.to_text().eq_ignore_ascii_case("id")
            {
                ok = false;
            }
        });
        if !ok {
            return Err(GraphError::unsupported_query(
                "Unsupported query. Only 'id eq' filters are supported on delta.",
            ));
        }
    }
    let total = match kind {
        Kind::User => t.users.len(),
        _ => t.groups.len(),
    };
    let page = o.top.unwrap_or(200).min(999);
    let start = offset.min(total);
    let end = (start + page).min(total);
    let renderer = Renderer {
        tenant: t,
        held: &req.held,
        select: (!select.is_empty()).then_some(select.as_slice()),
        with_type: false,
        expand: None,
    };
    let value: Vec<Value> = (start..end)
        .map(|i| {
            let r = ObjRef {
                kind,
                idx: i as u32,
            };
            let mut v = renderer.render(r);
            if kind == Kind::Group
                && let Some(obj) = v.as_object_mut()
            {
                let members: Vec<Value> = t.groups[i]
                    .members
                    .iter()
                    .take(MEMBERS_DELTA_CAP)
                    .map(|m| json!({"@odata.type": m.kind.odata_type(), "id": t.id_of(*m)}))
                    .collect();
                obj.insert("members@delta".into(), Value::Array(members));
            }
            v
        })
        .collect();
    let mut out = Map::new();
    out.insert(
        "@odata.context".into(),
        json!(context_url(
            req,
            set,
            (!select.is_empty()).then_some(select.as_slice()),
            false
        )),
    );
    if end < total {
        out.insert(
            "@odata.nextLink".into(),
            json!(link("skiptoken", encode(end, &select))),
        );
    } else {
        out.insert(
            "@odata.deltaLink".into(),
            json!(link("deltatoken", encode(0, &select))),
        );
    }
    out.insert("value".into(), Value::Array(value));
    Ok(Reply::Json(Value::Object(out)))
}

/// The raw `$skiptoken` of a delta request (the generic parser expects the paging form).
fn query_skiptoken(query: &str) -> Option<String> {
    query.split('&').find_map(|p| {
        let (k, v) = p.split_once('=')?;
        (crate::sandbox::query::decode(k).eq_ignore_ascii_case("$skiptoken"))
            .then(|| crate::sandbox::query::decode(v))
    })
}
