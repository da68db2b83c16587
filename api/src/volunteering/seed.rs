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

/// One demo activity.
struct ActivitySeed {
    title: &'static str,
    category: ActivityCategory,
    /// The community's code, e.g. `DJ` (东街).
    community: &'static str,
    /// Days from today (local time).
    day: i64,
    /// Local start hour.
    hour: u32,
    hours: i64,
    capacity: i32,
    points_per_hour: i32,
    required_skills: &'static [&'static str],
}

const ACTIVITIES: [ActivitySeed; 12] = [
    ActivitySeed {
        title: "东街社区义务理发",
        category: ActivityCategory::Haircut,
        community: "DJ",
        day: 1,
        hour: 9,
        hours: 3,
        capacity: 20,
        points_per_hour: 10,
        required_skills: &["理发"],
    },
    ActivitySeed {
        title: "西街社区义务理发",
        category: ActivityCategory::Haircut,
        community: "XJ",
        day: 3,
        hour: 9,
        hours: 3,
        capacity: 20,
        points_per_hour: 10,
        required_skills: &["理发"],
    },
    ActivitySeed {
        title: "南街社区健康义诊",
        category: ActivityCategory::HealthClinic,
        community: "NJ",
        day: 2,
        hour: 9,
        hours: 4,
        capacity: 15,
        points_per_hour: 12,
        required_skills: &["医护"],
    },
    ActivitySeed {
        title: "回中社区健康义诊",
        category: ActivityCategory::HealthClinic,
        community: "HZ",
        day: 5,
        hour: 14,
        hours: 3,
        capacity: 15,
        points_per_hour: 12,
        required_skills: &["医护"],
    },
    ActivitySeed {
        title: "北街社区家电修理",
        category: ActivityCategory::ApplianceRepair,
        community: "BJ",
        day: 2,
        hour: 14,
        hours: 3,
        capacity: 10,
        points_per_hour: 12,
        required_skills: &["家电维修"],
    },
    ActivitySeed {
        title: "东升社区家电修理",
        category: ActivityCategory::ApplianceRepair,
        community: "DS",
        day: 6,
        hour: 9,
        hours: 3,
        capacity: 10,
        points_per_hour: 12,
        required_skills: &["家电维修"],
    },
    ActivitySeed {
        title: "中街社区理论宣讲",
        category: ActivityCategory::Talk,
        community: "ZJ",
        day: 4,
        hour: 15,
        hours: 2,
        capacity: 60,
        points_per_hour: 8,
        required_skills: &[],
    },
    ActivitySeed {
        title: "安定社区理论宣讲",
        category: ActivityCategory::Talk,
        community: "AD",
        day: 7,
        hour: 15,
        hours: 2,
        capacity: 60,
        points_per_hour: 8,
        required_skills: &[],
    },
    ActivitySeed {
        title: "天和人家环境整治",
        category: ActivityCategory::Cleanup,
        community: "DJ",
        day: 1,
        hour: 8,
        hours: 3,
        capacity: 40,
        points_per_hour: 10,
        required_skills: &[],
    },
    ActivitySeed {
        title: "世纪花园环境整治",
        category: ActivityCategory::Cleanup,
        community: "XJ",
        day: 4,
        hour: 8,
        hours: 3,
        capacity: 40,
        points_per_hour: 10,
        required_skills: &[],
    },
    ActivitySeed {
        title: "独居老人上门服务",
        category: ActivityCategory::DoorToDoor,
        community: "AD",
        day: 3,
        hour: 10,
        hours: 4,
        capacity: 12,
        points_per_hour: 15,
        required_skills: &[],
    },
    ActivitySeed {
        title: "南街社区上门助老",
        category: ActivityCategory::DoorToDoor,
        community: "NJ",
        day: 6,
        hour: 10,
        hours: 4,
        capacity: 12,
        points_per_hour: 15,
        required_skills: &[],
    },
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
    for seed in ACTIVITIES {
        let (title, category) = (seed.title, seed.category);
        let Some(community_id) = codes.get(seed.community).copied() else {
            continue;
        };
        let starts = at_local(today + Duration::days(seed.day), seed.hour);
        let new = NewActivity {
            team_id,
            community_id,
            title: title.to_owned(),
            category,
            description: format!("七彩之光志愿服务队{}活动，欢迎居民参与。", category.label()),
            place: format!("{}服务中心", title.get(..12).unwrap_or(title)),
            schedule: Schedule {
                starts_at: starts,
                ends_at: starts + Duration::hours(seed.hours),
                signup_deadline: starts - Duration::hours(12),
            },
            capacity: seed.capacity,
            required_skills: seed
                .required_skills
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            points_per_hour: seed.points_per_hour,
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
