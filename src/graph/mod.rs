//! The Graph client: requests, retries, paging streams, $batch, the exchange recorder.
