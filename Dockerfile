# syntax=docker/dockerfile:1
# One image for every service: `docker run IMAGE serve ingest`, `... migrate`, `... topics`.
ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# Dependencies first: this layer is rebuilt only when the lock file changes.
COPY requirements.lock ./
RUN pip install --require-hashes --only-binary=:all: -r requirements.lock
COPY . .
RUN pip install --no-deps . \
    && cxloop --help >/dev/null

FROM ${PYTHON_IMAGE}
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOST=0.0.0.0
RUN groupadd --system --gid 10001 cxloop \
    && useradd --system --uid 10001 --gid cxloop --no-create-home \
       --home-dir /nonexistent --shell /usr/sbin/nologin cxloop
COPY --from=build /opt/venv /opt/venv
USER 10001:10001
EXPOSE 8001 8002 8003 8004 8005
ENTRYPOINT ["cxloop"]
CMD ["--help"]
