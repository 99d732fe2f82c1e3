//! How results are printed: JSON with four-space indents and sorted keys,
//! as the original's `json.dumps(result, indent=4, sort_keys=True)`.

use serde::Serialize;
use serde_json::ser::{PrettyFormatter, Serializer};
use serde_json::{Map, Value as Json};

/// What a command prints.
#[derive(Clone, Debug, PartialEq)]
pub enum Output {
    /// A JSON result, printed sorted and indented.
    Json(Json),
    /// Text printed as is (the original's `raw` commands).
    Raw(String),
}

impl From<Json> for Output {
    fn from(value: Json) -> Self {
        Output::Json(value)
    }
}

impl Output {
    /// The text to print, and whether it is an error result.
    pub fn text(&self) -> (String, bool) {
        match self {
            Output::Json(v) => (render(v), is_error(v)),
            Output::Raw(s) => (s.clone(), false),
        }
    }
}

/// `value` with every object's keys in sorted order.
pub fn sorted(value: &Json) -> Json {
    match value {
        Json::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let mut out = Map::new();
            for k in keys {
                if let Some(v) = map.get(k) {
                    out.insert(k.clone(), sorted(v));
                }
            }
            Json::Object(out)
        }
        Json::Array(items) => Json::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// The text printed for `value`.
pub fn render(value: &Json) -> String {
    let mut buf = Vec::new();
    let mut ser = Serializer::with_formatter(&mut buf, PrettyFormatter::with_indent(b"    "));
    if sorted(value).serialize(&mut ser).is_err() {
        return value.to_string();
    }
    String::from_utf8(buf).unwrap_or_else(|_| value.to_string())
}

/// Whether a result is an error result (`{"error": …}`), which the original
/// prints to stderr with exit status 1.
pub fn is_error(value: &Json) -> bool {
    value.get("error").is_some()
}

/// `{"satoshis": n, "btc": n / 10^8}`.
pub fn amount(sats: u64) -> Json {
    serde_json::json!({"satoshis": sats, "btc": sats as f64 / 1e8})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_is_sorted_and_indented_by_four() {
        let v = serde_json::json!({"b": 1, "a": {"d": [1], "c": null}});
        assert_eq!(
            render(&v),
            "{\n    \"a\": {\n        \"c\": null,\n        \"d\": [\n            1\n        ]\n    },\n    \"b\": 1\n}"
        );
        assert!(is_error(&serde_json::json!({"error": "x"})));
        assert!(!is_error(&serde_json::json!({"status": true})));
    }
}
