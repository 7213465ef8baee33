//! `matrix!`: one `#[test]` per point of the Terraform-version × API-revision matrix for a
//! scenario function `fn name(m: Matrix)`.

/// Makes the tests of a scenario `fn NAME(m: Matrix)` defined beside it:
///
/// ```ignore
/// matrix!(lifecycle);                         // lifecycle::tf_1_15, lifecycle::tf_1_11
/// matrix!(identity_import: tf_1_15);          // identity_import::tf_1_15
/// matrix!(lifecycle: tf_1_15, tf_1_11; api_2026_06_25, api_2026_08_21);
///                                             // lifecycle::tf_1_15::api_2026_06_25, …
/// ```
///
/// Without a revision list the scenario runs under the emulator's default revision
/// (2026-06-25) and the test is named by the version alone; with one, each version runs under
/// each listed revision (`cargo xtask test -- api_2026_08_21` runs every scenario under the new
/// revision). The names are those of [`axes`](crate::version::axes), so a typo does not compile.
#[macro_export]
macro_rules! matrix {
    ($name:ident) => {
        $crate::matrix!($name: tf_1_15, tf_1_11);
    };
    ($name:ident : $($tf:ident),+ $(,)?) => {
        mod $name {
            $(
                #[test]
                pub fn $tf() {
                    super::$name($crate::Matrix::new(
                        $crate::version::axes::$tf,
                        $crate::ApiRevision::default(),
                    ));
                }
            )+
        }
    };
    ($name:ident : $($tf:ident),+ ; $($api:ident),+ $(,)?) => {
        $crate::matrix!(@cross $name [$($tf),+] [$($api),+]);
    };
    // The revisions travel as one token tree, so that each version repeats them all.
    (@cross $name:ident [$($tf:ident),+] $apis:tt) => {
        mod $name {
            $(
                $crate::__matrix_revisions!($name, $tf, $apis);
            )+
        }
    };
}

/// One version's module of tests, one per revision (an implementation detail of `matrix!`).
#[doc(hidden)]
#[macro_export]
macro_rules! __matrix_revisions {
    ($name:ident, $tf:ident, [$($api:ident),+]) => {
        pub mod $tf {
            $(
                #[test]
                pub fn $api() {
                    super::super::$name($crate::Matrix::new(
                        $crate::version::axes::$tf,
                        $crate::version::axes::$api,
                    ));
                }
            )+
        }
    };
}

#[cfg(test)]
mod tests {
    use crate::{ApiRevision, Matrix, TfVersion};
    use std::sync::Mutex;

    static SEEN: Mutex<Vec<(TfVersion, ApiRevision)>> = Mutex::new(Vec::new());

    fn record(m: Matrix) {
        if let Ok(mut seen) = SEEN.lock() {
            seen.push((m.tf, m.api));
        }
    }

    fn one_version(m: Matrix) {
        assert_eq!((m.tf, m.api), (TfVersion::V1_11, ApiRevision::R2026_06_25));
    }

    fn both_revisions(m: Matrix) {
        record(m);
        assert_eq!(m.tf, TfVersion::V1_15);
    }

    crate::matrix!(one_version: tf_1_11);
    crate::matrix!(both_revisions: tf_1_15; api_2026_06_25, api_2026_08_21);

    #[test]
    fn the_points_are_the_ones_listed() {
        // The generated tests are ordinary functions: call them as the harness would.
        one_version::tf_1_11();
        both_revisions::tf_1_15::api_2026_06_25();
        both_revisions::tf_1_15::api_2026_08_21();
        let seen = SEEN.lock().map(|s| s.clone()).unwrap_or_default();
        assert!(seen.contains(&(TfVersion::V1_15, ApiRevision::R2026_08_21)));
        assert!(seen.contains(&(TfVersion::V1_15, ApiRevision::R2026_06_25)));
    }
}
