//! The syntax tree of a packetdrill script.
//!
//! These types say what a script *asks for*; they do not decide whether
//! tcpsim can honour it. Everything the packetdrill language can express that
//! tcpsim's TCP host may not model (UDP and ICMP packets, IPv6 flow labels,
//! TCP Fast Open, MD5 and AccECN options, shell commands, Python blocks) is
//! still parsed into a value here, so that the runner can refuse it with a
//! precise reason ("udp packets are not supported") instead of the parser
//! failing with a vague syntax error.
//!
//! Times are kept in microseconds, as packetdrill does internally. Numbers
//! that packetdrill range-checks (sequence numbers, windows, option fields)
//! are stored in the narrowest type that holds every valid value, so a runner
//! never has to re-check them.

use std::fmt;

/// A whole `.pkt` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    /// The `--name=value` lines before the first event, in file order. All
    /// are kept, known or not: which ones matter is the runner's decision.
    pub options: Vec<HeaderOption>,
    /// A backquoted shell command before the first event, with no time.
    /// packetdrill runs it once before the script starts (upstream scripts use
    /// it to source `defaults.sh`). It is kept as text and never executed.
    pub init_command: Option<Command>,
    /// The timed events, in file order (at least one).
    pub events: Vec<Event>,
    /// A backquoted shell command after the last event, with no time.
    /// packetdrill runs it when the script ends, even after a failure.
    pub cleanup_command: Option<Command>,
}

/// One `--name` or `--name=value` header line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderOption {
    /// The name without the leading `--`, e.g. `tolerance_usecs`.
    pub name: String,
    /// The text after `=`, with surrounding double quotes removed;
    /// `None` for a bare flag such as `--strict_segments`.
    pub value: Option<String>,
    /// 1-based line of the option.
    pub line: usize,
}

/// An untimed shell command (see [`Script::init_command`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// 1-based line of the opening backquote.
    pub line: usize,
    /// 1-based column of the opening backquote.
    pub col: usize,
    /// The text between the backquotes, verbatim (it may span lines).
    pub text: String,
}

/// One timed line of the script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// 1-based line where the event's time starts.
    pub line: usize,
    /// 1-based column where the event's time starts.
    pub col: usize,
    /// When the event happens (or, for a blocking call, starts).
    pub time: Time,
    /// For a blocking system call written `start...end`, when it returns.
    /// It takes the same base as `time`: after a relative start
    /// (`+.1...0.2`) the end is [`Time::Relative`] and is measured from the
    /// same previous event as the start; after an absolute start it is
    /// [`Time::Absolute`].
    pub end_time: Option<Time>,
    /// What happens.
    pub kind: EventKind,
}

/// An event time. All values are microseconds; packetdrill writes seconds
/// (`0.011` is 11000 us). Digits past the sixth decimal are dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Time {
    /// `0.5`: at this many microseconds after the script started.
    Absolute(u64),
    /// `+0.5`: this many microseconds after the previous event.
    Relative(u64),
    /// `a~b` or `+a~+b`: at any time in the closed range (outbound packets
    /// only). `relative` says whether both ends are `+` times.
    Range {
        /// Both ends were written with `+` (relative to the previous event).
        relative: bool,
        /// The earliest allowed time, in microseconds.
        start: u64,
        /// The latest allowed time, in microseconds.
        end: u64,
    },
    /// `*`: at any time (outbound packets only).
    Any,
}

/// The action of an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    /// A TCP segment injected (`<`) or expected (`>`).
    Packet(Packet),
    /// A UDP or ICMP packet. Parsed so the runner can name it when refusing.
    OtherPacket(OtherPacket),
    /// A system call and its expected result.
    Syscall(Syscall),
    /// A timed backquoted shell command, kept as text and never executed.
    Command(String),
    /// The text inside `%{ ... }%`, spaces and tabs trimmed from both ends as
    /// packetdrill does. See [`crate::packetdrill::script::assert::parse_code`].
    Code(String),
}

/// Which way a packet travels, seen from the host under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// `<`: the script injects it into the host.
    Inbound,
    /// `>`: the host must send it.
    Outbound,
}

/// The IP-level checks or settings written `[ect0]` or `(tos 0x2, flowlabel
/// 0x1)` before a packet's flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IpInfo {
    /// The ECN codepoint, if one was written.
    pub ecn: Option<Ecn>,
    /// The whole TOS / traffic-class byte, from `tos 0xNN`.
    pub tos: Option<u8>,
    /// The IPv6 flow label (20 bits), from `flowlabel 0xNNNNN`.
    pub flow_label: Option<u32>,
    /// The IP TTL / hop limit, from `ttl N`.
    pub ttl: Option<u8>,
}

