//! Shared server state: the immutable tenant plus the mutable parts behind one lock.

use crate::sandbox::faults::FaultState;
use crate::sandbox::log::RequestLog;
use crate::sandbox::scenario::Scenario;
use crate::sandbox::tenant::Tenant;
use crate::sandbox::tokens::TokenStore;
use std::sync::{Mutex, MutexGuard};

/// Everything a request handler can see.
#[derive(Debug)]
pub struct AppState {
    pub tenant: Tenant,
    pub scenario: Scenario,
    inner: Mutex<Mutable>,
}

/// State that changes while serving.
#[derive(Debug, Default)]
pub struct Mutable {
    pub tokens: TokenStore,
    pub faults: FaultState,
    pub log: RequestLog,
}

impl AppState {
    /// State for a tenant and scenario (the scenario's faults start active).
    pub fn new(tenant: Tenant, scenario: Scenario) -> Self {
        let faults = FaultState::new(scenario.faults.clone());
        AppState {
            tenant,
            scenario,
            inner: Mutex::new(Mutable {
                faults,
                ..Default::default()
            }),
        }
    }

    /// Locks the mutable state (a poisoned lock is recovered: the data stays usable).
    pub fn lock(&self) -> MutexGuard<'_, Mutable> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Forgets tokens, device codes, the log and runtime faults (back to the scenario's).
    pub fn reset(&self) {
        let mut m = self.lock();
        *m = Mutable {
            faults: FaultState::new(self.scenario.faults.clone()),
            ..Default::default()
        };
    }
}
