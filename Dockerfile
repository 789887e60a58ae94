# Gatehouse gateway image: production dependencies, the gateway bundled
# (packages/gateway/scripts/build-bundle.ts: a few files to load instead of
# about 750 modules) beside the sources whose files it reads (the default
# config, the OpenAPI document, the demo CRM), the built console, run as an
# unprivileged user.
#   docker build -t gatehouse .
#   docker run -p 8080:8080 -p 8081:8081 -v $PWD/gatehouse.yaml:/etc/gatehouse/gatehouse.yaml gatehouse
FROM node:24-bookworm-slim AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/gateway/package.json packages/gateway/
COPY packages/audit-record/package.json packages/audit-record/
COPY packages/server-kit/package.json packages/server-kit/
COPY packages/demo-crm/package.json packages/demo-crm/
COPY packages/testing/package.json packages/testing/
COPY packages/console/package.json packages/console/
# Production dependencies only; the `node` devDependency (Node 24 for npm
# scripts on older machines) is not needed on an image that is Node 24.
RUN npm ci --omit=dev --workspaces --include-workspace-root --no-audit --no-fund

# The web console (docs/console.md), built with its dev dependencies (Vite);
# the image keeps only packages/console/dist.
FROM node:24-bookworm-slim AS console
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/gateway/package.json packages/gateway/
COPY packages/audit-record/package.json packages/audit-record/
COPY packages/server-kit/package.json packages/server-kit/
COPY packages/demo-crm/package.json packages/demo-crm/
COPY packages/testing/package.json packages/testing/
COPY packages/console/package.json packages/console/
RUN npm ci --workspace @gatehouse/console --no-audit --no-fund
COPY packages/console packages/console
RUN npm run build -w @gatehouse/console

# The gateway bundle, built with the dev dependencies (rolldown); the image keeps only packages/gateway/dist.
FROM node:24-bookworm-slim AS bundle
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages packages
RUN npm ci --no-audit --no-fund --ignore-scripts && node packages/gateway/scripts/build-bundle.ts --strict

FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    GATEHOUSE_LOG_LEVEL=info
WORKDIR /app
COPY --from=dependencies /app/node_modules ./node_modules
COPY package.json package-lock.json ./
COPY packages/gateway/package.json packages/gateway/
COPY packages/gateway/src packages/gateway/src
COPY packages/gateway/config packages/gateway/config
# The audit record the gateway writes (shared with the server kit).
COPY packages/audit-record/package.json packages/audit-record/
COPY packages/audit-record/src packages/audit-record/src
# The demo CRM backs the embedded default; production configs name their own backends.
COPY packages/demo-crm/package.json packages/demo-crm/
COPY packages/demo-crm/src packages/demo-crm/src
COPY packages/demo-crm/data packages/demo-crm/data
COPY packages/server-kit/package.json packages/server-kit/
COPY packages/server-kit/src packages/server-kit/src
# The web console, served by the admin listener at /console/.
COPY --from=console /app/packages/console/dist packages/console/dist
COPY --from=bundle /app/packages/gateway/dist packages/gateway/dist
# Node's compile cache (the entry turns it on), written here at build time
# for the parts a start loads, so a fresh container starts without compiling
# them (docs/benchmarks.md, "Footprint").
ENV NODE_COMPILE_CACHE=/app/.compile-cache
RUN node packages/gateway/dist/gatehouse.mjs start --help >/dev/null \
 && mkdir -p /etc/gatehouse /var/lib/gatehouse && chown node:node /var/lib/gatehouse && chown -R node:node /app/.compile-cache
USER node
# 8080: the MCP endpoint. 8081: the admin listener (/healthz, /readyz, /metrics, admin API).
EXPOSE 8080 8081
# SIGTERM drains (in-flight calls finish, streams get a reconnect hint); give
# the container's stop timeout at least gateway.drain_timeout_seconds.
STOPSIGNAL SIGTERM
# The V8 flags of packages/gateway/src/cli/start-node-flags.ts (a smaller young generation: less memory and CPU).
ENTRYPOINT ["node", "--max-semi-space-size=8", "packages/gateway/dist/gatehouse.mjs"]
CMD ["start", "--config", "/etc/gatehouse/gatehouse.yaml"]
