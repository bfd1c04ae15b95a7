"""One entry point: handle(inbound) -> replies. Commands, conversations in progress, and free text.

Each turn runs in ONE transaction (load the draft, step it, save state and records). If the
database fails mid-turn nothing of the turn is written, so the stored draft is exactly where it
was and the person is asked to send the same message again.

While a form is open, text that is a question or a command (and not an answer the pending
question takes) is answered as such, and the pending question is asked again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.exc import DBAPIError, IntegrityError, StatementError

from handlers.core import Caller, Core, Refused, TurnContext, refuse_unless_staff, role_of
from handlers.forms import conversation, flows, whole_form
from handlers.messages import Button, Command, CommandSpec, Inbound, Reply, ReplyKind
from storage.crypto import DataKeyError, key_problem
from storage.db import UnstorableText, unit_of_work

log = logging.getLogger(__name__)
PREFIX = "/cme"
QUESTION_WORDS = frozenset(
    {"what", "who", "whom", "whose", "how", "when", "where", "why", "which", "is", "are", "am", "can", "could"}
    | {"does", "do", "did", "should", "would", "will", "may"}
)
MAX_ASIDE_WORDS = 12  # a question typed instead of an answer is short; a longer text is the answer
WAITING = "Your form is still open. The question waiting for you:"
# The database failed: every door says this (the chat adds what to send again, the CLI what to run again).
UNREACHABLE = "Sorry, the case system can't be reached just now, so I couldn't take that. Nothing has been lost"
ASKING = (ReplyKind.QUESTION, ReplyKind.FORM, ReplyKind.REVIEW)


class Router:
    """Routes each Inbound to a command, the sender's form in progress, or the free-text handler."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self.commands: dict[str, CommandSpec] = {}
        self.flows: dict[str, flows.Flow] = {}
        self.free_text: Command | None = None
        self.is_question: Callable[[str], bool] | None = None  # the answer engine knows an answer to this text
        # A reply to the bot's message about a concern (Inbound.thread_id): its replies, or None to handle it as
        # any message (handlers/casework/reporter_notes.py).
        self.thread_reply: Callable[[TurnContext, str], list[Reply] | None] | None = None
        self.warmers: list[Callable[[], object]] = []  # what warm_up builds ahead of the first turn needing it
        # Told of each failure a turn answers with an apology instead of raising (the server counts them).
        self.on_error: Callable[[BaseException], None] | None = None

    def command(self, spec: CommandSpec) -> None:
        """Add a command (later capabilities plug in here)."""
        self.commands[spec.name] = spec

    def flow(self, flow: flows.Flow) -> None:
        """Add a form the bot can run."""
        self.flows[flow.spec.id] = flow

    def warm_up(self) -> None:
        """Build what some turns need (the answer engine) now, so the first of them is not slow."""
        for warm in self.warmers:
            warm()

    def handle(self, inbound: Inbound) -> list[Reply]:
        """Handle one message and return what to say."""
        try:
            try:
                replies = self._turn(inbound)
            except IntegrityError:
                # Two deliveries of one submission raced (a retry, a double click): the second
                # attempt now finds the first one's case and answers with the same confirmation.
                replies = self._turn(inbound)
            return replies
        except DBAPIError as exc:
            log.error("database unavailable during a turn (%s)", type(exc.orig).__name__ if exc.orig else "error")
            self._failed(exc)
            return [_unreachable(inbound, self.core.profile.contact("cme_officer").phone)]
        except (DataKeyError, StatementError) as exc:
            problem = key_problem(exc)
            if problem is None:
                raise
            log.error("a data key problem stopped a turn: %s", str(problem))  # a key id and the next step, no data
            self._failed(exc)
            text = "Sorry, I can't open the case records just now (the bot's data keys are not set up right)."
            return [Reply(f"{text} Nothing was saved. Please tell whoever runs the bot.", kind=ReplyKind.ERROR)]
        except UnstorableText as exc:
            # Storage's last guard (NUL, a lone surrogate): a path that did not check the text first.
            log.warning("refused a turn with text the database can't store")
            self._failed(exc)
            text = "That message has a character I can't store (a hidden control character). Nothing was saved."
            return [Reply(f"{text} Please type it again as plain text.", kind=ReplyKind.ERROR)]

    def _failed(self, exc: BaseException) -> None:
        if self.on_error is not None:
            self.on_error(exc)

    def _turn(self, inbound: Inbound) -> list[Reply]:
        now = inbound.received_at or self.core.clock()
        with unit_of_work(self.core.engine) as session:
            role = role_of(inbound.identity, self.core.profile, self.core.role_overrides)
            return self.dispatch(TurnContext(self.core, inbound, session, now, role))

    def dispatch(self, turn: TurnContext) -> list[Reply]:
        """Handle one message inside the turn's transaction (commands that run another command call this)."""
        if turn.inbound.form_values is not None:
            flow = self.flows.get(turn.inbound.form_id or "")
            if flow is None:
                return [Reply("That form isn't one I know. Type /cme help.", kind=ReplyKind.ERROR)]
            return whole_form.submit_section(turn, flow, dict(turn.inbound.form_values))
        text = _text_of(turn.inbound)
        word, _, args = text.partition(" ")
        if word.lower() == PREFIX:
            name, _, args = args.strip().partition(" ")
            return self.remind(turn, self._command(turn, name.lower(), args.strip()))
        if turn.inbound.thread_id is not None and self.thread_reply is not None:
            replies = self.thread_reply(turn, text)
            if replies is not None:  # added to their concern (a form in progress waits, and is mentioned)
                return self.remind(turn, replies)
        draft = flows.load_draft(turn, self.flows)
        if isinstance(draft, Reply):  # an answer for the old form is not used; a question is still answered
            asked = _looks_like_question(text) or word.lower() in self.commands
            return [draft, *self._no_draft(turn, text)] if asked else [draft]
        if draft is None:
            return flows.resend(turn, self.flows, text) or self._no_draft(turn, text)
        flow, state = draft
        if whole_form.is_whole(state) or self._aside(turn, flow, state, text):
            return self.remind(turn, self._no_draft(turn, text))
        replies = flows.advance(turn, flow, state, text)
        if not _asks(replies) and flows.peek(turn, self.flows) is None:  # it ended: mention a form kept for later
            replies.extend(flows.kept_note(turn, self.flows))
        return replies

    def _aside(self, turn: TurnContext, flow: flows.Flow, state: dict, text: str) -> bool:
        """True when text sent while a chat form is open is a question or a command rather than an answer."""
        question = _looks_like_question(text)
        if conversation.asks_for_help(flow.spec, state, text):
            return False  # the form explains its own words ("what is a CTF?"), then asks its question again
        if conversation.takes(flow.spec, state, text, turn.form_context()):
            # A free-text question takes almost anything: only a short question the answer engine knows is
            # asked rather than given (a longer answer may quote one: "Mum asked where he would go?").
            short = text.rstrip().endswith("?") and len(text.split()) <= MAX_ASIDE_WORDS
            return short and self.is_question is not None and self.is_question(text)
        return question or text.partition(" ")[0].lower() in self.commands

    def remind(self, turn: TurnContext, replies: list[Reply]) -> list[Reply]:
        """After an answer given while a form is open: the question it is waiting for, or a way back to the form."""
        if _asks(replies):
            return replies  # the turn already asks something (a form started, a choice to make)
        draft = flows.peek(turn, self.flows)
        if draft is None:
            return replies
        flow, state = draft
        if whole_form.is_whole(state):
            return [*replies, whole_form.still_open(turn, flow, state)]
        if state.get("stage") == "review":  # a short prompt: the answers are shown again only when asked for
            word = flow.spec.submit_word
            text = f"Your form is waiting at its review: type '{word}' to send it, or /cme resume to see the answers."
            return [*replies, Reply(text, kind=ReplyKind.INFO, buttons=(Button("Submit", word, style="primary"),))]
        return [*replies, *conversation.pending(flow.spec, state, WAITING)]

    def _no_draft(self, turn: TurnContext, text: str) -> list[Reply]:
        word, _, args = text.partition(" ")
        if word.lower() in self.commands:
            return self._command(turn, word.lower(), args.strip())
        if self.free_text is not None and text.strip():
            return self.free_text(turn, text)
        return self._command(turn, "help", "")

    def _command(self, turn: TurnContext, name: str, args: str) -> list[Reply]:
        spec = self.commands.get(name or "help")
        if spec is None:
            unknown = Reply(f"I don't know the command '{name[:30]}'.", kind=ReplyKind.ERROR)
            return [unknown, *self.commands["help"].run(turn, "")]
        if spec.staff_only and turn.role.value == "reporter":
            log.warning("refused staff command %s for a reporter", spec.name)
            try:  # the same refusal, message and record as the command's service gives any other door
                refuse_unless_staff(turn.session, Caller.of(turn), command=spec.name)
            except Refused as exc:
                return [Reply(str(exc), kind=ReplyKind.ERROR)]
        return spec.run(turn, args)


