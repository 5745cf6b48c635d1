//! Kinds of nodes and links in a case, and the small enumerations of the
//! contract (call kind, person role, incident category). Each has one
//! spelling used in every output.

use std::fmt;

macro_rules! spelled_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
        #[repr(u8)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The spelling used in files and outputs.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
            /// The inverse of [`Self::as_str`], case-insensitive.
            pub fn parse(s: &str) -> Option<Self> {
                let s = s.trim();
                $(if s.eq_ignore_ascii_case($text) { return Some($name::$variant); })+
                None
            }
            pub fn from_u8(v: u8) -> Option<Self> {
                Self::ALL.get(v as usize).copied()
            }
            /// The accepted spellings, for error messages.
            pub fn expected() -> String {
                Self::ALL.iter().map(|k| format!("`{}`", k.as_str())).collect::<Vec<_>>().join(", ")
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

spelled_enum!(
    /// The kinds of node in the case graph.
    NodeKind {
        Person => "person",
        Phone => "phone",
        Handset => "handset",
        Location => "location",
        Incident => "incident",
        Account => "account",
    }
);

spelled_enum!(
    /// The kinds of link in the case graph.
    EdgeKind {
        Call => "call",
        PhoneHandset => "phone_handset",
        PhoneLocation => "phone_location",
        PersonPhone => "person_phone",
        IncidentPhone => "incident_phone",
        IncidentAccount => "incident_account",
        IncidentVictim => "incident_victim",
        IncidentLocation => "incident_location",
    }
);

spelled_enum!(
    /// Voice call, text message, or a call forwarded by the phone (a
    /// carrier bill's 呼转 record: the own number forwarded a call to the
    /// other number).
    CallKind {
        Voice => "voice",
        Sms => "sms",
        Forwarded => "forwarded",
    }
);

spelled_enum!(
    /// What a person record says the person is to the case.
    PersonRole {
        Unknown => "unknown",
        Suspect => "suspect",
        Victim => "victim",
        Witness => "witness",
        Subscriber => "subscriber",
    }
);

spelled_enum!(
    /// Category of a reported incident.
    IncidentCategory {
        Fraud => "fraud",
        Theft => "theft",
        Dispute => "dispute",
        Assault => "assault",
        Other => "other",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_round_trip() {
        for k in NodeKind::ALL {
            assert_eq!(NodeKind::parse(k.as_str()), Some(*k));
            assert_eq!(NodeKind::from_u8(*k as u8), Some(*k));
        }
        assert_eq!(CallKind::parse("SMS"), Some(CallKind::Sms));
        assert_eq!(PersonRole::parse("boss"), None);
        assert_eq!(
            IncidentCategory::expected(),
            "`fraud`, `theft`, `dispute`, `assault`, `other`"
        );
    }
}
