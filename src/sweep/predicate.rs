//! `--find`'s predicates: comparisons over a run's metrics joined with `&&`,
//! `||` and `!`, with parentheses.
//!
//! ```text
//! rst > 0
//! retransmissions >= 3 && completion_ms > 1000
//! !intact || (time_limit && seed != 7)
//! ```
//!
//! Names are the metrics of [`super::metrics::METRICS`]; numbers
//! are decimals; `true` and `false` are 1 and 0. A bare metric is true when
//! it is not zero. `&&` binds tighter than `||`, as in C and Rust.

use super::metrics::{METRICS, RunRow};
use crate::scenario::clip;

/// A parsed predicate.
#[derive(Debug, Clone, PartialEq)]
pub struct Predicate {
    text: String,
    expr: Expr,
}

#[derive(Debug, Clone, PartialEq)]
enum Expr {
    Number(f64),
    Metric(String),
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Compare(Box<Expr>, Op, Box<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Number(f64),
    Name(String),
    Op(Op),
    And,
    Or,
    Not,
    Open,
    Close,
}

/// A parse error: what went wrong and at which byte of the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PredicateError {
    /// The predicate as written.
    pub text: String,
    /// Byte offset of the error in `text`.
    pub at: usize,
    /// What is wrong.
    pub message: String,
}

/// Longest predicate accepted, in bytes: every `&&` is a level of the
/// evaluator's recursion, so length bounds its depth too.
pub const MAX_LEN: usize = 1000;
/// Deepest nesting of `(` and `!` accepted (the parser recurses on each).
pub const MAX_NESTING: usize = 32;
/// How much of the predicate an error quotes, around the error.
const QUOTED: usize = 80;

impl std::fmt::Display for PredicateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let chars: Vec<char> = self.text.chars().collect();
        let col = self.text[..self.at.min(self.text.len())].chars().count();
        // A window of at most QUOTED characters around the error.
        let start = col
            .saturating_sub(QUOTED / 2)
            .min(chars.len().saturating_sub(QUOTED));
        let end = (start + QUOTED).min(chars.len());
        let before = if start > 0 { "…" } else { "" };
        let after = if end < chars.len() { "…" } else { "" };
        let shown: String = chars[start..end].iter().collect();
        writeln!(f, "invalid --find predicate: {}", self.message)?;
        writeln!(f, "  {before}{shown}{after}")?;
        write!(f, "  {}^", " ".repeat(col - start + before.chars().count()))
    }
}

impl std::error::Error for PredicateError {}

impl Predicate {
    /// Parse a predicate such as `rst > 0 && retransmissions >= 2`.
    pub fn parse(text: &str) -> Result<Predicate, PredicateError> {
        let err = |at: usize, message: String| PredicateError {
            text: text.to_string(),
            at,
            message,
        };
        if text.len() > MAX_LEN {
            return Err(err(
                MAX_LEN,
                format!(
                    "the predicate is {} bytes long; the limit is {MAX_LEN}",
                    text.len()
                ),
            ));
        }
        let tokens = lex(text).map_err(|(at, m)| err(at, m))?;
        let mut p = Parser {
            tokens: &tokens,
            pos: 0,
            end: text.len(),
            depth: 0,
        };
        let expr = p.or().map_err(|(at, m)| err(at, m))?;
        if let Some((at, t)) = tokens.get(p.pos) {
            return Err(err(*at, format!("unexpected {}", describe(t))));
        }
        Ok(Predicate {
            text: text.to_string(),
            expr,
        })
    }

    /// The predicate as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether the predicate holds for one run.
    pub fn holds(&self, row: &RunRow) -> bool {
        eval(&self.expr, row) != 0.0
    }
}

fn eval(e: &Expr, row: &RunRow) -> f64 {
    let truth = |b: bool| if b { 1.0 } else { 0.0 };
    match e {
        Expr::Number(n) => *n,
        Expr::Metric(name) => row.metric(name).expect("checked when parsed"),
        Expr::Not(a) => truth(eval(a, row) == 0.0),
        Expr::And(a, b) => truth(eval(a, row) != 0.0 && eval(b, row) != 0.0),
        Expr::Or(a, b) => truth(eval(a, row) != 0.0 || eval(b, row) != 0.0),
        Expr::Compare(a, op, b) => {
            let (a, b) = (eval(a, row), eval(b, row));
            truth(match op {
                Op::Eq => a == b,
                Op::Ne => a != b,
                Op::Lt => a < b,
                Op::Le => a <= b,
                Op::Gt => a > b,
                Op::Ge => a >= b,
            })
        }
    }
}

