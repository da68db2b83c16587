//! Demo data: the 七彩之光 team with two leader accounts (dev logins `qicai-leader-1` and
//! `qicai-leader-2`), upcoming activities of every kind in several communities, and the
//! points supermarket's shelves. The contents are fixed; the activities' dates follow the day
//! the data is loaded (from tomorrow on, local time), so the demo always has upcoming ones.

use chrono::{Duration, NaiveDateTime, TimeZone};
use diesel::prelude::*;

use crate::auth::Role;
use crate::clock::LOCAL_TZ;
use crate::db::schema::{communities, shop_items, team_members, users, volunteer_teams};
use crate::db::{last_insert_id, DbConn};
use crate::error::ApiResult;
use crate::volunteering::dto::activities::ActivityCategory;
use crate::volunteering::dto::teams::TeamRole;
use crate::volunteering::model::activities::{create, NewActivity};
use crate::volunteering::rules::Schedule;

/// What was loaded.
pub struct Report {
    pub teams: usize,
    pub activities: usize,
    pub items: usize,
}

/// (title, category, community code, day offset, local start hour, hours, capacity, points per hour, required skills)
type ActivitySeed = (
    &'static str,
    ActivityCategory,
    &'static str,
    i64,
    u32,
    i64,
    i32,
    i32,
    &'static [&'static str],
);

const ACTIVITIES: [ActivitySeed; 12] = [
    (
        "东街社区义务理发",
        ActivityCategory::Haircut,
        "DJ",
        1,
        9,
        3,
        20,
        10,
        &["理发"],
    ),
    (
        "西街社区义务理发",
        ActivityCategory::Haircut,
        "XJ",
        3,
        9,
        3,
        20,
        10,
        &["理发"],
    ),
    (
        "南街社区健康义诊",
        ActivityCategory::HealthClinic,
        "NJ",
        2,
        9,
        4,
        15,
        12,
        &["医护"],
    ),
    (
        "回中社区健康义诊",
        ActivityCategory::HealthClinic,
        "HZ",
        5,
        14,
        3,
        15,
        12,
        &["医护"],
    ),
    (
        "北街社区家电修理",
        ActivityCategory::ApplianceRepair,
        "BJ",
        2,
        14,
        3,
        10,
        12,
        &["家电维修"],
    ),
    (
        "东升社区家电修理",
        ActivityCategory::ApplianceRepair,
        "DS",
        6,
        9,
        3,
        10,
        12,
        &["家电维修"],
    ),
    (
        "中街社区理论宣讲",
        ActivityCategory::Talk,
        "ZJ",
        4,
        15,
        2,
        60,
        8,
        &[],
    ),
    (
        "安定社区理论宣讲",
        ActivityCategory::Talk,
        "AD",
        7,
        15,
        2,
        60,
        8,
        &[],
    ),
    (
        "天和人家环境整治",
        ActivityCategory::Cleanup,
        "DJ",
        1,
        8,
        3,
        40,
        10,
        &[],
    ),
    (
        "世纪花园环境整治",
        ActivityCategory::Cleanup,
        "XJ",
        4,
        8,
        3,
        40,
        10,
        &[],
    ),
    (
        "独居老人上门服务",
        ActivityCategory::DoorToDoor,
        "AD",
        3,
        10,
        4,
        12,
        15,
        &[],
    ),
    (
        "南街社区上门助老",
        ActivityCategory::DoorToDoor,
        "NJ",
        6,
        10,
        4,
        12,
        15,
        &[],
    ),
];

/// (name, description, price, stock)
const ITEMS: [(&str, &str, i32, i32); 8] = [
    ("食用油 5L", "压榨菜籽油一桶", 300, 20),
    ("大米 10kg", "本地大米一袋", 260, 30),
    ("面粉 5kg", "特一粉一袋", 150, 30),
    ("洗衣液 2kg", "洗衣液一瓶", 80, 50),
    ("毛巾", "纯棉毛巾一条", 30, 100),
    ("香皂", "香皂两块", 20, 100),
    ("牙膏", "牙膏一支", 25, 100),
    ("保温杯", "不锈钢保温杯一个", 120, 20),
];

