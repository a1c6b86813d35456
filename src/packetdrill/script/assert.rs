//! The Python subset of `%{ ... }%` blocks, parsed so tcpsim can evaluate
//! them against its own `tcp_info` instead of running Python.
//!
//! Upstream scripts use these blocks almost only to check `tcp_info`
//! fields after an event: `assert tcpi_snd_cwnd == 10, tcpi_snd_cwnd`,
//! `assert 990 <= tcpi_last_data_recv <= 1010`, plus `print(...)` and small
//! bookkeeping such as `cwnd = 58` / `cwnd += 1`. [`parse_code`] accepts:
//!
//! - `assert EXPR` and `assert EXPR, MESSAGE`
//! - `NAME = EXPR` and augmented `NAME += EXPR` (any binary operator)
//! - `print(EXPR, ...)`
//! - expressions over integer literals (decimal, hex, octal, binary), string
//!   literals, names (`tcpi_*` fields, `TCP_CA_*` and other constants,
//!   previously assigned names, `True`/`False`), parentheses and tuples,
//!   `or`, `and`, `not`, chained comparisons (`== != < <= > >=`),
//!   `| ^ & << >> + - * / // % **` and unary `- + ~`; `%` with a string
//!   on its left is Python string formatting (used in assert messages).
//!
//! Anything else (imports, other function calls, loops, conditionals,
//! attribute access, subscripts, floats, ...) is returned as [`Unsupported`]
//! naming the construct, so the runner can SKIP the script with that reason.
//! Which names exist is left to the evaluator.

pub use crate::packetdrill::script::pyast::*;
use crate::packetdrill::script::pylex::{PyTok, PyToken, tokenize};

/// Deepest expression nesting (parentheses, unary operators) accepted.
pub const MAX_PY_DEPTH: usize = 64;

/// Python keywords that start statements or expressions this subset does
/// not take, refused by name.
const REFUSED_KEYWORDS: &[&str] = &[
    "import", "from", "def", "class", "if", "elif", "else", "for", "while", "with", "try",
    "except", "finally", "lambda", "return", "global", "nonlocal", "del", "pass", "raise", "yield",
    "async", "await", "break", "continue", "in", "is", "None",
];

/// Parses the text of a `%{ ... }%` block (as in [`crate::packetdrill::script::ast::EventKind::Code`]).
pub fn parse_code(text: &str) -> Result<Vec<Statement>, Unsupported> {
    let toks = tokenize(text)?;
    let mut p = Py {
        toks,
        pos: 0,
        depth: 0,
    };
    let mut out = Vec::new();
    loop {
        while p.peek().tok == PyTok::End && p.pos.saturating_add(1) < p.toks.len() {
            p.pos += 1;
        }
        if p.pos.saturating_add(1) >= p.toks.len() {
            return Ok(out);
        }
        out.push(p.statement()?);
        if p.peek().tok != PyTok::End {
            return Err(p.refuse("more than one expression on a line (expected `;` or a newline)"));
        }
    }
}

struct Py {
    toks: Vec<PyToken>,
    pos: usize,
    depth: usize,
}

/// Binary operator levels, loosest first: `|`, `^`, `&`, shifts, additive,
/// multiplicative. (`**` binds tighter than unary minus and is separate.)
const LEVELS: &[&[(&str, BinOp)]] = &[
    &[("|", BinOp::BitOr)],
    &[("^", BinOp::BitXor)],
    &[("&", BinOp::BitAnd)],
    &[("<<", BinOp::Shl), (">>", BinOp::Shr)],
    &[("+", BinOp::Add), ("-", BinOp::Sub)],
    &[
        ("*", BinOp::Mul),
        ("/", BinOp::Div),
        ("//", BinOp::FloorDiv),
        ("%", BinOp::Mod),
    ],
];

const AUGMENTED: &[(&str, BinOp)] = &[
    ("+=", BinOp::Add),
    ("-=", BinOp::Sub),
    ("*=", BinOp::Mul),
    ("/=", BinOp::Div),
    ("//=", BinOp::FloorDiv),
    ("%=", BinOp::Mod),
    ("**=", BinOp::Pow),
    ("&=", BinOp::BitAnd),
    ("|=", BinOp::BitOr),
    ("^=", BinOp::BitXor),
    ("<<=", BinOp::Shl),
    (">>=", BinOp::Shr),
];

const COMPARISONS: &[(&str, CmpOp)] = &[
    ("==", CmpOp::Eq),
    ("!=", CmpOp::Ne),
    ("<", CmpOp::Lt),
    ("<=", CmpOp::Le),
    (">", CmpOp::Gt),
    (">=", CmpOp::Ge),
];

impl Py {
    fn peek(&self) -> &PyToken {
        self.peek_n(0)
    }

    fn peek_n(&self, n: usize) -> &PyToken {
        // `tokenize` always ends the vector with `End`, so `last` exists.
        const FALLBACK: PyToken = PyToken {
            tok: PyTok::End,
            line: 1,
            col: 1,
        };
        self.pos
            .checked_add(n)
            .and_then(|i| self.toks.get(i))
            .or(self.toks.last())
            .unwrap_or(&FALLBACK)
    }

