"""The sweep job is configured on the job itself, with the settings APScheduler's defaults get wrong."""

from __future__ import annotations

from apscheduler.triggers.interval import IntervalTrigger

from bot.watcher.scheduling import JOB_ID, start_scheduler


class IdleWatcher:
    interval = 300

    async def sweep(self) -> None:  # pragma: no cover - never due within the test
        raise AssertionError("not expected to run")


async def test_job_settings() -> None:
    scheduler = start_scheduler(IdleWatcher(), first_run_in=3600)  # type: ignore[arg-type]
    try:
        job = scheduler.get_job(JOB_ID)
        assert job.max_instances == 1
        assert job.coalesce is True
        assert job.misfire_grace_time == 300
        assert isinstance(job.trigger, IntervalTrigger)
        assert job.trigger.interval.total_seconds() == 300
        assert job.trigger.jitter == 30
    finally:
        scheduler.shutdown(wait=False)
