"""Jobs that tell chats when exports finish and sender names change status."""

from bot.watcher.baselines import Baselines
from bot.watcher.notifier import ChatGone, Notifier
from bot.watcher.poll import PollTimes
from bot.watcher.scheduling import start_scheduler
from bot.watcher.service import SweepReport, Watcher

__all__ = [
    "Baselines",
    "ChatGone",
    "Notifier",
    "PollTimes",
    "SweepReport",
    "Watcher",
    "start_scheduler",
]
