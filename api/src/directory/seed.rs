//! Demo directory: the category taxonomy, a service centre and a 15-minute circle per
//! community (day care, clinic, legal aid, mediation, reading room, repair shop, haircuts,
//! the points supermarket) with hours and holiday closures, and the seven role contacts of
//! every building. Names and phone numbers are made up. Deterministic.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::roles::ContactRole;
use crate::db::schema::{
    buildings, communities, compounds, contacts, grids, locations, organizations, phones,
    role_assignments as ra, role_contacts as rc, schedule_exceptions, schedules,
    service_at_locations as sal, services, taxonomy_terms,
};
use crate::db::{last_insert_id, DbConn};
use crate::error::ApiResult;

/// What the seed loaded.
#[derive(Debug, Default)]
pub struct DirectorySeedReport {
    pub categories: usize,
    pub services: usize,
    pub role_contacts: usize,
    pub assignments: usize,
}

/// (code, name, parent code)
const TAXONOMY: [(&str, &str, Option<&str>); 16] = [
    ("service_centre", "党群服务中心", None),
    ("elderly_care", "养老服务", None),
    ("day_care", "日间照料中心", Some("elderly_care")),
    ("health", "医疗健康", None),
    ("clinic", "卫生服务站", Some("health")),
    ("counselling", "心理疏导", Some("health")),
    ("legal", "法律服务", None),
    ("legal_aid", "法律援助", Some("legal")),
    ("mediation", "人民调解", Some("legal")),
    ("culture", "文化教育", None),
    ("reading_room", "阅览室", Some("culture")),
    ("daily_life", "生活服务", None),
    ("repair", "家电维修", Some("daily_life")),
    ("haircut", "理发", Some("daily_life")),
    ("points_supermarket", "积分超市", Some("daily_life")),
    ("one_stop", "一站式服务窗口", Some("service_centre")),
];

/// A service of every community's circle: (category, name suffix, description, weekly hours
/// as (weekdays, opens, closes), offset from the service centre in metres (north, east)).
struct CircleService {
    category: &'static str,
    suffix: &'static str,
    description: &'static str,
    hours: &'static [(&'static [i32], &'static str, &'static str)],
    offset: (f64, f64),
}

const WEEKDAYS: &[i32] = &[1, 2, 3, 4, 5];
const EVERY_DAY: &[i32] = &[1, 2, 3, 4, 5, 6, 7];

const CIRCLE: [CircleService; 10] = [
    CircleService {
        category: "service_centre",
        suffix: "党群服务中心",
        description: "一站式服务窗口：社保、医保、养老认证、居住证明、便民服务卡补办",
        hours: &[
            (WEEKDAYS, "08:30", "12:00"),
            (WEEKDAYS, "14:30", "18:00"),
            (&[6], "09:00", "12:00"),
        ],
        offset: (0.0, 0.0),
    },
    CircleService {
        category: "day_care",
        suffix: "日间照料中心",
        description: "为社区老人提供午餐、午休、健康监测和文娱活动",
        hours: &[(EVERY_DAY, "08:00", "18:00")],
        offset: (120.0, 80.0),
    },
    CircleService {
        category: "clinic",
        suffix: "卫生服务站",
        description: "常见病诊疗、慢病随访、免费测血压，每月健康义诊",
        hours: &[(EVERY_DAY, "08:00", "20:00")],
        offset: (-150.0, 60.0),
    },
    CircleService {
        category: "counselling",
        suffix: "心理疏导室",
        description: "心理咨询与情绪疏导，预约优先",
        hours: &[(&[4], "14:00", "17:00")],
        offset: (10.0, 20.0),
    },
    CircleService {
        category: "legal_aid",
        suffix: "法律援助工作站",
        description: "免费法律咨询，受理法律援助申请",
        hours: &[(&[2, 4], "09:00", "12:00")],
        offset: (15.0, -10.0),
    },
    CircleService {
        category: "mediation",
        suffix: "人民调解室",
        description: "邻里纠纷、物业矛盾调解，法律咨询员定期坐班",
        hours: &[(WEEKDAYS, "09:00", "17:00")],
        offset: (20.0, 15.0),
    },
    CircleService {
        category: "reading_room",
        suffix: "社区阅览室",
        description: "图书借阅、少儿阅读、老年读报",
        hours: &[(&[2, 3, 4, 5, 6, 7], "09:00", "20:30")],
        offset: (60.0, -90.0),
    },
    CircleService {
        category: "repair",
        suffix: "便民家电维修点",
        description: "小家电、电动车充电器维修；七彩之光志愿者每月义务家电修理",
        hours: &[(&[1, 2, 3, 4, 5, 6], "09:00", "18:00")],
        offset: (-80.0, -140.0),
    },
    CircleService {
        category: "haircut",
        suffix: "爱心理发室",
        description: "每周三上午为六十岁以上老人义务理发",
        hours: &[(&[3], "08:30", "11:30")],
        offset: (100.0, -30.0),
    },
    CircleService {
        category: "points_supermarket",
        suffix: "积分超市",
        description: "志愿服务积分、微心愿积分兑换生活用品",
        hours: &[(&[6, 7], "09:00", "17:00")],
        offset: (-40.0, 110.0),
    },
];