    fn bump(&mut self) -> PyToken {
        let t = self.peek().clone();
        if self.pos.saturating_add(1) < self.toks.len() {
            self.pos += 1;
        }
        t
    }

    fn is_op(&self, op: &str) -> bool {
        matches!(&self.peek().tok, PyTok::Op(o) if *o == op)
    }

    fn eat_op(&mut self, op: &str) -> bool {
        let yes = self.is_op(op);
        if yes {
            self.bump();
        }
        yes
    }

    fn is_name(&self, n: &str) -> bool {
        matches!(&self.peek().tok, PyTok::Name(x) if x == n)
    }

    fn refuse(&self, what: &str) -> Unsupported {
        let t = self.peek();
        Unsupported {
            construct: what.to_string(),
            line: t.line,
            col: t.col,
        }
    }

    fn expect_op(&mut self, op: &str, context: &str) -> Result<(), Unsupported> {
        if self.eat_op(op) {
            Ok(())
        } else {
            Err(self.refuse(&format!("invalid syntax (expected `{op}` {context})")))
        }
    }

    fn statement(&mut self) -> Result<Statement, Unsupported> {
        let line = self.peek().line;
        let kind = if self.is_name("assert") {
            self.bump();
            let cond = self.test()?;
            let message = if self.eat_op(",") {
                Some(self.test()?)
            } else {
                None
            };
            StatementKind::Assert { cond, message }
        } else if self.is_name("print") && self.peek_n(1).tok == PyTok::Op("(") {
            self.bump();
            self.bump();
            StatementKind::Print(self.call_args()?)
        } else if let PyTok::Name(target) = self.peek().tok.clone() {
            let next = &self.peek_n(1).tok;
            let op = AUGMENTED
                .iter()
                .find(|(s, _)| matches!(next, PyTok::Op(o) if o == s))
                .map(|(_, op)| *op);
            if matches!(next, PyTok::Op("=")) || op.is_some() {
                if REFUSED_KEYWORDS.contains(&target.as_str())
                    || target == "print"
                    || target == "assert"
                {
                    return Err(self.refuse(&format!("`{target}`")));
                }
                self.bump();
                self.bump();
                let value = self.tuple_or_test()?;
                if self.is_op("=") {
                    return Err(self.refuse("chained assignment"));
                }
                StatementKind::Assign { target, op, value }
            } else {
                return Err(self.expression_statement());
            }
        } else {
            return Err(self.expression_statement());
        };
        Ok(Statement { line, kind })
    }

    /// Names why a statement that is not assert/assign/print is refused.
    fn expression_statement(&mut self) -> Unsupported {
        if let PyTok::Name(n) = &self.peek().tok {
            if REFUSED_KEYWORDS.contains(&n.as_str()) {
                return self.refuse(&format!("`{n}`"));
            }
            if n == "print" {
                return self.refuse("the Python 2 `print` statement");
            }
        }
        match self.test() {
            Err(e) => e,
            Ok(_) if self.is_op("=") => {
                self.refuse("assignment to something other than a plain name")
            }
            Ok(_) => self.refuse("an expression statement (its value would be discarded)"),
        }
    }

    /// Arguments after `print(`, through the `)`.
    fn call_args(&mut self) -> Result<Vec<PyExpr>, Unsupported> {
        let mut args = Vec::new();
        while !self.eat_op(")") {
            if let (PyTok::Name(k), PyTok::Op("=")) = (&self.peek().tok, &self.peek_n(1).tok) {
                return Err(self.refuse(&format!("the keyword argument `{k}=`")));
            }
            args.push(self.test()?);
            if !self.eat_op(",") {
                self.expect_op(")", "to close `print(`")?;
                break;
            }
        }
        Ok(args)
    }

