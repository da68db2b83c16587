//! The demo data set, built from the facts in the county's report: 8 named communities, 51
//! grid cells, 56 compounds of the three kinds (16 with charging piles, among them 天和人家 and
//! 世纪花园), their buildings, and 10,000 households each with a convenience card.
//!
//! Deterministic: the same data (ids, card numbers, check codes) on every run and backend.
//! The demo check codes are therefore public; real cards are issued with random codes.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::dto::CompoundKind;
use crate::cards::rules::{self, CHECK_ALPHABET, CHECK_CODE_LEN};
use crate::db::schema::{buildings, cards, communities, compounds, grids, households};
use crate::db::{last_insert_id, DbConn};
use crate::error::ApiResult;

struct CommunitySeed {
    code: &'static str,
    name: &'static str,
    name_en: &'static str,
    grids: usize,
    households: usize,
    compounds: [&'static str; 7],
}

/// Kinds of the seven compounds of each community, in order.
const KINDS: [CompoundKind; 7] = [
    CompoundKind::PropertyManaged,
    CompoundKind::PropertyManaged,
    CompoundKind::OldHosted,
    CompoundKind::OldHosted,
    CompoundKind::OldHosted,
    CompoundKind::SelfManaged,
    CompoundKind::SelfManaged,
];
/// Share of the community's households living in each compound, in thousandths.
const SHARE: [usize; 7] = [300, 300, 100, 100, 100, 50, 50];

const COMMUNITIES: [CommunitySeed; 8] = [
    CommunitySeed {
        code: "DJ",
        name: "东街社区",
        name_en: "Dongjie",
        grids: 7,
        households: 1450,
        compounds: [
            "天和人家",
            "东湖花苑",
            "东街家属院",
            "粮食局家属院",
            "老邮电小区",
            "东关巷散居楼栋",
            "文庙巷散居楼栋",
        ],
    },
    CommunitySeed {
        code: "XJ",
        name: "西街社区",
        name_en: "Xijie",
        grids: 7,
        households: 1380,
        compounds: [
            "世纪花园",
            "西湖嘉苑",
            "西街家属院",
            "水电局家属院",
            "老卫生院小区",
            "西关巷散居楼栋",
            "仓门巷散居楼栋",
        ],
    },
    CommunitySeed {
        code: "NJ",
        name: "南街社区",
        name_en: "Nanjie",
        grids: 6,
        households: 1300,
        compounds: [
            "南山雅居",
            "锦绣华庭",
            "南街家属院",
            "交通局家属院",
            "农机站小区",
            "南关巷散居楼栋",
            "泾河巷散居楼栋",
        ],
    },
    CommunitySeed {
        code: "BJ",
        name: "北街社区",
        name_en: "Beijie",
        grids: 6,
        households: 1260,
        compounds: [
            "北城丽景",
            "阳光名苑",
            "北街家属院",
            "教育局家属院",
            "老汽车站小区",
            "北关巷散居楼栋",
            "城隍巷散居楼栋",
        ],
    },
    CommunitySeed {
        code: "ZJ",
        name: "中街社区",
        name_en: "Zhongjie",
        grids: 7,
        households: 1240,
        compounds: [
            "中央华府",
            "泾川花园",
            "中街家属院",
            "商业局家属院",
            "百货公司小区",
            "鼓楼巷散居楼栋",
            "中山巷散居楼栋",
        ],
    },
    CommunitySeed {
        code: "AD",
        name: "安定社区",
        name_en: "Anding",
        grids: 6,
        households: 1160,
        compounds: [
            "安定佳苑",
            "王母宫苑",
            "安定家属院",
            "林业局家属院",
            "老棉纺厂小区",
            "安定巷散居楼栋",
            "宫山巷散居楼栋",
        ],
    },
    CommunitySeed {
        code: "HZ",
        name: "回中社区",
        name_en: "Huizhong",
        grids: 6,
        households: 1110,
        compounds: [
            "回中新城",
            "瑶池嘉园",
            "回中家属院",
            "医院家属院",
            "老农行小区",
            "回山巷散居楼栋",
            "汭河巷散居楼栋",
        ],
    },
    CommunitySeed {
        code: "DS",
        name: "东升社区",
        name_en: "Dongsheng",
        grids: 6,
        households: 1100,
        compounds: [
            "东升御府",
            "紫荆花园",
            "东升家属院",
            "税务局家属院",
            "老水泥厂小区",
            "东升巷散居楼栋",
            "高峪巷散居楼栋",
        ],
    },
];

/// Units per building, floors, and rooms per floor and unit, by compound kind.
fn building_shape(kind: CompoundKind) -> (i32, i32, i32) {
    match kind {
        CompoundKind::PropertyManaged => (2, 6, 2),
        CompoundKind::OldHosted => (2, 5, 2),
        CompoundKind::SelfManaged => (1, 5, 2),
    }
}

/// A small deterministic generator (splitmix64) so the demo set is the same everywhere.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn check_code(&mut self) -> String {
        (0..CHECK_CODE_LEN)
            .map(|_| CHECK_ALPHABET[(self.next() % CHECK_ALPHABET.len() as u64) as usize] as char)
            .collect()
    }
}

