FROM --platform=$BUILDPLATFORM golang:1.24 AS builder

ARG BUILDPLATFORM
ARG TARGETPLATFORM
ARG TARGETOS
ARG TARGETARCH

COPY . /app
WORKDIR /app/
RUN CGO_ENABLED=0 GOOS=${TARGETOS} GOARCH=${TARGETARCH} go build -ldflags "-s -w"

FROM --platform=$TARGETPLATFORM alpine:latest

COPY --from=builder /app/icon-metrics /app/
WORKDIR /app/
EXPOSE 8080
RUN ls 

ENTRYPOINT [ "./icon-metrics" ]

# source: https://github.com/csutorasa/icon-metrics/blob/78a6e0da605851d7493da552cf560e539eda0ab1/Dockerfile (MIT license)
# After 78a6e0da605851d7493da552cf560e539eda0ab1 'FIx docker build': the assignments prefix `go build` (its environment); the file keeps its CRLF line ends
# platforms: linux/amd64,linux/arm64
# expect: MULTIARCH2007@17
