//! Why encrypting or decrypting failed. Every message says what to do, and none ever holds a
//! passphrase, a key or the plaintext: they are built only from names and from the messages
//! key providers return, which follow the same rule.

/// What is being encrypted, for messages: "the state", "the plan".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    State,
    Plan,
}

impl Target {
    pub fn noun(self) -> &'static str {
        match self {
            Target::State => "state",
            Target::Plan => "plan",
        }
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.noun())
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum EncryptionError {
    /// Every configured method was tried and none could read the data: a wrong passphrase or
    /// key, a key provider renamed since, or data changed after it was written.
    #[error("the {target} cannot be decrypted with the configured key: {}; check the passphrase or key, or add the old key as a fallback", attempts.join("; "))]
    CannotDecrypt { target: Target, attempts: Vec<String> },
    /// Plain data where the configuration accepts only encrypted data.
    #[error("the {target} is not encrypted, but the configuration reads only encrypted {target} data ({methods}). To encrypt an existing unencrypted {target}, add `method \"unencrypted\" \"migrate\" {{}}` and `fallback {{ method = method.unencrypted.migrate }}` to the {target} block for one run")]
    NotEncrypted { target: Target, methods: String },
    /// Encrypted data where nothing is configured to read it.
    #[error("the {target} is encrypted, but the configuration has no {target} encryption to read it with. Configure gantry {{ encryption {{ {target} {{ method = … }} }} }} with the key it was encrypted with")]
    NoDecryption { target: Target },
    #[error("the {target} was encrypted with encryption_version \"{found}\", but this Gantry reads only \"v0\"")]
    UnsupportedVersion { target: Target, found: String },
    #[error("the {target} looks encrypted, but its envelope is malformed: {detail}")]
    Malformed { target: Target, detail: String },
    /// The key provider could not produce a key for encrypting (KMS unreachable, a key
    /// length the method cannot use).
    #[error("the {target} cannot be encrypted: {detail}")]
    CannotEncrypt { target: Target, detail: String },
}
