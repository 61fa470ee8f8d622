//! Parsing and lowering: spans, references and syntax errors.

use super::*;
use crate::diag::FileId;

fn parse(src: &str) -> Body {
    parse_file(FileId(0), src).expect("parses")
}

#[test]
fn lowers_blocks_attributes_and_spans() {
    let src = "resource \"local_cluster\" \"main\" {\n  name = \"ml\"\n}\n";
    let body = parse(src);
    let block = &body.blocks[0];
    assert_eq!(block.kind, "resource");
    assert_eq!(block.labels.iter().map(|l| l.value.as_str()).collect::<Vec<_>>(), ["local_cluster", "main"]);
    let attr = &block.body.attributes[0];
    assert_eq!(&src[attr.name_span.start..attr.name_span.end], "name");
    assert_eq!(&src[attr.expr.span.start..attr.expr.span.end], "\"ml\"");
}

#[test]
fn collects_references_but_not_for_variables() {
    let body = parse("x = [for k, v in var.pools : \"${k}-${local.suffix}\" if v.enabled]\n");
    let refs = body.attributes[0].expr.references();
    let roots: Vec<_> = refs.iter().map(|r| r.root.as_str()).collect();
    assert_eq!(roots, ["var", "local"]);
}

#[test]
fn syntax_error_has_position() {
    let err = parse_file(FileId(0), "a = {\n  b = \n").unwrap_err();
    assert!(err.summary.starts_with("Syntax error"), "{err:?}");
    assert!(err.subject.is_some());
}

#[test]
fn splat_lowers_to_per_item_expression() {
    let body = parse("x = aws_instance.web[*].id\n");
    assert!(matches!(body.attributes[0].expr.kind, ExprKind::Splat { .. }));
    let refs = body.attributes[0].expr.references();
    assert_eq!(refs[0].root, "aws_instance");
}
