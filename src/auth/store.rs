//! Where tokens are cached: the OS keyring (through the `keyring` crate, on a blocking thread),
//! a JSON file with mode 0600 in a 0700 directory, or memory only.

use super::token::TokenSet;
use crate::util::Secret;
use futures::future::BoxFuture;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The keyring service name used for every entry.
pub const KEYRING_SERVICE: &str = "graphtui";

/// Identifies one cache slot: authority host, tenant, client id and grant kind. The signed-in
/// account is kept inside the entry (it is unknown before sign-in).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProfileKey {
    pub authority: String,
    pub tenant: String,
    pub client_id: String,
    /// `user` (delegated) or `app` (app-only), or `secret` for a stored client secret.
    pub slot: String,
}

impl ProfileKey {
    /// The key for a settings profile and slot.
    pub fn new(settings: &crate::config::Settings, slot: &str) -> ProfileKey {
        ProfileKey {
            authority: crate::config::endpoint::origin_string(&settings.authority_host),
            tenant: settings.tenant.to_ascii_lowercase(),
            client_id: settings.client_id.to_ascii_lowercase(),
            slot: slot.to_string(),
        }
    }

    /// One string naming the slot: `slot|authority|tenant|client_id`.
    pub fn as_string(&self) -> String {
        format!(
            "{}|{}|{}|{}",
            self.slot, self.authority, self.tenant, self.client_id
        )
    }
}

/// A token store failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// No keyring exists on this machine (headless Linux without a Secret Service).
    #[error("no OS keyring is available: {0}")]
    NoKeyring(String),
    #[error("{0}")]
    Failed(String),
}

/// A place to keep token sets (and a stored client secret).
pub trait TokenStore: Send + Sync {
    /// A short name for messages: `keyring`, `file (/path)`, `memory`.
    fn describe(&self) -> String;
    /// Reads a slot; `Ok(None)` when it is empty.
    fn load(&self, key: &ProfileKey) -> BoxFuture<'_, Result<Option<Secret>, StoreError>>;
    /// Writes a slot.
    fn save(&self, key: &ProfileKey, value: Secret) -> BoxFuture<'_, Result<(), StoreError>>;
    /// Empties a slot (no error when it was empty).
    fn remove(&self, key: &ProfileKey) -> BoxFuture<'_, Result<(), StoreError>>;
}

/// Loads a token set from a store; an unreadable entry counts as empty.
pub async fn load_tokens(
    store: &dyn TokenStore,
    key: &ProfileKey,
) -> Result<Option<TokenSet>, StoreError> {
    Ok(store
        .load(key)
        .await?
        .and_then(|s| serde_json::from_str(s.expose()).ok()))
}

/// Saves a token set to a store.
pub async fn save_tokens(
    store: &dyn TokenStore,
    key: &ProfileKey,
    tokens: &TokenSet,
) -> Result<(), StoreError> {
    let json = serde_json::to_string(tokens).map_err(|e| StoreError::Failed(e.to_string()))?;
    store.save(key, Secret::new(json)).await
}

/// Memory only: nothing outlives the process.
#[derive(Default, Clone)]
pub struct MemoryStore {
    map: Arc<Mutex<HashMap<String, Secret>>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }
}

impl TokenStore for MemoryStore {
    fn describe(&self) -> String {
        "memory (nothing is written)".into()
    }
    fn load(&self, key: &ProfileKey) -> BoxFuture<'_, Result<Option<Secret>, StoreError>> {
        let v = self
            .map
            .lock()
            .ok()
            .and_then(|m| m.get(&key.as_string()).cloned());
        Box::pin(async move { Ok(v) })
    }
    fn save(&self, key: &ProfileKey, value: Secret) -> BoxFuture<'_, Result<(), StoreError>> {
        if let Ok(mut m) = self.map.lock() {
            m.insert(key.as_string(), value);
        }
        Box::pin(async { Ok(()) })
    }
    fn remove(&self, key: &ProfileKey) -> BoxFuture<'_, Result<(), StoreError>> {
        if let Ok(mut m) = self.map.lock() {
            m.remove(&key.as_string());
        }
        Box::pin(async { Ok(()) })
    }
}

/// A JSON file (`tokens.json`) in the data dir: the file is 0600 and the dir 0700 on Unix.
#[derive(Clone)]
pub struct FileStore {
    path: PathBuf,
    lock: Arc<tokio::sync::Mutex<()>>,
}

impl FileStore {
    /// A store at `<dir>/tokens.json`.
    pub fn in_dir(dir: &Path) -> FileStore {
        FileStore {
            path: dir.join("tokens.json"),
            lock: Arc::new(tokio::sync::Mutex::new(())),
        }
    }

