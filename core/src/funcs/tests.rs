use super::testutil::*;
use super::*;

#[test]
fn unknown_names_and_arity_are_reported() {
    assert_eq!(call_err("nope", vec![]).message, "There is no function named \"nope\".");
    assert_eq!(
        call_err("join", vec![s(",")]).message,
        "Not enough function arguments: function \"join\" requires at least 2 arguments"
    );
    assert_eq!(call_err("abs", vec![]).message, "Not enough function arguments: function \"abs\" requires 1 argument");
    let e = call_err("abs", vec![n(1.0), n(2.0)]);
    assert_eq!(e.message, "Too many function arguments: function \"abs\" requires 1 argument");
    assert_eq!(e.arg, Some(1));
    assert_eq!(
        call_err("lookup", vec![o(&[]), s("a"), s("b"), s("c")]).message,
        "Too many function arguments: function \"lookup\" requires at most 3 arguments"
    );
    assert!(exists("cidrsubnet"));
    assert!(!exists("can"));
    assert_eq!(names().count(), 118);
}

#[test]
fn unknown_arguments_give_unknown() {
    assert_eq!(call_ok("upper", vec![Value::Unknown]), Value::Unknown);
    assert_eq!(call_ok("length", vec![l(vec![s("a"), Value::Unknown])]), Value::Unknown);
    assert_eq!(call_ok("join", vec![s(","), l(vec![Value::Unknown])]), Value::Unknown);
}

#[test]
fn sensitive_arguments_give_sensitive_results() {
    let r = call_ok("upper", vec![s("pw").mark_sensitive()]);
    assert_eq!(r, s("PW").mark_sensitive());
    let r = call_ok("join", vec![s("-"), l(vec![s("a"), s("b").mark_sensitive()])]);
    assert_eq!(r, s("a-b").mark_sensitive());
    assert_eq!(call_ok("upper", vec![s("x")]), s("X"));
}

#[test]
fn no_function_panics_on_wrong_arguments() {
    let samples = vec![
        Value::Null,
        b(true),
        n(-1.0),
        n(1.5),
        n(1e300),
        n(f64::NAN),
        s(""),
        s("é🤔/"),
        s("%"),
        s("10.0.0.0/8"),
        l(vec![]),
        l(vec![Value::Null, n(1.0), s("x"), l(vec![])]),
        o(&[]),
        o(&[("a", l(vec![n(1.0)])), ("b", Value::Null)]),
        s("x").mark_sensitive(),
        Value::Unknown,
        s("1e308"),
        s("fd00::/8"),
    ];
    let all: Vec<&str> = names().collect();
    for name in all {
        for count in 0..4 {
            for sample in &samples {
                for other in &samples {
                    let mut args = vec![sample.clone(); count];
                    if count > 1 {
                        args[count - 1] = other.clone();
                    }
                    ctx_in(std::path::Path::new("/nonexistent-gantry-dir"), |ctx| {
                        let _ = call(name, args, ctx);
                    });
                }
            }
        }
    }
}

#[test]
fn no_function_error_shows_a_sensitive_argument() {
    const MARK: &str = "Zq9secretXy";
    // Each sample holds the marker where some function would quote it: as a number, a
    // path, a CIDR prefix, a pattern, a key, a format string, JSON, YAML, base64.
    let samples: Vec<Value> = [
        s(MARK),
        s(&format!("{MARK}/33")),
        s(&format!("10.0.0.0/8{MARK}")),
        s(&format!("({MARK}")),
        s(&format!("{{\"{MARK}\": ")),
        s(&format!("{MARK}: [")),
        s(&format!("%{MARK}")),
        s(&format!("{MARK}$$")),
        l(vec![s(MARK), n(1.0)]),
        o(&[(MARK, s(MARK))]),
    ]
    .into_iter()
    .map(Value::mark_sensitive)
    .collect();
    let plain = [s("10.0.0.0/8"), n(2.0), s("x"), o(&[("a", n(1.0))]), l(vec![s("a")]), s(".")];
    for name in names().collect::<Vec<_>>() {
        for secret in &samples {
            for other in &plain {
                for args in [
                    vec![secret.clone()],
                    vec![secret.clone(), other.clone()],
                    vec![other.clone(), secret.clone()],
                    vec![other.clone(), secret.clone(), other.clone()],
                    vec![other.clone(), other.clone(), secret.clone()],
                ] {
                    ctx_in(std::path::Path::new("/nonexistent-gantry-dir"), |ctx| {
                        if let Err(e) = call(name, args.clone(), ctx) {
                            assert!(!e.message.contains("Zq9"), "{name}({args:?}) showed its secret: {}", e.message);
                            assert!(!e.message.contains(ECHO_OPEN) && !e.message.contains(ECHO_CLOSE), "{}", e.message);
                        }
                    });
                }
            }
        }
    }
}

