//! Reading INI text with the semantics of Python 2.7's `SafeConfigParser`,
//! which is what v0.18 reads `blockstack-server.ini` with.
//!
//! The `configparser` crate does the line parsing; this module adjusts it
//! where Python 2 differs: section names are case-sensitive and option names
//! are not; `;` starts an inline comment only after whitespace (`#` never
//! does), so `passwd = a#b;c` keeps its value; indented lines continue the
//! previous value; `[DEFAULT]` options appear in every section; and values
//! are interpolated (`%(other)s` expands an option of the same section,
//! `%%` is a literal `%`, any other `%` is an error).

use std::collections::HashMap;

use configparser::ini::{Ini, IniDefault};

use super::SettingsError;

/// Name of the section whose options every other section inherits.
const DEFAULT_SECTION: &str = "DEFAULT";
/// How many nested `%(name)s` expansions are followed (Python's MAX_INTERPOLATION_DEPTH).
const MAX_INTERPOLATION_DEPTH: usize = 10;

/// A parsed INI file: section name → lower-cased option name → raw value.
#[derive(Debug, Clone, Default)]
pub struct IniFile {
    sections: HashMap<String, HashMap<String, String>>,
    defaults: HashMap<String, String>,
    origin: String,
}

impl IniFile {
    /// Parses `text`; `origin` (usually the file path) prefixes errors.
    pub fn parse(text: &str, origin: &str) -> Result<Self, SettingsError> {
        let mut defaults = IniDefault::default();
        defaults.default_section = DEFAULT_SECTION.to_owned();
        defaults.case_sensitive = true;
        defaults.enable_inline_comments = false;
        defaults.multiline = true;
        let mut ini = Ini::new_from_defaults(defaults);
        ini.read(text.to_owned())
            .map_err(|reason| SettingsError::Syntax {
                origin: origin.to_owned(),
                reason,
            })?;
        let mut file = IniFile {
            origin: origin.to_owned(),
            ..IniFile::default()
        };
        for (section, options) in ini.get_map_ref() {
            let mut values = HashMap::new();
            for (key, value) in options {
                let Some(value) = value else {
                    return Err(SettingsError::Syntax {
                        origin: origin.to_owned(),
                        reason: format!(
                            "option `{key}` in [{section}] has no value (expected `{key} = ...`)"
                        ),
                    });
                };
                values.insert(key.to_lowercase(), strip_inline_comment(value));
            }
            if section == DEFAULT_SECTION {
                file.defaults = values;
            } else {
                file.sections.insert(section.clone(), values);
            }
        }
        Ok(file)
    }

    /// Whether `[section]` is present.
    pub fn has_section(&self, section: &str) -> bool {
        self.sections.contains_key(section)
    }

    /// The interpolated value of `key` in `[section]`, if present there or
    /// in `[DEFAULT]`.
    pub fn get(&self, section: &str, key: &str) -> Result<Option<String>, SettingsError> {
        if !self.has_section(section) {
            return Ok(None);
        }
        match self.raw(section, key) {
            Some(raw) => self.interpolate(section, key, raw, 0).map(Some),
            None => Ok(None),
        }
    }

    fn raw(&self, section: &str, key: &str) -> Option<&str> {
        let key = key.to_lowercase();
        self.sections
            .get(section)
            .and_then(|options| options.get(&key))
            .or_else(|| self.defaults.get(&key))
            .map(String::as_str)
    }

