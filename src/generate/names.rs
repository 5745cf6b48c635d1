//! Chinese names and the ways police systems write them: characters
//! (张伟), pinyin surname first (Zhang Wei), carrier upper case (ZHANG WEI),
//! Western order (Wei Zhang), with the occasional typo or homophone.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// Common surnames, most frequent first, as (characters, pinyin).
pub const SURNAMES: &[(&str, &str)] = &[
    ("王", "Wang"),
    ("李", "Li"),
    ("张", "Zhang"),
    ("刘", "Liu"),
    ("陈", "Chen"),
    ("杨", "Yang"),
    ("黄", "Huang"),
    ("赵", "Zhao"),
    ("吴", "Wu"),
    ("周", "Zhou"),
    ("徐", "Xu"),
    ("孙", "Sun"),
    ("马", "Ma"),
    ("朱", "Zhu"),
    ("胡", "Hu"),
    ("郭", "Guo"),
    ("何", "He"),
    ("高", "Gao"),
    ("林", "Lin"),
    ("罗", "Luo"),
    ("郑", "Zheng"),
    ("梁", "Liang"),
    ("谢", "Xie"),
    ("宋", "Song"),
    ("唐", "Tang"),
    ("许", "Xu"),
    ("韩", "Han"),
    ("冯", "Feng"),
    ("邓", "Deng"),
    ("曹", "Cao"),
    ("彭", "Peng"),
    ("曾", "Zeng"),
    ("肖", "Xiao"),
    ("田", "Tian"),
    ("董", "Dong"),
    ("袁", "Yuan"),
    ("潘", "Pan"),
    ("于", "Yu"),
    ("蒋", "Jiang"),
    ("蔡", "Cai"),
    ("余", "Yu"),
    ("杜", "Du"),
    ("叶", "Ye"),
    ("程", "Cheng"),
    ("苏", "Su"),
    ("魏", "Wei"),
    ("吕", "Lyu"),
    ("丁", "Ding"),
    ("任", "Ren"),
    ("沈", "Shen"),
    ("姚", "Yao"),
    ("卢", "Lu"),
    ("姜", "Jiang"),
    ("崔", "Cui"),
    ("钟", "Zhong"),
    ("谭", "Tan"),
    ("陆", "Lu"),
    ("汪", "Wang"),
    ("范", "Fan"),
    ("金", "Jin"),
    ("石", "Shi"),
    ("廖", "Liao"),
    ("贾", "Jia"),
    ("夏", "Xia"),
    ("韦", "Wei"),
    ("付", "Fu"),
    ("方", "Fang"),
    ("白", "Bai"),
    ("邹", "Zou"),
    ("孟", "Meng"),
    ("熊", "Xiong"),
    ("秦", "Qin"),
    ("邱", "Qiu"),
    ("江", "Jiang"),
    ("尹", "Yin"),
    ("薛", "Xue"),
    ("闫", "Yan"),
    ("段", "Duan"),
    ("雷", "Lei"),
    ("侯", "Hou"),
    ("龙", "Long"),
    ("史", "Shi"),
    ("陶", "Tao"),
    ("黎", "Li"),
    ("贺", "He"),
    ("顾", "Gu"),
    ("毛", "Mao"),
    ("郝", "Hao"),
    ("龚", "Gong"),
    ("邵", "Shao"),
];