const SURNAMES: [&str; 24] = [
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋",
];
const GIVEN: [&str; 24] = [
    "建国", "秀兰", "志强", "丽华", "海燕", "国庆", "桂英", "明", "伟", "芳", "军", "红梅", "建华",
    "玉兰", "小龙", "春燕", "德明", "淑珍", "永红", "文斌", "晓东", "彩霞", "宏伟", "静",
];

/// A made-up name and mobile number for the k-th demo person.
fn person(k: usize) -> (String, String) {
    let name = format!(
        "{}{}",
        SURNAMES[(k * 7) % SURNAMES.len()],
        GIVEN[(k * 11 + k / SURNAMES.len()) % GIVEN.len()]
    );
    (name, format!("139{:08}", 33_100_000 + k))
}

fn epoch() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap_or_default()
}

fn minutes(hhmm: &str) -> i32 {
    super::rules::parse_hhmm(hhmm).unwrap_or(0)
}

/// Holidays on which every demo service except the clinics closes.
const HOLIDAYS: [(&str, &str); 2] = [("2027-01-01", "元旦休息"), ("2027-02-06", "春节休息")];

/// Load the demo directory unless it is there already (the taxonomy decides).
pub fn seed(conn: &mut DbConn) -> ApiResult<Option<DirectorySeedReport>> {
    let existing: i64 = taxonomy_terms::table.count().get_result(conn)?;
    if existing > 0 {
        return Ok(None);
    }
    let at = epoch();
    let mut report = DirectorySeedReport::default();
    let mut category = std::collections::HashMap::new();
    for (position, (code, name, parent)) in TAXONOMY.iter().enumerate() {
        diesel::insert_into(taxonomy_terms::table)
            .values((
                taxonomy_terms::code.eq(code),
                taxonomy_terms::name.eq(name),
                taxonomy_terms::parent_id.eq(parent.and_then(|p| category.get(p).copied())),
                taxonomy_terms::position.eq(position as i32),
                taxonomy_terms::created_at.eq(at),
            ))
            .execute(conn)?;
        category.insert(*code, last_insert_id(conn)?);
        report.categories += 1;
    }
    let list: Vec<(i64, String, f64, f64)> = communities::table
        .order(communities::id)
        .select((
            communities::id,
            communities::name,
            communities::latitude,
            communities::longitude,
        ))
        .load(conn)?;
    let county = organization(conn, "泾川县城关镇人民政府", "城关镇便民服务", at)?;
    for (ci, (community_id, name, lat, lon)) in list.iter().enumerate() {
        let short = name.trim_end_matches("社区");
        let committee = organization(conn, &format!("{name}居民委员会"), "社区居委会", at)?;
        for (si, s) in CIRCLE.iter().enumerate() {
            let (dlat, dlon) = (s.offset.0 / 111_320.0, s.offset.1 / 90_800.0);
            let service_name = format!("{short}社区{}", s.suffix);
            let address = format!("泾川县城关镇{name}{}", s.suffix);
            let org = if s.category == "clinic" || s.category == "legal_aid" {
                county
            } else {
                committee
            };
            let phone = format!("0933-33{:02}{:03}", ci + 10, si * 7 + 1);
            let id = service(
                conn,
                ServiceSeed {
                    org,
                    category: category[s.category],
                    community: *community_id,
                    name: &service_name,
                    description: s.description,
                    place: (&service_name, &address, lat + dlat, lon + dlon),
                    phone: &phone,
                    hours: s.hours,
                    holidays: s.category != "clinic",
                },
                at,
            )?;
            if s.category == "service_centre" {
                let (who, mobile) = person(900 + ci);
                diesel::insert_into(contacts::table)
                    .values((
                        contacts::service_id.eq(id),
                        contacts::name.eq(&who),
                        contacts::title.eq("中心主任"),
                        contacts::phone.eq(Some(&mobile)),
                        contacts::created_at.eq(at),
                    ))
                    .execute(conn)?;
            }
            report.services += 1;
        }
    }
    // County-wide services (no community): shown on cards of buildings within reach.
    let legal = organization(conn, "泾川县法律援助中心", "免费法律咨询与法律援助", at)?;
    service(
        conn,
        ServiceSeed {
            org: legal,
            category: category["legal_aid"],
            community: 0,
            name: "泾川县法律援助中心",
            description: "法律援助申请、免费法律咨询、代写法律文书",
            place: (
                "县法律援助中心",
                "泾川县城关镇中街县司法局一楼",
                35.3425,
                107.3800,
            ),
            phone: "0933-3322148",
            hours: &[(WEEKDAYS, "08:30", "18:00")],
            holidays: true,
        },
        at,
    )?;
    let hospital = organization(conn, "泾川县人民医院", "县级综合医院", at)?;
    service(
        conn,
        ServiceSeed {
            org: hospital,
            category: category["clinic"],
            community: 0,
            name: "泾川县人民医院急诊科",
            description: "24小时急诊",
            place: ("县人民医院", "泾川县城关镇安定路", 35.3440, 107.3830),
            phone: "0933-3322120",
            hours: &[(EVERY_DAY, "00:00", "24:00")],
            holidays: false,
        },
        at,
    )?;
    report.services += 2;
    let (contacts, assignments) = role_contacts(conn, at)?;
    report.role_contacts = contacts;
    report.assignments = assignments;
    super::stamp::bump(conn, at)?;
    Ok(Some(report))
}

