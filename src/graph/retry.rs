//! Retry policy like Kiota's RetryHandler: 429, 503 and 504 are retried, honouring `Retry-After`
//! (seconds, fractional too, or an HTTP date), otherwise exponential backoff with jitter; a
//! maximum count and a cap on the total wait. Each retry carries a `Retry-Attempt` header.

use std::time::{Duration, SystemTime};

/// How requests are retried.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first try (Kiota: default 3, at most 10).
    pub max_retries: u32,
    /// Base delay for backoff when no `Retry-After` (Kiota: 3 s).
    pub base_delay: Duration,
    /// Longest single wait (Kiota: 180 s).
    pub max_delay: Duration,
    /// Stop retrying once the waits add up to this (Kiota: 180 s).
    pub max_total: Duration,
    /// Add 0..1 s of random jitter to backoff waits.
    pub jitter: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_secs(3),
            max_delay: Duration::from_secs(180),
            max_total: Duration::from_secs(180),
            jitter: true,
        }
    }
}

/// True for the statuses the SDK retry handler retries.
pub fn is_retryable_status(status: u16) -> bool {
    matches!(status, 429 | 503 | 504)
}

/// Parses `Retry-After`: delay seconds (fractional accepted) or an HTTP date relative to `now`.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return Some(Duration::from_secs_f64(secs.min(86_400.0)));
        }
        return None;
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

impl RetryPolicy {
    /// A policy for tests: no jitter and tiny backoff.
    pub fn fast() -> RetryPolicy {
        RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_secs(5),
            max_total: Duration::from_secs(10),
            jitter: false,
        }
    }

    /// The wait before retry number `attempt` (1-based), from `Retry-After` when given.
    pub fn delay(&self, attempt: u32, retry_after: Option<&str>) -> Duration {
        let d = match retry_after.and_then(|v| parse_retry_after(v, SystemTime::now())) {
            Some(d) => d,
            None => {
                let exp = self
                    .base_delay
                    .saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
                let jitter = if self.jitter {
                    Duration::from_millis(rand::random_range(0..1000))
                } else {
                    Duration::ZERO
                };
                exp + jitter
            }
        };
        d.min(self.max_delay)
    }

    /// Whether retry number `attempt` (1-based) may happen after `waited` so far, waiting `next`.
    pub fn allows(&self, attempt: u32, waited: Duration, next: Duration) -> bool {
        attempt <= self.max_retries && waited + next <= self.max_total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_seconds_fractions_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("2.128", now),
            Some(Duration::from_millis(2128))
        );
        let later = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(
            parse_retry_after(&later, now),
            Some(Duration::from_secs(30))
        );
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(parse_retry_after(&earlier, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
    }

    #[test]
    fn backoff_is_exponential_and_capped() {
        let p = RetryPolicy {
            jitter: false,
            ..RetryPolicy::default()
        };
        assert_eq!(p.delay(1, None), Duration::from_secs(3));
        assert_eq!(p.delay(2, None), Duration::from_secs(6));
        assert_eq!(p.delay(3, None), Duration::from_secs(12));
        assert_eq!(p.delay(1, Some("1000")), Duration::from_secs(180));
        let j = RetryPolicy::default().delay(1, None);
        assert!(j >= Duration::from_secs(3) && j < Duration::from_secs(4));
        assert!(p.allows(3, Duration::ZERO, Duration::from_secs(1)));
        assert!(!p.allows(4, Duration::ZERO, Duration::from_secs(1)));
        assert!(!p.allows(1, Duration::from_secs(179), Duration::from_secs(2)));
        assert!(is_retryable_status(429) && is_retryable_status(504) && !is_retryable_status(500));
    }
}
