# syntax=docker/dockerfile:1
# node-termination-handler. Node 24 strips TypeScript types itself, so the image runs the .ts
# sources as they are: no build step, and the code that runs is the code the tests ran.
# test/unit/deploy/dockerfile.test.ts checks what this file promises (no Docker engine needed).
# Pin the base by digest in a release pipeline (node:24-slim@sha256:…) for reproducible images.

# Stage 1: production dependencies only, exactly as package-lock.json has them.
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --omit=dev: no TypeScript, eslint, CDK or test tools in the image. --ignore-scripts: no
# dependency runs code at install time (none of the production ones needs to).
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

# Stage 2: the runtime: the dependencies, lib/ and cmd/ (the CLI: run, config, doctor, …).
# test/ stays out, and so does the only code that imports it: the local environment and the demo
# (main.ts loads them only when QUEUE_URL is unset, which a deployment never does) and the
# send-test-event workstation tool; see .dockerignore.
FROM node:24-slim
ENV NODE_ENV=production
WORKDIR /app
# Owned by root, so the process (below) cannot modify its own code or dependencies.
COPY --from=deps /app/node_modules ./node_modules
# package.json says "type": "module", which Node needs to load the .ts files as ES modules.
COPY package.json ./
COPY lib/ ./lib/
COPY cmd/ ./cmd/
# The image's `node` user, numeric so the kubelet can verify runAsNonRoot without /etc/passwd.
USER 1000:1000
# Probes (/healthz, /readyz) and Prometheus metrics; see deploy/base/deployment.yaml.
EXPOSE 8080 9092
ENTRYPOINT ["node", "cmd/main.ts"]
CMD ["run"]
