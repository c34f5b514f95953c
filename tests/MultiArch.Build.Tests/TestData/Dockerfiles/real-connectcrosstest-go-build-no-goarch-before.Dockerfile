FROM --platform=${BUILDPLATFORM} golang:1.18.2-alpine3.15 as builder

WORKDIR /workspace

ARG TEST_CONNECT_GO_BRANCH

COPY go.mod go.sum /workspace/
COPY cmd /workspace/cmd
COPY internal /workspace/internal
COPY cert /workspace/cert

RUN if [ ! -z "$TEST_CONNECT_GO_BRANCH" ] ; then go get github.com/bufbuild/connect-go@$TEST_CONNECT_GO_BRANCH; fi

RUN --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 \
    go build -ldflags "-s -w" -trimpath -o /go/bin/client ./cmd/client

RUN --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 \
    go build -ldflags "-s -w" -trimpath -o /go/bin/serverconnect ./cmd/server/serverconnect

RUN --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 \
    go build -ldflags "-s -w" -trimpath -o /go/bin/servergrpc ./cmd/server/servergrpc

FROM alpine:3.15.4

COPY --from=builder /go/bin/client /usr/local/bin/client
COPY --from=builder /go/bin/serverconnect /usr/local/bin/serverconnect
COPY --from=builder /go/bin/servergrpc /usr/local/bin/servergrpc
COPY --from=builder /workspace/cert /cert

# source: https://github.com/connectrpc/conformance/blob/5df1981695653b8c1df6f2946a3d3f68c1eb84d8/Dockerfile.crosstest (Apache-2.0 license)
# Before 065d262702dcbdb6702b117719af3a5c4262e078 'fix docker go build os and arch (#120)': three `CGO_ENABLED=0 go build`s in the `--platform=${BUILDPLATFORM}` builder with no GOOS/GOARCH: the image pushed for every platform setup-qemu offers held the build machine's client and servers (#119 had just pinned the builder to $BUILDPLATFORM)
# expect: MULTIARCH2003@14 MULTIARCH2003@18 MULTIARCH2003@22
