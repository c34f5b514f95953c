ARG BUILDER_PLATFORM
FROM --platform=${BUILDER_PLATFORM:-$BUILDPLATFORM} golang:1.22 AS builder
ARG TARGETARCH
ARG ARCH=${TARGETARCH}
ARG CUSTOM_ARCH
COPY . .
RUN GOARCH=${ARCH} go build -o /out/a .
RUN GOARCH=$CUSTOM_ARCH go build -o /out/b .
RUN case "$TARGETARCH" in amd64) GOARCH=amd64 ;; arm64) GOARCH=arm64 ;; esac && export GOARCH && go build -o /out/c .

FROM gcr.io/distroless/static
COPY --from=builder /out/ /
# Values from another ARG whose default is ${TARGETARCH}, from --build-arg, or mapped in a case: all fine.
# platforms: linux/amd64,linux/arm64
# expect: none
