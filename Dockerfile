# Parley's server. Used by docker-compose.yml; any container runtime will do.

# The browser code: the website widget and the admin console, built with
# esbuild (the console's operations are typed by codegen, a dev tool).
FROM node:20-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
RUN npm ci
COPY . .
RUN npm run widget:build && npm run console:build

FROM node:20-bookworm-slim

WORKDIR /app
ENV NODE_ENV=production

# Dependencies first, for layer caching. `prisma generate` runs in our
# postinstall and needs the schema and the Prisma config.
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
RUN npm ci --omit=dev && npm cache clean --force

COPY . .
COPY --from=assets /app/widget/dist ./widget/dist
COPY --from=assets /app/console/dist ./console/dist

# The embedded database (when DATABASE_URL is unset) lives in /data.
RUN mkdir -p /data && chown node:node /data
VOLUME /data
USER node

ENV HOST=0.0.0.0 \
    PORT=4000 \
    DATA_DIR=/data
EXPOSE 4000

HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"

# node, not npm, as PID 1's child: SIGTERM reaches Parley directly and it
# shuts down gracefully (see src/main.ts).
CMD ["node", "--import", "tsx", "src/main.ts"]
