# syntax=docker/dockerfile:1.7
ARG GO_VERSION=1.22
ARG RUNTIME_IMAGE=alpine:3.19
ARG TARGETARCH

FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-alpine AS base
ARG TARGETOS TARGETARCH
WORKDIR /src
ENV CGO_ENABLED=0
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=bind,source=go.sum,target=go.sum \
    --mount=type=bind,source=go.mod,target=go.mod \
    go mod download -x

# A stage built from `base`: it inherits the $BUILDPLATFORM pin and the ARG declarations.
FROM base AS build
ARG VERSION=dev
ENV GOOS=$TARGETOS
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    --mount=type=bind,target=. \
    GOARCH=$TARGETARCH go build -ldflags "-X main.version=${VERSION}" -o /out/app ./cmd/app
RUN <<EOF
set -e
# Not an instruction: FROM --platform=linux/amd64 scratch
echo "built for ${TARGETOS}/${TARGETARCH}"
EOF

# Tests run on the build machine and never reach the image: compiling for it is fine.
FROM base AS test
RUN --mount=type=cache,target=/root/.cache/go-build \
    --mount=type=bind,target=. \
    go test ./...

FROM ${RUNTIME_IMAGE}
COPY --from=build /out/app /usr/local/bin/app
COPY <<'NOTICE' /usr/share/doc/app/NOTICE
Built by $BUILDPLATFORM for $TARGETPLATFORM (literal text: quoted heredoc)
NOTICE
ENTRYPOINT ["/usr/local/bin/app"]
# expect: none