/// An ECN codepoint in an [`IpInfo`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ecn {
    /// `noecn`: Not-ECT (00).
    NotEct,
    /// `ect0`: ECT(0) (10).
    Ect0,
    /// `ect1`: ECT(1) (01).
    Ect1,
    /// `ce`: Congestion Experienced (11).
    Ce,
    /// `ect01`: either ECT(0) or ECT(1) (outbound packets only).
    Ect0OrEct1,
}

/// TCP header flags, as packetdrill spells them: `S` SYN, `F` FIN, `R` RST,
/// `P` PSH, `.` ACK, `U` URG, `E` ECE, `W` CWR, `A` AE, or one AccECN ACE
/// digit `0`-`7` (which stands for the E, W and A bits together); `-` means
/// no flags at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TcpFlags {
    /// `S`: synchronise sequence numbers.
    pub syn: bool,
    /// `F`: the sender has no more data.
    pub fin: bool,
    /// `R`: reset the connection.
    pub rst: bool,
    /// `P`: push the data to the application.
    pub psh: bool,
    /// `.`: the ACK number is valid.
    pub ack: bool,
    /// `U`: the urgent pointer is valid.
    pub urg: bool,
    /// `E`: ECN echo.
    pub ece: bool,
    /// `W`: congestion window reduced.
    pub cwr: bool,
    /// `A`: the AccECN AE bit.
    pub ae: bool,
    /// The AccECN ACE counter written as a digit; when set, `ece`, `cwr` and
    /// `ae` hold its three bits.
    pub ace: Option<u8>,
}

impl fmt::Display for TcpFlags {
    /// Writes the flags in packetdrill's order (`S`, `F`, `R`, `P`, `U`, ECN,
    /// then `.`), or `-` when none is set.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        for (on, c) in [
            (self.syn, 'S'),
            (self.fin, 'F'),
            (self.rst, 'R'),
            (self.psh, 'P'),
            (self.urg, 'U'),
        ] {
            if on {
                s.push(c);
            }
        }
        match self.ace {
            Some(d) => {
                if self.ack {
                    s.push('.');
                }
                s.push(char::from(b'0'.saturating_add(d)));
            }
            None => {
                for (on, c) in [(self.ece, 'E'), (self.cwr, 'W'), (self.ae, 'A')] {
                    if on {
                        s.push(c);
                    }
                }
                if self.ack {
                    s.push('.');
                }
            }
        }
        if s.is_empty() {
            s.push('-');
        }
        f.write_str(&s)
    }
}

/// A TCP segment line such as `+0 < S. 0:0(0) ack 1 win 32768 <mss 1000>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet {
    /// Injected into the host (`<`) or expected from it (`>`).
    pub direction: Direction,
    /// `[ect0]`-style IP checks; `None` when not written.
    pub ip: Option<IpInfo>,
    /// Explicit `src>dst` ports; `None` (the usual case) means the script's
    /// default connection.
    pub ports: Option<(u16, u16)>,
    /// The TCP header flags, e.g. `S.` for SYN-ACK.
    pub flags: TcpFlags,
    /// First sequence number, relative to the script's ISN.
    pub seq_start: u32,
    /// `seq_start + payload_len` (the parser checks they agree).
    pub seq_end: u32,
    /// Payload bytes (at most 65535).
    pub payload_len: u32,
    /// `ack N`; `None` when not written (no ACK number to check or send).
    pub ack: Option<u32>,
    /// `win N`; `None` when not written, which means "do not check" on an
    /// outbound packet (inbound packets must give it). At most 65535.
    pub window: Option<u32>,
    /// `urg N`; `None` when not written. At most 65535.
    pub urg: Option<u32>,
    /// The `<...>` option list, or its absence.
    pub options: Options,
}

/// The TCP options of a [`Packet`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Options {
    /// No `<...>` list was written: the segment carries no options.
    NotGiven,
    /// `<...>`: do not check the options (outbound packets only).
    Any,
    /// `<mss 1000,nop,...>`: exactly these options, in this order.
    List(Vec<TcpOption>),
}

