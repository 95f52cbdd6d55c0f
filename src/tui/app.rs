//! The event loop: `tokio::select!` over terminal events, worker results and a one-second
//! tick; draws after each batch. Also terminal setup/restore, the panic hook and file logging.

use super::action::{Action, Command};
use super::keymap::KeyMap;
use super::model::{Body, Header, Model, Overlay, SignIn};
use super::theme::Theme;
use super::update::update;
use super::views::{self, Ui};
use super::worker::{Backend, Worker, load_history};
use crate::config::Settings;
use crossterm::event::{
    DisableMouseCapture, EnableMouseCapture, Event, EventStream, KeyCode, KeyEvent, KeyEventKind,
    KeyModifiers, MouseButton, MouseEventKind,
};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use futures::StreamExt;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use std::io::{Stdout, stdout};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// The header for these settings (before sign-in).
pub fn header_of(s: &Settings) -> Header {
    Header {
        profile: s.profile.clone(),
        tenant_name: None,
        tenant_id: s.tenant.clone(),
        cloud: if s.demo {
            "sandbox".into()
        } else {
            s.cloud.label().to_string()
        },
        cloud_kind: s.cloud,
        client_id: s.client_id.clone(),
        account: None,
        api_version: s.api_version.as_str().to_string(),
        graph_base: s.graph_base(),
        read_only: s.read_only,
        demo: s.demo,
        ..Header::default()
    }
}

/// Which action a key means in the current state: text fields get raw keys.
pub fn key_action(m: &Model, keys: &KeyMap, k: KeyEvent) -> Option<Action> {
    if k.kind == KeyEventKind::Release {
        return None;
    }
    if k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL) {
        return Some(Action::Quit);
    }
    let raw = match &m.overlay {
        Some(Overlay::Palette(_) | Overlay::QueryBar(_) | Overlay::Menu(_)) => true,
        Some(Overlay::Columns(_)) => k.code == KeyCode::Char(' '),
        Some(_) => false,
        None => match m.top().map(|v| &v.body) {
            Some(Body::List(l)) => l.filter_editing,
            Some(Body::Detail(d)) => d.search_editing,
            _ => false,
        },
    };
    if raw {
        return Some(Action::Key(k));
    }
    match keys.action(&k) {
        // The quit key closes an overlay first (ctrl-c above always quits).
        Some(Action::Quit) if m.overlay.is_some() => Some(Action::Back),
        Some(a) => Some(a),
        None => Some(Action::Key(k)),
    }
}

/// Maps a terminal event to an action.
pub fn event_action(m: &Model, keys: &KeyMap, ev: Event) -> Option<Action> {
    match ev {
        Event::Key(k) => key_action(m, keys, k),
        Event::Resize(w, h) => Some(Action::Resize(w, h)),
        Event::Mouse(me) => match me.kind {
            MouseEventKind::ScrollDown => Some(Action::Scroll(3)),
            MouseEventKind::ScrollUp => Some(Action::Scroll(-3)),
            MouseEventKind::Down(MouseButton::Left) if m.overlay.is_none() => {
                Some(Action::Click(me.row))
            }
            _ => None,
        },
        _ => None,
    }
}

/// File logging for the explorer (never the screen), in the same file `-v` uses so the crash
/// notice names the right one: when `main` already started logging (it does with `-v`), this
/// keeps that subscriber; otherwise it logs info and above. Returns the log file path.
fn init_logging(data_dir: &Path) -> Option<PathBuf> {
    let path = crate::logging::log_path(data_dir);
    std::fs::create_dir_all(path.parent()?).ok()?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .ok()?;
    // Fails harmlessly when a subscriber is already installed (then it logs to `path` too).
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("graphtui=info"))
        .with_writer(std::sync::Mutex::new(file))
        .with_ansi(false)
        .try_init();
    Some(path)
}

