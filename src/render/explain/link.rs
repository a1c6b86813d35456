//! What the virtual link did to a frame: lost it, held it up, reordered or
//! duplicated it, by a scripted fault or at random.

use crate::trace::Fate;

use super::context::{Ctx, duration};
use super::notes::Reason;

pub(super) fn fate(ctx: &Ctx, i: usize, reasons: &[Reason]) -> Vec<String> {
    let r = &ctx.records[i];
    // Shown at arrival in this capture: say when it left.
    let sent = if r.time_us != r.sent_us {
        format!(", sent at {},", crate::render::seconds(r.sent_us))
    } else {
        String::new()
    };
    let peer = r.sender.peer().name();
    let never = format!("it never reached the {peer}");
    let mut out = Vec::new();
    for reason in reasons {
        let text = match reason {
            Reason::FaultDrop(n) => {
                format!("Lost: scripted fault {n} dropped this frame on the link; {never}.")
            }
            Reason::RandomLoss(p) => {
                format!("Lost on the link (random loss, probability {p}); {never}.")
            }
            Reason::QueueFull(detail) => {
                format!("Dropped: the link's queue was full ({detail}); {never}.")
            }
            Reason::FaultDelay(n, us) => format!(
                "Scripted fault {n} delayed this frame{sent} by {} on the link; frames sent after it may overtake it.",
                duration(*us)
            ),
            Reason::FaultStall(n, us) => format!(
                "Scripted fault {n} stalled the link: this frame{sent} arrived {} late, and frames behind it waited.",
                duration(*us)
            ),
            Reason::Reordered(us) => format!(
                "The link held this frame{sent} back {} (random reordering), so frames sent after it could overtake it.",
                duration(*us)
            ),
            Reason::Duplicated => {
                "The link delivered this frame twice (random duplication).".to_string()
            }
            Reason::LinkCopy => {
                let original = ctx
                    .original_of_copy(i)
                    .map(|k| format!(" of frame {}", ctx.no(k)))
                    .unwrap_or_default();
                format!(
                    "The link's second copy{original}: the {peer} receives the same segment again. Nobody sent it a second time; see the original for why it was sent."
                )
            }
            _ => continue,
        };
        out.push(text);
    }
    let said = reasons.iter().any(|x| {
        matches!(
            x,
            Reason::FaultDrop(_) | Reason::RandomLoss(_) | Reason::QueueFull(_)
        )
    });
    if r.fate == Fate::Dropped && !said {
        out.push(format!("Lost on the link; {never}."));
    }
    out
}
