//! Hash functions of strings (md5, sha1, sha256, sha512 in hex; base64sha256 and
//! base64sha512) and of files' bytes (filemd5 … filebase64sha512).

use base64::Engine;
use md5::Digest;

use super::{arg_str, spec, FResult, FuncContext, Spec};
use crate::value::Value;

pub(super) const FUNCS: &[Spec] = &[
    spec("md5", 1, Some(1), md5_fn),
    spec("sha1", 1, Some(1), sha1_fn),
    spec("sha256", 1, Some(1), sha256_fn),
    spec("sha512", 1, Some(1), sha512_fn),
    spec("base64sha256", 1, Some(1), base64sha256),
    spec("base64sha512", 1, Some(1), base64sha512),
    spec("filemd5", 1, Some(1), file_hex::<md5::Md5>),
    spec("filesha1", 1, Some(1), file_hex::<sha1::Sha1>),
    spec("filesha256", 1, Some(1), file_hex::<sha2::Sha256>),
    spec("filesha512", 1, Some(1), file_hex::<sha2::Sha512>),
    spec("filebase64sha256", 1, Some(1), file_base64::<sha2::Sha256>),
    spec("filebase64sha512", 1, Some(1), file_base64::<sha2::Sha512>),
];

/// The digest of a file's bytes as read, not as text: a file need not be UTF-8.
fn file_digest<D: Digest>(args: &[Value], ctx: &FuncContext) -> FResult<Vec<u8>> {
    let bytes = super::filesystem::read_bytes(ctx, &arg_str(args, 0, "path")?)?;
    Ok(D::digest(bytes).to_vec())
}

fn file_hex<D: Digest>(args: &[Value], ctx: &FuncContext) -> FResult<Value> {
    Ok(Value::String(hex(&file_digest::<D>(args, ctx)?)))
}

fn file_base64<D: Digest>(args: &[Value], ctx: &FuncContext) -> FResult<Value> {
    Ok(Value::String(base64::engine::general_purpose::STANDARD.encode(file_digest::<D>(args, ctx)?)))
}

fn base64sha512(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let digest = hashed::<sha2::Sha512>(args)?;
    Ok(Value::String(base64::engine::general_purpose::STANDARD.encode(digest)))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Hashes the UTF-8 bytes of the string argument, as Terraform does.
fn hashed<D: Digest>(args: &[Value]) -> FResult<Vec<u8>> {
    let s = arg_str(args, 0, "str")?;
    Ok(D::digest(s.as_bytes()).to_vec())
}

fn md5_fn(args: &[Value], _: &FuncContext) -> FResult<Value> {
    Ok(Value::String(hex(&hashed::<md5::Md5>(args)?)))
}

fn sha1_fn(args: &[Value], _: &FuncContext) -> FResult<Value> {
    Ok(Value::String(hex(&hashed::<sha1::Sha1>(args)?)))
}

fn sha256_fn(args: &[Value], _: &FuncContext) -> FResult<Value> {
    Ok(Value::String(hex(&hashed::<sha2::Sha256>(args)?)))
}

fn sha512_fn(args: &[Value], _: &FuncContext) -> FResult<Value> {
    Ok(Value::String(hex(&hashed::<sha2::Sha512>(args)?)))
}

fn base64sha256(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let digest = hashed::<sha2::Sha256>(args)?;
    Ok(Value::String(base64::engine::general_purpose::STANDARD.encode(digest)))
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;

    #[test]
    fn md5_example() {
        assert_eq!(call_ok("md5", vec![s("hello world")]), s("5eb63bbbe01eeed093cb22bb8f5acdc3"));
        assert_eq!(call_ok("md5", vec![s("")]), s("d41d8cd98f00b204e9800998ecf8427e"));
        assert_eq!(call_err("md5", vec![l(vec![])]).arg, Some(0));
    }

    #[test]
    fn sha1_example() {
        assert_eq!(call_ok("sha1", vec![s("hello world")]), s("2aae6c35c94fcfb415dbe95f408b9ce91ee846ed"));
    }

    #[test]
    fn sha256_example() {
        assert_eq!(
            call_ok("sha256", vec![s("hello world")]),
            s("b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9")
        );
    }

    #[test]
    fn sha512_example() {
        assert_eq!(
            call_ok("sha512", vec![s("hello world")]),
            s("309ecc489c12d6eb4cc40f50c902f2b4d0ed77ee511a7c7a9bcd3ca86d4cd86f989dd35bc5ff499670da34255b45b0cfd830e81f605dcf7dc5542e93ae9cd76f")
        );
    }

    #[test]
    fn base64sha256_example() {
        assert_eq!(call_ok("base64sha256", vec![s("hello world")]), s("uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek="));
    }

    #[test]
    fn numbers_hash_as_their_text() {
        assert_eq!(call_ok("md5", vec![n(1.0)]), call_ok("md5", vec![s("1")]));
    }
}
