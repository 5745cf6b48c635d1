//! The case contract as data: each file of the case format
//! (`docs/case-format.md`) with its columns, which are required and whether
//! columns outside the contract are kept. Read by the column mapping
//! (`columns`) and by the table reader (`table`).

/// A column of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnSpec {
    pub name: &'static str,
    pub required: bool,
}

const fn req(name: &'static str) -> ColumnSpec {
    ColumnSpec {
        name,
        required: true,
    }
}
const fn opt(name: &'static str) -> ColumnSpec {
    ColumnSpec {
        name,
        required: false,
    }
}

/// A case file of the contract and its columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileSpec {
    pub file: &'static str,
    pub columns: &'static [ColumnSpec],
    /// Whether columns outside the contract are kept as attributes.
    pub keeps_extra: bool,
}

impl FileSpec {
    pub const CALLS: FileSpec = FileSpec {
        file: "calls.csv",
        columns: &[
            req("caller"),
            req("callee"),
            req("start"),
            opt("duration_s"),
            opt("kind"),
            opt("caller_location"),
            opt("callee_location"),
            opt("caller_imei"),
            opt("callee_imei"),
        ],
        keeps_extra: false,
    };
    pub const PERSONS: FileSpec = FileSpec {
        file: "persons.csv",
        columns: &[
            req("person_id"),
            req("name"),
            opt("aliases"),
            opt("id_number"),
            opt("dob"),
            opt("phones"),
            opt("address"),
            opt("role"),
            opt("source"),
        ],
        keeps_extra: true,
    };
    pub const PHONES: FileSpec = FileSpec {
        file: "phones.csv",
        columns: &[
            req("number"),
            opt("subscriber_name"),
            opt("subscriber_id_number"),
            opt("imei"),
            opt("activated"),
            opt("deactivated"),
            opt("carrier"),
        ],
        keeps_extra: true,
    };
    pub const LOCATIONS: FileSpec = FileSpec {
        file: "locations.csv",
        columns: &[
            req("location_id"),
            opt("name"),
            opt("lat"),
            opt("lon"),
            opt("district"),
        ],
        keeps_extra: true,
    };
    pub const INCIDENTS: FileSpec = FileSpec {
        file: "incidents.csv",
        columns: &[
            req("incident_id"),
            req("time"),
            req("category"),
            opt("location_id"),
            opt("phones"),
            opt("victim_id"),
            opt("loss"),
            opt("accounts"),
        ],
        keeps_extra: true,
    };
    /// In the order they are read: places and people before the calls and
    /// incidents that refer to them.
    pub const ALL: &'static [FileSpec] = &[
        Self::LOCATIONS,
        Self::PERSONS,
        Self::PHONES,
        Self::CALLS,
        Self::INCIDENTS,
    ];

    /// `calls` for `calls.csv`: the table name in a column mapping.
    pub fn stem(&self) -> &'static str {
        self.file.trim_end_matches(".csv")
    }

    /// Position of a contract column in `columns`.
    pub fn col(&self, name: &str) -> usize {
        self.columns
            .iter()
            .position(|c| c.name == name)
            .expect("a contract column")
    }
}
