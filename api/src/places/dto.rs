//! Response bodies for places.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::text::Text;

crate::text_enum! {
    /// 县城里的三类小区。
    ///
    /// The three kinds of compound in the county town.
    pub enum CompoundKind {
        /// 物业小区: run by a property-management firm.
        PropertyManaged = "property_managed",
        /// 老旧小区: an old compound with a hosted (托管) firm.
        OldHosted = "old_hosted",
        /// 散居楼栋: scattered buildings run by a self-management group.
        SelfManaged = "self_managed",
    }
}

/// An urban community (社区).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 1, "code": "DJ", "name": "东街社区", "name_en": "Dongjie", "address": "泾川县城关镇东街", "grid_count": 7, "compound_count": 7, "household_count": 1450}))]
pub struct CommunityView {
    /// Community id.
    pub id: i64,
    /// Short stable code.
    pub code: String,
    /// Name in Chinese.
    pub name: String,
    /// Name in pinyin.
    pub name_en: String,
    /// Address of the community's service centre.
    pub address: String,
    /// Grid cells (网格) in the community.
    pub grid_count: i64,
    /// Compounds (小区) in the community.
    pub compound_count: i64,
    /// Registered households.
    pub household_count: i64,
}

/// Filters for the compound list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CompoundFilter {
    /// Only compounds of this community.
    pub community_id: Option<i64>,
    /// Name contains this text (Chinese or pinyin code), e.g. `世纪`.
    #[param(value_type = Option<String>, max_length = 64)]
    pub q: Option<Text<0, 64>>,
    /// Only compounds of this kind.
    pub kind: Option<CompoundKind>,
    /// Only compounds with (or without) e-bike charging piles.
    pub has_charging: Option<bool>,
}

/// A compound (小区) in a list.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 3, "code": "DJ-01", "name": "天和人家", "kind": "property_managed", "community_id": 1, "community_name": "东街社区", "grid_id": 1, "grid_name": "东街第1网格", "address": "东街社区天和人家", "has_charging": true, "building_count": 12}))]
pub struct CompoundSummary {
    /// Compound id.
    pub id: i64,
    /// Short stable code.
    pub code: String,
    /// Name in Chinese.
    pub name: String,
    /// How the compound is run.
    pub kind: CompoundKind,
    /// Community it belongs to.
    pub community_id: i64,
    /// That community's name.
    pub community_name: String,
    /// Grid cell it lies in.
    pub grid_id: i64,
    /// That grid's name.
    pub grid_name: String,
    /// Street address.
    pub address: String,
    /// Whether it has e-bike charging piles.
    pub has_charging: bool,
    /// Number of buildings.
    pub building_count: i64,
}

/// A building (楼栋) of a compound.
#[derive(Debug, Serialize, ToSchema)]
pub struct BuildingView {
    /// Building id.
    pub id: i64,
    /// Name, e.g. `3号楼`.
    pub name: String,
    /// Stairwell units (单元).
    pub units: i32,
    /// Floors.
    pub floors: i32,
    /// Registered households.
    pub household_count: i64,
}

/// 单个小区及其楼栋。
///
/// One compound with its buildings.
#[derive(Debug, Serialize, ToSchema)]
pub struct CompoundDetail {
    /// The compound.
    #[serde(flatten)]
    pub compound: CompoundSummary,
    /// Latitude (WGS-84).
    pub latitude: f64,
    /// Longitude (WGS-84).
    pub longitude: f64,
    /// Its buildings, by name.
    pub buildings: Vec<BuildingView>,
}

/// 家庭住址：社区 › 网格 › 小区 › 楼栋 › 单元 › 房号。
///
/// Where a household lives: community › grid › compound › building › unit › room.
#[derive(Debug, Serialize, ToSchema)]
pub struct AddressView {
    /// Community id and name.
    pub community: NamedRef,
    /// Grid id and name.
    pub grid: NamedRef,
    /// Compound id and name.
    pub compound: NamedRef,
    /// Building id and name.
    pub building: NamedRef,
    /// Stairwell unit number, when the household is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<i32>,
    /// Room number, when the household is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub room: Option<String>,
}

/// 带显示名称的 ID。
///
/// An id with a display name.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NamedRef {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
}
