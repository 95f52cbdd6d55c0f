//! The explorer: the terminal user interface.
//!
//! Data flows one way: terminal event → [`keymap`] → [`action::Action`] →
//! [`update::update`] (pure) → [`model::Model`] + [`action::Command`]s → [`worker`] tasks →
//! result actions (tagged with a generation) → `update` → [`views::draw`].
//!
//! A panic anywhere (event loop or worker task) restores the terminal and prints the log
//! path. For the end-to-end test of that, `GRAPHTUI_TEST_PANIC=after-first-frame`,
//! `=in-worker` or `=after-sign-in` makes [`run`] panic on purpose (hidden; read once).

pub mod action;
pub mod app;
mod demo;
pub mod graph_backend;
pub mod graph_error;
pub mod keymap;
pub mod model;
pub mod query;
pub mod theme;
pub mod token_view;
pub mod update;
pub mod views;
pub mod worker;

pub use app::run;
