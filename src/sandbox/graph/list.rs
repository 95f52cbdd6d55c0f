//! Collection responses: rules, filtering, ordering, paging with absolute nextLinks,
//! `@odata.count`, and `/$count` segments.

use super::render::{Renderer, canonical_select, check_expand};
use super::{GraphRequest, Reply};
use crate::sandbox::errors::GraphError;
use crate::sandbox::query::{self, Options, RuleSet, encode_skiptoken};
use crate::sandbox::tenant::{Kind, ObjRef, properties_of};
use serde_json::{Map, Value, json};

/// Host used for nextLinks when the `foreign_next_link` fault is on.
pub const FOREIGN_HOST: &str = "https://graph.evil.example";

/// What a collection holds and how to describe it.
pub struct ListSpec {
    pub items: Vec<ObjRef>,
    pub set: RuleSet,
    /// The entity set in `@odata.context` (`users`, `groups`, `directoryObjects`).
    pub context: &'static str,
    /// One kind for `$select` validation, or None for mixed directoryObjects.
    pub kind: Option<Kind>,
    /// Put `@odata.type` on every item.
    pub with_type: bool,
    /// `$count` segment requested.
    pub count_segment: bool,
}

/// The `@odata.context` URL.
pub fn context_url(
    req: &GraphRequest<'_>,
    entity: &str,
    select: Option<&[String]>,
    single: bool,
) -> String {
    let mut s = format!("{}/{}/$metadata#{entity}", req.base, req.version);
    if let Some(sel) = select {
        s.push('(');
        s.push_str(&sel.join(","));
        s.push(')');
    }
    if single {
        s.push_str("/$entity");
    }
    s
}

/// The absolute URL of the next page: the request's URL with every option plus `$skiptoken`.
pub fn next_link(req: &GraphRequest<'_>, o: &Options, offset: usize) -> String {
    let host = if req.foreign_next_link {
        FOREIGN_HOST
    } else {
        req.base
    };
    let mut pairs = o.raw_pairs.clone();
    let token: String = percent_encoding::utf8_percent_encode(
        &encode_skiptoken(offset),
        percent_encoding::NON_ALPHANUMERIC,
    )
    .to_string();
    pairs.push(format!("$skiptoken={token}"));
    format!("{host}/{}{}?{}", req.version, req.path, pairs.join("&"))
}

/// Builds a collection response (or the count for a `/$count` segment).
pub fn respond(req: &GraphRequest<'_>, o: &Options, spec: ListSpec) -> Result<Reply, GraphError> {
    if spec.count_segment && !o.eventual {
        return Err(GraphError::bad_request(
            "$count is not currently supported.",
        ));
    }
    query::check_rules(spec.set, o)?;
    let select = match &o.select {
        Some(s) => Some(canonical_select(s, spec.kind)?),
        None => None,
    };
    if let Some(exp) = &o.expand {
        check_expand(exp, spec.kind.unwrap_or(Kind::User))?;
        if exp
            .iter()
            .any(|e| e.path.to_text().eq_ignore_ascii_case("manager"))
        {
            crate::sandbox::permissions::check(req.grant, crate::sandbox::permissions::MANAGER)?;
        }
    }
    let skip = o.skip()?;
    let t = &req.app.tenant;
    let needs_eval = o.filter.is_some() || o.search.is_some() || o.orderby.is_some();
    let items: Vec<ObjRef> = if needs_eval {
        // Only the properties the query looks at, in their canonical spelling.
        let props: Vec<&'static str> = query::referenced_properties(o)
            .iter()
            .filter_map(|p| {
                [
                    Kind::User,
                    Kind::Group,
                    Kind::Device,
                    Kind::ServicePrincipal,
                    Kind::DirectoryRole,
                ]
                .iter()
                .flat_map(|k| properties_of(*k).iter().copied())
                .find(|q| q.eq_ignore_ascii_case(p))
            })
            .collect();
        let with_json: Vec<(ObjRef, Value)> = spec
            .items
            .iter()
            .map(|r| {
                let mut m = Map::new();
                m.insert("@odata.type".into(), json!(r.kind.odata_type()));
                for p in &props {
                    m.insert(p.to_string(), t.prop(*r, p));
                }
                (*r, Value::Object(m))
            })
            .collect();
        query::apply(o, with_json)?
            .into_iter()
            .map(|(r, _)| r)
            .collect()
    } else {
        spec.items
    };
    let total = items.len();
    if spec.count_segment {
        return Ok(Reply::Count(total));
    }
    let mut page = o.page_size();
    if o.expand.is_some() {
        page = page.min(100);
    }
    let start = skip.min(total);
    let end = (start + page).min(total);
    let renderer = Renderer {
        tenant: t,
        held: &req.held,
        select: select.as_deref(),
        with_type: spec.with_type,
        expand: o.expand.as_deref(),
    };
    let values: Vec<Value> = items[start..end]
        .iter()
        .map(|r| renderer.render(*r))
        .collect();
    let mut out = Map::new();
    out.insert(
        "@odata.context".into(),
        json!(context_url(req, spec.context, select.as_deref(), false)),
    );
    if o.count && o.eventual && skip == 0 {
        out.insert("@odata.count".into(), json!(total));
    }
    if end < total {
        out.insert("@odata.nextLink".into(), json!(next_link(req, o, end)));
    }
    out.insert("value".into(), Value::Array(values));
    Ok(Reply::Json(Value::Object(out)))
}

/// A single-object response with `@odata.context` `…#<set>/$entity`.
pub fn respond_one(
    req: &GraphRequest<'_>,
    o: &Options,
    r: ObjRef,
    context: &str,
    with_type: bool,
) -> Result<Reply, GraphError> {
    let select = match &o.select {
        Some(s) => Some(canonical_select(
            s,
            if with_type { None } else { Some(r.kind) },
        )?),
        None => None,
    };
    if let Some(exp) = &o.expand {
        check_expand(exp, r.kind)?;
        if exp
            .iter()
            .any(|e| e.path.to_text().eq_ignore_ascii_case("manager"))
        {
            crate::sandbox::permissions::check(req.grant, crate::sandbox::permissions::MANAGER)?;
        }
    }
    let renderer = Renderer {
        tenant: &req.app.tenant,
        held: &req.held,
        select: select.as_deref(),
        with_type,
        expand: o.expand.as_deref(),
    };
    let body = renderer.render(r);
    let mut out = Map::new();
    out.insert(
        "@odata.context".into(),
        json!(context_url(req, context, select.as_deref(), true)),
    );
    if let Value::Object(m) = body {
        out.extend(m);
    }
    Ok(Reply::Json(Value::Object(out)))
}