/// One TCP option in an option list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TcpOption {
    /// `nop`
    Nop,
    /// `eol`
    Eol,
    /// `mss N`
    Mss(u16),
    /// `wscale N`
    WindowScale(u8),
    /// `sackOK`
    SackPermitted,
    /// `sack a:b c:d ...`: SACK blocks as (left edge, right edge).
    Sack(Vec<(u32, u32)>),
    /// `TS val N ecr N`; `None` where the script wrote `...` (not checked).
    Timestamp {
        /// The timestamp value (TSval).
        val: Option<u32>,
        /// The echoed timestamp (TSecr).
        ecr: Option<u32>,
    },
    /// `FO [cookie]`: TCP Fast Open (option 34). The cookie is kept as its
    /// hex text; `None` is a cookie request. A cookie that is not hex is kept
    /// as the name of a symbol nobody defined (packetdrill needs
    /// `-D TFO_COOKIE=...`); its length is then unknown.
    FastOpen {
        /// The cookie as hex text (or an undefined symbol); `None` requests one.
        cookie: Option<String>,
    },
    /// `FOEXP [cookie]`: the experimental Fast Open option (254, magic 0xF989).
    FastOpenExp {
        /// The cookie, as for [`TcpOption::FastOpen`].
        cookie: Option<String>,
    },
    /// `md5 hex`: TCP MD5 signature (RFC 2385), the digest as hex text (at
    /// most 16 bytes).
    Md5(String),
    /// `ECN e0b N ceb N e1b N`: the AccECN option, its counters in the order
    /// written (field name without the `b`: `e0`, `ce`, `e1`). The order is
    /// `e0b [ceb [e1b]]` (option 172) or `e1b [ceb [e0b]]` (option 174).
    AccEcn(Vec<(String, u32)>),
}

/// Most bytes of TCP options a segment can carry (60-byte header - 20).
pub const MAX_TCP_OPTION_BYTES: usize = 40;

/// The number of bytes a hex string stands for, if it is one (even count of
/// hex digits).
pub fn hex_bytes(text: &str) -> Option<usize> {
    (text.len().is_multiple_of(2) && text.bytes().all(|b| b.is_ascii_hexdigit()))
        .then_some(text.len() / 2)
}

impl TcpOption {
    /// The option's size on the wire, kind and length bytes included;
    /// `None` for a Fast Open cookie given as an undefined symbol name.
    pub fn wire_len(&self) -> Option<usize> {
        Some(match self {
            TcpOption::Nop | TcpOption::Eol => 1,
            TcpOption::Mss(_) => 4,
            TcpOption::WindowScale(_) => 3,
            TcpOption::SackPermitted => 2,
            TcpOption::Sack(blocks) => 2 + 8 * blocks.len(),
            TcpOption::Timestamp { .. } => 10,
            TcpOption::FastOpen { cookie } => 2 + cookie.as_deref().map_or(Some(0), hex_bytes)?,
            TcpOption::FastOpenExp { cookie } => {
                4 + cookie.as_deref().map_or(Some(0), hex_bytes)?
            }
            TcpOption::Md5(digest) => 2 + hex_bytes(digest)?,
            TcpOption::AccEcn(fields) => 2 + 3 * fields.len(),
        })
    }

    /// `None` for the options tcpsim's host models; for the others, a
    /// phrase naming the option for a "... is not supported" message.
    pub fn unsupported(&self) -> Option<&'static str> {
        match self {
            TcpOption::FastOpen { .. } => Some("the TCP Fast Open option (FO)"),
            TcpOption::FastOpenExp { .. } => Some("the experimental TCP Fast Open option (FOEXP)"),
            TcpOption::Md5(_) => Some("the TCP MD5 signature option (md5)"),
            TcpOption::AccEcn(_) => Some("the AccECN option (ECN)"),
            _ => None,
        }
    }
}

/// A non-TCP packet line: the runner refuses these (see
/// [`OtherPacket::refusal`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtherPacket {
    /// Injected into the host (`<`) or expected from it (`>`).
    pub direction: Direction,
    /// IP-level checks or settings; `None` when not written.
    pub ip: Option<IpInfo>,
    /// UDP or ICMP, with its fields.
    pub kind: OtherPacketKind,
}

