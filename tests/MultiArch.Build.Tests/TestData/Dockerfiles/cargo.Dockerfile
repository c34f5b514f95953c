FROM --platform=$BUILDPLATFORM rust:1.80 AS build
ARG TARGETARCH
COPY . .
RUN cargo build --release
RUN case "$TARGETARCH" in amd64) T=x86_64-unknown-linux-musl ;; arm64) T=aarch64-unknown-linux-musl ;; esac; cargo build --release --target "$T"

FROM scratch
COPY --from=build /target/ /
# platforms: linux/amd64,linux/arm64
# expect: MULTIARCH2003@4
