FROM golang:alpine as builder

ARG HUGO_VERSION
ARG HUGO_EXTENDED
ARG GOPROXY
ARG TARGETOS
ARG TARGETARCH
ARG LDFLAGS
ENV GOOS=$TARGETOS
ENV GOARCH=$TARGETARCH

# install build tools.
RUN apk add --no-cache gcc g++ musl-dev git

WORKDIR /src

# download modules.
COPY src .
RUN --mount=type=cache,target=/root/.cache/go-build \
  --mount=type=cache,target=/go/pkg \
  go mod download

# build Hugo.
COPY . .
RUN --mount=type=cache,target=/root/.cache/go-build \
  --mount=type=cache,target=/go/pkg \
  if [[ -z "$HUGO_EXTENDED" ]]; \
  then \
    go build -ldflags="$LDFLAGS" -o /usr/bin/hugo; \
  else \
    go build -ldflags="$LDFLAGS" -tags extended -o /usr/bin/hugo; \
  fi

# source: https://github.com/hugomods/docker/blob/b08a359675169f90cee9bb406a2c66870d302255/docker/hugo/Dockerfile-builder (MIT license)
# Before 863fe301865c6072fe5960af10fafcb70fbcfd81 'perf: use tonistiigi/xx for cross-compiling': go build under emulation in a target-platform builder (slow; the commit is a speed fix)
# expect: MULTIARCH2007@13
