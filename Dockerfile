# One Dockerfile, one image per Chorus service:
#   docker build --build-arg SERVICE=forums --build-arg PORT=8103 -t chorus/forums .
# SERVICE is the workspace package without its "chorus-" prefix (users, reviews, forums,
# gateway, analytics, ops); only that package and what it depends on go into the image,
# at the versions uv.lock pins. BASE_IMAGE stays the official Python image for production;
# machines without a registry build from a local Debian base (deploy/podman/).
ARG BASE_IMAGE=python:3.12-slim-bookworm

FROM ${BASE_IMAGE} AS build
ARG SERVICE
ARG UV_VERSION=0.13.9
ENV UV_PYTHON_DOWNLOADS=never \
    UV_SYSTEM_CERTS=1 \
    UV_LINK_MODE=copy \
    UV_COMPILE_BYTECODE=1 \
    UV_PROJECT_ENVIRONMENT=/opt/chorus
RUN python3 -m venv /opt/uv && /opt/uv/bin/pip install --no-cache-dir --disable-pip-version-check "uv==${UV_VERSION}"
WORKDIR /src
COPY pyproject.toml uv.lock ./
COPY schemas schemas
COPY libs libs
COPY services services
COPY bench/pyproject.toml bench/pyproject.toml
RUN test -n "${SERVICE}" || { echo "build with --build-arg SERVICE=<users|reviews|forums|gateway|analytics|ops>" >&2; exit 1; }
RUN /opt/uv/bin/uv sync --quiet --frozen --no-dev --no-editable --package "chorus-${SERVICE}" --python python3

FROM ${BASE_IMAGE} AS runtime
ARG SERVICE
ARG PORT=8000
LABEL org.opencontainers.image.title="chorus-${SERVICE}" \
      org.opencontainers.image.source="https://github.com/chorus-music/chorus"
# A fixed numeric user: Kubernetes checks runAsNonRoot against the number.
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin chorus
COPY --from=build /opt/chorus /opt/chorus
COPY deploy/images/entrypoint.sh /usr/local/bin/chorus-entrypoint
COPY deploy/images/healthcheck.py /usr/local/lib/chorus-healthcheck.py
COPY infra/kafka/topics.toml /etc/chorus/topics.toml
ENV PATH=/opt/chorus/bin:$PATH \
    CHORUS_TOPICS_FILE=/etc/chorus/topics.toml \
    PYTHONUNBUFFERED=1 \
    CHORUS_SERVICE=${SERVICE} \
    CHORUS_DEFAULT_PORT=${PORT}
USER 10001
EXPOSE ${PORT}
# SIGTERM drains: forums sends its members away with 1001 and they resume elsewhere.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=4s --start-period=30s --retries=3 \
    CMD ["/opt/chorus/bin/python", "/usr/local/lib/chorus-healthcheck.py"]
ENTRYPOINT ["/usr/local/bin/chorus-entrypoint"]
