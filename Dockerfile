# mockserver as a container: serves every dialect (OpenAI Chat Completions and Responses, Anthropic
# Messages, Gemini, Bedrock Converse, Ollama, the OpenAI-compatible routes) and MCP on 0.0.0.0:8000.
#
#   docker build -t mockserver .            (podman: podman build --format docker -t mockserver .,
#                                            which keeps the HEALTHCHECK)
#   docker run --rm -p 127.0.0.1:8000:8000 -v "$PWD/scenarios:/scenarios:ro" mockserver
#
# Scenarios are read from /scenarios; when that folder is empty (no volume mounted) the bundled
# examples are served with a WARNING (-e MOCKSERVER_FALLBACK=false makes it an error). Every option is an environment variable (MOCKSERVER_PORT, MOCKSERVER_SEED,
# MOCKSERVER_RELOAD, MOCKSERVER_LOG_LEVEL, ...). Requests addressed to localhost or an IP address
# (the published port, the container's own address) are answered; other containers that reach it
# by a service name need that name allowed (a guard against DNS rebinding), for example
#   docker run ... -e MOCKSERVER_ALLOWED_HOSTS=mockserver mockserver      ('*': any name)
# Other commands run too:
#   docker run --rm -v "$PWD/scenarios:/scenarios:ro" mockserver validate /scenarios
#
# PYTHON_BASE lets a machine without registry access build from a local stand-in image.
ARG PYTHON_BASE=python:3.12-slim
FROM ${PYTHON_BASE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY mockserver ./mockserver
# The scenarios symlink at the repository root is not copied: the package holds the real files.
# [redis]: replicas can share state in Redis (--state redis://…, see docs/scale-out.md).
# The bytecode pip compiles at install stays in the image: the container runs with
# PYTHONDONTWRITEBYTECODE=1 as a user who cannot write there, so without it every start would
# compile the whole program again (~0.15 s of start-up).
RUN python3 -m venv /opt/mockserver \
 && /opt/mockserver/bin/pip install --no-cache-dir '.[redis]' \
 && /opt/mockserver/bin/pip uninstall -y -q pip

FROM ${PYTHON_BASE}
COPY --from=build /opt/mockserver /opt/mockserver
RUN useradd --uid 10001 --user-group --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin mockserver \
 && mkdir -p /scenarios
ENV PATH=/opt/mockserver/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MOCKSERVER_HOST=0.0.0.0 \
    MOCKSERVER_PORT=8000
# The working directory is /, so the default scenario folder ./scenarios is /scenarios: used when
# it holds *.yaml/*.yml files, else the bundled examples (the log names the folder it loaded).
WORKDIR /
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["python3", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('MOCKSERVER_PORT', '8000'), timeout=2)"]
STOPSIGNAL SIGTERM
# Exec form: the Python process is PID 1 and gets SIGTERM itself; it stops gracefully, status 0.
ENTRYPOINT ["mockserver"]
CMD ["serve"]