/// The printed number of the n-th demo card (from 1): `JC00001` … `JC10000`. Demo cards are
/// printed in sequence.
pub fn card_number(n: usize) -> String {
    rules::card_number(n as u64)
}

/// Demo check codes, in card order: lets tests and the README scan a real demo card.
pub fn demo_check_codes(count: usize) -> Vec<String> {
    let mut rng = SplitMix(2022);
    (0..count).map(|_| rng.check_code()).collect()
}

fn epoch() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2022, 6, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap_or_default()
}

/// Summary of what a seed run did.
#[derive(Debug, Default)]
pub struct SeedReport {
    pub communities: usize,
    pub grids: usize,
    pub compounds: usize,
    pub buildings: usize,
    pub households: usize,
}

/// Load the places and cards, unless communities exist already. `scale` multiplies the
/// households (1 for the demo; benchmarks use more).
pub fn seed(conn: &mut DbConn, scale: usize) -> ApiResult<Option<SeedReport>> {
    let existing: i64 = communities::table.count().get_result(conn)?;
    if existing > 0 {
        return Ok(None);
    }
    let at = epoch();
    let mut report = SeedReport::default();
    let mut rng = SplitMix(2022);
    let mut card_seq = 0usize;
    for (ci, c) in COMMUNITIES.iter().enumerate() {
        let (lat, lon) = (35.330 + 0.004 * ci as f64, 107.360 + 0.005 * ci as f64);
        diesel::insert_into(communities::table)
            .values((
                communities::code.eq(c.code),
                communities::name.eq(c.name),
                communities::name_en.eq(c.name_en),
                communities::address.eq(format!("泾川县城关镇{}党群服务中心", c.name)),
                communities::latitude.eq(lat),
                communities::longitude.eq(lon),
                communities::created_at.eq(at),
            ))
            .execute(conn)?;
        let community_id = last_insert_id(conn)?;
        report.communities += 1;
        let mut grid_ids = Vec::with_capacity(c.grids);
        for g in 1..=c.grids {
            diesel::insert_into(grids::table)
                .values((
                    grids::community_id.eq(community_id),
                    grids::code.eq(format!("{}-G{g}", c.code)),
                    grids::name.eq(format!("{}第{g}网格", c.name.trim_end_matches("社区"))),
                    grids::created_at.eq(at),
                ))
                .execute(conn)?;
            grid_ids.push(last_insert_id(conn)?);
            report.grids += 1;
        }
        let total = c.households * scale;
        let mut assigned = 0usize;
        for (k, name) in c.compounds.iter().enumerate() {
            let share = if k + 1 == c.compounds.len() {
                total - assigned
            } else {
                total * SHARE[k] / 1000
            };
            assigned += share;
            let kind = KINDS[k];
            let (clat, clon) = (lat + 0.0011 * k as f64, lon - 0.0009 * k as f64);
            diesel::insert_into(compounds::table)
                .values((
                    compounds::community_id.eq(community_id),
                    compounds::grid_id.eq(grid_ids[k % grid_ids.len()]),
                    compounds::code.eq(format!("{}-{:02}", c.code, k + 1)),
                    compounds::name.eq(*name),
                    compounds::kind.eq(kind),
                    compounds::address.eq(format!("泾川县城关镇{}{}", c.name, name)),
                    compounds::latitude.eq(clat),
                    compounds::longitude.eq(clon),
                    compounds::has_charging.eq(kind == CompoundKind::PropertyManaged),
                    compounds::created_at.eq(at),
                ))
                .execute(conn)?;
            let compound_id = last_insert_id(conn)?;
            report.compounds += 1;
            let (units, floors, per_floor) = building_shape(kind);
            let per_building = (units * floors * per_floor) as usize;
            let mut left = share;
            let mut b = 0;
            while left > 0 {
                b += 1;
                diesel::insert_into(buildings::table)
                    .values((
                        buildings::compound_id.eq(compound_id),
                        buildings::name.eq(format!("{b}号楼")),
                        buildings::units.eq(units),
                        buildings::floors.eq(floors),
                        buildings::latitude.eq(clat + 0.0001 * f64::from(b)),
                        buildings::longitude.eq(clon + 0.0001 * f64::from(b)),
                        buildings::created_at.eq(at),
                    ))
                    .execute(conn)?;
                let building_id = last_insert_id(conn)?;
                report.buildings += 1;
                let here = left.min(per_building);
                let rows: Vec<_> = (0..here)
                    .map(|i| {
                        let i = i as i32;
                        let unit = i / (floors * per_floor) + 1;
                        let floor = (i / per_floor) % floors + 1;
                        let room = i % per_floor + 1;
                        (
                            households::building_id.eq(building_id),
                            households::unit.eq(unit),
                            households::room.eq(format!("{floor}{room:02}")),
                            households::created_at.eq(at),
                        )
                    })
                    .collect();
                crate::on_backend!(&mut *conn, |c| diesel::insert_into(households::table)
                    .values(&rows)
                    .execute(c))?;
                let ids: Vec<i64> = households::table
                    .filter(households::building_id.eq(building_id))
                    .order(households::id)
                    .select(households::id)
                    .load(conn)?;
                let card_rows: Vec<_> = ids
                    .iter()
                    .map(|hid| {
                        card_seq += 1;
                        (
                            cards::household_id.eq(*hid),
                            cards::card_number.eq(card_number(card_seq)),
                            cards::check_code.eq(rng.check_code()),
                            cards::status.eq("active"),
                            cards::issued_at.eq(at),
                            cards::active_household_id.eq(Some(*hid)),
                        )
                    })
                    .collect();
                crate::on_backend!(&mut *conn, |c| diesel::insert_into(cards::table)
                    .values(&card_rows)
                    .execute(c))?;
                report.households += here;
                left -= here;
            }
        }
    }
    Ok(Some(report))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_of_the_report_hold() {
        assert_eq!(COMMUNITIES.iter().map(|c| c.grids).sum::<usize>(), 51);
        assert_eq!(
            COMMUNITIES.iter().map(|c| c.households).sum::<usize>(),
            10_000
        );
        assert!(COMMUNITIES.iter().all(|c| c.households < 3000));
        let charging = COMMUNITIES.len()
            * KINDS
                .iter()
                .filter(|k| **k == CompoundKind::PropertyManaged)
                .count();
        assert_eq!(charging, 16);
        assert_eq!(SHARE.iter().sum::<usize>(), 1000);
    }

    #[test]
    fn check_codes_are_deterministic_and_unambiguous() {
        let a = demo_check_codes(3);
        assert_eq!(a, demo_check_codes(3));
        assert!(a
            .iter()
            .all(|c| c.len() == 6 && !c.contains(['0', 'O', '1', 'I', 'L'])));
        assert_eq!(card_number(7), "JC00007");
    }
}
