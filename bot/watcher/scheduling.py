"""The APScheduler job that runs the watcher's sweeps."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.watcher.service import Watcher
from storage import StorageError

log = logging.getLogger("bot.watcher")

JOB_ID = "watch-sweep"


def start_scheduler(watcher: Watcher, *, first_run_in: float = 5.0) -> AsyncIOScheduler:
    """Start from inside the running loop (aiogram's startup hook); shut down before it closes."""
    scheduler = AsyncIOScheduler(timezone="UTC")
    interval = watcher.interval

    async def sweep() -> None:
        try:
            report = await watcher.sweep()
        except StorageError as error:
            # The database is unavailable (PostgreSQL restarting): the next sweep tries again.
            log.error("watch sweep failed", extra={"error": str(error)})
            return
        log.info(
            "watch sweep",
            extra={
                "logins": report.logins,
                "chats": report.chats,
                "polls": report.polls,
                "notifications": report.notifications,
                "failures": report.failures,
            },
        )

    def skipped(event: JobExecutionEvent) -> None:
        # An overrunning sweep makes the next one skip: wanted, and not an error.
        log.info("watch sweep skipped: the previous one is still running")

    scheduler.add_listener(skipped, EVENT_JOB_MAX_INSTANCES | EVENT_JOB_MISSED)
    scheduler.add_job(
        sweep,
        IntervalTrigger(seconds=interval, jitter=min(30, interval // 10)),
        id=JOB_ID,
        # Every setting given here, per job: job_defaults apply only to jobs added later, and
        # the library's 1-second misfire grace would silently drop runs on a busy loop.
        max_instances=1,
        coalesce=True,
        misfire_grace_time=max(30, interval),
        replace_existing=True,
        # Soon after a start: whatever changed while the bot was down is announced now.
        next_run_time=datetime.now().astimezone() + timedelta(seconds=min(first_run_in, interval)),
    )
    scheduler.start()
    return scheduler
