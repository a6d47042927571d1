# The envoy-drift agent image that charts/envoy-drift runs (values: agent.image).
# It cannot be built in this project's CI (no container engine there); build it with
#   docker build -t ghcr.io/envoy-drift/envoy-drift:0.1.0 .
# keeping the tag equal to the chart's appVersion.

# Node LTS; the build stage and the runtime stage must share the major version,
# since node_modules is copied across.
FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build before the sources are copied.
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts/build-page.mjs ./scripts/
RUN npm run build && npm prune --omit=dev

# Distroless: no shell, no package manager; its `nonroot` user is 65532, the
# runAsUser and runAsGroup the chart sets.
FROM gcr.io/distroless/nodejs24-debian12:nonroot
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
# Envoy's API types, read at run time (src/proto/api-types.ts).
COPY proto/envoy-api ./proto/envoy-api
USER 65532:65532
EXPOSE 9902
ENTRYPOINT ["/nodejs/bin/node", "/app/dist/cli/bin.js"]
CMD ["--help"]
