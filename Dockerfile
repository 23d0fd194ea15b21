# Production-like image for docker-compose: web (gunicorn), worker and beat share it.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN apt-get update && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk gettext poppler-utils \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml ./
RUN pip install --no-cache-dir -e . 2>/dev/null || true
COPY . .
RUN pip install --no-cache-dir -e . \
    && DEBUG=1 DATABASE_URL=postgresql://build:build@localhost/build python manage.py compilemessages --ignore=.venv -v 0 \
    && DEBUG=1 DATABASE_URL=postgresql://build:build@localhost/build python manage.py collectstatic --noinput -v 0
RUN useradd --create-home portal && mkdir -p /app/.data && chown -R portal /app/.data
USER portal
EXPOSE 8000
CMD ["gunicorn", "enclave_portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
