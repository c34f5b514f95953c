FROM --platform=$BUILDPLATFORM golang:1.22 AS builder
ARG TARGETARCH
COPY . .
RUN GOARCH=$TARGETARCH go build -o /out/app .

FROM --platform=$BUILDPLATFORM alpine:3.19 AS debug
COPY --from=builder /out/app /app

FROM scratch AS release
COPY --from=builder /out/app /app
ENTRYPOINT ["/app"]

FROM --platform=$BUILDPLATFORM alpine:3.19 AS lint
RUN echo lint
# Building the 'release' target: the pinned 'debug' and 'lint' stages never reach the image.
# target: release
# expect: none
