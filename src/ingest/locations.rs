//! locations.csv: cell sites and places.

use super::table::Table;
use crate::error::{Result, RowError};
use crate::graph::{AttributeTable, CaseBuilder};

pub fn read(
    table: &mut Table,
    builder: &mut CaseBuilder,
    rejects: &mut Vec<RowError>,
) -> Result<()> {
    table.for_each_row(rejects, |row| {
        let id = row.required("location_id")?;
        if let Some(i) = builder.described_location(id) {
            return Err(format!(
                "column \"location_id\": expected a unique id, found {id:?} already at line {}",
                builder.locations[i as usize].line
            ));
        }
        let lat = coordinate("lat", row.get("lat"), 90.0)?;
        let lon = coordinate("lon", row.get("lon"), 180.0)?;
        let i = builder.location(id);
        let name = builder.interner.intern(row.get("name"));
        let district = builder.interner.intern(row.get("district"));
        let l = &mut builder.locations[i as usize];
        l.lat = lat;
        l.lon = lon;
        l.name = name;
        l.district = district;
        l.line = row.line();
        for (k, v) in row.extra() {
            builder.attribute(AttributeTable::Location, i, k, v);
        }
        Ok(())
    })
}

fn coordinate(name: &str, value: &str, limit: f64) -> Result<f64, String> {
    if value.is_empty() {
        return Ok(f64::NAN);
    }
    match value.parse::<f64>() {
        Ok(v) if v.is_finite() && v.abs() <= limit => Ok(v),
        _ => Err(format!(
            "column {name:?}: expected degrees between -{limit} and {limit}, found {value:?}"
        )),
    }
}
