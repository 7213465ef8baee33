//! Errors shared by the msgpack and JSON codecs: what could not be decoded or encoded, and where.

use super::super::json::SyntaxError;
use super::super::path::{Path, Step};
use super::super::types::TypeError;
use super::MAX_DEPTH;
use super::number::NumberError;

/// Why a wire value could not be decoded, and where.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}{kind}", at(path))]
pub struct DecodeError {
    pub path: Path,
    pub kind: DecodeErrorKind,
}

impl DecodeError {
    /// An error at the value being decoded; containers add their steps on the way out.
    pub(crate) fn here(kind: DecodeErrorKind) -> Self {
        DecodeError {
            path: Path::default(),
            kind,
        }
    }

    /// The same error seen from one level up: the codecs build paths only on failure, so a
    /// successful decode spends nothing on them.
    pub(crate) fn within(mut self, step: Step) -> Self {
        self.path.0.insert(0, step);
        self
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DecodeErrorKind {
    #[error("unexpected end of input")]
    Truncated,
    #[error("{0} unexpected bytes after the value")]
    TrailingBytes(usize),
    #[error("{expected} is required, found {found}")]
    WrongType {
        expected: &'static str,
        found: &'static str,
    },
    #[error("string is not valid UTF-8")]
    InvalidUtf8,
    #[error("invalid number: {0}")]
    InvalidNumber(NumberError),
    #[error("unsupported attribute {0:?}")]
    UnknownAttribute(String),
    #[error("missing attribute {0:?}")]
    MissingAttribute(String),
    #[error("key {0:?} appears twice")]
    DuplicateKey(String),
    #[error("a tuple of {expected} elements is required, found {found}")]
    TupleLength { expected: usize, found: usize },
    #[error("map keys must be strings")]
    NonStringKey,
    #[error("values nest deeper than {MAX_DEPTH} levels")]
    TooDeep,
    #[error("invalid unknown-value refinement: {0}")]
    InvalidRefinement(&'static str),
    #[error("invalid type in dynamic value: {0}")]
    InvalidType(TypeError),
    #[error("malformed dynamic value: {0}")]
    InvalidDynamic(&'static str),
    #[error("invalid JSON: {0}")]
    Syntax(SyntaxError),
}

/// Why a value could not be encoded against a type, and where.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}{kind}", at(path))]
pub struct EncodeError {
    pub path: Path,
    pub kind: EncodeErrorKind,
}

impl EncodeError {
    /// An error at the value being encoded; containers add their steps on the way out.
    pub(crate) fn here(kind: EncodeErrorKind) -> Self {
        EncodeError {
            path: Path::default(),
            kind,
        }
    }

    /// The same error seen from one level up (see [`DecodeError::within`]).
    pub(crate) fn within(mut self, step: Step) -> Self {
        self.path.0.insert(0, step);
        self
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EncodeErrorKind {
    #[error("a {found} value does not fit type {expected}")]
    TypeMismatch {
        expected: String,
        found: &'static str,
    },
    #[error("attribute {0:?} is not in the object type")]
    UnexpectedAttribute(String),
    #[error("a tuple of {expected} elements is required, found {found}")]
    TupleLength { expected: usize, found: usize },
    #[error("cannot infer a type for this value in a dynamic slot (its elements disagree)")]
    CannotInferType,
    #[error("unknown values cannot be written as JSON")]
    UnknownInJson,
    #[error("infinite numbers cannot be written as JSON")]
    InfiniteInJson,
    #[error("values nest deeper than {MAX_DEPTH} levels")]
    TooDeep,
    #[error("too many elements for msgpack")]
    TooLong,
}

fn at(path: &Path) -> String {
    if path.is_root() {
        String::new()
    } else {
        format!("{path}: ")
    }
}

/// A path step for a list, set or tuple index.
pub(crate) fn index_step(i: usize) -> Step {
    Step::Index(i64::try_from(i).unwrap_or(i64::MAX))
}
