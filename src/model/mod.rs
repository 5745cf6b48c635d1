//! The investigator's vocabulary, pure and free of I/O: phone numbers and
//! their one canonical spelling, the case's wall clock, and the kinds of
//! nodes and links the case graph holds.

pub mod kind;
pub mod phone;
pub mod time;
pub mod window;

pub use kind::{CallKind, EdgeKind, IncidentCategory, NodeKind, PersonRole};
pub use phone::{PhoneError, PhoneRules};
pub use time::{Clock, Time, NO_TIME};
pub use window::{TimeRange, WindowError};
