"""The command set and the one place that wires the router: build_router(core)."""

from __future__ import annotations

import threading
from typing import Any

from handlers.casework import cases
from handlers.casework.alerts import alert_if_harm
from handlers.casework.intake import confirmation, submit_referral
from handlers.casework.status import status
from handlers.core import Core, TurnContext, is_staff
from handlers.forms import flows, whole_form
from handlers.knowledge.ask import AskEngine, ask_replies, build_engine
from handlers.knowledge.contacts import contacts_reply
from handlers.knowledge.harm import signpost
from handlers.knowledge.profile import Profile
from handlers.messages import CommandSpec, Reply, ReplyKind
from handlers.referral.check import CHECK, RESULT_FLOW, finish_check
from handlers.referral.form import REFERRAL
from handlers.router import Router
from storage.queries import case_by_submission, conversation_of, drop_conversation


def build_router(core: Core) -> Router:
    """A router with every command and flow the core knows."""
    router = Router(core)
    answers = _LazyAsk(core)
    router.warmers.append(answers.engine)
    router.flow(flows.Flow(REFERRAL, finish_referral, after_step=alert_if_harm))
    router.flow(flows.Flow(CHECK, finish_check))
    router.command(
        CommandSpec(
            "check",
            lambda turn, args: flows.begin(turn, router.flows[CHECK.id]),
            "does this count as children missing education? a few questions, no names",
        )
    )
    router.command(CommandSpec("ask", answers.command, "ask what counts as CME, what to do, who to call"))
    router.command(CommandSpec("contacts", contacts, "who to contact, with who to call right now"))
    router.free_text = answers.command
    router.command(
        CommandSpec(
            "report",
            lambda turn, args: report(router, turn, args),
            "raise a concern about a child who may be missing education",
        )
    )
    router.command(
        CommandSpec("status", status, "see your concerns, or one by its reference: /cme status CME-2026-0042")
    )
    cases.register(router)
    router.command(CommandSpec("cancel", cancel, "stop the form you are filling in (nothing is sent)"))
    router.command(CommandSpec("help", lambda turn, args: help_reply(router, turn), "what I can do"))
    return router


_ENGINES: dict[str, AskEngine] = {}  # fitted engines by profile: every router in the process shares one
_FITTING = threading.Lock()  # a warm-up thread and a first question must not both fit it


def shared_engine(profile: Profile) -> AskEngine:
    """The answer engine for `profile`, fitted on first use and shared by every router in the process."""
    key = profile.model_dump_json()
    with _FITTING:
        if key not in _ENGINES:
            _ENGINES[key] = build_engine(profile)
        return _ENGINES[key]


class _LazyAsk:
    """Questions answered by the shared engine (a form-only turn never needs it, so it is built on demand)."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self._engine: AskEngine | None = None

    def engine(self) -> AskEngine:
        """The engine, fitted now if nobody has yet (looked up once: the key is the whole profile as JSON)."""
        if self._engine is None:
            self._engine = shared_engine(self.core.profile)
        return self._engine

    def command(self, turn: TurnContext, args: str) -> list[Reply]:
        """Answer a question from the knowledge base."""
        return ask_replies(self.engine(), args, now=turn.now)


def contacts(turn: TurnContext, args: str) -> list[Reply]:
    """The profile's directory, with who to call right now."""
    return [contacts_reply(turn.profile, turn.now)]


def report(router: Router, turn: TurnContext, args: str) -> list[Reply]:
    """Start a referral (pre-filled from a finished /cme check), or carry on with the one in progress."""
    row = conversation_of(turn.session, turn.user_key)
    prefill = row.state.get("prefill") if row is not None and row.flow == RESULT_FLOW else None
    draft = flows.load_draft(turn, router.flows)
    if isinstance(draft, tuple) and draft[0].spec.id == CHECK.id:
        draft = None  # a check in progress gives way to the referral
    if isinstance(draft, tuple) and not turn.inbound.wants_form:
        flow, state = draft
        note = Reply(
            "You already have a referral in progress; here is where you were. Type /cme cancel to start again."
        )
        return [note, *flows.conversation.resume(flow.spec, state)]
    replies = [draft] if isinstance(draft, Reply) else []
    flow = router.flows[REFERRAL.id]
    if turn.inbound.wants_form:
        return [*replies, *whole_form.open_form(turn, flow, prefill)]
    return [*replies, *flows.begin(turn, flow, prefill)]


def finish_referral(turn: TurnContext, state: dict[str, Any]) -> list[Reply]:
    """Submit the referral: the case, the report, the audit event and the alert in this turn's transaction."""
    if state.get("replay"):  # the last page came again (double click, platform retry): same confirmation
        case = case_by_submission(turn.session, f"draft:{state['draft_id']}")
        if case is None:
            return [
                Reply("That form has expired or was cancelled. Start again with /cme report.", kind=ReplyKind.ERROR)
            ]
        return [confirmation(case, turn.profile)]
    case, _ = submit_referral(
        turn.session,
        answers=state["answers"],
        meta=state["meta"],
        identity=turn.inbound.identity,
        address=turn.inbound.address,
        submission_key=f"draft:{state['draft_id']}",
        ctx=turn.form_context(),
    )
    replies = [confirmation(case, turn.profile)]
    if case.urgent:
        immediate = bool(state["answers"].get("immediate_danger"))
        replies.insert(0, signpost(now=turn.now, profile=turn.profile, immediate_danger=immediate))
        replies.reverse()
    return replies


def cancel(turn: TurnContext, args: str) -> list[Reply]:
    """Drop the sender's form in progress."""
    row = conversation_of(turn.session, turn.user_key)
    if row is None:
        return [Reply("There's nothing to cancel: you have no form in progress. Type /cme help to see what I can do.")]
    drop_conversation(turn.session, turn.user_key)
    return [Reply("Cancelled. Nothing was sent, and your answers have been deleted. Type /cme report to start again.")]


def help_reply(router: Router, turn: TurnContext) -> list[Reply]:
    """The commands this person may use, one line each, and the next step."""
    staff = is_staff(turn.role)
    facts = tuple((f"/cme {spec.name}", spec.help) for spec in router.commands.values() if staff or not spec.staff_only)
    officer = turn.profile.contact("cme_officer")
    text = (
        "I help you raise a concern about a child who may be missing education, and tell you who to contact. "
        f"To start, type /cme report. In Slack and Teams you can leave out '/cme'. "
        f"If a child is in immediate danger, call {turn.profile.contact('police_emergency').phone}. "
        f"The CME officer: {officer.phone}, {officer.email}."
    )
    row = conversation_of(turn.session, turn.user_key)
    if row is not None and row.flow in router.flows:
        text += (
            f"\n\nYou have a form in progress ({router.flows[row.flow].spec.title}): type your next answer to carry on."
        )
    return [Reply(text, kind=ReplyKind.HELP, title=f"{turn.profile.short_name} CME bot", facts=facts)]
