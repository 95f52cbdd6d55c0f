//! Named scenarios: how sign-in behaves, token lifetime and scopes, and faults from the
//! start. A scenario string is a comma-separated list of items, e.g.
//! `manual-approve,token-lifetime=30,throttle=5`.

use crate::sandbox::faults::FaultConfig;

/// How the device-code flow answers polls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceBehavior {
    /// `authorization_pending` for the first N polls, then approved as the demo user.
    AutoApprove { pending_polls: u32 },
    /// Pending until `POST /_sandbox/device/approve` or `/decline`.
    Manual,
    /// `slow_down` on the first poll, then pending once, then approved.
    SlowDown,
    /// `authorization_declined` on the first poll after one pending.
    Declined,
    /// `expired_token` on every poll.
    Expired,
    /// `bad_verification_code` on every poll.
    BadCode,
}

/// A parsed scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub device: DeviceBehavior,
    /// Polling interval announced by the devicecode endpoint (seconds).
    pub interval: u64,
    /// Access-token lifetime (seconds).
    pub token_lifetime: u64,
    /// When set, delegated tokens carry only these scopes (intersected with the request).
    pub granted_scopes: Option<Vec<String>>,
    /// Refresh tokens fail with AADSTS700082 (expired through inactivity).
    pub refresh_expired: bool,
    /// Faults active from the start.
    pub faults: FaultConfig,
    /// Who device codes are approved as: a UPN or id, `guest` (the first guest), or None
    /// for the demo user.
    pub sign_in_as: Option<String>,
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario {
            name: "default".into(),
            device: DeviceBehavior::AutoApprove { pending_polls: 2 },
            interval: 5,
            token_lifetime: 3599,
            granted_scopes: None,
            refresh_expired: false,
            faults: FaultConfig::default(),
            sign_in_as: None,
        }
    }
}

/// The scenario items and what they do (for help texts).
pub const SCENARIOS: &[(&str, &str)] = &[
    (
        "default",
        "auto-approve the device code after two pending polls; all scopes granted",
    ),
    (
        "manual-approve",
        "device code stays pending until POST /_sandbox/device/approve or /decline",
    ),
    (
        "slow-down",
        "first poll answers slow_down, then pending, then approved",
    ),
    ("declined", "the user declines: authorization_declined"),
    ("expired-code", "every poll answers expired_token"),
    (
        "bad-verification-code",
        "every poll answers bad_verification_code",
    ),
    ("fast-poll", "devicecode announces interval 1 instead of 5"),
    (
        "sign-in-as=UPN",
        "approve device codes as this user (or 'guest': the first guest)",
    ),
    (
        "short-lived-tokens",
        "access tokens live 60 s (token-lifetime=N for N seconds)",
    ),
    (
        "limited-scopes",
        "delegated tokens carry only User.Read (scopes=A+B for a custom list)",
    ),
    (
        "refresh-expired",
        "refresh tokens fail with invalid_grant AADSTS700082",
    ),
    (
        "throttle",
        "429 on every 3rd Graph request (throttle=N), Retry-After 1",
    ),
    (
        "throttle-fractional",
        "429 on every 3rd Graph request with Retry-After 2.128",
    ),
    ("flaky", "seeded 10 % 503 and 5 % 504"),
    ("slow", "250 ms latency on every Graph request (latency=MS)"),
    (
        "expire-mid-paging",
        "every token expires after 2 Graph requests",
    ),
    (
        "foreign-next-link",
        "@odata.nextLink points at another host",
    ),
    ("truncated", "every 4th body is cut short"),
    ("malformed", "every 4th body is invalid JSON"),
    ("drop", "every 4th connection is dropped"),
];

