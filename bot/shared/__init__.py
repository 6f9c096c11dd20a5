"""What replicas of the bot share through Redis (``REDIS_URL``), beside the database: leases
(one poller, one watcher, one ``setWebhook``), the kept account copies, pending confirmations,
the login attempts and the updates already handled. One process without Redis keeps all of it
in memory instead."""
