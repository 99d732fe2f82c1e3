//! The XML-RPC data model, as `xmlrpclib` maps it to Python values.

/// One XML-RPC value.
///
/// The variants are the types Python 2.7's `xmlrpclib` marshals and
/// unmarshals with `allow_none=True`, which is how the v0.18 daemon runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `<int>` / `<i4>` (and `<i8>`, which `xmlrpclib.loads` also accepts).
    ///
    /// Decoding accepts any value that fits an `i64`. Encoding refuses values
    /// outside the 32-bit range with [`EncodeError::IntOverflow`], as
    /// `xmlrpclib.dumps` raises `OverflowError("int exceeds XML-RPC limits")`.
    ///
    /// [`EncodeError::IntOverflow`]: super::EncodeError::IntOverflow
    Int(i64),
    /// `<boolean>`, written as `1` / `0`.
    Boolean(bool),
    /// `<string>`, or a `<value>` with no type element.
    String(String),
    /// `<double>`, written like Python's `repr(float)`.
    Double(f64),
    /// `<base64>`: raw bytes (`xmlrpclib.Binary`).
    Base64(Vec<u8>),
    /// `<dateTime.iso8601>`, kept as its text (e.g. `20180101T00:00:00`);
    /// no v0.18 method sends one.
    DateTime(String),
    /// `<array>`.
    Array(Vec<Value>),
    /// `<struct>`: members in document order. A key that repeats keeps its
    /// first position and takes the last value, like a Python dict.
    Struct(Vec<(String, Value)>),
    /// `<nil/>` (Python `None`).
    Nil,
}

impl Value {
    /// A string value.
    pub fn string(s: impl Into<String>) -> Self {
        Value::String(s.into())
    }

    /// The string, if this is a string value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The integer, if this is an integer value.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The boolean, if this is a boolean value.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Boolean(b) => Some(*b),
            _ => None,
        }
    }

    /// The elements, if this is an array.
    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    /// The value of member `key`, if this is a struct that has it.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Struct(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The XML element name this value is written with.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Int(_) => "int",
            Value::Boolean(_) => "boolean",
            Value::String(_) => "string",
            Value::Double(_) => "double",
            Value::Base64(_) => "base64",
            Value::DateTime(_) => "dateTime.iso8601",
            Value::Array(_) => "array",
            Value::Struct(_) => "struct",
            Value::Nil => "nil",
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

impl From<i32> for Value {
    fn from(i: i32) -> Self {
        Value::Int(i64::from(i))
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Boolean(b)
    }
}

impl From<Vec<Value>> for Value {
    fn from(items: Vec<Value>) -> Self {
        Value::Array(items)
    }
}

/// A `<methodCall>`: what a client sends.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodCall {
    /// The bare method name, e.g. `get_zonefiles` (the server prefixes `rpc_`).
    pub method: String,
    /// Positional parameters.
    pub params: Vec<Value>,
}

impl MethodCall {
    /// A call of `method` with `params`.
    pub fn new(method: impl Into<String>, params: Vec<Value>) -> Self {
        Self {
            method: method.into(),
            params,
        }
    }
}

/// An XML-RPC fault (`<fault>`): `xmlrpclib.Fault(faultCode, faultString)`.
///
/// The v0.18 server sends one only when the request XML cannot be parsed:
/// code 1 and `"<exception type>:<message>"` (`core-rpc.md` §1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// `faultCode`.
    pub code: i32,
    /// `faultString`.
    pub string: String,
}

/// A `<methodResponse>`: either parameters or a fault.
#[derive(Debug, Clone, PartialEq)]
pub enum MethodResponse {
    /// `<params>`. `SimpleXMLRPCServer` always sends exactly one.
    Params(Vec<Value>),
    /// `<fault>`.
    Fault(Fault),
}

impl MethodResponse {
    /// A successful response carrying the single value `value`.
    pub fn success(value: Value) -> Self {
        MethodResponse::Params(vec![value])
    }
}
