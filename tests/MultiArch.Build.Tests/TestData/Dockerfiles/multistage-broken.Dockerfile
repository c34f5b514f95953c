ARG TARGETARCH=amd64
ARG NODE_PLATFORM=linux/amd64

FROM --platform=${NODE_PLATFORM} node:20 AS web
WORKDIR /web
COPY web/ .
RUN npm ci && npm run build

FROM --platform=$BUILDPLATFORM alpine:3.19 AS runtime-base
RUN apk add --no-cache ca-certificates

FROM runtime-base AS runtime
COPY --from=web /web/dist /srv/www
RUN echo "arch: $TARGETARCH" > /etc/arch
# platforms: linux/amd64,linux/arm64
# expect: MULTIARCH2005@1 MULTIARCH2006@4 MULTIARCH2001@9 MULTIARCH2004@14
