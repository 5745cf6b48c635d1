//! Headers by meaning: the names carriers and police systems give each
//! column, in Chinese and English, per table. A delivered file's header row
//! is found by matching these names, and the table it holds is the one
//! whose names it matches best. `--columns mapping.toml` adds names.
//!
//! Names are compared after [`normalise_header`]: case, spaces, `_`, `-`
//! and full-width brackets do not matter (`通话时长（秒）` is
//! `通话时长(秒)`, `Start_Time` is `starttime`).
//!
//! Besides the contract's own columns, delivered call files have fields of
//! their own ([`CALL_FIELDS`]): a per-number bill's `own_number`,
//! `other_number` and `direction`; a cell as `lac` and `ci` or one `cell`
//! column; the own handset's `imei`. Some names are known but not used
//! (`imsi`, `other_area`): they are recognised so `inspect` can say so,
//! rather than listing them as unknown.

/// A field of a delivered table and the header names that mean it.
pub struct Field {
    pub name: &'static str,
    pub names: &'static [&'static str],
    /// Known, shown by `inspect`, but not read into the graph.
    pub unused: bool,
}

const fn f(name: &'static str, names: &'static [&'static str]) -> Field {
    Field {
        name,
        names,
        unused: false,
    }
}

const fn unused(name: &'static str, names: &'static [&'static str]) -> Field {
    Field {
        name,
        names,
        unused: true,
    }
}

/// Fields of a delivered calls file (a carrier bill or a call list).
pub const CALL_FIELDS: &[Field] = &[
    f(
        "caller",
        &[
            "caller",
            "主叫号码",
            "主叫",
            "主叫方号码",
            "主叫用户号码",
            "calling number",
            "calling",
            "a_number",
        ],
    ),
    f(
        "callee",
        &[
            "callee",
            "被叫号码",
            "被叫",
            "被叫方号码",
            "被叫用户号码",
            "called number",
            "called",
            "b_number",
        ],
    ),
    f(
        "own_number",
        &[
            "own_number",
            "本机号码",
            "用户号码",
            "本方号码",
            "机主号码",
            "查询号码",
            "服务号码",
            "msisdn",
            "subscriber number",
        ],
    ),
    f(
        "other_number",
        &[
            "other_number",
            "对方号码",
            "对端号码",
            "通话对方",
            "对方用户号码",
            "other party",
            "peer number",
        ],
    ),
    f(
        "direction",
        &[
            "direction",
            "呼叫类型",
            "通话类型",
            "话单类型",
            "呼叫方向",
            "通信类型",
            "主被叫",
            "call type",
            "call direction",
        ],
    ),
    f(
        "kind",
        &["kind", "业务类型", "通信方式", "service type", "service"],
    ),
    f(
        "start",
        &[
            "start",
            "通话起始时间",
            "开始时间",
            "起始时间",
            "通话开始时间",
            "呼叫时间",
            "通话时间",
            "发生时间",
            "start time",
            "call time",
            "begin time",
        ],
    ),
    f(
        "duration_s",
        &[
            "duration_s",
            "通话时长",
            "时长",
            "时长(秒)",
            "通话时长(秒)",
            "持续时间",
            "duration",
            "call duration",
            "duration(s)",
        ],
    ),
    f("caller_location", &["caller_location"]),
    f("callee_location", &["callee_location"]),
    f("caller_imei", &["caller_imei", "主叫imei"]),
    f("callee_imei", &["callee_imei", "被叫imei"]),
    f(
        "lac",
        &[
            "lac",
            "位置区",
            "位置区码",
            "位置区编码",
            "位置区号",
            "lac码",
            "tac",
        ],
    ),
    f(
        "ci",
        &[
            "ci",
            "小区号",
            "基站号",
            "小区",
            "小区识别码",
            "小区码",
            "cell id",
            "eci",
        ],
    ),
    f(
        "cell",
        &[
            "cell",
            "基站",
            "基站信息",
            "小区信息",
            "位置信息",
            "lac-ci",
            "lac/ci",
            "cgi",
            "ecgi",
        ],
    ),
    f(
        "imei",
        &["imei", "串号", "本机imei", "手机串号", "设备号", "终端imei"],
    ),
    unused("imsi", &["imsi", "本机imsi"]),
    unused("other_area", &["对方归属地", "对端归属地", "other area"]),
    unused(
        "own_area",
        &["本机归属地", "归属地", "通话地", "漫游地", "roaming"],
    ),
    unused("fee", &["话费", "费用", "通话费", "fee", "charge"]),
];

/// Fields of a station table (基站表) or the contract's locations.csv.
pub const LOCATION_FIELDS: &[Field] = &[
    f(
        "location_id",
        &[
            "location_id",
            "基站编号",
            "基站id",
            "站点编号",
            "位置编号",
            "地点编号",
            "station id",
            "site id",
        ],
    ),
    f(
        "name",
        &[
            "name",
            "基站名称",
            "小区名称",
            "站名",
            "名称",
            "站点名称",
            "station name",
        ],
    ),
    f("address", &["address", "地址", "基站地址", "站点地址"]),
    f("lat", &["lat", "纬度", "latitude"]),
    f("lon", &["lon", "经度", "longitude", "lng"]),
    f("azimuth", &["azimuth", "方位角", "方向角"]),
    f(
        "district",
        &["district", "区县", "行政区", "所属区县", "区域"],
    ),
    f(
        "lac",
        &[
            "lac",
            "位置区",
            "位置区码",
            "位置区编码",
            "位置区号",
            "lac码",
            "tac",
        ],
    ),
    f(
        "ci",
        &[
            "ci",
            "小区号",
            "基站号",
            "小区识别码",
            "小区码",
            "cell id",
            "eci",
        ],
    ),
    f("cell", &["cell", "lac-ci", "lac/ci", "cgi", "ecgi"]),
];

pub const PHONE_FIELDS: &[Field] = &[
    f(
        "number",
        &[
            "number",
            "号码",
            "手机号码",
            "电话号码",
            "登记号码",
            "开户号码",
        ],
    ),
    f(
        "subscriber_name",
        &[
            "subscriber_name",
            "机主姓名",
            "用户姓名",
            "登记姓名",
            "机主",
            "客户名称",
        ],
    ),
    f(
        "subscriber_id_number",
        &[
            "subscriber_id_number",
            "证件号码",
            "机主证件号码",
            "登记证件号码",
            "身份证号",
            "身份证号码",
        ],
    ),
    f("imei", &["imei", "串号", "手机串号"]),
    f(
        "activated",
        &[
            "activated",
            "开户日期",
            "入网时间",
            "开户时间",
            "激活日期",
            "入网日期",
        ],
    ),
    f(
        "deactivated",
        &[
            "deactivated",
            "销户日期",
            "销户时间",
            "停机日期",
            "注销日期",
        ],
    ),
    f("carrier", &["carrier", "运营商", "归属运营商"]),
];

pub const PERSON_FIELDS: &[Field] = &[
    f(
        "person_id",
        &["person_id", "人员编号", "记录编号", "人员id"],
    ),
    f("name", &["name", "姓名"]),
    f("aliases", &["aliases", "别名", "绰号", "曾用名"]),
    f(
        "id_number",
        &["id_number", "身份证号", "身份证号码", "公民身份号码"],
    ),
    f("dob", &["dob", "出生日期", "生日"]),
    f("phones", &["phones", "联系电话", "手机号码", "电话"]),
    f(
        "address",
        &["address", "住址", "地址", "户籍地址", "现住址"],
    ),
    f("role", &["role", "身份", "角色", "人员类别", "人员类型"]),
    f("source", &["source", "来源", "数据来源"]),
];

pub const INCIDENT_FIELDS: &[Field] = &[
    f(
        "incident_id",
        &["incident_id", "案件编号", "警情编号", "案件号", "接警编号"],
    ),
    f(
        "time",
        &["time", "发案时间", "报警时间", "案发时间", "接警时间"],
    ),
    f(
        "category",
        &["category", "案件类别", "案件类型", "警情类别", "警情类型"],
    ),
    f(
        "location_id",
        &["location_id", "发案地点", "地点编号", "案发地点编号"],
    ),
    f("phones", &["phones", "涉案号码", "涉案电话", "嫌疑号码"]),
    f(
        "victim_id",
        &["victim_id", "受害人编号", "报案人编号", "事主编号"],
    ),
    f(
        "loss",
        &["loss", "损失金额", "涉案金额", "损失(元)", "损失金额(元)"],
    ),
    f(
        "accounts",
        &["accounts", "涉案账户", "收款账户", "涉案账号"],
    ),
];

/// The fields of a contract table's delivered form, by the table's stem.
pub fn fields_of(stem: &str) -> &'static [Field] {
    match stem {
        "calls" => CALL_FIELDS,
        "locations" => LOCATION_FIELDS,
        "phones" => PHONE_FIELDS,
        "persons" => PERSON_FIELDS,
        "incidents" => INCIDENT_FIELDS,
        other => unreachable!("no fields for {other}"),
    }
}

/// A header as compared: lower-case, without spaces, `_`, `-`, with
/// full-width brackets as ASCII.
pub fn normalise_header(h: &str) -> String {
    h.trim()
        .trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '_' && *c != '-' && *c != '\u{3000}')
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// The field a header names in `stem`'s table: the extra names from a
/// column mapping first, then the built-in names.
pub fn field_for(stem: &str, header: &str, extra: &[(String, String)]) -> Option<&'static str> {
    let h = normalise_header(header);
    if h.is_empty() {
        return None;
    }
    let fields = fields_of(stem);
    for (field, name) in extra {
        if normalise_header(name) == h {
            return fields.iter().find(|f| f.name == field).map(|f| f.name);
        }
    }
    fields
        .iter()
        .find(|f| f.names.iter().any(|n| normalise_header(n) == h))
        .map(|f| f.name)
}

