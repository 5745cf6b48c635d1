//! Chinese addresses read as places: administrative parts, the road (or
//! village) and house number, building, unit and room, so that one flat
//! written in full by one system and abbreviated by another compares as
//! one place.
//!
//! The forms a records clerk meets every day, all read the same:
//!
//! | written | road, number | building | unit | room |
//! |---|---|---|---|---|
//! | 广东省广州市白云区解放北路176号2栋1102房 | 解放北路 176 | 2 | | 1102 |
//! | 解放北路176号2-1102 (province, city, district left out; building-room) | 解放北路 176 | 2 | | 1102 |
//! | 广州白云解放北路176号之2 1102室 (suffixes 市/区 left out; 之 sub-number) | 广州白云解放北路 176 | 2 | | 1102 |
//! | 解放北路176号2座3单元1102 / 176号2-3-1102 | 解放北路 176 | 2 | 3 | 1102 |
//! | 湖北省武汉市武昌区东山乡水口村97号 | 水口村 97 | | | |
//!
//! Administrative parts are cut at their suffixes (省, 自治区, 市, 州, 盟,
//! 区, 县, 旗, 镇, 乡, 街道) when at least two characters of name stand
//! before the suffix, so that a road such as 新市墟路 is not cut at 市.
//! Parts left without a suffix (广州白云) stay at the front of the road's
//! name, and two roads are the same when one name ends with the other
//! (at least three characters): 广州白云解放北路 and 解放北路 meet.
//! Two addresses whose administrative parts of one kind differ (白云区
//! against 海珠区) are different places whatever their roads.
//!
//! An address with no house number or no road (a Latin-script address, a
//! landmark) is not parsed: it is compared as text.

/// An address read as a place. Empty strings are parts not written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Place {
    /// (kind, name) of each administrative part, outermost first; the kind
    /// is the part's suffix class (see [`admin_kind`]).
    pub admin: Vec<(u8, String)>,
    /// The road or village before the house number, with any
    /// administrative names written without their suffix in front.
    pub road: String,
    pub number: String,
    pub building: String,
    pub unit: String,
    pub room: String,
}

/// How two addresses compare as places, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PlaceMatch {
    /// Same road, number, building and room (or a house address without
    /// building or room on both sides).
    SameDwelling,
    /// Same road and number, building and room not contradicting (one
    /// side leaves them out).
    SameBuilding,
    /// Same road, different number, building or room.
    SameRoad,
    /// Different places.
    Different,
}

/// Suffix class of an administrative part: 0 province, 1 prefecture or
/// city, 2 district or county, 3 town or township.
fn admin_kind(suffix: &str) -> u8 {
    match suffix {
        "省" | "自治区" => 0,
        "市" | "州" | "盟" => 1,
        "区" | "县" | "旗" => 2,
        _ => 3,
    }
}

const ADMIN_SUFFIXES: [&str; 11] = [
    "自治区",
    "街道",
    "省",
    "市",
    "州",
    "盟",
    "区",
    "县",
    "旗",
    "镇",
    "乡",
];

fn is_han(c: char) -> bool {
    super::normalise::is_han(c)
}

/// A part's text: ASCII letters lowercased, leading zeros of a number
/// dropped.
fn canonical_part(s: &str) -> String {
    let lower: String = s.chars().flat_map(char::to_lowercase).collect();
    let trimmed = lower.trim_start_matches('0');
    if trimmed.is_empty() && !lower.is_empty() {
        "0".into()
    } else if trimmed.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        trimmed.into()
    } else {
        lower
    }
}

/// Read an address as a place, or `None` when it has no road and house
/// number to anchor it.
pub fn parse_place(raw: &str) -> Option<Place> {
    let chars: Vec<char> = raw
        .chars()
        .map(super::normalise::fold_width)
        .filter(|c| !c.is_whitespace() || *c == ' ')
        .collect();
    let (num_start, num_end) = house_number_at(&chars)?;
    // Administrative parts and the road, from the Han text before it.
    let head: Vec<char> = chars[..num_start]
        .iter()
        .copied()
        .filter(|&c| is_han(c))
        .collect();
    let (admin, road) = admin_parts_and_road(&head);
    if road.chars().count() < 2 {
        return None;
    }
    let mut place = Place {
        admin,
        road,
        number: canonical_part(&chars[num_start..num_end].iter().collect::<String>()),
        ..Place::default()
    };
    // What follows the number: 号, 之N, then building, unit and room,
    // with their suffixes or as A-B / A-B-C.
    let mut rest = &chars[num_end..];
    if rest.first() == Some(&'号') {
        rest = &rest[1..];
    }
    let bare = read_dwelling(rest, &mut place);
    place_bare_numbers(&mut place, bare);
    Some(place)
}

