//! The credential vault: envelope encryption with AES-256-GCM.
//!
//! The master key (`RELAY_MASTER_KEY`) never encrypts a credential directly.
//! Each user gets a random 256-bit data key, stored *wrapped* (encrypted) by
//! the master key; credentials are sealed with the user's data key.
//! Consequences worth having:
//! - rotating the master key only re-wraps one small row per user;
//! - deleting a user's wrapped key makes all their credentials unrecoverable;
//! - associated data binds every ciphertext to (user, provider, field) and,
//!   where the row has one, to the row's seal id (new at every sealing), so a
//!   ciphertext copied to another row or user, or restored from an older
//!   version of its own row, fails to open;
//! - key bytes are zeroed when they are dropped.
//!
//! `credentials` stores the sealed provider credentials of each user.

pub mod credentials;
pub mod leases;
#[cfg(feature = "ssr")]
pub mod rotation;

use aes_gcm::aead::{AeadCore, AeadInPlace, KeyInit, OsRng};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

/// Format version written into every associated-data string.
const FORMAT: &str = "relay.v1";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VaultError {
    #[error("the master key must be 32 bytes, given as 64 hex characters or base64")]
    BadMasterKey,
    #[error("the master key is one byte repeated (all zeros?): use a random one, which `relay-server generate-master-key` prints")]
    WeakMasterKey,
    #[error("no master key with id {0} is configured")]
    UnknownKeyId(String),
    #[error("a ciphertext failed to decrypt (wrong key, or moved or tampered with)")]
    Decrypt,
    #[error("a stored ciphertext is malformed")]
    Malformed,
}

/// A 256-bit master key with its id (a fingerprint, so ids never collide).
#[derive(Clone)]
pub struct MasterKey {
    id: String,
    key: Key<Aes256Gcm>,
}

impl Drop for MasterKey {
    fn drop(&mut self) {
        self.key.as_mut_slice().zeroize();
    }
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MasterKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl MasterKey {
    /// Parses 64 hex characters or the base64 of 32 bytes.
    pub fn parse(text: &str) -> Result<Self, VaultError> {
        let text = text.trim();
        let bytes = Zeroizing::new(if text.len() == 64 {
            unhex(text).ok_or(VaultError::BadMasterKey)?
        } else {
            B64.decode(text).map_err(|_| VaultError::BadMasterKey)?
        });
        Self::from_bytes(&bytes)
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, VaultError> {
        if bytes.len() != 32 {
            return Err(VaultError::BadMasterKey);
        }
        // All zeros (an unset variable's placeholder) or any one byte repeated.
        if bytes.iter().all(|b| *b == bytes[0]) {
            return Err(VaultError::WeakMasterKey);
        }
        let digest = Sha256::digest([b"relay master key id:".as_slice(), bytes].concat());
        let id = format!("mk_{}", hex(&digest[..6]));
        Ok(Self {
            id,
            key: *Key::<Aes256Gcm>::from_slice(bytes),
        })
    }

    /// A fresh random key, as 64 hex characters (for development and `--generate`).
    pub fn generate_hex() -> String {
        let mut key = Aes256Gcm::generate_key(OsRng);
        let text = hex(&key);
        key.as_mut_slice().zeroize();
        text
    }

    pub fn id(&self) -> &str {
        &self.id
    }
}

/// A user's data key, wrapped by a master key, as stored in `user_keys`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WrappedKey {
    pub master_key_id: String,
    /// base64(nonce || ciphertext)
    pub wrapped: String,
}

/// A user's unwrapped data key. Lives only in memory, only as long as needed
/// (the cipher's key schedule is zeroed on drop: aes-gcm's `zeroize` feature).
pub struct UserKey {
    user_id: String,
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for UserKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserKey")
            .field("user_id", &self.user_id)
            .finish_non_exhaustive()
    }
}

/// What a sealed secret is for: the associated data of its ciphertext.
#[derive(Clone, Copy, Debug)]
pub struct Binding<'a> {
    pub provider: &'a str,
    pub field: &'a str,
    /// The row's own id for this sealing, where its table keeps one: a
    /// ciphertext copied from another row, or from an older version of
    /// this one, then fails to open. `None` for rows sealed before there
    /// was one.
    pub row: Option<&'a str>,
}

/// The keys the server holds: the current master key, and earlier ones still
/// accepted for unwrapping during a rotation.
#[derive(Clone, Debug)]
pub struct Vault {
    current: MasterKey,
    previous: Vec<MasterKey>,
}

impl Vault {
    pub fn new(current: MasterKey, previous: Vec<MasterKey>) -> Self {
        Self { current, previous }
    }

    pub fn current_key_id(&self) -> &str {
        self.current.id()
    }

