//! Fault injection: throttling, 5xx, latency, broken bodies, dropped connections, token
//! expiry and foreign nextLinks. "Every Nth" faults count Graph requests since the faults
//! were set, so they are deterministic; rates draw from a PRNG seeded by `seed`.

use crate::sandbox::rng::Rng;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The fault configuration, as sent to `POST /_sandbox/faults` (every field optional).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct FaultConfig {
    /// Answer every Nth Graph request with 429 TooManyRequests.
    pub throttle_every: Option<u64>,
    /// Retry-After value on 429/503: an integer (`2`) or fractional (`2.128`) number of
    /// seconds, or `null` to send none. Default 1.
    pub retry_after: Option<Value>,
    /// Answer every Nth Graph request with 503 serviceNotAvailable.
    pub status_503_every: Option<u64>,
    /// Answer every Nth Graph request with 504 (gateway timeout).
    pub status_504_every: Option<u64>,
    /// Fraction (0..1) of Graph requests answered with 503 (seeded).
    pub status_503_rate: f64,
    /// Fraction (0..1) of Graph requests answered with 504 (seeded).
    pub status_504_rate: f64,
    /// Added latency before every Graph response, in milliseconds.
    pub latency_ms: u64,
    /// Every Nth response body is cut short (Content-Length promises more than is sent).
    pub truncate_every: Option<u64>,
    /// Every Nth response body is invalid JSON (200 with a cut body and matching length).
    pub malformed_every: Option<u64>,
    /// Every Nth request has its connection dropped without a response.
    pub drop_every: Option<u64>,
    /// After N more Graph requests, every access token issued so far expires.
    pub expire_tokens_after: Option<u64>,
    /// Build `@odata.nextLink` with a different host (https://graph.evil.example).
    pub foreign_next_link: bool,
    /// Seed for rate-based faults (default 1).
    pub seed: Option<u64>,
    /// Only requests whose path starts with this prefix (e.g. `/v1.0/users`) count and fail.
    pub path_prefix: Option<String>,
}

/// What to do to one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    None,
    Drop,
    Throttle(Option<String>),
    Unavailable(Option<String>),
    GatewayTimeout,
    Truncate,
    Malformed,
}

/// Live fault state: the configuration plus counters.
#[derive(Debug, Clone)]
pub struct FaultState {
    pub config: FaultConfig,
    pub count: u64,
    rng: Rng,
    expired_fired: bool,
}

impl Default for FaultState {
    fn default() -> Self {
        Self::new(FaultConfig::default())
    }
}

/// The decision for one request, plus whether tokens must expire now.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub fault: Fault,
    pub latency_ms: u64,
    pub expire_tokens_now: bool,
}

impl FaultState {
    /// A fresh state (counters at zero).
    pub fn new(config: FaultConfig) -> Self {
        let seed = config.seed.unwrap_or(1);
        FaultState {
            config,
            count: 0,
            rng: Rng::new(seed),
            expired_fired: false,
        }
    }

    /// The Retry-After header value to send, if any.
    pub fn retry_after(&self) -> Option<String> {
        match &self.config.retry_after {
            None => Some("1".into()),
            Some(Value::Null) => None,
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => Some(other.to_string()),
        }
    }

    /// Decides the fault for the next Graph request with this path.
    pub fn decide(&mut self, path: &str) -> Decision {
        let c = &self.config;
        if let Some(p) = &c.path_prefix
            && !path.starts_with(p.as_str())
        {
            return Decision {
                fault: Fault::None,
                latency_ms: 0,
                expire_tokens_now: false,
            };
        }
        self.count += 1;
        let n = self.count;
        let every = |k: Option<u64>| k.is_some_and(|k| k > 0 && n.is_multiple_of(k));
        // Draw both rates every time, so one rate does not shift the other's sequence.
        let r503 = self.rng.unit();
        let r504 = self.rng.unit();
        let expire_tokens_now = match c.expire_tokens_after {
            Some(k) if !self.expired_fired && n > k => {
                self.expired_fired = true;
                true
            }
            _ => false,
        };
        let fault = if every(c.drop_every) {
            Fault::Drop
        } else if every(c.throttle_every) {
            Fault::Throttle(self.retry_after())
        } else if every(c.status_503_every) || r503 < c.status_503_rate {
            Fault::Unavailable(self.retry_after())
        } else if every(c.status_504_every) || r504 < c.status_504_rate {
            Fault::GatewayTimeout
        } else if every(c.truncate_every) {
            Fault::Truncate
        } else if every(c.malformed_every) {
            Fault::Malformed
        } else {
            Fault::None
        };
        Decision {
            fault,
            latency_ms: c.latency_ms,
            expire_tokens_now,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_nth_is_deterministic() {
        let mut f = FaultState::new(FaultConfig {
            throttle_every: Some(3),
            retry_after: Some(serde_json::json!(2.128)),
            ..Default::default()
        });
        let got: Vec<bool> = (0..6)
            .map(|_| matches!(f.decide("/v1.0/users").fault, Fault::Throttle(_)))
            .collect();
        assert_eq!(got, [false, false, true, false, false, true]);
        assert_eq!(f.retry_after().as_deref(), Some("2.128"));
    }

    #[test]
    fn rates_are_seeded() {
        let cfg = FaultConfig {
            status_503_rate: 0.5,
            seed: Some(9),
            ..Default::default()
        };
        let run = |cfg: &FaultConfig| {
            let mut f = FaultState::new(cfg.clone());
            (0..50)
                .map(|_| f.decide("/v1.0/users").fault)
                .collect::<Vec<_>>()
        };
        let a = run(&cfg);
        assert_eq!(a, run(&cfg));
        let hits = a
            .iter()
            .filter(|f| matches!(f, Fault::Unavailable(_)))
            .count();
        assert!(hits > 10 && hits < 40, "{hits}");
    }

    #[test]
    fn expiry_fires_once() {
        let mut f = FaultState::new(FaultConfig {
            expire_tokens_after: Some(2),
            ..Default::default()
        });
        let fired: Vec<bool> = (0..5)
            .map(|_| f.decide("/v1.0/me").expire_tokens_now)
            .collect();
        assert_eq!(fired, [false, false, true, false, false]);
    }
}
