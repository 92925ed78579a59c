# syntax=docker/dockerfile:1
# One image recipe for every service:
#   docker build --build-arg SERVICE=order-service -t ecommerce/order-service:0.1.0 .
# SERVICE is the service's workspace directory (api-gateway, customer-service, ...).

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Toolchain for native modules (better-sqlite3) when no prebuilt binary matches.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
# Manifests first so the dependency layer is cached until a package.json or the lockfile changes.
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
COPY bench/package.json bench/
COPY ops-tests/package.json ops-tests/
RUN npm ci --workspaces --include-workspace-root --no-audit --no-fund
COPY . .
RUN npm run build \
  && npm prune --omit=dev --workspaces --include-workspace-root --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ARG SERVICE
RUN test -n "${SERVICE}" || { echo 'build with --build-arg SERVICE=<service directory>' >&2; exit 1; }
ENV NODE_ENV=production \
  SERVICE=${SERVICE} \
  HOST=0.0.0.0 \
  DATA_DIR=/app/data
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
# Whole workspace directories, not only dist: SQL migrations live in <service>/migrations.
COPY --from=build /app/platform ./platform
COPY --from=build /app/${SERVICE} ./${SERVICE}
# The only writable path (SQLite files); Kubernetes mounts an emptyDir here under a read-only root.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 8080 5001 5002 5003 5004 5005 5006
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || '8080') + '/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# exec: node becomes PID 1 and receives SIGTERM itself for the graceful shutdown.
CMD ["sh", "-c", "exec node \"/app/${SERVICE}/dist/src/main.js\""]
