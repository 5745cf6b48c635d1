//! phones.csv: subscriber registrations. A number may be registered more
//! than once (re-registration); each row is kept.

use super::table::Table;
use super::{optional_date, IngestConfig};
use crate::error::{Result, RowError};
use crate::graph::{AttributeTable, CaseBuilder, Registration};

pub fn read(
    table: &mut Table,
    builder: &mut CaseBuilder,
    config: &IngestConfig,
    rejects: &mut Vec<RowError>,
) -> Result<()> {
    table.for_each_row(rejects, |row| {
        let raw = row.required("number")?;
        let number = config
            .phone_rules
            .normalise(raw)
            .map_err(|e| format!("column \"number\": {e}"))?;
        let activated = optional_date("activated", row.get("activated"))?;
        let deactivated = optional_date("deactivated", row.get("deactivated"))?;
        if activated != crate::model::NO_TIME
            && deactivated != crate::model::NO_TIME
            && deactivated < activated
        {
            return Err(format!(
                "column \"deactivated\": expected a date on or after activated {:?}, found {:?}",
                row.get("activated"),
                row.get("deactivated")
            ));
        }
        let phone = builder.phone(&number);
        let handset = builder.handset(row.get("imei"));
        let registration = Registration {
            activated,
            deactivated,
            phone,
            subscriber_name: builder.interner.intern(row.get("subscriber_name")),
            subscriber_id_number: builder.interner.intern(row.get("subscriber_id_number")),
            handset,
            carrier: builder.interner.intern(row.get("carrier")),
            line: row.line(),
        };
        let i = builder.registrations.len() as u32;
        builder.registrations.push(registration);
        for (k, v) in row.extra() {
            builder.attribute(AttributeTable::Registration, i, k, v);
        }
        Ok(())
    })
}