fn restore_terminal() {
    let _ = disable_raw_mode();
    let _ = execute!(
        stdout(),
        DisableMouseCapture,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
}

/// Restores the terminal on any panic, says where the log is, then prints the panic. A panic
/// on another thread (a worker task) ends the process too: the explorer cannot go on drawing
/// on a terminal that was just restored.
fn install_panic_hook(log: Option<PathBuf>) {
    let prev = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        // Written straight to the file: the process may end before a buffered log writer
        // would flush.
        if let Some(p) = &log
            && let Ok(mut f) = std::fs::OpenOptions::new().append(true).open(p)
        {
            use std::io::Write;
            let thread = std::thread::current();
            let _ = writeln!(
                f,
                "graphtui panic in thread '{}': {info}",
                thread.name().unwrap_or("unnamed")
            );
        }
        match &log {
            Some(p) => eprintln!("graphtui crashed; the log is at {}", p.display()),
            None => eprintln!("graphtui crashed (no log file could be opened)"),
        }
        prev(info);
        if std::thread::current().name() != Some("main") {
            std::process::exit(101);
        }
    }));
}

/// A deliberate panic for the end-to-end tests that check the terminal is restored and the
/// crash output holds no secret. Set `GRAPHTUI_TEST_PANIC` to `after-first-frame` (panic in
/// the event loop after the first draw), `in-worker` (panic in a spawned task after the first
/// draw) or `after-sign-in` (in the event loop once signed in, tokens in memory). Read once at
/// start-up; unset in normal use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TestPanic {
    AfterFirstFrame,
    InWorker,
    AfterSignIn,
}

impl TestPanic {
    fn from_env() -> Option<TestPanic> {
        match std::env::var("GRAPHTUI_TEST_PANIC").ok()?.as_str() {
            "after-first-frame" => Some(TestPanic::AfterFirstFrame),
            "in-worker" => Some(TestPanic::InWorker),
            "after-sign-in" => Some(TestPanic::AfterSignIn),
            _ => None,
        }
    }

    /// Panics now if this trigger's moment has come; otherwise keeps it armed.
    fn fire(slot: &mut Option<TestPanic>, model: &Model) {
        match *slot {
            None => {}
            Some(TestPanic::AfterFirstFrame) => panic!("GRAPHTUI_TEST_PANIC=after-first-frame"),
            Some(TestPanic::InWorker) => {
                *slot = None;
                tokio::spawn(async { panic!("GRAPHTUI_TEST_PANIC=in-worker") });
            }
            Some(TestPanic::AfterSignIn) if model.header.account.is_some() => {
                panic!("GRAPHTUI_TEST_PANIC=after-sign-in")
            }
            Some(TestPanic::AfterSignIn) => {}
        }
    }
}

/// Runs the explorer until the user quits; returns the process exit code.
pub async fn run(settings: &Settings) -> u8 {
    let log = init_logging(&settings.data_dir);
    install_panic_hook(log.clone());
    let mut test_panic = TestPanic::from_env();
    let mut settings = settings.clone();
    // --demo: the embedded sandbox in this process, a real device-code sign-in against it.
    let _sandbox = if settings.demo {
        match super::demo::start(&mut settings).await {
            Ok(s) => Some(s),
            Err(e) => {
                eprintln!("graphtui: cannot start the demo sandbox: {e}");
                return crate::cli::exit::FAILURE;
            }
        }
    } else {
        None
    };
    let (tx, rx) = mpsc::unbounded_channel::<Action>();
    // One recorder for sign-in and Graph exchanges, kept across context switches: the
    // inspector shows them all, with ids that never repeat.
    let recorder = crate::graph::Recorder::new(500);
    let backend = match build_backend(&settings, &recorder, &tx) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("graphtui: {e}");
            return crate::cli::exit::FAILURE;
        }
    };
    let (keys, warnings) = KeyMap::with_overrides(&settings.file.keys);
    for w in &warnings {
        tracing::warn!("{w}");
    }
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let theme = Theme::resolve(no_color, &settings.file.colors);
    let mut model = Model::new(header_of(&settings));
    model.history = load_history(&settings.data_dir);
    model.contexts = contexts_of(&settings);
    if let Some(w) = warnings.first() {
        model.status = Some(w.clone());
    }
    if let Err(e) = enable_raw_mode() {
        eprintln!("graphtui: this terminal cannot be used interactively: {e}");
        return crate::cli::exit::FAILURE;
    }
    if let Err(e) = execute!(stdout(), EnterAlternateScreen, EnableMouseCapture) {
        restore_terminal();
        eprintln!("graphtui: cannot set up the terminal: {e}");
        return crate::cli::exit::FAILURE;
    }
    let mut terminal = match Terminal::new(CrosstermBackend::new(stdout())) {
        Ok(t) => t,
        Err(e) => {
            restore_terminal();
            eprintln!("graphtui: cannot set up the terminal: {e}");
            return crate::cli::exit::FAILURE;
        }
    };
    let r = event_loop(
        &mut terminal,
        &mut model,
        (&keys, &theme),
        Session {
            backend,
            recorder,
            settings,
            demo: _sandbox.as_ref(),
        },
        (tx, rx),
        &mut test_panic,
    )
    .await;
    restore_terminal();
    match r {
        Ok(()) => crate::cli::exit::OK,
        Err(e) => {
            eprintln!("graphtui: terminal error: {e}");
            crate::cli::exit::FAILURE
        }
    }
}

