//! National clouds and their endpoints (see the Graph "national cloud deployments" page).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A Microsoft cloud: each has its own identity host and Graph root, and tokens do not cross them.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum Cloud {
    /// The global service (also GCC moderate).
    #[default]
    Global,
    /// US Government L4 (GCC High).
    Usgov,
    /// US Government L5 (DoD).
    UsgovDod,
    /// China, operated by 21Vianet.
    China,
}

impl Cloud {
    /// Every cloud, in display order.
    pub const ALL: [Cloud; 4] = [Cloud::Global, Cloud::Usgov, Cloud::UsgovDod, Cloud::China];

    /// The identity platform host (no trailing slash); the tenant and `/oauth2/v2.0/...` are appended.
    pub fn authority_host(self) -> &'static str {
        match self {
            Cloud::Global => "https://login.microsoftonline.com",
            Cloud::Usgov | Cloud::UsgovDod => "https://login.microsoftonline.us",
            // The Graph deployments page names login.chinacloudapi.cn; the Entra page also lists
            // login.partner.microsoftonline.cn. Both serve the 21Vianet cloud.
            Cloud::China => "https://login.chinacloudapi.cn",
        }
    }

    /// The Graph root without version (no trailing slash).
    pub fn graph_root(self) -> &'static str {
        match self {
            Cloud::Global => "https://graph.microsoft.com",
            Cloud::Usgov => "https://graph.microsoft.us",
            Cloud::UsgovDod => "https://dod-graph.microsoft.us",
            Cloud::China => "https://microsoftgraph.chinacloudapi.cn",
        }
    }

    /// The name used on the command line and in config files.
    pub fn name(self) -> &'static str {
        match self {
            Cloud::Global => "global",
            Cloud::Usgov => "usgov",
            Cloud::UsgovDod => "usgov-dod",
            Cloud::China => "china",
        }
    }

    /// A human label for the header bar.
    pub fn label(self) -> &'static str {
        match self {
            Cloud::Global => "Global",
            Cloud::Usgov => "US Gov L4 (GCC High)",
            Cloud::UsgovDod => "US Gov L5 (DoD)",
            Cloud::China => "China (21Vianet)",
        }
    }
}

impl fmt::Display for Cloud {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Cloud {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "global" | "public" | "azurepublic" | "gcc" => Ok(Cloud::Global),
            "usgov" | "gcchigh" | "gcc-high" | "usgovl4" => Ok(Cloud::Usgov),
            "usgov-dod" | "usgovdod" | "dod" | "usgovl5" => Ok(Cloud::UsgovDod),
            "china" | "21vianet" | "azurechina" => Ok(Cloud::China),
            other => Err(format!(
                "unknown cloud '{other}': expected one of global, usgov, usgov-dod, china"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_match_the_deployments_page() {
        assert_eq!(Cloud::Global.graph_root(), "https://graph.microsoft.com");
        assert_eq!(
            Cloud::Usgov.authority_host(),
            "https://login.microsoftonline.us"
        );
        assert_eq!(
            Cloud::UsgovDod.graph_root(),
            "https://dod-graph.microsoft.us"
        );
        assert_eq!(
            Cloud::China.graph_root(),
            "https://microsoftgraph.chinacloudapi.cn"
        );
        for c in Cloud::ALL {
            assert_eq!(c.name().parse::<Cloud>().unwrap(), c);
        }
        assert!("mars".parse::<Cloud>().unwrap_err().contains("usgov-dod"));
    }
}
