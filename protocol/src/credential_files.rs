//! The credential files an agent CLI keeps on its user's machine, which
//! `relay credentials import <name>` (or curl) may send to Relay: the CLI
//! and the server must agree on their names and where they live. Which
//! provider takes which file is the provider registry's business.

/// How a file is laid out; the server reads each layout its own way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// Claude Code's `{"claudeAiOauth": {"accessToken", "refreshToken", "expiresAt", …}}`.
    ClaudeCredentials,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CredentialFile {
    /// The `relay credentials import <name>` argument.
    pub name: &'static str,
    /// The agent CLI that writes it.
    pub agent: &'static str,
    /// Where that CLI keeps it, relative to the home directory.
    pub home_path: &'static str,
    pub layout: Layout,
}

impl CredentialFile {
    /// "~/.claude/.credentials.json", as a user would type it.
    pub fn shown_path(&self) -> String {
        format!("~/{}", self.home_path)
    }

    /// "~/.claude/": the folder the file is read from.
    pub fn shown_folder(&self) -> String {
        match self.home_path.rsplit_once('/') {
            Some((folder, _)) => format!("~/{folder}/"),
            None => "~/".to_owned(),
        }
    }
}

pub const CLAUDE_CODE: CredentialFile = CredentialFile {
    name: "claude",
    agent: "Claude Code",
    home_path: ".claude/.credentials.json",
    layout: Layout::ClaudeCredentials,
};

/// Every file that can be imported.
pub const ALL: &[CredentialFile] = &[CLAUDE_CODE];

pub fn find(name: &str) -> Option<&'static CredentialFile> {
    ALL.iter().find(|file| file.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_found_by_its_name_and_shown_from_home() {
        let file = find("claude").unwrap();
        assert_eq!(file.shown_path(), "~/.claude/.credentials.json");
        assert_eq!(file.shown_folder(), "~/.claude/");
        assert!(find("codex").is_none());
    }
}
