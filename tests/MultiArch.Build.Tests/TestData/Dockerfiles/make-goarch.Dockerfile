FROM --platform=$BUILDPLATFORM golang:1.22 AS builder
ARG TARGETARCH
COPY . .
RUN GOARCH=$TARGETARCH make build
RUN make build GOARCH=amd64
RUN make test

FROM gcr.io/distroless/static
COPY --from=builder /workspace/bin/ /
# platforms: linux/amd64,linux/arm64
# expect: MULTIARCH2006@5