impl Scenario {
    /// Parses a scenario string; unknown items are an error naming the item.
    pub fn parse(spec: Option<&str>) -> Result<Scenario, String> {
        let mut s = Scenario::default();
        let Some(spec) = spec.map(str::trim).filter(|x| !x.is_empty()) else {
            return Ok(s);
        };
        s.name = spec.to_string();
        for item in spec.split(',').map(str::trim).filter(|x| !x.is_empty()) {
            let (key, value) = match item.split_once('=') {
                Some((k, v)) => (k.trim(), Some(v.trim())),
                None => (item, None),
            };
            let num = |d: u64| -> Result<u64, String> {
                value.map_or(Ok(d), |v| {
                    v.parse::<u64>()
                        .map_err(|_| format!("scenario item '{item}': '{v}' is not a number"))
                })
            };
            match key {
                "default" => {}
                "manual-approve" | "manual" => s.device = DeviceBehavior::Manual,
                "slow-down" => s.device = DeviceBehavior::SlowDown,
                "declined" => s.device = DeviceBehavior::Declined,
                "expired-code" => s.device = DeviceBehavior::Expired,
                "bad-verification-code" => s.device = DeviceBehavior::BadCode,
                "pending-polls" => {
                    s.device = DeviceBehavior::AutoApprove {
                        pending_polls: num(2)? as u32,
                    }
                }
                "fast-poll" => s.interval = 1,
                "sign-in-as" => match value {
                    Some(v) if !v.is_empty() => s.sign_in_as = Some(v.to_string()),
                    _ => {
                        return Err(format!(
                            "scenario item '{item}' needs a user: sign-in-as=UPN"
                        ));
                    }
                },
                "short-lived-tokens" => s.token_lifetime = num(60)?,
                "token-lifetime" => s.token_lifetime = num(3599)?,
                "limited-scopes" => s.granted_scopes = Some(vec!["User.Read".into()]),
                "scopes" => {
                    s.granted_scopes = Some(
                        value
                            .unwrap_or("")
                            .split(['+', ' '])
                            .filter(|x| !x.is_empty())
                            .map(str::to_string)
                            .collect(),
                    )
                }
                "refresh-expired" => s.refresh_expired = true,
                "throttle" => s.faults.throttle_every = Some(num(3)?),
                "throttle-fractional" => {
                    s.faults.throttle_every = Some(num(3)?);
                    s.faults.retry_after = Some(serde_json::json!(2.128));
                }
                "flaky" => {
                    s.faults.status_503_rate = 0.10;
                    s.faults.status_504_rate = 0.05;
                }
                "slow" => s.faults.latency_ms = num(250)?,
                "latency" => s.faults.latency_ms = num(250)?,
                "expire-mid-paging" => s.faults.expire_tokens_after = Some(num(2)?),
                "foreign-next-link" => s.faults.foreign_next_link = true,
                "truncated" => s.faults.truncate_every = Some(num(4)?),
                "malformed" => s.faults.malformed_every = Some(num(4)?),
                "drop" => s.faults.drop_every = Some(num(4)?),
                other => {
                    let known: Vec<&str> = SCENARIOS.iter().map(|(n, _)| *n).collect();
                    return Err(format!(
                        "unknown scenario '{other}'; known: {}",
                        known.join(", ")
                    ));
                }
            }
        }
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_combinations() {
        let s = Scenario::parse(Some("manual-approve, token-lifetime=30,throttle=5")).unwrap();
        assert_eq!(s.device, DeviceBehavior::Manual);
        assert_eq!(s.token_lifetime, 30);
        assert_eq!(s.faults.throttle_every, Some(5));
        assert_eq!(Scenario::parse(None).unwrap(), Scenario::default());
        let e = Scenario::parse(Some("nope")).unwrap_err();
        assert!(e.contains("unknown scenario 'nope'"));
        assert!(Scenario::parse(Some("throttle=x")).is_err());
        let s = Scenario::parse(Some("scopes=User.Read+Group.Read.All")).unwrap();
        assert_eq!(s.granted_scopes.unwrap(), ["User.Read", "Group.Read.All"]);
    }
}
