//! persons.csv: people known to the case, one record per row. Records of
//! the same individual are *not* merged here; that is entity resolution's
//! job.

use super::table::{list_items, Table};
use super::{optional_date, phone_list, IngestConfig};
use crate::error::{Result, RowError};
use crate::graph::{AttributeTable, CaseBuilder, ListRange, Person};
use crate::model::PersonRole;

pub fn read(
    table: &mut Table,
    builder: &mut CaseBuilder,
    config: &IngestConfig,
    rejects: &mut Vec<RowError>,
) -> Result<()> {
    table.for_each_row(rejects, |row| {
        let person_id = row.required("person_id")?;
        if let Some(i) = builder.person_by_id(person_id) {
            return Err(format!(
                "column \"person_id\": expected a unique id, found {person_id:?} already at line {}",
                builder.persons[i as usize].line
            ));
        }
        let name = row.required("name")?;
        let dob = optional_date("dob", row.get("dob"))?;
        let role = match row.get("role") {
            "" => PersonRole::Unknown,
            r => PersonRole::parse(r)
                .ok_or_else(|| format!("column \"role\": expected one of {}, found {r:?}", PersonRole::expected()))?,
        };
        let phones = phone_list("phones", row.get("phones"), &config.phone_rules, builder)?;
        let aliases: Vec<u32> = list_items(row.get("aliases")).map(|a| builder.interner.intern(a).0).collect();
        let person = Person {
            dob,
            person_id: builder.interner.intern(person_id),
            name: builder.interner.intern(name),
            id_number: builder.interner.intern(row.get("id_number")),
            address: builder.interner.intern(row.get("address")),
            source: builder.interner.intern(row.get("source")),
            aliases: ListRange::default(),
            phones: ListRange::default(),
            line: row.line(),
            role: role as u8,
            _pad: [0; 3],
            _pad2: 0,
        };
        let aliases = builder.push_list(&aliases);
        let phones = builder.push_list(&phones);
        let i = builder.add_person(Person { aliases, phones, ..person });
        for (k, v) in row.extra() {
            builder.attribute(AttributeTable::Person, i, k, v);
        }
        Ok(())
    })
}