    /// The file path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn read_map(path: &Path) -> Result<HashMap<String, Secret>, StoreError> {
        match std::fs::read_to_string(path) {
            Ok(s) if s.trim().is_empty() => Ok(HashMap::new()),
            Ok(s) => serde_json::from_str(&s).map_err(|e| {
                StoreError::Failed(format!(
                    "{} is not a graphtui token file ({e}); delete it or run `graphtui logout`",
                    path.display()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(HashMap::new()),
            Err(e) => Err(StoreError::Failed(format!(
                "cannot read {}: {e}",
                path.display()
            ))),
        }
    }

    fn write_map(path: &Path, map: &HashMap<String, Secret>) -> Result<(), StoreError> {
        let fail = |what: &str, e: std::io::Error| {
            StoreError::Failed(format!("cannot {what} {}: {e}", path.display()))
        };
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| fail("create the directory for", e))?;
        let json = serde_json::to_string(map).map_err(|e| StoreError::Failed(e.to_string()))?;
        let tmp = path.with_extension("json.tmp");
        #[cfg(unix)]
        {
            use std::io::Write;
            use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
                .map_err(|e| fail("restrict the directory of", e))?;
            let _ = std::fs::remove_file(&tmp);
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&tmp)
                .map_err(|e| fail("write", e))?;
            f.write_all(json.as_bytes()).map_err(|e| fail("write", e))?;
            f.sync_all().map_err(|e| fail("write", e))?;
        }
        #[cfg(not(unix))]
        std::fs::write(&tmp, json).map_err(|e| fail("write", e))?;
        std::fs::rename(&tmp, path).map_err(|e| fail("replace", e))?;
        Ok(())
    }

    async fn update(
        &self,
        f: impl FnOnce(&mut HashMap<String, Secret>) + Send + 'static,
    ) -> Result<(), StoreError> {
        let _g = self.lock.lock().await;
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || {
            let mut map = Self::read_map(&path)?;
            f(&mut map);
            if map.is_empty() {
                match std::fs::remove_file(&path) {
                    Ok(()) => Ok(()),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                    Err(e) => Err(StoreError::Failed(format!(
                        "cannot remove {}: {e}",
                        path.display()
                    ))),
                }
            } else {
                Self::write_map(&path, &map)
            }
        })
        .await
        .map_err(|e| StoreError::Failed(e.to_string()))?
    }
}

impl TokenStore for FileStore {
    fn describe(&self) -> String {
        format!("file ({})", self.path.display())
    }
    fn load(&self, key: &ProfileKey) -> BoxFuture<'_, Result<Option<Secret>, StoreError>> {
        let k = key.as_string();
        Box::pin(async move {
            let _g = self.lock.lock().await;
            let path = self.path.clone();
            tokio::task::spawn_blocking(move || Ok(Self::read_map(&path)?.remove(&k)))
                .await
                .map_err(|e| StoreError::Failed(e.to_string()))?
        })
    }
    fn save(&self, key: &ProfileKey, value: Secret) -> BoxFuture<'_, Result<(), StoreError>> {
        let k = key.as_string();
        Box::pin(self.update(move |m| {
            m.insert(k, value);
        }))
    }
    fn remove(&self, key: &ProfileKey) -> BoxFuture<'_, Result<(), StoreError>> {
        let k = key.as_string();
        Box::pin(self.update(move |m| {
            m.remove(&k);
        }))
    }
}

/// The blocking operations of an OS keyring; the real one wraps the `keyring` crate, tests use a
/// fake so they never touch a real keyring.
pub trait KeyringBackend: Send + Sync + 'static {
    fn get(&self, service: &str, user: &str) -> Result<Option<String>, StoreError>;
    fn set(&self, service: &str, user: &str, value: &str) -> Result<(), StoreError>;
    fn delete(&self, service: &str, user: &str) -> Result<(), StoreError>;
}

/// The OS keyring through the `keyring` crate.
pub struct OsKeyring;

fn keyring_err(e: keyring::Error) -> StoreError {
    match e {
        keyring::Error::NoDefaultStore => StoreError::NoKeyring(e.to_string()),
        keyring::Error::NoStorageAccess(_) | keyring::Error::PlatformFailure(_) => {
            StoreError::NoKeyring(e.to_string())
        }
        other => StoreError::Failed(format!("keyring: {other}")),
    }
}

impl KeyringBackend for OsKeyring {
    fn get(&self, service: &str, user: &str) -> Result<Option<String>, StoreError> {
        let entry = keyring::Entry::new(service, user).map_err(keyring_err)?;
        match entry.get_password() {
            Ok(v) => Ok(Some(v)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(keyring_err(e)),
        }
    }
    fn set(&self, service: &str, user: &str, value: &str) -> Result<(), StoreError> {
        let entry = keyring::Entry::new(service, user).map_err(keyring_err)?;
        entry.set_password(value).map_err(keyring_err)
    }
    fn delete(&self, service: &str, user: &str) -> Result<(), StoreError> {
        let entry = keyring::Entry::new(service, user).map_err(keyring_err)?;
        match entry.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(keyring_err(e)),
        }
    }
}

