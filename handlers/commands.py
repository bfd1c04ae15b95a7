"""The command set and the one place that wires the router: build_router(core)."""

from __future__ import annotations

import dataclasses
import threading
from typing import Any

from handlers.casework import (
    case_fields,
    cases,
    child_fields,
    follow_ups,
    matches,
    reporter_details,
    reporter_notes,
    restrict,
    split,
)
from handlers.casework.alerts import alert_if_harm
from handlers.casework.intake import confirmation, submit_referral
from handlers.casework.status import status
from handlers.children.commands import FIND
from handlers.core import Core, TurnContext, is_staff
from handlers.forms import conversation, dates, flows, whole_form
from handlers.knowledge.ask import AskEngine, ask_replies, build_engine
from handlers.knowledge.contacts import contacts_reply
from handlers.knowledge.profile import Profile
from handlers.messages import CommandSpec, Reply, ReplyKind
from handlers.notices import commands as notices
from handlers.records import holds
from handlers.referral.check import CHECK, RESULT_FLOW, finish_check
from handlers.referral.details import still_to_ask
from handlers.referral.form import REFERRAL, answers_signpost, sent_quick
from handlers.referral.sections import minutes_for
from handlers.reports import commands as reports
from handlers.router import Router
from storage.queries import case_by_submission, conversation_of, drop_conversation


def build_router(core: Core) -> Router:
    """A router with every command and flow the core knows."""
    router = Router(core)
    answers = _LazyAsk(core)
    router.warmers.append(answers.engine)
    router.warmers.append(dates.warm)  # dateparser loads its English data on first use (about a second)
    router.flow(flows.Flow(REFERRAL, finish_referral, after_step=alert_if_harm))
    router.flow(flows.Flow(CHECK, finish_check))
    router.command(
        CommandSpec(
            "check",
            lambda turn, args: start_check(router, turn),
            "does this count as children missing education? a few questions, no names",
        )
    )
    router.command(CommandSpec("ask", answers.command, "ask what counts as CME, what to do, who to call"))
    router.command(CommandSpec("contacts", contacts, "who to contact, with who to call right now"))
    router.free_text = answers.command
    router.is_question = answers.knows
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
    reporter_notes.register(router)  # /cme add, and replies to the bot's messages about a concern
    reporter_details.register(router)  # /cme details: the detail questions a quick report left out
    follow_ups.register(router)  # /cme follow-up: the officer asks the reporter
    matches.register(router)
    split.register(router)
    holds.register(router)
    restrict.register(router)
    router.command(FIND)
    notices.register(router)
    case_fields.register(router)
    child_fields.register(router)
    reports.register(router)
    router.command(CommandSpec("cancel", lambda turn, args: cancel(router, turn), CANCEL_HELP))
    router.command(CommandSpec("resume", lambda turn, args: resume(router, turn), RESUME_HELP))
    router.command(CommandSpec("keep", lambda turn, args: keep(router, turn, args), KEEP_HELP))
    router.command(CommandSpec("discard", lambda turn, args: discard(router, turn, args), DISCARD_HELP))
    router.command(CommandSpec("help", lambda turn, args: help_reply(router, turn), "what I can do"))
    return router


CHAT_WORDS = frozenset({"chat", "questions", "step", "text"})  # "report chat": one question at a time (Teams)
NOTHING_OPEN = (
    "You have no form in progress, so there was nothing to keep or delete. Type /cme report to raise a concern, "
    "or /cme help."
)
CANCEL_HELP = "stop the form you are filling in (nothing is sent)"
RESUME_HELP = "show the form you are filling in, or carry on with one you kept for later"
KEEP_HELP = "keep the form you are filling in for later (/cme resume brings it back)"
DISCARD_HELP = "delete the form you are filling in (nothing is sent)"
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

    def knows(self, text: str) -> bool:
        """True when the engine has an answer for `text` (a question typed while a form is open)."""
        return self.engine().ask(text).topic is not None


def contacts(turn: TurnContext, args: str) -> list[Reply]:
    """The profile's directory, with who to call right now."""
    return [contacts_reply(turn.profile, turn.now)]


def report(router: Router, turn: TurnContext, args: str) -> list[Reply]:
    """Start a referral (pre-filled from a finished /cme check), or carry on with the one in progress or kept."""
    row = conversation_of(turn.session, turn.user_key)
    prefill = row.state.get("prefill") if row is not None and row.flow == RESULT_FLOW else None
    draft = flows.draft_of(turn, router.flows, row)
    replies = [draft] if isinstance(draft, Reply) else []
    referral = router.flows[REFERRAL.id]
    if isinstance(draft, tuple) and draft[0] is not referral:
        return [flows.conflict(turn, *draft, "/cme report")]  # never a second form without asking
    if isinstance(draft, tuple):
        note = "You already have a referral in progress; here it is where you left it. Type /cme cancel to delete it."
        if whole_form.is_whole(draft[1]) and args.lower() in CHAT_WORDS:  # "report chat": the questions one at a time
            return [Reply(note), *whole_form.to_chat(turn, *draft)]
        return [Reply(note), *show(turn, *draft)]
    kept_rows = flows.kept_rows(turn)  # read once for both: a new referral is the bot's busiest turn
    replies.extend(flows.forget_stale(turn, kept_rows))
    kept = flows.unpark(turn, referral, [row for row in kept_rows if not flows.is_stale(turn, row)])
    if kept is not None:
        return [*replies, Reply("Carrying on with the referral you kept for later."), *show(turn, referral, kept)]
    if turn.inbound.wants_form:
        return [*replies, *whole_form.open_form(turn, referral, prefill)]
    return [*replies, *flows.begin(turn, referral, prefill)]


