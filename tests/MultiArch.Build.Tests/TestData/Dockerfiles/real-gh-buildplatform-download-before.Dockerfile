#syntax=docker/dockerfile:1.2
FROM --platform=$BUILDPLATFORM alpine:3.21.3 as builder

ARG TARGETPLATFORM
ARG BUILDPLATFORM
ARG GH_VERSION=2.10.1

RUN export RELEASE_LOCATION="${GH_VERSION}_$(echo "${BUILDPLATFORM//\//_}")" && \
    apk add --no-cache wget rsync && \
    wget https://github.com/cli/cli/releases/download/v${GH_VERSION}/gh_${RELEASE_LOCATION}.tar.gz && \
    tar -zxvf gh_${RELEASE_LOCATION}.tar.gz && \
    chmod +x gh_${RELEASE_LOCATION}/bin/gh && \
    rsync -az --remove-source-files gh_${RELEASE_LOCATION}/bin/ /usr/bin

FROM alpine:3.21.3 as gh

RUN apk add --no-cache git libc6-compat
COPY --from=builder /usr/bin/gh /usr/bin/

VOLUME /gh
WORKDIR /gh

ENTRYPOINT ["gh"]
CMD ["--help"]

# source: https://github.com/maniator/gh/blob/cdab6c76aa1234cd44b0058d6d984aee1a4fd29d/Dockerfile (MIT license)
# Before 9b805f1f55c2f476b6ef1e857a609239ee93333d 'fix: patch base-image vulnerabilities; correct multi-arch; safer tags + CI (#43)': a $BUILDPLATFORM stage downloads the gh release named from $BUILDPLATFORM and the image copies /usr/bin/gh from it: every platform shipped the build machine's gh (#43, #42, issue #41)
# expect: MULTIARCH2019@8 MULTIARCH2007@17
