//! The category taxonomy: the tree staff and phones pick from, a service's path in it, and
//! the check that a category exists.

use std::collections::HashMap;

use diesel::prelude::*;

use super::snapshot::Category;
use crate::db::schema::taxonomy_terms;
use crate::db::DbConn;
use crate::directory::dto::{CategoryRef, CategoryView};
use crate::error::{ApiError, ApiResult};

/// Every category by id.
pub fn all(conn: &mut DbConn) -> ApiResult<HashMap<i64, Category>> {
    let rows: Vec<(i64, String, String, Option<i64>, i32)> = taxonomy_terms::table
        .select((
            taxonomy_terms::id,
            taxonomy_terms::code,
            taxonomy_terms::name,
            taxonomy_terms::parent_id,
            taxonomy_terms::position,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, code, name, parent_id, position)| {
            (
                id,
                Category {
                    id,
                    code,
                    name,
                    parent_id,
                    position,
                },
            )
        })
        .collect())
}

/// Every category, parents before children, siblings by position.
pub fn category_tree(conn: &mut DbConn) -> ApiResult<Vec<CategoryView>> {
    let all = all(conn)?;
    let mut out = Vec::with_capacity(all.len());
    fn walk(
        all: &HashMap<i64, Category>,
        parent: Option<i64>,
        depth: i32,
        out: &mut Vec<CategoryView>,
    ) {
        let mut children: Vec<&Category> = all.values().filter(|c| c.parent_id == parent).collect();
        children.sort_by_key(|c| (c.position, c.id));
        for c in children {
            out.push(CategoryView {
                id: c.id,
                code: c.code.clone(),
                name: c.name.clone(),
                parent_id: c.parent_id,
                depth,
            });
            if depth < 16 {
                walk(all, Some(c.id), depth + 1, out);
            }
        }
    }
    walk(&all, None, 0, &mut out);
    Ok(out)
}

/// A category as a service names it.
pub fn category_ref(c: &Category) -> CategoryRef {
    CategoryRef {
        id: c.id,
        code: c.code.clone(),
        name: c.name.clone(),
    }
}

/// Category and its ancestors, top first.
pub fn category_path(all: &HashMap<i64, Category>, id: i64) -> Vec<CategoryRef> {
    let mut path = Vec::new();
    let mut cur = Some(id);
    while let Some(c) = cur.and_then(|i| all.get(&i)) {
        path.push(category_ref(c));
        cur = c.parent_id;
        if path.len() > 16 {
            break;
        }
    }
    path.reverse();
    path
}

/// A staff edit's `category_id` names an existing category.
pub fn check_exists(conn: &mut DbConn, id: i64) -> ApiResult<()> {
    let n: i64 = taxonomy_terms::table
        .filter(taxonomy_terms::id.eq(id))
        .count()
        .get_result(conn)?;
    if n == 0 {
        return Err(ApiError::validation("category_id", "no such category"));
    }
    Ok(())
}