/// What a context switch replaces, and what it needs to build the new one.
struct Session<'a> {
    backend: Arc<dyn Backend>,
    recorder: crate::graph::Recorder,
    settings: Settings,
    /// The embedded sandbox of `--demo`.
    demo: Option<&'a crate::sandbox::Sandbox>,
}

/// The sign-in session and Graph client for `settings`, behind the explorer's backend.
fn build_backend(
    settings: &Settings,
    recorder: &crate::graph::Recorder,
    tx: &mpsc::UnboundedSender<Action>,
) -> Result<Arc<dyn Backend>, String> {
    let auth_opts = crate::auth::AuthOptions {
        recorder: recorder.clone(),
        ..Default::default()
    };
    let auth = crate::auth::Authenticator::from_settings(settings, auth_opts)
        .map(Arc::new)
        .map_err(|e| format!("cannot set up sign-in: {e}"))?;
    let client_opts = crate::graph::ClientOptions {
        recorder: Some(recorder.clone()),
        ..Default::default()
    };
    let client = crate::graph::GraphClient::with_options(settings, auth.clone(), client_opts)
        .map_err(|e| format!("cannot set up the Graph client: {e}"))?;
    Ok(Arc::new(super::graph_backend::GraphBackend::new(
        client,
        auth,
        tx.clone(),
    )))
}

/// The contexts `:ctx` offers: the demo's built-in ones, then the config file's profiles.
fn contexts_of(s: &Settings) -> Vec<(String, String)> {
    let mut out = vec![];
    if s.demo {
        out.extend(
            super::demo::CONTEXTS
                .iter()
                .map(|(n, d)| (n.to_string(), d.to_string())),
        );
    }
    for (name, p) in &s.file.profiles {
        let mut what = vec![];
        if let Some(t) = &p.tenant {
            what.push(format!("tenant {t}"));
        }
        what.push(format!("cloud {}", p.cloud.unwrap_or_default().label()));
        if let Some(c) = &p.client_id {
            what.push(format!("app {c}"));
        }
        if s.file.default_profile.as_deref() == Some(name.as_str()) {
            what.push("default".into());
        }
        out.push((name.clone(), what.join(" · ")));
    }
    if !out.iter().any(|(n, _)| *n == s.profile) {
        out.insert(0, (s.profile.clone(), "the profile in use".into()));
    }
    out
}

/// The settings for `:ctx profile [tenant]`.
fn switched_settings(
    current: &Settings,
    demo: Option<&crate::sandbox::Sandbox>,
    profile: &str,
    tenant: Option<&str>,
) -> Result<Settings, String> {
    if let Some(sb) = demo
        && let Some(s) = super::demo::context(current, sb, profile, tenant)
    {
        return s;
    }
    current
        .switch_to(profile, tenant)
        .map_err(|e| e.to_string())
}

