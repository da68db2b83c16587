//! Teams, their members and leaders, and volunteer profiles.

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;

use std::collections::HashMap;

use crate::auth::{AuthUser, Role};
use crate::db::paging::PageRequest;
use crate::db::schema::{
    communities, signups, team_members as tm, users, volunteer_profiles as vp,
    volunteer_teams as vt,
};
use crate::db::{is_unique_violation, last_insert_id, DbConn};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::volunteering::dto::teams::{
    MembershipStatus, MyTeam, TeamMemberView, TeamRole, TeamView, VolunteerProfileView,
};
use crate::volunteering::dto::UserRef;
use crate::volunteering::rules::{skills_from_text, skills_to_text};

/// A community id given by a client must exist.
pub fn check_community(conn: &mut DbConn, field: &str, id: Option<i64>) -> ApiResult<()> {
    if let Some(id) = id {
        let n: i64 = communities::table
            .filter(communities::id.eq(id))
            .count()
            .get_result(conn)?;
        if n == 0 {
            return Err(ApiError::validation(field, "no such community"));
        }
    }
    Ok(())
}

pub fn create_team(
    conn: &mut DbConn,
    name: &str,
    description: &str,
    community_id: Option<i64>,
    now: NaiveDateTime,
) -> ApiResult<i64> {
    check_community(conn, "community_id", community_id)?;
    let inserted = diesel::insert_into(vt::table)
        .values((
            vt::name.eq(name),
            vt::description.eq(description),
            vt::community_id.eq(community_id),
            vt::created_at.eq(now),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(last_insert_id(conn)?),
        Err(e) if is_unique_violation(&e) => {
            Err(ApiError::new(ErrorCode::TeamNameTaken).with_field("name"))
        }
        Err(e) => Err(e.into()),
    }
}

pub fn team_exists(conn: &mut DbConn, team_id: i64) -> ApiResult<bool> {
    let n: i64 = vt::table
        .filter(vt::id.eq(team_id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

fn views(
    conn: &mut DbConn,
    rows: Vec<(i64, String, String, Option<i64>)>,
    viewer: i64,
) -> ApiResult<Vec<TeamView>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let counts: HashMap<i64, i64> = tm::table
        .filter(
            tm::team_id
                .eq_any(&ids)
                .and(tm::status.eq(MembershipStatus::Approved)),
        )
        .group_by(tm::team_id)
        .select((tm::team_id, count_star()))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    let leaders: Vec<(i64, i64, String)> = tm::table
        .inner_join(users::table)
        .filter(tm::team_id.eq_any(&ids).and(tm::role.eq(TeamRole::Leader)))
        .order((tm::team_id, tm::joined_at, tm::user_id))
        .select((tm::team_id, tm::user_id, users::nickname))
        .load(conn)?;
    let mine: HashMap<i64, (TeamRole, MembershipStatus)> = tm::table
        .filter(tm::team_id.eq_any(&ids).and(tm::user_id.eq(viewer)))
        .select((tm::team_id, tm::role, tm::status))
        .load::<(i64, TeamRole, MembershipStatus)>(conn)?
        .into_iter()
        .map(|(t, r, st)| (t, (r, st)))
        .collect();
    Ok(rows
        .into_iter()
        .map(|(id, name, description, community_id)| TeamView {
            member_count: counts.get(&id).copied().unwrap_or(0),
            leaders: leaders
                .iter()
                .filter(|l| l.0 == id)
                .map(|l| UserRef {
                    user_id: l.1,
                    nickname: l.2.clone(),
                })
                .collect(),
            my_role: mine.get(&id).map(|m| m.0),
            my_status: mine.get(&id).map(|m| m.1),
            id,
            name,
            description,
            community_id,
        })
        .collect())
}

pub fn list_teams(
    conn: &mut DbConn,
    viewer: i64,
    page: PageRequest,
) -> ApiResult<(Vec<TeamView>, i64)> {
    let total: i64 = vt::table.count().get_result(conn)?;
    let rows = vt::table
        .order(vt::name)
        .limit(page.per_page)
        .offset(page.offset())
        .select((vt::id, vt::name, vt::description, vt::community_id))
        .load(conn)?;
    Ok((views(conn, rows, viewer)?, total))
}

pub fn team_view(conn: &mut DbConn, team_id: i64, viewer: i64) -> ApiResult<TeamView> {
    let rows = vt::table
        .filter(vt::id.eq(team_id))
        .select((vt::id, vt::name, vt::description, vt::community_id))
        .load(conn)?;
    views(conn, rows, viewer)?
        .pop()
        .ok_or_else(ApiError::not_found)
}

/// Ask to join a team: the membership is pending until a leader (or staff) approves it.
pub fn join(conn: &mut DbConn, team_id: i64, user_id: i64, now: NaiveDateTime) -> ApiResult<()> {
    if !team_exists(conn, team_id)? {
        return Err(ApiError::not_found());
    }
    let inserted = diesel::insert_into(tm::table)
        .values((
            tm::team_id.eq(team_id),
            tm::user_id.eq(user_id),
            tm::role.eq(TeamRole::Member),
            tm::status.eq(MembershipStatus::Pending),
            tm::joined_at.eq(now),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => Err(ApiError::new(ErrorCode::AlreadyTeamMember)),
        Err(e) => Err(e.into()),
    }
}

pub fn leave(conn: &mut DbConn, team_id: i64, user_id: i64) -> ApiResult<()> {
    if !team_exists(conn, team_id)? {
        return Err(ApiError::not_found());
    }
    let n = diesel::delete(tm::table.filter(tm::team_id.eq(team_id).and(tm::user_id.eq(user_id))))
        .execute(conn)?;
    if n == 0 {
        return Err(ApiError::new(ErrorCode::NotTeamMember));
    }
    Ok(())
}

/// A leader (or staff) approves a pending membership. Approving an approved one changes
/// nothing (a retry gets the same answer).
pub fn approve(
    conn: &mut DbConn,
    team_id: i64,
    user_id: i64,
    by: i64,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let n = diesel::update(
        tm::table.filter(
            tm::team_id
                .eq(team_id)
                .and(tm::user_id.eq(user_id))
                .and(tm::status.eq(MembershipStatus::Pending)),
        ),
    )
    .set((
        tm::status.eq(MembershipStatus::Approved),
        tm::decided_by.eq(Some(by)),
        tm::decided_at.eq(Some(now)),
    ))
    .execute(conn)?;
    if n == 0 && membership(conn, team_id, user_id)?.is_none() {
        return Err(ApiError::new(ErrorCode::NotTeamMember));
    }
    Ok(())
}

/// A leader (or staff) rejects a pending membership: the request is removed (the resident may
/// ask again). An approved member is not removed this way.
pub fn reject(conn: &mut DbConn, team_id: i64, user_id: i64) -> ApiResult<()> {
    let n = diesel::delete(
        tm::table.filter(
            tm::team_id
                .eq(team_id)
                .and(tm::user_id.eq(user_id))
                .and(tm::status.eq(MembershipStatus::Pending)),
        ),
    )
    .execute(conn)?;
    if n == 0 {
        return Err(match membership(conn, team_id, user_id)? {
            None => ApiError::new(ErrorCode::NotTeamMember),
            Some(_) => ApiError::new(ErrorCode::MembershipNotPending),
        });
    }
    Ok(())
}

/// A user's membership status in a team, if any.
pub fn membership(
    conn: &mut DbConn,
    team_id: i64,
    user_id: i64,
) -> ApiResult<Option<MembershipStatus>> {
    Ok(tm::table
        .filter(tm::team_id.eq(team_id).and(tm::user_id.eq(user_id)))
        .select(tm::status)
        .first(conn)
        .optional()?)
}

/// Make a member a leader or a plain member. A resident who becomes a leader is raised to the
/// `team_leader` role (never lowered here: they may lead another team).
pub fn set_member_role(
    conn: &mut DbConn,
    team_id: i64,
    user_id: i64,
    role: TeamRole,
) -> ApiResult<()> {
    if !team_exists(conn, team_id)? {
        return Err(ApiError::not_found());
    }
    // Staff naming a role decide a pending request too.
    let n = diesel::update(tm::table.filter(tm::team_id.eq(team_id).and(tm::user_id.eq(user_id))))
        .set((tm::role.eq(role), tm::status.eq(MembershipStatus::Approved)))
        .execute(conn)?;
    if n == 0 {
        let is_member: i64 = tm::table
            .filter(tm::team_id.eq(team_id).and(tm::user_id.eq(user_id)))
            .count()
            .get_result(conn)?;
        if is_member == 0 {
            return Err(ApiError::new(ErrorCode::NotTeamMember));
        }
    }
    if role == TeamRole::Leader {
        diesel::update(
            users::table.filter(
                users::id
                    .eq(user_id)
                    .and(users::role.eq(Role::Resident.as_str())),
            ),
        )
        .set((
            users::role.eq(Role::TeamLeader.as_str()),
            users::auth_version.eq(users::auth_version + 1),
        ))
        .execute(conn)?;
    }
    Ok(())
}

pub fn members(
    conn: &mut DbConn,
    team_id: i64,
    page: PageRequest,
) -> ApiResult<(Vec<TeamMemberView>, i64)> {
    if !team_exists(conn, team_id)? {
        return Err(ApiError::not_found());
    }
    let total: i64 = tm::table
        .filter(tm::team_id.eq(team_id))
        .count()
        .get_result(conn)?;
    // "leader" sorts before "member": leaders first.
    let rows: Vec<(i64, String, TeamRole, MembershipStatus, NaiveDateTime)> = tm::table
        .inner_join(users::table)
        .filter(tm::team_id.eq(team_id))
        .order((tm::role, tm::joined_at, tm::user_id))
        .limit(page.per_page)
        .offset(page.offset())
        .select((
            tm::user_id,
            users::nickname,
            tm::role,
            tm::status,
            tm::joined_at,
        ))
        .load(conn)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let profiles: HashMap<i64, (String, bool)> = vp::table
        .filter(vp::user_id.eq_any(&ids))
        .select((vp::user_id, vp::skills, vp::is_party_member))
        .load::<(i64, String, bool)>(conn)?
        .into_iter()
        .map(|(u, s, p)| (u, (s, p)))
        .collect();
    let items = rows
        .into_iter()
        .map(|(user_id, nickname, role, status, joined_at)| {
            let (skills, party) = profiles
                .get(&user_id)
                .map(|(s, p)| (skills_from_text(s), *p))
                .unwrap_or_default();
            TeamMemberView {
                user_id,
                nickname,
                role,
                status,
                skills,
                is_party_member: party,
                joined_at: joined_at.and_utc(),
            }
        })
        .collect();
    Ok((items, total))
}

fn is_leader(conn: &mut DbConn, team_id: i64, user_id: i64) -> ApiResult<bool> {
    let n: i64 = tm::table
        .filter(
            tm::team_id
                .eq(team_id)
                .and(tm::user_id.eq(user_id))
                .and(tm::role.eq(TeamRole::Leader))
                .and(tm::status.eq(MembershipStatus::Approved)),
        )
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Staff manage every team; a `team_leader` manages the teams they lead.
pub fn can_manage(conn: &mut DbConn, user: AuthUser, team_id: i64) -> ApiResult<bool> {
    if user.is_staff() {
        return Ok(true);
    }
    if user.role < Role::TeamLeader {
        return Ok(false);
    }
    is_leader(conn, team_id, user.user_id)
}

pub fn require_manage(conn: &mut DbConn, user: AuthUser, team_id: i64) -> ApiResult<()> {
    if can_manage(conn, user, team_id)? {
        Ok(())
    } else {
        Err(ApiError::new(ErrorCode::NotTeamLeader))
    }
}

/// A volunteer is an approved member of at least one team.
pub fn is_volunteer(conn: &mut DbConn, user_id: i64) -> ApiResult<bool> {
    let n: i64 = tm::table
        .filter(
            tm::user_id
                .eq(user_id)
                .and(tm::status.eq(MembershipStatus::Approved)),
        )
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

pub fn is_party_member(conn: &mut DbConn, user_id: i64) -> ApiResult<bool> {
    Ok(vp::table
        .filter(vp::user_id.eq(user_id))
        .select(vp::is_party_member)
        .first::<bool>(conn)
        .optional()?
        .unwrap_or(false))
}

pub fn skills_of(conn: &mut DbConn, user_id: i64) -> ApiResult<Vec<String>> {
    Ok(vp::table
        .filter(vp::user_id.eq(user_id))
        .select(vp::skills)
        .first::<String>(conn)
        .optional()?
        .map(|s| skills_from_text(&s))
        .unwrap_or_default())
}

/// Make sure the user has a profile row (two first calls at once both end with one row).
fn ensure_profile(conn: &mut DbConn, user_id: i64, now: NaiveDateTime) -> ApiResult<()> {
    let n: i64 = vp::table
        .filter(vp::user_id.eq(user_id))
        .count()
        .get_result(conn)?;
    if n > 0 {
        return Ok(());
    }
    let inserted = diesel::insert_into(vp::table)
        .values((
            vp::user_id.eq(user_id),
            vp::skills.eq("[]"),
            vp::is_party_member.eq(false),
            vp::created_at.eq(now),
            vp::updated_at.eq(now),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

pub fn set_skills(
    conn: &mut DbConn,
    user_id: i64,
    skills: &[String],
    now: NaiveDateTime,
) -> ApiResult<()> {
    ensure_profile(conn, user_id, now)?;
    diesel::update(vp::table.filter(vp::user_id.eq(user_id)))
        .set((
            vp::skills.eq(skills_to_text(skills)),
            vp::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn set_party_member(
    conn: &mut DbConn,
    user_id: i64,
    flag: bool,
    unit: Option<&str>,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let exists: i64 = users::table
        .filter(users::id.eq(user_id))
        .count()
        .get_result(conn)?;
    if exists == 0 {
        return Err(ApiError::not_found());
    }
    ensure_profile(conn, user_id, now)?;
    diesel::update(vp::table.filter(vp::user_id.eq(user_id)))
        .set((
            vp::is_party_member.eq(flag),
            vp::party_unit.eq(unit),
            vp::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Service time credited to a user, in minutes.
pub fn service_minutes(conn: &mut DbConn, user_id: i64) -> ApiResult<i64> {
    let minutes: Vec<Option<i32>> = signups::table
        .filter(
            signups::user_id
                .eq(user_id)
                .and(signups::service_minutes.is_not_null()),
        )
        .select(signups::service_minutes)
        .load(conn)?;
    Ok(minutes.into_iter().flatten().map(i64::from).sum())
}

pub fn profile(conn: &mut DbConn, user_id: i64) -> ApiResult<VolunteerProfileView> {
    let row: Option<(String, bool, Option<String>)> = vp::table
        .filter(vp::user_id.eq(user_id))
        .select((vp::skills, vp::is_party_member, vp::party_unit))
        .first(conn)
        .optional()?;
    let (skills, is_party_member, party_unit) = row
        .map(|(s, p, u)| (skills_from_text(&s), p, u))
        .unwrap_or_default();
    let teams = tm::table
        .inner_join(vt::table)
        .filter(
            tm::user_id
                .eq(user_id)
                .and(tm::status.eq(MembershipStatus::Approved)),
        )
        .order(vt::name)
        .select((vt::id, vt::name, tm::role))
        .load::<(i64, String, TeamRole)>(conn)?
        .into_iter()
        .map(|(id, name, role)| MyTeam { id, name, role })
        .collect();
    Ok(VolunteerProfileView {
        user_id,
        skills,
        is_party_member,
        party_unit,
        teams,
        service_minutes: service_minutes(conn, user_id)?,
    })
}

/// Display names of users, as [`UserRef`]s.
pub fn user_refs(conn: &mut DbConn, ids: &[i64]) -> ApiResult<HashMap<i64, UserRef>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::nickname))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .map(|(user_id, nickname)| (user_id, UserRef { user_id, nickname }))
        .collect())
}