/// The OS keyring as a [`TokenStore`]; every call runs on a blocking thread.
#[derive(Clone)]
pub struct KeyringStore {
    backend: Arc<dyn KeyringBackend>,
}

impl KeyringStore {
    /// The real OS keyring.
    pub fn os() -> KeyringStore {
        KeyringStore {
            backend: Arc::new(OsKeyring),
        }
    }
    /// A keyring over any backend (tests pass a fake).
    pub fn with_backend(backend: Arc<dyn KeyringBackend>) -> KeyringStore {
        KeyringStore { backend }
    }
    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn KeyringBackend) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let b = self.backend.clone();
        tokio::task::spawn_blocking(move || f(b.as_ref()))
            .await
            .map_err(|e| StoreError::Failed(e.to_string()))?
    }
}

impl TokenStore for KeyringStore {
    fn describe(&self) -> String {
        "OS keyring".into()
    }
    fn load(&self, key: &ProfileKey) -> BoxFuture<'_, Result<Option<Secret>, StoreError>> {
        let k = key.as_string();
        Box::pin(async move {
            Ok(self
                .blocking(move |b| b.get(KEYRING_SERVICE, &k))
                .await?
                .map(Secret::new))
        })
    }
    fn save(&self, key: &ProfileKey, value: Secret) -> BoxFuture<'_, Result<(), StoreError>> {
        let k = key.as_string();
        Box::pin(self.blocking(move |b| b.set(KEYRING_SERVICE, &k, value.expose())))
    }
    fn remove(&self, key: &ProfileKey) -> BoxFuture<'_, Result<(), StoreError>> {
        let k = key.as_string();
        Box::pin(self.blocking(move |b| b.delete(KEYRING_SERVICE, &k)))
    }
}

/// The keyring, switching to the file store for good the first time the keyring says there is
/// none. [`FallbackStore::in_use`] tells which one is active.
pub struct FallbackStore {
    keyring: KeyringStore,
    file: FileStore,
    fell_back: Mutex<Option<String>>,
}

impl FallbackStore {
    pub fn new(keyring: KeyringStore, file: FileStore) -> FallbackStore {
        FallbackStore {
            keyring,
            file,
            fell_back: Mutex::new(None),
        }
    }
    /// `Some(reason)` once the keyring was found missing and the file is used instead.
    pub fn fallback_reason(&self) -> Option<String> {
        self.fell_back.lock().ok().and_then(|g| g.clone())
    }
    fn use_file(&self) -> bool {
        self.fallback_reason().is_some()
    }
    fn note(&self, e: &StoreError) -> bool {
        if let StoreError::NoKeyring(why) = e {
            tracing::info!("no OS keyring ({why}); using the token file");
            if let Ok(mut g) = self.fell_back.lock() {
                *g = Some(why.clone());
            }
            true
        } else {
            false
        }
    }
}

impl TokenStore for FallbackStore {
    fn describe(&self) -> String {
        match self.fallback_reason() {
            Some(_) => format!("{} (no OS keyring available)", self.file.describe()),
            None => self.keyring.describe(),
        }
    }
    fn load(&self, key: &ProfileKey) -> BoxFuture<'_, Result<Option<Secret>, StoreError>> {
        let key = key.clone();
        Box::pin(async move {
            if !self.use_file() {
                match self.keyring.load(&key).await {
                    Err(e) if self.note(&e) => {}
                    other => return other,
                }
            }
            self.file.load(&key).await
        })
    }
    fn save(&self, key: &ProfileKey, value: Secret) -> BoxFuture<'_, Result<(), StoreError>> {
        let key = key.clone();
        Box::pin(async move {
            if !self.use_file() {
                match self.keyring.save(&key, value.clone()).await {
                    Err(e) if self.note(&e) => {}
                    other => return other,
                }
            }
            self.file.save(&key, value).await
        })
    }
    fn remove(&self, key: &ProfileKey) -> BoxFuture<'_, Result<(), StoreError>> {
        let key = key.clone();
        Box::pin(async move {
            if !self.use_file() {
                match self.keyring.remove(&key).await {
                    Err(e) if self.note(&e) => {}
                    Err(e) => return Err(e),
                    Ok(()) => {}
                }
            }
            self.file.remove(&key).await
        })
    }
}

