//! The error catalogue: cause and remedy for Graph error codes, AADSTS numbers and OAuth errors,
//! read from `assets/error-catalogue.toml` (embedded).

use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// The embedded catalogue text.
pub const ASSET: &str = include_str!("../../assets/error-catalogue.toml");

/// One Graph error code entry.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct GraphEntry {
    /// `error.code`, e.g. `Authorization_RequestDenied`.
    pub code: String,
    /// Only applies when the message contains this (case-insensitive).
    #[serde(default)]
    pub message_contains: Option<String>,
    /// Typical HTTP status.
    #[serde(default)]
    pub status: Option<u16>,
    /// The cause, in a sentence.
    pub cause: String,
    /// What to do.
    pub action: String,
}

/// One AADSTS entry.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct AadstsEntry {
    /// The number after `AADSTS`.
    pub code: u32,
    /// The error's name in Microsoft's list.
    pub name: String,
    /// The cause, in a sentence.
    pub cause: String,
    /// What to do.
    pub action: String,
}

/// One OAuth `error` entry.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct OauthEntry {
    /// The `error` value, e.g. `invalid_grant`.
    pub code: String,
    /// The cause, in a sentence.
    pub cause: String,
    /// What to do.
    pub action: String,
}

/// The whole catalogue.
#[derive(Debug, Clone, Deserialize, Serialize, Default)]
pub struct Catalogue {
    /// Graph error codes.
    #[serde(default)]
    pub graph: Vec<GraphEntry>,
    /// AADSTS codes.
    #[serde(default)]
    pub aadsts: Vec<AadstsEntry>,
    /// OAuth errors.
    #[serde(default)]
    pub oauth: Vec<OauthEntry>,
}

/// An explanation to show above a raw error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// The code explained (`Authorization_RequestDenied`, `AADSTS65001`, `invalid_grant`).
    pub code: String,
    /// A name, for AADSTS codes.
    pub name: Option<String>,
    /// The cause, in a sentence.
    pub cause: String,
    /// What to do.
    pub action: String,
}

impl Catalogue {
    /// Parses catalogue TOML.
    pub fn parse(text: &str) -> Result<Catalogue, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    /// The Graph entry for a code and message: a `message_contains` match first, else the
    /// generic entry for the code (codes compare case-insensitively).
    pub fn graph(&self, code: &str, message: &str) -> Option<&GraphEntry> {
        let msg = message.to_ascii_lowercase();
        let same = |e: &&GraphEntry| e.code.eq_ignore_ascii_case(code.trim());
        self.graph
            .iter()
            .filter(same)
            .find(|e| {
                e.message_contains
                    .as_ref()
                    .is_some_and(|m| msg.contains(&m.to_ascii_lowercase()))
            })
            .or_else(|| {
                self.graph
                    .iter()
                    .filter(same)
                    .find(|e| e.message_contains.is_none())
            })
    }

    /// The AADSTS entry for a number.
    pub fn aadsts(&self, code: u32) -> Option<&AadstsEntry> {
        self.aadsts.iter().find(|e| e.code == code)
    }

    /// The OAuth entry for an `error` value.
    pub fn oauth(&self, error: &str) -> Option<&OauthEntry> {
        self.oauth
            .iter()
            .find(|e| e.code.eq_ignore_ascii_case(error.trim()))
    }
}

static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();

/// The embedded catalogue, parsed once.
pub fn catalogue() -> &'static Catalogue {
    CATALOGUE.get_or_init(|| match Catalogue::parse(ASSET) {
        Ok(c) => c,
        Err(e) => {
            // Checked by tests; an empty catalogue keeps the program usable.
            tracing::error!("error catalogue: {e}");
            Catalogue::default()
        }
    })
}

/// Explains a Graph `error.code` (with its message, which selects a more specific entry).
pub fn explain_graph_error(code: &str, message: &str) -> Option<Explanation> {
    catalogue().graph(code, message).map(|e| Explanation {
        code: e.code.clone(),
        name: None,
        cause: e.cause.clone(),
        action: e.action.clone(),
    })
}

/// Explains an AADSTS number.
pub fn explain_aadsts(code: u32) -> Option<Explanation> {
    catalogue().aadsts(code).map(|e| Explanation {
        code: format!("AADSTS{}", e.code),
        name: Some(e.name.clone()),
        cause: e.cause.clone(),
        action: e.action.clone(),
    })
}

/// Explains an OAuth `error` value.
pub fn explain_oauth_error(error: &str) -> Option<Explanation> {
    catalogue().oauth(error).map(|e| Explanation {
        code: e.code.clone(),
        name: None,
        cause: e.cause.clone(),
        action: e.action.clone(),
    })
}

