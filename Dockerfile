# Production image of Emtihan: one image, two commands (API and worker), prebuilt workflow bundle.
# Build: docker build -t emtihan .   Run: see docker-compose.yml.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && node dist/scripts/build-workflow-bundle.js && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/policies ./policies
# The local proctoring adapter's folder (a volume in docker-compose.yml), writable by the app.
RUN mkdir -p /app/var/recordings && chown -R node:node /app/var
USER node
EXPOSE 3000
CMD ["node", "dist/api/main.js"]