/// Whether a field is known but not read.
pub fn is_unused(stem: &str, field: &str) -> bool {
    fields_of(stem).iter().any(|f| f.name == field && f.unused)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carrier_spellings_find_their_fields() {
        for (h, want) in [
            ("本机号码", "own_number"),
            ("对方号码", "other_number"),
            ("呼叫类型", "direction"),
            ("通话时长（秒）", "duration_s"),
            ("Start_Time", "start"),
            (" LAC ", "lac"),
            ("小区号", "ci"),
            ("串号", "imei"),
        ] {
            assert_eq!(field_for("calls", h, &[]), Some(want), "{h}");
        }
        assert_eq!(field_for("calls", "备注", &[]), None);
        let extra = vec![("own_number".to_string(), "MSISDN_A".to_string())];
        assert_eq!(field_for("calls", "msisdn_a", &extra), Some("own_number"));
        assert!(is_unused("calls", "imsi"));
    }

    #[test]
    fn no_name_means_two_fields_of_one_table() {
        for stem in ["calls", "locations", "phones", "persons", "incidents"] {
            let mut seen = std::collections::BTreeMap::new();
            for field in fields_of(stem) {
                for n in field.names {
                    let prev = seen.insert(normalise_header(n), field.name);
                    assert!(
                        prev.is_none(),
                        "{stem}: {n} listed twice ({prev:?}, {})",
                        field.name
                    );
                }
            }
        }
    }
}
