"""The assembly: builds the bot from its parts and runs it (polling, webhook, the demo, the
maintenance commands). The only place that imports :mod:`handlers`."""