def _asks(replies: list[Reply]) -> bool:
    """True when a reply asks something (a question, a choice, the review, a form page)."""
    return any(r.kind in ASKING or r.question is not None or r.form is not None for r in replies)


def _looks_like_question(text: str) -> bool:
    words = text.lower().split()
    if not words or text.strip() == "?":
        return False  # a lone "?" asks for the form's help
    return text.rstrip().endswith("?") or (words[0] in QUESTION_WORDS and len(words) >= 3)


def _unreachable(inbound: Inbound, officer_phone: str | None) -> Reply:
    """The database failed: nothing of the turn was written, so the same message again will work."""
    if inbound.thread_id is not None or _text_of(inbound).lower().startswith(f"{PREFIX} add "):
        # Words for the officer: say plainly they were not kept, never let them look received.
        text = (
            "Sorry, the case system can't be reached just now, so what you wrote has NOT been saved or sent to the "
            "CME officer. Please send it again in a few minutes (copy it first)"
            + (f"; if it is urgent, phone the CME officer on {officer_phone}." if officer_phone else ".")
        )
        return Reply(text, kind=ReplyKind.ERROR)
    if inbound.form_values is not None:  # data "retry": the channel shows the page again, answers and all
        text = (
            "Sorry, the case system can't be reached just now, so this page was not saved. Nothing has been lost: "
            "your answers are still in the form. Wait a minute, then press the button again."
        )
        return Reply(text, kind=ReplyKind.ERROR, data={"retry": True})
    else:
        text = f"{UNREACHABLE}: your form is where it was. Please send the same message again in a minute."
    return Reply(text, kind=ReplyKind.ERROR)


def _text_of(inbound: Inbound) -> str:
    if inbound.action is not None:
        return inbound.action.value.strip()
    return " ".join((inbound.text or "").split()) if "\n" not in (inbound.text or "") else (inbound.text or "").strip()