/// Characters of given names, as (character, pinyin).
pub const GIVEN: &[(&str, &str)] = &[
    ("伟", "Wei"),
    ("芳", "Fang"),
    ("娜", "Na"),
    ("敏", "Min"),
    ("静", "Jing"),
    ("丽", "Li"),
    ("强", "Qiang"),
    ("磊", "Lei"),
    ("军", "Jun"),
    ("洋", "Yang"),
    ("勇", "Yong"),
    ("艳", "Yan"),
    ("杰", "Jie"),
    ("娟", "Juan"),
    ("涛", "Tao"),
    ("明", "Ming"),
    ("超", "Chao"),
    ("秀", "Xiu"),
    ("霞", "Xia"),
    ("平", "Ping"),
    ("刚", "Gang"),
    ("桂", "Gui"),
    ("英", "Ying"),
    ("华", "Hua"),
    ("建", "Jian"),
    ("文", "Wen"),
    ("辉", "Hui"),
    ("力", "Li"),
    ("玲", "Ling"),
    ("燕", "Yan"),
    ("红", "Hong"),
    ("鹏", "Peng"),
    ("飞", "Fei"),
    ("斌", "Bin"),
    ("宇", "Yu"),
    ("浩", "Hao"),
    ("凯", "Kai"),
    ("俊", "Jun"),
    ("帅", "Shuai"),
    ("佳", "Jia"),
    ("欣", "Xin"),
    ("怡", "Yi"),
    ("婷", "Ting"),
    ("雪", "Xue"),
    ("慧", "Hui"),
    ("晨", "Chen"),
    ("阳", "Yang"),
    ("波", "Bo"),
    ("峰", "Feng"),
    ("博", "Bo"),
    ("鑫", "Xin"),
    ("宁", "Ning"),
    ("琳", "Lin"),
    ("志", "Zhi"),
    ("国", "Guo"),
    ("海", "Hai"),
    ("东", "Dong"),
    ("云", "Yun"),
    ("梅", "Mei"),
    ("丹", "Dan"),
    ("晓", "Xiao"),
    ("小", "Xiao"),
    ("春", "Chun"),
    ("亮", "Liang"),
    ("成", "Cheng"),
    ("兰", "Lan"),
    ("萍", "Ping"),
    ("荣", "Rong"),
    ("新", "Xin"),
    ("嘉", "Jia"),
    ("子", "Zi"),
    ("涵", "Han"),
    ("轩", "Xuan"),
    ("睿", "Rui"),
    ("雨", "Yu"),
    ("思", "Si"),
    ("梓", "Zi"),
    ("诗", "Shi"),
    ("天", "Tian"),
    ("泽", "Ze"),
    ("德", "De"),
    ("清", "Qing"),
    ("永", "Yong"),
    ("立", "Li"),
    ("宏", "Hong"),
];

/// Characters a clerk may write for another with the same sound.
const HOMOPHONES: &[(&str, &str)] = &[
    ("伟", "玮"),
    ("丽", "莉"),
    ("静", "晶"),
    ("明", "铭"),
    ("娜", "纳"),
    ("军", "君"),
    ("杰", "洁"),
    ("琳", "林"),
    ("华", "桦"),
    ("峰", "锋"),
    ("鹏", "朋"),
    ("辉", "晖"),
];

/// Nicknames used as aliases: `阿` or `老` + a name character.
pub const NICK_PREFIXES: &[(&str, &str)] = &[("阿", "Ah "), ("老", "Lao ")];

/// A person's name: surname and one or two given-name characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Name {
    pub surname: u16,
    pub given: [u16; 2],
    pub given_len: u8,
}

impl Name {
    /// A random name; surnames follow a rough frequency ranking.
    pub fn random(rng: &mut ChaCha8Rng) -> Name {
        let surname = random_surname(rng);
        Name::with_surname(rng, surname)
    }

    pub fn with_surname(rng: &mut ChaCha8Rng, surname: u16) -> Name {
        let given_len = if rng.gen_bool(0.35) { 1 } else { 2 };
        Name {
            surname,
            given: [
                rng.gen_range(0..GIVEN.len()) as u16,
                rng.gen_range(0..GIVEN.len()) as u16,
            ],
            given_len,
        }
    }

    fn given_chars(&self) -> String {
        (0..self.given_len as usize)
            .map(|i| GIVEN[self.given[i] as usize].0)
            .collect()
    }

    fn given_pinyin(&self) -> String {
        let mut s = String::new();
        for i in 0..self.given_len as usize {
            let p = GIVEN[self.given[i] as usize].1;
            if i == 0 {
                s.push_str(p);
            } else {
                s.push_str(&p.to_lowercase());
            }
        }
        s
    }

