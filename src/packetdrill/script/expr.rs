//! System call arguments and results: packetdrill's expression language.
//!
//! An expression is operands joined by `|` (bitwise or). Operands are
//! `...`, integers (decimal or `0x`, optionally negated), symbols, strings
//! (adjacent ones concatenated, `"..."...` for a prefix), arrays `[...]`,
//! struct initialisers `{...}`, helper calls `name(...)` and `name=value`.
//! packetdrill's grammar has a dedicated rule for each struct it knows
//! (sockaddr, msghdr, pollfd, ...); one generic initialiser with named,
//! named-with-argument (`msg_iov(1)=...`) and positional fields accepts all
//! of them, and the runner checks field names where it uses them.
//!
//! All recursion passes through `Parser::expr`, which counts depth.

use crate::packetdrill::script::ast::{Expr, Field};
use crate::packetdrill::script::error::{ParseError, quote};
use crate::packetdrill::script::lex::Tok;
use crate::packetdrill::script::parse::Parser;

impl Parser<'_> {
    /// Comma-separated expressions up to `close`, which is consumed.
    pub(crate) fn list(&mut self, close: char, what: &str) -> Result<Vec<Expr>, ParseError> {
        let mut items = Vec::new();
        if self.eat_punct(close) {
            return Ok(items);
        }
        loop {
            items.push(self.expr()?);
            if self.eat_punct(close) {
                return Ok(items);
            }
            self.expect_punct(',', &format!("or `{close}` in {what}"))?;
        }
    }

    /// An expression: operands joined by `|`.
    pub(crate) fn expr(&mut self) -> Result<Expr, ParseError> {
        self.nested(|p| {
            let first = p.operand()?;
            if !p.peek().is_punct('|') {
                return Ok(first);
            }
            let mut parts = vec![first];
            while p.eat_punct('|') {
                parts.push(p.operand()?);
            }
            Ok(Expr::BitOr(parts))
        })
    }

    fn operand(&mut self) -> Result<Expr, ParseError> {
        let t = self.peek().clone();
        match &t.tok {
            Tok::Ellipsis => {
                self.next();
                Ok(Expr::Ellipsis)
            }
            Tok::Int | Tok::Hex => Ok(Expr::Int(self.signed(false)?)),
            Tok::Punct('-') => {
                self.next();
                if !matches!(self.peek().tok, Tok::Int | Tok::Hex) {
                    return Err(self.err(self.peek(), "expected a number after `-`"));
                }
                Ok(Expr::Int(self.signed(true)?))
            }
            Tok::Str(_) => {
                let mut bytes = Vec::new();
                while let Tok::Str(b) = &self.peek().tok {
                    bytes.extend_from_slice(b);
                    self.next();
                }
                if self.peek().tok == Tok::Ellipsis {
                    self.next();
                    return Ok(Expr::StrPrefix(bytes));
                }
                Ok(Expr::Str(bytes))
            }
            Tok::Punct('[') => {
                self.next();
                Ok(Expr::Array(self.list(']', "the array")?))
            }
            Tok::Punct('{') => {
                self.next();
                Ok(Expr::Struct(self.fields()?))
            }
            Tok::Word => {
                let name = self.next().text;
                if self.calls_allowed && self.eat_punct('(') {
                    let args = self.list(')', &format!("the arguments of `{}`", quote(&name)))?;
                    return Ok(Expr::Call { name, args });
                }
                if self.eat_punct('=') {
                    let value = Box::new(self.expr()?);
                    return Ok(Expr::Named { name, value });
                }
                Ok(Expr::Symbol(name))
            }
            _ => Err(self.err(
                &t,
                "expected an expression (a number, symbol, string, `...`, `[...]` or `{...}`)",
            )),
        }
    }

    /// An `Int` or `Hex` token as an `i64`, negated if `negative`.
    fn signed(&mut self, negative: bool) -> Result<i64, ParseError> {
        let t = self.peek().clone();
        let magnitude = self.uint("integer", u64::MAX)?;
        let value = if negative {
            0i64.checked_sub_unsigned(magnitude)
        } else {
            i64::try_from(magnitude).ok()
        };
        value.ok_or_else(|| self.err(&t, "integer out of range for a 64-bit signed value"))
    }

    /// The fields of a `{...}` initialiser (the `{` is already consumed).
    fn fields(&mut self) -> Result<Vec<Field>, ParseError> {
        let mut fields = Vec::new();
        if self.eat_punct('}') {
            return Ok(fields);
        }
        loop {
            fields.push(self.field()?);
            if self.eat_punct('}') {
                return Ok(fields);
            }
            self.expect_punct(',', "or `}` in the `{...}` initialiser")?;
        }
    }

    /// `name=value`, `name(arg)=value` or a positional value.
    fn field(&mut self) -> Result<Field, ParseError> {
        let t = self.peek().clone();
        if t.tok == Tok::Word {
            if self.peek_n(1).is_punct('=') {
                self.next();
                self.next();
                return Ok(Field {
                    name: Some(t.text),
                    arg: None,
                    value: self.expr()?,
                });
            }
            if self.peek_n(1).is_punct('(') {
                // Either `msg_iov(1)=[...]` or a call used as a value.
                let save = self.pos;
                self.next();
                self.next();
                let args = self.list(')', &format!("the arguments of `{}`", quote(&t.text)))?;
                if self.eat_punct('=') {
                    let mut args = args.into_iter();
                    let (Some(arg), None) = (args.next(), args.next()) else {
                        return Err(self.err(
                            &t,
                            format!("`{}(...)=` takes exactly one argument", quote(&t.text)),
                        ));
                    };
                    return Ok(Field {
                        name: Some(t.text),
                        arg: Some(arg),
                        value: self.expr()?,
                    });
                }
                self.pos = save;
            }
        }
        Ok(Field {
            name: None,
            arg: None,
            value: self.expr()?,
        })
    }
}
