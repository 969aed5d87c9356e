# One image for web, worker and beat (docker-compose.yml picks the command); the reverse proxy
# in front of web is nginx's own image with taxpro/deploy/nginx.conf.
FROM node:20-bookworm-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
# Only the design system's parts the portal uses (static/scss/uswds-portal.scss), as make setup.
COPY static/scss static/scss
RUN mkdir -p css && node_modules/.bin/sass --load-path=node_modules/@uswds/uswds/packages \
    --style=compressed --no-source-map --quiet static/scss/uswds-portal.scss css/portal.min.css

FROM python:3.12-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
RUN useradd --create-home --uid 10001 portal
COPY pyproject.toml README.md ./
COPY taxpro taxpro
COPY caf caf
COPY taxpayers taxpayers
COPY authorizations authorizations
RUN pip install --no-cache-dir .
COPY . .
COPY --from=assets /src/css static/vendor/uswds/css
COPY --from=assets /src/node_modules/@uswds/uswds/dist/img static/vendor/uswds/img
# collectstatic needs settings but no services: give it throwaway values for the build only.
# The uploaded forms' folder is made here, the portal user's and private, so that the compose
# volume mounted on it starts with that owner and mode.
RUN DATABASE_URL=postgresql://build@localhost/build REDIS_URL=redis://localhost:6379/0 \
    SECRET_KEY=build-only-$(python -c "import secrets; print(secrets.token_urlsafe(48))") \
    python manage.py collectstatic --noinput -v 0 && mkdir -p /app/.run/private-media \
    && chmod 700 /app/.run/private-media && chown -R portal /app/.run
USER portal
EXPOSE 8000
# gunicorn reads its settings (workers, timeouts, masked logs) from taxpro/deploy/gunicorn.conf.py
# whatever command compose gives it; options on a command line still win over that file.
ENV GUNICORN_CMD_ARGS="--config taxpro/deploy/gunicorn.conf.py"
CMD ["gunicorn", "taxpro.wsgi:application"]