fn describe(t: &Token) -> String {
    match t {
        Token::Number(n) => format!("number {n}"),
        Token::Name(n) => format!("name `{n}`"),
        Token::Op(_) => "comparison".to_string(),
        Token::And => "`&&`".to_string(),
        Token::Or => "`||`".to_string(),
        Token::Not => "`!`".to_string(),
        Token::Open => "`(`".to_string(),
        Token::Close => "`)`".to_string(),
    }
}

type Spanned = (usize, Token);

fn lex(text: &str) -> Result<Vec<Spanned>, (usize, String)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let two = text.get(i..i + 2).unwrap_or("");
        let (token, len) = match c {
            b' ' | b'\t' | b'\n' => {
                i += 1;
                continue;
            }
            b'(' => (Token::Open, 1),
            b')' => (Token::Close, 1),
            _ if two == "&&" => (Token::And, 2),
            _ if two == "||" => (Token::Or, 2),
            _ if two == "==" => (Token::Op(Op::Eq), 2),
            _ if two == "!=" => (Token::Op(Op::Ne), 2),
            _ if two == "<=" => (Token::Op(Op::Le), 2),
            _ if two == ">=" => (Token::Op(Op::Ge), 2),
            b'<' => (Token::Op(Op::Lt), 1),
            b'>' => (Token::Op(Op::Gt), 1),
            b'!' => (Token::Not, 1),
            b'=' => return Err((i, "`=` is not an operator; write `==`".to_string())),
            b'&' | b'|' => {
                let op = if c == b'&' { "&&" } else { "||" };
                return Err((i, format!("write `{op}`")));
            }
            b'0'..=b'9' | b'.' => {
                // Letters and digits run on (`1e999`, `5ms`): one word, then
                // judged whole, so no part of it is taken for a metric.
                let len = text[i..]
                    .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '.' || ch == '_'))
                    .unwrap_or(text.len() - i);
                let word = &text[i..i + len];
                let n = word
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b == b'.')
                    .then(|| word.parse::<f64>().ok())
                    .flatten()
                    .filter(|n| n.is_finite())
                    .ok_or_else(|| {
                        (
                            i,
                            format!(
                                "`{}` is not a number; write plain decimals such as 1000 or 0.5",
                                clip(word)
                            ),
                        )
                    })?;
                (Token::Number(n), len)
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                let len = text[i..]
                    .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_'))
                    .unwrap_or(text.len() - i);
                let name = &text[i..i + len];
                let shown = format!("`{}`", clip(name));
                let token = match name {
                    "true" => Token::Number(1.0),
                    "false" => Token::Number(0.0),
                    "and" => Token::And,
                    "or" => Token::Or,
                    "not" => Token::Not,
                    _ => {
                        if RunRow::default_probe().metric(name).is_none() {
                            let names: Vec<&str> = METRICS.iter().map(|(n, _)| *n).collect();
                            return Err((
                                i,
                                format!(
                                    "unknown metric {shown}; known metrics: {}",
                                    names.join(", ")
                                ),
                            ));
                        }
                        Token::Name(name.to_string())
                    }
                };
                (token, len)
            }
            _ => {
                let ch = text[i..].chars().next().unwrap_or('?');
                return Err((i, format!("unexpected character {ch:?}")));
            }
        };
        out.push((i, token));
        i += len;
    }
    Ok(out)
}

struct Parser<'t> {
    tokens: &'t [Spanned],
    pos: usize,
    end: usize,
    /// Open `(` and `!` around the current position.
    depth: usize,
}

