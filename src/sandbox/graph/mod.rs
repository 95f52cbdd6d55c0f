//! Graph's directory API under `/v1.0` and `/beta`: routing of paths to handlers.

mod actions;
mod batch;
mod delta;
pub mod list;
pub mod render;

use crate::sandbox::errors::GraphError;
use crate::sandbox::permissions::{self as perm, Need};
use crate::sandbox::query::{self, Options, RuleSet};
use crate::sandbox::state::AppState;
use crate::sandbox::tenant::{Kind, ObjRef};
use crate::sandbox::tokens::{AccessGrant, Principal};
use list::{ListSpec, respond, respond_one};
use serde_json::Value;
use std::collections::HashSet;

/// One Graph request, after authentication.
pub struct GraphRequest<'a> {
    pub app: &'a AppState,
    pub grant: &'a AccessGrant,
    /// The token's permissions with implications applied.
    pub held: HashSet<&'static str>,
    pub method: &'a str,
    /// `v1.0` or `beta`.
    pub version: &'a str,
    /// The path after the version, starting with `/`, still percent-encoded.
    pub path: &'a str,
    /// The raw query string (no `?`).
    pub query: &'a str,
    /// Request headers (name, value).
    pub headers: &'a [(String, String)],
    pub body: Option<&'a Value>,
    /// `http://host:port`, from the request's Host header.
    pub base: &'a str,
    pub request_id: &'a str,
    pub client_request_id: &'a str,
    pub foreign_next_link: bool,
}

/// What a handler answers.
#[derive(Debug)]
pub enum Reply {
    /// 200 with a JSON body.
    Json(Value),
    /// 200 `text/plain` count (the `/$count` segment).
    Count(usize),
}

/// The user the path's key names, or 404 / 400.
fn user_key(req: &GraphRequest<'_>, key: &str) -> Result<u32, GraphError> {
    req.app
        .tenant
        .find_user(key)
        .ok_or_else(|| GraphError::not_found(key))
}

fn group_key(req: &GraphRequest<'_>, key: &str) -> Result<u32, GraphError> {
    if !crate::sandbox::rng::is_guid(key) {
        return Err(GraphError::bad_request(format!(
            "Invalid object identifier '{key}'."
        )));
    }
    req.app
        .tenant
        .find_group(key)
        .ok_or_else(|| GraphError::not_found(key))
}

fn need(req: &GraphRequest<'_>, n: Need) -> Result<(), GraphError> {
    perm::check(req.grant, n)
}

/// Guests may read single objects and follow links, but not list users or groups
/// (graph-facts §7, permissions reference), whatever their token holds.
fn deny_guest_listing(req: &GraphRequest<'_>) -> Result<(), GraphError> {
    match req.grant.principal {
        Principal::User(u) if req.app.tenant.users[u as usize].user_type == "Guest" => {
            Err(GraphError::forbidden())
        }
        _ => Ok(()),
    }
}

fn require_get(req: &GraphRequest<'_>) -> Result<(), GraphError> {
    if req.method == "GET" {
        Ok(())
    } else {
        Err(GraphError::method_not_allowed())
    }
}

