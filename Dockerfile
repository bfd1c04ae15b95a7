# cme-bot: `cme-bot serve` (Slack, Teams, /healthz and the scheduler) in one container.
# Build: docker build -t cme-bot .    Run: see compose.yaml and docs/deploying.md.
ARG PYTHON_VERSION=3.11

# Stage 1: install the locked dependencies and the app into a virtual environment (wheels only, no compiler).
FROM python:${PYTHON_VERSION}-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/cme-bot
WORKDIR /src
# The dependencies first, pinned by requirements.lock (runtime ones only: the lock also pins the test tools).
# This layer is rebuilt only when the lock or the dependency list changes.
COPY requirements.lock pyproject.toml README.md ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/runtime.txt \
    && /opt/cme-bot/bin/pip install --only-binary :all: -c requirements.lock -r /tmp/runtime.txt
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
RUN /opt/cme-bot/bin/pip install --no-deps . \
    && /opt/cme-bot/bin/python -m compileall -q /opt/cme-bot/lib

# Stage 2: the runtime, with no build files and a user that owns nothing but its home.
FROM python:${PYTHON_VERSION}-slim-bookworm
LABEL org.opencontainers.image.title="cme-bot" \
      org.opencontainers.image.description="Children Missing Education chatbot for Slack and Microsoft Teams"
RUN groupadd --system --gid 10001 cme \
    && useradd --system --uid 10001 --gid cme --home-dir /home/cme --create-home --shell /usr/sbin/nologin cme
COPY --from=build /opt/cme-bot /opt/cme-bot
ENV PATH=/opt/cme-bot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    CME_ENV=production \
    CME_LOG_FORMAT=json \
    MPLCONFIGDIR=/tmp/matplotlib
WORKDIR /home/cme
USER cme:cme
EXPOSE 3978
# 200 once the database answers; the start period covers migrations and fitting the answer engine.
HEALTHCHECK --interval=30s --timeout=6s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:3978/healthz', timeout=5).status != 200)"]
# SIGTERM: stop listening, finish requests in flight and what they started after the ack, then stop the jobs.
STOPSIGNAL SIGTERM
CMD ["cme-bot", "serve", "--host", "0.0.0.0", "--port", "3978"]
