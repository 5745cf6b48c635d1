//! Service numbers called by thousands: banks (short 955xx numbers and long
//! 400 numbers), carriers, couriers, taxis, a call centre's hotline, and the
//! police. They are hubs of the contact graph and must not be mistaken for
//! gang members.

use super::population::{Phone, PhoneKind, World, NONE};

/// A service number and how people use it.
#[derive(Debug, Clone, Copy)]
pub struct Service {
    pub national: &'static str,
    /// What it is (`bank`, `carrier`, `courier`, `taxi`, `call_centre`, `police`).
    pub service: &'static str,
    /// Relative share of all service calls.
    pub weight: f64,
    /// Share of its events that are texts it sends (codes, bills, parcel notices).
    pub texts: f64,
    /// Answers only in office hours on weekdays.
    pub office_hours: bool,
}

pub const SERVICES: &[Service] = &[
    Service {
        national: "95588",
        service: "bank",
        weight: 3.0,
        texts: 0.6,
        office_hours: false,
    },
    Service {
        national: "95533",
        service: "bank",
        weight: 2.0,
        texts: 0.6,
        office_hours: false,
    },
    Service {
        national: "95555",
        service: "bank",
        weight: 1.5,
        texts: 0.5,
        office_hours: false,
    },
    Service {
        national: "4008895558",
        service: "bank",
        weight: 0.8,
        texts: 0.0,
        office_hours: true,
    },
    Service {
        national: "10086",
        service: "carrier",
        weight: 3.0,
        texts: 0.7,
        office_hours: false,
    },
    Service {
        national: "10010",
        service: "carrier",
        weight: 1.2,
        texts: 0.7,
        office_hours: false,
    },
    Service {
        national: "10000",
        service: "carrier",
        weight: 1.0,
        texts: 0.7,
        office_hours: false,
    },
    Service {
        national: "95338",
        service: "courier",
        weight: 2.0,
        texts: 0.5,
        office_hours: false,
    },
    Service {
        national: "95546",
        service: "courier",
        weight: 1.2,
        texts: 0.5,
        office_hours: false,
    },
    Service {
        national: "4008111111",
        service: "courier",
        weight: 0.8,
        texts: 0.0,
        office_hours: true,
    },
    Service {
        national: "4008608888",
        service: "taxi",
        weight: 1.2,
        texts: 0.0,
        office_hours: false,
    },
    Service {
        national: "96169",
        service: "taxi",
        weight: 0.6,
        texts: 0.0,
        office_hours: false,
    },
    Service {
        national: "4006123456",
        service: "call_centre",
        weight: 2.0,
        texts: 0.0,
        office_hours: true,
    },
    Service {
        national: "110",
        service: "police",
        weight: 0.05,
        texts: 0.0,
        office_hours: false,
    },
];

/// Index of the police number in [`SERVICES`].
pub fn police() -> usize {
    SERVICES
        .iter()
        .position(|s| s.national == "110")
        .expect("110 is listed")
}

/// Index of the call centre hotline in [`SERVICES`].
pub fn hotline() -> usize {
    SERVICES
        .iter()
        .position(|s| s.service == "call_centre")
        .expect("a call centre is listed")
}

/// Add the service numbers to the world; their phone ids, in [`SERVICES`] order.
pub fn add_services(world: &mut World) -> Vec<u32> {
    let days = world.scale.days;
    SERVICES
        .iter()
        .map(|s| {
            world.push_phone(Phone {
                national: s.national.to_string(),
                carrier: 0,
                owner: NONE,
                handset: NONE,
                first_day: 0,
                last_day: days - 1,
                kind: PhoneKind::Service,
                registrant: NONE,
            })
        })
        .collect()
}
