//! [`ValueMap`]: the members of an object or the entries of a map, sorted by name.
//!
//! A sorted vector, not a `BTreeMap`: the members of a value arrive sorted (Terraform writes
//! msgpack objects and maps in key order, the schema's attributes are sorted, models are
//! written in name order), so building one is a push per member with no node to allocate, a
//! lookup is a binary search over contiguous memory, and dropping one frees one buffer.
//! Profiles of a plan showed the tree's lookups, node allocations and walks at a fifth of the
//! provider's instructions. Out-of-order inserts still work (a binary search and a shift);
//! they are rare and the maps small.

use std::cmp::Ordering;
use std::fmt;

use super::Value;

/// Members sorted by name, each name once.
#[derive(Clone, Default, PartialEq)]
pub struct ValueMap(Vec<(String, Value)>);

impl ValueMap {
    pub fn new() -> ValueMap {
        ValueMap(Vec::new())
    }

    pub fn with_capacity(n: usize) -> ValueMap {
        ValueMap(Vec::with_capacity(n))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn find(&self, name: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| k.as_str().cmp(name))
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.find(name).ok().map(|i| &self.0[i].1)
    }

    /// [`ValueMap::get`], trying position `hint` first: a caller reading members in name order
    /// passes the position after its last hit and pays one comparison per member.
    pub fn get_hinted(&self, name: &str, hint: &mut usize) -> Option<&Value> {
        let i = self.position_hinted(name, hint).ok()?;
        Some(&self.0[i].1)
    }

    /// Where `name` is (`Err`: where it would go), trying position `hint` first; `hint` moves
    /// past a member found, or to where a missing one would go.
    pub fn position_hinted(&self, name: &str, hint: &mut usize) -> Result<usize, usize> {
        let found = self.search_from(name, *hint);
        *hint = match found {
            Ok(i) => i + 1,
            Err(i) => i,
        };
        found
    }

    /// Where `name` is, looking first at `start` and the few members after it (a reader in
    /// name order skips a member now and then), then searching the side of `start` it is on.
    fn search_from(&self, name: &str, start: usize) -> Result<usize, usize> {
        const STEPS: usize = 4;
        let (n, start) = (self.0.len(), start.min(self.0.len()));
        let search = |from: usize, to: usize| {
            self.0[from..to]
                .binary_search_by(|(k, _)| k.as_str().cmp(name))
                .map(|i| i + from)
                .map_err(|i| i + from)
        };
        if start == n {
            return search(0, n);
        }
        let mut i = start;
        while i < n && i < start + STEPS {
            match self.0[i].0.as_str().cmp(name) {
                Ordering::Equal => return Ok(i),
                // Every member from `start` to here is before `name`.
                Ordering::Greater if i > start => return Err(i),
                Ordering::Greater => return search(0, start),
                Ordering::Less => i += 1,
            }
        }
        search(i, n)
    }

    /// The value at position `i` (from [`ValueMap::position_hinted`]).
    pub fn at_mut(&mut self, i: usize) -> &mut Value {
        &mut self.0[i].1
    }

    /// Inserts `name` at position `i`, where [`ValueMap::position_hinted`] said it goes.
    pub fn insert_at(&mut self, i: usize, name: String, value: Value) {
        debug_assert!(self.find(&name) == Err(i));
        self.0.insert(i, (name, value));
    }

    pub fn get_mut(&mut self, name: &str) -> Option<&mut Value> {
        match self.find(name) {
            Ok(i) => Some(&mut self.0[i].1),
            Err(_) => None,
        }
    }

    pub fn contains_key(&self, name: &str) -> bool {
        self.find(name).is_ok()
    }

    /// Sets `name` to `value`, returning the value it replaces. A name after every other is a
    /// push.
    pub fn insert(&mut self, name: String, value: Value) -> Option<Value> {
        match self.0.last() {
            None => {}
            Some((last, _)) if *last < name => {}
            _ => {
                return match self.find(&name) {
                    Ok(i) => Some(std::mem::replace(&mut self.0[i].1, value)),
                    Err(i) => {
                        self.0.insert(i, (name, value));
                        None
                    }
                };
            }
        }
        self.0.push((name, value));
        None
    }

    /// Adds `name` unless it is there already (then gives the member back).
    pub fn try_insert(&mut self, name: String, value: Value) -> Result<(), (String, Value)> {
        match self.0.last() {
            Some((last, _)) if *last >= name => match self.find(&name) {
                Ok(_) => Err((name, value)),
                Err(i) => {
                    self.0.insert(i, (name, value));
                    Ok(())
                }
            },
            _ => {
                self.0.push((name, value));
                Ok(())
            }
        }
    }

    /// From members sorted by name, each once, as a decoder pairing keys with a type's sorted
    /// attributes makes them.
    pub(crate) fn from_sorted(members: Vec<(String, Value)>) -> ValueMap {
        debug_assert!(members.windows(2).all(|w| w[0].0 < w[1].0));
        ValueMap(members)
    }

    pub fn remove(&mut self, name: &str) -> Option<Value> {
        self.find(name).ok().map(|i| self.0.remove(i).1)
    }

    /// Keeps the members for which `keep` says so.
    pub fn retain(&mut self, mut keep: impl FnMut(&String, &mut Value) -> bool) {
        self.0.retain_mut(|(k, v)| keep(k, v));
    }

    pub fn iter(
        &self,
    ) -> impl DoubleEndedIterator<Item = (&String, &Value)> + ExactSizeIterator + Clone {
        self.0.iter().map(|(k, v)| (k, v))
    }

