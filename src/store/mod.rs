//! The SQLite file: opening it to read or to write (`open`), telling foreign files apart
//! (`identity`), damage (`damage`), the journal modes and the file at rest (`journal`),
//! starting a write and why one failed (`writing`), the hardening of every connection
//! (`harden`, `read_only`), the process's memory budget (`memory`), and what the file holds,
//! written by the modules below: events, rejects, the ingests ledger, meta facts, the days of
//! the calendar. Its door is re-exported here.

pub mod blocks;
pub mod calendar;
pub mod codes;
pub mod damage;
pub mod events;
pub mod harden;
pub mod history;
pub mod id_set;
pub mod identity;
pub mod ingests;
pub mod ip;
pub mod journal;
pub mod memory;
pub mod meta;
pub mod objects;
pub mod open;
pub mod read_only;
pub mod rejects;
pub mod schema;
pub mod static_insert;
pub mod writing;

pub use damage::{check_pages, QUICK_CHECK_BYTES};
pub use events::events_empty;
pub use identity::user_version;
pub use journal::{leave_at_rest, use_rollback_journal_if_empty};
pub use objects::tables_and_views;
pub use open::{
    file_uri, folder_of, harden_writer, missing_database, open_for_read, open_for_read_again,
    open_for_write_as_found, remove_database_files, special_kind, trust_own_references,
    MAX_LINE_BYTES,
};
pub use writing::{begin_write, explain, WRITE_WAIT};
