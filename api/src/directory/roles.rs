//! The seven public roles of "三长三员一民警": every compound and building lists one named
//! contact for each. The directory owns the roles because a role contact is a directory entry
//! like a service: residents report a wrong number on it and staff confirm it. Cards show a
//! building's seven contacts, and their staff endpoints keep them (`cards/model/contacts.rs`).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The seven public roles of "三长三员一民警", in the order a card shows them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ContactRole {
    /// 网格长: heads a grid cell.
    GridHead,
    /// 楼栋长: heads a building.
    BuildingHead,
    /// 楼长: heads a floor or stairwell.
    FloorHead,
    /// 网格员: the grid's community worker.
    GridWorker,
    /// 社区健康员: community health worker.
    HealthWorker,
    /// 法律咨询员: legal adviser.
    LegalAdviser,
    /// 社区民警: community police officer.
    PoliceOfficer,
}

impl ContactRole {
    /// Every role, in display order.
    pub const ALL: [ContactRole; 7] = [
        ContactRole::GridHead,
        ContactRole::BuildingHead,
        ContactRole::FloorHead,
        ContactRole::GridWorker,
        ContactRole::HealthWorker,
        ContactRole::LegalAdviser,
        ContactRole::PoliceOfficer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ContactRole::GridHead => "grid_head",
            ContactRole::BuildingHead => "building_head",
            ContactRole::FloorHead => "floor_head",
            ContactRole::GridWorker => "grid_worker",
            ContactRole::HealthWorker => "health_worker",
            ContactRole::LegalAdviser => "legal_adviser",
            ContactRole::PoliceOfficer => "police_officer",
        }
    }

    pub fn parse(s: &str) -> Option<ContactRole> {
        ContactRole::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The title printed on the card.
    pub fn title(self) -> &'static str {
        match self {
            ContactRole::GridHead => "网格长",
            ContactRole::BuildingHead => "楼栋长",
            ContactRole::FloorHead => "楼长",
            ContactRole::GridWorker => "网格员",
            ContactRole::HealthWorker => "社区健康员",
            ContactRole::LegalAdviser => "法律咨询员",
            ContactRole::PoliceOfficer => "社区民警",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_in_order() {
        assert_eq!(ContactRole::ALL.len(), 7);
        for r in ContactRole::ALL {
            assert_eq!(ContactRole::parse(r.as_str()), Some(r));
            assert_eq!(
                serde_json::to_value(r).unwrap(),
                serde_json::json!(r.as_str())
            );
        }
        assert_eq!(ContactRole::parse("mayor"), None);
    }
}