fn organization(
    conn: &mut DbConn,
    name: &str,
    description: &str,
    at: NaiveDateTime,
) -> ApiResult<i64> {
    diesel::insert_into(organizations::table)
        .values((
            organizations::name.eq(name),
            organizations::description.eq(description),
            organizations::status.eq("active"),
            organizations::last_confirmed_at.eq(at),
            organizations::created_at.eq(at),
            organizations::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(last_insert_id(conn)?)
}

struct ServiceSeed<'a> {
    org: i64,
    category: i64,
    /// 0: county-wide.
    community: i64,
    name: &'a str,
    description: &'a str,
    /// (name, address, latitude, longitude)
    place: (&'a str, &'a str, f64, f64),
    phone: &'a str,
    hours: &'a [(&'a [i32], &'a str, &'a str)],
    holidays: bool,
}

fn service(conn: &mut DbConn, s: ServiceSeed<'_>, at: NaiveDateTime) -> ApiResult<i64> {
    let community = (s.community != 0).then_some(s.community);
    diesel::insert_into(locations::table)
        .values((
            locations::organization_id.eq(Some(s.org)),
            locations::community_id.eq(community),
            locations::name.eq(s.place.0),
            locations::address.eq(s.place.1),
            locations::latitude.eq(s.place.2),
            locations::longitude.eq(s.place.3),
            locations::created_at.eq(at),
            locations::updated_at.eq(at),
        ))
        .execute(conn)?;
    let location = last_insert_id(conn)?;
    diesel::insert_into(services::table)
        .values((
            services::organization_id.eq(s.org),
            services::category_id.eq(s.category),
            services::community_id.eq(community),
            services::name.eq(s.name),
            services::description.eq(s.description),
            services::status.eq("active"),
            services::last_confirmed_at.eq(at),
            services::created_at.eq(at),
            services::updated_at.eq(at),
        ))
        .execute(conn)?;
    let id = last_insert_id(conn)?;
    diesel::insert_into(sal::table)
        .values((sal::service_id.eq(id), sal::location_id.eq(location)))
        .execute(conn)?;
    diesel::insert_into(phones::table)
        .values((
            phones::service_id.eq(id),
            phones::number.eq(s.phone),
            phones::description.eq("咨询电话"),
            phones::created_at.eq(at),
        ))
        .execute(conn)?;
    let rows: Vec<_> = s
        .hours
        .iter()
        .flat_map(|(days, o, c)| {
            days.iter().map(move |d| {
                (
                    schedules::service_id.eq(id),
                    schedules::weekday.eq(*d),
                    schedules::opens_minute.eq(minutes(o)),
                    schedules::closes_minute.eq(minutes(c)),
                    schedules::created_at.eq(at),
                )
            })
        })
        .collect();
    crate::on_backend!(&mut *conn, |c| diesel::insert_into(schedules::table)
        .values(&rows)
        .execute(c))?;
    if s.holidays {
        for (date, note) in HOLIDAYS {
            diesel::insert_into(schedule_exceptions::table)
                .values((
                    schedule_exceptions::service_id.eq(id),
                    schedule_exceptions::on_date.eq(date),
                    schedule_exceptions::closed.eq(true),
                    schedule_exceptions::note.eq(note),
                    schedule_exceptions::created_at.eq(at),
                ))
                .execute(conn)?;
        }
    }
    Ok(id)
}

