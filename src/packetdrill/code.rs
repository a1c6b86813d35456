//! `%{ ... }%` blocks, evaluated natively against the host's `tcp_info`
//! (packetdrill hands them to Python with the socket's tcp_info as
//! `tcpi_*` variables; tcpsim reads the same fields from its sender).

use std::collections::BTreeMap;

use crate::linux::sockopt::SocketInfo;
use crate::packetdrill::script::assert::{
    BinOp, CmpOp, PyExpr, Statement, StatementKind, UnaryOp, parse_code,
};
use crate::packetdrill::symbols::symbol;

/// Reads one field of a [`SocketInfo`].
type Field = fn(&SocketInfo) -> i64;

/// The `tcpi_*` fields tcpsim knows, read from a [`TcpInfo`].
const FIELDS: &[(&str, Field)] = &[
    ("tcpi_ca_state", |i| i64::from(i.tcp.ca_state)),
    ("tcpi_retransmits", |i| i64::from(i.tcp.retransmits)),
    ("tcpi_backoff", |i| i64::from(i.tcp.backoff)),
    ("tcpi_rto", |i| i.tcp.rto as i64),
    ("tcpi_snd_mss", |i| i64::from(i.tcp.snd_mss)),
    ("tcpi_unacked", |i| i64::from(i.tcp.unacked)),
    ("tcpi_sacked", |i| i64::from(i.tcp.sacked)),
    ("tcpi_lost", |i| i64::from(i.tcp.lost)),
    ("tcpi_retrans", |i| i64::from(i.tcp.retrans)),
    ("tcpi_rtt", |i| i.tcp.rtt as i64),
    ("tcpi_rttvar", |i| i.tcp.rttvar as i64),
    ("tcpi_snd_ssthresh", |i| i64::from(i.tcp.snd_ssthresh)),
    ("tcpi_snd_cwnd", |i| i64::from(i.tcp.snd_cwnd)),
    ("tcpi_total_retrans", |i| i64::from(i.tcp.total_retrans)),
    ("tcpi_bytes_acked", |i| i.tcp.bytes_acked as i64),
    ("tcpi_delivered", |i| i64::from(i.tcp.delivered)),
    ("tcpi_min_rtt", |i| i.tcp.min_rtt as i64),
    ("tcpi_advmss", |i| i64::from(i.advmss)),
    ("tcpi_probes", |i| i64::from(i.probes)),
    ("tcpi_last_data_recv", |i| i.last_data_recv as i64),
    ("tcpi_reordering", |i| i64::from(i.reordering)),
    ("tcpi_reord_seen", |i| i64::from(i.reord_seen)),
];

/// A value of the Python subset.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Int(i64),
    Str(String),
    Tuple(Vec<Value>),
}

impl Value {
    fn truthy(&self) -> bool {
        match self {
            Value::Int(v) => *v != 0,
            Value::Str(s) => !s.is_empty(),
            Value::Tuple(t) => !t.is_empty(),
        }
    }

    fn show(&self) -> String {
        match self {
            Value::Int(v) => v.to_string(),
            Value::Str(s) => s.clone(),
            Value::Tuple(t) => {
                let parts: Vec<String> = t.iter().map(Value::show).collect();
                format!("({})", parts.join(", "))
            }
        }
    }
}

/// A block checked before the run: its statements, or why tcpsim cannot
/// evaluate it (the script is then skipped).
pub(crate) fn prepare(text: &str, assigned: &mut Vec<String>) -> Result<Vec<Statement>, String> {
    let stmts = parse_code(text).map_err(|u| u.to_string())?;
    let mut unknown: Option<String> = None;
    for st in &stmts {
        let mut check = |e: &PyExpr| {
            e.visit_names(&mut |n| {
                let known = FIELDS.iter().any(|(f, _)| *f == n)
                    || symbol(n).is_some()
                    || assigned.iter().any(|a| a == n);
                if !known && unknown.is_none() {
                    unknown = Some(n.to_string());
                }
            })
        };
        match &st.kind {
            StatementKind::Assert { cond, message } => {
                check(cond);
                if let Some(m) = message {
                    check(m);
                }
            }
            StatementKind::Assign { target, value, .. } => {
                check(value);
                assigned.push(target.clone());
            }
            StatementKind::Print(args) => args.iter().for_each(&mut check),
        }
    }
    match unknown {
        Some(n) if n.starts_with("tcpi_") => Err(format!(
            "%{{ }}% block reads {n}, which tcpsim does not model"
        )),
        Some(n) => Err(format!("%{{ }}% block reads `{n}`, which is not defined")),
        None => Ok(stmts),
    }
}