/// Builds the store chosen by `--token-cache`.
pub fn store_for(settings: &crate::config::Settings) -> Arc<dyn TokenStore> {
    use crate::cli::TokenCacheKind;
    match settings.token_cache {
        TokenCacheKind::Keyring => Arc::new(FallbackStore::new(
            KeyringStore::os(),
            FileStore::in_dir(&settings.data_dir),
        )),
        TokenCacheKind::File => Arc::new(FileStore::in_dir(&settings.data_dir)),
        TokenCacheKind::None => Arc::new(MemoryStore::new()),
    }
}

/// Every persistent store (for `logout`, which empties the slot everywhere).
pub fn all_stores(settings: &crate::config::Settings) -> Vec<Arc<dyn TokenStore>> {
    vec![
        Arc::new(KeyringStore::os()),
        Arc::new(FileStore::in_dir(&settings.data_dir)),
    ]
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A fake keyring: a map, or "no keyring here" when `absent`.
    #[derive(Default)]
    pub struct FakeKeyring {
        pub map: Mutex<HashMap<(String, String), String>>,
        pub absent: bool,
    }

    impl KeyringBackend for FakeKeyring {
        fn get(&self, s: &str, u: &str) -> Result<Option<String>, StoreError> {
            if self.absent {
                return Err(StoreError::NoKeyring("fake: none".into()));
            }
            Ok(self.map.lock().unwrap().get(&(s.into(), u.into())).cloned())
        }
        fn set(&self, s: &str, u: &str, v: &str) -> Result<(), StoreError> {
            if self.absent {
                return Err(StoreError::NoKeyring("fake: none".into()));
            }
            self.map
                .lock()
                .unwrap()
                .insert((s.into(), u.into()), v.into());
            Ok(())
        }
        fn delete(&self, s: &str, u: &str) -> Result<(), StoreError> {
            if self.absent {
                return Err(StoreError::NoKeyring("fake: none".into()));
            }
            self.map.lock().unwrap().remove(&(s.into(), u.into()));
            Ok(())
        }
    }

    fn key() -> ProfileKey {
        ProfileKey {
            authority: "https://login.microsoftonline.com".into(),
            tenant: "contoso".into(),
            client_id: "c".into(),
            slot: "user".into(),
        }
    }

    #[tokio::test]
    async fn file_store_is_0600_in_0700_dir_and_round_trips() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("data");
        let fs = FileStore::in_dir(&dir);
        assert_eq!(fs.load(&key()).await.unwrap(), None);
        fs.save(&key(), Secret::new("v1")).await.unwrap();
        assert_eq!(fs.load(&key()).await.unwrap().unwrap().expose(), "v1");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let m = std::fs::metadata(fs.path()).unwrap().permissions().mode();
            assert_eq!(m & 0o777, 0o600);
            let m = std::fs::metadata(&dir).unwrap().permissions().mode();
            assert_eq!(m & 0o777, 0o700);
        }
        fs.remove(&key()).await.unwrap();
        assert_eq!(fs.load(&key()).await.unwrap(), None);
        assert!(!fs.path().exists());
    }

    #[tokio::test]
    async fn corrupt_file_is_a_clear_error() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("tokens.json"), "{nope").unwrap();
        let e = FileStore::in_dir(tmp.path())
            .load(&key())
            .await
            .unwrap_err();
        assert!(e.to_string().contains("not a graphtui token file"), "{e}");
    }

    #[tokio::test]
    async fn keyring_used_when_present() {
        let tmp = tempfile::tempdir().unwrap();
        let fake = Arc::new(FakeKeyring::default());
        let store = FallbackStore::new(
            KeyringStore::with_backend(fake.clone()),
            FileStore::in_dir(tmp.path()),
        );
        store.save(&key(), Secret::new("k")).await.unwrap();
        assert_eq!(store.load(&key()).await.unwrap().unwrap().expose(), "k");
        assert_eq!(fake.map.lock().unwrap().len(), 1);
        assert!(!tmp.path().join("tokens.json").exists());
        assert_eq!(store.describe(), "OS keyring");
        store.remove(&key()).await.unwrap();
        assert!(fake.map.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn falls_back_to_file_without_keyring() {
        let tmp = tempfile::tempdir().unwrap();
        let fake = Arc::new(FakeKeyring {
            absent: true,
            ..Default::default()
        });
        let store = FallbackStore::new(
            KeyringStore::with_backend(fake),
            FileStore::in_dir(tmp.path()),
        );
        store.save(&key(), Secret::new("f")).await.unwrap();
        assert!(tmp.path().join("tokens.json").exists());
        assert!(
            store.describe().starts_with("file ("),
            "{}",
            store.describe()
        );
        assert!(store.fallback_reason().is_some());
        assert_eq!(store.load(&key()).await.unwrap().unwrap().expose(), "f");
    }
}