fn new_contact(
    conn: &mut DbConn,
    community: i64,
    role: ContactRole,
    k: usize,
    at: NaiveDateTime,
) -> ApiResult<i64> {
    let (name, phone) = person(k);
    diesel::insert_into(rc::table)
        .values((
            rc::community_id.eq(community),
            rc::role.eq(role.as_str()),
            rc::name.eq(name),
            rc::phone.eq(phone),
            rc::status.eq("active"),
            rc::last_confirmed_at.eq(at),
            rc::created_at.eq(at),
            rc::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(last_insert_id(conn)?)
}

/// Grid heads and grid workers per grid, a health worker, legal adviser and police officer
/// per community (all covering compounds), a building head and a floor head per building.
fn role_contacts(conn: &mut DbConn, at: NaiveDateTime) -> ApiResult<(usize, usize)> {
    let mut k = 0usize;
    let mut next = || {
        k += 1;
        k
    };
    let mut compound_rows: Vec<(i64, String, i64)> = Vec::new(); // (contact, role, compound)
    let list: Vec<(i64, i64, i64)> = compounds::table
        .order(compounds::id)
        .select((compounds::id, compounds::community_id, compounds::grid_id))
        .load(conn)?;
    let grid_list: Vec<(i64, i64)> = grids::table
        .order(grids::id)
        .select((grids::id, grids::community_id))
        .load(conn)?;
    let mut contacts = 0usize;
    for (grid, community) in &grid_list {
        for role in [ContactRole::GridHead, ContactRole::GridWorker] {
            let id = new_contact(conn, *community, role, next(), at)?;
            contacts += 1;
            for (compound, _, _) in list.iter().filter(|c| c.2 == *grid) {
                compound_rows.push((id, role.as_str().to_owned(), *compound));
            }
        }
    }
    let mut community_ids: Vec<i64> = list.iter().map(|c| c.1).collect();
    community_ids.dedup();
    for community in community_ids {
        for role in [
            ContactRole::HealthWorker,
            ContactRole::LegalAdviser,
            ContactRole::PoliceOfficer,
        ] {
            let id = new_contact(conn, community, role, next(), at)?;
            contacts += 1;
            for (compound, _, _) in list.iter().filter(|c| c.1 == community) {
                compound_rows.push((id, role.as_str().to_owned(), *compound));
            }
        }
    }
    let rows: Vec<_> = compound_rows
        .iter()
        .map(|(contact, role, compound)| {
            (
                ra::role_contact_id.eq(*contact),
                ra::role.eq(role.as_str()),
                ra::compound_id.eq(Some(*compound)),
                ra::created_at.eq(at),
            )
        })
        .collect();
    crate::on_backend!(&mut *conn, |c| diesel::insert_into(ra::table)
        .values(&rows)
        .execute(c))?;
    let mut assignments = rows.len();
    // Building heads and floor heads: bulk insert, then read the ids back in insert order.
    let building_list: Vec<(i64, i64)> = buildings::table
        .inner_join(compounds::table)
        .order(buildings::id)
        .select((buildings::id, compounds::community_id))
        .load(conn)?;
    for role in [ContactRole::BuildingHead, ContactRole::FloorHead] {
        let people: Vec<(String, String)> = building_list.iter().map(|_| person(next())).collect();
        let rows: Vec<_> = building_list
            .iter()
            .zip(&people)
            .map(|((_, community), (name, phone))| {
                (
                    rc::community_id.eq(*community),
                    rc::role.eq(role.as_str()),
                    rc::name.eq(name.as_str()),
                    rc::phone.eq(phone.as_str()),
                    rc::status.eq("active"),
                    rc::last_confirmed_at.eq(at),
                    rc::created_at.eq(at),
                    rc::updated_at.eq(at),
                )
            })
            .collect();
        for chunk in rows.chunks(500) {
            crate::on_backend!(&mut *conn, |c| diesel::insert_into(rc::table)
                .values(chunk)
                .execute(c))?;
        }
        let ids: Vec<i64> = rc::table
            .filter(rc::role.eq(role.as_str()))
            .order(rc::id)
            .select(rc::id)
            .load(conn)?;
        contacts += ids.len();
        let rows: Vec<_> = building_list
            .iter()
            .zip(&ids)
            .map(|((building, _), contact)| {
                (
                    ra::role_contact_id.eq(*contact),
                    ra::role.eq(role.as_str()),
                    ra::building_id.eq(Some(*building)),
                    ra::created_at.eq(at),
                )
            })
            .collect();
        for chunk in rows.chunks(500) {
            crate::on_backend!(&mut *conn, |c| diesel::insert_into(ra::table)
                .values(chunk)
                .execute(c))?;
        }
        assignments += rows.len();
    }
    Ok((contacts, assignments))
}
