//! The explorer: the terminal user interface.