/// Where the house number is: the first run of digits followed by 号 (not
/// 号楼, which is a building), else the first run of digits after Han text.
fn house_number_at(chars: &[char]) -> Option<(usize, usize)> {
    let mut number_at = None;
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let after_hao = chars.get(i) == Some(&'号') && chars.get(i + 1) != Some(&'楼');
            let han_before = start > 0 && is_han(chars[start - 1]);
            if after_hao && han_before {
                number_at = Some((start, i));
                break;
            }
            if number_at.is_none() && han_before {
                number_at = Some((start, i));
            }
        } else {
            i += 1;
        }
    }
    number_at
}

/// The administrative parts cut at their suffixes (with at least two
/// characters of name before the suffix and something after it), and the
/// road: what is left.
fn admin_parts_and_road(head: &[char]) -> (Vec<(u8, String)>, String) {
    let mut admin = Vec::new();
    let mut part_start = 0;
    let mut k = 0;
    while k < head.len() {
        let rest: String = head[k..].iter().collect();
        let suffix = ADMIN_SUFFIXES.iter().find(|s| rest.starts_with(**s));
        match suffix {
            Some(s) if k - part_start >= 2 && k + s.chars().count() < head.len() => {
                let n = s.chars().count();
                let name: String = head[part_start..k + n].iter().collect();
                admin.push((admin_kind(s), name));
                k += n;
                part_start = k;
            }
            _ => k += 1,
        }
    }
    let road: String = head[part_start..].iter().collect();
    (admin, road)
}

/// Building, unit and room written with their suffixes (2栋, 3单元, 1102室,
/// 之2) go into the place; numbers without a suffix are returned in order.
fn read_dwelling(rest: &[char], place: &mut Place) -> Vec<String> {
    let mut bare: Vec<String> = Vec::new();
    let mut j = 0;
    while j < rest.len() {
        let c = rest[j];
        if c.is_ascii_alphanumeric() {
            let start = j;
            while j < rest.len() && rest[j].is_ascii_alphanumeric() {
                j += 1;
            }
            let token = canonical_part(&rest[start..j].iter().collect::<String>());
            let next: String = rest[j..].iter().take(2).collect();
            if next.starts_with("号楼") {
                place.building = token;
                j += 2;
            } else if next.starts_with("单元") {
                place.unit = token;
                j += 2;
            } else if next.starts_with(['栋', '座', '幢']) {
                place.building = token;
                j += 1;
            } else if next.starts_with("号房") {
                place.room = token;
                j += 2;
            } else if next.starts_with(['室', '房']) {
                place.room = token;
                j += 1;
            } else {
                bare.push(token);
            }
        } else if c == '之' {
            // 176号之2: a sub-number of the plot, its building.
            let start = j + 1;
            let mut e = start;
            while e < rest.len() && rest[e].is_ascii_alphanumeric() {
                e += 1;
            }
            if e > start {
                place.building = canonical_part(&rest[start..e].iter().collect::<String>());
            }
            j = e.max(j + 1);
        } else {
            j += 1;
        }
    }
    bare
}

/// Numbers without a suffix fill what the suffixes left empty: A-B is
/// building-room, A-B-C building-unit-room; one number after a building is
/// its room.
fn place_bare_numbers(place: &mut Place, mut bare: Vec<String>) {
    match bare.len() {
        0 => {}
        1 => {
            if place.room.is_empty() && (!place.building.is_empty() || !place.unit.is_empty()) {
                place.room = bare.remove(0);
            } else if place.building.is_empty() {
                place.building = bare.remove(0);
            }
        }
        2 => {
            if place.building.is_empty() {
                place.building = bare.remove(0);
            }
            if place.room.is_empty() {
                place.room = bare.pop().unwrap_or_default();
            }
        }
        _ => {
            if place.building.is_empty() {
                place.building = bare[0].clone();
            }
            if place.unit.is_empty() {
                place.unit = bare[1].clone();
            }
            if place.room.is_empty() {
                place.room = bare[2].clone();
            }
        }
    }
}

impl Place {
    /// The key blocking puts the place under: the road's last three
    /// characters and the house number, so that a road written with and
    /// without its district meets.
    pub fn block_key(&self) -> String {
        let road: Vec<char> = self.road.chars().collect();
        let tail: String = road[road.len().saturating_sub(3)..].iter().collect();
        format!("{tail}|{}", self.number)
    }

    fn same_road(&self, other: &Place) -> bool {
        let (a, b) = (&self.road, &other.road);
        let shorter = a.chars().count().min(b.chars().count());
        a == b || (shorter >= 3 && (a.ends_with(b.as_str()) || b.ends_with(a.as_str())))
    }

    /// Whether administrative parts of one kind differ (白云区 against
    /// 海珠区). A part written on one side only says nothing.
    fn admin_conflict(&self, other: &Place) -> bool {
        self.admin.iter().any(|(kind, name)| {
            let theirs: Vec<&String> = other
                .admin
                .iter()
                .filter(|(k, _)| k == kind)
                .map(|(_, n)| n)
                .collect();
            // 广州白云区 (the city's suffix left out) is 白云区.
            !theirs.is_empty()
                && !theirs
                    .iter()
                    .any(|t| t.ends_with(name.as_str()) || name.ends_with(t.as_str()))
        })
    }

