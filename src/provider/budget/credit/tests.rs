use super::*;

#[test]
fn private_round_trips_and_reads_the_released_format() {
    let p = Private::with_highest(7);
    assert_eq!(p.encode(), br#"{"topup_highest":7}"#);
    assert_eq!(Private::decode(&p.encode()), p);
    let owned = p.owned_by(42);
    assert_eq!(owned.encode(), br#"{"topup_highest":7,"owner":42}"#);
    assert_eq!(Private::decode(&owned.encode()), owned);
    assert_eq!(Private::imported().encode(), br#"{"imported":true}"#);
    // What schema version 0 wrote.
    assert_eq!(
        Private::decode(br#"{"imported":true}"#),
        Private::imported()
    );
    assert_eq!(
        Private::decode(br#"{"topup_highest":1000000}"#),
        Private::with_highest(1_000_000)
    );
    assert_eq!(Private::decode(b""), Private::default());
    assert_eq!(Private::decode(b"writes=3"), Private::default());
    assert_eq!(
        Private::decode(br#"{"topup_highest":"x"}"#),
        Private::default()
    );
}

#[test]
fn highest_falls_back_to_the_state_value() {
    assert_eq!(Private::with_highest(9).highest(Some(3)), 9);
    assert_eq!(Private::default().highest(Some(3)), 3);
    assert_eq!(Private::default().highest(None), 0);
    assert_eq!(Private::with_highest(-4).highest(None), 0);
}

fn config(credit: Attr<i64>, topup: Attr<i64>) -> Budget {
    Budget {
        credit_micros: credit,
        topup_micros: topup,
        ..Budget::default()
    }
}

#[test]
fn either_name_is_the_credit_never_both() {
    assert_eq!(
        configured_credit(&config(Attr::Null, Attr::Null)),
        (Attr::Known(0), CreditName::Credit)
    );
    assert_eq!(
        configured_credit(&config(5.into(), Attr::Null)),
        (Attr::Known(5), CreditName::Credit)
    );
    assert_eq!(
        configured_credit(&config(Attr::Null, 6.into())),
        (Attr::Known(6), CreditName::Topup)
    );
    let (unknown, name) = configured_credit(&config(Attr::Null, Attr::unknown()));
    assert!(unknown.is_unknown() && name == CreditName::Topup);
    assert_eq!(CreditName::Topup.attr(), "topup_micros");

    assert!(both_names_problem(&config(5.into(), Attr::Null)).is_none());
    assert!(both_names_problem(&config(Attr::Null, 5.into())).is_none());
    let (summary, detail) =
        both_names_problem(&config(5.into(), Attr::unknown())).expect("both set");
    assert_eq!(summary, "Credit set twice");
    assert!(detail.contains("set only credit_micros"), "{detail}");
}

#[test]
fn only_the_amount_above_the_highest_is_granted() {
    assert_eq!(
        credit_step(0, 5),
        CreditStep::Grant {
            amount: 5,
            new_highest: 5
        }
    );
    assert_eq!(
        credit_step(5, 8),
        CreditStep::Grant {
            amount: 3,
            new_highest: 8
        }
    );
    assert_eq!(credit_step(8, 8), CreditStep::Nothing { highest: 8 });
    assert_eq!(credit_step(8, 2), CreditStep::Nothing { highest: 8 });
    assert_eq!(credit_step(0, 0), CreditStep::Nothing { highest: 0 });
    assert_eq!(credit_step(8, 2).highest_after(), 8);
    assert_eq!(credit_step(8, 10).highest_after(), 10);
}

#[test]
fn update_step_honours_the_record_and_the_import_mark() {
    let p = Private::with_highest(8);
    assert_eq!(
        update_step(p, Some(3), 5),
        CreditStep::Nothing { highest: 8 }
    );
    assert_eq!(
        update_step(p, Some(3), 10),
        CreditStep::Grant {
            amount: 2,
            new_highest: 10
        }
    );
    // Private state lost: the state's value is the floor.
    assert_eq!(
        update_step(Private::default(), Some(4), 6),
        CreditStep::Grant {
            amount: 2,
            new_highest: 6
        }
    );
    assert_eq!(
        update_step(Private::imported(), Some(4), 60),
        CreditStep::Nothing { highest: 60 }
    );
}

#[test]
fn plan_warns_when_a_change_grants_nothing() {
    let p = Private::with_highest(8);
    // Lowering.
    let (carried, w) = plan_credit(p, Some(8), Some(3), Some(8));
    assert_eq!(carried, p);
    assert_eq!(
        w,
        Some(CreditWarning::Lowered {
            from: 8,
            to: 3,
            highest: 8
        })
    );
    let w = w.expect("warning");
    let detail = w.detail(CreditName::Topup);
    assert!(
        detail.starts_with("topup_micros goes from 8 to 3")
            && detail.contains("no credit is removed"),
        "{detail}"
    );
    // Raising again, not above the highest.
    assert_eq!(
        plan_credit(p, Some(3), Some(8), None).1,
        Some(CreditWarning::NotAboveHighest {
            from: 3,
            to: 8,
            highest: 8
        })
    );
    // Above the highest, no change, or unknown: quiet.
    assert_eq!(plan_credit(p, Some(3), Some(9), None).1, None);
    assert_eq!(plan_credit(p, Some(3), Some(3), None).1, None);
    assert_eq!(plan_credit(p, Some(3), None, None).1, None);
}

#[test]
fn an_import_block_takes_the_configured_value_as_the_baseline_and_says_so() {
    let imported = Private::imported().owned_by(3);
    // The budget has 1000 left; the configuration says 3000 (the original grant, say).
    let (carried, w) = plan_credit(imported, Some(1_000), Some(3_000), Some(1_000));
    assert_eq!(carried, Private::with_highest(3_000).owned_by(3));
    let w = w.expect("the plan says nothing is granted");
    assert_eq!(
        w,
        CreditWarning::ImportBaseline {
            configured: 3_000,
            left: 1_000
        }
    );
    assert_eq!(w.summary(), "Imported credit: nothing is granted");
    let detail = w.detail(CreditName::Credit);
    assert!(
        detail.contains("credit_micros = 3000")
            && detail.contains("no top-up is made now")
            && detail.contains("stays 1000"),
        "{detail}"
    );
    // The configured value is what is left: nothing to say.
    assert_eq!(
        plan_credit(Private::imported(), Some(1_000), Some(1_000), Some(1_000)),
        (Private::with_highest(1_000), None)
    );
    // Unknown yet: the mark waits for the plan made at apply time.
    assert_eq!(
        plan_credit(Private::imported(), Some(3), None, Some(3)).0,
        Private::imported()
    );
}

#[test]
fn reads_after_an_import_fill_then_settle() {
    // First read (state value still null): fill from the credit left, keep the mark.
    assert_eq!(credit_after_read(None, 4_000), 4_000);
    assert_eq!(
        private_after_read(Private::imported(), None),
        Private::imported()
    );
    // Later read: the imported value becomes the highest applied.
    assert_eq!(credit_after_read(Some(4_000), 12), 4_000);
    assert_eq!(
        private_after_read(Private::imported(), Some(4_000)),
        Private::with_highest(4_000)
    );
    // Ordinary reads keep the state's value and private state (owner included).
    assert_eq!(credit_after_read(Some(7), 4_000), 7);
    let p = Private::with_highest(9).owned_by(1);
    assert_eq!(private_after_read(p, Some(7)), p);
}

fn counters() -> Budget {
    Budget {
        monthly_cap_micros: 5.into(),
        credit_micros: 7.into(),
        monthly_consumed_micros: 1.into(),
        monthly_remaining_micros: 4.into(),
        monthly_period: "2026-06".into(),
        credit_remaining_micros: 7.into(),
        topup_remaining_micros: 7.into(),
        updated_at: 9.into(),
        ..Budget::default()
    }
}

#[test]
fn a_plan_marks_unknown_only_the_counters_its_calls_move() {
    let prior = counters();
    // Nothing called (a lowered credit, timeouts): every counter keeps its value.
    let mut quiet = Budget {
        credit_micros: 2.into(),
        ..prior.clone()
    };
    plan_counters(&mut quiet, &prior, false);
    assert_eq!(
        quiet,
        Budget {
            credit_micros: 2.into(),
            ..prior.clone()
        }
    );

    // A cap change: what is left of the month and the write time.
    let mut cap = Budget {
        monthly_cap_micros: 6.into(),
        ..prior.clone()
    };
    plan_counters(&mut cap, &prior, false);
    assert!(cap.monthly_remaining_micros.is_unknown() && cap.updated_at.is_unknown());
    assert_eq!(
        (
            cap.monthly_consumed_micros,
            cap.monthly_period.as_str(),
            cap.credit_remaining_micros.get()
        ),
        (Attr::Known(1), Some("2026-06"), Some(7))
    );

    // A grant: the credit left (both names) and the write time.
    let mut grant = prior.clone();
    plan_counters(&mut grant, &prior, true);
    assert!(
        grant.credit_remaining_micros.is_unknown()
            && grant.topup_remaining_micros.is_unknown()
            && grant.updated_at.is_unknown()
    );
    assert_eq!(grant.monthly_remaining_micros.get(), Some(4));
}

#[test]
fn a_destroy_leaves_a_cap_another_object_wrote_since() {
    // Nothing else wrote this budget in this process: reset.
    assert!(destroy_resets_cap(Some(1), None));
    assert!(destroy_resets_cap(None, None));
    // The object destroyed is the one that wrote last (a test's own cleanup): reset.
    assert!(destroy_resets_cap(Some(1), Some(1)));
    // A replacement made first (create_before_destroy), or another object: leave it.
    assert!(!destroy_resets_cap(Some(1), Some(2)));
    assert!(!destroy_resets_cap(None, Some(2)));
}
