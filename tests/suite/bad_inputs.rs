//! A corpus of bad inputs (`tests/bad/`): each file says in its first line which line, field and
//! message its error must name; none may panic.

use costplan::cli::validate_file;

use crate::common::root;

struct Expect {
    line: usize,
    field: String,
    msg: String,
}

fn parse_expect(s: &str) -> Expect {
    let s = s.trim().trim_start_matches("// expect:").trim();
    let line_part = s.split_whitespace().next().unwrap();
    let line = line_part.trim_start_matches("line=").parse().unwrap();
    let rest = &s[line_part.len()..].trim_start();
    let rest = rest.trim_start_matches("field=");
    let (field, msg) = rest.split_once(" msg=").unwrap();
    Expect {
        line,
        field: field.to_string(),
        msg: msg.to_string(),
    }
}

#[test]
fn corpus_of_bad_inputs_names_line_field_and_problem() {
    let dir = root().join("tests/bad");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ron" || e == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 25, "only {} bad inputs", files.len());
    let mut failures = Vec::new();
    for f in &files {
        let expect = if f.extension().unwrap() == "json" {
            parse_expect(&std::fs::read_to_string(f.with_extension("json.expect")).unwrap())
        } else {
            parse_expect(std::fs::read_to_string(f).unwrap().lines().next().unwrap())
        };
        let result = std::panic::catch_unwind(|| validate_file(f));
        let Ok(result) = result else {
            failures.push(format!("{}: panicked", f.display()));
            continue;
        };
        let Err(err) = result else {
            failures.push(format!("{}: was accepted", f.display()));
            continue;
        };
        let ok = err.diagnostics.iter().any(|d| {
            d.line == expect.line
                && d.field == expect.field
                && d.message.contains(&expect.msg)
                && d.file.contains("bad")
        });
        if !ok {
            failures.push(format!(
                "{}: expected line {} field {:?} message containing {:?}, got:\n{err}",
                f.display(),
                expect.line,
                expect.field,
                expect.msg
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn a_fifty_megabyte_file_is_refused_without_reading_it() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("huge.ron");
    let f = std::fs::File::create(&p).unwrap();
    f.set_len(50 * 1024 * 1024).unwrap();
    let err = validate_file(&p).unwrap_err();
    let d = &err.diagnostics[0];
    assert_eq!((d.line, d.col), (1, 1));
    assert!(
        d.message.contains("52.4 MB") && d.message.contains("at most 32 MB"),
        "{}",
        d.message
    );
    assert!(d.file.ends_with("huge.ron"));
}

#[test]
fn garbage_never_panics() {
    // Truncations of a real scenario at every 97th byte: errors, never panics.
    let text = std::fs::read_to_string(root().join("scenarios/support-assistant.ron")).unwrap();
    let dir = root().join("scenarios");
    for cut in (0..text.len()).step_by(97) {
        if !text.is_char_boundary(cut) {
            continue;
        }
        let r = std::panic::catch_unwind(|| costplan::model::Scenario::from_str(&text[..cut], "cut.ron", Some(&dir)));
        assert!(r.is_ok(), "panicked at cut {cut}");
        assert!(r.unwrap().is_err(), "accepted a truncated file at {cut}");
    }
}

#[test]
fn errors_print_as_file_line_col_field_message() {
    let text = "(format_version: 1, name: \"t\", requests_per_day: Fixed(10), classes: [(name: \"a\", share: 2.0, input_tokens: Fixed(1), output_tokens: Fixed(1))])";
    let err = costplan::model::TrafficProfile::from_ron(&costplan::model::SourceFile::new("t.ron", text)).unwrap_err();
    let line = err.to_string();
    assert!(line.starts_with("t.ron:1:"), "{line}");
    assert!(
        line.contains(": classes[0].share: expected a probability in [0, 1], found 2"),
        "{line}"
    );
}
