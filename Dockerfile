# smsc-bot: a multi-stage build on a slim Python base, running as a non-root user.
#   docker build -t smsc-bot .
#   docker run --rm smsc-bot keygen > smsc-bot.keys    # once: the key is kept in this file
#   docker run -d --name smsc-bot -v smsc-bot-data:/data \
#     -v "$PWD/smsc-bot.keys:/run/secrets/smsc-bot-keys:ro" \
#     -e ENCRYPTION_KEYS_FILE=/run/secrets/smsc-bot-keys -e BOT_TOKEN=... smsc-bot
# (README, "Docker": the file's owner, a Compose secret, and what a lost key means.)

FROM python:3.11-slim AS build
WORKDIR /src
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install . \
    && /opt/venv/bin/python -m compileall -q /opt/venv

FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    DATABASE_PATH=/data/smsc-bot.sqlite3 \
    LOG_FORMAT=json
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin smscbot \
    && mkdir /data \
    && chown smscbot:smscbot /data
COPY --from=build /opt/venv /opt/venv
USER 10001:10001
WORKDIR /home/smscbot
VOLUME ["/data"]
# The webhook server (WEBHOOK_URL, WEBHOOK_PORT) when used instead of long polling.
EXPOSE 8080
HEALTHCHECK --interval=60s --timeout=15s --start-period=30s --retries=3 \
    CMD ["smsc-bot", "check", "--skip-smsc"]
ENTRYPOINT ["smsc-bot"]
CMD ["run"]
