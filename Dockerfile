# syntax=docker/dockerfile:1
# The slo command for CI, with promtool to run the generated rule tests.
#
#   docker build -t slo-engine .
#   docker run --rm -v "$PWD:/work" slo-engine compile slo-specs/
#   docker run --rm -v "$PWD:/work" --entrypoint promtool slo-engine test rules rules-out/day/day-api-availability.test.yaml
#
# Stages: build (pnpm install, pack the CLI tarball: its prepack type checks and bundles), promtool
# (Prometheus release archive, sha256 verified), runtime (the tarball installed without development
# dependencies, promtool, a non-root user).

# ---- build: the workspace, packed into the CLI's tarball
FROM node:24.20.0-bookworm-slim AS build
ENV npm_config_update_notifier=false npm_config_fund=false
# the pnpm version of package.json's packageManager field
RUN npm install -g pnpm@10.34.9
WORKDIR /src
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml tsconfig.base.json ./
COPY packages/ packages/
RUN pnpm install --frozen-lockfile
RUN mkdir /out \
 && cd packages/cli \
 && pnpm pack --pack-destination /out \
 && mv /out/slo-engine-cli-*.tgz /out/slo-engine-cli.tgz

# ---- promtool: from the Prometheus release, checked against the release's sha256sums.txt
FROM node:24.20.0-bookworm-slim AS promtool
ARG PROMETHEUS_VERSION=3.5.0
ARG PROMETHEUS_SHA256_AMD64=e811827af26d822afb09a4f28314f61b618b12cff5369835a67f674d8b46f39a
ARG PROMETHEUS_SHA256_ARM64=173389cc42bf09c4e6e54cb53fa07a5a835d7c261e14775d2183181d6e385d1c
# set by BuildKit; other builders fall back to the build machine's architecture
ARG TARGETARCH
# the slim image has no curl: Node's fetch downloads the archive
RUN set -eu; \
    arch="${TARGETARCH:-$(dpkg --print-architecture)}"; \
    case "$arch" in \
      amd64) sum="$PROMETHEUS_SHA256_AMD64" ;; \
      arm64) sum="$PROMETHEUS_SHA256_ARM64" ;; \
      *) echo "no promtool checksum for architecture $arch" >&2; exit 1 ;; \
    esac; \
    name="prometheus-${PROMETHEUS_VERSION}.linux-${arch}"; \
    url="https://github.com/prometheus/prometheus/releases/download/v${PROMETHEUS_VERSION}/${name}.tar.gz"; \
    node -e 'fetch(process.argv[1]).then(async (r) => { if (!r.ok) throw new Error(`${r.status} ${r.url}`); require("node:fs").writeFileSync(process.argv[2], Buffer.from(await r.arrayBuffer())); })' "$url" /tmp/prometheus.tar.gz; \
    echo "$sum  /tmp/prometheus.tar.gz" | sha256sum -c -; \
    tar -xzf /tmp/prometheus.tar.gz -C /tmp "${name}/promtool"; \
    install -m 0755 "/tmp/${name}/promtool" /usr/local/bin/promtool; \
    rm -rf /tmp/prometheus.tar.gz "/tmp/${name}"; \
    promtool --version

# ---- runtime: slo and promtool, nothing else of the workspace
FROM node:24.20.0-bookworm-slim AS runtime
ENV NODE_ENV=production npm_config_update_notifier=false npm_config_fund=false
COPY --from=build /out/slo-engine-cli.tgz /tmp/slo-engine-cli.tgz
RUN npm install -g --omit=dev /tmp/slo-engine-cli.tgz \
 && rm /tmp/slo-engine-cli.tgz \
 && npm cache clean --force \
 && slo --version
COPY --from=promtool /usr/local/bin/promtool /usr/local/bin/promtool
RUN groupadd --gid 10001 slo \
 && useradd --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin slo \
 && mkdir -p /work \
 && chown 10001:10001 /work
WORKDIR /work
USER 10001:10001
ENTRYPOINT ["slo"]
CMD ["--help"]