    fn master(&self, id: &str) -> Result<&MasterKey, VaultError> {
        std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|k| k.id == id)
            .ok_or_else(|| VaultError::UnknownKeyId(id.to_owned()))
    }

    /// Creates a new random data key for `user_id`, wrapped by the current master key.
    pub fn new_user_key(&self, user_id: &str) -> (WrappedKey, UserKey) {
        let mut raw = Aes256Gcm::generate_key(OsRng);
        let wrapped = seal(&self.current.key, &wrap_aad(user_id), &raw);
        let user_key = UserKey {
            user_id: user_id.to_owned(),
            cipher: Aes256Gcm::new(&raw),
        };
        raw.as_mut_slice().zeroize();
        (
            WrappedKey {
                master_key_id: self.current.id.clone(),
                wrapped,
            },
            user_key,
        )
    }

    pub fn unwrap_user_key(
        &self,
        user_id: &str,
        wrapped: &WrappedKey,
    ) -> Result<UserKey, VaultError> {
        let master = self.master(&wrapped.master_key_id)?;
        let raw = Zeroizing::new(open(&master.key, &wrap_aad(user_id), &wrapped.wrapped)?);
        if raw.len() != 32 {
            return Err(VaultError::Malformed);
        }
        let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&raw));
        Ok(UserKey {
            user_id: user_id.to_owned(),
            cipher,
        })
    }

    /// Re-wraps a user's data key under the current master key (key rotation).
    pub fn rewrap(&self, user_id: &str, wrapped: &WrappedKey) -> Result<WrappedKey, VaultError> {
        let master = self.master(&wrapped.master_key_id)?;
        let raw = Zeroizing::new(open(&master.key, &wrap_aad(user_id), &wrapped.wrapped)?);
        Ok(WrappedKey {
            master_key_id: self.current.id.clone(),
            wrapped: seal(&self.current.key, &wrap_aad(user_id), &raw),
        })
    }
}

impl UserKey {
    /// Encrypts `secret` for this user and `binding`: base64(nonce || ciphertext).
    pub fn seal(&self, binding: Binding<'_>, secret: &SecretString) -> String {
        let aad = secret_aad(&self.user_id, binding);
        seal_with(&self.cipher, &aad, secret.expose_secret().as_bytes())
    }

    pub fn open(&self, binding: Binding<'_>, sealed: &str) -> Result<SecretString, VaultError> {
        let aad = secret_aad(&self.user_id, binding);
        text(open_with(&self.cipher, &aad, sealed)?)
    }
}

/// Seals `secret` under a key derived from `passphrase`, a high-entropy value
/// kept elsewhere (an OAuth state lives in the browser's session and the
/// callback URL, never in the table holding this): reading the table alone
/// opens nothing. `purpose` keeps keys of different uses apart.
pub fn seal_under(passphrase: &str, purpose: &str, secret: &SecretString) -> String {
    let (cipher, aad) = passphrase_key(passphrase, purpose);
    seal_with(&cipher, &aad, secret.expose_secret().as_bytes())
}

pub fn open_under(
    passphrase: &str,
    purpose: &str,
    sealed: &str,
) -> Result<SecretString, VaultError> {
    let (cipher, aad) = passphrase_key(passphrase, purpose);
    text(open_with(&cipher, &aad, sealed)?)
}

/// An opened secret as text: an exact-size copy, which the secret keeps as
/// it is (a larger buffer would be reallocated, leaving the plaintext
/// behind unzeroed); `bytes` is zeroed when dropped.
fn text(bytes: Zeroizing<Vec<u8>>) -> Result<SecretString, VaultError> {
    std::str::from_utf8(&bytes)
        .map(SecretString::from)
        .map_err(|_| VaultError::Malformed)
}

fn passphrase_key(passphrase: &str, purpose: &str) -> (Aes256Gcm, String) {
    let aad = format!("{FORMAT}|passphrase|{purpose}");
    // Not the SHA-256 of the passphrase alone, which tables store to look it up.
    let mut digest = Sha256::new()
        .chain_update(aad.as_bytes())
        .chain_update([0])
        .chain_update(passphrase.as_bytes())
        .finalize();
    let cipher = Aes256Gcm::new(&digest);
    digest.as_mut_slice().zeroize();
    (cipher, aad)
}

fn wrap_aad(user_id: &str) -> String {
    format!("{FORMAT}|user-key|user:{user_id}")
}

fn secret_aad(user_id: &str, b: Binding<'_>) -> String {
    let aad = format!(
        "{FORMAT}|secret|user:{user_id}|provider:{}|field:{}",
        b.provider, b.field
    );
    match b.row {
        Some(row) => format!("{aad}|row:{row}"),
        None => aad,
    }
}

