//! The settings of `casegraph leads`, read from `leads.toml`. Every field
//! has a documented default (serde fills in what the file leaves out), and
//! `docs/leads.toml` lists them all with why they are what they are. No
//! default is fitted to one generated case: each is a property of the
//! behaviour it describes (a burner lives days, not months; a cold call is
//! short; a meeting is within the hour).

use serde::{Deserialize, Serialize};

/// Burner SIMs: short life, many short outgoing calls to many distinct
/// numbers, few incoming.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BurnerConfig {
    /// Days between the phone's first and last event, at most.
    pub max_life_days: f64,
    /// ... and at most this share of the case's period (first to last
    /// event of the case): a phone seen over most of a short case is not
    /// short-lived.
    pub max_life_share: f64,
    /// Outgoing calls and texts, at least.
    pub min_outgoing: u32,
    /// Distinct numbers called, at least.
    pub min_distinct: u32,
    /// Distinct numbers called per outgoing event, at least (cold calls go
    /// to new numbers; ordinary phones call the same few again).
    pub min_distinct_share: f64,
    /// Incoming events as a share of all events, at most.
    pub max_incoming_share: f64,
    /// Outgoing events shorter than `short_call_s` (texts and unanswered
    /// calls count as short), as a share of outgoing, at least; 0 (the
    /// default): how long the calls last is not considered.
    pub min_short_share: f64,
    pub short_call_s: u32,
    /// Outgoing events, at least, of a SIM used one after another with a
    /// burner in one handset and showing every other burner test.
    pub min_outgoing_rotated: u32,
    /// A short-lived line that nearly only receives calls is a gang's
    /// call-back line (victims ring the number a burner or a SIM box sent
    /// them) when so many of its callers had been reached by burners before
    /// they called it that chance would give as many at most this often,
    /// over all such lines of the case together.
    pub callback_max_chance: f64,
}

impl Default for BurnerConfig {
    fn default() -> Self {
        BurnerConfig {
            // The same bounds as a service number's shortest life
            // (analysis::hubs), so no phone is both a burner and a hub.
            max_life_days: crate::analysis::hubs::DEFAULT_MIN_ACTIVE_DAYS,
            max_life_share: crate::analysis::hubs::DEFAULT_MIN_ACTIVE_SHARE,
            min_outgoing: 8,
            min_distinct: 6,
            min_distinct_share: 0.6,
            max_incoming_share: 0.25,
            min_short_share: 0.0,
            short_call_s: 90,
            min_outgoing_rotated: 3,
            callback_max_chance: 0.001,
        }
    }
}

/// SIM swapping: several SIMs through one handset, one after another.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SimSwapConfig {
    /// SIMs in the handset, at least.
    pub min_sims: usize,
    /// SIMs in the handset, at most (a shop's test handset holds hundreds).
    pub max_sims: usize,
    /// Hours two consecutive SIMs may overlap and still count as "in sequence".
    pub max_overlap_hours: f64,
}

impl Default for SimSwapConfig {
    fn default() -> Self {
        SimSwapConfig {
            min_sims: 2,
            max_sims: 40,
            max_overlap_hours: 24.0,
        }
    }
}

/// Co-location: two phones served by the same cell in the same hour.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ColocationConfig {
    /// Length of a time window, seconds.
    pub window_s: i64,
    /// Distinct days a pair must share a (cell, window), at least.
    pub min_days: u32,
    /// Windows with more phones than this (a stadium, a station) are skipped.
    pub max_phones_per_window: usize,
}

impl Default for ColocationConfig {
    fn default() -> Self {
        ColocationConfig {
            window_s: 3600,
            min_days: 2,
            max_phones_per_window: 60,
        }
    }
}

/// Activity at odd hours.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OddHoursConfig {
    /// Odd hours are `[from_hour, to_hour)` of the case's wall clock.
    pub from_hour: u32,
    pub to_hour: u32,
    /// Events, at least, before the share means anything.
    pub min_events: u32,
    /// Share of events at odd hours, at least.
    pub min_share: f64,
}

impl Default for OddHoursConfig {
    fn default() -> Self {
        OddHoursConfig {
            from_hour: 0,
            to_hour: 5,
            min_events: 10,
            min_share: 0.2,
        }
    }
}

/// Bursts of outgoing calls before a fraud incident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BurstConfig {
    /// How far before the report to look, hours.
    pub lookback_hours: i64,
    /// Width of the sliding window, seconds.
    pub window_s: i64,
    /// Outgoing events in one window, at least.
    pub min_calls: u32,
}

impl Default for BurstConfig {
    fn default() -> Self {
        BurstConfig {
            lookback_hours: 96,
            window_s: 7200,
            min_calls: 10,
        }
    }
}

/// Fan-out to numbers whose owners later reported fraud.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FanOutConfig {
    /// Distinct victims' phones called before their report, at least.
    pub min_victims: u32,
    /// Incoming events as a share of all the phone's events, at most: a
    /// bank's or a courier's line calls its customers but mostly takes
    /// calls; a delivery rider's customers call back.
    pub max_incoming_share: f64,
}