/// Routes a request.
pub fn dispatch(req: &GraphRequest<'_>) -> Result<Reply, GraphError> {
    let segs: Vec<String> = req
        .path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(query::decode_path)
        .collect();
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    let o = query::parse(req.query, req.headers)?;
    match segs.as_slice() {
        [] => Err(GraphError::no_route("")),
        ["$batch"] => batch::run(req),
        ["me", rest @ ..] => {
            let Principal::User(u) = req.grant.principal else {
                return Err(GraphError::new(
                    axum::http::StatusCode::BAD_REQUEST,
                    "BadRequest",
                    "/me request is only valid with delegated authentication flow.",
                ));
            };
            user_routes(req, &o, u, true, rest)
        }
        ["users"] => {
            require_get(req)?;
            need(req, perm::USERS_READ)?;
            deny_guest_listing(req)?;
            users_list(req, &o, false)
        }
        ["users", "$count"] => {
            require_get(req)?;
            need(req, perm::USERS_READ)?;
            deny_guest_listing(req)?;
            users_list(req, &o, true)
        }
        ["users", d] if is_delta(d) => {
            require_get(req)?;
            need(req, perm::USERS_DELTA)?;
            delta::run(req, &o, Kind::User)
        }
        ["users", key, rest @ ..] => {
            let u = user_key(req, key)?;
            let is_self = matches!(req.grant.principal, Principal::User(me) if me == u);
            user_routes(req, &o, u, is_self, rest)
        }
        ["groups"] => {
            require_get(req)?;
            need(req, perm::GROUPS_READ)?;
            deny_guest_listing(req)?;
            groups_list(req, &o, false)
        }
        ["groups", "$count"] => {
            require_get(req)?;
            need(req, perm::GROUPS_READ)?;
            deny_guest_listing(req)?;
            groups_list(req, &o, true)
        }
        ["groups", d] if is_delta(d) => {
            require_get(req)?;
            need(req, perm::GROUPS_DELTA)?;
            delta::run(req, &o, Kind::Group)
        }
        ["groups", key, rest @ ..] => {
            let g = group_key(req, key)?;
            group_routes(req, &o, g, rest)
        }
        ["organization", rest @ ..] => {
            require_get(req)?;
            need(req, perm::ORGANIZATION)?;
            organization(req, &o, rest)
        }
        [
            set @ ("devices" | "servicePrincipals" | "directoryRoles"),
            rest @ ..,
        ] => {
            require_get(req)?;
            let (kind, n) = match *set {
                "devices" => (Kind::Device, perm::DEVICES),
                "servicePrincipals" => (Kind::ServicePrincipal, perm::SERVICE_PRINCIPALS),
                _ => (Kind::DirectoryRole, perm::DIRECTORY_ROLES),
            };
            need(req, n)?;
            other_routes(req, &o, kind, rest)
        }
        ["directoryObjects", action] if is_action(action, "getByIds") => {
            need(req, perm::GET_BY_IDS)?;
            actions::get_by_ids(req)
        }
        ["directoryObjects", key] => {
            require_get(req)?;
            need(req, perm::GET_BY_IDS)?;
            let r = req
                .app
                .tenant
                .find(key)
                .ok_or_else(|| GraphError::not_found(key))?;
            respond_one(req, &o, r, "directoryObjects", true)
        }
        [first, ..] => Err(GraphError::no_route(first)),
    }
}

/// `/organization` (a one-item collection) and `/organization/{id}`.
fn organization(req: &GraphRequest<'_>, o: &Options, rest: &[&str]) -> Result<Reply, GraphError> {
    let t = &req.app.tenant;
    let org = serde_json::json!({
        "id": t.tenant_id,
        "deletedDateTime": null,
        "businessPhones": [],
        "city": "Redmond",
        "country": null,
        "countryLetterCode": "US",
        "createdDateTime": "2016-01-01T00:00:00Z",
        "displayName": t.display_name,
        "preferredLanguage": "en",
        "tenantType": "AAD",
        "verifiedDomains": [{
            "capabilities": "Email, OfficeCommunicationsOnline",
            "isDefault": true,
            "isInitial": true,
            "name": t.domain,
            "type": "Managed",
        }],
    });
    let pick = |v: &Value| -> Result<Value, GraphError> {
        let Some(sel) = &o.select else {
            return Ok(v.clone());
        };
        let mut m = serde_json::Map::new();
        for s in sel {
            let key = v
                .as_object()
                .and_then(|obj| obj.keys().find(|k| k.eq_ignore_ascii_case(s)).cloned())
                .ok_or_else(|| render::select_error(s, "organization"))?;
            m.insert(key.clone(), v[&key].clone());
        }
        Ok(Value::Object(m))
    };
    let ctx = list::context_url(req, "organization", o.select.as_deref(), false);
    match rest {
        [] => Ok(Reply::Json(serde_json::json!({
            "@odata.context": ctx,
            "value": [pick(&org)?],
        }))),
        [id] if id.eq_ignore_ascii_case(&t.tenant_id) => {
            let mut v = pick(&org)?;
            if let Some(m) = v.as_object_mut() {
                m.insert(
                    "@odata.context".into(),
                    serde_json::json!(list::context_url(
                        req,
                        "organization",
                        o.select.as_deref(),
                        true
                    )),
                );
            }
            Ok(Reply::Json(v))
        }
        [id] => Err(GraphError::not_found(id)),
        [_, other, ..] => Err(GraphError::no_route(other)),
    }
}

