//! graphtui: a terminal explorer for Microsoft Graph and Entra ID.
//!
//! The crate is a library so that tests drive every piece without a terminal;
//! `main.rs` only parses the command line and runs one subcommand.

pub mod auth;
pub mod cli;
pub mod config;
pub mod doctor;
pub mod graph;
pub mod logging;
pub mod odata;
pub mod sandbox;
pub mod tui;
pub mod util;
