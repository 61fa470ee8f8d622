//! Byte-level encodings of strings: `base64gzip`, `textencodebase64` and `textdecodebase64`.

use base64::Engine;
use std::io::Write;

use super::{arg_str, echo, spec, FResult, FuncContext, FuncError, Spec};
use crate::value::Value;

pub(super) const FUNCS: &[Spec] = &[
    spec("base64gzip", 1, Some(1), base64gzip),
    spec("textencodebase64", 2, Some(2), textencodebase64),
    spec("textdecodebase64", 2, Some(2), textdecodebase64),
];

const BASE64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// The gzip stream decompresses to the same bytes as Terraform's; the compressed bytes
/// themselves differ, because Go's deflate encoder makes different (equally valid) choices.
fn base64gzip(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let s = arg_str(args, 0, "str")?;
    let mut gz = flate2::GzBuilder::new().operating_system(255).write(Vec::new(), flate2::Compression::default());
    gz.write_all(s.as_bytes()).map_err(|e| FuncError::new(format!("failed to compress: {e}")))?;
    let bytes = gz.finish().map_err(|e| FuncError::new(format!("failed to compress: {e}")))?;
    Ok(Value::String(BASE64.encode(bytes)))
}

/// An encoding by its IANA name or alias, case-insensitively. UTF-16 is handled here
/// because the WHATWG tables behind `encoding_rs` only decode it.
enum Codec {
    Utf16 { big_endian: bool },
    Table(&'static encoding_rs::Encoding),
}

fn codec(name: &str, arg: usize) -> FResult<Codec> {
    let lower = name.to_ascii_lowercase();
    match lower.as_str() {
        "utf-16le" | "utf16le" => return Ok(Codec::Utf16 { big_endian: false }),
        "utf-16be" | "utf16be" | "utf-16" | "utf16" => return Ok(Codec::Utf16 { big_endian: true }),
        _ => {}
    }
    encoding_rs::Encoding::for_label(lower.as_bytes()).map(Codec::Table).ok_or_else(|| {
        FuncError::at(
            arg,
            format!(
                "{} is not a supported IANA encoding name or alias in this Terraform version",
                echo(format!("{name:?}"))
            ),
        )
    })
}

fn textencodebase64(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let s = arg_str(args, 0, "string")?;
    let name = arg_str(args, 1, "encoding")?;
    let bytes = match codec(&name, 1)? {
        Codec::Utf16 { big_endian } => {
            s.encode_utf16().flat_map(|u| if big_endian { u.to_be_bytes() } else { u.to_le_bytes() }).collect()
        }
        Codec::Table(enc) => {
            let (bytes, _, unmappable) = enc.encode(&s);
            if unmappable {
                return Err(FuncError::at(
                    0,
                    format!("the given string contains characters that cannot be represented in {name}"),
                ));
            }
            bytes.into_owned()
        }
    };
    Ok(Value::String(BASE64.encode(bytes)))
}

fn textdecodebase64(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let encoded = arg_str(args, 0, "source")?;
    let name = arg_str(args, 1, "encoding")?;
    let codec = codec(&name, 1)?;
    let bytes = BASE64
        .decode(encoded.as_bytes())
        .map_err(|e| FuncError::at(0, format!("the given value has an invalid base64 symbol: {e}")))?;
    let invalid = || FuncError::at(0, format!("the given string contains symbols that are not defined for {name}"));
    let text = match codec {
        Codec::Utf16 { big_endian } => {
            if bytes.len() % 2 != 0 {
                return Err(invalid());
            }
            let units: Vec<u16> = bytes
                .chunks(2)
                .map(|c| if big_endian { u16::from_be_bytes([c[0], c[1]]) } else { u16::from_le_bytes([c[0], c[1]]) })
                .collect();
            String::from_utf16(&units).map_err(|_| invalid())?
        }
        Codec::Table(enc) => {
            enc.decode_without_bom_handling_and_without_replacement(&bytes).ok_or_else(invalid)?.into_owned()
        }
    };
    Ok(Value::String(text))
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use std::io::Read;

    #[test]
    fn gzip_output_decompresses_to_the_input() {
        let out = call_ok("base64gzip", vec![s("hello, gzip")]);
        let bytes = base64::Engine::decode(&super::BASE64, out.as_str().unwrap()).unwrap();
        assert_eq!(&bytes[..4], &[0x1f, 0x8b, 8, 0], "a gzip header without flags");
        let mut text = String::new();
        flate2::read::GzDecoder::new(&bytes[..]).read_to_string(&mut text).unwrap();
        assert_eq!(text, "hello, gzip");
    }

    #[test]
    fn text_encodings_match_terraforms_examples() {
        // Terraform's documentation: textencodebase64("Hello World", "UTF-16LE").
        assert_eq!(
            call_ok("textencodebase64", vec![s("Hello World"), s("UTF-16LE")]),
            s("SABlAGwAbABvACAAVwBvAHIAbABkAA==")
        );
        assert_eq!(
            call_ok("textdecodebase64", vec![s("SABlAGwAbABvACAAVwBvAHIAbABkAA=="), s("UTF-16LE")]),
            s("Hello World")
        );
        assert_eq!(call_ok("textencodebase64", vec![s("é"), s("windows-1252")]), s("6Q=="));
        assert!(call_err("textencodebase64", vec![s("hi"), s("nope")])
            .message
            .contains("not a supported IANA encoding"));
        assert!(call_err("textencodebase64", vec![s("日本"), s("windows-1252")])
            .message
            .contains("cannot be represented"));
    }
}
