//! Malformed suite files: each gives one clear error naming the file, the line and what
//! would be right, and the CLI exits with status 2 without running anything.

use std::path::Path;
use std::process::Command;

use thmcheck::Error;
use thmcheck::suite::Suite;

fn error_of(source: &str) -> (usize, String) {
    match Suite::parse(Path::new("bad.toml"), source) {
        Err(Error::Suite {
            file,
            line,
            message,
            ..
        }) => {
            assert_eq!(file, Path::new("bad.toml"));
            (line, message)
        }
        Err(other) => panic!("expected a suite error, got {other}"),
        Ok(_) => panic!("the malformed suite was accepted"),
    }
}

const HEADER: &str = "theorem = \"reward-errors\"\n\n";

#[test]
fn a_missing_key_is_named() {
    let (line, message) = error_of(&format!("{HEADER}[[case]]\nclaim = \"RE-8\"\n"));
    assert_eq!(line, 3);
    assert!(message.contains("missing field `name`"), "{message}");
    assert!(
        message.contains("name = \"t0\""),
        "the message shows what would be right: {message}"
    );
}

#[test]
fn an_unknown_key_is_named_with_the_accepted_ones() {
    let (line, message) = error_of(&format!(
        "{HEADER}[[case]]\nclaim = \"RE-8\"\nname = \"t0\"\ncolour = 3\n"
    ));
    assert_eq!(line, 6);
    assert!(message.contains("unknown field `colour`"), "{message}");
    assert!(message.contains("`claim`"), "{message}");
}

#[test]
fn an_unknown_claim_lists_the_valid_ones() {
    let (line, message) = error_of(&format!(
        "{HEADER}[[case]]\nclaim = \"RE-99\"\nname = \"x\"\n"
    ));
    assert_eq!(line, 4);
    assert!(message.contains("unknown claim \"RE-99\""), "{message}");
    assert!(message.contains("RE-8"), "{message}");
}

#[test]
fn an_unknown_parameter_lists_the_valid_ones() {
    let source = format!(
        "{HEADER}[[case]]\nclaim = \"RE-8\"\nname = \"t0\"\n[case.parameters]\nspeed = 3\n"
    );
    let (line, message) = error_of(&source);
    assert_eq!(line, 7);
    assert!(message.contains("unknown parameter `speed`"), "{message}");
    assert!(message.contains("initial_policy"), "{message}");
}

#[test]
fn a_negative_probability_is_rejected() {
    let source = format!(
        "{HEADER}[[case]]\nclaim = \"RE-8\"\nname = \"t0\"\n[case.parameters]\ninitial_policy = [-0.05, 0.6, 0.15, 0.15, 0.15]\n"
    );
    let (line, message) = error_of(&source);
    assert_eq!(line, 7);
    assert!(
        message.contains("entry 1 is -1/20: a probability must lie in [0, 1]"),
        "{message}"
    );
}

#[test]
fn probabilities_must_sum_to_one() {
    let source = format!(
        "{HEADER}[[case]]\nclaim = \"RE-8\"\nname = \"t0\"\n[case.parameters]\ninitial_policy = [0.05, 0.5, 0.15, 0.15, 0.1]\n"
    );
    let (line, message) = error_of(&source);
    assert_eq!(line, 7);
    assert!(message.contains("sum to 19/20"), "{message}");
}

#[test]
fn a_string_where_a_number_belongs_is_rejected() {
    let source = format!(
        "{HEADER}[[case]]\nclaim = \"RE-9\"\nname = \"t0\"\n[case.parameters]\nlearning_rate = \"fast\"\n"
    );
    let (line, message) = error_of(&source);
    assert_eq!(line, 7);
    assert!(
        message.contains("\"fast\" is not a rational number"),
        "{message}"
    );
    assert!(message.contains("expected a number > 0"), "{message}");
}

#[test]
fn inconsistent_lengths_are_rejected_at_the_case() {
    let source = format!(
        "{HEADER}[[case]]\nclaim = \"RE-8\"\nname = \"t0\"\n[case.parameters]\ninitial_policy = [0.5, 0.5]\n"
    );
    let (line, message) = error_of(&source);
    assert_eq!(line, 4);
    assert!(message.contains("one entry per output"), "{message}");
}

#[test]
fn syntax_errors_point_at_the_line() {
    let (line, message) = error_of(&format!(
        "{HEADER}[[case]]\nclaim = \"RE-8\nname = \"t0\"\n"
    ));
    assert_eq!(line, 4);
    assert!(!message.is_empty());
}

#[test]
fn duplicate_case_names_are_rejected() {
    let case = "[[case]]\nclaim = \"RE-8\"\nname = \"t0\"\n";
    let (line, message) = error_of(&format!("{HEADER}{case}{case}"));
    assert_eq!(line, 8);
    assert!(
        message.contains("already has a case named \"t0\""),
        "{message}"
    );
}

#[test]
fn the_cli_exits_with_status_2_and_names_the_file() {
    let directory = std::env::temp_dir().join(format!("thmcheck-bad-suite-{}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    let file = directory.join("bad.toml");
    std::fs::write(
        &file,
        format!("{HEADER}[[case]]\nclaim = \"RE-8\"\nname = \"t0\"\ncolour = 3\n"),
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_thmcheck"))
        .arg("check")
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("bad.toml:6:1"), "{stderr}");
    assert!(
        output.stdout.is_empty(),
        "nothing is run or printed on bad input"
    );
    std::fs::remove_dir_all(&directory).unwrap();
}

#[test]
fn cnn_slices_must_be_pairs_of_positive_integers() {
    let source = "theorem = \"cnn-benign\"\n\n[[case]]\nclaim = \"CNN-13\"\nname = \"grid\"\n[case.parameters]\nslices = [[20, 500, 3]]\n";
    let (line, message) = error_of(source);
    assert_eq!(line, 4);
    assert!(message.contains("slices must be rows [n, d]"), "{message}");
}

#[test]
fn cnn_choices_list_the_accepted_words() {
    let source = "theorem = \"cnn-benign\"\n\n[[case]]\nclaim = \"CNN-9\"\nname = \"x\"\n[case.parameters]\nnoise = \"gaussian\"\n";
    let (line, message) = error_of(source);
    assert_eq!(line, 7);
    assert!(message.contains("projected, iid, blocks"), "{message}");
}
