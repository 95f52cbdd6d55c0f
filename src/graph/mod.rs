//! The Graph client: requests, retries, paging streams, $batch, the exchange recorder.

pub mod batch;
pub mod client;
pub mod error;
pub mod models;
pub mod paging;
pub mod recorder;
pub mod retry;

pub use client::{ClientEvent, ClientOptions, GraphClient, GraphRequest, GraphResponse};
pub use error::{ApiError, GraphError, InnerError};
pub use models::{DirectoryObject, Group, ObjectKind, User};
pub use paging::{Page, PageOptions, Progress};
pub use recorder::{Exchange, ExchangeKind, Recorder};
pub use retry::RetryPolicy;
