//! The run's closing lines: enough to replay the run and to read its outcome.

use crate::scenario::model::Role;
use crate::trace::{Ending, Trace};

use super::{one_line, seconds};

fn isn(value: Option<u32>) -> String {
    value.map_or_else(|| "none".to_string(), |v| v.to_string())
}

/// The IP a role sends from, as the trace shows it (`None` if it sent nothing).
fn ip_of(trace: &Trace, role: Role) -> Option<String> {
    trace
        .records
        .iter()
        .find_map(|r| {
            if r.sender == role {
                Some(r.src)
            } else if r.sender == role.peer() {
                Some(r.dst)
            } else {
                None
            }
        })
        .map(|ip| ip.to_string())
}

fn ending(trace: &Trace) -> String {
    let at = seconds(trace.end_time_us);
    match &trace.ending {
        Ending::Finished => format!("finished at {at} s (all programs done, nothing in flight)"),
        Ending::TimeLimit(limit) => {
            format!(
                "stopped at {at} s: simulated-time limit of {} s reached",
                seconds(*limit)
            )
        }
        Ending::EventLimit(limit) => {
            format!("stopped at {at} s: event limit of {limit} events reached")
        }
        Ending::Deadlock => format!(
            "deadlock at {at} s: a program waits for something that cannot happen \
             (nothing in flight, no timer set)"
        ),
    }
}

/// Short closing lines: scenario and seed (so the run can be replayed), the
/// capture host, each connection's ISNs (raw, as X and Y) and how it ended, the
/// bytes each program sent and received with its socket log, and how the run ended.
pub fn summary(trace: &Trace) -> String {
    let mut out = String::new();
    let mut line = |text: String| {
        out.push_str(&text);
        out.push('\n');
    };

    line(format!("scenario {}, seed {}", trace.scenario, trace.seed));
    let capture = trace.capture;
    line(match ip_of(trace, capture) {
        _ if trace.on_the_wire() => {
            "captured on the wire (every frame once, when it was sent)".to_string()
        }
        Some(ip) => format!("captured at the {} ({ip})", capture.name()),
        None => format!("captured at the {}", capture.name()),
    });

    if trace.connections.is_empty() {
        line("no connection".to_string());
    }
    for c in &trace.connections {
        line(format!(
            "connection {} → {}: ISN X={} (client), Y={} (server); ended: {}",
            c.client_port,
            c.server_port,
            isn(c.client_isn),
            isn(c.server_isn),
            one_line(&c.ended)
        ));
    }

    for p in &trace.programs {
        line(format!(
            "{} sent {} bytes, received {} bytes",
            p.role.name(),
            p.sent,
            p.received
        ));
        for entry in &p.log {
            line(format!(
                "  {:>10}  {}",
                crate::render::seconds(entry.time_us),
                one_line(&entry.call)
            ));
        }
    }

    line(ending(trace));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{Seen, fixture};

    #[test]
    fn summary_lines() {
        let t = fixture::trace();
        assert_eq!(
            summary(&t),
            "scenario v0, seed 42\n\
             captured at the client (192.168.1.13)\n\
             connection 52060 → 12345: ISN X=1000000 (client), Y=3000000000 (server); \
             ended: RST from client\n\
             client sent 9 bytes, received 0 bytes\n\
             \x20   0.000000  connect()\n\
             \x20   0.001500  send(9) = 9\n\
             server sent 9 bytes, received 9 bytes\n\
             stopped at 12.500000 s: simulated-time limit of 12.500000 s reached\n"
        );
    }

    #[test]
    fn endings_and_missing_values() {
        let mut t = fixture::trace();
        t.ending = Ending::Finished;
        t.end_time_us = 1_234_567;
        assert!(
            summary(&t)
                .ends_with("\nfinished at 1.234567 s (all programs done, nothing in flight)\n")
        );
        t.ending = Ending::EventLimit(1000);
        assert!(
            summary(&t).ends_with("\nstopped at 1.234567 s: event limit of 1000 events reached\n")
        );

        t.capture = Role::Server;
        // The server's view: the client's frames as they arrived.
        for r in &mut t.records {
            r.seen = if r.sender == Role::Server {
                Seen::Leaving
            } else {
                Seen::Arriving
            };
        }
        t.connections[0].server_isn = None;
        let text = summary(&t);
        assert!(
            text.contains("\ncaptured at the server (192.168.1.21)\n"),
            "{text}"
        );
        assert!(text.contains("Y=none (server)"), "{text}");

        t.records.clear();
        t.connections.clear();
        let text = summary(&t);
        assert!(
            text.contains("\ncaptured at the server\nno connection\n"),
            "{text}"
        );
        assert!(text.starts_with("scenario v0, seed 42\n"));
    }
}