    /// `a, b` (a tuple without parentheses) or a single expression.
    fn tuple_or_test(&mut self) -> Result<PyExpr, Unsupported> {
        let first = self.test()?;
        if !self.is_op(",") {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.eat_op(",") {
            if self.peek().tok == PyTok::End {
                break;
            }
            items.push(self.test()?);
        }
        Ok(PyExpr::Tuple(items))
    }

    fn deeper<T>(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<T, Unsupported>,
    ) -> Result<T, Unsupported> {
        if self.depth >= MAX_PY_DEPTH {
            return Err(self.refuse(&format!(
                "an expression nested deeper than {MAX_PY_DEPTH} levels"
            )));
        }
        self.depth += 1;
        let r = f(self);
        self.depth = self.depth.saturating_sub(1);
        r
    }

    /// `or` / `and` / `not` / comparison levels.
    fn test(&mut self) -> Result<PyExpr, Unsupported> {
        self.deeper(|p| {
            let e = p.bool_chain("or")?;
            if p.is_name("if") {
                return Err(p.refuse("a conditional expression (`x if c else y`)"));
            }
            Ok(e)
        })
    }

    fn bool_chain(&mut self, word: &str) -> Result<PyExpr, Unsupported> {
        let sub = |p: &mut Self| {
            if word == "or" {
                p.bool_chain("and")
            } else {
                p.not_test()
            }
        };
        let first = sub(self)?;
        if !self.is_name(word) {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.is_name(word) {
            self.bump();
            items.push(sub(self)?);
        }
        Ok(if word == "or" {
            PyExpr::Or(items)
        } else {
            PyExpr::And(items)
        })
    }

    fn not_test(&mut self) -> Result<PyExpr, Unsupported> {
        if self.is_name("not") {
            self.bump();
            let operand = Box::new(self.deeper(|p| p.not_test())?);
            return Ok(PyExpr::Unary {
                op: UnaryOp::Not,
                operand,
            });
        }
        let first = self.binary(0)?;
        let mut rest = Vec::new();
        loop {
            let not_in =
                self.is_name("not") && matches!(&self.peek_n(1).tok, PyTok::Name(n) if n == "in");
            if self.is_name("in") || self.is_name("is") || not_in {
                return Err(self.refuse("an `in` / `is` comparison"));
            }
            let Some((_, op)) = COMPARISONS.iter().find(|(s, _)| self.is_op(s)) else {
                break;
            };
            self.bump();
            rest.push((*op, self.binary(0)?));
        }
        Ok(if rest.is_empty() {
            first
        } else {
            PyExpr::Compare {
                first: Box::new(first),
                rest,
            }
        })
    }

    /// Left-associative binary operators from `LEVELS[level]` inward.
    fn binary(&mut self, level: usize) -> Result<PyExpr, Unsupported> {
        let Some(ops) = LEVELS.get(level) else {
            return self.unary();
        };
        let mut lhs = self.binary(level + 1)?;
        while let Some((_, op)) = ops.iter().find(|(s, _)| self.is_op(s)) {
            self.bump();
            let rhs = self.binary(level + 1)?;
            lhs = PyExpr::Binary {
                op: *op,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
            };
        }
        Ok(lhs)
    }

    fn unary(&mut self) -> Result<PyExpr, Unsupported> {
        let op = match &self.peek().tok {
            PyTok::Op("-") => UnaryOp::Neg,
            PyTok::Op("+") => UnaryOp::Pos,
            PyTok::Op("~") => UnaryOp::Invert,
            _ => return self.power(),
        };
        self.bump();
        let operand = Box::new(self.deeper(|p| p.unary())?);
        Ok(PyExpr::Unary { op, operand })
    }

    /// `atom ** unary` (right-associative, tighter than unary on its left).
    fn power(&mut self) -> Result<PyExpr, Unsupported> {
        let base = self.atom()?;
        if !self.eat_op("**") {
            return Ok(base);
        }
        let exp = self.deeper(|p| p.unary())?;
        Ok(PyExpr::Binary {
            op: BinOp::Pow,
            lhs: Box::new(base),
            rhs: Box::new(exp),
        })
    }

    fn atom(&mut self) -> Result<PyExpr, Unsupported> {
        let t = self.peek().clone();
        let e = match t.tok {
            PyTok::Int(v) => {
                self.bump();
                PyExpr::Int(v)
            }
            PyTok::Str(_) => {
                let mut s = String::new();
                while let PyTok::Str(part) = &self.peek().tok {
                    s.push_str(part);
                    self.bump();
                }
                PyExpr::Str(s)
            }
            PyTok::Name(ref n) if n == "True" || n == "False" => {
                self.bump();
                PyExpr::Bool(n == "True")
            }
            PyTok::Name(ref n)
                if REFUSED_KEYWORDS.contains(&n.as_str()) || n == "assert" || n == "not" =>
            {
                return Err(self.refuse(&format!("`{n}`")));
            }
            PyTok::Name(n) => {
                self.bump();
                if self.is_op("(") {
                    return Err(self.refuse(&format!(
                        "a call to `{n}()` (only `print(...)` statements are supported)"
                    )));
                }
                PyExpr::Name(n)
            }
            PyTok::Op("(") => {
                self.bump();
                if self.eat_op(")") {
                    PyExpr::Tuple(Vec::new())
                } else {
                    let inner = self.deeper(|p| p.tuple_or_test())?;
                    self.expect_op(")", "to close `(`")?;
                    inner
                }
            }
            PyTok::Op("[") => return Err(self.refuse("a list")),
            PyTok::Op("{") => return Err(self.refuse("a dict or set")),
            PyTok::End => return Err(self.refuse("invalid syntax (expected an expression)")),
            PyTok::Op(op) => {
                return Err(self.refuse(&format!("invalid syntax (unexpected `{op}`)")));
            }
        };
        match &self.peek().tok {
            PyTok::Op(".") => Err(self.refuse("attribute access (`.`)")),
            PyTok::Op("[") => Err(self.refuse("subscripting (`[...]`)")),
            PyTok::Op("(") => Err(self.refuse("calling a value")),
            _ => Ok(e),
        }
    }
}
