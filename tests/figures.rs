//! Every theorem's figures render as well-formed SVG holding the title (which names a
//! claim), the axis labels and every series in the legend.

use quick_xml::Reader;
use quick_xml::events::Event;

use thmcheck::report::figure::{Figure, svg};
use thmcheck::suite::Tier;
use thmcheck::theorems;

/// The text content of every element of an SVG document, after checking it parses.
fn texts(document: &str) -> Vec<String> {
    let mut reader = Reader::from_str(document);
    let mut texts = Vec::new();
    let mut depth = 0i64;
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(_) => depth += 1,
            Event::End(_) => depth -= 1,
            Event::Text(text) => {
                let raw = text.html_content();
                texts.push(
                    quick_xml::escape::unescape(&raw)
                        .expect("valid entities")
                        .trim()
                        .to_string(),
                );
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(depth, 0, "every element is closed");
    texts
}

fn check(figure: &Figure) {
    let document = svg(figure).unwrap();
    assert!(document.starts_with("<svg"), "{} is not SVG", figure.name);
    let texts = texts(&document);
    let has = |wanted: &str| texts.iter().any(|text| text == wanted);
    assert!(has(&figure.title), "{}: title missing", figure.name);
    assert!(
        figure.title.chars().filter(|c| *c == '-').count() >= 1,
        "{}: the title names a claim",
        figure.name
    );
    assert!(
        has(&figure.x_label) && has(&figure.y_label),
        "{}: axis labels missing",
        figure.name
    );
    for series in &figure.series {
        assert!(
            has(&series.label),
            "{}: legend entry {} missing",
            figure.name,
            series.label
        );
        assert!(
            series
                .points
                .iter()
                .any(|(x, y)| x.is_finite() && y.is_finite()),
            "{}: {} is empty",
            figure.name,
            series.label
        );
    }
}

#[test]
fn every_theorem_draws_its_figures() {
    for theorem in theorems::registry() {
        let file = std::path::Path::new("theorems").join(theorem.info().suite_file);
        let suite = thmcheck::suite::Suite::load(&file).unwrap();
        let figures = theorem.figures(&suite, Tier::Quick).unwrap();
        // The shipped theorems illustrate their claims; a new theorem may have none yet.
        let shipped =
            ["reward-errors", "cnn-benign", "attention-benign"].contains(&theorem.info().id);
        assert!(
            !shipped || !figures.is_empty(),
            "{} has no figure",
            theorem.info().id
        );
        for figure in &figures {
            check(figure);
        }
    }
}
