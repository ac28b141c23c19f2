# syntax=docker/dockerfile:1
# The course site, built with every check, served by a small non-root web server.
#
#   docker build -t ghcr-course .
#   docker run --rm -p 8080:8080 ghcr-course     # then open http://localhost:8080

# Stage 1: build the site. The HTML is the same for every platform, so this
# stage runs once, natively on the build machine, even for a multi-platform image.
FROM --platform=$BUILDPLATFORM python:3.12-slim AS site
WORKDIR /course
# The checker and the site's packages first: this layer stays cached while pages change.
COPY pyproject.toml README.md ./
COPY ghcr_check/ ghcr_check/
RUN pip install --no-cache-dir --disable-pip-version-check '.[course]'
COPY . .
# --strict and the course's checks: a workflow that fails a check fails the image build.
RUN NO_MKDOCS_2_WARNING=1 GHCR_CHECK_CACHE=off mkdocs build --strict --site-dir /site

# Stage 2: serve it. nginx-unprivileged listens on 8080 and runs as user 101.
FROM nginxinc/nginx-unprivileged:1.30-alpine
COPY --from=site /site /usr/share/nginx/html
USER 101
EXPOSE 8080