/// Variables assigned by earlier blocks (Python keeps them across blocks).
#[derive(Debug, Default)]
pub(crate) struct Globals(BTreeMap<String, Value>);

/// Run a block with `info`; `Ok(printed lines)` or the failed assertion.
pub(crate) fn run(
    stmts: &[Statement],
    info: &SocketInfo,
    globals: &mut Globals,
) -> Result<Vec<String>, String> {
    let mut printed = Vec::new();
    for st in stmts {
        let ev = |e: &PyExpr, g: &Globals| eval(e, info, g);
        match &st.kind {
            StatementKind::Assert { cond, message } => {
                if !ev(cond, globals)?.truthy() {
                    let msg = match message {
                        Some(m) => format!("AssertionError: {}", ev(m, globals)?.show()),
                        None => "AssertionError".to_string(),
                    };
                    return Err(format!(
                        "assertion failed in %{{ }}% block line {}: {msg}",
                        st.line
                    ));
                }
            }
            StatementKind::Assign { target, op, value } => {
                let v = ev(value, globals)?;
                let v = match op {
                    None => v,
                    Some(op) => {
                        let cur = globals
                            .0
                            .get(target)
                            .cloned()
                            .ok_or_else(|| format!("`{target}` is not defined"))?;
                        binary(*op, cur, v)?
                    }
                };
                globals.0.insert(target.clone(), v);
            }
            StatementKind::Print(args) => {
                let parts: Result<Vec<String>, String> = args
                    .iter()
                    .map(|a| ev(a, globals).map(|v| v.show()))
                    .collect();
                printed.push(parts?.join(" "));
            }
        }
    }
    Ok(printed)
}

fn eval(e: &PyExpr, info: &SocketInfo, g: &Globals) -> Result<Value, String> {
    Ok(match e {
        PyExpr::Int(v) => Value::Int(*v),
        PyExpr::Bool(b) => Value::Int(i64::from(*b)),
        PyExpr::Str(s) => Value::Str(s.clone()),
        PyExpr::Name(n) => {
            if let Some((_, f)) = FIELDS.iter().find(|(f, _)| f == n) {
                Value::Int(f(info))
            } else if let Some(v) = g.0.get(n) {
                v.clone()
            } else {
                Value::Int(symbol(n).ok_or_else(|| format!("`{n}` is not defined"))?)
            }
        }
        PyExpr::Tuple(items) => Value::Tuple(
            items
                .iter()
                .map(|i| eval(i, info, g))
                .collect::<Result<_, _>>()?,
        ),
        PyExpr::Unary { op, operand } => {
            let v = eval(operand, info, g)?;
            match (op, v) {
                (UnaryOp::Not, v) => Value::Int(i64::from(!v.truthy())),
                (UnaryOp::Neg, Value::Int(x)) => Value::Int(x.checked_neg().ok_or("overflow")?),
                (UnaryOp::Pos, Value::Int(x)) => Value::Int(x),
                (UnaryOp::Invert, Value::Int(x)) => Value::Int(!x),
                _ => return Err("bad operand type for unary operator".to_string()),
            }
        }
        PyExpr::Binary { op, lhs, rhs } => binary(*op, eval(lhs, info, g)?, eval(rhs, info, g)?)?,
        PyExpr::Compare { first, rest } => {
            let mut left = eval(first, info, g)?;
            for (op, right) in rest {
                let right = eval(right, info, g)?;
                let holds = match (&left, &right) {
                    (Value::Int(a), Value::Int(b)) => cmp(*op, a, b),
                    (Value::Str(a), Value::Str(b)) => cmp(*op, a, b),
                    _ => matches!(op, CmpOp::Ne),
                };
                if !holds {
                    return Ok(Value::Int(0));
                }
                left = right;
            }
            Value::Int(1)
        }
        PyExpr::And(items) => {
            let mut last = Value::Int(1);
            for i in items {
                last = eval(i, info, g)?;
                if !last.truthy() {
                    break;
                }
            }
            last
        }
        PyExpr::Or(items) => {
            let mut last = Value::Int(0);
            for i in items {
                last = eval(i, info, g)?;
                if last.truthy() {
                    break;
                }
            }
            last
        }
    })
}