fn at_local(day: chrono::NaiveDate, hour: u32) -> NaiveDateTime {
    let local = day.and_hms_opt(hour, 0, 0).unwrap_or_default();
    LOCAL_TZ
        .from_local_datetime(&local)
        .earliest()
        .map(|t| t.naive_utc())
        .unwrap_or(local - Duration::hours(8))
}

/// Load the demo volunteering data into an empty area; `None` when teams already exist.
pub fn seed(conn: &mut DbConn, now: NaiveDateTime) -> ApiResult<Option<Report>> {
    let existing: i64 = volunteer_teams::table.count().get_result(conn)?;
    if existing > 0 {
        return Ok(None);
    }
    diesel::insert_into(volunteer_teams::table)
        .values((
            volunteer_teams::name.eq("七彩之光志愿服务队"),
            volunteer_teams::description.eq(
                "泾川县城区社区志愿服务队：义务理发、健康义诊、家电修理、理论宣讲、环境整治和上门服务。",
            ),
            volunteer_teams::created_at.eq(now),
        ))
        .execute(conn)?;
    let team_id = last_insert_id(conn)?;
    let mut leader = None;
    for (i, nickname) in ["七彩之光队长", "七彩之光副队长"].iter().enumerate() {
        let openid = format!("dev:qicai-leader-{}", i + 1);
        let found: Option<i64> = users::table
            .filter(users::openid.eq(&openid))
            .select(users::id)
            .first(conn)
            .optional()?;
        let user_id = match found {
            Some(id) => id,
            None => {
                diesel::insert_into(users::table)
                    .values((
                        users::openid.eq(&openid),
                        users::nickname.eq(*nickname),
                        users::role.eq(Role::TeamLeader.as_str()),
                        users::created_at.eq(now),
                        users::last_login_at.eq(now),
                    ))
                    .execute(conn)?;
                last_insert_id(conn)?
            }
        };
        diesel::insert_into(team_members::table)
            .values((
                team_members::team_id.eq(team_id),
                team_members::user_id.eq(user_id),
                team_members::role.eq(TeamRole::Leader),
                team_members::joined_at.eq(now),
            ))
            .execute(conn)?;
        leader.get_or_insert(user_id);
    }
    let leader = leader.unwrap_or_default();
    let codes: std::collections::HashMap<String, i64> = communities::table
        .select((communities::code, communities::id))
        .load::<(String, i64)>(conn)?
        .into_iter()
        .collect();
    let today = now.and_utc().with_timezone(&LOCAL_TZ).date_naive();
    let mut activities = 0;
    for (title, category, community, day, hour, hours, capacity, pph, skills) in ACTIVITIES {
        let Some(community_id) = codes.get(community).copied() else {
            continue;
        };
        let starts = at_local(today + Duration::days(day), hour);
        let new = NewActivity {
            team_id,
            community_id,
            title: title.to_owned(),
            category,
            description: format!("七彩之光志愿服务队{}活动，欢迎居民参与。", category.label()),
            place: format!("{}服务中心", title.get(..12).unwrap_or(title)),
            schedule: Schedule {
                starts_at: starts,
                ends_at: starts + Duration::hours(hours),
                signup_deadline: starts - Duration::hours(12),
            },
            capacity,
            required_skills: skills.iter().map(|s| (*s).to_owned()).collect(),
            points_per_hour: pph,
        };
        create(conn, &new, leader, now)?;
        activities += 1;
    }
    for (name, description, price, stock) in ITEMS {
        diesel::insert_into(shop_items::table)
            .values((
                shop_items::name.eq(name),
                shop_items::description.eq(description),
                shop_items::price_points.eq(price),
                shop_items::stock.eq(stock),
                shop_items::active.eq(true),
                shop_items::created_at.eq(now),
                shop_items::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(Some(Report {
        teams: 1,
        activities,
        items: ITEMS.len(),
    }))
}
