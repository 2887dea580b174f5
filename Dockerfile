# Deckhand: one image, any role (gateway | worker | all), with the tools a worker deploys with:
# helm, helmfile and the helm-diff plugin (pinned; every download checked against its SHA-256, the
# plugin built from its Go module, which `go install` checks against the Go checksum database), and
# git from Debian's signed archive. test/containers.test.ts checks this file's pins and paths (no
# Docker engine runs where Deckhand is developed: the image itself has not been built there).
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY types ./types
RUN npx tsc -p tsconfig.build.json && npm prune --omit=dev

# helm and helmfile: release tarballs, pinned and verified
FROM debian:bookworm-slim AS tools
ARG HELM_VERSION=v3.16.2
ARG HELM_SHA256=9318379b847e333460d33d291d4c088156299a26cd93d570a7f5d0c36e50b5bb
ARG HELMFILE_VERSION=0.169.1
ARG HELMFILE_SHA256=c3c18ad2fbc83a5440f09f79a9dfa8df2a288595766655fe79b34dd902ba8c6d
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl && rm -rf /var/lib/apt/lists/*
WORKDIR /tmp/tools
RUN curl -fsSLo helm.tar.gz "https://get.helm.sh/helm-${HELM_VERSION}-linux-amd64.tar.gz" \
 && echo "${HELM_SHA256}  helm.tar.gz" | sha256sum -c - \
 && tar -xzf helm.tar.gz linux-amd64/helm && install -m 0755 linux-amd64/helm /usr/local/bin/helm
RUN curl -fsSLo helmfile.tar.gz "https://github.com/helmfile/helmfile/releases/download/v${HELMFILE_VERSION}/helmfile_${HELMFILE_VERSION}_linux_amd64.tar.gz" \
 && echo "${HELMFILE_SHA256}  helmfile.tar.gz" | sha256sum -c - \
 && tar -xzf helmfile.tar.gz helmfile && install -m 0755 helmfile /usr/local/bin/helmfile

# the helm-diff plugin (helmfile diff/apply need it), built from its module: go install verifies the
# module against sum.golang.org, so a changed release cannot slip in under the same version
FROM golang:1.23-bookworm AS helm-diff
ARG HELM_DIFF_VERSION=v3.9.14
RUN CGO_ENABLED=0 GOBIN=/out GOFLAGS=-mod=readonly go install "github.com/databus23/helm-diff/v3@${HELM_DIFF_VERSION}" \
 && mkdir -p /plugins/helm-diff/bin && mv /out/helm-diff /plugins/helm-diff/bin/diff \
 && printf 'name: "diff"\nversion: "%s"\nusage: "Preview helm upgrade changes as a diff"\ndescription: "Preview helm upgrade changes as a diff"\nuseTunnel: true\ncommand: "$HELM_PLUGIN_DIR/bin/diff"\n' "${HELM_DIFF_VERSION#v}" > /plugins/helm-diff/plugin.yaml

FROM ${NODE_IMAGE}
RUN apt-get update && apt-get install -y --no-install-recommends git ca-certificates openssh-client && rm -rf /var/lib/apt/lists/*
COPY --from=tools /usr/local/bin/helm /usr/local/bin/helmfile /usr/local/bin/
COPY --from=helm-diff /plugins /usr/local/share/helm/plugins
# helm finds the plugin here whoever runs it; its cache and config stay in the node user's home
ENV HELM_PLUGINS=/usr/local/share/helm/plugins
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY config ./config
COPY package.json ./
USER node
ENV NODE_ENV=production
# the same V8 flags as `npm start` (package.json config.nodeFlags)
ENTRYPOINT ["node", "--max-semi-space-size=1", "--max-old-space-size=256", "dist/src/main.js"]
CMD ["all"]