fn seal(key: &Key<Aes256Gcm>, aad: &str, plaintext: &[u8]) -> String {
    seal_with(&Aes256Gcm::new(key), aad, plaintext)
}

fn open(key: &Key<Aes256Gcm>, aad: &str, sealed: &str) -> Result<Zeroizing<Vec<u8>>, VaultError> {
    open_with(&Aes256Gcm::new(key), aad, sealed)
}

/// Nonce, then ciphertext and tag: the layout of every sealed value.
const NONCE_BYTES: usize = 12;
const TAG_BYTES: usize = 16;
/// Sealed values are stored as standard base64 (with padding), the text
/// the `base64` crate wrote before; this crate does it with SIMD, several
/// times faster on the hand-out path (bench/RESULTS.md).
const STORED: base64_simd::Base64 = base64_simd::STANDARD;

fn seal_with(cipher: &Aes256Gcm, aad: &str, plaintext: &[u8]) -> String {
    // A fresh random 96-bit nonce for every encryption, encrypted in place
    // behind it: one buffer, no copies (bench/RESULTS.md). The buffer holds
    // only ciphertext once sealed (its exact capacity means it is never
    // reallocated with plaintext in it), so it needs no zeroing.
    let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
    let mut sealed = Vec::with_capacity(NONCE_BYTES + plaintext.len() + TAG_BYTES);
    sealed.extend_from_slice(&nonce);
    sealed.extend_from_slice(plaintext);
    let tag = cipher
        .encrypt_in_place_detached(&nonce, aad.as_bytes(), &mut sealed[NONCE_BYTES..])
        .expect("AES-GCM encryption cannot fail for in-memory buffers");
    sealed.extend_from_slice(&tag);
    STORED.encode_to_string(&sealed)
}

