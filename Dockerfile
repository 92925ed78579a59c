# syntax=docker/dockerfile:1
# One image recipe for every service, built with its name and port:
#   docker build --build-arg SERVICE=order-service --build-arg PORT=5003 -t ecommerce/order-service:0.1.0 .
# SERVICE is the service's workspace directory (api-gateway, customer-service, ...); PORT the port it
# listens on (docker-compose.yml passes both). The image holds that service, platform/, and the production
# dependencies of those two workspaces only: no other service, no test or benchmark tooling.

# Node.js 24 LTS (supported until April 2028). The code also runs on Node 20.19+ and 22 (package.json
# engines), which development and CI use.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS toolchain
WORKDIR /app
# Toolchain for native modules (better-sqlite3) when no prebuilt binary matches.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
# Manifests first so the dependency layers are cached until a package.json or the lockfile changes.
# npm ci needs every workspace listed in the root package.json to be present.
COPY package.json package-lock.json ./
COPY platform/package.json platform/
COPY api-gateway/package.json api-gateway/
COPY customer-service/package.json customer-service/
COPY inventory-service/package.json inventory-service/
COPY order-service/package.json order-service/
COPY payment-service/package.json payment-service/
COPY shipping-service/package.json shipping-service/
COPY notification-service/package.json notification-service/
COPY resilience-tests/package.json resilience-tests/
COPY load-generator/package.json load-generator/
COPY bench/package.json bench/
COPY ops-tests/package.json ops-tests/

# Compiles platform/ and the service (TypeScript needs every dev dependency).
FROM toolchain AS build
ARG SERVICE
RUN test -n "${SERVICE}" || { echo 'build with --build-arg SERVICE=<service directory> --build-arg PORT=<port>' >&2; exit 1; }
RUN npm ci --workspaces --include-workspace-root --no-audit --no-fund
COPY . .
# SQL migrations live beside dist; the gateway has none (an empty folder keeps the COPY below uniform).
RUN node scripts/tsc.mjs -b platform "${SERVICE}" && mkdir -p "${SERVICE}/migrations"

# The production dependencies of platform/ and this service only. Optional dependencies are left out:
# the one among them, elastic-apm-node (winston-elasticsearch's APM correlation, with OpenTelemetry), is
# never used. better-sqlite3 keeps only its compiled addon (its C sources and object files serve the
# build); nested node_modules exist only where versions clash, so they are created for the COPY below.
FROM toolchain AS deps
ARG SERVICE
RUN npm ci --omit=dev --omit=optional --workspace=platform --workspace="${SERVICE}" --no-audit --no-fund \
  && addon=node_modules/better-sqlite3/build/Release/better_sqlite3.node \
  && mv "$addon" /tmp/ \
  && rm -rf node_modules/better-sqlite3/deps node_modules/better-sqlite3/src node_modules/better-sqlite3/build \
  && mkdir -p node_modules/better-sqlite3/build/Release \
  && mv /tmp/better_sqlite3.node "$addon" \
  && mkdir -p platform/node_modules "${SERVICE}/node_modules"

FROM ${NODE_IMAGE} AS runtime
ARG SERVICE
ARG PORT
RUN test -n "${SERVICE}" && test -n "${PORT}" \
  || { echo 'build with --build-arg SERVICE=<service directory> --build-arg PORT=<port>' >&2; exit 1; }
ENV NODE_ENV=production \
  SERVICE=${SERVICE} \
  PORT=${PORT} \
  HOST=0.0.0.0 \
  DATA_DIR=/app/data
WORKDIR /app
COPY --from=deps /app/package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=deps /app/platform/node_modules ./platform/node_modules
COPY --from=deps /app/${SERVICE}/node_modules ./${SERVICE}/node_modules
COPY --from=build /app/platform/package.json ./platform/
COPY --from=build /app/platform/dist ./platform/dist
COPY --from=build /app/${SERVICE}/package.json ./${SERVICE}/
COPY --from=build /app/${SERVICE}/dist ./${SERVICE}/dist
COPY --from=build /app/${SERVICE}/migrations ./${SERVICE}/migrations
# The only writable path (SQLite files); Kubernetes mounts a persistent volume here under a read-only root.
RUN mkdir -p /app/data && chown node:node /app/data && chmod 0700 /app/data
USER node
EXPOSE ${PORT}
# Liveness on the port this image's service listens on (PORT, baked in above).
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# exec: node becomes PID 1 and receives SIGTERM itself for the graceful shutdown.
CMD ["sh", "-c", "exec node \"/app/${SERVICE}/dist/src/main.js\""]
