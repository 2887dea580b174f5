# Deckhand: one image, any role (gateway | worker | all).
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY types ./types
RUN npx tsc -p tsconfig.build.json && npm prune --omit=dev

FROM node:24-bookworm-slim
# helm and helmfile are needed by workers that deploy; mount or install them in a derived image.
RUN apt-get update && apt-get install -y --no-install-recommends git ca-certificates && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY config ./config
COPY package.json ./
USER node
ENV NODE_ENV=production
# the same V8 flags as `npm start` (package.json config.nodeFlags): a smaller young generation and a
# heap cap keep memory near 150-220 MB at the cost of more frequent, shorter collections
ENTRYPOINT ["node", "--max-semi-space-size=4", "--max-old-space-size=256", "dist/src/cli.js"]
CMD ["all"]
