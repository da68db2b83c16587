//! Card and role-contact rules as plain functions: the seven roles, new check codes, card
//! numbers.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::places::seed::CHECK_ALPHABET;

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

/// A new random check code from the unambiguous alphabet, drawn from the OS generator
/// (rejection sampling keeps every character equally likely).
pub fn new_check_code() -> Result<String, String> {
    use rand::TryRngCore;
    let n = CHECK_ALPHABET.len();
    let limit = (256 / n * n) as u8;
    let mut code = String::with_capacity(6);
    let mut buf = [0u8; 16];
    while code.len() < 6 {
        rand::rngs::OsRng
            .try_fill_bytes(&mut buf)
            .map_err(|e| format!("OS random generator failed: {e}"))?;
        for b in buf.iter().filter(|b| **b < limit) {
            if code.len() < 6 {
                code.push(CHECK_ALPHABET[usize::from(*b) % n] as char);
            }
        }
    }
    Ok(code)
}

/// The sequence number of a printed card number (`JC00042` → 42).
pub fn card_sequence(number: &str) -> Option<u64> {
    number.strip_prefix("JC")?.parse().ok()
}

/// The printed number following the highest one in use.
pub fn next_card_number(highest: Option<&str>) -> String {
    let next = highest
        .and_then(card_sequence)
        .unwrap_or(0)
        .saturating_add(1);
    crate::places::seed::card_number(next as usize)
}

/// Emergency numbers every card shows (the community service centre is added per community).
pub const EMERGENCY_NUMBERS: [(&str, &str); 4] = [
    ("报警 Police", "110"),
    ("火警 Fire", "119"),
    ("急救 Ambulance", "120"),
    ("政务服务便民热线 Government hotline", "12345"),
];

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

    #[test]
    fn check_codes_are_random_and_unambiguous() {
        let a = new_check_code().unwrap();
        let b = new_check_code().unwrap();
        assert_eq!(a.len(), 6);
        assert!(a.bytes().all(|c| CHECK_ALPHABET.contains(&c)));
        // 31^6 ≈ 887 million codes: two equal draws in a row mean the generator is broken.
        assert_ne!(a, b);
    }

    #[test]
    fn card_numbers_follow_the_highest() {
        assert_eq!(next_card_number(Some("JC10000")), "JC10001");
        assert_eq!(next_card_number(None), "JC00001");
        assert_eq!(card_sequence("XX1"), None);
    }
}
