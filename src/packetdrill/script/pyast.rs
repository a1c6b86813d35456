//! The syntax tree of a `%{ ... }%` block's Python subset (see
//! [`crate::packetdrill::script::assert`]), and the error for constructs
//! outside it.

use std::fmt;

/// One statement of a code block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// 1-based line inside the block (line 1 is the line of `%{`).
    pub line: usize,
    /// What the statement does.
    pub kind: StatementKind,
}

/// What a [`Statement`] does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatementKind {
    /// `assert cond` or `assert cond, message`.
    Assert {
        /// The condition that must hold.
        cond: PyExpr,
        /// The message after the comma, shown when the condition fails.
        message: Option<PyExpr>,
    },
    /// `target = value` (`op` is `None`) or `target op= value`.
    Assign {
        /// The variable assigned to.
        target: String,
        /// The operator of an augmented assignment (`+=` is `Add`).
        op: Option<BinOp>,
        /// The right-hand side.
        value: PyExpr,
    },
    /// `print(args...)`.
    Print(Vec<PyExpr>),
}

/// A Python expression of the supported subset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PyExpr {
    /// An integer literal.
    Int(i64),
    /// `True` or `False`.
    Bool(bool),
    /// A string literal, escapes decoded.
    Str(String),
    /// A variable, such as a `tcp_info` field name (`tcpi_snd_cwnd`).
    Name(String),
    /// `(a, b)`, e.g. the operands of `'%d %d' % (a, b)`.
    Tuple(Vec<PyExpr>),
    /// A prefix operator applied to one operand, e.g. `-x` or `not x`.
    Unary {
        /// The operator.
        op: UnaryOp,
        /// The expression it applies to.
        operand: Box<PyExpr>,
    },
    /// An arithmetic or bitwise operator between two operands, e.g. `a + b`.
    Binary {
        /// The operator.
        op: BinOp,
        /// The left operand.
        lhs: Box<PyExpr>,
        /// The right operand.
        rhs: Box<PyExpr>,
    },
    /// `a < b <= c`: `first` then each (operator, operand) pair, as Python
    /// chains them (`a < b and b <= c`, with `b` evaluated once).
    Compare {
        /// The leftmost operand.
        first: Box<PyExpr>,
        /// Each following comparison operator with its right operand.
        rest: Vec<(CmpOp, PyExpr)>,
    },
    /// `a and b and ...` (short-circuit, value of the last evaluated operand).
    And(Vec<PyExpr>),
    /// `a or b or ...`.
    Or(Vec<PyExpr>),
}

/// A prefix operator of [`PyExpr::Unary`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    /// `-x`
    Neg,
    /// `+x`
    Pos,
    /// `~x`
    Invert,
    /// `not x`
    Not,
}

/// An infix operator of [`PyExpr::Binary`] (also the operator of an
/// augmented assignment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`: true division in Python 3 (a float); evaluators may refuse it.
    Div,
    /// `//`: floor division.
    FloorDiv,
    /// `%`: modulo, or string formatting when the left side is a string.
    Mod,
    /// `**`: exponentiation.
    Pow,
    /// `&`
    BitAnd,
    /// `|`
    BitOr,
    /// `^`
    BitXor,
    /// `<<`
    Shl,
    /// `>>`
    Shr,
}

/// A comparison operator of [`PyExpr::Compare`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// A construct outside the supported subset (or invalid Python), with its
/// 1-based position inside the block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported {
    /// Names the construct, e.g. "`import`" or "a call to `len()`".
    pub construct: String,
    /// 1-based line inside the block.
    pub line: usize,
    /// 1-based column, in characters.
    pub col: usize,
}

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {} col {} of the %{{ }}% block: {} is not supported",
            self.line, self.col, self.construct
        )
    }
}

impl std::error::Error for Unsupported {}

impl PyExpr {
    /// Calls `f` on every name the expression reads, in source order; lets a
    /// runner check up front that it knows every `tcpi_*` field used.
    pub fn visit_names<'a>(&'a self, f: &mut impl FnMut(&'a str)) {
        match self {
            PyExpr::Name(n) => f(n),
            PyExpr::Int(_) | PyExpr::Bool(_) | PyExpr::Str(_) => {}
            PyExpr::Tuple(v) | PyExpr::And(v) | PyExpr::Or(v) => {
                v.iter().for_each(|e| e.visit_names(f))
            }
            PyExpr::Unary { operand, .. } => operand.visit_names(f),
            PyExpr::Binary { lhs, rhs, .. } => {
                lhs.visit_names(f);
                rhs.visit_names(f);
            }
            PyExpr::Compare { first, rest } => {
                first.visit_names(f);
                rest.iter().for_each(|(_, e)| e.visit_names(f));
            }
        }
    }
}
