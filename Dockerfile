# syntax=docker/dockerfile:1
# Image of vobiz-operator: `docker build -t vobiz-operator .` at the repository root.
# The base image's tag pins the same Node.js release as package.json's node devDependency.

# Build stage: compile src/ to dist/ with the development dependencies.
FROM node:24.21.0-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts skips the node devDependency's install script, which would download a
# second Node.js; the base image already has this release.
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# Runtime stage: production dependencies, the compiled code and the CRDs, nothing else.
FROM node:24.21.0-bookworm-slim AS runtime
LABEL org.opencontainers.image.title="vobiz-operator" \
      org.opencontainers.image.description="Kubernetes operator for Vobiz phone numbers" \
      org.opencontainers.image.source="https://github.com/vobiz-operator/vobiz-operator" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY crds ./crds
# The files stay owned by root and read-only for the process. 1000 is the image's node user;
# a numeric id lets Kubernetes verify runAsNonRoot.
USER 1000:1000
EXPOSE 8080
ENTRYPOINT ["node", "dist/cli.js"]
CMD ["run"]
