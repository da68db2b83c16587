//! Webhook signatures (Standard Webhooks): what `sign` makes, `verify` accepts; any change of
//! id, timestamp, body, secret or signature is refused; no header string makes it panic.

use proptest::prelude::*;

use crate::partners::webhooks::{new_secret, sign, verify};

/// Message ids as we make them (`msg_` + hex) and others without a dot: the signed content
/// is `id.timestamp.body`, so a dot in an id would make two messages sign alike (ours never
/// have one).
fn id() -> impl Strategy<Value = String> {
    prop_oneof!["msg_[0-9a-f]{32}", "[A-Za-z0-9_-]{1,40}"]
}

fn body() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "\\{\"type\":\"[a-z.]{1,20}\",\"data\":\\{\\}\\}"
    ]
}

proptest! {
    #![proptest_config(super::config(256))]

    /// A signature verifies, alone or among other candidates in the header.
    #[test]
    fn signatures_verify(id in id(), ts in any::<i64>(), body in body(), others in proptest::collection::vec("v1,[A-Za-z0-9+/=]{0,50}", 0..3)) {
        let secret = new_secret();
        let sig = sign(&secret, &id, ts, &body).expect("sign");
        prop_assert!(sig.starts_with("v1,"));
        prop_assert!(verify(&secret, &id, ts, &body, &sig));
        let mut header = others.clone();
        header.insert(others.len() / 2, sig.clone());
        prop_assert!(verify(&secret, &id, ts, &body, &header.join(" ")));
    }

    /// Another id, timestamp, body or secret: refused.
    #[test]
    fn any_change_of_the_message_is_refused(
        id in id(), id2 in id(),
        ts in any::<i64>(), ts2 in any::<i64>(),
        body in body(), body2 in body(),
    ) {
        let secret = new_secret();
        let sig = sign(&secret, &id, ts, &body).expect("sign");
        if id2 != id {
            prop_assert!(!verify(&secret, &id2, ts, &body, &sig));
        }
        if ts2 != ts {
            prop_assert!(!verify(&secret, &id, ts2, &body, &sig));
        }
        if body2 != body {
            prop_assert!(!verify(&secret, &id, ts, &body2, &sig));
        }
        prop_assert!(!verify(&new_secret(), &id, ts, &body, &sig));
    }

    /// Any change of the signature itself (one character replaced, cut short, lengthened,
    /// another version prefix) is refused.
    #[test]
    fn tampered_signatures_are_refused(
        id in id(), ts in any::<i64>(), body in body(),
        at in any::<prop::sample::Index>(), with in any::<char>(), cut in 1usize..10,
    ) {
        let secret = new_secret();
        let sig = sign(&secret, &id, ts, &body).expect("sign");
        let i = at.index(sig.len());
        let mut replaced: Vec<char> = sig.chars().collect();
        if replaced[i] != with {
            replaced[i] = with;
            let replaced: String = replaced.into_iter().collect();
            prop_assert!(!verify(&secret, &id, ts, &body, &replaced), "{}", replaced);
        }
        prop_assert!(!verify(&secret, &id, ts, &body, &sig[..sig.len() - cut.min(sig.len())]));
        let longer = format!("{}A", sig);
        prop_assert!(!verify(&secret, &id, ts, &body, &longer));
        prop_assert!(!verify(&secret, &id, ts, &body, &sig.replacen("v1,", "v2,", 1)));
        prop_assert!(!verify(&secret, &id, ts, &body, ""));
    }

    /// Arbitrary header strings and secrets: no panic; a header is accepted only when one of
    /// its space-separated parts is the signature.
    #[test]
    fn arbitrary_headers_never_panic(
        header in prop_oneof![any::<String>(), "(v1,[A-Za-z0-9+/=]{0,60} ?){0,4}"],
        secret in prop_oneof![any::<String>(), Just(new_secret()), "whsec_[A-Za-z0-9+/=]{0,60}"],
        id in id(), ts in any::<i64>(), body in body(),
    ) {
        let accepted = verify(&secret, &id, ts, &body, &header);
        let expected = sign(&secret, &id, ts, &body).ok();
        prop_assert_eq!(
            accepted,
            expected.is_some_and(|sig| header.split(' ').any(|part| part == sig))
        );
    }
}
