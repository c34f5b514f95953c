# Build the manager binary
FROM --platform=$BUILDPLATFORM golang:1.18 AS builder

WORKDIR /workspace

# Copy the Go Modules manifests
COPY go.mod go.mod
COPY go.sum go.sum
# cache deps before building and copying source so that we don't need to re-download as much
# and so that source changes don't invalidate our downloaded layer
RUN go mod download

# Copy the go source
COPY ./ ./

# Build
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -a -o manager main.go

FROM alpine:3.16

# Install ipmitool required by the third party BMC lib.
RUN apk add --upgrade ipmitool=1.8.18-r10

COPY --from=builder /workspace/manager .

USER 65532:65532
ENTRYPOINT ["/manager"]

# source: https://github.com/tinkerbell/rufio/blob/0804094e1100463ee6786e3510b4fa284740a177/Dockerfile (Apache-2.0 license)
# Before a3f312257b1683db670696098e4e8cab65a01c33 'Get Dockerfile env vars properly working:': GOOS=$TARGETOS GOARCH=$TARGETARCH in a stage that does not declare them: empty, so go built for the build machine (#75, issue #74)
# expect: MULTIARCH2004@17 MULTIARCH2004@17 MULTIARCH2007@22