#[test]
fn echoed_text_is_shown_unless_an_argument_was_sensitive() {
    assert!(call_err("tonumber", vec![s("abc")]).message.contains("cannot convert \"abc\" to number"));
    let e = call_err("tonumber", vec![s("abc").mark_sensitive()]);
    assert!(e.message.starts_with("cannot convert (sensitive value) to number"), "{}", e.message);
    assert_eq!(resolve_echoes(&format!("a {} b", echo("x\u{E001}y")), &[false]), "a x\u{FFFD}y b");
    let both = format!("{} {}", echo_arg(0, "p"), echo_arg(1, "v"));
    assert_eq!(resolve_echoes(&both, &[false, true]), "p (sensitive value)");
}

#[test]
fn sets_are_sorted_and_deduplicated() {
    assert_eq!(make_set(vec![s("b"), s("a"), s("b")]), vec![s("a"), s("b")]);
    assert_eq!(make_set(vec![n(10.0), n(9.0)]), vec![n(9.0), n(10.0)]);
    assert_eq!(unify(vec![s("a"), n(1.0)]), Ok(vec![s("a"), s("1")]));
    assert!(unify(vec![n(1.0), b(true)]).is_err());
}

/// Expected values printed by `terraform console` 1.11 on the same files and strings.
#[test]
fn file_hashes_and_encodings_match_terraform() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("hello.txt"), "hello world").unwrap();
    std::fs::write(dir.path().join("bin.dat"), [0xffu8, 0x00, 0x01]).unwrap();
    let cases = [
        ("filemd5", "hello.txt", "5eb63bbbe01eeed093cb22bb8f5acdc3"),
        ("filesha1", "hello.txt", "2aae6c35c94fcfb415dbe95f408b9ce91ee846ed"),
        ("filesha256", "bin.dat", "942e1e2a66a427b6551732f758bc314f22b9cdec9365a3425c9184de299392b5"),
        ("filesha512", "hello.txt", "309ecc489c12d6eb4cc40f50c902f2b4d0ed77ee511a7c7a9bcd3ca86d4cd86f989dd35bc5ff499670da34255b45b0cfd830e81f605dcf7dc5542e93ae9cd76f"),
        ("filebase64sha256", "bin.dat", "lC4eKmakJ7ZVFzL3WLwxTyK5zeyTZaNCXJGE3imTkrU="),
        ("filebase64sha512", "hello.txt", "MJ7MSJwS1utMxA9QyQLytNDtd+5RGnx6m808qG1M2G+YndNbxf9JlnDaNCVbRbDP2DDoH2Bdz33FVC6TrpzXbw=="),
        ("filebase64", "bin.dat", "/wAB"),
    ];
    ctx_in(dir.path(), |ctx| {
        for (name, file, expected) in cases {
            let got = call(name, vec![s(file)], ctx).unwrap_or_else(|e| panic!("{name}: {}", e.message));
            assert_eq!(got, s(expected), "{name}({file})");
        }
        let missing = call("filemd5", vec![s("nope.txt")], ctx).unwrap_err();
        assert!(missing.message.contains("no file exists"), "{}", missing.message);
    });
    assert_eq!(
        call_ok("base64sha512", vec![s("hello world")]),
        s("MJ7MSJwS1utMxA9QyQLytNDtd+5RGnx6m808qG1M2G+YndNbxf9JlnDaNCVbRbDP2DDoH2Bdz33FVC6TrpzXbw==")
    );
    assert_eq!(call_ok("strcontains", vec![s("hello world"), s("o w")]), b(true));
    assert_eq!(call_ok("strcontains", vec![s("hello"), s("z")]), b(false));
    assert_eq!(call_ok("pathexpand", vec![s("a/~/b")]), s("a/~/b"));
    let home = std::env::var("HOME").unwrap_or_default();
    if !home.is_empty() {
        assert_eq!(call_ok("pathexpand", vec![s("~/x")]), s(&format!("{home}/x")));
    }
}