    pub fn iter_mut(
        &mut self,
    ) -> impl DoubleEndedIterator<Item = (&String, &mut Value)> + ExactSizeIterator {
        self.0.iter_mut().map(|(k, v)| (&*k, v))
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &String> + ExactSizeIterator + Clone {
        self.0.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &Value> + ExactSizeIterator + Clone {
        self.0.iter().map(|(_, v)| v)
    }

    pub fn values_mut(
        &mut self,
    ) -> impl DoubleEndedIterator<Item = &mut Value> + ExactSizeIterator {
        self.0.iter_mut().map(|(_, v)| v)
    }

    pub fn into_values(self) -> impl DoubleEndedIterator<Item = Value> + ExactSizeIterator {
        self.0.into_iter().map(|(_, v)| v)
    }

    /// From members already sorted by name, each once (checked; otherwise sorted here, the
    /// last of equal names kept, as successive inserts would).
    fn from_vec(mut members: Vec<(String, Value)>) -> ValueMap {
        if members.windows(2).all(|w| w[0].0 < w[1].0) {
            return ValueMap(members);
        }
        // A stable sort keeps equal names in arrival order; keep the last of each run.
        members.sort_by(|a, b| a.0.cmp(&b.0));
        let mut out: Vec<(String, Value)> = Vec::with_capacity(members.len());
        for m in members {
            match out.last_mut() {
                Some(last) if last.0 == m.0 => *last = m,
                _ => out.push(m),
            }
        }
        ValueMap(out)
    }
}

impl fmt::Debug for ValueMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl FromIterator<(String, Value)> for ValueMap {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Self {
        ValueMap::from_vec(iter.into_iter().collect())
    }
}

impl<const N: usize> From<[(String, Value); N]> for ValueMap {
    fn from(members: [(String, Value); N]) -> Self {
        ValueMap::from_vec(members.into())
    }
}

impl Extend<(String, Value)> for ValueMap {
    fn extend<I: IntoIterator<Item = (String, Value)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl IntoIterator for ValueMap {
    type Item = (String, Value);
    type IntoIter = std::vec::IntoIter<(String, Value)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a ValueMap {
    type Item = (&'a String, &'a Value);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (String, Value)>,
        fn(&'a (String, Value)) -> (&'a String, &'a Value),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

impl<'a> IntoIterator for &'a mut ValueMap {
    type Item = (&'a String, &'a mut Value);
    type IntoIter = std::iter::Map<
        std::slice::IterMut<'a, (String, Value)>,
        fn(&'a mut (String, Value)) -> (&'a String, &'a mut Value),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter_mut().map(|(k, v)| (&*k, v))
    }
}

impl std::ops::Index<&str> for ValueMap {
    type Output = Value;

    fn index(&self, name: &str) -> &Value {
        match self.get(name) {
            Some(v) => v,
            None => panic!("no member {name:?}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(m: &ValueMap) -> Vec<&str> {
        m.keys().map(String::as_str).collect()
    }

    #[test]
    fn inserts_in_any_order_keep_names_sorted_and_once() {
        let mut m = ValueMap::new();
        for (k, n) in [("b", 1), ("d", 2), ("a", 3), ("c", 4), ("b", 5)] {
            m.insert(k.into(), Value::number(n));
        }
        assert_eq!(names(&m), ["a", "b", "c", "d"]);
        assert_eq!(m.get("b"), Some(&Value::number(5)));
        assert_eq!(m.remove("c"), Some(Value::number(4)));
        assert_eq!(m.get("c"), None);
        assert_eq!(m.len(), 3);
    }

    #[test]
    fn collecting_sorts_and_keeps_the_last_of_equal_names() {
        let m: ValueMap = [("z", 1), ("a", 2), ("z", 3)]
            .into_iter()
            .map(|(k, n)| (k.to_string(), Value::number(n)))
            .collect();
        assert_eq!(names(&m), ["a", "z"]);
        assert_eq!(m.get("z"), Some(&Value::number(3)));
        let sorted: ValueMap = [("a", 1), ("b", 2)]
            .into_iter()
            .map(|(k, n)| (k.to_string(), Value::number(n)))
            .collect();
        assert_eq!(names(&sorted), ["a", "b"]);
    }

    #[test]
    fn hinted_reads_find_members_in_or_out_of_order() {
        let m: ValueMap = ["a", "b", "c"]
            .into_iter()
            .map(|k| (k.to_string(), Value::string(k)))
            .collect();
        let mut hint = 0;
        assert_eq!(m.get_hinted("a", &mut hint), Some(&Value::string("a")));
        assert_eq!(m.get_hinted("c", &mut hint), Some(&Value::string("c")));
        assert_eq!(hint, 3);
        assert_eq!(m.get_hinted("b", &mut hint), Some(&Value::string("b")));
        assert_eq!(m.get_hinted("x", &mut hint), None);
        assert_eq!(m.get_hinted("c", &mut hint), Some(&Value::string("c")));
    }

    /// Whatever the hint, a hinted search agrees with a plain one, present names or not.
    #[test]
    fn hinted_searches_agree_with_binary_search_from_any_hint() {
        let m: ValueMap = (0..12)
            .map(|i| (format!("k{:02}", 2 * i), Value::Null))
            .collect();
        for probe in 0..26 {
            let name = format!("k{probe:02}");
            for hint in 0..15 {
                let mut h = hint;
                assert_eq!(
                    m.position_hinted(&name, &mut h),
                    m.find(&name),
                    "{name} from {hint}"
                );
            }
        }
    }
}
