//! Snapshot tests of every explorer screen on ratatui's TestBackend, driven through the same
//! `update` the app uses, in normal, empty, loading, error and narrow (80x24) states.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use graphtui::tui::action::{Action, Command};
use graphtui::tui::keymap::KeyMap;
use graphtui::tui::model::{Body, Exchange, Header, Kind, Model, Query, WhyResult};
use graphtui::tui::theme::Theme;
use graphtui::tui::update::{open_collection, update};
use graphtui::tui::views::{Ui, draw};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::{Value, json};

fn header() -> Header {
    Header {
        profile: "default".into(),
        tenant_name: Some("Contoso".into()),
        tenant_id: "7f3c2a10-0000-4000-8000-000000000001".into(),
        cloud: "Global".into(),
        account: Some("admin@contoso.onmicrosoft.com".into()),
        api_version: "v1.0".into(),
        read_only: true,
        demo: false,
        ..Header::default()
    }
}

fn model(w: u16, h: u16) -> Model {
    let mut m = Model::new(header());
    update(&mut m, Action::Resize(w, h));
    m
}

fn render(m: &Model) -> String {
    let backend = TestBackend::new(m.width, m.height);
    let mut t = Terminal::new(backend).expect("test terminal");
    let theme = Theme::mono();
    let keys = KeyMap::default();
    let ui = Ui {
        theme: &theme,
        keys: &keys,
    };
    t.draw(|f| draw(f, m, &ui)).expect("draw");
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        let mut x = 0;
        while x < buf.area.width {
            let sym = buf[(x, y)].symbol();
            line.push_str(sym);
            // A wide character covers the next cell(s) too.
            x += unicode_width::UnicodeWidthStr::width(sym).max(1) as u16;
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn user(i: usize) -> Value {
    json!({
        "id": format!("00000000-0000-4000-8000-{i:012}"),
        "displayName": format!("User {i:03}"),
        "userPrincipalName": format!("user{i:03}@contoso.onmicrosoft.com"),
        "mail": format!("user{i:03}@contoso.com"),
        "jobTitle": if i.is_multiple_of(2) { "Engineer" } else { "Manager" },
        "department": "Sales",
    })
}

fn slot_gen(m: &Model) -> (u64, u64) {
    let v = m.top().expect("a view");
    (v.slot, v.generation)
}

fn page(m: &mut Model, items: Vec<Value>, count: Option<u64>, next: Option<&str>) {
    let (slot, generation) = slot_gen(m);
    update(
        m,
        Action::Page {
            slot,
            generation,
            items,
            count,
            next_link: next.map(str::to_string),
            first: true,
            more_coming: false,
        },
    );
}

fn key(c: KeyCode) -> Action {
    Action::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

fn users_list(w: u16, h: u16, n: usize) -> Model {
    let mut m = model(w, h);
    open_collection(&mut m, "Users", Kind::User, "/users", None);
    page(
        &mut m,
        (0..n).map(user).collect(),
        Some(250),
        Some("http://127.0.0.1/next"),
    );
    m
}

#[test]
fn users_list_normal() {
    let mut m = users_list(160, 48, 100);
    update(&mut m, Action::Down);
    update(&mut m, Action::Down);
    insta::assert_snapshot!(render(&m));
}

#[test]
fn users_list_narrow() {
    let m = users_list(80, 24, 100);
    insta::assert_snapshot!(render(&m));
}

#[test]
fn users_list_loading_empty_error() {
    let mut m = model(100, 14);
    open_collection(&mut m, "Users", Kind::User, "/users", None);
    let loading = render(&m);
    page(&mut m, vec![], Some(0), None);
    let empty = render(&m);
    update(&mut m, Action::Refresh);
    let (slot, generation) = slot_gen(&m);
    update(
        &mut m,
        Action::Failed {
            slot,
            generation,
            message: "request failed: connection refused".into(),
            exchange: None,
        },
    );
    let error = render(&m);
    insta::assert_snapshot!(format!("{loading}\n{empty}\n{error}"));
    assert!(empty.contains("Nothing here: the collection is empty."));
    // Empty because of a query: said so.
    let q = Query {
        filter: "startsWith(displayName,'zzzz')".into(),
        ..Query::default()
    };
    let mut m = model(100, 14);
    open_collection(&mut m, "users 'zzzz'", Kind::User, "/users", Some(q));
    page(&mut m, vec![], None, None);
    assert!(render(&m).contains("No match: nothing in this collection matches"));
}

#[test]
fn list_with_wide_rtl_emoji_and_control_text_keeps_layout() {
    let mut m = model(100, 12);
    open_collection(&mut m, "Users", Kind::User, "/users", None);
    page(
        &mut m,
        vec![
            json!({"id": "1", "displayName": "山田 太郎 (ヤマダ タロウ) 営業部 第一課 課長補佐", "userPrincipalName": "yamada@contoso.com"}),
            json!({"id": "2", "displayName": "مرحبا بالعالم", "userPrincipalName": "rtl@contoso.com"}),
            json!({"id": "3", "displayName": "Emoji 😀🎉 Person", "userPrincipalName": "emoji@contoso.com"}),
            json!({"id": "4", "displayName": "Evil\u{1b}[31m\u{202E}gnp.exe", "userPrincipalName": "evil@contoso.com"}),
        ],
        None,
        None,
    );
    let out = render(&m);
    assert!(!out.contains('\u{1b}') && !out.contains('\u{202E}'));
    for line in out.lines() {
        assert!(unicode_width::UnicodeWidthStr::width(line) <= 100, "{line}");
    }
    insta::assert_snapshot!(out);
}

#[test]
fn advanced_query_active_with_sort_and_local_filter() {
    let mut m = model(120, 20);
    let q = Query {
        filter: "endsWith(mail,'@contoso.com')".into(),
        orderby: "displayName".into(),
        ..Query::default()
    };
    open_collection(&mut m, "Users", Kind::User, "/users", Some(q));
    page(&mut m, (0..30).map(user).collect(), Some(30), None);
    update(&mut m, Action::Sort);
    update(&mut m, Action::Sort);
    update(&mut m, Action::LocalFilter);
    for c in "user01".chars() {
        update(&mut m, key(KeyCode::Char(c)));
    }
    insta::assert_snapshot!(render(&m));
}

fn detail(raw: bool) -> Model {
    let mut m = users_list(100, 24, 5);
    update(&mut m, Action::Open);
    let (slot, generation) = slot_gen(&m);
    let mut v = user(0);
    v["accountEnabled"] = json!(true);
    v["businessPhones"] = json!(["+1 555 0100"]);
    v["@odata.context"] = json!("https://graph.microsoft.com/v1.0/$metadata#users/$entity");
    update(
        &mut m,
        Action::Object {
            slot,
            generation,
            value: v,
        },
    );
    if raw {
        update(&mut m, Action::RawJson);
    }
    m
}

#[test]
fn detail_properties_and_raw_json() {
    let props = render(&detail(false));
    let mut raw = detail(true);
    let raw_txt = render(&raw);
    update(&mut raw, Action::Down);
    update(&mut raw, Action::Open);
    // Enter on a line that opens nothing does nothing; fold the businessPhones array instead.
    for _ in 0..7 {
        update(&mut raw, Action::Down);
    }
    update(&mut raw, Action::Open);
    let folded = render(&raw);
    insta::assert_snapshot!(format!("{props}\n{raw_txt}\n{folded}"));
}

#[test]
fn detail_loading_and_error() {
    let mut m = users_list(80, 24, 3);
    update(&mut m, Action::Open);
    let loading = render(&m);
    let (slot, generation) = slot_gen(&m);
    update(
        &mut m,
        Action::Failed {
            slot,
            generation,
            message: "404 Request_ResourceNotFound: Resource 'x' does not exist".into(),
            exchange: None,
        },
    );
    insta::assert_snapshot!(format!("{loading}\n{}", render(&m)));
}

fn why(result: Option<WhyResult>) -> String {
    let mut m = users_list(100, 16, 1);
    update(&mut m, Action::Groups);
    page(
        &mut m,
        vec![
            json!({"@odata.type": "#microsoft.graph.group", "id": "g1", "displayName": "All Sales"}),
        ],
        None,
        None,
    );
    update(&mut m, Action::WhyMember);
    if let Some(r) = result {
        let (slot, generation) = slot_gen(&m);
        update(
            &mut m,
            Action::Why {
                slot,
                generation,
                result: r,
            },
        );
    }
    render(&m)
}

#[test]
fn why_member_states() {
    let s = [
        why(None),
        why(Some(WhyResult::Paths(vec![
            vec!["User 000".into(), "EMEA Sales".into(), "All Sales".into()],
            vec!["User 000".into(), "All Sales".into()],
        ]))),
        why(Some(WhyResult::NotMember)),
        why(Some(WhyResult::Dynamic {
            rule: "(user.department -eq \"Sales\")".into(),
            member: true,
        })),
    ];
    insta::assert_snapshot!(s.join("\n"));
}

fn exchange_403() -> Exchange {
    Exchange {
        id: 1,
        method: "GET".into(),
        url: "http://127.0.0.1:4000/v1.0/users?$filter=startsWith(displayName,%27A%27)".into(),
        request_headers: vec![
            ("Authorization".into(), "Bearer <redacted>".into()),
            ("client-request-id".into(), "c1".into()),
        ],
        status: Some(403),
        response_headers: vec![("content-type".into(), "application/json".into())],
        body: r#"{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation.","innerError":{"date":"2026-11-25T04:00:00","request-id":"r-123","client-request-id":"c1"}}}"#.into(),
        duration_ms: 12,
        retries: 1,
        error: None,
        diagnosis: None,
    }
}

#[test]
fn inspector_opens_on_a_403_with_the_error_decoded() {
    for (w, h) in [(160u16, 30u16), (80, 24)] {
        let mut m = model(w, h);
        open_collection(&mut m, "Users", Kind::User, "/users", None);
        update(&mut m, Action::Exchanged(Box::new(exchange_403())));
        let (slot, generation) = slot_gen(&m);
        update(
            &mut m,
            Action::Failed {
                slot,
                generation,
                message: "403 Authorization_RequestDenied: Insufficient privileges".into(),
                exchange: Some(1),
            },
        );
        let out = render(&m);
        assert!(out.contains("Authorization_RequestDenied"));
        assert!(!out.contains("Bearer ey"));
        insta::assert_snapshot!(format!("inspector_{w}x{h}"), out);
    }
}

/// The doctor's text for the 403 above, as the Graph backend attaches it (real diagnosis of a
/// real token's claims, not a canned string).
fn diagnosis_403() -> String {
    use graphtui::doctor::{Claims, claims::fake_jwt, diagnose};
    let token = fake_jwt(&json!({
        "aud": "https://graph.microsoft.com", "tid": "t1", "appid": "a1",
        "upn": "admin@contoso.onmicrosoft.com", "scp": "User.Read",
        "exp": 4_000_000_000i64
    }));
    let claims = Claims::decode(&token).expect("claims");
    let x = exchange_403();
    diagnose(
        &x.method,
        &x.url,
        Some(&claims),
        Some((403, &x.response_headers, &x.body)),
    )
    .to_brief_text()
}

#[test]
fn inspector_puts_the_diagnosis_on_top_and_b_makes_a_support_bundle() {
    for (w, h) in [(160u16, 40u16), (80, 24)] {
        let mut m = model(w, h);
        open_collection(&mut m, "Users", Kind::User, "/users", None);
        // The recorder's copy first (no diagnosis), then the worker's (with it): merged.
        update(&mut m, Action::Exchanged(Box::new(exchange_403())));
        let mut with = exchange_403();
        with.diagnosis = Some(diagnosis_403());
        update(&mut m, Action::Exchanged(Box::new(with)));
        assert_eq!(m.exchanges.len(), 1);
        let (slot, generation) = slot_gen(&m);
        update(
            &mut m,
            Action::Failed {
                slot,
                generation,
                message: "403 Authorization_RequestDenied: Insufficient privileges".into(),
                exchange: Some(1),
            },
        );
        let out = render(&m);
        let doctor = out.find("Permission doctor").expect("doctor section");
        let headers = out.find("request headers").unwrap_or(usize::MAX);
        assert!(doctor < headers, "diagnosis above the request:\n{out}");
        if h >= 40 {
            assert!(out.contains("least privileged"), "{out}");
            assert!(out.contains("User.ReadBasic.All"), "{out}");
        }
        insta::assert_snapshot!(format!("inspector_diagnosis_{w}x{h}"), out);
    }
    // b: the bundle goes to the clipboard and to a file, with ids and the diagnosis, no token.
    let mut m = model(160, 40);
    open_collection(&mut m, "Users", Kind::User, "/users", None);
    let mut with = exchange_403();
    with.diagnosis = Some(diagnosis_403());
    update(&mut m, Action::Exchanged(Box::new(with)));
    update(&mut m, Action::Inspector);
    let cmds = update(&mut m, Action::SupportBundle);
    let [
        Command::Clipboard(text),
        Command::SaveBundle { exchange, contents },
    ] = &cmds[..]
    else {
        panic!("clipboard + file: {cmds:?}");
    };
    assert_eq!(text, contents);
    assert_eq!(*exchange, 1);
    for want in [
        "request-id:          r-123",
        "client-request-id:   c1",
        "status:              403",
        "Authorization_RequestDenied",
        "tenant:              7f3c2a10-0000-4000-8000-000000000001 (Contoso)",
        "least privileged",
    ] {
        assert!(text.contains(want), "{want} in\n{text}");
    }
    assert!(!text.contains("Bearer"), "{text}");
}

#[test]
fn token_view_and_context_picker() {
    let mut m = model(120, 30);
    open_collection(&mut m, "Users", Kind::User, "/users", None);
    assert_eq!(update(&mut m, Action::Token), vec![Command::ShowToken]);
    let token = graphtui::doctor::claims::fake_jwt(&json!({
        "aud": "https://graph.microsoft.com", "tid": "t1", "appid": "a1",
        "app_displayname": "Contoso Daemon", "roles": ["User.Read.All"],
        "exp": 4_000_000_000i64, "iat": 3_999_996_400i64
    }));
    let claims = graphtui::doctor::Claims::decode(&token).unwrap();
    let lines = graphtui::tui::token_view::token_lines(Some(&claims), 3_999_996_460);
    update(&mut m, Action::TokenInfo(Ok(lines)));
    let out = render(&m);
    assert!(out.contains("app-only (no user)"), "{out}");
    assert!(out.contains("roles:     User.Read.All"), "{out}");
    assert!(out.contains("✗ list groups"), "{out}");
    insta::assert_snapshot!("token_view_app_only", out);
    // Narrow: the pane wraps and scrolls instead of cutting lines off.
    update(&mut m, Action::Resize(80, 24));
    let narrow = render(&m);
    assert!(narrow.contains("app-only (no user)"), "{narrow}");
    insta::assert_snapshot!("token_view_app_only_80x24", narrow);
    for _ in 0..30 {
        update(&mut m, Action::Down);
    }
    assert!(render(&m).contains("organization"), "scrolled to the end");
    update(&mut m, Action::Resize(120, 30));
    update(&mut m, Action::Back);
    // A failure to read the token is said, not shown as an empty pane.
    update(&mut m, Action::TokenInfo(Err("token store locked".into())));
    assert!(render(&m).contains("No token to show: token store locked"));
    update(&mut m, Action::Back);

    m.contexts = vec![
        ("default".into(), "the profile in use".into()),
        (
            "contoso-gov".into(),
            "tenant contoso.onmicrosoft.us · cloud US Government L4".into(),
        ),
        (
            "fabrikam".into(),
            "tenant fabrikam.com · cloud Global".into(),
        ),
    ];
    update(&mut m, Action::RunCommand("ctx".into()));
    let out = render(&m);
    assert!(out.contains("switch context (now: default"), "{out}");
    insta::assert_snapshot!("context_picker", out);
    update(&mut m, Action::Resize(80, 24));
    insta::assert_snapshot!("context_picker_80x24", render(&m));
    update(&mut m, Action::Resize(120, 30));
    update(&mut m, Action::Down);
    update(&mut m, Action::Down);
    let cmds = update(&mut m, Action::Open);
    assert_eq!(
        cmds,
        vec![Command::SwitchContext {
            profile: "fabrikam".into(),
            tenant: None
        }]
    );
    // With a tenant; an unknown profile is refused with the known ones named.
    let cmds = update(
        &mut m,
        Action::RunCommand("ctx . 11111111-2222-3333-4444-555555555555".into()),
    );
    assert_eq!(
        cmds,
        vec![Command::SwitchContext {
            profile: "default".into(),
            tenant: Some("11111111-2222-3333-4444-555555555555".into())
        }]
    );
    assert!(update(&mut m, Action::RunCommand("ctx nope".into())).is_empty());
    assert!(
        m.status
            .as_deref()
            .unwrap_or("")
            .contains("known: default, contoso-gov, fabrikam"),
        "{:?}",
        m.status
    );
    // The app loop answers a switch with the new header: views go, sign-in starts again,
    // the request history stays.
    update(&mut m, Action::Exchanged(Box::new(exchange_403())));
    let new_header = Header {
        profile: "fabrikam".into(),
        tenant_id: "fabrikam.com".into(),
        ..header()
    };
    let cmds = update(&mut m, Action::ContextChanged(Box::new(new_header)));
    assert_eq!(cmds, vec![Command::SignIn]);
    assert!(m.stack.is_empty() && m.signin.is_some());
    assert_eq!(m.exchanges.len(), 1);
    assert!(render(&m).contains("fabrikam"));
}

#[test]
fn query_bar_says_whether_the_token_allows_the_request() {
    let claims = |scp: &str| {
        let t = graphtui::doctor::claims::fake_jwt(&json!({
            "aud": "https://graph.microsoft.com", "tid": "t1", "appid": "a1",
            "upn": "admin@contoso.onmicrosoft.com", "scp": scp, "exp": 4_000_000_000i64
        }));
        Some(Box::new(graphtui::doctor::Claims::decode(&t).unwrap()))
    };
    let mut m = users_list(120, 30, 3);
    update(&mut m, Action::QueryBar);
    // Before sign-in finished (no claims): no verdict.
    assert!(!render(&m).contains("permissions "));
    update(&mut m, Action::TokenClaims(claims("User.Read")));
    let out = render(&m);
    assert!(
        out.contains("permissions ✗ needs User.ReadBasic.All; the token has User.Read"),
        "{out}"
    );
    insta::assert_snapshot!("query_bar_will_it_work_denied", out);
    update(&mut m, Action::TokenClaims(claims("User.Read.All")));
    let out = render(&m);
    assert!(
        out.contains(
            "permissions ✓ the token grants it with User.ReadBasic.All (via User.Read.All)"
        ),
        "{out}"
    );
}

#[test]
fn q_closes_an_overlay_and_ctrl_c_always_quits() {
    use graphtui::tui::app::key_action;
    let keys = KeyMap::default();
    let q = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE);
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    let mut m = users_list(120, 30, 3);
    assert_eq!(key_action(&m, &keys, q), Some(Action::Quit));
    update(&mut m, Action::Exchanged(Box::new(exchange_403())));
    update(&mut m, Action::Inspector);
    assert_eq!(key_action(&m, &keys, q), Some(Action::Back));
    assert_eq!(key_action(&m, &keys, ctrl_c), Some(Action::Quit));
    // ? over the inspector, and back to the inspector when help closes.
    update(&mut m, Action::Help);
    assert!(render(&m).contains("Keys here (inspector)"));
    update(&mut m, Action::Back);
    assert!(render(&m).contains("exchange 1 of 1"));
}

#[test]
fn help_lists_the_keys_of_the_current_context_first() {
    let mut m = detail(false);
    update(&mut m, Action::Resize(110, 70));
    update(&mut m, Action::Help);
    let out = render(&m);
    let here = out.find("Keys here (object)").expect("context section");
    let raw = out.find("raw JSON").expect("raw json key");
    let others = out.find("All other keys").expect("other keys");
    let quit = out.find("ctrl-c q").expect("quit listed");
    assert!(here < raw && raw < others && others < quit, "{out}");
    update(&mut m, Action::Back);
    update(&mut m, Action::Exchanged(Box::new(exchange_403())));
    update(&mut m, Action::Inspector);
    let out = render(&m);
    assert!(out.contains("<b>support bundle"), "inspector hints: {out}");
}

#[test]
fn sign_in_states() {
    let mut m = model(100, 24);
    m.signin = Some(Default::default());
    let waiting = render(&m);
    update(
        &mut m,
        Action::SignInCode {
            user_code: "ABCD-1234".into(),
            verification_uri: "http://127.0.0.1:4000/devicelogin".into(),
            message: "To sign in, use a web browser to open the page http://127.0.0.1:4000/devicelogin and enter the code ABCD-1234 to authenticate.".into(),
            expires_in: 900,
        },
    );
    update(&mut m, Action::Tick);
    update(&mut m, Action::SignInPolled(2));
    let code = render(&m);
    update(
        &mut m,
        Action::SignInFailed("sign-in failed (400 expired_token): AADSTS70020: expired".into()),
    );
    let failed = render(&m);
    insta::assert_snapshot!(format!("{waiting}\n{code}\n{failed}"));
}

#[test]
fn sign_in_copy_sends_clipboard() {
    let mut m = model(80, 24);
    m.signin = Some(Default::default());
    update(
        &mut m,
        Action::SignInCode {
            user_code: "ABCD-1234".into(),
            verification_uri: "u".into(),
            message: "m".into(),
            expires_in: 900,
        },
    );
    assert_eq!(
        update(&mut m, Action::Copy),
        vec![Command::Clipboard("ABCD-1234".into())]
    );
}

#[test]
fn header_activity_states() {
    let mut m = users_list(120, 6, 3);
    update(&mut m, Action::InFlight(2));
    let inflight = render(&m);
    update(&mut m, Action::Throttled(7));
    let throttled = render(&m);
    update(&mut m, Action::Tick);
    let later = render(&m);
    update(&mut m, Action::Throttled(0));
    m.header.paging = Some((3, Some(10)));
    let paging = render(&m);
    let first = |s: &str| s.lines().next().unwrap_or("").to_string();
    insta::assert_snapshot!(
        [inflight, throttled, later, paging]
            .iter()
            .map(|s| first(s))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn query_bar_with_diagnostics_advanced_badge_and_completion() {
    let mut m = users_list(120, 30, 3);
    update(&mut m, Action::QueryBar);
    for c in "endsWith(mail,'@contoso.com'".chars() {
        update(&mut m, key(KeyCode::Char(c)));
    }
    let broken = render(&m);
    update(&mut m, key(KeyCode::Char(')')));
    update(&mut m, key(KeyCode::Char(' ')));
    update(&mut m, key(KeyCode::Char('a')));
    update(&mut m, key(KeyCode::Char('n')));
    update(&mut m, key(KeyCode::Char('d')));
    update(&mut m, key(KeyCode::Char(' ')));
    update(&mut m, key(KeyCode::Char('d')));
    update(&mut m, key(KeyCode::Char('e')));
    let completing = render(&m);
    insta::assert_snapshot!(format!("{broken}\n{completing}"));
}

#[test]
fn palette_help_columns_and_menus() {
    let mut m = users_list(100, 40, 3);
    update(&mut m, Action::Palette);
    update(&mut m, key(KeyCode::Char('g')));
    let palette = render(&m);
    update(&mut m, key(KeyCode::Esc));
    update(&mut m, Action::Help);
    let help = render(&m);
    update(&mut m, Action::Back);
    update(&mut m, Action::Columns);
    let columns = render(&m);
    update(&mut m, Action::Back);
    update(&mut m, Action::Export);
    let export = render(&m);
    insta::assert_snapshot!(format!("{palette}\n{help}\n{columns}\n{export}"));
}

#[test]
fn breadcrumbs_and_back_restore_cursor() {
    let mut m = users_list(120, 20, 50);
    for _ in 0..20 {
        update(&mut m, Action::Down);
    }
    update(&mut m, Action::Groups);
    update(&mut m, Action::ToggleTransitive);
    let crumbs = render(&m);
    assert!(
        crumbs
            .lines()
            .nth(1)
            .unwrap()
            .contains("Users › groups of User 020 (transitive)")
    );
    update(&mut m, Action::Back);
    let Some(Body::List(l)) = m.top().map(|v| &v.body) else {
        panic!("list expected");
    };
    assert_eq!(l.cursor, 20);
    insta::assert_snapshot!(crumbs);
}

#[test]
fn hundred_thousand_rows_render_in_visible_window_time() {
    let mut m = model(160, 48);
    open_collection(&mut m, "Users", Kind::User, "/users", None);
    page(
        &mut m,
        (0..100_000).map(user).collect(),
        Some(100_000),
        None,
    );
    let start = std::time::Instant::now();
    for _ in 0..50 {
        update(&mut m, Action::PageDown);
        let _ = render(&m);
    }
    let per_frame = start.elapsed() / 50;
    // O(visible rows): even a debug build draws a frame in well under 50 ms.
    assert!(per_frame.as_millis() < 50, "{per_frame:?} per frame");
    let out = render(&m);
    assert!(out.contains("100,000 of 100,000 loaded"));
}

#[test]
fn tiny_terminals_never_panic() {
    for (w, h) in [(1u16, 1u16), (10, 3), (20, 6), (40, 10), (80, 12)] {
        let mut m = users_list(w, h, 30);
        let _ = render(&m);
        update(&mut m, Action::QueryBar);
        for c in "startsWith(dis".chars() {
            update(&mut m, key(KeyCode::Char(c)));
        }
        let _ = render(&m);
        update(&mut m, key(KeyCode::Esc));
        update(&mut m, key(KeyCode::Esc));
        for a in [
            Action::Palette,
            Action::Help,
            Action::Columns,
            Action::Export,
            Action::Copy,
        ] {
            update(&mut m, a);
            let _ = render(&m);
            update(&mut m, Action::Back);
            update(&mut m, key(KeyCode::Esc));
        }
        update(&mut m, Action::Exchanged(Box::new(exchange_403())));
        update(&mut m, Action::Inspector);
        let _ = render(&m);
        update(&mut m, Action::Back);
        update(&mut m, Action::Open);
        let _ = render(&m);
        m.signin = Some(Default::default());
        m.stack.clear();
        update(
            &mut m,
            Action::SignInCode {
                user_code: "ABCD".into(),
                verification_uri: "u".into(),
                message: "m".into(),
                expires_in: 5,
            },
        );
        let _ = render(&m);
    }
}

fn type_text(m: &mut Model, s: &str) {
    for c in s.chars() {
        update(m, key(KeyCode::Char(c)));
    }
}

/// The screen line holding `needle`, and the column (in cells) where it starts.
fn find(out: &str, needle: &str) -> Option<(usize, usize)> {
    out.lines().enumerate().find_map(|(y, l)| {
        l.find(needle)
            .map(|b| (y, unicode_width::UnicodeWidthStr::width(&l[..b])))
    })
}

/// A filter longer than the field scrolls it sideways: the caret stays under what the field
/// shows, the message is always there, and an error scrolled out of view says where it is.
#[test]
fn query_bar_caret_follows_the_fields_horizontal_scroll() {
    let mut m = users_list(160, 48, 3);
    update(&mut m, Action::QueryBar);
    type_text(
        &mut m,
        "startswith(displayName,'abcdefgh01') or startswith(displayName,'abcdefgh02') or \
         startswith(displayName,'abcdefgh03') or startswith(displayName,'abcdefgh04') or \
         accountEnabled eq 'true'",
    );
    let out = render(&m);
    let (fy, fx) = find(&out, "eq 'true'").expect("the end of the filter is in view");
    let (cy, cx) = find(&out, "^^^^^^").expect("a caret");
    assert_eq!((cy, cx), (fy + 1, fx + 3), "caret under 'true':\n{out}");
    assert!(out.contains("'accountEnabled' is a Boolean"), "{out}");
    // Home scrolls back to the start: the error is out of view, and the message says where.
    update(&mut m, key(KeyCode::Home));
    let out = render(&m);
    assert!(
        out.contains("at column 179 (scrolled out of view): 'accountEnabled' is a Boolean"),
        "{out}"
    );
    assert!(!out.contains('^'), "{out}");
}

/// Every diagnostic of the focused field is shown (errors first), and the status after Enter
/// says how many and where.
#[test]
fn query_bar_shows_every_diagnostic_of_the_focused_field() {
    let mut m = users_list(120, 30, 3);
    update(&mut m, Action::QueryBar);
    type_text(
        &mut m,
        "accountEnabled eq 'true' and startswith(displayNam,'a')",
    );
    let out = render(&m);
    assert!(out.contains("'accountEnabled' is a Boolean"), "{out}");
    assert!(out.contains("unknown property 'displayNam'"), "{out}");
    update(&mut m, key(KeyCode::Enter));
    assert_eq!(
        m.status.as_deref(),
        Some("not run: 2 error(s) in $filter (2); Enter again sends it anyway")
    );
    insta::assert_snapshot!(render(&m));
    // Where they do not all fit, the first is shown and how many more there are.
    update(&mut m, Action::Resize(80, 16));
    let out = render(&m);
    assert!(out.contains("'accountEnabled' is a Boolean"), "{out}");
    assert!(out.contains("+1 more"), "{out}");
    assert!(out.contains("$top"), "{out}");
}

/// Tab after a property offers its operators, after `userType eq` the enum values; with
/// nothing to offer mid-expression it says so before moving to the next field.
#[test]
fn query_bar_tab_completes_operators_and_values() {
    use graphtui::tui::model::Overlay;
    let focus = |m: &Model| match &m.overlay {
        Some(Overlay::QueryBar(q)) => (q.focus, q.completions.clone()),
        _ => panic!("query bar closed"),
    };
    let mut m = users_list(120, 30, 3);
    update(&mut m, Action::QueryBar);
    type_text(&mut m, "accountEnabled ");
    update(&mut m, key(KeyCode::Tab));
    let (f, c) = focus(&m);
    assert_eq!(f, 0);
    assert_eq!(c.first().map(String::as_str), Some("eq"), "{c:?}");
    let out = render(&m);
    assert!(out.contains("│ne  · advanced query"), "{out}");
    update(&mut m, key(KeyCode::Enter)); // accepts 'eq'
    type_text(&mut m, " ");
    update(&mut m, key(KeyCode::Tab));
    assert_eq!(focus(&m).1[..2], ["true", "false"]);
    update(&mut m, key(KeyCode::Enter));
    type_text(&mut m, " and userType eq ");
    update(&mut m, key(KeyCode::Tab));
    let (_, c) = focus(&m);
    assert!(
        c.contains(&"'Member'".into()) && c.contains(&"'Guest'".into()),
        "{c:?}"
    );
    update(&mut m, key(KeyCode::Esc));
    type_text(&mut m, "'Guest' and startsWith(displayName,'a");
    update(&mut m, key(KeyCode::Tab));
    assert_eq!(focus(&m).0, 0);
    assert_eq!(
        m.status.as_deref(),
        Some("no completions here · Tab again moves to $search")
    );
    update(&mut m, key(KeyCode::Tab));
    assert_eq!(focus(&m).0, 1);
}

/// A keystroke in a long filter (lint, completion, the field, the request preview) costs
/// about what it costs in a short one: the best of several keystrokes at 4,000 chars stays
/// within a generous factor of the best at 1,000 chars (quadratic work would be 16x).
#[test]
fn query_bar_keystroke_cost_does_not_grow_with_the_filter() {
    fn best_keystroke(n: usize) -> f64 {
        let mut m = users_list(160, 48, 3);
        update(&mut m, Action::QueryBar);
        let mut f = String::new();
        let mut i = 0;
        while f.len() < n {
            f.push_str(&format!("startswith(displayName,'abcdefgh{i:02}') or "));
            i += 1;
        }
        type_text(&mut m, &f);
        let theme = Theme::mono();
        let keys = KeyMap::default();
        let ui = Ui {
            theme: &theme,
            keys: &keys,
        };
        let mut t = Terminal::new(TestBackend::new(160, 48)).expect("terminal");
        t.draw(|fr| draw(fr, &m, &ui)).expect("draw");
        "accountEnabled eq true"
            .chars()
            .map(|c| {
                let s = std::time::Instant::now();
                update(&mut m, key(KeyCode::Char(c)));
                t.draw(|fr| draw(fr, &m, &ui)).expect("draw");
                s.elapsed().as_secs_f64()
            })
            .fold(f64::MAX, f64::min)
    }
    let _ = best_keystroke(100);
    let small = best_keystroke(1_000);
    let large = best_keystroke(4_000);
    assert!(
        large < small * 6.0,
        "a keystroke at 4,000 chars took {large:.6}s, at 1,000 chars {small:.6}s"
    );
}
