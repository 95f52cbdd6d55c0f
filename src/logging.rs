//! File logging: `-v` writes to `<data dir>/logs/graphtui.log`, never to the terminal.

use std::path::{Path, PathBuf};
use tracing_subscriber::EnvFilter;

/// Keeps the log writer alive; drop it at exit to flush.
pub struct LogGuard {
    _guard: Option<tracing_appender::non_blocking::WorkerGuard>,
    /// The log file, when logging is on.
    pub path: Option<PathBuf>,
}

impl LogGuard {
    /// No logging.
    pub fn none() -> Self {
        LogGuard {
            _guard: None,
            path: None,
        }
    }
}

/// The log file path for a data directory.
pub fn log_path(data_dir: &Path) -> PathBuf {
    data_dir.join("logs").join("graphtui.log")
}

/// Starts file logging at the level `verbose` asks for (0 = off). `GRAPHTUI_LOG` (an
/// `EnvFilter` directive) overrides the level. Failures to open the file are reported, not fatal.
pub fn init(data_dir: &Path, verbose: u8) -> Result<LogGuard, String> {
    if verbose == 0 && std::env::var_os("GRAPHTUI_LOG").is_none() {
        return Ok(LogGuard::none());
    }
    let path = log_path(data_dir);
    let dir = path.parent().unwrap_or(data_dir);
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("cannot create log directory {}: {e}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(|e| format!("cannot open log file {}: {e}", path.display()))?;
    let level = match verbose {
        0 | 1 => "graphtui=info",
        2 => "graphtui=debug",
        _ => "graphtui=trace,reqwest=debug,hyper=info",
    };
    let filter = EnvFilter::try_from_env("GRAPHTUI_LOG").unwrap_or_else(|_| EnvFilter::new(level));
    let (writer, guard) = tracing_appender::non_blocking(file);
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .map_err(|e| format!("cannot start logging: {e}"))?;
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "graphtui started");
    Ok(LogGuard {
        _guard: Some(guard),
        path: Some(path),
    })
}
