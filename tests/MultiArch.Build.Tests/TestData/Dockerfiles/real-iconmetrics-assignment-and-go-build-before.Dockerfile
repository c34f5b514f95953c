FROM --platform=$BUILDPLATFORM golang:1.24 AS builder

ARG BUILDPLATFORM
ARG TARGETPLATFORM
ARG TARGETOS
ARG TARGETARCH

COPY . /app
WORKDIR /app/
RUN CGO_ENABLED=0 GOOS=${TARGETOS} GOARCH=${TARGETARCH} && go build -ldflags "-s -w"

FROM --platform=$TARGETPLATFORM alpine:latest

COPY --from=builder /app/icon-metrics/ /app/
WORKDIR /app/
EXPOSE 8080

ENTRYPOINT [ "./icon-metrics" ]

# source: https://github.com/csutorasa/icon-metrics/blob/4dce85713f77e4e3e66d1c0dd75e32a16d381019/Dockerfile (MIT license)
# Before 78a6e0da605851d7493da552cf560e539eda0ab1 'FIx docker build': `CGO_ENABLED=0 GOOS=${TARGETOS} GOARCH=${TARGETARCH} && go build` in the $BUILDPLATFORM builder: shell variables that never reach go, so the linux/arm64 image (packaging/pkg-docker builds linux/amd64,linux/arm64) held the build machine's binary; 4dce857 'Bump versions' had introduced it; the file keeps its CRLF line ends
# platforms: linux/amd64,linux/arm64
# expect: MULTIARCH2020@10