def show(turn: TurnContext, flow: flows.Flow, state: dict[str, Any]) -> list[Reply]:
    """The draft as the channel can show it: the whole form where it can, else its question or a way back to it."""
    if turn.inbound.wants_form and whole_form.is_whole(state):
        return whole_form.reopen(turn, flow, state)
    if whole_form.is_whole(state):
        return [whole_form.still_open(turn, flow, state)]
    if turn.inbound.wants_form and turn.inbound.action is None:  # `/cme report` asked for the modal or card
        return whole_form.reopen(turn, flow, state)
    return conversation.pending(flow.spec, state, "Carrying on where you left off.")


def start_check(router: Router, turn: TurnContext) -> list[Reply]:
    """Start the guided check, unless another form is in progress (then ask what to do with it)."""
    draft = flows.peek(turn, router.flows)
    if draft is not None:
        return [flows.conflict(turn, *draft, "/cme check")]
    return flows.begin(turn, router.flows[CHECK.id])


def resume(router: Router, turn: TurnContext) -> list[Reply]:
    """Show the form in progress, or bring back the one kept for later."""
    draft = flows.load_draft(turn, router.flows)
    if isinstance(draft, Reply):
        return [draft]
    if draft is not None:
        return show(turn, *draft)
    stale = flows.forget_stale(turn)
    kept = flows.kept_drafts(turn, router.flows)
    if not kept:
        nothing = "You have no form in progress or kept for later. Type /cme report to raise a concern."
        return stale or [Reply(nothing)]
    flow = kept[-1][0]
    state = flows.unpark(turn, flow) or kept[-1][1]
    return [Reply(f"Carrying on with the form you kept for later: {flow.spec.title}."), *show(turn, flow, state)]


def keep(router: Router, turn: TurnContext, wanted: str) -> list[Reply]:
    """Keep the form in progress for later, then do what was asked (`wanted`, a command)."""
    kept = flows.park(turn, router.flows)
    said = "Kept for later: nothing was sent. Type /cme resume to carry on with it." if kept else NOTHING_OPEN
    return [Reply(said), *_then(router, turn, wanted)]


def discard(router: Router, turn: TurnContext, wanted: str) -> list[Reply]:
    """Delete the form in progress, then do what was asked (`wanted`, a command)."""
    draft = flows.peek(turn, router.flows)
    if draft is not None:
        drop_conversation(turn.session, turn.user_key)
        turn.session.flush()
    said = f"Deleted your {draft[0].spec.title} form. Nothing was sent." if draft else NOTHING_OPEN
    return [Reply(said), *_then(router, turn, wanted)]


def _then(router: Router, turn: TurnContext, wanted: str) -> list[Reply]:
    """Run the command that was waiting for a decision (never another keep or discard: no loops)."""
    words = wanted.lower().split()
    if len(words) < 2 or words[0] != "/cme" or words[1] in ("keep", "discard"):
        return [Reply("Type /cme report, /cme check or /cme help to carry on.")] if wanted else []
    inbound = dataclasses.replace(turn.inbound, text=wanted, action=None)
    return router.dispatch(dataclasses.replace(turn, inbound=inbound))


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
    quick = sent_quick(state["answers"])
    asked = still_to_ask(REFERRAL.clean(state["answers"])) if quick else []  # what /cme details would ask
    replies = [confirmation(case, turn.profile, quick=quick, minutes=minutes_for(asked) if asked else None)]
    if case.urgent:
        # 999 first only for a yes; "not known" says why MASH is shown (answers_signpost)
        replies.insert(0, answers_signpost(state["answers"], now=turn.now, profile=turn.profile))
        replies.reverse()
    return replies


def cancel(router: Router, turn: TurnContext) -> list[Reply]:
    """Drop the sender's form in progress (a form kept for later stays kept, and is mentioned)."""
    if flows.peek(turn, router.flows) is None:
        nothing = "There's nothing to cancel: you have no form in progress. Type /cme help to see what I can do."
        return [Reply(nothing), *flows.kept_note(turn, router.flows)]
    drop_conversation(turn.session, turn.user_key)
    turn.session.flush()
    done = Reply("Cancelled. Nothing was sent, and your answers have been deleted. Type /cme report to start again.")
    return [done, *flows.kept_note(turn, router.flows)]


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
    draft = flows.peek(turn, router.flows)
    if draft is not None:  # the router adds what the form is waiting for after this
        text += f"\n\nYou have a form in progress ({draft[0].spec.title}): where you are in it is shown below."
    return [Reply(text, kind=ReplyKind.HELP, title=f"{turn.profile.short_name} CME bot", facts=facts)]
