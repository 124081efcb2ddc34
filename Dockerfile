# syntax=docker/dockerfile:1
# One image for every role: `bookml step …` (Argo steps), `bookml serve`, `bookml api`, `bookml monitor`.
#   docker build --build-arg BOOKML_GIT_SHA=$(git rev-parse HEAD) -t registry.example.com/bookml:0.1.0 .
# The runtime stage has node and the built app only (no npm, npx, corepack, yarn or compilers), runs as
# 65532:65532 and works with a read-only root filesystem: every writable path is /tmp (an emptyDir).

ARG NODE_VERSION=20

FROM node:${NODE_VERSION}-bookworm AS build
# The commit the image is built from: lineage records it (codeVersion reads BOOKML_GIT_SHA where there is no
# git checkout), so a build without it fails here rather than producing models of unknown code.
ARG BOOKML_GIT_SHA
RUN test -n "$BOOKML_GIT_SHA" || { echo 'build with --build-arg BOOKML_GIT_SHA=$(git rev-parse HEAD)' >&2; exit 1; }
WORKDIR /src
COPY package.json package-lock.json ./
# better-sqlite3 builds its native module here, with the compilers of this stage.
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# The step processes' bundle (dist/step-bundle) is made by scripts/bundle-steps.mjs.
COPY scripts ./scripts
# The dashboard the control plane serves at /ui/ (built by `npm run build` into dist/ui).
COPY ui ./ui
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ARG BOOKML_GIT_SHA
ARG BOOKML_VERSION=""
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-* \
 && ln -s /app/dist/cli/main.js /usr/local/bin/bookml
WORKDIR /app
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
ENV NODE_ENV=production \
    BOOKML_GIT_SHA=${BOOKML_GIT_SHA} \
    BOOKML_VERSION=${BOOKML_VERSION} \
    BOOKML_HOME=/tmp/bookml \
    HOME=/tmp
USER 65532:65532
ENTRYPOINT ["bookml"]
CMD ["--help"]
