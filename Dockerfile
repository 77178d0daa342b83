# syntax=docker/dockerfile:1
# The secgate image the CI templates default to
# (registry.gitlab.com/secgate/secgate:<version>): secgate, secgate-secrets and
# secgate-image on Debian slim, as a non-root user. No ENTRYPOINT: GitLab runs
# job scripts in a shell. Build and publish: docs/ci-templates.md.
# tests/dockerfile.rs keeps the build command and the binary list in step with
# the workspace.

# The toolchain CI builds and tests with (the MSRV, rust-version in Cargo.toml, is lower).
ARG RUST_VERSION=1.95
ARG DEBIAN_RELEASE=bookworm

FROM docker.io/library/rust:${RUST_VERSION}-slim-${DEBIAN_RELEASE} AS builder
WORKDIR /src
COPY . .
RUN cargo build --release --locked --workspace --bins

FROM docker.io/library/debian:${DEBIAN_RELEASE}-slim AS runtime
# ca-certificates: TLS to registries; curl: the report gate template fetches
# the target branch's baseline through the GitLab API.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 secgate \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin secgate
COPY --from=builder /src/target/release/secgate /usr/local/bin/secgate
COPY --from=builder /src/target/release/secgate-secrets /usr/local/bin/secgate-secrets
COPY --from=builder /src/target/release/secgate-image /usr/local/bin/secgate-image
COPY README.md /usr/share/doc/secgate/
USER 10001:10001
WORKDIR /work
LABEL org.opencontainers.image.title="secgate" \
      org.opencontainers.image.description="Security gates for GitLab CI: report gate, secret detection, image signature verification" \
      org.opencontainers.image.source="https://gitlab.com/secgate/secgate" \
      org.opencontainers.image.licenses="Apache-2.0"
CMD ["secgate", "--help"]
