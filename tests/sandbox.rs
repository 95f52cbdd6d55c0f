//! The sandbox tenant over HTTP: every endpoint, query option, error and fault, driven with
//! a plain reqwest client against an in-process server on 127.0.0.1.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use graphtui::odata::capabilities::{BaseType, Entity, FilterOp, Mode, Property, capabilities};
use graphtui::odata::lint::{self, Severity};
use graphtui::sandbox::{
    PUBLIC_CLIENT_ID, SANDBOX_APP_ID, SANDBOX_APP_SECRET, SANDBOX_LIMITED_APP_ID, Sandbox,
    SandboxConfig,
};
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};

const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
const ALL_SCOPES: &str = "User.Read User.ReadBasic.All User.Read.All GroupMember.Read.All Group.Read.All Directory.Read.All offline_access openid profile";

fn client() -> Client {
    Client::builder().no_proxy().build().unwrap()
}

async fn start(scenario: Option<&str>) -> Sandbox {
    Sandbox::start(SandboxConfig {
        users: 300,
        scenario: scenario.map(str::to_string),
        ..Default::default()
    })
    .await
    .unwrap()
}

async fn devicecode(
    c: &Client,
    sb: &Sandbox,
    tenant: &str,
    client_id: &str,
    scope: &str,
) -> Response {
    c.post(format!("{}/{tenant}/oauth2/v2.0/devicecode", sb.url()))
        .form(&[("client_id", client_id), ("scope", scope)])
        .send()
        .await
        .unwrap()
}

async fn poll(c: &Client, sb: &Sandbox, device_code: &str) -> Response {
    c.post(format!("{}/organizations/oauth2/v2.0/token", sb.url()))
        .form(&[
            ("grant_type", DEVICE_GRANT),
            ("client_id", PUBLIC_CLIENT_ID),
            ("device_code", device_code),
        ])
        .send()
        .await
        .unwrap()
}

