//! The terminal login's confirmation code, computed alike by the `relay`
//! CLI (which prints it) and the server (whose browser page asks to confirm it).

use sha2::{Digest, Sha256};

/// Letters nobody misreads (no vowels, so no words either).
const LETTERS: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";

/// "QJTM-WXBK", derived from the login's state: whoever opens a login link
/// somebody else sent them sees a code their own terminal does not show.
pub fn user_code(state: &str) -> String {
    let digest = Sha256::digest(format!("relay-cli-code:{state}").as_bytes());
    let letters: String = digest[..8]
        .iter()
        .map(|b| LETTERS[*b as usize % LETTERS.len()] as char)
        .collect();
    format!("{}-{}", &letters[..4], &letters[4..])
}

#[cfg(test)]
mod tests {
    use super::user_code;

    #[test]
    fn the_code_is_two_groups_of_four_letters_fixed_by_the_state() {
        let code = user_code("a-state-of-at-least-sixteen-characters");
        assert_eq!(code, user_code("a-state-of-at-least-sixteen-characters"));
        assert_ne!(code, user_code("another-state-of-sixteen-characters"));
        assert_eq!(code.len(), 9);
        assert!(code.chars().enumerate().all(|(i, c)| if i == 4 {
            c == '-'
        } else {
            "BCDFGHJKLMNPQRSTVWXZ".contains(c)
        }));
    }
}