impl Default for FanOutConfig {
    fn default() -> Self {
        FanOutConfig {
            min_victims: 2,
            max_incoming_share: 0.25,
        }
    }
}

/// How strongly each kind of link ties two phones in the evidence graph.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LinkWeights {
    /// Per `ln(1 + events)` of calls and texts between the two phones.
    pub call: f64,
    /// Two SIMs used one after the other in one handset.
    pub shared_handset: f64,
    /// Two suspect phones registered to one id number.
    pub registration: f64,
    /// Two phones claimed by records of one resolved individual.
    pub same_individual: f64,
    /// Two phones named in one fraud incident, or in incidents naming one account.
    pub incident: f64,
    /// Per `ln(1 + days)` a suspect phone and another shared a cell and hour.
    pub colocation: f64,
}

impl Default for LinkWeights {
    fn default() -> Self {
        LinkWeights {
            call: 1.0,
            shared_handset: 4.0,
            registration: 3.0,
            same_individual: 4.0,
            incident: 3.0,
            colocation: 1.5,
        }
    }
}

/// How much each pattern adds to a phone's lead score (and to its gang's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PatternWeights {
    pub burner: f64,
    pub sim_swap: f64,
    pub colocation: f64,
    pub odd_hours: f64,
    pub burst: f64,
    pub incident_phone: f64,
    pub incident_contact: f64,
    pub fan_out_victims: f64,
    pub money_to_accounts: f64,
}

impl Default for PatternWeights {
    fn default() -> Self {
        PatternWeights {
            burner: 3.0,
            sim_swap: 1.5,
            colocation: 0.5,
            odd_hours: 0.5,
            burst: 1.0,
            incident_phone: 2.0,
            incident_contact: 1.0,
            fan_out_victims: 2.0,
            money_to_accounts: 2.0,
        }
    }
}

/// What a role in a gang adds to a phone's lead score: the boss is the
/// lead a case team wants first, a burner is one of dozens and lives days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RoleWeights {
    pub boss: f64,
    pub lieutenant: f64,
    pub broker: f64,
    pub operator: f64,
    pub mule: f64,
    /// A member the structure gives no role.
    pub member: f64,
}

impl Default for RoleWeights {
    fn default() -> Self {
        RoleWeights {
            boss: 12.0,
            lieutenant: 8.0,
            broker: 8.0,
            operator: 1.0,
            mule: 5.0,
            member: 2.0,
        }
    }
}

impl RoleWeights {
    /// What role `r` adds to a phone's lead score.
    pub fn weight(&self, r: crate::lead::Role) -> f64 {
        use crate::lead::Role;
        match r {
            Role::Boss => self.boss,
            Role::Lieutenant => self.lieutenant,
            Role::Broker => self.broker,
            Role::Operator => self.operator,
            Role::Mule => self.mule,
            Role::Member => self.member,
        }
    }
}

/// Brokers: phones that bridge gangs (see `lead::broker`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BrokerConfig {
    /// Call events with the members of a gang, at least, for the gang to count.
    pub min_events: u32,
    /// Gangs reached that way, at least (2 or more).
    pub min_gangs: usize,
}

impl Default for BrokerConfig {
    fn default() -> Self {
        BrokerConfig {
            min_events: 2,
            min_gangs: 2,
        }
    }
}

/// Leads for people: an individual whose phones are leads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PersonLeadConfig {
    /// A person's score is his best phone's score plus this share of each
    /// other lead phone's score (each part of the score alike).
    pub other_phones: f64,
}

impl Default for PersonLeadConfig {
    fn default() -> Self {
        PersonLeadConfig { other_phones: 0.25 }
    }
}

/// Gangs (see `lead::gang`, `lead::ties`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GangConfig {
    /// Louvain resolution on the holders' tie graph (higher: smaller groups).
    pub resolution: f64,
    pub seed: u64,
    /// Phones in a gang, at least.
    pub min_phones: usize,
    /// Kinds of evidence (calls, handset, den, registration, incident,
    /// account) that tie every member to the other members, at least.
    pub min_kinds: u32,
    /// Call events between two holders for calls to count as a kind of
    /// evidence (one call is an encounter, not a tie).
    pub min_call_events: u32,
    /// Calls between two holders are *repeated* from this quantile of the
    /// case's call events per pair tied by calls: a holder left out with
    /// repeated calls to two members of one gang (and none of another) is
    /// of its leadership by phone (see `lead::gang`).
    pub repeated_calls: f64,
    /// Holders in a gang, at most: fraud rings are tens of people (a call
    /// centre of a few dozen operators at the largest), never hundreds.
    pub max_members: usize,
    /// Phones in a gang, at most (each operator may rotate many SIMs).
    pub max_phones: usize,
    /// A group above either bound is split along its weakest ties at most
    /// this many times before it is dropped.
    pub split_rounds: u32,
    /// Share of the members' evidence weight that lies inside the gang, at
    /// least: below it the group is a crowd (a market, a street), not a gang.
    pub min_cohesion: f64,
    /// An ordinary phone with more distinct contacts than this many times
    /// the case's median (and than its 99th percentile) is not gone through
    /// when looking for a gang's members: switchboards, shops and drivers
    /// talk to everyone, a gang's members keep small circles.
    pub contact_factor: f64,
}

