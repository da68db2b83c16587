//! Convenience service cards (便民服务卡): printed number + check code, bound to a household.

pub mod model;
