# social-monitor: the daemon on a slim Python base with the CPU build of torch.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    HF_HUB_OFFLINE=1 MONITOR_CONFIG=/data/config.yaml

# CPU torch first, from PyTorch's CPU index, so no CUDA build is ever pulled in.
RUN pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0

RUN useradd --create-home --uid 10001 monitor
WORKDIR /app
COPY pyproject.toml README.md ./
COPY monitor ./monitor
COPY models ./models
RUN pip install . && python -c "import monitor.cli"

# Config, SQLite database and digest copies live on the volume.
COPY config.yaml /app/config.example.yaml
RUN mkdir /data && chown monitor:monitor /data
VOLUME ["/data"]
USER monitor
WORKDIR /data
EXPOSE 9464
ENTRYPOINT ["monitor"]
CMD ["run", "--config", "/data/config.yaml"]
