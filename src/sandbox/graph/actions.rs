//! POST actions: getMemberGroups, checkMemberGroups, directoryObjects/getByIds.

use super::render::Renderer;
use super::{GraphRequest, Reply};
use crate::sandbox::errors::GraphError;
use crate::sandbox::tenant::{Kind, ObjRef};
use serde_json::{Value, json};

fn body<'a>(req: &'a GraphRequest<'_>) -> Result<&'a Value, GraphError> {
    if req.method != "POST" {
        return Err(GraphError::method_not_allowed());
    }
    req.body
        .ok_or_else(|| GraphError::odata_bad_request("Empty Payload. JSON content expected."))
}

fn strings_context(req: &GraphRequest<'_>) -> String {
    format!(
        "{}/{}/$metadata#Collection(Edm.String)",
        req.base, req.version
    )
}

/// `getMemberGroups` (all groups, transitive) and `checkMemberGroups` (which of the given).
pub fn member_groups(req: &GraphRequest<'_>, r: ObjRef, check: bool) -> Result<Reply, GraphError> {
    let b = body(req)?;
    let t = &req.app.tenant;
    let all = t.transitive_member_of(r);
    if check {
        let ids = b.get("groupIds").and_then(Value::as_array).ok_or_else(|| {
            GraphError::bad_request("Invalid request: the 'groupIds' parameter is missing.")
        })?;
        if ids.len() > 20 {
            // The docs give the limit (20); the exact error text is [unverified].
            return Err(GraphError::bad_request(
                "The number of group ids in checkMemberGroups cannot exceed 20.",
            ));
        }
        let value: Vec<Value> = ids
            .iter()
            .filter_map(Value::as_str)
            .filter(|id| {
                all.iter()
                    .any(|g| g.kind == Kind::Group && t.id_of(*g).eq_ignore_ascii_case(id))
            })
            .map(|id| json!(id))
            .collect();
        return Ok(Reply::Json(json!({
            "@odata.context": strings_context(req),
            "value": value,
        })));
    }
    let security_only = match b.get("securityEnabledOnly") {
        Some(Value::Bool(v)) => *v,
        None | Some(Value::Null) => false,
        Some(_) => {
            return Err(GraphError::bad_request(
                "Invalid value for parameter 'securityEnabledOnly'.",
            ));
        }
    };
    // The doc says a user must pass `true`; the sandbox accepts both and filters.
    let value: Vec<Value> = all
        .iter()
        .filter(|g| match g.kind {
            Kind::Group => !security_only || t.groups[g.idx as usize].security_enabled,
            Kind::DirectoryRole => !security_only,
            _ => false,
        })
        .map(|g| json!(t.id_of(*g)))
        .collect();
    Ok(Reply::Json(json!({
        "@odata.context": strings_context(req),
        "value": value,
    })))
}

/// `POST /directoryObjects/getByIds` with `{"ids":[...],"types":[...]}`.
pub fn get_by_ids(req: &GraphRequest<'_>) -> Result<Reply, GraphError> {
    let b = body(req)?;
    let t = &req.app.tenant;
    let ids = b.get("ids").and_then(Value::as_array).ok_or_else(|| {
        GraphError::bad_request("Invalid request: the 'ids' parameter is missing.")
    })?;
    if ids.len() > 1000 {
        return Err(GraphError::bad_request(
            "The number of ids in getByIds cannot exceed 1000.",
        ));
    }
    let types: Option<Vec<String>> = b.get("types").and_then(Value::as_array).map(|a| {
        a.iter()
            .filter_map(Value::as_str)
            .map(|s| {
                s.trim_start_matches("microsoft.graph.")
                    .to_ascii_lowercase()
            })
            .collect()
    });
    let renderer = Renderer {
        tenant: t,
        held: &req.held,
        select: None,
        with_type: true,
        expand: None,
    };
    let value: Vec<Value> = ids
        .iter()
        .filter_map(Value::as_str)
        .filter_map(|id| t.find(id))
        .filter(|r| {
            types.as_ref().is_none_or(|ts| {
                ts.iter()
                    .any(|k| k.eq_ignore_ascii_case(r.kind.type_name()))
            })
        })
        .map(|r| renderer.render(r))
        .collect();
    Ok(Reply::Json(json!({
        "@odata.context": format!("{}/{}/$metadata#directoryObjects", req.base, req.version),
        "value": value,
    })))
}