type Parsed = Result<Expr, (usize, String)>;

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos).map(|(_, t)| t)
    }

    fn here(&self) -> usize {
        self.tokens.get(self.pos).map_or(self.end, |(at, _)| *at)
    }

    fn or(&mut self) -> Parsed {
        let mut left = self.and()?;
        while self.peek() == Some(&Token::Or) {
            self.pos += 1;
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Parsed {
        let mut left = self.not()?;
        while self.peek() == Some(&Token::And) {
            self.pos += 1;
            left = Expr::And(Box::new(left), Box::new(self.not()?));
        }
        Ok(left)
    }

    fn not(&mut self) -> Parsed {
        if self.peek() == Some(&Token::Not) {
            self.enter()?;
            self.pos += 1;
            let inner = self.not()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(inner)));
        }
        self.compare()
    }

    /// One more level of `(` or `!`, refused past [`MAX_NESTING`].
    fn enter(&mut self) -> Result<(), (usize, String)> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err((
                self.here(),
                format!("nested deeper than {MAX_NESTING} levels of `(` and `!`"),
            ));
        }
        Ok(())
    }

    fn compare(&mut self) -> Parsed {
        let left = self.atom()?;
        if let Some(Token::Op(op)) = self.peek() {
            let op = *op;
            self.pos += 1;
            let right = self.atom()?;
            if let Some(Token::Op(_)) = self.peek() {
                return Err((
                    self.here(),
                    "comparisons do not chain; join them with &&".to_string(),
                ));
            }
            return Ok(Expr::Compare(Box::new(left), op, Box::new(right)));
        }
        Ok(left)
    }

    fn atom(&mut self) -> Parsed {
        let at = self.here();
        let token = self.peek().cloned();
        match token {
            Some(Token::Number(n)) => {
                self.pos += 1;
                Ok(Expr::Number(n))
            }
            Some(Token::Name(n)) => {
                self.pos += 1;
                Ok(Expr::Metric(n))
            }
            Some(Token::Open) => {
                self.enter()?;
                self.pos += 1;
                let inner = self.or()?;
                self.depth -= 1;
                if self.peek() != Some(&Token::Close) {
                    return Err((self.here(), "expected `)`".to_string()));
                }
                self.pos += 1;
                Ok(inner)
            }
            Some(t) => Err((
                at,
                format!("expected a metric, a number or `(`, found {}", describe(&t)),
            )),
            None => Err((
                at,
                "unexpected end; expected a metric, a number or `(`".to_string(),
            )),
        }
    }
}

impl RunRow {
    /// A row of zeros, to ask which names are metrics.
    fn default_probe() -> RunRow {
        RunRow {
            run: 0,
            cell: 0,
            seed: 0,
            ending: String::new(),
            completion_us: 0,
            intact: false,
            ended_fin: 0,
            ended_rst: 0,
            ended_open: 0,
            frames: 0,
            data_segments: 0,
            retransmissions: 0,
            dup_acks: 0,
            rsts: 0,
            dropped: 0,
            duplicated: 0,
            payload_bytes: 0,
            sent_bytes: 0,
            delivered_bytes: 0,
            rto: 0,
            fast_retransmits: 0,
            tlp: 0,
            spurious: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> RunRow {
        RunRow {
            rsts: 2,
            retransmissions: 3,
            completion_us: 1_500_000,
            intact: true,
            seed: 9,
            ending: "finished".into(),
            ..RunRow::default_probe()
        }
    }

    fn holds(text: &str) -> bool {
        Predicate::parse(text).unwrap().holds(&row())
    }

    #[test]
    fn comparisons_and_connectives() {
        assert!(holds("rst > 0"));
        assert!(!holds("rst > 2"));
        assert!(holds("rst >= 2 && retx == 3"));
        assert!(holds("rst > 5 || completion_ms > 1000"));
        assert!(!holds("!intact"));
        assert!(holds("intact && finished"));
        assert!(holds("!(seed == 8)"));
        assert!(holds("seed != 8 and not time_limit"));
        // && binds tighter than ||: true || (false && false).
        assert!(holds("rst == 2 || rst == 0 && rst == 1"));
        assert!(holds("completion_ms == 1500.0"));
    }

    #[test]
    fn errors_point_at_the_problem() {
        let e = Predicate::parse("rst >> 0").unwrap_err();
        assert_eq!(e.at, 5);
        assert!(e.to_string().contains("expected a metric"), "{e}");
        assert!(e.to_string().ends_with("\n  rst >> 0\n       ^"), "{e}");
        let e = Predicate::parse("rts > 0").unwrap_err();
        assert!(e.message.starts_with("unknown metric `rts`"), "{e}");
        assert_eq!(Predicate::parse("rst = 1").unwrap_err().at, 4);
        assert!(Predicate::parse("(rst > 0").is_err());
        assert!(Predicate::parse("rst > 0 )").is_err());
        assert!(Predicate::parse("1 < rst < 3").is_err());
        assert!(Predicate::parse("").is_err());
    }
}