    /// Compare two places.
    pub fn compare(&self, other: &Place) -> PlaceMatch {
        if self.admin_conflict(other) || !self.same_road(other) {
            return PlaceMatch::Different;
        }
        if self.number != other.number {
            return PlaceMatch::SameRoad;
        }
        // A part written on both sides must agree; written on one side
        // only, it leaves the match at "same building".
        let mut one_sided = false;
        for (x, y) in [
            (&self.building, &other.building),
            (&self.unit, &other.unit),
            (&self.room, &other.room),
        ] {
            match (x.is_empty(), y.is_empty()) {
                (false, false) if x != y => return PlaceMatch::SameRoad,
                (true, false) | (false, true) => one_sided = true,
                _ => {}
            }
        }
        if one_sided {
            PlaceMatch::SameBuilding
        } else {
            PlaceMatch::SameDwelling
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(raw: &str) -> (String, String, String, String, String) {
        let p = parse_place(raw).unwrap_or_else(|| panic!("{raw} should parse"));
        (p.road, p.number, p.building, p.unit, p.room)
    }

    fn check(raw: &str, road: &str, number: &str, building: &str, unit: &str, room: &str) {
        assert_eq!(
            parts(raw),
            (
                road.into(),
                number.into(),
                building.into(),
                unit.into(),
                room.into()
            ),
            "{raw}"
        );
    }

    #[test]
    fn the_written_forms_of_one_flat() {
        check(
            "广东省广州市白云区解放北路176号2栋1102房",
            "解放北路",
            "176",
            "2",
            "",
            "1102",
        );
        check("解放北路176号2-1102", "解放北路", "176", "2", "", "1102");
        check(
            "广州市白云区解放北路176号2栋1102",
            "解放北路",
            "176",
            "2",
            "",
            "1102",
        );
        check(
            "广州白云解放北路176号之2 1102室",
            "广州白云解放北路",
            "176",
            "2",
            "",
            "1102",
        );
        check(
            "解放北路176号2座3单元1102",
            "解放北路",
            "176",
            "2",
            "3",
            "1102",
        );
        check("解放北路176号2-3-1102", "解放北路", "176", "2", "3", "1102");
        check(
            "解放北路１７６号２号楼０８０１室",
            "解放北路",
            "176",
            "2",
            "",
            "801",
        );
        check(
            "湖北省武汉市武昌区东山乡水口村97号",
            "水口村",
            "97",
            "",
            "",
            "",
        );
        check("广州市新市墟路118号", "新市墟路", "118", "", "", "");
        let full = parse_place("广东省广州市白云区解放北路176号2栋1102房").unwrap();
        assert_eq!(
            full.admin,
            vec![
                (0, "广东省".to_string()),
                (1, "广州市".to_string()),
                (2, "白云区".to_string())
            ]
        );
    }

    #[test]
    fn places_compare_by_their_parts() {
        let p = |s: &str| parse_place(s).unwrap();
        let full = p("广东省广州市白云区解放北路176号2栋1102房");
        for same in [
            "解放北路176号2-1102",
            "广州白云解放北路176号之2 1102室",
            "白云区解放北路176号2栋1102",
        ] {
            assert_eq!(full.compare(&p(same)), PlaceMatch::SameDwelling, "{same}");
        }
        assert_eq!(
            full.compare(&p("白云区解放北路176号")),
            PlaceMatch::SameBuilding
        );
        assert_eq!(full.compare(&p("解放北路176号2-802")), PlaceMatch::SameRoad);
        assert_eq!(full.compare(&p("解放北路18号")), PlaceMatch::SameRoad);
        assert_eq!(full.compare(&p("沙太路176号2-1102")), PlaceMatch::Different);
        assert_eq!(
            full.compare(&p("广东省广州市海珠区解放北路176号2栋1102房")),
            PlaceMatch::Different
        );
        // One village name in two provinces is two places.
        assert_eq!(
            p("湖南省娄底市新化县青山镇黄泥村22号")
                .compare(&p("湖北省黄冈市麻城市青山镇黄泥村22号")),
            PlaceMatch::Different
        );
        assert_eq!(
            full.block_key(),
            p("广州白云解放北路176号之2 1102室").block_key()
        );
    }

    #[test]
    fn addresses_without_road_and_number_are_not_places() {
        for raw in [
            "",
            "12 Main St, Springfield",
            "白云区",
            "火车站附近",
            "No. 5",
        ] {
            assert_eq!(parse_place(raw), None, "{raw}");
        }
    }

    proptest::proptest! {
        #[test]
        fn parsing_is_total(raw in "\\PC{0,40}") {
            if let Some(p) = parse_place(&raw) {
                proptest::prop_assert_eq!(p.compare(&p), PlaceMatch::SameDwelling);
            }
        }
    }
}
