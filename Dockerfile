# aksnews: the CLI, the scheduler (`aksnews serve`) and the web archive (`aksnews serve --web`).
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY aksnews aksnews
COPY parsers parsers
COPY notifiers notifiers
COPY templates templates
COPY alembic alembic
RUN pip install --no-cache-dir --prefix=/install ".[postgres]"

FROM python:3.11-slim
COPY --from=build /install /usr/local
# An unprivileged user with a home for the default SQLite database (mount a volume there).
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin aksnews
USER 10001
WORKDIR /home/aksnews
ENV XDG_DATA_HOME=/home/aksnews/data \
    PYTHONUNBUFFERED=1
VOLUME ["/home/aksnews/data"]
EXPOSE 8000
ENTRYPOINT ["aksnews"]
CMD ["serve", "--web", "--host", "0.0.0.0", "--port", "8000"]
