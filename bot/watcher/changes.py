"""What changed between the last seen state and a fresh answer from SMSC. Pure functions."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from bot.smsc import DownloadTask, Records, Sender, TaskStatus
from storage import SeenSender, SeenTask

FINAL_TASK_STATUSES = frozenset({TaskStatus.DONE, TaskStatus.CANCELLED, TaskStatus.FAILED})


@dataclass(frozen=True, slots=True)
class TaskUpdate:
    task: DownloadTask
    announce: bool

    @property
    def seen(self) -> SeenTask:
        return seen_task(self.task)


def seen_task(task: DownloadTask) -> SeenTask:
    return SeenTask(task.id, task.name, int(task.status))


def baseline_tasks(current: Sequence[DownloadTask]) -> list[SeenTask]:
    return [seen_task(task) for task in current]


def task_updates(seen: dict[int, SeenTask], current: list[DownloadTask]) -> list[TaskUpdate]:
    """Tasks whose status moved; only a move to done, cancelled or failed is announced."""
    updates = []
    for task in sorted(current, key=lambda t: t.id):
        before = seen.get(task.id)
        if before is not None and before.status == task.status:
            continue
        updates.append(TaskUpdate(task, announce=task.status in FINAL_TASK_STATUSES))
    return updates


class SenderEvent(StrEnum):
    NEW = "new"
    CHANGED = "changed"
    DELETED = "deleted"
    # Read for the first time since a baseline that could not read it: recorded, not told.
    LEARNED = "learned"


# The state of a name a baseline's list held but could not read: known to be there, nothing
# more. Once it can be read, its state is taken in silently, never announced as new.
UNREAD_STATUS = -1


def unread_sender(sender_id: int) -> SeenSender:
    return SeenSender(sender_id, "", UNREAD_STATUS, {})


def baseline_senders(current: Sequence[Sender]) -> list[SeenSender]:
    """What a new watch records: the names it can read, and those it cannot as unread."""
    seen = [seen_sender(sender) for sender in current]
    if isinstance(current, Records):
        seen += [unread_sender(sender_id) for sender_id in sorted(current.unread)]
    return seen


@dataclass(frozen=True, slots=True)
class StatusMove:
    """One field that moved: "status" for moderation, else an operator key."""

    field: str
    before: int | None
    after: int | None


@dataclass(frozen=True, slots=True)
class SenderUpdate:
    event: SenderEvent
    state: SeenSender
    moves: tuple[StatusMove, ...] = field(default=())

    @property
    def change_key(self) -> str:
        """Names the new state, so a delivery record tells which change was announced."""
        if self.event is SenderEvent.DELETED:
            return "deleted"
        return json.dumps(
            [self.state.status, self.state.operators], sort_keys=True, separators=(",", ":")
        )


def seen_sender(sender: Sender) -> SeenSender:
    return SeenSender(
        sender.id,
        sender.name,
        int(sender.status),
        {key: int(code) for key, code in sender.operators.items()},
    )


def sender_updates(
    seen: dict[int, SeenSender], current: Sequence[Sender], *, complete: bool
) -> list[SenderUpdate]:
    """Changes of moderation or operator statuses, new names, and (on a complete list) deletions.

    A list narrowed with ``from_date`` omits unchanged names, so absence means deletion only
    when the list is complete. A record SMSC sent that could not be read (``current`` as
    :class:`Records` tells) keeps its last known state: it is neither changed nor deleted, and
    a list with a record whose id could not be read either tells no deletion at all.
    """
    updates = []
    for sender in sorted(current, key=lambda s: s.id):
        now = seen_sender(sender)
        before = seen.get(sender.id)
        if before is not None and before.status == UNREAD_STATUS:
            updates.append(SenderUpdate(SenderEvent.LEARNED, now))
            continue
        if before is None:
            moves = tuple(StatusMove(k, None, v) for k, v in sorted(now.operators.items()))
            updates.append(SenderUpdate(SenderEvent.NEW, now, moves))
            continue
        moves = _moves(before, now)
        if moves:
            updates.append(SenderUpdate(SenderEvent.CHANGED, now, moves))
    unread = current.unread if isinstance(current, Records) else frozenset()
    identified = not isinstance(current, Records) or not current.unidentified
    if complete and identified:
        present = {s.id for s in current} | unread
        updates += [
            SenderUpdate(SenderEvent.DELETED, before)
            for sender_id, before in sorted(seen.items())
            if sender_id not in present
        ]
    return updates


def _moves(before: SeenSender, now: SeenSender) -> tuple[StatusMove, ...]:
    moves = []
    if before.status != now.status:
        moves.append(StatusMove("status", before.status, now.status))
    for key in sorted(set(before.operators) | set(now.operators)):
        old, new = before.operators.get(key), now.operators.get(key)
        if old != new:
            moves.append(StatusMove(key, old, new))
    return tuple(moves)