/// Every `AADSTSnnnn` number in a text, in order, without repeats.
pub fn aadsts_codes_in(text: &str) -> Vec<u32> {
    let mut out = Vec::new();
    let upper = text.to_ascii_uppercase();
    let mut rest = upper.as_str();
    while let Some(i) = rest.find("AADSTS") {
        rest = &rest[i + 6..];
        let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        if let Ok(n) = digits.parse::<u32>()
            && !out.contains(&n)
        {
            out.push(n);
        }
    }
    out
}

/// Explains an identity platform error body (`{"error":…,"error_description":"AADSTS…",
/// "error_codes":[…]}`): the AADSTS entries first (most specific), then the OAuth `error`.
pub fn explain_identity_error(body: &str) -> Vec<Explanation> {
    let mut out = Vec::new();
    let v: serde_json::Value = serde_json::from_str(body).unwrap_or(serde_json::Value::Null);
    let mut codes: Vec<u32> = v
        .get("error_codes")
        .and_then(|c| c.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_u64().and_then(|n| u32::try_from(n).ok()))
                .collect()
        })
        .unwrap_or_default();
    let desc = v
        .get("error_description")
        .and_then(|d| d.as_str())
        .unwrap_or(if v.is_null() { body } else { "" });
    for c in aadsts_codes_in(desc) {
        if !codes.contains(&c) {
            codes.push(c);
        }
    }
    for c in codes {
        if let Some(e) = explain_aadsts(c) {
            out.push(e);
        }
    }
    if let Some(e) = v
        .get("error")
        .and_then(|e| e.as_str())
        .and_then(explain_oauth_error)
    {
        out.push(e);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_catalogue_parses_and_is_complete() {
        let c = Catalogue::parse(ASSET).unwrap();
        assert!(c.graph.len() >= 30 && c.aadsts.len() >= 40 && c.oauth.len() >= 10);
        for e in &c.graph {
            assert!(
                !e.cause.trim().is_empty() && !e.action.trim().is_empty(),
                "{e:?}"
            );
        }
        for e in &c.aadsts {
            assert!(
                !e.cause.trim().is_empty() && !e.action.trim().is_empty() && !e.name.is_empty(),
                "{e:?}"
            );
        }
        for e in &c.oauth {
            assert!(
                !e.cause.trim().is_empty() && !e.action.trim().is_empty(),
                "{e:?}"
            );
        }
        // No duplicate AADSTS numbers or duplicate generic Graph entries.
        let mut nums: Vec<u32> = c.aadsts.iter().map(|e| e.code).collect();
        nums.sort();
        nums.dedup();
        assert_eq!(nums.len(), c.aadsts.len());
        let mut generic: Vec<String> = c
            .graph
            .iter()
            .filter(|e| e.message_contains.is_none())
            .map(|e| e.code.to_ascii_lowercase())
            .collect();
        let n = generic.len();
        generic.sort();
        generic.dedup();
        assert_eq!(generic.len(), n);
    }

    #[test]
    fn specific_messages_win() {
        let e = explain_graph_error("Request_BadRequest", "$count is not currently supported.")
            .unwrap();
        assert!(e.action.contains("ConsistencyLevel"));
        let e = explain_graph_error("request_badrequest", "something else").unwrap();
        assert!(e.cause.contains("malformed"));
        let e = explain_graph_error(
            "Request_ResourceNotFound",
            "Resource 'manager' does not exist or one of its queried reference-property objects are not present.",
        )
        .unwrap();
        assert!(e.cause.contains("no manager"));
        assert!(explain_graph_error("NoSuchCode", "").is_none());
    }

    #[test]
    fn aadsts_lookup_and_scan() {
        assert_eq!(explain_aadsts(65001).unwrap().code, "AADSTS65001");
        assert!(explain_aadsts(1).is_none());
        assert_eq!(
            aadsts_codes_in("AADSTS70011: x. aadsts700016 and AADSTS70011 again, AADSTS"),
            vec![70011, 700016]
        );
        let body = r#"{"error":"invalid_grant","error_description":"AADSTS50076: Due to a configuration change...\r\nTrace ID: x","error_codes":[50076]}"#;
        let ex = explain_identity_error(body);
        assert_eq!(ex.len(), 2);
        assert_eq!(ex[0].code, "AADSTS50076");
        assert_eq!(ex[1].code, "invalid_grant");
        assert_eq!(explain_identity_error("AADSTS7000215: bad").len(), 1);
        assert!(explain_identity_error("").is_empty());
    }
}