impl Default for GangConfig {
    fn default() -> Self {
        GangConfig {
            resolution: 1.0,
            seed: 0,
            min_phones: 3,
            min_kinds: 2,
            min_call_events: 2,
            repeated_calls: 0.75,
            max_members: 40,
            max_phones: 240,
            split_rounds: 3,
            min_cohesion: 0.25,
            contact_factor: 10.0,
        }
    }
}

/// How leads are ranked and explained (see `lead::rank`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RankConfig {
    /// A gang member's lead gains the gang's score divided by this ...
    pub gang_score_divisor: f64,
    /// ... at most this much.
    pub max_gang_part: f64,
    /// A phone named as a suspect's in a police record gains this much: a
    /// prior that raises its rank, never evidence of membership.
    pub suspect_record: f64,
    /// Source rows listed per pattern hit of a lead, at most.
    pub sources_per_hit: usize,
    /// Source rows listed per lead, at most.
    pub sources_per_lead: usize,
    /// A phone outside the gangs with repeated calls to this many members
    /// of one gang, at least, is a contact lead ...
    pub contact_min_members: usize,
    /// ... scored this much per member it calls.
    pub contact: f64,
}

impl Default for RankConfig {
    fn default() -> Self {
        RankConfig {
            gang_score_divisor: 10.0,
            max_gang_part: 3.0,
            suspect_record: 1.0,
            sources_per_hit: 4,
            sources_per_lead: 16,
            contact_min_members: 2,
            contact: 0.5,
        }
    }
}

/// Hub (service number) detection, as in `casegraph components`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HubSettings {
    pub floor: u32,
    pub factor: f64,
    pub max_reciprocity: f64,
    pub min_one_off: f64,
    pub min_active_days: f64,
    pub min_active_share: f64,
}

impl Default for HubSettings {
    fn default() -> Self {
        let d = crate::analysis::HubConfig::default();
        HubSettings {
            floor: d.floor,
            factor: d.factor,
            max_reciprocity: d.max_reciprocity,
            min_one_off: d.min_one_off,
            min_active_days: d.min_active_days,
            min_active_share: d.min_active_share,
        }
    }
}

/// Everything `casegraph leads` can be told.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LeadConfig {
    pub hubs: HubSettings,
    pub burner: BurnerConfig,
    pub sim_swap: SimSwapConfig,
    pub colocation: ColocationConfig,
    pub odd_hours: OddHoursConfig,
    pub burst: BurstConfig,
    pub fan_out: FanOutConfig,
    pub links: LinkWeights,
    pub patterns: PatternWeights,
    pub roles: RoleWeights,
    pub gangs: GangConfig,
    pub brokers: BrokerConfig,
    pub person_leads: PersonLeadConfig,
    pub rank: RankConfig,
    /// Leads listed, at most (0: all).
    pub max_leads: usize,
}

impl LeadConfig {
    /// Read a leads.toml; fields it leaves out keep their defaults.
    pub fn from_toml(text: &str) -> Result<LeadConfig, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }
    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }
    pub fn hub_config(&self) -> crate::analysis::HubConfig {
        crate::analysis::HubConfig {
            floor: self.hubs.floor,
            factor: self.hubs.factor,
            max_reciprocity: self.hubs.max_reciprocity,
            min_one_off: self.hubs.min_one_off,
            min_active_days: self.hubs.min_active_days,
            min_active_share: self.hubs.min_active_share,
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_file_is_the_defaults_and_the_defaults_round_trip() {
        assert_eq!(LeadConfig::from_toml("").unwrap(), LeadConfig::default());
        let d = LeadConfig::default();
        assert_eq!(LeadConfig::from_toml(&d.to_toml()).unwrap(), d);
    }

    #[test]
    fn a_partial_file_changes_only_what_it_names() {
        let c = LeadConfig::from_toml("[burner]\nmin_outgoing = 50\n").unwrap();
        assert_eq!(c.burner.min_outgoing, 50);
        assert_eq!(c.burner.min_distinct, BurnerConfig::default().min_distinct);
    }

    #[test]
    fn unknown_keys_are_refused() {
        let e = LeadConfig::from_toml("[burner]\nmin_outgoin = 5\n").unwrap_err();
        assert!(e.contains("min_outgoin"), "{e}");
    }
}

#[cfg(test)]
mod documented {
    use super::*;

    /// docs/leads.toml lists every setting with its default.
    #[test]
    fn the_documented_file_is_the_defaults() {
        let text = include_str!("../../docs/leads.toml");
        assert_eq!(LeadConfig::from_toml(text).unwrap(), LeadConfig::default());
    }
}
