//! Identifiers and password hashes: `uuid`, `uuidv5` and `bcrypt`.

use super::{arg_int, arg_str, echo, spec, FResult, FuncContext, FuncError, Spec};
use crate::value::Value;

pub(super) const FUNCS: &[Spec] = &[
    spec("uuid", 0, Some(0), uuid_v4),
    spec("uuidv5", 2, Some(2), uuidv5),
    spec("bcrypt", 1, Some(2), bcrypt_hash),
    spec("rsadecrypt", 2, Some(2), rsadecrypt),
];

/// PKCS #1 v1.5 decryption of Base64 ciphertext with a PEM private key (PKCS #1 or PKCS #8),
/// as Terraform decrypts a Windows instance's password.
fn rsadecrypt(args: &[Value], _: &FuncContext) -> FResult<Value> {
    use base64::Engine;
    use rsa::pkcs1::DecodeRsaPrivateKey;
    use rsa::pkcs8::DecodePrivateKey;
    let ciphertext = arg_str(args, 0, "ciphertext")?;
    let pem = arg_str(args, 1, "privatekey")?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(ciphertext.trim())
        .map_err(|_| FuncError::at(0, "failed to decode input: cipher text must be base64-encoded"))?;
    let key = rsa::RsaPrivateKey::from_pkcs1_pem(&pem).or_else(|_| rsa::RsaPrivateKey::from_pkcs8_pem(&pem)).map_err(
        |_| FuncError::at(1, "invalid private key: not an RSA private key in PEM form (PKCS #1 or PKCS #8)"),
    )?;
    let plain = key.decrypt(rsa::Pkcs1v15Encrypt, &bytes).map_err(|_| {
        FuncError::new("failed to decrypt: the key does not match the ciphertext, or the padding is wrong")
    })?;
    String::from_utf8(plain).map(Value::String).map_err(|_| FuncError::new("the decrypted text is not UTF-8"))
}

/// A random UUID. Terraform's is unknown until apply; Gantry's is made when evaluated.
fn uuid_v4(_: &[Value], _: &FuncContext) -> FResult<Value> {
    Ok(Value::String(uuid::Uuid::new_v4().to_string()))
}

fn uuidv5(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let namespace = arg_str(args, 0, "namespace")?;
    let name = arg_str(args, 1, "name")?;
    let ns = match namespace.as_str() {
        "dns" => uuid::Uuid::NAMESPACE_DNS,
        "url" => uuid::Uuid::NAMESPACE_URL,
        "oid" => uuid::Uuid::NAMESPACE_OID,
        "x500" => uuid::Uuid::NAMESPACE_X500,
        other => uuid::Uuid::parse_str(other)
            .map_err(|e| FuncError::at(0, format!("uuidv5() doesn't support namespace {} ({e})", echo(other))))?,
    };
    Ok(Value::String(uuid::Uuid::new_v5(&ns, name.as_bytes()).to_string()))
}

/// A bcrypt hash in the `$2a$` form Terraform writes, at cost 10 unless given.
fn bcrypt_hash(args: &[Value], _: &FuncContext) -> FResult<Value> {
    let password = arg_str(args, 0, "str")?;
    let cost = if args.len() > 1 { arg_int(args, 1, "cost")? } else { 10 };
    // Go's bcrypt takes a cost below the minimum as a request for the default.
    let cost = if cost < 4 { 10 } else { cost };
    if cost > 31 {
        return Err(FuncError::at(1, format!("crypto/bcrypt: cost {cost} is outside allowed range (4,31)")));
    }
    if password.len() > 72 {
        return Err(FuncError::at(0, "the password is longer than bcrypt's limit of 72 bytes"));
    }
    let hashed = bcrypt::hash_with_result(password.as_bytes(), cost as u32)
        .map_err(|e| FuncError::new(format!("error occurred generating password {e}")))?;
    Ok(Value::String(hashed.format_for_version(bcrypt::Version::TwoA)))
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;

    #[test]
    fn uuidv5_matches_terraforms_documented_examples() {
        assert_eq!(call_ok("uuidv5", vec![s("dns"), s("www.terraform.io")]), s("a5008fae-b28c-5ba5-96cd-82b4c53552d6"));
        assert_eq!(
            call_ok("uuidv5", vec![s("url"), s("https://www.terraform.io/")]),
            s("9db6f67c-dd95-5ea0-aa5b-e70e5c5f7cf5")
        );
        assert_eq!(
            call_ok("uuidv5", vec![s("6ba7b810-9dad-11d1-80b4-00c04fd430c8"), s("www.terraform.io")]),
            s("a5008fae-b28c-5ba5-96cd-82b4c53552d6")
        );
        assert!(call_err("uuidv5", vec![s("nope"), s("x")]).message.contains("doesn't support namespace nope"));
    }

    #[test]
    fn bcrypt_hashes_verify_and_use_the_2a_prefix() {
        let h = call_ok("bcrypt", vec![s("hunter2"), n(4.0)]);
        let h = h.as_str().unwrap();
        assert!(h.starts_with("$2a$04$"), "{h}");
        assert!(bcrypt::verify("hunter2", h).unwrap());
        assert!(call_ok("bcrypt", vec![s("x"), n(3.0)]).as_str().unwrap().starts_with("$2a$10$"));
        assert!(call_err("bcrypt", vec![s("x"), n(32.0)]).message.contains("outside allowed range"));
    }
}