fn cmp<T: PartialOrd>(op: CmpOp, a: &T, b: &T) -> bool {
    match op {
        CmpOp::Eq => a == b,
        CmpOp::Ne => a != b,
        CmpOp::Lt => a < b,
        CmpOp::Le => a <= b,
        CmpOp::Gt => a > b,
        CmpOp::Ge => a >= b,
    }
}

fn binary(op: BinOp, a: Value, b: Value) -> Result<Value, String> {
    if let (BinOp::Mod, Value::Str(fmt)) = (op, &a) {
        return Ok(Value::Str(format_percent(fmt, &b)));
    }
    let (Value::Int(x), Value::Int(y)) = (&a, &b) else {
        return Err("unsupported operand types".to_string());
    };
    let (x, y) = (*x, *y);
    let overflow = || "integer overflow".to_string();
    let v = match op {
        BinOp::Add => x.checked_add(y).ok_or_else(overflow)?,
        BinOp::Sub => x.checked_sub(y).ok_or_else(overflow)?,
        BinOp::Mul => x.checked_mul(y).ok_or_else(overflow)?,
        BinOp::Div | BinOp::FloorDiv | BinOp::Mod if y == 0 => {
            return Err("division by zero".to_string());
        }
        BinOp::Div if x % y != 0 => {
            return Err("true division with a remainder (a float)".to_string());
        }
        BinOp::Div | BinOp::FloorDiv => x.div_euclid(y) - i64::from(y < 0 && x.rem_euclid(y) != 0),
        BinOp::Mod => x.rem_euclid(y) + if y < 0 && x.rem_euclid(y) != 0 { y } else { 0 },
        BinOp::Pow => {
            let e = u32::try_from(y).map_err(|_| "negative exponent".to_string())?;
            x.checked_pow(e).ok_or_else(overflow)?
        }
        BinOp::BitAnd => x & y,
        BinOp::BitOr => x | y,
        BinOp::BitXor => x ^ y,
        BinOp::Shl => x
            .checked_shl(u32::try_from(y).unwrap_or(64))
            .ok_or_else(overflow)?,
        BinOp::Shr => x >> y.clamp(0, 63),
    };
    Ok(Value::Int(v))
}

/// Python's `"%d ... %s" % args` for `%d`, `%s`, `%i`, `%u`, `%x` and `%%`.
fn format_percent(fmt: &str, args: &Value) -> String {
    let args: Vec<Value> = match args {
        Value::Tuple(t) => t.clone(),
        v => vec![v.clone()],
    };
    let mut out = String::new();
    let mut it = args.iter();
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some('x') => match it.next() {
                Some(Value::Int(v)) => out.push_str(&format!("{v:x}")),
                Some(v) => out.push_str(&v.show()),
                None => {}
            },
            Some(_) => {
                if let Some(v) = it.next() {
                    out.push_str(&v.show());
                }
            }
            None => out.push('%'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> SocketInfo {
        SocketInfo {
            tcp: crate::trace::TcpInfo {
                snd_cwnd: 10,
                snd_ssthresh: 5,
                rto: 300_000,
                ..Default::default()
            },
            ..SocketInfo::default()
        }
    }

    #[test]
    fn asserts_read_tcp_info() {
        let stmts = prepare(
            "assert tcpi_snd_cwnd == 10, tcpi_snd_cwnd\nassert 290000 <= tcpi_rto <= 310000",
            &mut Vec::new(),
        )
        .unwrap();
        assert!(run(&stmts, &info(), &mut Globals::default()).is_ok());
        let stmts = prepare(
            "assert tcpi_snd_ssthresh == 7, tcpi_snd_ssthresh",
            &mut Vec::new(),
        )
        .unwrap();
        let err = run(&stmts, &info(), &mut Globals::default()).unwrap_err();
        assert!(err.ends_with("AssertionError: 5"), "{err}");
    }

    #[test]
    fn unknown_fields_are_refused_before_the_run() {
        let err = prepare("assert tcpi_rwnd_limited == 0", &mut Vec::new()).unwrap_err();
        assert!(err.contains("tcpi_rwnd_limited"), "{err}");
    }

    #[test]
    fn variables_live_across_blocks() {
        let mut names = Vec::new();
        let a = prepare("cwnd = tcpi_snd_cwnd", &mut names).unwrap();
        let b = prepare(
            "cwnd += 1\nassert cwnd == 11, '%d vs %d' % (cwnd, 11)",
            &mut names,
        )
        .unwrap();
        let mut g = Globals::default();
        run(&a, &info(), &mut g).unwrap();
        run(&b, &info(), &mut g).unwrap();
    }
}
