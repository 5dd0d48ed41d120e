# Jiceng: one image for the web server and every worker (the command picks the role; compose.yaml).
FROM python:3.12-slim-trixie

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    JICENG_VAR_DIR=/var/lib/jiceng \
    MEDIA_ROOT=/var/lib/jiceng/media \
    STATIC_ROOT=/opt/jiceng/static \
    JICENG_ENV_FILE=/etc/jiceng/jiceng.env

# pg_dump/pg_restore for `jiceng backup` / `jiceng restore` (the client must not be older than the
# server: trixie ships PostgreSQL 17, as compose.yaml runs).
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/jiceng
COPY pyproject.toml README.md ./
COPY jiceng ./jiceng
RUN pip install . \
    && useradd --system --home-dir /var/lib/jiceng --create-home jiceng \
    && JICENG_ALLOW_DEV_KEY=1 jiceng collectstatic --noinput --verbosity 0

USER jiceng
EXPOSE 8000
# Liveness only (no database): compose restarts nothing for an outage of PostgreSQL.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
CMD ["jiceng", "serve", "--host", "0.0.0.0", "--port", "8000", "--no-collectstatic"]