/// A full device-code sign-in in the default scenario; returns the token response.
async fn sign_in(c: &Client, sb: &Sandbox, scope: &str) -> Value {
    let dc: Value = devicecode(c, sb, "organizations", PUBLIC_CLIENT_ID, scope)
        .await
        .json()
        .await
        .unwrap();
    let code = dc["device_code"].as_str().unwrap().to_string();
    for _ in 0..2 {
        let r = poll(c, sb, &code).await;
        assert_eq!(r.status(), 400);
    }
    let r = poll(c, sb, &code).await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

async fn user_token(c: &Client, sb: &Sandbox) -> String {
    sign_in(c, sb, ALL_SCOPES).await["access_token"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn app_token(c: &Client, sb: &Sandbox, app: &str) -> String {
    let r = c
        .post(format!("{}/{}/oauth2/v2.0/token", sb.url(), sb.tenant_id()))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", app),
            ("client_secret", SANDBOX_APP_SECRET),
            ("scope", &format!("{}/.default", sb.url())),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    v["access_token"].as_str().unwrap().to_string()
}

async fn get(c: &Client, sb: &Sandbox, token: &str, path: &str) -> Response {
    c.get(format!("{}{path}", sb.url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn get_eventual(c: &Client, sb: &Sandbox, token: &str, path: &str) -> Response {
    c.get(format!("{}{path}", sb.url()))
        .bearer_auth(token)
        .header("ConsistencyLevel", "eventual")
        .send()
        .await
        .unwrap()
}

async fn json_of(r: Response) -> Value {
    r.json().await.unwrap()
}

fn claims(jwt: &str) -> (Value, Value, String) {
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3);
    let h = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    let p = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    let s = String::from_utf8(URL_SAFE_NO_PAD.decode(parts[2]).unwrap()).unwrap();
    (h, p, s)
}

fn assert_aad(v: &Value, error: &str, code: u64, text_start: &str) {
    assert_eq!(v["error"], error, "{v}");
    let d = v["error_description"].as_str().unwrap();
    assert!(d.starts_with(&format!("AADSTS{code}: {text_start}")), "{d}");
    let trace = v["trace_id"].as_str().unwrap();
    let corr = v["correlation_id"].as_str().unwrap();
    let ts = v["timestamp"].as_str().unwrap();
    assert!(d.ends_with(&format!(
        "\r\nTrace ID: {trace}\r\nCorrelation ID: {corr}\r\nTimestamp: {ts}"
    )));
    assert_eq!(v["error_codes"], json!([code]));
    assert_eq!(ts.len(), 20);
    assert!(ts.ends_with('Z') && ts.as_bytes()[10] == b' ');
    assert_eq!(
        v["error_uri"],
        format!("https://login.microsoftonline.com/error?code={code}")
    );
}

async fn assert_graph_error(r: Response, status: u16, code: &str, message: &str) -> Value {
    assert_eq!(r.status().as_u16(), status);
    let rid = r.headers()["request-id"].to_str().unwrap().to_string();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], code, "{v}");
    assert_eq!(v["error"]["message"], message, "{v}");
    let inner = &v["error"]["innerError"];
    assert_eq!(inner["request-id"], rid);
    assert!(inner["client-request-id"].is_string());
    if status != 429 {
        let date = inner["date"].as_str().unwrap();
        assert_eq!(date.len(), 19, "{date}");
        assert!(!date.ends_with('Z'));
    }
    v
}

// ------------------------------------------------------------------------------------------
// Identity platform

#[tokio::test]
async fn openid_configuration_and_unknown_tenant() {
    let sb = start(None).await;
    let c = client();
    for tenant in [
        sb.tenant_id(),
        sb.domain(),
        "common".into(),
        "organizations".into(),
    ] {
        let r = c
            .get(format!(
                "{}/{tenant}/v2.0/.well-known/openid-configuration",
                sb.url()
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let v: Value = r.json().await.unwrap();
        assert_eq!(
            v["device_authorization_endpoint"],
            format!("{}/{tenant}/oauth2/v2.0/devicecode", sb.url())
        );
        assert_eq!(
            v["token_endpoint"],
            format!("{}/{tenant}/oauth2/v2.0/token", sb.url())
        );
    }
    let r = devicecode(
        &c,
        &sb,
        "nosuch.onmicrosoft.com",
        PUBLIC_CLIENT_ID,
        "User.Read",
    )
    .await;
    assert_eq!(r.status(), 400);
    assert!(r.headers().contains_key("x-ms-request-id"));
    assert_aad(
        &json_of(r).await,
        "invalid_request",
        90002,
        "Tenant 'nosuch.onmicrosoft.com' not found.",
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn device_code_flow_issues_v1_graph_tokens() {
    let sb = start(None).await;
    let c = client();
    let r = devicecode(&c, &sb, &sb.tenant_id(), PUBLIC_CLIENT_ID, ALL_SCOPES).await;
    assert_eq!(r.status(), 200);
    let dc: Value = r.json().await.unwrap();
    let code = dc["user_code"].as_str().unwrap();
    assert_eq!(code.len(), 9);
    assert_eq!(dc["verification_uri"], "https://microsoft.com/devicelogin");
    assert_eq!(dc["expires_in"], 900);
    assert_eq!(dc["interval"], 5);
    assert!(dc.get("verification_uri_complete").is_none());
    assert_eq!(
        dc["message"],
        format!(
            "To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code {code} to authenticate."
        )
    );
    let device_code = dc["device_code"].as_str().unwrap();
    for _ in 0..2 {
        let r = poll(&c, &sb, device_code).await;
        assert_eq!(r.status(), 400);
        assert_aad(
            &json_of(r).await,
            "authorization_pending",
            70016,
            "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
        );
    }
    let r = poll(&c, &sb, device_code).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store, no-cache");
    let t: Value = r.json().await.unwrap();
    assert_eq!(t["token_type"], "Bearer");
    assert_eq!(t["expires_in"], 3599);
    assert!(t["ext_expires_in"].is_i64());
    assert!(t["refresh_token"].is_string());
    assert!(t["id_token"].is_string());
    assert!(
        t["scope"]
            .as_str()
            .unwrap()
            .starts_with("User.Read User.ReadBasic.All")
    );
    let (h, p, sig) = claims(t["access_token"].as_str().unwrap());
    assert!(h["nonce"].is_string());
    assert_eq!(sig, "sandbox-signature-not-valid");
    assert_eq!(
        p["iss"],
        format!("https://sts.windows.net/{}/", sb.tenant_id())
    );
    assert_eq!(p["tid"], sb.tenant_id());
    assert_eq!(p["upn"], sb.demo_user_upn());
    assert_eq!(p["unique_name"], sb.demo_user_upn());
    assert_eq!(p["name"], "Megan Bowen");
    assert_eq!(p["appid"], PUBLIC_CLIENT_ID);
    assert_eq!(p["ver"], "1.0");
    assert_eq!(p["aud"], "00000003-0000-0000-c000-000000000000");
    assert!(p["scp"].as_str().unwrap().contains("Directory.Read.All"));
    assert_eq!(p["wids"].as_array().unwrap().len(), 2);
    assert!(p["oid"].is_string() && p.get("roles").is_none());
    let (iat, nbf, exp) = (
        p["iat"].as_i64().unwrap(),
        p["nbf"].as_i64().unwrap(),
        p["exp"].as_i64().unwrap(),
    );
    assert!(iat == nbf && exp - iat == 3599);
    // The code is used up.
    let r = poll(&c, &sb, device_code).await;
    assert_aad(
        &json_of(r).await,
        "invalid_grant",
        90120,
        "The request was already authorized",
    );
    // An unknown device code.
    let r = poll(&c, &sb, "nope").await;
    assert_aad(
        &json_of(r).await,
        "bad_verification_code",
        70018,
        "Invalid verification code",
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn device_code_errors_for_clients() {
    let sb = start(None).await;
    let c = client();
    let r = devicecode(
        &c,
        &sb,
        "common",
        "11111111-2222-3333-4444-555555555555",
        "User.Read",
    )
    .await;
    assert_eq!(r.status(), 400);
    assert_aad(
        &json_of(r).await,
        "unauthorized_client",
        700016,
        "Application with identifier '11111111-2222-3333-4444-555555555555' was not found in the directory",
    );
    // A confidential app cannot redeem a device code without a secret.
    let dc: Value =
        json_of(devicecode(&c, &sb, "organizations", SANDBOX_APP_ID, "User.Read").await).await;
    let r = c
        .post(format!("{}/organizations/oauth2/v2.0/token", sb.url()))
        .form(&[
            ("grant_type", DEVICE_GRANT),
            ("client_id", SANDBOX_APP_ID),
            ("device_code", dc["device_code"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_aad(
        &json_of(r).await,
        "invalid_client",
        7000218,
        "The request body must contain",
    );
    let r = c
        .post(format!("{}/common/oauth2/v2.0/token", sb.url()))
        .form(&[
            ("grant_type", DEVICE_GRANT),
            ("client_id", PUBLIC_CLIENT_ID),
            ("client_secret", "x"),
            ("device_code", "y"),
        ])
        .send()
        .await
        .unwrap();
    assert_aad(
        &json_of(r).await,
        "invalid_client",
        700025,
        "Client is public",
    );
    let r = c
        .post(format!("{}/common/oauth2/v2.0/token", sb.url()))
        .form(&[("grant_type", "password"), ("client_id", PUBLIC_CLIENT_ID)])
        .send()
        .await
        .unwrap();
    assert_aad(
        &json_of(r).await,
        "unsupported_grant_type",
        70003,
        "The app requested",
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn manual_approval_and_decline_through_control() {
    let sb = start(Some("manual-approve")).await;
    let c = client();
    let dc: Value =
        json_of(devicecode(&c, &sb, "common", PUBLIC_CLIENT_ID, "User.Read").await).await;
    let code = dc["device_code"].as_str().unwrap();
    for _ in 0..4 {
        assert_eq!(poll(&c, &sb, code).await.status(), 400);
    }
    let r = c
        .post(format!("{}/_sandbox/device/approve", sb.url()))
        .json(&json!({"user_code": dc["user_code"], "user": "patti.fernandez@contoso-sandbox.onmicrosoft.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let t: Value = json_of(poll(&c, &sb, code).await).await;
    let (_, p, _) = claims(t["access_token"].as_str().unwrap());
    assert_eq!(p["upn"], "patti.fernandez@contoso-sandbox.onmicrosoft.com");
    assert_eq!(p["scp"], "User.Read");
    assert!(t.get("refresh_token").is_none());
    // Decline.
    let dc: Value =
        json_of(devicecode(&c, &sb, "common", PUBLIC_CLIENT_ID, "User.Read").await).await;
    c.post(format!("{}/_sandbox/device/decline", sb.url()))
        .send()
        .await
        .unwrap();
    let r = poll(&c, &sb, dc["device_code"].as_str().unwrap()).await;
    assert_aad(&json_of(r).await, "authorization_declined", 70000, "");
    // A guest signs in: single objects yes, listing users or groups no.
    let dc: Value =
        json_of(devicecode(&c, &sb, "common", PUBLIC_CLIENT_ID, ALL_SCOPES).await).await;
    let guest = {
        let app = app_token(&c, &sb, SANDBOX_APP_ID).await;
        let v = json_of(
            get(
                &c,
                &sb,
                &app,
                "/v1.0/users?$filter=userType%20eq%20'Guest'&$select=userPrincipalName",
            )
            .await,
        )
        .await;
        v["value"][0]["userPrincipalName"]
            .as_str()
            .unwrap()
            .to_string()
    };
    c.post(format!("{}/_sandbox/device/approve", sb.url()))
        .json(&json!({"user": guest}))
        .send()
        .await
        .unwrap();
    let t: Value = json_of(poll(&c, &sb, dc["device_code"].as_str().unwrap()).await).await;
    let gt = t["access_token"].as_str().unwrap();
    assert_eq!(
        json_of(get(&c, &sb, gt, "/v1.0/me").await).await["userPrincipalName"],
        guest
    );
    assert_eq!(get(&c, &sb, gt, "/v1.0/users").await.status(), 403);
    assert_eq!(get(&c, &sb, gt, "/v1.0/groups").await.status(), 403);
    // Nothing left to approve.
    let r = c
        .post(format!("{}/_sandbox/device/approve", sb.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    sb.shutdown().await;
}

#[tokio::test]
async fn device_scenarios() {
    let c = client();
    let cases: [(&str, &[&str]); 4] = [
        ("slow-down", &["slow_down", "authorization_pending", "ok"]),
        (
            "declined",
            &["authorization_pending", "authorization_declined"],
        ),
        ("expired-code", &["expired_token", "expired_token"]),
        ("bad-verification-code", &["bad_verification_code"]),
    ];
    for (scenario, expected) in cases {
        let sb = start(Some(scenario)).await;
        let dc: Value =
            json_of(devicecode(&c, &sb, "common", PUBLIC_CLIENT_ID, "User.Read").await).await;
        for want in expected {
            let r = poll(&c, &sb, dc["device_code"].as_str().unwrap()).await;
            if *want == "ok" {
                assert_eq!(r.status(), 200, "{scenario}");
            } else {
                assert_eq!(r.status(), 400);
                assert_eq!(json_of(r).await["error"], *want, "{scenario}");
            }
        }
        sb.shutdown().await;
    }
    // Sign in as a guest by scenario.
    let sb = start(Some("pending-polls=0,sign-in-as=guest")).await;
    let dc: Value =
        json_of(devicecode(&c, &sb, "common", PUBLIC_CLIENT_ID, "User.Read").await).await;
    let t: Value = json_of(poll(&c, &sb, dc["device_code"].as_str().unwrap()).await).await;
    let (_, p, _) = claims(t["access_token"].as_str().unwrap());
    assert!(p["upn"].as_str().unwrap().contains("#EXT#"));
    sb.shutdown().await;
    // `.default` grants the consented set.
    let sb = start(Some("pending-polls=0")).await;
    let dc: Value = json_of(
        devicecode(
            &c,
            &sb,
            "common",
            PUBLIC_CLIENT_ID,
            "https://graph.microsoft.com/.default offline_access",
        )
        .await,
    )
    .await;
    let t: Value = json_of(poll(&c, &sb, dc["device_code"].as_str().unwrap()).await).await;
    assert!(t["scope"].as_str().unwrap().contains("Directory.Read.All"));
    assert!(t["refresh_token"].is_string());
    sb.shutdown().await;
    let sb = start(Some("fast-poll")).await;
    let dc: Value =
        json_of(devicecode(&c, &sb, "common", PUBLIC_CLIENT_ID, "User.Read").await).await;
    assert_eq!(dc["interval"], 1);
    sb.shutdown().await;
    assert!(
        Sandbox::start(SandboxConfig {
            scenario: Some("bogus".into()),
            ..Default::default()
        })
        .await
        .is_err()
    );
}

async fn refresh(c: &Client, sb: &Sandbox, rt: &str) -> Response {
    c.post(format!("{}/common/oauth2/v2.0/token", sb.url()))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", PUBLIC_CLIENT_ID),
            ("refresh_token", rt),
            ("scope", "User.Read offline_access"),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn refresh_tokens_rotate_and_can_be_revoked() {
    let sb = start(None).await;
    let c = client();
    let t = sign_in(&c, &sb, ALL_SCOPES).await;
    let rt1 = t["refresh_token"].as_str().unwrap().to_string();
    let r = refresh(&c, &sb, &rt1).await;
    assert_eq!(r.status(), 200);
    let t2: Value = r.json().await.unwrap();
    let rt2 = t2["refresh_token"].as_str().unwrap();
    assert_ne!(rt1, rt2);
    assert_eq!(t2["scope"], "User.Read");
    assert_eq!(
        refresh(&c, &sb, &rt1).await.status(),
        200,
        "old refresh tokens stay valid"
    );
    let r = refresh(&c, &sb, "not-a-token").await;
    assert_aad(
        &json_of(r).await,
        "invalid_grant",
        9002313,
        "Invalid request.",
    );
    c.post(format!("{}/_sandbox/tokens/revoke", sb.url()))
        .send()
        .await
        .unwrap();
    let r = refresh(&c, &sb, rt2).await;
    assert_eq!(r.status(), 400);
    assert_aad(
        &json_of(r).await,
        "invalid_grant",
        50173,
        "The provided grant has expired due to it being revoked",
    );
    sb.shutdown().await;

    let sb = start(Some("refresh-expired")).await;
    let t = sign_in(&c, &sb, "User.Read offline_access").await;
    let r = refresh(&c, &sb, t["refresh_token"].as_str().unwrap()).await;
    assert_aad(
        &json_of(r).await,
        "invalid_grant",
        700082,
        "The refresh token has expired due to inactivity.",
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn client_credentials_grant() {
    let sb = start(None).await;
    let c = client();
    let cc = |tenant: String, client_id: &'static str, secret: &'static str, scope: String| {
        let c = c.clone();
        let url = format!("{}/{tenant}/oauth2/v2.0/token", sb.url());
        async move {
            c.post(url)
                .form(&[
                    ("grant_type", "client_credentials"),
                    ("client_id", client_id),
                    ("client_secret", secret),
                    ("scope", scope.as_str()),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    let r = cc(
        sb.domain(),
        SANDBOX_APP_ID,
        SANDBOX_APP_SECRET,
        "https://graph.microsoft.com/.default".into(),
    )
    .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert!(v.get("refresh_token").is_none() && v.get("scope").is_none());
    let (_, p, _) = claims(v["access_token"].as_str().unwrap());
    assert_eq!(p["aud"], "https://graph.microsoft.com");
    assert_eq!(p["appid"], SANDBOX_APP_ID);
    assert!(
        p["roles"]
            .as_array()
            .unwrap()
            .contains(&json!("Directory.Read.All"))
    );
    assert!(p.get("scp").is_none() && p.get("upn").is_none());
    let r = cc(
        sb.tenant_id(),
        SANDBOX_APP_ID,
        "wrong",
        format!("{}/.default", sb.url()),
    )
    .await;
    assert_eq!(r.status(), 401);
    assert_aad(
        &json_of(r).await,
        "invalid_client",
        7000215,
        "Invalid client secret provided.",
    );
    let r = cc(
        "common".into(),
        SANDBOX_APP_ID,
        SANDBOX_APP_SECRET,
        format!("{}/.default", sb.url()),
    )
    .await;
    assert_aad(
        &json_of(r).await,
        "invalid_request",
        9001023,
        "The grant type isn't supported over the /common or /consumers endpoints.",
    );
    let r = cc(
        sb.tenant_id(),
        SANDBOX_APP_ID,
        SANDBOX_APP_SECRET,
        "User.Read.All".into(),
    )
    .await;
    assert_eq!(json_of(r).await["error"], "invalid_scope");
    let r = cc(
        sb.tenant_id(),
        PUBLIC_CLIENT_ID,
        "x",
        format!("{}/.default", sb.url()),
    )
    .await;
    assert_eq!(json_of(r).await["error"], "invalid_client");
    let r = cc(
        sb.tenant_id(),
        "00000000-0000-0000-0000-000000000009",
        "x",
        format!("{}/.default", sb.url()),
    )
    .await;
    assert_aad(
        &json_of(r).await,
        "unauthorized_client",
        700016,
        "Application with identifier",
    );
    sb.shutdown().await;
}

// ------------------------------------------------------------------------------------------
// Graph: headers, authentication, permissions

#[tokio::test]
async fn graph_headers_and_me() {
    let sb = start(None).await;
    let c = client();
    let tok = user_token(&c, &sb).await;
    let r = get(&c, &sb, &tok, "/v1.0/me").await;
    assert_eq!(r.status(), 200);
    let h = r.headers().clone();
    let rid = h["request-id"].to_str().unwrap();
    assert_eq!(rid.len(), 36);
    assert_eq!(h["client-request-id"].to_str().unwrap(), rid);
    let diag: Value = serde_json::from_str(h["x-ms-ags-diagnostic"].to_str().unwrap()).unwrap();
    assert!(diag["ServerInfo"]["DataCenter"].is_string());
    assert!(h.contains_key("date"));
    assert_eq!(h["strict-transport-security"], "max-age=31536000");
    assert!(
        h["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json;odata.metadata=minimal")
    );
    let me: Value = r.json().await.unwrap();
    assert_eq!(
        me["@odata.context"],
        format!("{}/v1.0/$metadata#users/$entity", sb.url())
    );
    assert_eq!(me["userPrincipalName"], sb.demo_user_upn());
    assert_eq!(me["jobTitle"], "Director of Engineering");
    let keys: Vec<&String> = me.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "@odata.context",
            "businessPhones",
            "displayName",
            "givenName",
            "jobTitle",
            "mail",
            "mobilePhone",
            "officeLocation",
            "preferredLanguage",
            "surname",
            "userPrincipalName",
            "id"
        ]
    );
    // client-request-id is echoed; beta works the same.
    let r = c
        .get(format!("{}/beta/me?$select=id,displayName", sb.url()))
        .bearer_auth(&tok)
        .header("client-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["client-request-id"], "abc-123");
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v["@odata.context"],
        format!("{}/beta/$metadata#users(id,displayName)/$entity", sb.url())
    );
    assert_eq!(v.as_object().unwrap().len(), 3);
    sb.shutdown().await;
}

#[tokio::test]
async fn authentication_failures() {
    let sb = start(Some("short-lived-tokens")).await;
    let c = client();
    let r = c.get(format!("{}/v1.0/me", sb.url())).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert!(
        r.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer realm=\"\"")
    );
    assert_graph_error(
        r,
        401,
        "InvalidAuthenticationToken",
        "Access token is empty.",
    )
    .await;
    let r = get(&c, &sb, "garbage", "/v1.0/me").await;
    assert_graph_error(
        r,
        401,
        "InvalidAuthenticationToken",
        "CompactToken parsing failed with error code: 80049217",
    )
    .await;
    let tok = user_token(&c, &sb).await;
    let (_, p, _) = claims(&tok);
    assert_eq!(p["exp"].as_i64().unwrap() - p["iat"].as_i64().unwrap(), 60);
    assert_eq!(get(&c, &sb, &tok, "/v1.0/me").await.status(), 200);
    c.post(format!("{}/_sandbox/tokens/expire", sb.url()))
        .send()
        .await
        .unwrap();
    let r = get(&c, &sb, &tok, "/v1.0/me").await;
    assert!(r.headers().contains_key("www-authenticate"));
    assert_graph_error(
        r,
        401,
        "InvalidAuthenticationToken",
        "Lifetime validation failed, the token is expired.",
    )
    .await;
    sb.shutdown().await;
}

#[tokio::test]
async fn permissions_are_enforced() {
    let sb = start(None).await;
    let c = client();
    let app = app_token(&c, &sb, SANDBOX_APP_ID).await;
    let r = get(&c, &sb, &app, "/v1.0/me").await;
    assert_graph_error(
        r,
        400,
        "BadRequest",
        "/me request is only valid with delegated authentication flow.",
    )
    .await;
    assert_eq!(get(&c, &sb, &app, "/v1.0/users").await.status(), 200);
    let limited = app_token(&c, &sb, SANDBOX_LIMITED_APP_ID).await;
    assert_eq!(
        get(&c, &sb, &limited, "/v1.0/users?$top=2").await.status(),
        200
    );
    let upn = sb.demo_user_upn();
    for path in [
        format!("/v1.0/users/{upn}/manager"),
        "/v1.0/groups".to_string(),
        format!("/v1.0/users/{upn}/memberOf"),
        "/v1.0/users/delta".to_string(),
    ] {
        let r = get(&c, &sb, &limited, &path).await;
        assert_graph_error(
            r,
            403,
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
        )
        .await;
    }
    sb.shutdown().await;

    let sb = start(Some("limited-scopes")).await;
    let t = sign_in(&c, &sb, ALL_SCOPES).await;
    assert_eq!(t["scope"], "User.Read profile openid");
    let tok = t["access_token"].as_str().unwrap();
    assert_eq!(get(&c, &sb, tok, "/v1.0/me").await.status(), 200);
    assert_eq!(get(&c, &sb, tok, "/v1.0/me/memberOf").await.status(), 200);
    let r = get(&c, &sb, tok, "/v1.0/users").await;
    assert_graph_error(
        r,
        403,
        "Authorization_RequestDenied",
        "Insufficient privileges to complete the operation.",
    )
    .await;
    // Limited information: groups come back with id and @odata.type only.
    let v = json_of(get(&c, &sb, tok, "/v1.0/me/memberOf").await).await;
    let g = v["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["@odata.type"] == "#microsoft.graph.group")
        .unwrap();
    assert!(g["id"].is_string() && g["displayName"].is_null());
    sb.shutdown().await;
}

// ------------------------------------------------------------------------------------------
// Graph: users, paging, query options

#[tokio::test]
async fn users_paging_select_and_count() {
    let sb = start(None).await;
    let c = client();
    let tok = user_token(&c, &sb).await;
    let v = json_of(get(&c, &sb, &tok, "/v1.0/users").await).await;
    assert_eq!(
        v["@odata.context"],
        format!("{}/v1.0/$metadata#users", sb.url())
    );
    assert_eq!(v["value"].as_array().unwrap().len(), 100);
    assert!(v.get("@odata.count").is_none());
    assert!(v["value"][0].get("@odata.type").is_none());
    // Walk every page with $top and $select; nextLinks are absolute and keep the options.
    let mut url = format!("{}/v1.0/users?$top=64&$select=id,displayName", sb.url());
    let mut seen = 0;
    let mut pages = 0;
    loop {
        let r = c.get(&url).bearer_auth(&tok).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let v: Value = r.json().await.unwrap();
        assert_eq!(
            v["@odata.context"],
            format!("{}/v1.0/$metadata#users(id,displayName)", sb.url())
        );
        for u in v["value"].as_array().unwrap() {
            assert_eq!(u.as_object().unwrap().len(), 2);
        }
        seen += v["value"].as_array().unwrap().len();
        pages += 1;
        match v["@odata.nextLink"].as_str() {
            Some(next) => {
                assert!(
                    next.starts_with(&format!("{}/v1.0/users?", sb.url())),
                    "{next}"
                );
                assert!(next.contains("$top=64") && next.contains("$skiptoken=X%27"));
                url = next.to_string();
            }
            None => break,
        }
    }
    assert_eq!((seen, pages), (300, 5));
    // $count=true without the header is ignored; with it, on the first page only.
    let v = json_of(get(&c, &sb, &tok, "/v1.0/users?$count=true&$top=5").await).await;
    assert!(v.get("@odata.count").is_none());
    let v = json_of(get_eventual(&c, &sb, &tok, "/v1.0/users?$count=true&$top=5").await).await;
    assert_eq!(v["@odata.count"], 300);
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["@odata.context", "@odata.count", "@odata.nextLink", "value"]
    );
    let next = v["@odata.nextLink"].as_str().unwrap().to_string();
    let v = json_of(
        c.get(&next)
            .bearer_auth(&tok)
            .header("ConsistencyLevel", "eventual")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(v.get("@odata.count").is_none());
    // $top bounds.
    let r = get(&c, &sb, &tok, "/v1.0/users?$top=1000").await;
    assert_graph_error(
        r,
        400,
        "Request_UnsupportedQuery",
        "Invalid page size specified: '1000'. Must be between 1 and 999 inclusive.",
    )
    .await;
    let v = json_of(get(&c, &sb, &tok, "/v1.0/users?$top=999").await).await;
    assert_eq!(v["value"].as_array().unwrap().len(), 300);
    assert!(v.get("@odata.nextLink").is_none());
    // /$count.
    let r = get(&c, &sb, &tok, "/v1.0/users/$count").await;
    assert_graph_error(
        r,
        400,
        "Request_BadRequest",
        "$count is not currently supported.",
    )
    .await;
    let r = get_eventual(&c, &sb, &tok, "/v1.0/users/$count").await;
    assert_eq!(r.headers()["content-type"], "text/plain");
    assert_eq!(r.text().await.unwrap(), "300");
    // Unknown $select property, bad skiptoken.
    let r = get(&c, &sb, &tok, "/v1.0/users?$select=nope").await;
    assert_graph_error(r, 400, "BadRequest", "Parsing OData Select and Expand failed: Could not find a property named 'nope' on type 'microsoft.graph.user'.").await;
    let r = get(&c, &sb, &tok, "/v1.0/users?$skiptoken=abc").await;
    assert_eq!(r.status(), 400);
    sb.shutdown().await;
}

#[tokio::test]
async fn advanced_query_rules() {
    let sb = start(None).await;
    let c = client();
    let tok = user_token(&c, &sb).await;
    let r = get(&c, &sb, &tok, "/v1.0/users?$search=%22displayName:meg%22").await;
    assert_graph_error(r, 400, "Request_UnsupportedQuery", "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'").await;
    assert_eq!(
        get_eventual(&c, &sb, &tok, "/v1.0/users?$search=%22displayName:meg%22")
            .await
            .status(),
        200
    );
    let r = get(
        &c,
        &sb,
        &tok,
        "/v1.0/users?$filter=endsWith(mail,'@contoso-sandbox.onmicrosoft.com')",
    )
    .await;
    assert_graph_error(r, 400, "Request_UnsupportedQuery", "Operator 'endsWith' is not supported because the required parameters might be missing. Try adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to https://aka.ms/graph-docs/advanced-queries for more information").await;
    // The header alone is not enough: $count=true is needed too.
    let r = get_eventual(&c, &sb, &tok, "/v1.0/users?$filter=endsWith(mail,'x.com')").await;
    assert_eq!(r.status(), 400);
    assert_eq!(
        get_eventual(
            &c,
            &sb,
            &tok,
            "/v1.0/users?$filter=endsWith(mail,'x.com')&$count=true"
        )
        .await
        .status(),
        200
    );
    let r = get(&c, &sb, &tok, "/v1.0/users?$filter=displayName%20ne%20'x'").await;
    assert_eq!(
        json_of(r).await["error"]["message"]
            .as_str()
            .unwrap()
            .split(" is not")
            .next()
            .unwrap(),
        "Operator 'ne'"
    );
    let r = get(
        &c,
        &sb,
        &tok,
        "/v1.0/users?$filter=startsWith(displayName,'M')&$orderby=displayName",
    )
    .await;
    assert_graph_error(
        r,
        400,
        "Request_UnsupportedQuery",
        "Sorting not supported for current query.",
    )
    .await;
    let r = get(&c, &sb, &tok, "/v1.0/users?$filter=faxNumber%20eq%20'1'").await;
    assert_graph_error(r, 400, "Request_UnsupportedQuery", "Unsupported or invalid query filter clause specified for property 'faxNumber' of resource 'User'.").await;
    let r = get(
        &c,
        &sb,
        &tok,
        "/v1.0/groups?$filter=createdDateTime%20ge%202020-01-01T00:00:00Z",
    )
    .await;
    assert_graph_error(r, 400, "Request_UnsupportedQuery", "Unsupported or invalid query filter clause specified for property 'createdDateTime' of resource 'Group'.").await;
    let r = get(&c, &sb, &tok, "/v1.0/users?$filter=displayName%20eq").await;
    assert_eq!(r.status(), 400);
    assert_eq!(
        get(&c, &sb, &tok, "/v1.0/users?$orderby=displayName")
            .await
            .status(),
        200
    );
    let r = get(&c, &sb, &tok, "/v1.0/users?$orderby=jobTitle").await;
    assert_eq!(r.status(), 400);
    sb.shutdown().await;
}

#[tokio::test]
async fn filter_search_and_orderby_are_evaluated() {
    let sb = start(None).await;
    let c = client();
    let tok = user_token(&c, &sb).await;
    let names = |v: &Value, prop: &str| -> Vec<String> {
        v["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u[prop].as_str().unwrap_or("").to_string())
            .collect()
    };
    let v = json_of(
        get(
            &c,
            &sb,
            &tok,
            "/v1.0/users?$filter=startsWith(displayName,'megan')&$top=999",
        )
        .await,
    )
    .await;
    let got = names(&v, "displayName");
    assert!(got.contains(&"Megan Bowen".to_string()));
    assert!(got.iter().all(|n| n.to_lowercase().starts_with("megan")));
    let v = json_of(get(&c, &sb, &tok, "/v1.0/users?$filter=userPrincipalName%20eq%20'sean.o''brien@contoso-sandbox.onmicrosoft.com'").await).await;
    assert_eq!(names(&v, "surname"), ["O'Brien"]);
    let guests = json_of(
        get(
            &c,
            &sb,
            &tok,
            "/v1.0/users?$filter=userType%20eq%20'Guest'&$select=userType,mail&$top=999",
        )
        .await,
    )
    .await;
    let n_guests = guests["value"].as_array().unwrap().len();
    assert!(
        n_guests >= 2
            && guests["value"]
                .as_array()
                .unwrap()
                .iter()
                .all(|u| u["userType"] == "Guest")
    );
    let r = get_eventual(
        &c,
        &sb,
        &tok,
        "/v1.0/users/$count?$filter=userType%20eq%20'Guest'",
    )
    .await;
    assert_eq!(r.text().await.unwrap(), n_guests.to_string());
    let me = json_of(get(&c, &sb, &tok, "/v1.0/me?$select=id").await).await;
    let v = json_of(
        get(
            &c,
            &sb,
            &tok,
            &format!(
                "/v1.0/users?$filter=id%20in%20('{}','00000000-0000-4000-8000-000000000000')",
                me["id"].as_str().unwrap()
            ),
        )
        .await,
    )
    .await;
    assert_eq!(names(&v, "displayName"), ["Megan Bowen"]);
    let r = get(
        &c,
        &sb,
        &tok,
        "/v1.0/users?$filter=accountEnabled%20eq%20'true'",
    )
    .await;
    assert_eq!(r.status(), 400);
    // Advanced mode: endsWith, ne, $count inside $filter, with @odata.count.
    let v = json_of(
        get_eventual(
            &c,
            &sb,
            &tok,
            "/v1.0/users?$filter=endsWith(mail,'@fabrikam.com')&$count=true&$select=mail",
        )
        .await,
    )
    .await;
    let mails = names(&v, "mail");
    assert_eq!(v["@odata.count"], mails.len());
    assert!(mails.iter().all(|m| m.ends_with("@fabrikam.com")));
    let v = json_of(
        get_eventual(
            &c,
            &sb,
            &tok,
            "/v1.0/users?$filter=userType%20ne%20'Member'&$count=true",
        )
        .await,
    )
    .await;
    assert_eq!(v["@odata.count"], n_guests);
    let v = json_of(get_eventual(&c, &sb, &tok, "/v1.0/users?$filter=assignedLicenses/$count%20eq%200&$count=true&$select=assignedLicenses&$top=999").await).await;
    assert!(
        v["value"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["assignedLicenses"] == json!([]))
    );
    // $search.
    let v =
        json_of(get_eventual(&c, &sb, &tok, "/v1.0/users?$search=%22displayName:bowen%22").await)
            .await;
    assert!(names(&v, "displayName").contains(&"Megan Bowen".to_string()));
    // $orderby.
    let v = json_of(
        get(
            &c,
            &sb,
            &tok,
            "/v1.0/users?$orderby=userPrincipalName&$top=999&$select=userPrincipalName",
        )
        .await,
    )
    .await;
    let upns: Vec<String> = names(&v, "userPrincipalName")
        .iter()
        .map(|s| s.to_lowercase())
        .collect();
    let mut sorted = upns.clone();
    sorted.sort();
    assert_eq!(upns, sorted);
    let v = json_of(
        get(
            &c,
            &sb,
            &tok,
            "/v1.0/users?$orderby=userPrincipalName%20desc&$top=1&$select=userPrincipalName",
        )
        .await,
    )
    .await;
    assert_eq!(
        v["value"][0]["userPrincipalName"]
            .as_str()
            .unwrap()
            .to_lowercase(),
        *upns.last().unwrap()
    );
    // Groups and relationships.
    let v = json_of(
        get(
            &c,
            &sb,
            &tok,
            "/v1.0/groups?$filter=groupTypes/any(c:c%20eq%20'Unified')&$top=999",
        )
        .await,
    )
    .await;
    assert!(!v["value"].as_array().unwrap().is_empty());
    assert!(
        v["value"]
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g["groupTypes"] == json!(["Unified"]))
    );
    let v = json_of(get_eventual(&c, &sb, &tok, "/v1.0/me/transitiveMemberOf/microsoft.graph.group?$count=true&$filter=startsWith(displayName,'Nest')&$orderby=displayName").await).await;
    assert_eq!(v["@odata.count"], 6);
    assert_eq!(
        names(&v, "displayName"),
        [
            "Nest L1", "Nest L2", "Nest L3", "Nest L4", "Nest L5", "Nest L6"
        ]
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn single_users_and_relationships() {
    let sb = start(None).await;
    let c = client();
    let tok = user_token(&c, &sb).await;
    // By UPN with an apostrophe, and a guest's #EXT# UPN.
    let v = json_of(
        get(
            &c,
            &sb,
            &tok,
            "/v1.0/users/sean.o'brien@contoso-sandbox.onmicrosoft.com",
        )
        .await,
    )
    .await;
    assert_eq!(v["surname"], "O'Brien");
    let id = v["id"].as_str().unwrap().to_string();
    let v2 = json_of(get(&c, &sb, &tok, &format!("/v1.0/users/{}", id.to_uppercase())).await).await;
    assert_eq!(v2["id"], id);
    let users = json_of(
        get(
            &c,
            &sb,
            &tok,
            "/v1.0/users?$top=999&$select=userPrincipalName,userType",
        )
        .await,
    )
    .await;
    let guest = users["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["userType"] == "Guest")
        .unwrap();
    let gupn = guest["userPrincipalName"].as_str().unwrap();
    assert!(gupn.contains("#EXT#"));
    let enc = gupn.replace('#', "%23");
    assert_eq!(
        get(&c, &sb, &tok, &format!("/v1.0/users/{enc}"))
            .await
            .status(),
        200
    );
    let r = get(
        &c,
        &sb,
        &tok,
        "/v1.0/users/nobody@contoso-sandbox.onmicrosoft.com",
    )
    .await;
    assert_graph_error(r, 404, "Request_ResourceNotFound", "Resource 'nobody@contoso-sandbox.onmicrosoft.com' does not exist or one of its queried reference-property objects are not present.").await;
    // Manager and the CEO's missing manager.
    let m = json_of(get(&c, &sb, &tok, "/v1.0/me/manager").await).await;
    assert_eq!(m["@odata.type"], "#microsoft.graph.user");
    assert_eq!(
        m["@odata.context"],
        format!("{}/v1.0/$metadata#directoryObjects/$entity", sb.url())
    );
    assert_eq!(m["jobTitle"], "Chief Executive Officer");
    let r = get(
        &c,
        &sb,
        &tok,
        "/v1.0/users/patti.fernandez@contoso-sandbox.onmicrosoft.com/manager",
    )
    .await;
    assert_graph_error(r, 404, "Request_ResourceNotFound", "Resource 'manager' does not exist or one of its queried reference-property objects are not present.").await;
    // Direct reports include the hard cases.
    let v = json_of(get(&c, &sb, &tok, "/v1.0/me/directReports").await).await;
    assert_eq!(
        v["@odata.context"],
        format!("{}/v1.0/$metadata#directoryObjects", sb.url())
    );
    let names: Vec<&str> = v["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["displayName"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"Alex 🚀 Kim")
            && names.contains(&"فاطمة العلي")
            && names.contains(&"Seán O'Brien")
    );
    // memberOf: direct only, typed; transitive reaches the top of the nesting chain.
    let v = json_of(get(&c, &sb, &tok, "/v1.0/me/memberOf").await).await;
    let direct = v["value"].as_array().unwrap();
    assert!(
        direct
            .iter()
            .any(|g| g["@odata.type"] == "#microsoft.graph.directoryRole")
    );
    assert!(direct.iter().any(|g| g["displayName"] == "Nest L6"));
    assert!(!direct.iter().any(|g| g["displayName"] == "Nest L1"));
    let v = json_of(get(&c, &sb, &tok, "/v1.0/me/transitiveMemberOf").await).await;
    assert!(
        v["value"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["displayName"] == "Nest L1")
    );
    let v = json_of(
        get(
            &c,
            &sb,
            &tok,
            "/v1.0/me/transitiveMemberOf/microsoft.graph.group?$select=displayName",
        )
        .await,
    )
    .await;
    assert_eq!(
        v["@odata.context"],
        format!("{}/v1.0/$metadata#groups(displayName)", sb.url())
    );
    assert!(
        v["value"]
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g.get("@odata.type").is_none())
    );
    let r = get(
        &c,
        &sb,
        &tok,
        "/v1.0/me/memberOf/microsoft.graph.group/$count",
    )
    .await;
    assert_eq!(r.status(), 400);
    let r = get_eventual(
        &c,
        &sb,
        &tok,
        "/v1.0/me/memberOf/microsoft.graph.group/$count",
    )
    .await;
    let n: usize = r.text().await.unwrap().parse().unwrap();
    assert_eq!(
        n,
        direct
            .iter()
            .filter(|g| g["@odata.type"] == "#microsoft.graph.group")
            .count()
    );
    let r = get(
        &c,
        &sb,
        &tok,
        "/v1.0/me/memberOf?$filter=displayName%20eq%20'x'",
    )
    .await;
    assert_graph_error(
        r,
        400,
        "Request_UnsupportedQuery",
        "The specified filter to the reference property query is currently not supported.",
    )
    .await;
    let v = json_of(get(&c, &sb, &tok, "/v1.0/me/ownedObjects").await).await;
    assert!(
        v["value"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["displayName"] == "Nest L1")
    );
    let r = get(&c, &sb, &tok, "/v1.0/me/nonsense").await;
    assert_graph_error(
        r,
        400,
        "BadRequest",
        "Resource not found for the segment 'nonsense'.",
    )
    .await;
    sb.shutdown().await;
}

#[tokio::test]
async fn expand_manager_levels() {
    let sb = start(None).await;
    let c = client();
    let tok = user_token(&c, &sb).await;
    // A user three levels down: its chain reaches the CEO.
    let reports = json_of(get(&c, &sb, &tok, "/v1.0/me/directReports?$select=id").await).await;
    let rid = reports["value"][0]["id"].as_str().unwrap().to_string();
    let v = json_of(get(&c, &sb, &tok, &format!("/v1.0/users/{rid}?$expand=manager($levels=max;$select=id,displayName)&$select=id,displayName")).await).await;
    assert_eq!(v["manager"]["displayName"], "Megan Bowen");
    assert_eq!(v["manager"]["@odata.type"], "#microsoft.graph.user");
    assert_eq!(v["manager"]["manager"]["displayName"], "Patti Fernandez");
    assert!(v["manager"]["manager"].get("manager").is_none());
    assert_eq!(v["manager"].as_object().unwrap().len(), 4);
    let v = json_of(get(&c, &sb, &tok, "/v1.0/users?$expand=manager&$top=3").await).await;
    assert!(
        v["value"][0].get("manager").is_none(),
        "the CEO has no manager"
    );
    assert_eq!(
        v["value"][1]["manager"]["jobTitle"],
        "Chief Executive Officer"
    );
    let r = get(&c, &sb, &tok, "/v1.0/me?$expand=nope").await;
    assert_eq!(r.status(), 400);
    sb.shutdown().await;
}

// ------------------------------------------------------------------------------------------
// Graph: groups, actions, delta, batch

#[tokio::test]
async fn groups_members_owners_and_actions() {
    let sb = start(None).await;
    let c = client();
    let tok = user_token(&c, &sb).await;
    let v = json_of(get(&c, &sb, &tok, "/v1.0/groups?$top=999").await).await;
    let groups = v["value"].as_array().unwrap().clone();
    let find = |name: &str| {
        groups
            .iter()
            .find(|g| g["displayName"] == name)
            .unwrap()
            .clone()
    };
    assert!(groups.iter().any(|g| g["groupTypes"] == json!(["Unified"])));
    assert!(groups.iter().any(|g| g["membershipRule"].is_string()));
    assert!(
        groups
            .iter()
            .any(|g| g["mailEnabled"] == true && g["securityEnabled"] == true)
    );
    let l1 = find("Nest L1")["id"].as_str().unwrap().to_string();
    let g = json_of(get(&c, &sb, &tok, &format!("/v1.0/groups/{l1}")).await).await;
    assert_eq!(
        g["@odata.context"],
        format!("{}/v1.0/$metadata#groups/$entity", sb.url())
    );
    let v = json_of(get(&c, &sb, &tok, &format!("/v1.0/groups/{l1}/members")).await).await;
    let members = v["value"].as_array().unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!(members[0]["displayName"], "Nest L2");
    let v = json_of(
        get(
            &c,
            &sb,
            &tok,
            &format!("/v1.0/groups/{l1}/transitiveMembers/microsoft.graph.user?$top=999"),
        )
        .await,
    )
    .await;
    assert!(
        v["value"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["userPrincipalName"] == sb.demo_user_upn())
    );
    let v = json_of(get(&c, &sb, &tok, &format!("/v1.0/groups/{l1}/owners")).await).await;
    assert_eq!(v["value"][0]["userPrincipalName"], sb.demo_user_upn());
    let l2 = find("Nest L2")["id"].as_str().unwrap().to_string();
    let v = json_of(get(&c, &sb, &tok, &format!("/v1.0/groups/{l2}/memberOf")).await).await;
    assert_eq!(v["value"][0]["id"], l1.as_str());
    let empty = find("Empty Project Team")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let v = json_of(get(&c, &sb, &tok, &format!("/v1.0/groups/{empty}/members")).await).await;
    assert_eq!(v["value"], json!([]));
    let all = find("All Employees")["id"].as_str().unwrap().to_string();
    let r = get_eventual(&c, &sb, &tok, &format!("/v1.0/groups/{all}/members/$count")).await;
    assert!(r.text().await.unwrap().parse::<usize>().unwrap() > 250);
    let v = json_of(get(&c, &sb, &tok, &format!("/v1.0/groups/{all}/members")).await).await;
    assert!(v["@odata.nextLink"].as_str().unwrap().starts_with(&format!(
        "{}/v1.0/groups/{all}/members?$skiptoken=",
        sb.url()
    )));
    let mixed = find("Automation Accounts")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let v = json_of(
        get(
            &c,
            &sb,
            &tok,
            &format!("/v1.0/groups/{mixed}/members/microsoft.graph.servicePrincipal"),
        )
        .await,
    )
    .await;
    assert_eq!(
        v["@odata.context"],
        format!("{}/v1.0/$metadata#servicePrincipals", sb.url())
    );
    assert!(!v["value"].as_array().unwrap().is_empty());
    let r = get(&c, &sb, &tok, "/v1.0/groups/not-a-guid").await;
    assert_graph_error(
        r,
        400,
        "Request_BadRequest",
        "Invalid object identifier 'not-a-guid'.",
    )
    .await;
    let r = get(
        &c,
        &sb,
        &tok,
        "/v1.0/groups/00000000-0000-4000-8000-000000000000",
    )
    .await;
    assert_eq!(r.status(), 404);
    // Actions.
    let post = |path: String, body: Value| {
        let c = c.clone();
        let tok = tok.clone();
        let url = format!("{}{path}", sb.url());
        async move {
            c.post(url)
                .bearer_auth(tok)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let v = json_of(
        post(
            "/v1.0/me/getMemberGroups".into(),
            json!({"securityEnabledOnly": true}),
        )
        .await,
    )
    .await;
    assert_eq!(
        v["@odata.context"],
        format!("{}/v1.0/$metadata#Collection(Edm.String)", sb.url())
    );
    let ids: Vec<&str> = v["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect();
    assert!(ids.contains(&l1.as_str()) && !ids.contains(&empty.as_str()));
    let v = json_of(
        post(
            "/v1.0/me/checkMemberGroups".into(),
            json!({"groupIds": [l1, empty]}),
        )
        .await,
    )
    .await;
    assert_eq!(v["value"], json!([l1]));
    let many: Vec<String> = (0..21).map(|_| l1.clone()).collect();
    assert_eq!(
        post(
            "/v1.0/me/checkMemberGroups".into(),
            json!({"groupIds": many})
        )
        .await
        .status(),
        400
    );
    let me = json_of(get(&c, &sb, &tok, "/v1.0/me?$select=id").await).await;
    let v = json_of(post("/v1.0/directoryObjects/getByIds".into(), json!({"ids": [me["id"], l1, "00000000-0000-4000-8000-000000000000"], "types": ["user"]})).await).await;
    assert_eq!(v["value"].as_array().unwrap().len(), 1);
    assert_eq!(v["value"][0]["@odata.type"], "#microsoft.graph.user");
    let r = c
        .post(format!("{}/v1.0/me/getMemberGroups", sb.url()))
        .bearer_auth(&tok)
        .body("{bad")
        .send()
        .await
        .unwrap();
    assert_graph_error(r, 400, "BadRequest", "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.").await;
    sb.shutdown().await;
}

#[tokio::test]
async fn organization_devices_service_principals_and_roles() {
    let sb = start(None).await;
    let c = client();
    let tok = user_token(&c, &sb).await;
    let v = json_of(get(&c, &sb, &tok, "/v1.0/organization?$select=id,displayName").await).await;
    assert_eq!(
        v["@odata.context"],
        format!("{}/v1.0/$metadata#organization(id,displayName)", sb.url())
    );
    assert_eq!(v["value"][0]["id"], sb.tenant_id());
    assert_eq!(v["value"][0]["displayName"], "Contoso Sandbox");
    let v = json_of(
        get(
            &c,
            &sb,
            &tok,
            &format!("/v1.0/organization/{}", sb.tenant_id()),
        )
        .await,
    )
    .await;
    assert_eq!(v["verifiedDomains"][0]["name"], sb.domain());
    let v = json_of(get(&c, &sb, &tok, "/v1.0/devices?$top=3").await).await;
    assert_eq!(v["value"].as_array().unwrap().len(), 3);
    assert!(v["@odata.nextLink"].is_string());
    let v = json_of(
        get(
            &c,
            &sb,
            &tok,
            "/v1.0/servicePrincipals?$filter=appId%20eq%20'14d82eec-204b-4c2f-b7e8-296a70dab67e'",
        )
        .await,
    )
    .await;
    assert_eq!(
        v["value"][0]["displayName"],
        "Microsoft Graph Command Line Tools"
    );
    let r = get(
        &c,
        &sb,
        &tok,
        "/v1.0/servicePrincipals?$filter=displayName%20ne%20'x'",
    )
    .await;
    assert_eq!(r.status(), 400);
    let v = json_of(get(&c, &sb, &tok, "/v1.0/directoryRoles").await).await;
    let reader = v["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["displayName"] == "Global Reader")
        .unwrap()
        .clone();
    assert_eq!(
        reader["roleTemplateId"],
        "f2ef992c-3afb-46b9-b7cf-a126ee74c451"
    );
    let v = json_of(
        get(
            &c,
            &sb,
            &tok,
            &format!(
                "/v1.0/directoryRoles/{}/members",
                reader["id"].as_str().unwrap()
            ),
        )
        .await,
    )
    .await;
    assert!(
        v["value"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["userPrincipalName"] == sb.demo_user_upn())
    );
    // The limited app may not read devices.
    let limited = app_token(&c, &sb, SANDBOX_LIMITED_APP_ID).await;
    assert_eq!(get(&c, &sb, &limited, "/v1.0/devices").await.status(), 403);
    assert_eq!(
        get(&c, &sb, &limited, "/v1.0/organization").await.status(),
        403
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn delta_rounds() {
    let sb = start(None).await;
    let c = client();
    let tok = user_token(&c, &sb).await;
    for (set, total) in [("users", 300usize), ("groups", 0)] {
        let mut url = format!("{}/v1.0/{set}/delta?$select=displayName", sb.url());
        let mut n = 0;
        let delta_link = loop {
            let v = json_of(c.get(&url).bearer_auth(&tok).send().await.unwrap()).await;
            n += v["value"].as_array().unwrap().len();
            if set == "groups" {
                assert!(v["value"][0]["members@delta"].is_array());
            }
            if let Some(next) = v["@odata.nextLink"].as_str() {
                assert!(next.starts_with(&format!("{}/v1.0/{set}/delta?$skiptoken=", sb.url())));
                url = next.to_string();
            } else {
                break v["@odata.deltaLink"].as_str().unwrap().to_string();
            }
        };
        if total > 0 {
            assert_eq!(n, total);
        }
        assert!(delta_link.contains("$deltatoken="));
        let v = json_of(c.get(&delta_link).bearer_auth(&tok).send().await.unwrap()).await;
        assert_eq!(v["value"], json!([]));
        assert!(v["@odata.deltaLink"].is_string());
    }
    let r = get(&c, &sb, &tok, "/v1.0/users/delta?$deltatoken=%%%").await;
    assert_eq!(r.status(), 400);
    sb.shutdown().await;
}

#[tokio::test]
async fn json_batch() {
    let sb = start(None).await;
    let c = client();
    let tok = user_token(&c, &sb).await;
    let body = json!({"requests": [
        {"id": "1", "method": "GET", "url": "/me?$select=displayName"},
        {"id": "2", "method": "GET", "url": "/users/$count", "headers": {"ConsistencyLevel": "eventual"}},
        {"id": "3", "method": "GET", "url": "/users/nobody@x.com"},
        {"id": "4", "method": "GET", "url": "/me/manager", "dependsOn": ["3"]},
        {"id": "5", "method": "GET", "url": "users?$top=2", "dependsOn": ["1"]}
    ]});
    let r = c
        .post(format!("{}/v1.0/$batch", sb.url()))
        .bearer_auth(&tok)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    let by_id = |id: &str| {
        v["responses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(by_id("1")["status"], 200);
    assert_eq!(by_id("1")["body"]["displayName"], "Megan Bowen");
    assert_eq!(by_id("2")["body"], 300);
    assert_eq!(by_id("3")["status"], 404);
    assert_eq!(
        by_id("3")["body"]["error"]["code"],
        "Request_ResourceNotFound"
    );
    assert_eq!(by_id("4")["status"], 424);
    assert_eq!(by_id("5")["body"]["value"].as_array().unwrap().len(), 2);
    // Each inner request is permission-checked.
    let limited = app_token(&c, &sb, SANDBOX_LIMITED_APP_ID).await;
    let body = json!({"requests": [
        {"id": "a", "method": "GET", "url": "/users?$top=1"},
        {"id": "b", "method": "GET", "url": "/groups"}
    ]});
    let v = json_of(
        c.post(format!("{}/v1.0/$batch", sb.url()))
            .bearer_auth(&limited)
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(v["responses"][0]["status"], 200);
    assert_eq!(v["responses"][1]["status"], 403);
    assert_eq!(
        v["responses"][1]["body"]["error"]["code"],
        "Authorization_RequestDenied"
    );
    let reqs: Vec<Value> = (0..21)
        .map(|i| json!({"id": i.to_string(), "method": "GET", "url": "/me"}))
        .collect();
    let r = c
        .post(format!("{}/v1.0/$batch", sb.url()))
        .bearer_auth(&tok)
        .json(&json!({"requests": reqs}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    sb.shutdown().await;
}

// ------------------------------------------------------------------------------------------
// Faults, log, control

async fn set_faults(c: &Client, sb: &Sandbox, cfg: Value) {
    let r = c
        .post(format!("{}/_sandbox/faults", sb.url()))
        .json(&cfg)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
}

#[tokio::test]
async fn throttling_and_5xx_faults() {
    let sb = start(None).await;
    let c = client();
    let tok = user_token(&c, &sb).await;
    set_faults(&c, &sb, json!({"throttle_every": 2, "retry_after": 2.128})).await;
    assert_eq!(get(&c, &sb, &tok, "/v1.0/me").await.status(), 200);
    let r = get(&c, &sb, &tok, "/v1.0/me").await;
    assert_eq!(r.headers()["retry-after"], "2.128");
    let v = assert_graph_error(r, 429, "TooManyRequests", "Please retry again later.").await;
    assert_eq!(v["error"]["innerError"]["code"], "429");
    assert_eq!(v["error"]["innerError"]["status"], "429");
    assert_eq!(v["error"]["innerError"]["message"], "Please retry after");
    set_faults(&c, &sb, json!({"throttle_every": 1})).await;
    let r = get(&c, &sb, &tok, "/v1.0/users").await;
    assert_eq!(
        r.headers()["x-ms-throttle-information"],
        "ResourceUnitLimitExceeded"
    );
    assert_eq!(
        r.headers()["x-ms-throttle-scope"].to_str().unwrap(),
        format!(
            "Tenant_Application/Read/{PUBLIC_CLIENT_ID}/{}",
            sb.tenant_id()
        )
    );
    assert_eq!(r.headers()["x-ms-resource-unit"], "2");
    set_faults(&c, &sb, json!({"throttle_every": 1, "retry_after": 3})).await;
    assert_eq!(
        get(&c, &sb, &tok, "/v1.0/me").await.headers()["retry-after"],
        "3"
    );
    set_faults(&c, &sb, json!({"status_503_every": 1})).await;
    let r = get(&c, &sb, &tok, "/v1.0/me").await;
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "1");
    set_faults(&c, &sb, json!({"status_504_every": 1})).await;
    assert_eq!(get(&c, &sb, &tok, "/v1.0/me").await.status(), 504);
    // Seeded rates repeat exactly.
    let mut runs = Vec::new();
    for _ in 0..2 {
        set_faults(&c, &sb, json!({"status_503_rate": 0.5, "seed": 5})).await;
        let mut statuses = Vec::new();
        for _ in 0..12 {
            statuses.push(get(&c, &sb, &tok, "/v1.0/me").await.status().as_u16());
        }
        runs.push(statuses);
    }
    assert_eq!(runs[0], runs[1]);
    assert!(runs[0].contains(&503) && runs[0].contains(&200));
    // Latency.
    set_faults(&c, &sb, json!({"latency_ms": 150})).await;
    let t0 = std::time::Instant::now();
    assert_eq!(get(&c, &sb, &tok, "/v1.0/me").await.status(), 200);
    assert!(t0.elapsed().as_millis() >= 150);
    // Identity endpoints are not faulted.
    set_faults(&c, &sb, json!({"status_503_every": 1})).await;
    assert_eq!(
        devicecode(&c, &sb, "common", PUBLIC_CLIENT_ID, "User.Read")
            .await
            .status(),
        200
    );
    c.delete(format!("{}/_sandbox/faults", sb.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(get(&c, &sb, &tok, "/v1.0/me").await.status(), 200);
    sb.shutdown().await;
}

#[tokio::test]
async fn broken_bodies_and_dropped_connections() {
    let sb = start(None).await;
    let c = client();
    let tok = user_token(&c, &sb).await;
    set_faults(&c, &sb, json!({"truncate_every": 1})).await;
    let r = get(&c, &sb, &tok, "/v1.0/users").await;
    assert_eq!(r.status(), 200);
    let promised: usize = r.headers()["content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(promised > 1000);
    assert!(
        r.bytes().await.is_err(),
        "a truncated body must fail to read"
    );
    set_faults(&c, &sb, json!({"malformed_every": 1})).await;
    let r = get(&c, &sb, &tok, "/v1.0/users").await;
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    assert!(serde_json::from_str::<Value>(&text).is_err());
    set_faults(&c, &sb, json!({"drop_every": 1})).await;
    let r = c
        .get(format!("{}/v1.0/me", sb.url()))
        .bearer_auth(&tok)
        .send()
        .await;
    let failed = match r {
        Err(_) => true,
        Ok(resp) => resp.bytes().await.is_err(),
    };
    assert!(failed, "a dropped connection must fail");
    set_faults(&c, &sb, json!({})).await;
    assert_eq!(get(&c, &sb, &tok, "/v1.0/me").await.status(), 200);
    sb.shutdown().await;
}

#[tokio::test]
async fn token_expiry_mid_paging_and_foreign_next_link() {
    let sb = start(None).await;
    let c = client();
    let tok = user_token(&c, &sb).await;
    set_faults(&c, &sb, json!({"expire_tokens_after": 2})).await;
    let v = json_of(get(&c, &sb, &tok, "/v1.0/users?$top=10").await).await;
    let next = v["@odata.nextLink"].as_str().unwrap().to_string();
    let v = json_of(c.get(&next).bearer_auth(&tok).send().await.unwrap()).await;
    let next = v["@odata.nextLink"].as_str().unwrap().to_string();
    let r = c.get(&next).bearer_auth(&tok).send().await.unwrap();
    assert_graph_error(
        r,
        401,
        "InvalidAuthenticationToken",
        "Lifetime validation failed, the token is expired.",
    )
    .await;
    // A fresh token works again.
    let tok2 = user_token(&c, &sb).await;
    assert_eq!(
        c.get(&next)
            .bearer_auth(&tok2)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    set_faults(&c, &sb, json!({"foreign_next_link": true})).await;
    let v = json_of(get(&c, &sb, &tok2, "/v1.0/users?$top=10").await).await;
    assert!(
        v["@odata.nextLink"]
            .as_str()
            .unwrap()
            .starts_with("https://graph.evil.example/v1.0/users?")
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn request_log_and_reset() {
    let sb = start(Some("throttle=2")).await;
    let c = client();
    let tok = user_token(&c, &sb).await;
    get(&c, &sb, &tok, "/v1.0/me?$select=id").await;
    get(&c, &sb, &tok, "/v1.0/me").await;
    let v = json_of(
        c.get(format!("{}/_sandbox/log", sb.url()))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let entries = v["entries"].as_array().unwrap();
    let graph: Vec<&Value> = entries
        .iter()
        .filter(|e| e["path"].as_str().unwrap().starts_with("/v1.0"))
        .collect();
    assert_eq!(graph.len(), 2);
    assert_eq!(graph[0]["path"], "/v1.0/me?$select=id");
    assert_eq!(graph[0]["method"], "GET");
    assert_eq!(graph[0]["status"], 200);
    assert!(graph[0]["retry_after"].is_null());
    assert_eq!(graph[1]["status"], 429);
    assert_eq!(graph[1]["retry_after"], "1");
    assert_eq!(graph[1]["fault"], "throttle");
    assert!(graph[0]["timestamp"].as_str().unwrap().ends_with('Z'));
    let auth = graph[0]["request_headers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h[0] == "authorization")
        .unwrap();
    assert_eq!(auth[1], "Bearer <redacted>");
    assert!(!v.to_string().contains(&tok));
    // The token endpoint exchange is logged too, without the token.
    assert!(
        entries
            .iter()
            .any(|e| e["path"].as_str().unwrap().ends_with("/oauth2/v2.0/token"))
    );
    let r = c
        .post(format!("{}/_sandbox/reset", sb.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v = json_of(
        c.get(format!("{}/_sandbox/log", sb.url()))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(v["entries"], json!([]));
    // Tokens are forgotten: the old one is no longer accepted.
    assert_eq!(get(&c, &sb, &tok, "/v1.0/me").await.status(), 401);
    let info = json_of(
        c.get(format!("{}/_sandbox", sb.url()))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(info["tenantId"], sb.tenant_id());
    assert_eq!(info["users"], 300);
    let r = c
        .post(format!("{}/_sandbox/faults", sb.url()))
        .json(&json!({"nope": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    sb.shutdown().await;
}

#[tokio::test]
async fn serve_command_prints_ready() {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_graphtui"))
        .args([
            "sandbox", "serve", "--port", "0", "--users", "50", "--seed", "7",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .map(|_| line)
    })
    .await
    .unwrap()
    .unwrap();
    let url = line.trim().strip_prefix("READY ").unwrap().to_string();
    assert!(url.starts_with("http://127.0.0.1:"));
    let r = client()
        .get(format!("{url}/_sandbox"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["users"], 50);
    child.kill().unwrap();
    let _ = child.wait();
}

#[tokio::test]
async fn large_tenant_pages_quickly() {
    let t0 = std::time::Instant::now();
    let sb = Sandbox::start(SandboxConfig {
        users: 20_000,
        ..Default::default()
    })
    .await
    .unwrap();
    let started = t0.elapsed();
    let c = client();
    let tok = app_token(&c, &sb, SANDBOX_APP_ID).await;
    let t1 = std::time::Instant::now();
    let v = json_of(get(&c, &sb, &tok, "/v1.0/users?$top=999&$skiptoken=X%2744537074020001000000000000000000271000000000000000000%27").await).await;
    let _ = v;
    let v = json_of(get(&c, &sb, &tok, "/v1.0/users?$top=999").await).await;
    assert_eq!(v["value"].as_array().unwrap().len(), 999);
    eprintln!(
        "20k users: start {started:?}, page of 999 {:?} (debug build)",
        t1.elapsed()
    );
    sb.shutdown().await;
}

/// The README benchmark: `cargo test --release --test sandbox -- --ignored --nocapture bench`.
#[tokio::test]
#[ignore]
async fn bench_100k_users() {
    let t0 = std::time::Instant::now();
    let sb = Sandbox::start(SandboxConfig {
        users: 100_000,
        ..Default::default()
    })
    .await
    .unwrap();
    let started = t0.elapsed();
    let c = client();
    let tok = app_token(&c, &sb, SANDBOX_APP_ID).await;
    for path in [
        "/v1.0/users?$top=999",
        "/v1.0/users?$top=999&$select=id,displayName,mail",
        "/v1.0/users?$filter=startsWith(displayName,'a')&$top=999",
    ] {
        let t1 = std::time::Instant::now();
        let r = get(&c, &sb, &tok, path).await;
        let body = r.bytes().await.unwrap();
        eprintln!("{path}: {:?} ({} bytes)", t1.elapsed(), body.len());
    }
    eprintln!("100k users: started in {started:?}");
    sb.shutdown().await;
}

/// What the linter says about a `$filter`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Verdict {
    /// Works without advanced-query parameters.
    Default,
    /// Needs `ConsistencyLevel: eventual` + `$count=true`.
    Advanced,
    /// Graph rejects it either way.
    Unsupported,
}

/// True when the linter says Graph rejects the query. Rows marked unverified downgrade
/// rejections to warnings that say so.
fn rejected(r: &lint::LintReport) -> bool {
    r.diagnostics.iter().any(|d| {
        d.severity == Severity::Error
            || (d.severity == Severity::Warning
                && d.message
                    .ends_with("(capability not verified against the docs)"))
    })
}

fn lint_verdict(entity: &Entity, filter: &str) -> Verdict {
    let r = lint::lint_filter(entity, filter);
    if rejected(&r) {
        Verdict::Unsupported
    } else if r.advanced_query {
        Verdict::Advanced
    } else {
        Verdict::Default
    }
}

fn literal_for(p: &Property) -> String {
    match &p.ty.base {
        BaseType::String => p
            .values
            .first()
            .map(|v| format!("'{v}'"))
            .unwrap_or_else(|| "'a'".to_string()),
        BaseType::Boolean => "true".into(),
        BaseType::DateTimeOffset => "2024-01-01T00:00:00Z".into(),
        BaseType::Guid => "00000000-0000-0000-0000-000000000000".into(),
        BaseType::Int32 | BaseType::Int64 => "1".into(),
        BaseType::Double => "1.5".into(),
        other => panic!("no literal for {}: {other:?}", p.name),
    }
}

/// The `$filter` that uses `op` on property `p` the way Graph's docs write it: directly on
/// scalars, on the first filterable sub-property of complex values, inside `any()` on
/// collections; `not(...)` around the `eq` form; `p/$count eq 0` for counts.
fn filter_for(p: &Property, op: FilterOp) -> String {
    let caps = capabilities();
    let sub = caps.complex_of(p).and_then(|c| {
        c.properties
            .iter()
            .find(|s| s.filterable() && !s.ty.collection)
    });
    let (target, value_row) = match (p.ty.collection, sub) {
        (true, Some(s)) => (format!("x/{}", s.name), s),
        (true, None) => ("x".to_string(), p),
        (false, Some(s)) => (format!("{}/{}", p.name, s.name), s),
        (false, None) => (p.name.clone(), p),
    };
    let v = literal_for(value_row);
    let cond = |op: FilterOp| match op {
        FilterOp::Eq | FilterOp::Ne | FilterOp::Gt | FilterOp::Ge | FilterOp::Lt | FilterOp::Le => {
            format!("{target} {} {v}", op.as_str())
        }
        FilterOp::In => format!("{target} in ({v})"),
        FilterOp::StartsWith => format!("startsWith({target},'a')"),
        FilterOp::EndsWith => format!("endsWith({target},'a')"),
        FilterOp::Null => format!("{target} eq null"),
        FilterOp::Not | FilterOp::Count => unreachable!(),
    };
    let wrap = |c: String| {
        if p.ty.collection {
            format!("{}/any(x:{c})", p.name)
        } else {
            c
        }
    };
    match op {
        FilterOp::Count => format!("{}/$count eq 0", p.name),
        FilterOp::Not => format!("not({})", wrap(cond(FilterOp::Eq))),
        other => wrap(cond(other)),
    }
}

/// For every filterable user, group, device and service-principal property of the capability
/// table and every operator,
/// the linter's verdict and the sandbox's answer agree: default ⇔ 200 without advanced
/// parameters; advanced-only ⇔ 400 Request_UnsupportedQuery without and 200 with
/// `ConsistencyLevel: eventual` + `$count=true`; unsupported ⇔ 400 both ways. The advanced
/// request is also checked against the linter's verdict on it (lint_query with `$count=true`):
/// a property such as hasMembersWithLicenseErrors works by default and fails there.
#[tokio::test]
async fn linter_and_sandbox_agree_on_every_property_and_operator() {
    let sb = Sandbox::start(SandboxConfig {
        users: 25,
        ..Default::default()
    })
    .await
    .unwrap();
    let c = client();
    let tok = user_token(&c, &sb).await;
    let caps = capabilities();
    let mut seen: std::collections::HashMap<Verdict, usize> = Default::default();
    let mut disagreements = Vec::new();
    let mut cases = 0;
    let mut expected_cases = 0;
    for (entity_name, collection) in [
        ("user", "users"),
        ("group", "groups"),
        ("device", "devices"),
        ("servicePrincipal", "servicePrincipals"),
    ] {
        let entity = caps.entity(entity_name).unwrap();
        let props: Vec<&Property> = entity
            .properties
            .iter()
            .filter(|p| p.filterable())
            .collect();
        assert!(props.len() >= 15, "{entity_name}: {}", props.len());
        expected_cases += props.len() * FilterOp::ALL.len();
        for p in props {
            for op in FilterOp::ALL {
                let filter = filter_for(p, op);
                let verdict = lint_verdict(entity, &filter);
                // The linter itself follows the table where the operator maps to one mode
                // (plain scalars; not/count and complex values go through more rules).
                if !p.ty.collection
                    && caps.complex_of(p).is_none()
                    && !matches!(op, FilterOp::Not | FilterOp::Count)
                {
                    let from_table = match p.filter_mode(op) {
                        Some(Mode::Default) => Verdict::Default,
                        Some(Mode::Advanced) => Verdict::Advanced,
                        None => Verdict::Unsupported,
                    };
                    assert_eq!(verdict, from_table, "{entity_name}.{}: {filter}", p.name);
                }
                let enc = percent_encoding::utf8_percent_encode(
                    &filter,
                    percent_encoding::NON_ALPHANUMERIC,
                )
                .to_string();
                let plain = get(&c, &sb, &tok, &format!("/v1.0/{collection}?$filter={enc}")).await;
                let plain_status = plain.status().as_u16();
                let plain_body: Value = plain.json().await.unwrap();
                let adv = get_eventual(
                    &c,
                    &sb,
                    &tok,
                    &format!("/v1.0/{collection}?$filter={enc}&$count=true"),
                )
                .await;
                let adv_status = adv.status().as_u16();
                let adv_body: Value = adv.json().await.unwrap();
                // The same filter sent as an advanced query (a few properties fail there
                // although they work by default).
                let adv_opts = graphtui::odata::url::QueryOptions {
                    filter: Some(filter.clone()),
                    count: true,
                    ..Default::default()
                };
                let adv_ok = !rejected(&lint::lint_query(entity, &adv_opts));
                let adv_as_linted = if adv_ok {
                    adv_status == 200 && adv_body["@odata.count"].is_number()
                } else {
                    adv_status == 400 && adv_body["error"]["code"] == "Request_UnsupportedQuery"
                };
                let ok = adv_as_linted
                    && match verdict {
                        Verdict::Default => plain_status == 200 && plain_body["value"].is_array(),
                        Verdict::Advanced => {
                            adv_ok
                                && plain_status == 400
                                && plain_body["error"]["code"] == "Request_UnsupportedQuery"
                        }
                        Verdict::Unsupported => !adv_ok && plain_status == 400,
                    };
                if !ok {
                    disagreements.push(format!(
                        "{collection}?$filter={filter}: linter {verdict:?}; sandbox {plain_status} {} / advanced {adv_status} {}",
                        plain_body["error"]["message"], adv_body["error"]["message"]
                    ));
                }
                *seen.entry(verdict).or_default() += 1;
                cases += 1;
            }
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} of {cases} disagree:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
    // Every case ran, and each kind of answer was exercised many times.
    assert_eq!(cases, expected_cases);
    for v in [Verdict::Default, Verdict::Advanced, Verdict::Unsupported] {
        assert!(seen.get(&v).copied().unwrap_or(0) >= 50, "{v:?}: {seen:?}");
    }
    sb.shutdown().await;
}

/// aad-advanced-queries.md: "`$expand` is not currently supported with advanced queries."
/// Graph then answers as if the advanced parameters were missing, with the clause error for
/// `$filter` (microsoft-graph-docs-contrib issue #9095: employeeType with `$expand=manager`).
#[tokio::test]
async fn expand_is_not_available_with_advanced_queries() {
    let sb = Sandbox::start(SandboxConfig {
        users: 25,
        ..Default::default()
    })
    .await
    .unwrap();
    let c = client();
    let tok = user_token(&c, &sb).await;
    let adv_filter = "/v1.0/users?$filter=employeeType%20eq%20'Contractor'&$count=true";
    assert_eq!(get_eventual(&c, &sb, &tok, adv_filter).await.status(), 200);
    let r = get_eventual(&c, &sb, &tok, &format!("{adv_filter}&$expand=manager")).await;
    assert_graph_error(
        r,
        400,
        "Request_UnsupportedQuery",
        "Unsupported or invalid query filter clause specified for property 'employeeType' of resource 'User'.",
    )
    .await;
    let r = get_eventual(
        &c,
        &sb,
        &tok,
        "/v1.0/users?$filter=endsWith(mail,'.com')&$count=true&$expand=manager",
    )
    .await;
    assert_graph_error(
        r,
        400,
        "Request_UnsupportedQuery",
        "Unsupported or invalid query filter clause specified for property 'mail' of resource 'User'.",
    )
    .await;
    let r = get_eventual(
        &c,
        &sb,
        &tok,
        "/v1.0/users?$orderby=createdDateTime&$count=true&$expand=manager",
    )
    .await;
    assert_graph_error(
        r,
        400,
        "Request_UnsupportedQuery",
        "Sorting not supported for current query.",
    )
    .await;
    // What works by default still works with $expand.
    let v = json_of(
        get_eventual(
            &c,
            &sb,
            &tok,
            "/v1.0/users?$filter=startsWith(displayName,'a')&$count=true&$expand=manager",
        )
        .await,
    )
    .await;
    assert!(v["value"].is_array(), "{v}");
    // The linter flags the same requests.
    let users = capabilities().entity("users").unwrap();
    let opts = graphtui::odata::url::QueryOptions {
        filter: Some("employeeType eq 'Contractor'".into()),
        count: true,
        expand: Some("manager".into()),
        ..Default::default()
    };
    assert!(
        lint::lint_query(users, &opts)
            .diagnostics
            .iter()
            .any(|d| d.code == lint::Code::ExpandWithAdvanced && d.severity == Severity::Error)
    );
    sb.shutdown().await;
}

/// The same agreement for `$orderby`: every property of user, group, device and service
/// principal, alone and after a default `$filter` (which always needs advanced mode).
#[tokio::test]
async fn linter_and_sandbox_agree_on_orderby() {
    let sb = Sandbox::start(SandboxConfig {
        users: 25,
        ..Default::default()
    })
    .await
    .unwrap();
    let c = client();
    let tok = user_token(&c, &sb).await;
    let caps = capabilities();
    let mut seen: std::collections::HashMap<Verdict, usize> = Default::default();
    let mut disagreements = Vec::new();
    for (entity_name, collection) in [
        ("user", "users"),
        ("group", "groups"),
        ("device", "devices"),
        ("servicePrincipal", "servicePrincipals"),
    ] {
        let entity = caps.entity(entity_name).unwrap();
        for p in &entity.properties {
            for with_filter in [false, true] {
                let opts = graphtui::odata::url::QueryOptions {
                    orderby: Some(p.name.clone()),
                    filter: with_filter.then(|| "id eq 'x'".to_string()),
                    ..Default::default()
                };
                let r = lint::lint_query(entity, &opts);
                let verdict = if r.diagnostics.iter().any(|d| {
                    d.severity == Severity::Error
                        || d.message
                            .ends_with("(capability not verified against the docs)")
                }) {
                    Verdict::Unsupported
                } else if r.advanced_query {
                    Verdict::Advanced
                } else {
                    Verdict::Default
                };
                let q = format!(
                    "/v1.0/{collection}?$orderby={}{}",
                    p.name,
                    if with_filter {
                        "&$filter=id%20eq%20'x'"
                    } else {
                        ""
                    }
                );
                let plain = get(&c, &sb, &tok, &q).await.status().as_u16();
                let adv = get_eventual(&c, &sb, &tok, &format!("{q}&$count=true"))
                    .await
                    .status()
                    .as_u16();
                let ok = match verdict {
                    Verdict::Default => plain == 200 && adv == 200,
                    Verdict::Advanced => plain == 400 && adv == 200,
                    Verdict::Unsupported => plain == 400 && adv == 400,
                };
                if !ok {
                    disagreements.push(format!("{q}: linter {verdict:?}; sandbox {plain} / {adv}"));
                }
                *seen.entry(verdict).or_default() += 1;
            }
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
    for v in [Verdict::Default, Verdict::Advanced, Verdict::Unsupported] {
        assert!(seen.get(&v).copied().unwrap_or(0) >= 3, "{v:?}: {seen:?}");
    }
    sb.shutdown().await;
}

/// Relationship lists (`/me/memberOf`): every `$filter` needs advanced mode; in advanced mode
/// the linter and the sandbox agree on what the rows (of every directory kind) allow.
#[tokio::test]
async fn linter_and_sandbox_agree_on_relationship_filters() {
    let sb = Sandbox::start(SandboxConfig {
        users: 25,
        ..Default::default()
    })
    .await
    .unwrap();
    let c = client();
    let tok = user_token(&c, &sb).await;
    let dir = capabilities().entity("directoryObject").unwrap();
    let mut disagreements = Vec::new();
    let mut seen: std::collections::HashMap<bool, usize> = Default::default();
    for p in dir.all_properties().into_iter().filter(|p| p.filterable()) {
        for op in FilterOp::ALL {
            let filter = filter_for(p, op);
            let opts = graphtui::odata::url::QueryOptions {
                filter: Some(filter.clone()),
                count: true,
                ..Default::default()
            };
            let r = lint::lint_request("/me/memberOf", None, &opts);
            assert!(r.advanced_query, "{filter}");
            let ok = !rejected(&r);
            let enc =
                percent_encoding::utf8_percent_encode(&filter, percent_encoding::NON_ALPHANUMERIC)
                    .to_string();
            let q = format!("/v1.0/me/memberOf?$filter={enc}");
            let plain = get(&c, &sb, &tok, &q).await;
            let plain_status = plain.status().as_u16();
            let adv = get_eventual(&c, &sb, &tok, &format!("{q}&$count=true")).await;
            let adv_status = adv.status().as_u16();
            let adv_body: Value = adv.json().await.unwrap();
            if plain_status != 400 || (adv_status == 200) != ok {
                disagreements.push(format!(
                    "memberOf?$filter={filter}: linter {}; sandbox {plain_status} / advanced {adv_status} {}",
                    if ok { "ok" } else { "rejected" },
                    adv_body["error"]["message"]
                ));
            }
            *seen.entry(ok).or_default() += 1;
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} disagree:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
    assert!(seen[&true] >= 50 && seen[&false] >= 50, "{seen:?}");
    sb.shutdown().await;
}