/// What kind of non-TCP packet an [`OtherPacket`] is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OtherPacketKind {
    /// `udp [src>dst] (len)`.
    Udp {
        /// Explicit `src>dst` ports; `None` when not written.
        ports: Option<(u16, u16)>,
        /// Payload bytes.
        payload_len: u32,
    },
    /// `icmp TYPE [CODE] [mtu N] [id N] [echoed]`, e.g.
    /// `icmp unreachable frag_needed mtu 800 [0:1000(1000)]`.
    Icmp {
        /// The ICMP type, as written (e.g. `unreachable`).
        icmp_type: String,
        /// The ICMP code, as written (e.g. `frag_needed`); `None` when absent.
        code: Option<String>,
        /// `mtu N`: the next-hop MTU of a "fragmentation needed" error.
        mtu: Option<u32>,
        /// `id N`: the echo identifier.
        echo_id: Option<u32>,
        /// The quoted packet in brackets; `None` when not written.
        echoed: Option<IcmpEchoed>,
    },
}

/// The description, in brackets, of the packet an ICMP error quotes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IcmpEchoed {
    /// `[start:end(len)]`: a TCP segment.
    Tcp {
        /// First sequence number of the quoted segment.
        seq_start: u32,
        /// `seq_start + payload_len`.
        seq_end: u32,
        /// Payload bytes of the quoted segment.
        payload_len: u32,
    },
    /// `[udp (len)]`.
    Udp(u32),
    /// `[raw (len)]`.
    Raw(u32),
}

impl OtherPacket {
    /// The message the runner gives when it refuses this packet.
    pub fn refusal(&self) -> String {
        match &self.kind {
            OtherPacketKind::Udp { .. } => "udp packets are not supported".to_string(),
            OtherPacketKind::Icmp { .. } => "icmp packets are not supported".to_string(),
        }
    }
}

/// A system call line, e.g. `connect(3, ..., ...) = -1 EINPROGRESS (Operation
/// now in progress)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Syscall {
    /// The call's name, e.g. `connect`.
    pub name: String,
    /// The arguments between the parentheses, in order.
    pub args: Vec<Expr>,
    /// The expected return value (usually an integer).
    pub result: Expr,
    /// The expected `errno` symbol, e.g. `EINPROGRESS`.
    pub errno: Option<String>,
    /// The parenthesised words after the result or errno, joined by single
    /// spaces: `Operation now in progress`, or `flags O_RDWR`. Commentary only.
    pub errno_note: Option<String>,
}

/// A system call argument or result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    /// `...`: "anything" (an elided buffer, address or length).
    Ellipsis,
    /// A decimal or `0x` hex integer, possibly negative.
    Int(i64),
    /// A symbolic constant such as `SOCK_STREAM` or `O_NONBLOCK`, resolved by
    /// the runner.
    Symbol(String),
    /// A double-quoted string with C escapes decoded (`"\x01"` is one byte);
    /// adjacent strings are concatenated, as in C.
    Str(Vec<u8>),
    /// `"text"...`: a buffer that starts with these bytes.
    StrPrefix(Vec<u8>),
    /// `A|B|C`: bitwise or of two or more operands.
    BitOr(Vec<Expr>),
    /// `[a, b]`: an array, or a pointer to an int (`[1]`).
    Array(Vec<Expr>),
    /// `{...}`: a struct initialiser (sockaddr, linger, msghdr, iovec, pollfd,
    /// epoll_event, cmsg, ...). Fields may be named or positional.
    Struct(Vec<Field>),
    /// `name(args)`: a helper such as `htons(8080)` or `inet_addr("1.2.3.4")`.
    Call {
        /// The helper's name, e.g. `htons`.
        name: String,
        /// Its arguments, in order.
        args: Vec<Expr>,
    },
    /// `name=value` written outside braces (packetdrill allows it anywhere).
    Named {
        /// The name before `=`.
        name: String,
        /// The expression after `=`.
        value: Box<Expr>,
    },
}

/// One field of an [`Expr::Struct`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// `msg_flags` in `msg_flags=0`; `None` for a positional field (`{..., 100}`).
    pub name: Option<String>,
    /// The parenthesised count or size in `msg_iov(1)=[...]` or
    /// `msg_name(...)=...`.
    pub arg: Option<Expr>,
    /// The field's value (after `=` for a named field).
    pub value: Expr,
}

impl Expr {
    /// The integer value, if this is a literal integer.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Expr::Int(v) => Some(*v),
            _ => None,
        }
    }

    /// The name, if this is a bare symbol.
    pub fn as_symbol(&self) -> Option<&str> {
        match self {
            Expr::Symbol(s) => Some(s),
            _ => None,
        }
    }

    /// The first field called `name`, if this is a struct.
    pub fn field(&self, name: &str) -> Option<&Field> {
        match self {
            Expr::Struct(fields) => fields.iter().find(|f| f.name.as_deref() == Some(name)),
            _ => None,
        }
    }
}