    fn interpolate(
        &self,
        section: &str,
        key: &str,
        raw: &str,
        depth: usize,
    ) -> Result<String, SettingsError> {
        let invalid = |reason: String| SettingsError::Invalid {
            key: format!("[{section}] {key}"),
            value: raw.to_owned(),
            reason,
        };
        if depth > MAX_INTERPOLATION_DEPTH {
            return Err(invalid(format!(
                "interpolation nested deeper than {MAX_INTERPOLATION_DEPTH} levels"
            )));
        }
        let mut out = String::with_capacity(raw.len());
        let mut rest = raw;
        while let Some(at) = rest.find('%') {
            out.push_str(&rest[..at]);
            let after = &rest[at + 1..];
            if let Some(tail) = after.strip_prefix('%') {
                out.push('%');
                rest = tail;
            } else if let Some(tail) = after.strip_prefix('(') {
                let Some((name, tail)) = tail.split_once(")s") else {
                    return Err(invalid("bad interpolation: expected `%(name)s`".to_owned()));
                };
                let Some(value) = self.raw(section, name) else {
                    return Err(invalid(format!(
                        "`%({name})s` refers to no option of [{section}] or [DEFAULT]"
                    )));
                };
                out.push_str(&self.interpolate(section, name, value, depth + 1)?);
                rest = tail;
            } else {
                return Err(invalid(
                    "a lone `%` (write `%%` for a percent sign)".to_owned(),
                ));
            }
        }
        out.push_str(rest);
        Ok(out)
    }

    /// Where this file came from, for messages.
    pub fn origin(&self) -> &str {
        &self.origin
    }
}

/// Python 2: `;` preceded by whitespace starts a comment.
fn strip_inline_comment(value: &str) -> String {
    let bytes = value.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b';' && i > 0 && bytes.get(i - 1).is_some_and(u8::is_ascii_whitespace) {
            return value[..i].trim().to_owned();
        }
    }
    value.trim().to_owned()
}

/// Escapes a value for writing: `%` doubles so interpolation reads it back.
pub(super) fn escape_value(value: &str) -> String {
    value.replace('%', "%%")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> IniFile {
        IniFile::parse(text, "test.ini").expect("valid ini")
    }

    #[test]
    fn option_names_ignore_case_but_section_names_do_not() {
        let ini = parse("[bitcoind]\nUser = alice\n[Bitcoind]\nuser = bob\n");
        assert_eq!(
            ini.get("bitcoind", "user").expect("ok"),
            Some("alice".into())
        );
        assert_eq!(
            ini.get("bitcoind", "USER").expect("ok"),
            Some("alice".into())
        );
        assert_eq!(ini.get("Bitcoind", "user").expect("ok"), Some("bob".into()));
    }

    #[test]
    fn hash_and_unspaced_semicolons_stay_in_values() {
        let ini = parse(
            "[bitcoind]\npasswd = a#b;c ; a comment\n# whole-line comment\n; another\nuser: x\n",
        );
        assert_eq!(
            ini.get("bitcoind", "passwd").expect("ok"),
            Some("a#b;c".into())
        );
        assert_eq!(ini.get("bitcoind", "user").expect("ok"), Some("x".into()));
    }

    #[test]
    fn interpolation_follows_safeconfigparser() {
        let ini = parse("[DEFAULT]\nroot = /srv\n[blockstack]\nzonefiles = %(root)s/zonefiles\npct = 100%%\nbad = 5%\n");
        assert_eq!(
            ini.get("blockstack", "zonefiles").expect("ok"),
            Some("/srv/zonefiles".into())
        );
        assert_eq!(
            ini.get("blockstack", "pct").expect("ok"),
            Some("100%".into())
        );
        assert_eq!(
            ini.get("blockstack", "root").expect("ok"),
            Some("/srv".into())
        );
        let err = ini.get("blockstack", "bad").expect_err("lone percent");
        assert!(err.to_string().contains("[blockstack] bad"), "{err}");
    }

    #[test]
    fn indented_lines_continue_a_value() {
        let ini = parse("[blockstack]\nannouncers = a.id,\n  b.id\nrpc_port = 1\n");
        assert_eq!(
            ini.get("blockstack", "announcers").expect("ok"),
            Some("a.id,\nb.id".into())
        );
    }

    #[test]
    fn options_without_values_and_broken_headers_are_errors() {
        assert!(IniFile::parse("[bitcoind]\nuser\n", "x").is_err());
        assert!(IniFile::parse("[bitcoind\nuser = a\n", "x").is_err());
    }
}
