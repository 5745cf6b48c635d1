//! incidents.csv: reported incidents. A `victim_id` naming no person record
//! keeps the incident (nothing is lost) and is reported as a notice.

use super::table::{list_items, Table};
use super::{phone_list, IngestConfig};
use crate::error::{Result, RowError};
use crate::graph::{AttributeTable, CaseBuilder, Incident, ListRange, NONE};
use crate::model::IncidentCategory;
use rustc_hash::FxHashMap;

pub fn read(
    table: &mut Table,
    builder: &mut CaseBuilder,
    config: &IngestConfig,
    rejects: &mut Vec<RowError>,
    notices: &mut Vec<String>,
) -> Result<()> {
    let file = table.name.clone();
    let mut seen_ids: FxHashMap<String, u32> = FxHashMap::default();
    table.for_each_row(rejects, |row| {
        let id = row.required("incident_id")?;
        if let Some(first) = seen_ids.get(id) {
            return Err(format!("column \"incident_id\": expected a unique id, found {id:?} already at line {first}"));
        }
        let time = config.clock.parse_time(row.required("time")?).map_err(|e| format!("column \"time\": {e}"))?;
        let category = row.required("category")?;
        let category = IncidentCategory::parse(category).ok_or_else(|| {
            format!("column \"category\": expected one of {}, found {category:?}", IncidentCategory::expected())
        })?;
        let loss = match row.get("loss") {
            "" => f64::NAN,
            v => match v.parse::<f64>() {
                Ok(x) if x.is_finite() && x >= 0.0 => x,
                _ => return Err(format!("column \"loss\": expected an amount in yuan >= 0, found {v:?}")),
            },
        };
        let phones = phone_list("phones", row.get("phones"), &config.phone_rules, builder)?;
        let mut accounts: Vec<u32> = list_items(row.get("accounts")).map(|a| builder.account(a)).collect();
        accounts.sort_unstable();
        accounts.dedup();
        let victim_id = row.get("victim_id");
        let victim = if victim_id.is_empty() {
            NONE
        } else {
            builder.person_by_id(victim_id).unwrap_or_else(|| {
                notices.push(format!(
                    "{file}:{}: victim_id {victim_id:?} names no record of persons.csv; the incident is kept",
                    row.line()
                ));
                NONE
            })
        };
        let location = builder.location(row.get("location_id"));
        let incident = Incident {
            time,
            loss,
            incident_id: builder.interner.intern(id),
            location,
            victim,
            victim_id: builder.interner.intern(victim_id),
            phones: ListRange::default(),
            accounts: ListRange::default(),
            line: row.line(),
            category: category as u8,
            _pad: [0; 3],
        };
        let phones = builder.push_list(&phones);
        let accounts = builder.push_list(&accounts);
        let i = builder.incidents.len() as u32;
        builder.incidents.push(Incident { phones, accounts, ..incident });
        seen_ids.insert(id.to_string(), row.line());
        for (k, v) in row.extra() {
            builder.attribute(AttributeTable::Incident, i, k, v);
        }
        Ok(())
    })
}
