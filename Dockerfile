FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock

COPY . .
# collectstatic needs settings that import; these placeholders never reach a running container.
RUN SECRET_KEY=collectstatic-only-placeholder-value-that-is-long-enough-0123456789 \
    DATABASE_URL=postgres://build/none REDIS_URL=redis://build:6379/0 EMAIL_HOST=build \
    python manage.py collectstatic --no-input

RUN useradd --create-home studio && mkdir -p /app/.data/media && chown -R studio /app/.data
USER studio
EXPOSE 8000
CMD ["gunicorn", "studio.wsgi:application", "--config", "python:studio.gunicorn_conf", "--bind", "0.0.0.0:8000", "--workers", "3", "--backlog", "2048", "--access-logfile", "-"]