/// Applies one action: `update`, then its commands (the app loop's own — quit, clipboard,
/// context switch — here, the rest to the worker).
fn apply(
    model: &mut Model,
    a: Action,
    worker: &mut Worker,
    session: &mut Session<'_>,
    tx: &mpsc::UnboundedSender<Action>,
) {
    let mut queue: std::collections::VecDeque<Command> = update(model, a).into();
    while let Some(cmd) = queue.pop_front() {
        match cmd {
            Command::Quit => model.quit = true,
            Command::Clipboard(text) => {
                let _ = execute!(
                    stdout(),
                    crossterm::clipboard::CopyToClipboard::to_clipboard_from(text)
                );
            }
            Command::SwitchContext { profile, tenant } => {
                let next =
                    switched_settings(&session.settings, session.demo, &profile, tenant.as_deref())
                        .and_then(|s| build_backend(&s, &session.recorder, tx).map(|b| (s, b)));
                match next {
                    Ok((s, backend)) => {
                        // The old worker's tasks are cancelled as it drops.
                        *worker = Worker::new(backend.clone(), tx.clone(), s.data_dir.clone());
                        session.backend = backend;
                        model.contexts = contexts_of(&s);
                        let header = header_of(&s);
                        session.settings = s;
                        queue.extend(update(model, Action::ContextChanged(Box::new(header))));
                    }
                    Err(e) => {
                        queue.extend(update(
                            model,
                            Action::Status(format!("cannot switch to {profile}: {e}")),
                        ));
                    }
                }
            }
            other => worker.run(other),
        }
    }
}

async fn event_loop(
    terminal: &mut Terminal<CrosstermBackend<Stdout>>,
    model: &mut Model,
    (keys, theme): (&KeyMap, &Theme),
    mut session: Session<'_>,
    (tx, mut rx): (
        mpsc::UnboundedSender<Action>,
        mpsc::UnboundedReceiver<Action>,
    ),
    test_panic: &mut Option<TestPanic>,
) -> std::io::Result<()> {
    let mut worker = Worker::new(
        session.backend.clone(),
        tx.clone(),
        session.settings.data_dir.clone(),
    );
    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.tick().await;
    let size = terminal.size()?;
    update(model, Action::Resize(size.width, size.height));
    model.signin = Some(SignIn::default());
    worker.run(Command::SignIn);
    let ui = Ui { theme, keys };
    loop {
        terminal.draw(|f| views::draw(f, model, &ui))?;
        TestPanic::fire(test_panic, model);
        let first = tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(ev)) => event_action(model, keys, ev),
                Some(Err(e)) => return Err(e),
                None => Some(Action::Quit),
            },
            Some(a) = rx.recv() => Some(a),
            _ = tick.tick() => Some(Action::Tick),
        };
        let mut batch: Vec<Action> = first.into_iter().collect();
        while let Ok(a) = rx.try_recv() {
            batch.push(a);
            if batch.len() > 256 {
                break;
            }
        }
        for a in batch {
            apply(model, a, &mut worker, &mut session, &tx);
        }
        // Keys that have already arrived (typing fast, a paste) are all applied before the
        // next frame: one frame per burst, not per key; a burst is drawn at least every
        // 25 ms. Each key is mapped after the previous one is applied (a ':' opens the
        // palette that the next key types into).
        let burst_start = std::time::Instant::now();
        for _ in 0..4096 {
            if model.quit || burst_start.elapsed() > Duration::from_millis(25) {
                break;
            }
            // Only what is ready now, polled with this task's waker (a no-op waker, as
            // `now_or_never` uses, would swallow the stream's next wake-up).
            let next = match futures::poll!(events.next()) {
                std::task::Poll::Ready(ev) => Some(ev),
                std::task::Poll::Pending => None,
            };
            match next {
                Some(Some(Ok(ev))) => {
                    if let Some(a) = event_action(model, keys, ev) {
                        apply(model, a, &mut worker, &mut session, &tx);
                    }
                }
                Some(Some(Err(e))) => return Err(e),
                Some(None) => apply(model, Action::Quit, &mut worker, &mut session, &tx),
                None => break,
            }
        }
        if model.quit {
            return Ok(());
        }
    }
}
