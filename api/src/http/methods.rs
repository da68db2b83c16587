//! What answers a request no route took: 405 `method_not_allowed` with an `Allow` header when
//! the path is one of the API's but the method is not (RFC 9110 §15.5.6), else 404
//! `not_found`. The methods of each path come from the OpenAPI document, so `Allow` lists
//! exactly what the document declares, and `HEAD` with every `GET` (every `GET` answers `HEAD`,
//! see `head.rs`).

use actix_router::ResourceDef;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};

use crate::error::{ApiError, ErrorCode, Lang};

/// The declared methods of every path of the document.
#[derive(Clone, Default)]
pub struct MethodTable {
    paths: Vec<(ResourceDef, String)>,
}

impl MethodTable {
    pub fn from_openapi(doc: &utoipa::openapi::OpenApi) -> MethodTable {
        let paths = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let methods: Vec<&str> = [
                    ("GET", item.get.is_some()),
                    // Every GET answers HEAD too (head.rs); RFC 9110 §9.3.2.
                    ("HEAD", item.get.is_some()),
                    ("PUT", item.put.is_some()),
                    ("POST", item.post.is_some()),
                    ("DELETE", item.delete.is_some()),
                    ("PATCH", item.patch.is_some()),
                ]
                .into_iter()
                .filter_map(|(m, declared)| declared.then_some(m))
                .collect();
                (ResourceDef::new(path.as_str()), methods.join(", "))
            })
            .collect();
        MethodTable { paths }
    }

    /// Leave out a path the document has but this server does not serve (e.g. the
    /// development login when it is off): it answers 404 for every method.
    pub fn without(mut self, path: &str) -> MethodTable {
        self.paths.retain(|(def, _)| def.pattern() != Some(path));
        self
    }

    /// The `Allow` value for this path, when it is one of the document's.
    pub fn allowed(&self, path: &str) -> Option<&str> {
        self.paths
            .iter()
            .find(|(def, _)| def.is_match(path))
            .map(|(_, allow)| allow.as_str())
    }

    /// The answer for a request that no route took.
    pub fn unrouted(&self, req: &HttpRequest) -> HttpResponse {
        let lang = Lang::from_accept_language(
            req.headers()
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok()),
        );
        match self.allowed(req.path()) {
            Some(allow) => {
                let mut res = ApiError::new(ErrorCode::MethodNotAllowed).render(lang);
                if let Ok(value) = header::HeaderValue::from_str(allow) {
                    res.headers_mut().insert(header::ALLOW, value);
                }
                res
            }
            None => ApiError::not_found().render(lang),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_paths_list_their_methods() {
        let table = MethodTable::from_openapi(&crate::openapi::document());
        assert_eq!(table.allowed("/api/v1/bookings"), Some("POST"));
        assert_eq!(table.allowed("/api/v1/compounds/7"), Some("GET, HEAD"));
        assert_eq!(
            table.allowed("/api/v1/calendar/abc-DEF_1.ics"),
            Some("GET, HEAD")
        );
        assert_eq!(
            table.allowed("/api/v1/activities/7"),
            Some("GET, HEAD, PATCH")
        );
        assert_eq!(table.allowed("/api/v1/nothing-here"), None);
        assert_eq!(table.allowed("/api/v1/compounds/7/extra"), None);
        let table = table.without("/api/v1/auth/dev");
        assert_eq!(table.allowed("/api/v1/auth/dev"), None);
        assert_eq!(table.allowed("/api/v1/auth/refresh"), Some("POST"));
    }

    /// Routes are registered in the document's order; that order must not decide which handler
    /// answers. A literal path of one route (placeholders filled in) matches no other route of
    /// the same method.
    #[test]
    fn no_two_routes_of_one_method_take_the_same_path() {
        let table = MethodTable::from_openapi(&crate::openapi::document());
        for (def, methods) in &table.paths {
            let pattern = def.pattern().unwrap_or_default();
            let mut sample = String::new();
            let mut rest = pattern;
            while let Some(start) = rest.find('{') {
                sample.push_str(&rest[..start]);
                sample.push('1');
                rest = &rest[start + rest[start..].find('}').unwrap() + 1..];
            }
            sample.push_str(rest);
            for method in methods.split(", ") {
                let takers: Vec<_> = table
                    .paths
                    .iter()
                    .filter(|(d, m)| d.is_match(&sample) && m.split(", ").any(|m| m == method))
                    .map(|(d, _)| d.pattern().unwrap_or_default())
                    .collect();
                assert_eq!(takers, [pattern], "{method} {sample}");
            }
        }
    }
}
