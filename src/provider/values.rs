//! Small rules shared by every object module when it turns API answers into states. Pure.

use std::collections::BTreeMap;

use crate::sdk::model::Attr;

/// A value with an empty form the API does not tell apart from null: `""`, `{}`, `[]`.
pub trait EmptyForm {
    fn is_empty_form(&self) -> bool;
}

impl EmptyForm for String {
    fn is_empty_form(&self) -> bool {
        self.is_empty()
    }
}

impl<K, V> EmptyForm for BTreeMap<K, V> {
    fn is_empty_form(&self) -> bool {
        self.is_empty()
    }
}

impl<T> EmptyForm for Vec<T> {
    fn is_empty_form(&self) -> bool {
        self.is_empty()
    }
}

/// Keeps the form the configuration used where the API does not distinguish null from empty:
/// when the API reports "nothing" (null, `""`, `{}`, `[]`) and the prior value was an empty
/// form too, the prior value stays, so apply is never "inconsistent" and plans stay quiet.
pub fn keep_empty_form<T: EmptyForm + Clone>(api: Attr<T>, prior: &Attr<T>) -> Attr<T> {
    let empty = |a: &Attr<T>| match a {
        Attr::Null => true,
        Attr::Known(v) => v.is_empty_form(),
        Attr::Unknown(_) => false,
    };
    if empty(&api) && empty(prior) {
        prior.clone()
    } else {
        api
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_forms_keep_what_the_user_wrote() {
        let s = |v: &str| Attr::Known(v.to_string());
        assert_eq!(keep_empty_form(Attr::Null, &s("")), s(""));
        let empty_map: Attr<BTreeMap<String, String>> = Attr::Known(BTreeMap::new());
        assert_eq!(keep_empty_form(Attr::Null, &empty_map), empty_map);
        assert_eq!(
            keep_empty_form::<String>(Attr::Null, &Attr::Null),
            Attr::Null
        );
        assert_eq!(keep_empty_form(s("a"), &s("")), s("a"));
        assert_eq!(keep_empty_form(Attr::Null, &s("old")), Attr::Null);
        let empty_list: Attr<Vec<i64>> = Attr::Known(Vec::new());
        assert_eq!(keep_empty_form(Attr::Null, &empty_list), empty_list);
        assert_eq!(keep_empty_form(empty_list.clone(), &Attr::Null), Attr::Null);
    }
}