/// Devices, service principals and directory roles: list, `$count`, one, role members.
fn other_routes(
    req: &GraphRequest<'_>,
    o: &Options,
    kind: Kind,
    rest: &[&str],
) -> Result<Reply, GraphError> {
    let t = &req.app.tenant;
    let n = match kind {
        Kind::Device => t.devices.len(),
        Kind::ServicePrincipal => t.service_principals.len(),
        _ => t.roles.len(),
    };
    let all = || {
        (0..n)
            .map(|i| ObjRef {
                kind,
                idx: i as u32,
            })
            .collect::<Vec<_>>()
    };
    let spec = |items, count_segment| ListSpec {
        items,
        set: RuleSet::Other(kind),
        context: kind.entity_set(),
        kind: Some(kind),
        with_type: false,
        count_segment,
    };
    match rest {
        [] => {
            deny_guest_listing(req)?;
            respond(req, o, spec(all(), false))
        }
        ["$count"] => respond(req, o, spec(all(), true)),
        [key, tail @ ..] => {
            let r = t
                .find(key)
                .filter(|r| r.kind == kind)
                .ok_or_else(|| GraphError::not_found(key))?;
            match tail {
                [] => respond_one(req, o, r, kind.entity_set(), false),
                ["members", cast @ ..] if kind == Kind::DirectoryRole => {
                    let members = t.roles[r.idx as usize]
                        .members
                        .iter()
                        .map(|u| ObjRef::user(*u as usize))
                        .collect();
                    relationship(req, o, members, cast)
                }
                [other, ..] => Err(GraphError::no_route(other)),
            }
        }
    }
}

fn is_delta(s: &str) -> bool {
    s == "delta" || s == "delta()" || s == "microsoft.graph.delta" || s == "microsoft.graph.delta()"
}

fn is_action(seg: &str, name: &str) -> bool {
    seg.strip_prefix("microsoft.graph.").unwrap_or(seg) == name
}

fn users_list(
    req: &GraphRequest<'_>,
    o: &Options,
    count_segment: bool,
) -> Result<Reply, GraphError> {
    let n = req.app.tenant.users.len();
    respond(
        req,
        o,
        ListSpec {
            items: (0..n).map(ObjRef::user).collect(),
            set: RuleSet::Users,
            context: "users",
            kind: Some(Kind::User),
            with_type: false,
            count_segment,
        },
    )
}

fn groups_list(
    req: &GraphRequest<'_>,
    o: &Options,
    count_segment: bool,
) -> Result<Reply, GraphError> {
    let n = req.app.tenant.groups.len();
    respond(
        req,
        o,
        ListSpec {
            items: (0..n).map(ObjRef::group).collect(),
            set: RuleSet::Groups,
            context: "groups",
            kind: Some(Kind::Group),
            with_type: false,
            count_segment,
        },
    )
}

/// Splits an optional OData cast and `$count` off a relationship path's tail.
fn cast_and_count(rest: &[&str]) -> Result<(Option<Kind>, bool), GraphError> {
    match rest {
        [] => Ok((None, false)),
        ["$count"] => Ok((None, true)),
        [cast] => Kind::from_cast(cast)
            .map(|k| (Some(k), false))
            .ok_or_else(|| GraphError::no_route(cast)),
        [cast, "$count"] => Kind::from_cast(cast)
            .map(|k| (Some(k), true))
            .ok_or_else(|| GraphError::no_route(cast)),
        [_, other, ..] => Err(GraphError::no_route(other)),
    }
}

