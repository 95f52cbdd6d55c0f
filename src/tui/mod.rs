//! The explorer: the terminal user interface.
//!
//! Data flows one way: terminal event → [`keymap`] → [`action::Action`] →
//! [`update::update`] (pure) → [`model::Model`] + [`action::Command`]s → [`worker`] tasks →
//! result actions (tagged with a generation) → `update` → [`views::draw`].

pub mod action;
pub mod app;
mod demo;
pub mod graph_backend;
pub mod graph_error;
pub mod keymap;
pub mod model;
pub mod query;
pub mod theme;
pub mod update;
pub mod views;
pub mod worker;

pub use app::run;