/// The plaintext comes back in a buffer that is zeroed when dropped.
fn open_with(
    cipher: &Aes256Gcm,
    aad: &str,
    sealed: &str,
) -> Result<Zeroizing<Vec<u8>>, VaultError> {
    let mut bytes = Zeroizing::new(
        STORED
            .decode_to_vec(sealed)
            .map_err(|_| VaultError::Malformed)?,
    );
    if bytes.len() < NONCE_BYTES + TAG_BYTES {
        return Err(VaultError::Malformed);
    }
    let (nonce, rest) = bytes.split_at_mut(NONCE_BYTES);
    let (ciphertext, tag) = rest.split_at_mut(rest.len() - TAG_BYTES);
    cipher
        .decrypt_in_place_detached(
            Nonce::from_slice(nonce),
            aad.as_bytes(),
            ciphertext,
            aes_gcm::Tag::from_slice(tag),
        )
        .map_err(|_| VaultError::Decrypt)?;
    // The plaintext moved to the front of the same buffer.
    let length = bytes.len() - NONCE_BYTES - TAG_BYTES;
    bytes.copy_within(NONCE_BYTES..NONCE_BYTES + length, 0);
    bytes.truncate(length);
    Ok(bytes)
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The bytes of a hex string; `None` unless every character is a hex digit
/// and there is an even number of them.
pub(crate) fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..text.len() / 2)
        .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    const TOKEN: Binding<'static> = Binding {
        provider: "github",
        field: "access_token",
        row: Some("seal-1"),
    };

    fn vault() -> Vault {
        Vault::new(
            MasterKey::parse(&MasterKey::generate_hex()).unwrap(),
            vec![],
        )
    }

    fn secret(s: &str) -> SecretString {
        SecretString::from(s.to_owned())
    }

    #[test]
    fn round_trip() {
        let vault = vault();
        let (wrapped, key) = vault.new_user_key("u1");
        let sealed = key.seal(TOKEN, &secret("dev_at_abc"));
        assert!(!sealed.contains("dev_at_abc"));
        let key = vault.unwrap_user_key("u1", &wrapped).unwrap();
        assert_eq!(
            key.open(TOKEN, &sealed).unwrap().expose_secret(),
            "dev_at_abc"
        );
    }

    #[test]
    fn a_tampered_byte_fails() {
        let vault = vault();
        let (_, key) = vault.new_user_key("u1");
        let sealed = key.seal(TOKEN, &secret("dev_at_abc"));
        let mut bytes = B64.decode(&sealed).unwrap();
        for i in [0, 12, bytes.len() - 1] {
            bytes[i] ^= 0x01;
            assert_eq!(
                key.open(TOKEN, &B64.encode(&bytes)).unwrap_err(),
                VaultError::Decrypt
            );
            bytes[i] ^= 0x01;
        }
        assert!(key.open(TOKEN, &B64.encode(&bytes)).is_ok());
    }

    #[test]
    fn a_ciphertext_moved_to_another_user_fails() {
        let vault = vault();
        let (w1, k1) = vault.new_user_key("u1");
        let sealed = k1.seal(TOKEN, &secret("dev_at_abc"));
        let (_, k2) = vault.new_user_key("u2");
        assert!(k2.open(TOKEN, &sealed).is_err());
        // Even u1's own wrapped key presented as u2's does not unwrap.
        assert_eq!(
            vault.unwrap_user_key("u2", &w1).unwrap_err(),
            VaultError::Decrypt
        );
    }

    #[test]
    fn a_ciphertext_moved_to_another_provider_or_field_fails() {
        let vault = vault();
        let (_, key) = vault.new_user_key("u1");
        let sealed = key.seal(TOKEN, &secret("dev_at_abc"));
        let other_provider = Binding {
            provider: "google",
            ..TOKEN
        };
        let other_field = Binding {
            provider: "github",
            field: "refresh_token",
            ..TOKEN
        };
        let other_row = Binding {
            row: Some("seal-2"),
            ..TOKEN
        };
        let no_row = Binding { row: None, ..TOKEN };
        assert_eq!(
            key.open(other_provider, &sealed).unwrap_err(),
            VaultError::Decrypt
        );
        assert_eq!(
            key.open(other_field, &sealed).unwrap_err(),
            VaultError::Decrypt
        );
        // Restored from an older sealing of the same row, or with its row id cleared.
        assert_eq!(
            key.open(other_row, &sealed).unwrap_err(),
            VaultError::Decrypt
        );
        assert_eq!(key.open(no_row, &sealed).unwrap_err(), VaultError::Decrypt);
    }

    #[test]
    fn a_wrong_master_key_fails() {
        let (wrapped, _) = vault().new_user_key("u1");
        let other = vault();
        assert!(matches!(
            other.unwrap_user_key("u1", &wrapped),
            Err(VaultError::UnknownKeyId(_))
        ));
        // Same id claimed, different key material: authentication fails.
        let forged = WrappedKey {
            master_key_id: other.current_key_id().to_owned(),
            ..wrapped
        };
        assert_eq!(
            other.unwrap_user_key("u1", &forged).unwrap_err(),
            VaultError::Decrypt
        );
    }

    #[test]
    fn rotation_rewraps_and_old_keys_still_open() {
        let old = MasterKey::parse(&MasterKey::generate_hex()).unwrap();
        let before = Vault::new(old.clone(), vec![]);
        let (wrapped, key) = before.new_user_key("u1");
        let sealed = key.seal(TOKEN, &secret("dev_rt_xyz"));

        let after = Vault::new(
            MasterKey::parse(&MasterKey::generate_hex()).unwrap(),
            vec![old],
        );
        assert!(
            after.unwrap_user_key("u1", &wrapped).is_ok(),
            "old key still accepted"
        );
        let rewrapped = after.rewrap("u1", &wrapped).unwrap();
        assert_eq!(rewrapped.master_key_id, after.current_key_id());
        let key = after.unwrap_user_key("u1", &rewrapped).unwrap();
        assert_eq!(
            key.open(TOKEN, &sealed).unwrap().expose_secret(),
            "dev_rt_xyz"
        );
    }

    #[test]
    fn nonces_never_repeat_across_100k_encryptions() {
        let (_, key) = vault().new_user_key("u1");
        let s = secret("x");
        let mut seen = HashSet::with_capacity(100_000);
        for _ in 0..100_000 {
            let sealed = B64.decode(key.seal(TOKEN, &s)).unwrap();
            assert!(seen.insert(sealed[..12].to_vec()), "nonce repeated");
        }
    }

    #[test]
    fn master_key_parsing_is_strict_and_debug_hides_it() {
        let hex_key = MasterKey::generate_hex();
        let key = MasterKey::parse(&hex_key).unwrap();
        assert!(!format!("{key:?}").contains(&hex_key));
        assert_eq!(
            MasterKey::parse("too-short").unwrap_err(),
            VaultError::BadMasterKey
        );
        assert_eq!(
            MasterKey::parse(&"ab".repeat(31)).unwrap_err(),
            VaultError::BadMasterKey
        );
        let bytes: Vec<u8> = (0..32).collect();
        assert_eq!(
            MasterKey::parse(&B64.encode(&bytes)).unwrap().id(),
            MasterKey::from_bytes(&bytes).unwrap().id()
        );
    }

    #[test]
    fn a_master_key_of_one_repeated_byte_is_refused() {
        for weak in ["0".repeat(64), "ff".repeat(32), B64.encode([0u8; 32])] {
            assert_eq!(
                MasterKey::parse(&weak).unwrap_err(),
                VaultError::WeakMasterKey
            );
        }
    }
}
