FROM docker.io/library/rust:alpine AS builder

WORKDIR /agate
RUN apk --no-cache add libc-dev

COPY src src
COPY Cargo.toml .
COPY Cargo.lock .
RUN cargo install --target x86_64-unknown-linux-musl --path .

FROM docker.io/library/alpine:latest
COPY --from=builder /usr/local/cargo/bin/agate /usr/bin/agate
WORKDIR /app
EXPOSE 1965
VOLUME /gmi/
VOLUME /certs/

ENTRYPOINT ["agate", "--addr", "0.0.0.0:1965", "--content", "/gmi/", "--certs", "/certs/"]


# source: https://github.com/mbrubeck/agate/blob/2787c9ce4b200fc449e2d26b78b922f624685d1e/Dockerfile (MIT OR Apache-2.0)
# Before caed20cc4dd528114af8f28d591653bee289be62 (#376, issue #375): cargo install --target x86_64-unknown-linux-musl for every platform.
# expect: MULTIARCH2007@4 MULTIARCH2006@9