    /// 张伟
    pub fn chinese(&self) -> String {
        format!(
            "{}{}",
            SURNAMES[self.surname as usize].0,
            self.given_chars()
        )
    }
    /// Zhang Wei
    pub fn pinyin(&self) -> String {
        format!(
            "{} {}",
            SURNAMES[self.surname as usize].1,
            self.given_pinyin()
        )
    }
    /// ZHANG Wei (passport style) or ZHANG WEI (carrier style).
    pub fn pinyin_upper(&self, all: bool) -> String {
        let sur = SURNAMES[self.surname as usize].1.to_uppercase();
        if all {
            format!("{sur} {}", self.given_pinyin().to_uppercase())
        } else {
            format!("{sur} {}", self.given_pinyin())
        }
    }
    /// Wei Zhang
    pub fn western(&self) -> String {
        format!(
            "{} {}",
            self.given_pinyin(),
            SURNAMES[self.surname as usize].1
        )
    }
    /// 阿伟 / 老张 and their pinyin.
    pub fn nickname(&self, rng: &mut ChaCha8Rng) -> String {
        let (pre, pre_py) = NICK_PREFIXES[rng.gen_range(0..NICK_PREFIXES.len())];
        let (ch, py) = if pre == "老" {
            SURNAMES[self.surname as usize]
        } else {
            GIVEN[self.given[self.given_len as usize - 1] as usize]
        };
        if rng.gen_bool(0.6) {
            format!("{pre}{ch}")
        } else {
            format!("{pre_py}{py}")
        }
    }

    /// One of the ways a record may write this name, with typos now and then.
    pub fn variant(&self, rng: &mut ChaCha8Rng) -> String {
        match rng.gen_range(0..100) {
            0..=44 => self.chinese(),
            45..=59 => self.pinyin(),
            60..=69 => self.pinyin_upper(rng.gen_bool(0.5)),
            70..=77 => self.western(),
            78..=87 => homophone(&self.chinese(), rng),
            _ => typo(&self.pinyin(), rng),
        }
    }
}

pub fn random_surname(rng: &mut ChaCha8Rng) -> u16 {
    // Weight ~ 1 / (rank + 4): a few surnames are very common.
    let total: f64 = (0..SURNAMES.len()).map(|r| 1.0 / (r as f64 + 4.0)).sum();
    let mut x = rng.gen::<f64>() * total;
    for r in 0..SURNAMES.len() {
        x -= 1.0 / (r as f64 + 4.0);
        if x <= 0.0 {
            return r as u16;
        }
    }
    (SURNAMES.len() - 1) as u16
}

/// Replace one character by a homophone if the name has one, else keep it.
fn homophone(name: &str, rng: &mut ChaCha8Rng) -> String {
    let hits: Vec<&(&str, &str)> = HOMOPHONES
        .iter()
        .filter(|(a, _)| name.contains(a))
        .collect();
    if hits.is_empty() {
        return name.to_string();
    }
    let (a, b) = hits[rng.gen_range(0..hits.len())];
    name.replacen(a, b, 1)
}

/// A keyboard slip in a Latin name: two adjacent letters swapped, a letter
/// dropped or doubled. Never empties the name.
pub fn typo(name: &str, rng: &mut ChaCha8Rng) -> String {
    let chars: Vec<char> = name.chars().collect();
    let letters: Vec<usize> = (1..chars.len())
        .filter(|&i| chars[i].is_ascii_alphabetic() && chars[i - 1].is_ascii_alphabetic())
        .collect();
    if letters.is_empty() {
        return name.to_string();
    }
    let i = letters[rng.gen_range(0..letters.len())];
    let mut out = chars.clone();
    match rng.gen_range(0..3) {
        0 => out.swap(i - 1, i),
        1 => {
            out.remove(i);
        }
        _ => out.insert(i, chars[i]),
    }
    out.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn spellings_of_one_name() {
        let n = Name {
            surname: 2,
            given: [0, 0],
            given_len: 1,
        };
        assert_eq!(n.chinese(), "张伟");
        assert_eq!(n.pinyin(), "Zhang Wei");
        assert_eq!(n.pinyin_upper(false), "ZHANG Wei");
        assert_eq!(n.pinyin_upper(true), "ZHANG WEI");
        assert_eq!(n.western(), "Wei Zhang");
        let two = Name {
            surname: 0,
            given: [60, 35],
            given_len: 2,
        };
        assert_eq!(two.pinyin(), "Wang Xiaohao");
    }

    #[test]
    fn typos_change_but_never_empty_a_name() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for _ in 0..200 {
            let t = typo("Zhang Wei", &mut rng);
            assert!(!t.trim().is_empty());
            assert_ne!(t, "");
        }
    }
}