/// A relationship collection (memberOf, members, ...), optionally cast to one kind.
/// An OData cast works without advanced mode here; the advanced-queries doc lists casts on
/// transitive lists among advanced scenarios but does not say what happens without it
/// [unverified], and such casts are widely used without the header.
fn relationship(
    req: &GraphRequest<'_>,
    o: &Options,
    items: Vec<ObjRef>,
    rest: &[&str],
) -> Result<Reply, GraphError> {
    require_get(req)?;
    let (cast, count_segment) = cast_and_count(rest)?;
    let (items, context, kind, with_type): (Vec<ObjRef>, &'static str, Option<Kind>, bool) =
        match cast {
            Some(k) => (
                items.into_iter().filter(|r| r.kind == k).collect(),
                k.entity_set(),
                Some(k),
                false,
            ),
            None => (items, "directoryObjects", None, true),
        };
    respond(
        req,
        o,
        ListSpec {
            items,
            set: RuleSet::Relationship,
            context,
            kind,
            with_type,
            count_segment,
        },
    )
}

fn user_routes(
    req: &GraphRequest<'_>,
    o: &Options,
    u: u32,
    is_self: bool,
    rest: &[&str],
) -> Result<Reply, GraphError> {
    let t = &req.app.tenant;
    let me = ObjRef::user(u as usize);
    let me_path = req.path.trim_start_matches('/').starts_with("me");
    match rest {
        [] => {
            require_get(req)?;
            // Reading oneself by id or UPN is the same as /me (User.Read suffices).
            need(
                req,
                if me_path || is_self {
                    perm::ME
                } else {
                    perm::USERS_READ
                },
            )?;
            respond_one(req, o, me, "users", false)
        }
        ["manager", tail @ ..] => {
            require_get(req)?;
            need(req, perm::MANAGER)?;
            let Some(m) = t.users[u as usize].manager else {
                return Err(GraphError::not_found("manager"));
            };
            match tail {
                [] => respond_one(req, o, ObjRef::user(m as usize), "directoryObjects", true),
                [other, ..] => Err(GraphError::no_route(other)),
            }
        }
        ["directReports", tail @ ..] => {
            need(
                req,
                if is_self {
                    perm::DIRECT_REPORTS_ME
                } else {
                    perm::DIRECT_REPORTS
                },
            )?;
            relationship(req, o, t.direct_reports(u), tail)
        }
        ["memberOf", tail @ ..] => {
            need(req, perm::USER_MEMBER_OF)?;
            relationship(req, o, t.direct_member_of(me).to_vec(), tail)
        }
        ["transitiveMemberOf", tail @ ..] => {
            need(req, perm::USER_TRANSITIVE_MEMBER_OF)?;
            relationship(req, o, t.transitive_member_of(me), tail)
        }
        ["ownedObjects", tail @ ..] => {
            need(req, perm::OWNED_OBJECTS)?;
            relationship(req, o, t.owned_objects(me), tail)
        }
        [action]
            if is_action(action, "getMemberGroups") || is_action(action, "checkMemberGroups") =>
        {
            need(
                req,
                if is_self {
                    perm::USER_MEMBER_GROUPS_ME
                } else {
                    perm::USER_MEMBER_GROUPS
                },
            )?;
            actions::member_groups(req, me, is_action(action, "checkMemberGroups"))
        }
        [other, ..] => Err(GraphError::no_route(other)),
    }
}

fn group_routes(
    req: &GraphRequest<'_>,
    o: &Options,
    g: u32,
    rest: &[&str],
) -> Result<Reply, GraphError> {
    let t = &req.app.tenant;
    let me = ObjRef::group(g as usize);
    match rest {
        [] => {
            require_get(req)?;
            need(req, perm::GROUPS_READ)?;
            respond_one(req, o, me, "groups", false)
        }
        ["members", tail @ ..] => {
            need(req, perm::GROUP_MEMBERS)?;
            relationship(req, o, t.members(g), tail)
        }
        ["transitiveMembers", tail @ ..] => {
            need(req, perm::GROUP_MEMBERS)?;
            relationship(req, o, t.transitive_members(g), tail)
        }
        ["owners", tail @ ..] => {
            need(req, perm::GROUP_OWNERS)?;
            relationship(req, o, t.groups[g as usize].owners.clone(), tail)
        }
        ["memberOf", tail @ ..] => {
            need(req, perm::GROUP_MEMBER_OF)?;
            relationship(req, o, t.direct_member_of(me).to_vec(), tail)
        }
        ["transitiveMemberOf", tail @ ..] => {
            need(req, perm::GROUP_MEMBER_OF)?;
            relationship(req, o, t.transitive_member_of(me), tail)
        }
        [action]
            if is_action(action, "getMemberGroups") || is_action(action, "checkMemberGroups") =>
        {
            need(req, perm::GROUP_MEMBER_GROUPS)?;
            actions::member_groups(req, me, is_action(action, "checkMemberGroups"))
        }
        [other, ..] => Err(GraphError::no_route(other)),
    }
}
