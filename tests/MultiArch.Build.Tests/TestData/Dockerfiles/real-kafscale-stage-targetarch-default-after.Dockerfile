# syntax=docker/dockerfile:1.7

ARG GO_VERSION=1.25.2
FROM golang:${GO_VERSION}-alpine@sha256:06cdd34bd531b810650e47762c01e025eb9b1c7eadd191553b91c9f2d549fae8 AS builder

ARG TARGETOS
ARG TARGETARCH

WORKDIR /src
RUN apk add --no-cache git ca-certificates

COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    go mod download
COPY . .

RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=${TARGETOS} GOARCH=${TARGETARCH} \
    go build -ldflags="-s -w" -o /out/operator ./cmd/operator

FROM alpine:3.19@sha256:6baf43584bcb78f2e5847d1de515f23499913ac9f12bdf834811a3145eb11ca1
RUN apk add --no-cache ca-certificates && adduser -D -u 10001 kafscale
USER 10001
WORKDIR /app

COPY --from=builder /out/operator /usr/local/bin/kafscale-operator

EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/kafscale-operator"]

# source: https://github.com/KafScale/platform/blob/9a5cfcbcde1734472bc9ef05b1f9ed3e8399ea4d/deploy/docker/operator.Dockerfile (Apache-2.0)
# The fix: ARG TARGETOS / ARG TARGETARCH without defaults.
# expect: MULTIARCH2007@10 MULTIARCH2007@24
